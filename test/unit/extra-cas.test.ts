/**
 * NODE_EXTRA_CA_CERTS kept out of mini-run's own Node starts (≈ 37 ms each) and applied where TLS
 * is made: the sh lines of bin/mini-run and bin/mini-runc, the C front door's hand-over to Node,
 * the environments of the Node processes mini-run starts, and the CA list a verifying client uses.
 */
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import tls from 'node:tls';
import { extraCaList, pemCertificates } from '../../src/image/registry/extra-cas';
import { foreignChildEnv, nodeChildEnv } from '../../src/sys/node-env';

const REPO = resolve(__dirname, '..', '..');
let dir: string;
let cert: string;

beforeAll(() => {
  dir = mkdtempSync('/tmp/mr-test-extracas-');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'ca.pem'),
    '-subj', '/CN=mr-extra-ca.test'], { stdio: 'pipe' });
  cert = readFileSync(join(dir, 'ca.pem'), 'utf8').trim();
  // A fake `node` first on PATH: prints what it was given (the variables and its arguments).
  writeFileSync(join(dir, 'node'), '#!/bin/sh\nprintf "NODE=%s MINI=%s ARGS=%s\\n" "${NODE_EXTRA_CA_CERTS-unset}" "${MINI_RUN_EXTRA_CA_CERTS-unset}" "$*"\n');
  chmodSync(join(dir, 'node'), 0o755);
});

