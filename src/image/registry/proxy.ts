/**
 * Registry traffic through an HTTP proxy, as in networks where nothing reaches the internet
 * directly. The settings, as docker reads them:
 *
 *   - the `proxies` key of the configuration file (config.ts) — it wins, as in dockerd's
 *     daemon.json, and it survives `sudo`, which drops HTTPS_PROXY from the environment:
 *       "proxies": { "http-proxy": "http://proxy:3128", "https-proxy": "http://proxy:3128",
 *                    "no-proxy": "*.corp.example,10.0.0.0/8" }
 *   - otherwise HTTPS_PROXY / HTTP_PROXY / NO_PROXY (or their lowercase spellings).
 *
 * The proxy URL's scheme says how to talk to the proxy itself (the ones Go's net/http, which
 * dockerd uses, takes):
 *   - http://proxy:3128    plain TCP to the proxy (a bare "proxy:3128" means this);
 *   - https://proxy:443    TLS to the proxy first, its certificate checked against the proxy's
 *                          name (Node's CAs and NODE_EXTRA_CA_CERTS's, extra-cas.ts; never skipped);
 *   - socks5://proxy:1080  a SOCKS5 proxy (RFC 1928; user:password as RFC 1929), socks5h://
 *                          too. Both hand the registry's NAME to the proxy, which resolves it
 *                          (as Go's SOCKS dialer does): a registry only the proxy's network knows
 *                          still works.
 *
 * How a request goes through an http(s) proxy (RFC 9110 §9.3.6, RFC 9112 §3.2.2):
 *   - http://  URL: the request is sent to the proxy with the full URL as its target
 *     ("GET http://registry:5000/v2/ HTTP/1.1"); the proxy forwards it.
 *   - https:// URL: "CONNECT registry:443" asks the proxy for a raw tunnel; TLS then runs inside
 *     the tunnel with the registry itself, so the proxy sees only encrypted bytes and the
 *     certificate is checked against the registry's name, not the proxy's.
 * Through a SOCKS5 proxy every request runs in a tunnel (CONNECT of RFC 1928), TLS inside it for
 * an https:// registry.
 *
 * Loopback destinations (localhost, 127.0.0.0/8, ::1) never go through a proxy: a proxy on
 * another machine cannot reach our 127.0.0.1 (Go's net/http, which docker uses, does the same).
 * NO_PROXY entries: "*" (nothing is proxied), a host ("example.com" also covers its subdomains),
 * ".example.com" / "*.example.com" (subdomains), an IP, a CIDR ("10.0.0.0/8"), each optionally
 * with ":port" (then only that port).
 */
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import type { Duplex } from 'node:stream';
import { UserError } from '../../errors';
import { loadDaemonConfig } from './config';
import { verifyingTls } from './extra-cas';
import { describeNetworkError, IDLE_TIMEOUT_MS } from './transport';

export interface ProxySettings { http?: string; https?: string; noProxy?: string }

function env(name: string): string | undefined {
  return process.env[name] || process.env[name.toLowerCase()] || undefined;
}

/** The config file's `proxies` key if it sets anything, else the environment. */
export function proxySettings(): ProxySettings {
  const p = loadDaemonConfig().proxies;
  if (p && (p['http-proxy'] || p['https-proxy'] || p['no-proxy'])) {
    return { http: p['http-proxy'], https: p['https-proxy'], noProxy: p['no-proxy'] };
  }
  return { http: env('HTTP_PROXY'), https: env('HTTPS_PROXY'), noProxy: env('NO_PROXY') };
}

function ipv4(s: string): number | null {
  if (!net.isIPv4(s)) return null;
  return s.split('.').reduce((n, p) => n * 256 + Number(p), 0);
}

function inCidr(ip: string, cidr: string): boolean {
  const [net4, bitsText] = cidr.split('/');
  const a = ipv4(ip), b = ipv4(net4), bits = Number(bitsText);
  if (a === null || b === null || !Number.isInteger(bits) || bits < 0 || bits > 32) return false;
  const div = 2 ** (32 - bits);
  return Math.floor(a / div) === Math.floor(b / div);
}

