/**
 * Pulls as real networks and terminals need them (issue 17):
 *  - through an HTTP proxy (HTTPS_PROXY / HTTP_PROXY / NO_PROXY, and the config file's
 *    `proxies` key), as in a network where only the proxy reaches registries;
 *  - progress drawn in a real pty (script(1)) fitting its width;
 *  - zstd-compressed layers (pushed by skopeo): unpacked where node:zlib has zstd, one clear
 *    line naming the media type where it has not (Node 20).
 *
 * The registries are real docker-registry processes on 127.0.0.1 (one serving TLS with a
 * certificate made here for the name "mr-proxied.test"). Their names end in ".test", which no
 * DNS resolves: only the proxy written in this test knows that they live on 127.0.0.1, so a
 * pull that works went through it. The proxy logs every CONNECT and forwarded request.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { join } from 'node:path';
import zlib from 'node:zlib';
import { BIN, removeRoot, tempRoot } from '../helpers/cli';
import { busyboxArchive, freePort, mrAsync, Registry, skopeoPush, startRegistry } from '../fixtures/registry';

const TLS_NAME = 'mr-proxied.test';
const PLAIN_NAME = 'mr-plain.test';

let fx: string;
let tlsReg: Registry;
let plainReg: Registry;
let zstdReg: Registry;
let proxy: http.Server;
let proxyUrl: string;
/** "CONNECT host:port" and "GET http://…" lines, as the proxy saw them. */
const seen: string[] = [];
/** When set, the proxy wants this Proxy-Authorization and answers 407 otherwise. */
let wantAuth: string | null = null;
const roots: string[] = [];

function newRoot(): string {
  const r = tempRoot('proxy');
  roots.push(r);
  return r;
}

/** "mr-proxied.test:PORT" → 127.0.0.1:PORT (the proxy's own "DNS"); anything else refused. */
function upstreamPort(host: string): number | null {
  const m = /^(mr-[a-z]+\.test|127\.0\.0\.1):(\d+)$/.exec(host);
  return m ? Number(m[2]) : null;
}