afterAll(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

/** Run `file args` with only these variables and the fake node first on PATH. */
function withFakeNode(file: string, args: string[], vars: Record<string, string>): string {
  const r = spawnSync(file, args, { env: { PATH: `${dir}:/usr/bin:/bin`, ...vars }, encoding: 'utf8' });
  expect(r.stderr).toBe('');
  return r.stdout;
}

describe("the start of mini-run's own Node processes", () => {
  for (const bin of ['mini-run', 'mini-runc']) {
    it(`bin/${bin} as typed: NODE_EXTRA_CA_CERTS moves to MINI_RUN_EXTRA_CA_CERTS before node starts`, () => {
      const file = join(REPO, 'bin', bin);
      expect(withFakeNode(file, ['ps', '-a'], { NODE_EXTRA_CA_CERTS: '/etc/x.pem' })).toBe(`NODE=unset MINI=/etc/x.pem ARGS=${file} ps -a\n`);
      // Empty or absent: nothing set (an empty one means nothing to Node either).
      expect(withFakeNode(file, ['ps'], { NODE_EXTRA_CA_CERTS: '' })).toBe(`NODE= MINI=unset ARGS=${file} ps\n`);
      expect(withFakeNode(file, ['ps'], {})).toBe(`NODE=unset MINI=unset ARGS=${file} ps\n`);
      // The user's newest word wins over a MINI_RUN_EXTRA_CA_CERTS inherited from elsewhere.
      expect(withFakeNode(file, ['ps'], { NODE_EXTRA_CA_CERTS: '/a.pem', MINI_RUN_EXTRA_CA_CERTS: '/b.pem' })).toBe(`NODE=unset MINI=/a.pem ARGS=${file} ps\n`);
    });
  }

  it('the C front door hands over to Node with the variable moved', () => {
    const front = join(REPO, 'native', 'build', 'mini-run-front');
    if (!existsSync(front)) { console.log('skipped: native/build/mini-run-front is not built (no compiler)'); return; }
    const script = join(REPO, 'bin', 'mini-run');
    expect(withFakeNode(front, [script, 'version'], { NODE_EXTRA_CA_CERTS: '/etc/x.pem' })).toBe(`NODE=unset MINI=/etc/x.pem ARGS=${script} version\n`);
    expect(withFakeNode(front, [script, 'version'], {})).toBe(`NODE=unset MINI=unset ARGS=${script} version\n`);
  });

  it('the environment of a Node child of ours (supervisor, probes) and of a foreign program (credential helper)', () => {
    expect(nodeChildEnv({ A: '1', NODE_EXTRA_CA_CERTS: '/x.pem' })).toEqual({ A: '1', MINI_RUN_EXTRA_CA_CERTS: '/x.pem' });
    expect(nodeChildEnv({ A: '1', MINI_RUN_EXTRA_CA_CERTS: '/x.pem' })).toEqual({ A: '1', MINI_RUN_EXTRA_CA_CERTS: '/x.pem' });
    expect(nodeChildEnv({ NODE_EXTRA_CA_CERTS: '' })).toEqual({});
    expect(foreignChildEnv({ A: '1', MINI_RUN_EXTRA_CA_CERTS: '/x.pem' })).toEqual({ A: '1', NODE_EXTRA_CA_CERTS: '/x.pem' });
    expect(foreignChildEnv({ NODE_EXTRA_CA_CERTS: '/y.pem', MINI_RUN_EXTRA_CA_CERTS: '/x.pem' })).toEqual({ NODE_EXTRA_CA_CERTS: '/y.pem' });
  });
});

describe('the CA list of a verifying TLS client', () => {
  const lines: string[] = [];
  const warn = (l: string) => lines.push(l);

  it("nothing to add: Node's default store (null), no warning", () => {
    lines.length = 0;
    expect(extraCaList({}, warn)).toBeNull();
    expect(extraCaList({ MINI_RUN_EXTRA_CA_CERTS: '' }, warn)).toBeNull();
    // Started as `node bin/mini-run` with the variable: Node loaded the file itself.
    expect(extraCaList({ MINI_RUN_EXTRA_CA_CERTS: join(dir, 'ca.pem'), NODE_EXTRA_CA_CERTS: join(dir, 'ca.pem') }, warn)).toBeNull();
    expect(lines).toEqual([]);
  });

  it("the file's certificates are added to Node's bundled roots (as NODE_EXTRA_CA_CERTS does)", () => {
    lines.length = 0;
    const ca = extraCaList({ MINI_RUN_EXTRA_CA_CERTS: join(dir, 'ca.pem') }, warn)!;
    expect(lines).toEqual([]);
    expect(ca).toContain(cert);
    expect(ca.length).toBe(tls.rootCertificates.length + 1);
    for (const root of tls.rootCertificates) expect(ca).toContain(root.trim());
  });

  it("both variables naming different files: both files' certificates (a `ca` list replaces Node's store)", () => {
    const other = join(dir, 'other.pem');
    writeFileSync(other, `${tls.rootCertificates[0]}\n`);
    const ca = extraCaList({ MINI_RUN_EXTRA_CA_CERTS: join(dir, 'ca.pem'), NODE_EXTRA_CA_CERTS: other }, warn)!;
    expect(ca).toContain(cert);
    expect(ca.length).toBe(tls.rootCertificates.length + 1); // (other.pem's one is a root already: once)
  });

  it('an unreadable or certificate-less file: the one-line warning Node gives, then the default roots', () => {
    lines.length = 0;
    expect(extraCaList({ MINI_RUN_EXTRA_CA_CERTS: join(dir, 'missing.pem') }, warn)).toBeNull();
    writeFileSync(join(dir, 'empty.pem'), '');
    expect(extraCaList({ MINI_RUN_EXTRA_CA_CERTS: join(dir, 'empty.pem') }, warn)).toBeNull();
    expect(extraCaList({ MINI_RUN_EXTRA_CA_CERTS: dir }, warn)).toBeNull();
    expect(lines).toEqual([
      `Warning: Ignoring extra certs from \`${join(dir, 'missing.pem')}\`, load failed: No such file or directory\n`,
      `Warning: Ignoring extra certs from \`${join(dir, 'empty.pem')}\`, load failed: no PEM certificate in it\n`,
      `Warning: Ignoring extra certs from \`${dir}\`, load failed: Is a directory\n`,
    ]);
  });

  it('PEM blocks that are not certificates are skipped', () => {
    const text = `junk\n-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n${cert}\n`;
    expect(pemCertificates(text)).toEqual([cert]);
  });
});