/** Is host (no brackets) with port excluded from proxying by the NO_PROXY list? */
export function bypassesProxy(hostname: string, port: string, noProxy: string | undefined): boolean {
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '');
  if (host === 'localhost' || /^127\.\d+\.\d+\.\d+$/.test(host) || host === '::1') return true;
  for (const raw of (noProxy ?? '').split(',')) {
    let entry = raw.trim().toLowerCase();
    if (!entry) continue;
    if (entry === '*') return true;
    if (entry.includes('/')) {
      if (inCidr(host, entry)) return true;
      continue;
    }
    let entryPort = '';
    const m = /^(.*):(\d+)$/.exec(entry);
    if (m && !net.isIPv6(entry)) { entry = m[1]; entryPort = m[2]; }
    if (entryPort && entryPort !== port) continue;
    entry = entry.replace(/^\[|\]$/g, '').replace(/^\*\./, '.');
    if (net.isIP(entry)) {
      if (entry === host) return true;
      continue;
    }
    if (entry.startsWith('.')) {
      if (host.endsWith(entry)) return true;
    } else if (host === entry || host.endsWith('.' + entry)) {
      return true;
    }
  }
  return false;
}

/** The proxy URL for a request to `url`, or null to connect directly. */
export function proxyFor(url: URL, settings: ProxySettings = proxySettings()): URL | null {
  const raw = url.protocol === 'https:' ? settings.https : settings.http;
  if (!raw) return null;
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  if (bypassesProxy(url.hostname, port, settings.noProxy)) return null;
  let proxy: URL;
  try {
    // Like Go, a bare "host:port" means an http:// proxy.
    proxy = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `http://${raw}`);
  } catch {
    throw new UserError(`invalid proxy URL ${JSON.stringify(redactProxy(raw))}`, 1);
  }
  if (!PROXY_SCHEMES.includes(proxy.protocol)) {
    throw new UserError(`proxy ${redactProxy(raw)}: only http://, https://, socks5:// and socks5h:// proxies are supported (got ${proxy.protocol.replace(':', '')})`, 1);
  }
  return proxy;
}

const PROXY_SCHEMES = ['http:', 'https:', 'socks5:', 'socks5h:'];

/** Is this a SOCKS5 proxy (every request through a tunnel) rather than an HTTP one? */
export function isSocks(proxy: URL): boolean {
  return proxy.protocol === 'socks5:' || proxy.protocol === 'socks5h:';
}

/** The proxy's port, its scheme's default when the URL has none (as Go's). */
export function proxyPort(proxy: URL): number {
  if (proxy.port) return Number(proxy.port);
  return proxy.protocol === 'https:' ? 443 : isSocks(proxy) ? 1080 : 80;
}

/** scheme://host:port of a proxy, for messages (URL.origin is "null" for socks5: URLs). */
export function proxyName(proxy: URL): string {
  return `${proxy.protocol}//${proxy.host}`;
}

/** The proxy URL without its password, for messages and traces. */
export function redactProxy(href: string): string {
  return href.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:xxxxx@');
}

/** "Proxy-Authorization: Basic …" for a proxy URL with user:password, else nothing. */
export function proxyAuthHeaders(proxy: URL): Record<string, string> {
  if (!proxy.username) return {};
  const user = decodeURIComponent(proxy.username), pass = decodeURIComponent(proxy.password);
  return { 'Proxy-Authorization': 'Basic ' + Buffer.from(`${user}:${pass}`).toString('base64') };
}

/** A failure talking to the proxy itself (not the registry): says which proxy. */
export class ProxyError extends Error {
  constructor(message: string, readonly code: string) {
    super(message);
  }
}

/**
 * A raw tunnel to host:port through `proxy`: "CONNECT host:port" to an http(s) proxy, or a
 * SOCKS5 CONNECT. Resolves with the socket whose bytes now reach host:port.
 */
export function openTunnel(proxy: URL, host: string, port: number): Promise<Duplex> {
  return withDeadline(proxy, (onAbort) => isSocks(proxy) ? socksTunnel(proxy, host, port, onAbort) : connectTunnel(proxy, host, port, onAbort));
}

/** Undoes a connection set-up that is still under way (destroys its socket). */
type OnAbort = (abort: () => void) => void;

