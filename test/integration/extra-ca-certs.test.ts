/**
 * NODE_EXTRA_CA_CERTS without Node's start-up cost (issue 16): Node parses that file before any
 * JavaScript (≈ 37 ms of every start for a system bundle), so `bin/mini-run` as typed moves it to
 * MINI_RUN_EXTRA_CA_CERTS and mini-run applies it where it makes TLS. Here: the CLI and the
 * `run -d` supervisor (Node processes of ours) really start without it, and `build`'s
 * ADD <https URL> trusts the CA it names (and refuses a certificate nobody trusts).
 * Registry pulls through TLS, proxies and the MITM refusal: registry-networks.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readlinkSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { basename, join } from 'node:path';
import { BIN, mr, removeAllContainers, tempRoot, until } from '../helpers/cli';

let work: string;
let root: string;
let server: https.Server;
let port: number;

interface Run { status: number; stdout: string; stderr: string }

/** `bin/mini-run …` as typed (`node` = true: `node bin/mini-run …`), not waiting synchronously (the https server is here). */
function cli(args: string[], env: NodeJS.ProcessEnv, opts: { node?: boolean; onSpawn?: (pid: number, end: () => void) => void } = {}): Promise<Run> {
  return new Promise((res) => {
    const child = opts.node
      ? spawn(process.execPath, [BIN, '--root', root, ...args], { env: { ...process.env, ...env } })
      : spawn(BIN, ['--root', root, ...args], { env: { ...process.env, ...env } });
    let stdout = '', stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    if (opts.onSpawn) opts.onSpawn(child.pid!, () => child.stdin.end());
    else child.stdin.end();
    child.on('close', (code) => res({ status: code ?? -1, stdout, stderr }));
  });
}

/** The environment of a process as the kernel holds it (what it was started with). */
function environOf(pid: number): string[] {
  return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter(Boolean);
}
const caVars = (env: string[]) => env.filter((v) => /^(NODE|MINI_RUN)_EXTRA_CA_CERTS=/.test(v));

beforeAll(async () => {
  work = mkdtempSync('/tmp/mr-test-extraca-');
  root = tempRoot('extraca');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-keyout', join(work, 'key.pem'), '-out', join(work, 'ca.pem'),
    '-subj', '/CN=mr-extraca', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'pipe' });
  server = https.createServer({ key: readFileSync(join(work, 'key.pem')), cert: readFileSync(join(work, 'ca.pem')) }, (req, res) => {
    if (req.url === '/files/notes.txt') { res.writeHead(200, { 'Last-Modified': 'Wed, 21 Oct 2015 07:28:00 GMT' }); res.end('served over TLS\n'); return; }
    res.writeHead(404); res.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  const leaks = root ? removeAllContainers(root) : [];
  server?.closeAllConnections();
  await new Promise((r) => (server ? server.close(r) : r(null)));
  if (root) rmSync(root, { recursive: true, force: true });
  if (work) rmSync(work, { recursive: true, force: true });
  expect(leaks).toEqual([]);
});

describe("mini-run's own Node processes start without NODE_EXTRA_CA_CERTS", () => {
  it('the CLI as typed (sh path): its environment has MINI_RUN_EXTRA_CA_CERTS, not the Node variable', async () => {
    const ca = join(work, 'ca.pem');
    let seen: string[] = [];
    const r = await cli(['run', '--rm', '-i', '--network', 'none', 'mini-run/busybox', 'cat'], { NODE_EXTRA_CA_CERTS: ca, MINI_RUN_EXTRA_CA_CERTS: '' }, {
      onSpawn: (pid, end) => {
        // Once sh has exec'd node (same pid), read what the kernel says node was started with.
        until(() => { try { return basename(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0]) === 'node'; } catch { return false; } }, 30_000)
          .then(() => { seen = caVars(environOf(pid)); }, () => { seen = ['cmdline never showed node']; })
          .finally(end);
      },
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(seen).toEqual([`MINI_RUN_EXTRA_CA_CERTS=${ca}`]);
  });

  it('the `run -d` supervisor gets MINI_RUN_EXTRA_CA_CERTS (also when the CLI was started as `node bin/mini-run` with the Node variable)', async () => {
    const ca = join(work, 'ca.pem');
    for (const node of [false, true]) {
      const r = await cli(['run', '-d', '--network', 'none', 'mini-run/busybox', 'sleep', '600'], { NODE_EXTRA_CA_CERTS: ca, MINI_RUN_EXTRA_CA_CERTS: '' }, { node });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      const id = r.stdout.trim();
      const pid = Number(mr(root, ['inspect', '--format', '{{.State.Pid}}', id]).stdout.trim());
      expect(pid).toBeGreaterThan(0);
      // The container's first process is the supervisor's child.
      const ppid = Number(/^PPid:\s+(\d+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
      // A Node process of ours (it names itself "mini-run-shim ID").
      expect(readlinkSync(`/proc/${ppid}/exe`)).toBe(realpathSync(process.execPath));
      expect(readFileSync(`/proc/${ppid}/cmdline`, 'utf8')).toContain(id.slice(0, 12));
      expect(caVars(environOf(ppid))).toEqual([`MINI_RUN_EXTRA_CA_CERTS=${ca}`]);
      expect(mr(root, ['rm', '-f', id]).status).toBe(0);
    }
  });
});

describe('build: ADD <https URL> trusts NODE_EXTRA_CA_CERTS', () => {
  it('the test CA given: fetched (as typed and as `node bin/mini-run`); not given: refused with one line, exit 1 (MITM class)', async () => {
    const ctx = mkdtempSync(join(work, 'ctx-'));
    const url = `https://127.0.0.1:${port}/files/notes.txt`;
    writeFileSync(join(ctx, 'Dockerfile'), `FROM mini-run/busybox\nADD ${url} /dl/\n`);
    const ca = { NODE_EXTRA_CA_CERTS: join(work, 'ca.pem'), MINI_RUN_EXTRA_CA_CERTS: '' };
    for (const node of [false, true]) {
      const r = await cli(['build', '--network', 'none', '-t', 'mr-extraca-add', ctx], ca, { node });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      const got = mr(root, ['run', '--rm', '--network', 'none', 'mr-extraca-add', 'sh', '-c', 'cat /dl/notes.txt; stat -c "%a %Y" /dl/notes.txt']);
      expect(got.stdout).toBe('served over TLS\n600 1445412480\n');
      expect(mr(root, ['rmi', 'mr-extraca-add']).status).toBe(0);
    }
    // Nobody trusts this self-signed certificate: no download, no image.
    for (const env of [{ NODE_EXTRA_CA_CERTS: '', MINI_RUN_EXTRA_CA_CERTS: '' }, { NODE_EXTRA_CA_CERTS: '/etc/ssl/certs/ca-certificates.crt', MINI_RUN_EXTRA_CA_CERTS: '' }]) {
      const r = await cli(['build', '--network', 'none', '-t', 'mr-extraca-no', ctx], env);
      expect(r.stderr).toBe(`mini-run: Dockerfile:2: ADD failed: Get "${url}": self-signed certificate\n`);
      expect(r.status).toBe(1);
      expect(mr(root, ['images', '-q', 'mr-extraca-no']).stdout).toBe('');
    }
  });
});
