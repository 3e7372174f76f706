/**
 * Pulls as real networks and terminals need them (issue 17):
 *  - through an HTTP proxy (HTTPS_PROXY / HTTP_PROXY / NO_PROXY, and the config file's
 *    `proxies` key), as in a network where only the proxy reaches registries;
 *  - progress drawn in a real pty (script(1)) fitting its width;
 *  - zstd-compressed layers (pushed by skopeo): unpacked by node:zlib where it has zstd, else by
 *    libzstd.so.1 through koffi (Node 20); one clear line when neither is there; a truncated or
 *    damaged zstd layer is one line, exit 125, nothing kept.
 *
 * The registries are real docker-registry processes on 127.0.0.1 (one serving TLS with a
 * certificate made here for the name "mr-proxied.test"). Their names end in ".test", which no
 * DNS resolves: only the proxy written in this test knows that they live on 127.0.0.1, so a
 * pull that works went through it. The proxy logs every CONNECT and forwarded request.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import zlib from 'node:zlib';
import { BIN, containerIds, mountsMentioning, processesMentioning, removeRoot, tempRoot } from '../helpers/cli';
import { busyboxArchive, freePort, mrAsync, rawGet, rawPushBlob, rawPushManifest, Registry, skopeoPush, startProxy as startFaultProxy, startRegistry } from '../fixtures/registry';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

const TLS_NAME = 'mr-proxied.test';
const PLAIN_NAME = 'mr-plain.test';

let fx: string;
let tlsReg: Registry;
let plainReg: Registry;
let zstdReg: Registry;
/** A TLS registry with a certificate for IP 127.0.0.1: a docker.io mirror reached directly (no proxy). */
let mirrorReg: Registry;
let proxy: http.Server;
let proxyUrl: string;
let tlsProxy: https.Server;
let tlsProxyUrl: string;
let socksProxy: net.Server;
let socksProxyUrl: string;
/** When set ("user:password"), the SOCKS proxy wants this login (RFC 1929). */
let socksAuth: string | null = null;
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

/** The proxy's two handlers, served over plain TCP (proxy) and over TLS (tlsProxy). */
function onProxyRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
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
}

function onProxyConnect(req: http.IncomingMessage, client: Duplex, head: Buffer): void {
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
}

function startProxy(): Promise<void> {
  proxy = http.createServer(onProxyRequest);
  proxy.on('connect', onProxyConnect);
  return new Promise((r) => proxy.listen(0, '127.0.0.1', () => {
    proxyUrl = `http://127.0.0.1:${(proxy.address() as net.AddressInfo).port}`;
    r();
  }));
}

/** The same proxy behind TLS (an https:// proxy URL), with a certificate of its own for 127.0.0.1. */
function startTlsProxy(): Promise<void> {
  tlsProxy = https.createServer({ cert: readFileSync(join(fx, 'proxy-cert.pem')), key: readFileSync(join(fx, 'proxy-key.pem')) }, onProxyRequest);
  tlsProxy.on('connect', onProxyConnect);
  return new Promise((r) => tlsProxy.listen(0, '127.0.0.1', () => {
    tlsProxyUrl = `https://127.0.0.1:${(tlsProxy.address() as net.AddressInfo).port}`;
    r();
  }));
}

/**
 * A SOCKS5 proxy (RFC 1928; RFC 1929 login when socksAuth is set), written here: it resolves the
 * ".test" names itself (upstreamPort), so a pull that works sent it the registry's name.
 * Logs "SOCKS host:port" for each CONNECT.
 */