/**
 * A connection set-up (the tunnel, and TLS inside it) bounded by the transport's idle timeout.
 * The request's own timeout (transport.ts) only starts once the agent hands it a socket, which
 * for a tunnel is after the proxy answered: a proxy that accepts and never answers would hold a
 * pull forever. On expiry the socket is destroyed and the set-up fails with ETIMEDOUT, which
 * the retry logic treats as a dead registry's timeout.
 */
function withDeadline(proxy: URL, open: (onAbort: OnAbort) => Promise<Duplex>): Promise<Duplex> {
  const aborts: (() => void)[] = [];
  return new Promise((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(() => {
      if (settled) return;
      settled = true;
      for (const abort of aborts) abort();
      reject(new ProxyError(`proxyconnect ${proxyName(proxy)}: ${describeNetworkError({ code: 'ETIMEDOUT' } as NodeJS.ErrnoException)}`, 'ETIMEDOUT'));
    }, IDLE_TIMEOUT_MS);
    open((abort) => aborts.push(abort)).then((socket) => {
      if (settled) { socket.destroy(); return; }
      settled = true;
      clearTimeout(timer);
      resolve(socket);
    }, (e: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(e);
    });
  });
}

function connectTunnel(proxy: URL, host: string, port: number, onAbort: OnAbort): Promise<Duplex> {
  const target = `${net.isIPv6(host) ? `[${host}]` : host}:${port}`;
  const name = proxyName(proxy);
  return new Promise((resolve, reject) => {
    const options = {
      host: proxy.hostname.replace(/^\[|\]$/g, ''),
      port: proxyPort(proxy),
      method: 'CONNECT',
      path: target,
      headers: { Host: target, ...proxyAuthHeaders(proxy) },
      agent: false as const,
    };
    // https:// proxy: the CONNECT itself goes over TLS to the proxy, checked against its name.
    // servername '' for an IP: no SNI, and the certificate is checked against the IP (Node would
    // otherwise take the name from the Host header, which here is the registry's).
    const req = proxy.protocol === 'https:' ? https.request({ ...options, ...verifyingTls(), servername: net.isIP(options.host) ? '' : options.host }) : http.request(options);
    onAbort(() => req.destroy());
    let done = false;
    const fail = (e: Error) => { if (!done) { done = true; reject(e); } };
    req.on('connect', (res, socket) => {
      if (res.statusCode !== 200) {
        socket.destroy();
        const why = res.statusCode === 407 ? 'proxy authentication required (407)' : `the proxy answered ${res.statusCode} ${res.statusMessage ?? ''}`.trim();
        fail(new ProxyError(`proxyconnect ${name}: CONNECT ${target}: ${why}`, res.statusCode === 407 ? 'EPROXYAUTH' : 'EPROXY'));
        return;
      }
      done = true;
      resolve(socket);
    });
    req.on('error', (e: NodeJS.ErrnoException) => fail(new ProxyError(`proxyconnect ${name}: ${describeNetworkError(e)}`, e.code ?? 'EPROXY')));
    req.end();
  });
}

const SOCKS_REPLIES: Record<number, string> = {
  1: 'general SOCKS server failure', 2: 'connection not allowed by ruleset', 3: 'network unreachable',
  4: 'host unreachable', 5: 'connection refused', 6: 'TTL expired', 7: 'command not supported', 8: 'address type not supported',
};

/**
 * SOCKS5 CONNECT (RFC 1928), with username/password authentication (RFC 1929) when the proxy
 * URL has a user. The exchange is short and in lock-step: greeting → method, [auth → status],
 * request → reply; the socket is handed on after the reply's last byte.
 */