function startProxy(): Promise<void> {
  proxy = http.createServer((req, res) => {
    // A forwarded plain-http request: the target is an absolute URL.
    seen.push(`${req.method} ${req.url}`);
    if (wantAuth && req.headers['proxy-authorization'] !== wantAuth) { res.writeHead(407).end(); return; }
    const url = new URL(req.url!);
    const port = upstreamPort(url.host);
    if (!port) { res.writeHead(502).end(); return; }
    const headers = { ...req.headers };
    delete headers['proxy-authorization'];
    const up = http.request({ host: '127.0.0.1', port, method: req.method, path: url.pathname + url.search, headers }, (ur) => {
      res.writeHead(ur.statusCode ?? 502, ur.headers);
      ur.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  proxy.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    seen.push(`CONNECT ${req.url}`);
    if (wantAuth && req.headers['proxy-authorization'] !== wantAuth) {
      client.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="mr"\r\n\r\n');
      return;
    }
    const port = upstreamPort(req.url ?? '');
    if (!port) { client.end('HTTP/1.1 502 Bad Gateway\r\n\r\n'); return; }
    const up = net.connect(port, '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      up.write(head);
      up.pipe(client);
      client.pipe(up);
    });
    up.on('error', () => client.destroy());
    client.on('error', () => up.destroy());
  });
  return new Promise((r) => proxy.listen(0, '127.0.0.1', () => {
    proxyUrl = `http://127.0.0.1:${(proxy.address() as net.AddressInfo).port}`;
    r();
  }));
}

/** The environment of a pull: our config file, the test CA, no proxy variables but those given. */
function pullEnv(vars: Record<string, string>, config: object = {}): NodeJS.ProcessEnv {
  const cfg = join(fx, `config-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(cfg, JSON.stringify(config));
  const env: NodeJS.ProcessEnv = { MINI_RUN_CONFIG: cfg, NODE_EXTRA_CA_CERTS: join(fx, 'cert.pem'), MINI_RUN_AUTH_CONFIG: join(fx, 'no-auth.json') };
  for (const k of ['HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'no_proxy']) env[k] = '';
  return { ...env, ...vars };
}

beforeAll(async () => {
  fx = mkdtempSync('/tmp/mr-test-proxyfx-');
  // A self-signed certificate for the registry's name: verified TLS, end to end through the tunnel.
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-keyout', join(fx, 'key.pem'), '-out', join(fx, 'cert.pem'),
    '-subj', `/CN=${TLS_NAME}`, '-addext', `subjectAltName=DNS:${TLS_NAME}`], { stdio: 'pipe' });
  [tlsReg, plainReg] = await Promise.all([startRegistry({ tls: { cert: join(fx, 'cert.pem'), key: join(fx, 'key.pem') } }), startRegistry(), startProxy()]);
  const archive = busyboxArchive(fx);
  skopeoPush(`oci-archive:${archive}`, `${tlsReg.host}/library/alpine:latest`);
  skopeoPush(`oci-archive:${archive}`, `${plainReg.host}/library/alpine:latest`);
  // --format oci: a Docker schema-2 manifest cannot name zstd layers. A registry of its own: where
  // the gzip layer is already present, skopeo reuses it instead of recompressing.
  zstdReg = await startRegistry();
  skopeoPush(`oci-archive:${archive}`, `${zstdReg.host}/zstd/app:v1`, ['--format', 'oci', '--dest-compress-format', 'zstd']);
}, 120_000);

afterAll(async () => {
  for (const r of roots) removeRoot(r);
  proxy?.closeAllConnections();
  await new Promise((r) => (proxy ? proxy.close(r) : r(null)));
  await Promise.all([tlsReg?.stop(), plainReg?.stop(), zstdReg?.stop()]);
  if (fx) rmSync(fx, { recursive: true, force: true });
});

describe('pulls through an HTTP proxy', () => {
  it('HTTPS_PROXY: an https registry is reached through CONNECT tunnels, its certificate checked against its own name', async () => {
    const ref = `${TLS_NAME}:${tlsReg.url.split(':')[2]}/library/alpine:latest`;
    const direct = await mrAsync(newRoot(), ['pull', '-q', ref], { env: pullEnv({}) });
    expect(direct.status).toBe(1);
    expect(direct.stderr).toMatch(/^mini-run: manifest for .*: .*no such host\n$/);

    seen.length = 0;
    const root = newRoot();
    const r = await mrAsync(root, ['pull', '-q', ref], { env: pullEnv({ HTTPS_PROXY: proxyUrl }) });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`${ref}\n`);
    expect(seen.length).toBeGreaterThanOrEqual(1);
    // Every request went through a tunnel to the registry (keep-alive reuses them), none in clear.
    expect(new Set(seen)).toEqual(new Set([`CONNECT ${ref.split('/')[0]}`]));
    const images = await mrAsync(root, ['images', '--format', '{{.Repository}}:{{.Tag}}'], { env: pullEnv({}) });
    expect(images.stdout).toBe(`${TLS_NAME}:${tlsReg.url.split(':')[2]}/library/alpine:latest\n`);
  });

  it('HTTP_PROXY: a plain-http (insecure) registry is reached with absolute-URL requests to the proxy', async () => {
    const host = `${PLAIN_NAME}:${plainReg.host.split(':')[1]}`;
    seen.length = 0;
    const r = await mrAsync(newRoot(), ['pull', '-q', `${host}/library/alpine:latest`], {
      env: pullEnv({ HTTP_PROXY: proxyUrl }, { 'insecure-registries': [host] }),
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(seen).toContain(`GET http://${host}/v2/library/alpine/manifests/latest`);
    expect(seen.every((l) => l.startsWith(`GET http://${host}/v2/`) || l.startsWith(`HEAD http://${host}/v2/`))).toBe(true);
  });

  it('NO_PROXY names and loopback registries go direct (the proxy sees nothing)', async () => {
    const port = tlsReg.url.split(':')[2];
    seen.length = 0;
    const vars = { HTTPS_PROXY: proxyUrl, HTTP_PROXY: proxyUrl };
    for (const noProxy of ['.test', `${TLS_NAME}`, `*.test:${port}`, '*']) {
      const r = await mrAsync(newRoot(), ['pull', '-q', `${TLS_NAME}:${port}/library/alpine:latest`], { env: pullEnv({ ...vars, no_proxy: noProxy }) });
      expect(r.status, noProxy).toBe(1);
      expect(r.stderr, noProxy).toMatch(/no such host\n$/);
    }
    // A NO_PROXY entry for another port does not match: this one goes through.
    const other = await mrAsync(newRoot(), ['pull', '-q', `${TLS_NAME}:${port}/library/alpine:latest`], { env: pullEnv({ ...vars, NO_PROXY: `${TLS_NAME}:1` }) });
    expect(other.stderr).toBe('');
    expect(seen.length).toBeGreaterThan(0);
    seen.length = 0;
    const loop = await mrAsync(newRoot(), ['pull', '-q', `${plainReg.host}/library/alpine:latest`], { env: pullEnv(vars) });
    expect(loop.stderr).toBe('');
    expect(loop.status).toBe(0);
    expect(seen).toEqual([]);
  });

  it("the config file's proxies key wins over the environment (it survives sudo's env_reset)", async () => {
    seen.length = 0;
    const dead = `http://127.0.0.1:${await freePort()}`;
    const ref = `${TLS_NAME}:${tlsReg.url.split(':')[2]}/library/alpine:latest`;
    const r = await mrAsync(newRoot(), ['pull', '-q', ref], { env: pullEnv({ HTTPS_PROXY: dead }, { proxies: { 'https-proxy': proxyUrl } }) });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(seen.length).toBeGreaterThan(0);
  });

  it('a proxy that wants a login: user:password from the URL is sent, a wrong one is one line (password not shown)', async () => {
    const ref = `${TLS_NAME}:${tlsReg.url.split(':')[2]}/library/alpine:latest`;
    wantAuth = 'Basic ' + Buffer.from('bob:pr0xy pass').toString('base64');
    try {
      const withUser = (pass: string) => proxyUrl.replace('http://', `http://bob:${encodeURIComponent(pass)}@`);
      const bad = await mrAsync(newRoot(), ['pull', '-q', ref], { env: pullEnv({ HTTPS_PROXY: withUser('wrong-secret') }) });
      expect(bad.status).toBe(1);
      expect(bad.stderr).toMatch(/^mini-run: manifest for .*: proxyconnect http:\/\/127\.0\.0\.1:\d+: CONNECT .*: proxy authentication required \(407\)\n$/);
      expect(bad.stderr).not.toContain('wrong-secret');
      const good = await mrAsync(newRoot(), ['pull', '-q', ref], { env: pullEnv({ HTTPS_PROXY: withUser('pr0xy pass') }) });
      expect(good.stderr).toBe('');
      expect(good.status).toBe(0);
    } finally {
      wantAuth = null;
    }
  });

  it('a proxy that is not there: one line naming it, exit 1', async () => {
    const dead = `http://127.0.0.1:${await freePort()}`;
    const ref = `${TLS_NAME}:${tlsReg.url.split(':')[2]}/library/alpine:latest`;
    const r = await mrAsync(newRoot(), ['pull', '-q', ref], { env: pullEnv({ HTTPS_PROXY: dead }) });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`mini-run: manifest for ${ref}: GET https://${ref.split('/')[0]}/v2/library/alpine/manifests/latest: proxyconnect ${dead}: connection refused\n`);
  });
});