function startSocksProxy(): Promise<void> {
  socksProxy = net.createServer((client) => {
    let buf = Buffer.alloc(0);
    let stage = 'greeting';
    client.on('error', () => client.destroy());
    client.on('data', function onData(d: Buffer) {
      buf = Buffer.concat([buf, d]);
      if (stage === 'greeting') {
        if (buf.length < 2 || buf.length < 2 + buf[1]) return;
        const methods = [...buf.subarray(2, 2 + buf[1])];
        buf = buf.subarray(2 + buf[1]);
        const want = socksAuth ? 2 : 0;
        if (!methods.includes(want)) { client.end(Buffer.from([5, 0xff])); return; }
        client.write(Buffer.from([5, want]));
        stage = socksAuth ? 'auth' : 'request';
      }
      if (stage === 'auth') {
        if (buf.length < 2 || buf.length < 3 + buf[1] || buf.length < 3 + buf[1] + buf[2 + buf[1]]) return;
        const ulen = buf[1], plen = buf[2 + ulen];
        const login = `${buf.subarray(2, 2 + ulen)}:${buf.subarray(3 + ulen, 3 + ulen + plen)}`;
        buf = buf.subarray(3 + ulen + plen);
        if (login !== socksAuth) { client.end(Buffer.from([1, 1])); return; }
        client.write(Buffer.from([1, 0]));
        stage = 'request';
      }
      if (stage === 'request') {
        if (buf.length < 5) return;
        const atyp = buf[3];
        const alen = atyp === 3 ? 1 + buf[4] : atyp === 1 ? 4 : 16;
        if (buf.length < 4 + alen + 2) return;
        const host = atyp === 3 ? buf.subarray(5, 5 + buf[4]).toString() : atyp === 1 ? [...buf.subarray(4, 8)].join('.') : 'ipv6';
        const port = buf.readUInt16BE(4 + alen);
        seen.push(`SOCKS ${host}:${port}`);
        client.removeListener('data', onData);
        const upPort = upstreamPort(`${host}:${port}`);
        // REP 4: host unreachable (a name this proxy does not know)
        if (!upPort) { client.end(Buffer.from([5, 4, 0, 1, 0, 0, 0, 0, 0, 0])); return; }
        const up = net.connect(upPort, '127.0.0.1', () => {
          client.write(Buffer.from([5, 0, 0, 1, 127, 0, 0, 1, 0, 0]));
          up.pipe(client);
          client.pipe(up);
        });
        up.on('error', () => client.destroy());
        client.on('error', () => up.destroy());
      }
    });
  });
  return new Promise((r) => socksProxy.listen(0, '127.0.0.1', () => {
    socksProxyUrl = `socks5://127.0.0.1:${(socksProxy.address() as net.AddressInfo).port}`;
    r();
  }));
}