function socksTunnel(proxy: URL, host: string, port: number, onAbort: OnAbort): Promise<Duplex> {
  const name = proxyName(proxy);
  const user = Buffer.from(decodeURIComponent(proxy.username));
  const pass = Buffer.from(decodeURIComponent(proxy.password));
  return new Promise((resolve, reject) => {
    const sock = net.connect(proxyPort(proxy), proxy.hostname.replace(/^\[|\]$/g, ''));
    onAbort(() => sock.destroy());
    let buf = Buffer.alloc(0);
    let stage: 'method' | 'auth' | 'reply' = 'method';
    let done = false;
    const fail = (why: string, code = 'EPROXY') => {
      if (done) return;
      done = true;
      sock.destroy();
      reject(new ProxyError(`proxyconnect ${name}: SOCKS5 CONNECT ${host}:${port}: ${why}`, code));
    };
    const request = () => {
      let addr: Buffer;
      if (net.isIPv4(host)) addr = Buffer.from([1, ...host.split('.').map(Number)]);
      else if (net.isIPv6(host)) addr = Buffer.concat([Buffer.from([4]), ipv6Bytes(host)]);
      else {
        const n = Buffer.from(host);
        if (n.length > 255) return fail('host name longer than 255 bytes');
        addr = Buffer.concat([Buffer.from([3, n.length]), n]);
      }
      const p = Buffer.alloc(2);
      p.writeUInt16BE(port);
      sock.write(Buffer.concat([Buffer.from([5, 1, 0]), addr, p]));
      stage = 'reply';
    };
    const step = (): void => {
      if (stage === 'method') {
        if (buf.length < 2) return;
        const [ver, method] = buf;
        buf = buf.subarray(2);
        if (ver !== 5) return fail('not a SOCKS5 proxy');
        if (method === 0) return request();
        if (method === 2 && user.length) {
          if (user.length > 255 || pass.length > 255) return fail('user name or password longer than 255 bytes', 'EPROXYAUTH');
          sock.write(Buffer.concat([Buffer.from([1, user.length]), user, Buffer.from([pass.length]), pass]));
          stage = 'auth';
          return step();
        }
        return fail(user.length ? 'the proxy accepts no username/password login' : 'proxy authentication required (give user:password in the proxy URL)', 'EPROXYAUTH');
      }
      if (stage === 'auth') {
        if (buf.length < 2) return;
        const ok = buf[1] === 0;
        buf = buf.subarray(2);
        if (!ok) return fail('proxy authentication failed (user name or password refused)', 'EPROXYAUTH');
        request();
        return step();
      }
      // reply: VER REP RSV ATYP BND.ADDR BND.PORT
      if (buf.length < 5) return;
      if (buf[1] !== 0) return fail(SOCKS_REPLIES[buf[1]] ?? `reply code ${buf[1]}`, buf[1] === 5 ? 'ECONNREFUSED' : 'EPROXY');
      const addrLen = buf[3] === 1 ? 4 : buf[3] === 4 ? 16 : buf[3] === 3 ? 1 + buf[4] : -1;
      if (addrLen < 0) return fail(`bad reply (address type ${buf[3]})`);
      const len = 4 + addrLen + 2;
      if (buf.length < len) return;
      done = true;
      sock.removeListener('data', onData);
      sock.removeListener('error', onError);
      sock.removeListener('close', onClose);
      if (buf.length > len) sock.unshift(buf.subarray(len));
      resolve(sock);
    };
    const onData = (d: Buffer) => { buf = Buffer.concat([buf, d]); step(); };
    const onError = (e: NodeJS.ErrnoException) => {
      if (done) return;
      done = true;
      reject(new ProxyError(`proxyconnect ${name}: ${describeNetworkError(e)}`, e.code ?? 'EPROXY'));
    };
    const onClose = () => fail('the proxy closed the connection');
    sock.on('connect', () => sock.write(Buffer.from(user.length ? [5, 2, 0, 2] : [5, 1, 0])));
    sock.on('data', onData);
    sock.on('error', onError);
    sock.on('close', onClose);
  });
}

function ipv6Bytes(ip: string): Buffer {
  const [head, tail] = ip.split('::');
  const words = (part: string | undefined) => (part ? part.split(':').map((w) => parseInt(w, 16)) : []);
  const a = words(head), b = tail === undefined ? [] : words(tail);
  const all = tail === undefined ? a : [...a, ...Array(8 - a.length - b.length).fill(0), ...b];
  const out = Buffer.alloc(16);
  all.forEach((w, i) => out.writeUInt16BE(w, i * 2));
  return out;
}