describe('pull progress in a real terminal', () => {
  /** `mini-run pull` in a pty of the given width (script(1)); every row it drew, escapes removed. */
  function pullInPty(columns: number): { rows: string[]; raw: string } {
    const root = newRoot();
    const cmd = `stty cols ${columns} rows 40; exec ${process.execPath} ${BIN} --root ${root} pull ${plainReg.host}/library/alpine:latest`;
    const raw = execFileSync('script', ['-qec', cmd, '/dev/null'], { input: '', encoding: 'utf8', timeout: 60_000, env: { ...process.env, ...pullEnv({}) } });
    return { raw, rows: raw.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').split(/\r?\n|\r/) };
  }

  it('at 80 columns: no row wider than the terminal, byte counts without the bar; at 120 the bar', () => {
    const narrow = pullInPty(80);
    expect(narrow.raw).toContain(`Status: Downloaded newer image for ${plainReg.host}/library/alpine:latest`);
    expect(narrow.rows.some((r) => /: Downloading +[\d.]+[kMG]?B\/[\d.]+[kMG]?B$/.test(r))).toBe(true);
    expect(narrow.raw).not.toContain('[=');
    const long = narrow.rows.filter((r) => r.length > 80);
    expect(long).toEqual([]);
    const wide = pullInPty(120);
    expect(wide.rows.some((r) => /: Downloading \[=*>? *\] +[\d.]+[kMG]?B\//.test(r))).toBe(true);
    expect(wide.rows.filter((r) => r.length > 120)).toEqual([]);
  });
});

describe('zstd-compressed layers', () => {
  const hasZstd = typeof (zlib as unknown as { createZstdDecompress?: unknown }).createZstdDecompress === 'function';

  it('skopeo pushed the image with zstd layers', async () => {
    const res = await fetch(`${zstdReg.url}/v2/zstd/app/manifests/v1`, { headers: { Accept: 'application/vnd.oci.image.manifest.v1+json' } });
    const manifest = await res.json() as { layers: Array<{ mediaType: string }> };
    expect(manifest.layers.map((l) => l.mediaType)).toEqual(['application/vnd.oci.image.layer.v1.tar+zstd']);
  });

  it(hasZstd ? 'unpacks them (node:zlib has zstd) and the image runs' : `fails at once with one line naming the media type (this Node, ${process.version}, has no zstd)`, async () => {
    const root = newRoot();
    const ref = `${zstdReg.host}/zstd/app:v1`;
    const r = await mrAsync(root, ['pull', '-q', ref], { env: pullEnv({}) });
    if (hasZstd) {
      expect(r.stderr).toBe('');
      expect(r.stdout).toBe(`${ref}\n`);
      const run = await mrAsync(root, ['run', '--rm', '--network', 'none', ref, 'echo', 'zstd-ok'], { env: pullEnv({}) });
      expect(run.stdout).toBe('zstd-ok\n');
    } else {
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`^mini-run: manifest for ${ref}: layer sha256:[0-9a-f]{12}: application/vnd\\.oci\\.image\\.layer\\.v1\\.tar\\+zstd layers need Node 22\\.15 or later \\(node:zlib has zstd from then on\\); this is Node ${process.version.replace(/\./g, '\\.')}\n$`));
      // Nothing was downloaded or kept.
      const images = await mrAsync(root, ['images', '-q'], { env: pullEnv({}) });
      expect(images.stdout).toBe('');
      const blobs = join(root, 'blobs', 'sha256');
      expect(existsSync(blobs) ? readdirSync(blobs) : []).toEqual([]);
    }
  });
});