/** The environment of a pull: our config file, the test CA, no proxy variables but those given. */
function pullEnv(vars: Record<string, string>, config: object = {}): NodeJS.ProcessEnv {
  const cfg = join(fx, `config-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(cfg, JSON.stringify(config));
  const env: NodeJS.ProcessEnv = { MINI_RUN_CONFIG: cfg, NODE_EXTRA_CA_CERTS: join(fx, 'cas.pem'), MINI_RUN_EXTRA_CA_CERTS: '', MINI_RUN_AUTH_CONFIG: join(fx, 'no-auth.json') };
  for (const k of ['HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'no_proxy']) env[k] = '';
  return { ...env, ...vars };
}

beforeAll(async () => {
  fx = mkdtempSync('/tmp/mr-test-proxyfx-');
  // A self-signed certificate for the registry's name: verified TLS, end to end through the tunnel.
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-keyout', join(fx, 'key.pem'), '-out', join(fx, 'cert.pem'),
    '-subj', `/CN=${TLS_NAME}`, '-addext', `subjectAltName=DNS:${TLS_NAME}`], { stdio: 'pipe' });
  // The https:// proxy's own: only its address, so a check against the registry's name would fail.
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-keyout', join(fx, 'proxy-key.pem'), '-out', join(fx, 'proxy-cert.pem'),
    '-subj', '/CN=mr-proxy', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'pipe' });
  writeFileSync(join(fx, 'cas.pem'), Buffer.concat([readFileSync(join(fx, 'cert.pem')), readFileSync(join(fx, 'proxy-cert.pem'))]));
  // The mirror's: for 127.0.0.1, a direct verified TLS connection. all-cas.pem trusts all three.
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-keyout', join(fx, 'mirror-key.pem'), '-out', join(fx, 'mirror-cert.pem'),
    '-subj', '/CN=mr-mirror', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'pipe' });
  writeFileSync(join(fx, 'all-cas.pem'), Buffer.concat([readFileSync(join(fx, 'cas.pem')), readFileSync(join(fx, 'mirror-cert.pem'))]));
  [tlsReg, plainReg] = await Promise.all([startRegistry({ tls: { cert: join(fx, 'cert.pem'), key: join(fx, 'key.pem') } }), startRegistry(), startProxy(), startTlsProxy(), startSocksProxy()]);
  const archive = busyboxArchive(fx);
  skopeoPush(`oci-archive:${archive}`, `${tlsReg.host}/library/alpine:latest`);
  skopeoPush(`oci-archive:${archive}`, `${plainReg.host}/library/alpine:latest`);
  // --format oci: a Docker schema-2 manifest cannot name zstd layers. A registry of its own: where
  // the gzip layer is already present, skopeo reuses it instead of recompressing.
  mirrorReg = await startRegistry({ tls: { cert: join(fx, 'mirror-cert.pem'), key: join(fx, 'mirror-key.pem') } });
  skopeoPush(`oci-archive:${archive}`, `${mirrorReg.host}/library/alpine:latest`);
  zstdReg = await startRegistry();
  skopeoPush(`oci-archive:${archive}`, `${zstdReg.host}/zstd/app:v1`, ['--format', 'oci', '--dest-compress-format', 'zstd']);
}, 120_000);

afterAll(async () => {
  for (const r of roots) removeRoot(r);
  proxy?.closeAllConnections();
  tlsProxy?.closeAllConnections();
  await Promise.all([proxy, tlsProxy, socksProxy].map((srv) => new Promise((r) => (srv ? srv.close(r) : r(null)))));
  await Promise.all([tlsReg?.stop(), plainReg?.stop(), zstdReg?.stop(), mirrorReg?.stop()]);
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

describe('pulls through an https:// proxy and a SOCKS5 proxy (as dockerd takes them)', () => {
  const tlsRef = () => `${TLS_NAME}:${tlsReg.url.split(':')[2]}/library/alpine:latest`;
  const plainHost = () => `${PLAIN_NAME}:${plainReg.host.split(':')[1]}`;

  it('HTTPS_PROXY=https://…: TLS to the proxy (its certificate checked), CONNECT inside it, TLS to the registry inside that', async () => {
    seen.length = 0;
    const r = await mrAsync(newRoot(), ['pull', '-q', tlsRef()], { env: pullEnv({ HTTPS_PROXY: tlsProxyUrl }) });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`${tlsRef()}\n`);
    expect(new Set(seen)).toEqual(new Set([`CONNECT ${tlsRef().split('/')[0]}`]));
  });

  it('HTTP_PROXY=https://…: a plain-http registry forwarded through the TLS connection to the proxy', async () => {
    seen.length = 0;
    const r = await mrAsync(newRoot(), ['pull', '-q', `${plainHost()}/library/alpine:latest`], {
      env: pullEnv({ HTTP_PROXY: tlsProxyUrl }, { 'insecure-registries': [plainHost()] }),
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(seen).toContain(`GET http://${plainHost()}/v2/library/alpine/manifests/latest`);
  });

  it("an https:// proxy whose certificate is not trusted: one line naming the proxy, exit 1, nothing sent through it", async () => {
    seen.length = 0;
    const env = { ...pullEnv({ HTTPS_PROXY: tlsProxyUrl }), NODE_EXTRA_CA_CERTS: '' };
    const r = await mrAsync(newRoot(), ['pull', '-q', tlsRef()], { env });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`mini-run: manifest for ${tlsRef()}: GET https://${tlsRef().split('/')[0]}/v2/library/alpine/manifests/latest: proxyconnect ${tlsProxyUrl}: self-signed certificate\n`);
    expect(seen).toEqual([]);
  });

  it('HTTPS_PROXY=socks5://… and HTTP_PROXY=socks5h://…: the registry name goes to the proxy, which resolves it', async () => {
    seen.length = 0;
    const viaTls = await mrAsync(newRoot(), ['pull', '-q', tlsRef()], { env: pullEnv({ HTTPS_PROXY: socksProxyUrl }) });
    expect(viaTls.stderr).toBe('');
    expect(viaTls.stdout).toBe(`${tlsRef()}\n`);
    expect(new Set(seen)).toEqual(new Set([`SOCKS ${tlsRef().split('/')[0]}`]));
    seen.length = 0;
    const viaPlain = await mrAsync(newRoot(), ['pull', '-q', `${plainHost()}/library/alpine:latest`], {
      env: pullEnv({ HTTP_PROXY: socksProxyUrl.replace('socks5:', 'socks5h:') }, { 'insecure-registries': [plainHost()] }),
    });
    expect(viaPlain.stderr).toBe('');
    expect(viaPlain.status).toBe(0);
    expect(new Set(seen)).toEqual(new Set([`SOCKS ${plainHost()}`]));
  });

  it('a SOCKS5 proxy that wants a login (RFC 1929): the right one works; a wrong one, a missing one and a name it cannot reach are one line each, exit 1', async () => {
    const withUser = (pass: string) => socksProxyUrl.replace('socks5://', `socks5://bob:${encodeURIComponent(pass)}@`);
    const name = socksProxyUrl;
    const prefix = `mini-run: manifest for ${tlsRef()}: GET https://${tlsRef().split('/')[0]}/v2/library/alpine/manifests/latest: proxyconnect ${name}: SOCKS5 CONNECT ${tlsRef().split('/')[0]}`;
    socksAuth = 'bob:s0cks pass';
    try {
      const bad = await mrAsync(newRoot(), ['pull', '-q', tlsRef()], { env: pullEnv({ HTTPS_PROXY: withUser('wrong-secret') }) });
      expect(bad.stderr).toBe(`${prefix}: proxy authentication failed (user name or password refused)\n`);
      expect(bad.status).toBe(1);
      const none = await mrAsync(newRoot(), ['pull', '-q', tlsRef()], { env: pullEnv({ HTTPS_PROXY: socksProxyUrl }) });
      expect(none.stderr).toBe(`${prefix}: proxy authentication required (give user:password in the proxy URL)\n`);
      expect(none.status).toBe(1);
      const good = await mrAsync(newRoot(), ['pull', '-q', tlsRef()], { env: pullEnv({ HTTPS_PROXY: withUser('s0cks pass') }) });
      expect(good.stderr).toBe('');
      expect(good.status).toBe(0);
    } finally {
      socksAuth = null;
    }
    const unknown = await mrAsync(newRoot(), ['pull', '-q', 'mr-nowhere.example:5000/library/alpine:latest'], { env: pullEnv({ HTTPS_PROXY: socksProxyUrl }) });
    expect(unknown.stderr).toBe(`mini-run: manifest for mr-nowhere.example:5000/library/alpine:latest: GET https://mr-nowhere.example:5000/v2/library/alpine/manifests/latest: proxyconnect ${name}: SOCKS5 CONNECT mr-nowhere.example:5000: host unreachable\n`);
    expect(unknown.status).toBe(1);
  });

  it('a proxy that accepts and never answers (http:// CONNECT, socks5://, https:// in its TLS handshake): the pull gives up as with a dead registry, one line "i/o timeout", exit 1, nothing left', async () => {
    // Reads everything, writes nothing: the tunnel's set-up has its own deadline (the transport's
    // 60 s idle timeout, tried 5 times as any timeout), so each pull ends in about 5 minutes; the
    // three run side by side. No timing is asserted: only that each one ends, and how.
    const open = new Set<net.Socket>();
    let accepted = 0;
    const silent = net.createServer((c) => {
      accepted++;
      open.add(c);
      c.on('data', () => {});
      c.on('error', () => {});
      c.on('close', () => open.delete(c));
    });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as net.AddressInfo).port;
    try {
      const ref = 'mr-nowhere.example:5000/x:1';
      const cases = ['http', 'socks5', 'https'].map((scheme) => ({ scheme, root: newRoot() }));
      const runs = await Promise.all(cases.map(({ scheme, root }) => mrAsync(root, ['pull', ref], { env: pullEnv({ HTTPS_PROXY: `${scheme}://127.0.0.1:${port}` }) })));
      runs.forEach((r, i) => {
        const { scheme, root } = cases[i];
        expect(r.stderr, scheme).toBe(`mini-run: manifest for ${ref}: GET https://mr-nowhere.example:5000/v2/x/manifests/1: proxyconnect ${scheme}://127.0.0.1:${port}: i/o timeout\n`);
        expect(r.status, scheme).toBe(1);
        expect(r.stdout, scheme).toBe('1: Pulling from x\n');
        // No image, no partial blob or staging dir: the root holds only its lock file.
        expect(readdirSync(root), scheme).toEqual(['lock']);
        expect(processesMentioning(root), scheme).toEqual([]);
      });
      expect(accepted).toBeGreaterThanOrEqual(3);
      // Every connection the pulls opened to the proxy is closed again.
      for (let i = 0; i < 100 && open.size > 0; i++) await new Promise((r) => setTimeout(r, 100));
      expect(open.size).toBe(0);
    } finally {
      for (const c of open) c.destroy();
      await new Promise((r) => silent.close(r));
    }
  }, 900_000);

  it('a proxy URL of another scheme is refused with one line, exit 1', async () => {
    const r = await mrAsync(newRoot(), ['pull', '-q', tlsRef()], { env: pullEnv({ HTTPS_PROXY: 'ftp://127.0.0.1:21' }) });
    expect(r.stderr).toBe('mini-run: proxy ftp://127.0.0.1:21: only http://, https://, socks5:// and socks5h:// proxies are supported (got ftp)\n');
    expect(r.status).toBe(1);
  });
});

