import { mkdtempSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { capabilityFacts, decodeCapabilityMask, mountInfo, namespaceFacts, parseMountInfo, ProcessGoneError, resolveLowerdir } from '../../src/engine/live-facts';

const HEX = '051d9e93c5b63f1c7abfae95da51956c331e6304ef71f763002058e0dd06aeed';

describe('decodeCapabilityMask', () => {
  it("decodes docker's default set (0xa80425fb) into its 14 names", () => {
    const names = decodeCapabilityMask('00000000a80425fb');
    expect(names).toHaveLength(14);
    expect(names).toContain('CAP_NET_BIND_SERVICE');
    expect(names).not.toContain('CAP_SYS_ADMIN');
  });
  it('names bits beyond the known table cap_N', () => {
    expect(decodeCapabilityMask('8000000000000001')).toEqual(['CAP_CHOWN', 'cap_63']);
  });
});

describe('parseMountInfo', () => {
  const text = [
    '100 53 0:50 / / rw,nodev,relatime - overlay overlay rw,lowerdir=AAAAAAAAAA:BBBBBBBBBB,upperdir=/r/containers/x/upper,workdir=/r/containers/x/work,uuid=on',
    '55 101 0:6 /null /proc/interrupts rw,relatime - devtmpfs devtmpfs rw,size=123k,mode=755',
    '62 101 0:52 /sys /proc/sys ro,nosuid,nodev,noexec,relatime shared:5 - proc proc rw',
    '70 100 254:0 /my\\040dir /mnt/with\\040space rw - ext4 /dev/vda rw',
  ].join('\n');
  it('reads the fields, propagation tags and super options, unescaping \\040', () => {
    const m = parseMountInfo(text);
    expect(m).toHaveLength(4);
    expect(m[0]).toMatchObject({ mountPoint: '/', fstype: 'overlay', source: 'overlay' });
    expect(m[0].superOptions).toContain('upperdir=/r/containers/x/upper');
    expect(m[1]).toMatchObject({ root: '/null', mountPoint: '/proc/interrupts', fstype: 'devtmpfs' });
    expect(m[2].options).toContain('ro');
    expect(m[2].optional).toEqual(['shared:5']);
    expect(m[3]).toMatchObject({ root: '/my dir', mountPoint: '/mnt/with space' });
  });
  it("parses this process's own mount table", () => {
    expect(mountInfo('self').some((m) => m.mountPoint === '/')).toBe(true);
  });
});

describe('resolveLowerdir', () => {
  // made in beforeAll, not while collecting: a filtered run (-t) would skip the afterAll
  let root = '';
  beforeAll(() => { root = mkdtempSync('/tmp/mr-test-lowerdir-'); });
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  it("follows a layer store's short link to the layer directory and its diff_id", () => {
    mkdirSync(join(root, 'layers', HEX, 'fs'), { recursive: true });
    mkdirSync(join(root, 'layers', 'l'));
    symlinkSync(`../${HEX}/fs`, join(root, 'layers', 'l', 'ABCDEFGHIJ'));
    expect(resolveLowerdir('ABCDEFGHIJ', join(root, 'layers', 'l'))).toEqual({
      given: 'ABCDEFGHIJ', path: join(root, 'layers', HEX, 'fs'), diffId: `sha256:${HEX}`,
    });
  });
  it('keeps an absolute directory that is not a layer as it is, without a diff_id', () => {
    expect(resolveLowerdir('/srv/lower', '/nowhere')).toEqual({ given: '/srv/lower', path: '/srv/lower', diffId: null });
  });
});

describe('reading a process', () => {
  it('finds every namespace of this process shared with itself', () => {
    const facts = namespaceFacts(process.pid);
    expect(facts.map((f) => f.type)).toEqual(expect.arrayContaining(['mnt', 'uts', 'ipc', 'pid', 'net']));
    expect(facts.every((f) => f.shared && /^\w+:\[\d+\]$/.test(f.inside))).toBe(true);
  });
  it('reports a process that does not exist as gone, in one clear error', () => {
    expect(() => capabilityFacts(2 ** 22 + 7)).toThrow(ProcessGoneError);
    expect(() => namespaceFacts(2 ** 22 + 7)).toThrow(/process \d+ is gone/);
  });
});

describe('doctor helpers', () => {
  it('tells a static ELF from a dynamically linked one by its PT_INTERP header', async () => {
    const { hasInterpreter } = await import('../../src/engine/doctor');
    const { readFileSync } = await import('node:fs');
    expect(hasInterpreter(readFileSync(process.execPath))).toBe(true); // node needs ld.so
    expect(hasInterpreter(Buffer.from('#!/bin/sh\necho hi\n'))).toBe(false);
  });
  it('reads the kernel version from a uname release', async () => {
    const { kernelVersion } = await import('../../src/engine/doctor');
    expect(kernelVersion('6.1.0-18-amd64')).toEqual([6, 1]);
    expect(kernelVersion('weird')).toEqual([0, 0]);
  });
  it('prints one aligned line per check and a fix under each non-ok one', async () => {
    const { renderChecks } = await import('../../src/cli/commands/doctor');
    expect(renderChecks([
      { status: 'ok', name: 'root', detail: 'running as root' },
      { status: 'FAIL', name: 'overlayfs', detail: 'missing', fix: 'modprobe overlay' },
    ])).toBe('ok    root       running as root\nFAIL  overlayfs  missing\n                 to fix: modprobe overlay\n');
  });
});

describe('doctor: sudo PATH', () => {
  it('nvm node: says neither is found by sudo and prints the exact lines', async () => {
    const { sudoPathCheck } = await import('../../src/engine/doctor');
    const node = '/home/ann/.nvm/versions/node/v22.11.0/bin/node';
    const cli = '/home/ann/.nvm/versions/node/v22.11.0/lib/node_modules/mini-run/bin/mini-run';
    const c = sudoPathCheck(node, cli, () => false);
    expect(c.status).toBe('warn');
    expect(c.detail).toBe(`sudo's PATH (secure_path) has no node (${node}) and no mini-run (${cli}): node from nvm, fnm or volta lives in your home directory`);
    expect(c.fix).toBe(`sudo ln -sf ${node} /usr/local/bin/node && sudo ln -sf ${cli} /usr/local/bin/mini-run   (or run: sudo env "PATH=$PATH" mini-run …)`);
  });

  it('node and mini-run in /usr/local/bin or /usr/bin: ok', async () => {
    const { sudoPathCheck } = await import('../../src/engine/doctor');
    const have = new Set(['/usr/bin/node', '/usr/local/bin/mini-run']);
    expect(sudoPathCheck('/usr/bin/node', '/usr/lib/node_modules/mini-run/bin/mini-run', (p) => have.has(p)).status).toBe('ok');
    const onlyNode = sudoPathCheck('/usr/bin/node', '/src/mini-run/bin/mini-run', (p) => p === '/usr/bin/node');
    expect(onlyNode.fix).toBe('sudo ln -sf /src/mini-run/bin/mini-run /usr/local/bin/mini-run   (or run: sudo env "PATH=$PATH" mini-run …)');
  });
});