/**
 * An https Agent whose connections are tunnels through `proxy` (openTunnel), with TLS to the
 * registry inside. Node's Agent lets createConnection hand the socket to a callback later,
 * which is what the tunnel's round trip needs; keep-alive pooling works as for direct sockets.
 */
class TunnelAgent extends https.Agent {
  constructor(private readonly proxy: URL, opts: https.AgentOptions) {
    super(opts);
  }

  override createConnection(options: tls.ConnectionOptions & { host?: string; port?: number; servername?: string }, callback: (err: Error | null, socket?: Duplex) => void): undefined {
    let done = false;
    const fail = (e: Error) => { if (!done) { done = true; callback(e); } };
    openTunnel(this.proxy, options.host ?? 'localhost', Number(options.port ?? 443)).then((socket) => {
      const secure = tls.connect({ ...options, socket, servername: options.servername || (net.isIP(options.host ?? '') ? undefined : options.host) });
      // The registry's TLS handshake inside the tunnel, bounded too (the request has no socket yet).
      secure.setTimeout(IDLE_TIMEOUT_MS, () => {
        secure.destroy(Object.assign(new Error('i/o timeout'), { code: 'ETIMEDOUT' }));
        socket.destroy();
      });
      secure.once('secureConnect', () => { secure.setTimeout(0); if (!done) { done = true; callback(null, secure); } });
      secure.once('error', (e) => { socket.destroy(); fail(e); });
    }, fail);
    return undefined;
  }
}

/** A plain-http Agent whose connections are SOCKS5 tunnels (an http:// registry through SOCKS). */
class SocksHttpAgent extends http.Agent {
  constructor(private readonly proxy: URL) {
    super({ keepAlive: true, maxSockets: 8 });
  }

  override createConnection(options: net.NetConnectOpts & { host?: string; port?: number }, callback: (err: Error | null, socket?: Duplex) => void): undefined {
    openTunnel(this.proxy, (options as { host?: string }).host ?? 'localhost', Number((options as { port?: number }).port ?? 80)).then((s) => callback(null, s), (e: Error) => callback(e));
    return undefined;
  }
}

const tunnelAgents = new Map<string, https.Agent>();

/** One keep-alive tunnel agent per (proxy, TLS verification). */
export function tunnelAgent(proxy: URL, insecureTls: boolean): https.Agent {
  const key = `${proxy.href} ${insecureTls}`;
  let agent = tunnelAgents.get(key);
  if (!agent) {
    agent = new TunnelAgent(proxy, { keepAlive: true, maxSockets: 8, ...(insecureTls ? { rejectUnauthorized: false } : verifyingTls()) });
    tunnelAgents.set(key, agent);
  }
  return agent;
}

const socksAgents = new Map<string, http.Agent>();

/** The agent of plain-http requests through a SOCKS5 proxy. */
export function socksHttpAgent(proxy: URL): http.Agent {
  let agent = socksAgents.get(proxy.href);
  if (!agent) {
    agent = new SocksHttpAgent(proxy);
    socksAgents.set(proxy.href, agent);
  }
  return agent;
}

const forwardAgent = new http.Agent({ keepAlive: true, maxSockets: 8 });
// To an https:// proxy: TLS with the proxy, checked against the proxy's name (made at first use:
// the extra CAs are read then).
let forwardTlsAgent: https.Agent | undefined;

/**
 * Request options that send a plain-http request to `url` through an http(s) `proxy`
 * (absolute-form target); use with https.request when `proxy` is an https:// one.
 */
export function forwardRequest(url: URL, proxy: URL, headers: Record<string, string>): http.RequestOptions & https.RequestOptions {
  const host = proxy.hostname.replace(/^\[|\]$/g, '');
  return {
    host,
    port: proxyPort(proxy),
    path: url.href,
    headers: { ...headers, Host: url.host, ...proxyAuthHeaders(proxy) },
    agent: proxy.protocol === 'https:' ? (forwardTlsAgent ??= new https.Agent({ keepAlive: true, maxSockets: 8, ...verifyingTls() })) : forwardAgent,
    // The proxy's name for SNI and the certificate check ('' for an IP), never the Host header's.
    ...(proxy.protocol === 'https:' ? { servername: net.isIP(host) ? '' : host } : {}),
  };
}