/** `bin/mini-run …` as a user types it (sh reads its first lines), not `node bin/mini-run …`. */
function typedAsync(root: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((res) => {
    const child = spawn(BIN, ['--root', root, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('close', (code) => res({ status: code ?? -1, stdout, stderr }));
  });
}

describe("NODE_EXTRA_CA_CERTS: trusted for registry TLS without Node's start-up cost (bin/mini-run moves it to MINI_RUN_EXTRA_CA_CERTS)", () => {
  const tlsRef = () => `${TLS_NAME}:${tlsReg.url.split(':')[2]}/library/alpine:latest`;
  const plainHost = () => `${PLAIN_NAME}:${plainReg.host.split(':')[1]}`;
  const mirrorCfg = () => ({ 'registry-mirrors': [mirrorReg.url] });

  it('as typed (sh path): a direct verified mirror, an https:// proxy with a tunnel inside, and forwarding through an https:// proxy all trust the test CAs', async () => {
    const cas = { NODE_EXTRA_CA_CERTS: join(fx, 'all-cas.pem') };
    // Direct TLS to the mirror at 127.0.0.1 (the https Agent of the transport).
    const root = newRoot();
    const direct = await typedAsync(root, ['pull', '-q', 'alpine'], { ...pullEnv({}, mirrorCfg()), ...cas });
    expect(direct.stderr).toBe('');
    expect(direct.stdout).toBe('docker.io/library/alpine:latest\n');
    // TLS to the proxy (its CA), CONNECT, TLS to the registry inside (its CA).
    seen.length = 0;
    const tunnel = await typedAsync(newRoot(), ['pull', '-q', tlsRef()], { ...pullEnv({ HTTPS_PROXY: tlsProxyUrl }), ...cas });
    expect(tunnel.stderr).toBe('');
    expect(tunnel.stdout).toBe(`${tlsRef()}\n`);
    expect(new Set(seen)).toEqual(new Set([`CONNECT ${tlsRef().split('/')[0]}`]));
    // A plain-http registry forwarded over the TLS connection to the proxy.
    seen.length = 0;
    const forward = await typedAsync(newRoot(), ['pull', '-q', `${plainHost()}/library/alpine:latest`], { ...pullEnv({ HTTP_PROXY: tlsProxyUrl }, { 'insecure-registries': [plainHost()] }), ...cas });
    expect(forward.stderr).toBe('');
    expect(forward.status).toBe(0);
    expect(seen).toContain(`GET http://${plainHost()}/v2/library/alpine/manifests/latest`);
  });

  it("as `node bin/mini-run` (Node reads the variable itself): the same pulls work", async () => {
    const cas = { NODE_EXTRA_CA_CERTS: join(fx, 'all-cas.pem') };
    const direct = await mrAsync(newRoot(), ['pull', '-q', 'alpine'], { env: { ...pullEnv({}, mirrorCfg()), ...cas } });
    expect(direct.stderr).toBe('');
    expect(direct.stdout).toBe('docker.io/library/alpine:latest\n');
    const tunnel = await mrAsync(newRoot(), ['pull', '-q', tlsRef()], { env: { ...pullEnv({ HTTPS_PROXY: tlsProxyUrl }), ...cas } });
    expect(tunnel.stderr).toBe('');
    expect(tunnel.stdout).toBe(`${tlsRef()}\n`);
  });

  it('MITM class: a registry whose self-signed certificate the user did not add is refused, though other extra CAs are trusted; nothing stored', async () => {
    // Only the proxy's CA: TLS to the proxy works, the registry's certificate inside the tunnel is unknown.
    for (const run of [typedAsync, (root: string, args: string[], env: NodeJS.ProcessEnv) => mrAsync(root, args, { env })]) {
      seen.length = 0;
      const root = newRoot();
      const r = await run(root, ['pull', '-q', tlsRef()], { ...pullEnv({ HTTPS_PROXY: tlsProxyUrl }), NODE_EXTRA_CA_CERTS: join(fx, 'proxy-cert.pem') });
      expect(r.stderr).toBe(`mini-run: manifest for ${tlsRef()}: GET https://${tlsRef().split('/')[0]}/v2/library/alpine/manifests/latest: self-signed certificate\n`);
      expect(r.status).toBe(1);
      expect(new Set(seen)).toEqual(new Set([`CONNECT ${tlsRef().split('/')[0]}`])); // (the proxy was trusted)
      expect(readdirSync(root)).toEqual(['lock']);
    }
  });

  it("an unreadable CA file: Node's one-line warning, then the default roots (the test CA is not trusted)", async () => {
    const missing = join(fx, 'no-such-cas.pem');
    const r = await typedAsync(newRoot(), ['pull', '-q', tlsRef()], { ...pullEnv({ HTTPS_PROXY: proxyUrl }), NODE_EXTRA_CA_CERTS: missing });
    expect(r.stderr).toBe(`Warning: Ignoring extra certs from \`${missing}\`, load failed: No such file or directory\n`
      + `mini-run: manifest for ${tlsRef()}: GET https://${tlsRef().split('/')[0]}/v2/library/alpine/manifests/latest: self-signed certificate\n`);
    expect(r.status).toBe(1);
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
  // node:zlib has zstd from Node 22.15; before that (Node 20 here) mini-run decodes through
  // libzstd.so.1 with koffi. The test process asks the same questions mini-run will.
  const nodeZstd = typeof (zlib as unknown as { createZstdDecompress?: unknown }).createZstdDecompress === 'function';
  const libzstdPath = (() => {
    const m = /libzstd\.so\.1 \([^)]*x86-64[^)]*\) => (\S+)/.exec(execFileSync('ldconfig', ['-p']).toString());
    return m ? realpathSync(m[1]) : null;
  })();
  const decoder = nodeZstd ? 'node:zlib' : libzstdPath ? 'libzstd.so.1 through koffi' : null;
  const ref = () => `${zstdReg.host}/zstd/app:v1`;
  /** What a failed pull/run must not leave: no image, container, staging dir, layer, mount or process. */
  const expectNothingLeft = (root: string, layerDigest: string) => {
    const list = (p: string) => (existsSync(p) ? readdirSync(p) : []);
    expect(list(join(root, 'images'))).toEqual([]);
    expect(list(join(root, 'layers')).filter((x) => x !== 'l')).toEqual([]);
    expect(list(join(root, 'tmp'))).toEqual([]);
    expect(list(join(root, 'blobs/sha256'))).not.toContain(layerDigest.slice(7));
    expect(containerIds(root)).toEqual([]);
    expect([...mountsMentioning(root), ...processesMentioning(root)]).toEqual([]);
  };
  /** The image's manifest (OCI, as skopeo pushed it) and its one zstd layer blob. */
  const zstdManifest = async () => {
    const m = await rawGet(`${zstdReg.url}/v2/zstd/app/manifests/v1`, OCI_MANIFEST);
    const manifest = JSON.parse(m.body.toString()) as { layers: Array<{ mediaType: string; digest: string; size: number }> };
    const blob = await rawGet(`${zstdReg.url}/v2/zstd/app/blobs/${manifest.layers[0].digest}`);
    return { manifest, blob: blob.body };
  };

  it('skopeo pushed the image with zstd layers', async () => {
    const { manifest, blob } = await zstdManifest();
    expect(manifest.layers.map((l) => l.mediaType)).toEqual(['application/vnd.oci.image.layer.v1.tar+zstd']);
    expect(blob.readUInt32LE(0)).toBe(0xfd2fb528); // the zstd frame magic
  });

  it(decoder ? `unpacks them (${decoder}, on Node ${process.version}) and the image runs` : `fails at once with one line naming what is needed (Node ${process.version}, no libzstd.so.1)`, async () => {
    const root = newRoot();
    const r = await mrAsync(root, ['pull', '-q', ref()], { env: pullEnv({}) });
    if (decoder) {
      expect(r.stderr).toBe('');
      expect(r.stdout).toBe(`${ref()}\n`);
      const run = await mrAsync(root, ['run', '--rm', '--network', 'none', ref(), 'sh', '-c', 'echo zstd-ok; ls /bin/busybox'], { env: pullEnv({}) });
      expect(run.stderr).toBe('');
      expect(run.stdout).toBe('zstd-ok\n/bin/busybox\n');
    } else {
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`^mini-run: manifest for ${ref()}: layer sha256:[0-9a-f]{12}: application/vnd\\.oci\\.image\\.layer\\.v1\\.tar\\+zstd layers need libzstd\\.so\\.1 .*\n$`));
    }
  });

  it.skipIf(nodeZstd || !libzstdPath)('on a Node without zstd and a host without libzstd.so.1: one line saying what to install, nothing downloaded', async () => {
    const root = newRoot();
    // A mount namespace of the test's own where libzstd.so.1 is /dev/null: dlopen fails as on
    // a host without the package (nothing on the host changes).
    const r = spawnSync('unshare', ['-m', '--propagation', 'private', 'sh', '-c', 'mount --bind /dev/null "$0" && exec "$@"', libzstdPath!,
      process.execPath, BIN, '--root', root, 'pull', '-q', ref()], { env: { ...process.env, ...pullEnv({}) }, encoding: 'utf8' });
    expect(r.stderr).toBe(`mini-run: manifest for ${ref()}: layer ${(await zstdManifest()).manifest.layers[0].digest.slice(0, 19)}: application/vnd.oci.image.layer.v1.tar+zstd layers need libzstd.so.1 (Debian/Ubuntu: apt-get install libzstd1) or Node 22.15 or later (node:zlib has zstd from then on); this is Node ${process.version} and libzstd.so.1 did not load\n`);
    expect(r.status).toBe(1);
    const blobs = join(root, 'blobs', 'sha256');
    expect(existsSync(blobs) ? readdirSync(blobs) : []).toEqual([]);
    expectNothingLeft(root, 'sha256:');
  });

  it.skipIf(!decoder)('a truncated zstd layer (its digest honest): run says one line, exits 125, leaves nothing', async () => {
    // The registry serves exactly what the manifest names (digest and size match), but the zstd
    // stream stops in the middle of its frame: only the decoder can tell.
    const { manifest, blob } = await zstdManifest();
    const cut = blob.subarray(0, Math.floor(blob.length / 2));
    const pushed = await rawPushBlob(zstdReg, 'zstd/app', cut);
    const doc = Buffer.from(JSON.stringify({ ...manifest, layers: [{ ...manifest.layers[0], digest: pushed.digest, size: pushed.size }] }));
    await rawPushManifest(zstdReg, 'zstd/app', 'cut', doc, OCI_MANIFEST);
    const root = newRoot();
    const cutRef = `${zstdReg.host}/zstd/app:cut`;
    const r = await mrAsync(root, ['run', '--rm', '--network', 'none', cutRef, 'true'], { env: pullEnv({}) });
    expect(r.status).toBe(125);
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('mini-run:'));
    expect(errors).toEqual([`mini-run: layer ${pushed.digest.slice(0, 19)}: corrupt or truncated zstd data (the data ends inside a zstd frame (truncated))`]);
    expect(r.stderr.endsWith(`${errors[0]}\n`)).toBe(true);
    expectNothingLeft(root, pushed.digest);
  });

  it.skipIf(!decoder)('a zstd layer with a flipped byte on the way (a proxy): one line, exit 125, nothing of it kept', async () => {
    const { manifest } = await zstdManifest();
    const layer = manifest.layers[0];
    const proxied = await startFaultProxy(zstdReg.url, (req) => (req.url?.endsWith(layer.digest) ? { kind: 'flip', at: Math.floor(layer.size / 2) } : undefined));
    try {
      const root = newRoot();
      const r = await mrAsync(root, ['run', '--rm', '--network', 'none', `${proxied.host}/zstd/app:v1`, 'true'], { env: pullEnv({}) });
      expect(r.status).toBe(125);
      const errors = r.stderr.split('\n').filter((l) => l.startsWith('mini-run:'));
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(new RegExp(`^mini-run: layer ${layer.digest.slice(0, 19)}: (digest mismatch: the blob's content hashes to sha256:[0-9a-f]{64}, not ${layer.digest}|corrupt or truncated zstd data \\(.+\\))$`));
      expect(r.stderr.endsWith(`${errors[0]}\n`)).toBe(true);
      expectNothingLeft(root, layer.digest);
    } finally {
      await proxied.stop();
    }
  });
});
