/**
 * Issue 20: what a learner of the notes types, side by side with the Docker engine. Each test
 * runs the command in mini-run and (when a Docker engine answers; the test setup starts one
 * under /tmp) in Docker, and compares what the user sees.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hostname } from 'node:os';
import { BIN, leaksFor, mr, removeRoot, tempRoot } from '../helpers/cli';

let root: string;
let work: string;
const m = (...args: string[]) => mr(root, args);
const TAG = `mr-parity-${process.pid}`;
let docker = false;

const dk = (args: string[], input?: Buffer) => spawnSync('docker', args, { input, encoding: 'buffer', timeout: 60_000 });
/** mini-run with a binary stdin, binary stdout. */
const mrBin = (args: string[], input?: Buffer) =>
  spawnSync(process.execPath, [BIN, '--root', root, ...args], { input, encoding: 'buffer', timeout: 60_000 });
/** `tar -tv` of a tar held in memory, as "type mode owner name" lines (no dates). */
const listing = (tar: Buffer) =>
  spawnSync('tar', ['-tvf', '-', '--numeric-owner'], { input: tar, encoding: 'utf8' }).stdout.trim().split('\n')
    .map((l) => { const f = l.split(/\s+/); return `${f[0]} ${f[1]} ${f[5]}${f[6] ? ' ' + f.slice(6).join(' ') : ''}`; });

beforeAll(() => {
  root = tempRoot('parity');
  work = mkdtempSync('/tmp/mr-test-paritywork-');
  // One small image for both engines, made by GNU tar: /data/f, /data/sub/g, /data/link -> f.
  mkdirSync(join(work, 'img/data/sub'), { recursive: true });
  writeFileSync(join(work, 'img/data/f'), 'eff\n');
  writeFileSync(join(work, 'img/data/sub/g'), 'gee\n');
  symlinkSync('f', join(work, 'img/data/link'));
  mkdirSync(join(work, 'img/in'));
  expect(spawnSync('tar', ['-C', join(work, 'img'), '--owner=0', '--group=0', '-cf', join(work, 'img.tar'), 'data', 'in']).status).toBe(0);
  expect(m('import', join(work, 'img.tar'), TAG).status).toBe(0);
  const info = spawnSync('docker', ['info', '--format', '{{.ServerVersion}}'], { encoding: 'utf8' });
  docker = info.status === 0;
  if (!docker) console.log('Docker comparisons skipped: no Docker engine answers (`docker info` failed)');
  else expect(dk(['import', join(work, 'img.tar'), TAG]).status).toBe(0);
});

afterAll(() => {
  m('rm', '-f', 'mr-parity-c');
  if (docker) {
    dk(['rm', '-f', `mr-parity-c-${process.pid}`]);
    dk(['volume', 'rm', '-f', '007']);
    dk(['rmi', '-f', TAG]);
  }
  expect(leaksFor(root)).toEqual([]);
  removeRoot(root);
  rmSync(work, { recursive: true, force: true });
});

describe('references made only of digits stay strings (item 3)', () => {
  it('a digits-only id prefix finds the container; a leading zero is kept', () => {
    // a container whose id starts with a digit (10 of 16 do)
    let id = '';
    for (let i = 0; i < 20 && !/^\d/.test(id); i++) {
      if (id) m('rm', id);
      id = m('create', TAG, '/bin/true').stdout.trim();
    }
    const digits = id.match(/^\d+/)![0];
    const r = m('inspect', '-f', '{{.Id}}', digits);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe(id);
    expect(m('stop', digits)).toMatchObject({ status: 0, stdout: `${digits}\n` });
    expect(m('rm', digits)).toMatchObject({ status: 0, stdout: `${digits}\n` });
  });

  it('volume and network names like 007 and 123, as Docker', () => {
    const mine = [m('volume', 'create', '007').stdout, m('volume', 'ls', '-q').stdout, m('volume', 'rm', '007').stdout];
    expect(mine).toEqual(['007\n', '007\n', '007\n']);
    if (docker) {
      const theirs = [dk(['volume', 'create', '007']), dk(['volume', 'ls', '-q', '-f', 'name=^007$']), dk(['volume', 'rm', '007'])];
      expect(theirs.map((r) => String(r.stdout))).toEqual(mine);
    }
    expect(m('network', 'create', '123').status).toBe(0);
    expect(m('network', 'inspect', '-f', '{{.Name}}', '123').stdout).toBe('123\n');
    expect(m('network', 'rm', '123')).toMatchObject({ status: 0, stdout: '123\n' });
  });
});

describe('cp with "-": a tar on stdout, a tar from stdin (item 2)', () => {
  beforeAll(() => {
    expect(m('create', '--name', 'mr-parity-c', TAG, '/bin/true').status).toBe(0);
    if (docker) expect(dk(['create', '--name', `mr-parity-c-${process.pid}`, TAG, '/bin/true']).status).toBe(0);
  });

  it('cp CTR:/data - writes the tree as a tar, as Docker does, and no ./true appears', () => {
    const r = mrBin(['cp', 'mr-parity-c:/data', '-']);
    expect(String(r.stderr)).toBe('');
    expect(r.status).toBe(0);
    const mine = listing(r.stdout);
    expect(mine.map((l) => l.split(' ').slice(2).join(' ')).sort()).toEqual(['data/', 'data/f', 'data/link -> f', 'data/sub/', 'data/sub/g']);
    expect(existsSync('true')).toBe(false);
    if (docker) {
      const d = dk(['cp', `mr-parity-c-${process.pid}:/data`, '-']);
      expect(d.status).toBe(0);
      expect(mine.sort()).toEqual(listing(d.stdout).sort());
    }
    const one = mrBin(['cp', 'mr-parity-c:/data/f', '-']);
    expect(spawnSync('tar', ['-xOf', '-'], { input: one.stdout, encoding: 'utf8' }).stdout).toBe('eff\n');
  });

  it('cp - CTR:/in unpacks a tar from stdin, as Docker does', () => {
    const tar = spawnSync('tar', ['-C', join(work, 'img'), '--owner=0', '--group=0', '-cf', '-', 'data'], { maxBuffer: 1 << 20 }).stdout;
    const r = mrBin(['cp', '-', 'mr-parity-c:/in'], tar);
    expect([r.status, String(r.stderr)]).toEqual([0, '']);
    const mine = listing(mrBin(['cp', 'mr-parity-c:/in', '-']).stdout);
    expect(mine.map((l) => l.split(' ').slice(2).join(' ')).sort()).toEqual(['in/', 'in/data/', 'in/data/f', 'in/data/link -> f', 'in/data/sub/', 'in/data/sub/g']);
    if (docker) {
      expect(dk(['cp', '-', `mr-parity-c-${process.pid}:/in`], tar).status).toBe(0);
      expect(mine.sort()).toEqual(listing(dk(['cp', `mr-parity-c-${process.pid}:/in`, '-']).stdout).sort());
    }
    // not a directory, not a tar: one line each, exit 1, as Docker
    const notDir = mrBin(['cp', '-', 'mr-parity-c:/data/f'], tar);
    expect([notDir.status, String(notDir.stderr)]).toEqual([1, 'mini-run: cp: destination "mr-parity-c:/data/f" must be a directory\n']);
    const notTar = mrBin(['cp', '-', 'mr-parity-c:/in'], Buffer.from('not a tar'));
    expect(notTar.status).toBe(1);
    expect(String(notTar.stderr)).toMatch(/^mini-run: cp: the input is not a valid tar archive: .*\n$/);
  });

  it('attack (tar path traversal / symlink escape, CVE-2018-15664 class): a tar that plants evil -> / and writes evil/…, or names ../…, cannot write the host', () => {
    const s1 = join(work, 'atk1');
    const s2 = join(work, 'atk2');
    mkdirSync(join(s2, 'evil'), { recursive: true });
    mkdirSync(join(s2, 'sub'));
    mkdirSync(s1);
    symlinkSync('/', join(s1, 'evil'));
    const victim = join(work, 'pwned');
    const rel = victim.slice(1); // evil/<work>/pwned = /<work>/pwned if the link were followed on the host
    mkdirSync(join(s2, 'evil', rel, '..'), { recursive: true });
    writeFileSync(join(s2, 'evil', rel), 'pwned\n');
    writeFileSync(join(s2, 'up'), 'up\n');
    const tarFile = join(work, 'atk.tar');
    expect(spawnSync('tar', ['-C', s1, '-cf', tarFile, 'evil']).status).toBe(0);
    expect(spawnSync('tar', ['-C', s2, '-rf', tarFile, `evil/${rel}`]).status).toBe(0);
    const r = mrBin(['cp', '-', 'mr-parity-c:/in'], readFileSync(tarFile));
    // the link is created (as a link), and nothing is written through it: not on the host, not elsewhere
    expect([r.status, String(r.stderr)]).toEqual([1, 'mini-run: cp: cannot extract below evil: not a directory (or a symbolic link)\n']);
    expect(existsSync(victim)).toBe(false);
    expect(listing(mrBin(['cp', 'mr-parity-c:/in/evil', '-']).stdout)).toEqual([expect.stringMatching(/^l\S+ 0\/0 evil -> \/$/)]);
    // "../up" from /in: refused, nothing written above the destination or on the host
    const upTar = spawnSync('tar', ['-C', join(s2, 'sub'), '-P', '-cf', '-', '../up']).stdout;
    const u = mrBin(['cp', '-', 'mr-parity-c:/in'], upTar);
    expect([u.status, String(u.stderr)]).toEqual([1, 'mini-run: cp: the archive names a path outside the destination: ../up\n']);
    expect(mrBin(['cp', 'mr-parity-c:/up', '-']).status).toBe(1);
  });
});

describe('the hostname in host and container network modes (item 4)', () => {
  const BB = 'mini-run/busybox';
  afterAll(() => { m('rm', '-f', 'mr-parity-net', 'mr-parity-joined'); });

  it('--network host: the host\'s name; --network container:X: X\'s hostname, and NetworkMode names X by its full id', () => {
    expect(m('run', '--rm', '--network', 'host', BB, 'hostname')).toMatchObject({ status: 0, stdout: `${hostname()}\n` });
    const id = m('run', '-d', '--name', 'mr-parity-net', '--hostname', 'netowner', BB, 'sleep', '60').stdout.trim();
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    expect(m('run', '--rm', '--network', 'container:mr-parity-net', BB, 'hostname')).toMatchObject({ status: 0, stdout: 'netowner\n' });
    expect(m('create', '--name', 'mr-parity-joined', '--network', 'container:mr-parity-net', BB, 'true').status).toBe(0);
    expect(m('inspect', '-f', '{{.HostConfig.NetworkMode}} {{.Config.Hostname}}', 'mr-parity-joined').stdout).toBe(`container:${id} netowner\n`);
    const both = m('run', '--rm', '--network', 'container:mr-parity-net', '--hostname', 'x', BB, 'true');
    expect([both.status, both.stderr]).toEqual([125, 'mini-run: conflicting options: hostname and the network mode\n']);
  });
});
