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
 * How a request goes through the proxy (RFC 9110 §9.3.6, RFC 9112 §3.2.2):
 *   - http://  URL: the request is sent to the proxy with the full URL as its target
 *     ("GET http://registry:5000/v2/ HTTP/1.1"); the proxy forwards it.
 *   - https:// URL: "CONNECT registry:443" asks the proxy for a raw tunnel; TLS then runs inside
 *     the tunnel with the registry itself, so the proxy sees only encrypted bytes and the
 *     certificate is checked against the registry's name, not the proxy's.
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
import { describeNetworkError } from './transport';

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
  if (proxy.protocol !== 'http:') {
    throw new UserError(`proxy ${redactProxy(proxy.href)}: only http:// proxies are supported (got ${proxy.protocol.replace(':', '')})`, 1);
  }
  return proxy;
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
 * An https Agent whose connections are CONNECT tunnels through `proxy`, with TLS to the
 * registry inside. Node's Agent lets createConnection hand the socket to a callback later,
 * which is what the CONNECT round trip needs; keep-alive pooling works as for direct sockets.
 */
class TunnelAgent extends https.Agent {
  constructor(private readonly proxy: URL, opts: https.AgentOptions) {
    super(opts);
  }

  override createConnection(options: tls.ConnectionOptions & { host?: string; port?: number; servername?: string }, callback: (err: Error | null, socket?: Duplex) => void): undefined {
    const target = `${options.host}:${options.port}`;
    const name = redactProxy(this.proxy.origin);
    const req = http.request({
      host: this.proxy.hostname,
      port: this.proxy.port || 80,
      method: 'CONNECT',
      path: target,
      headers: { Host: target, ...proxyAuthHeaders(this.proxy) },
      agent: false,
    });
    let done = false;
    const fail = (e: Error) => { if (!done) { done = true; callback(e); } };
    req.on('connect', (res, socket) => {
      if (res.statusCode !== 200) {
        socket.destroy();
        const why = res.statusCode === 407 ? 'proxy authentication required (407)' : `the proxy answered ${res.statusCode} ${res.statusMessage ?? ''}`.trim();
        fail(new ProxyError(`proxyconnect ${name}: CONNECT ${target}: ${why}`, res.statusCode === 407 ? 'EPROXYAUTH' : 'EPROXY'));
        return;
      }
      const secure = tls.connect({ ...options, socket, servername: options.servername || (net.isIP(options.host ?? '') ? undefined : options.host) });
      secure.once('secureConnect', () => { if (!done) { done = true; callback(null, secure); } });
      secure.once('error', fail);
    });
    req.on('error', (e: NodeJS.ErrnoException) => fail(new ProxyError(`proxyconnect ${name}: ${describeNetworkError(e)}`, e.code ?? 'EPROXY')));
    req.end();
    return undefined;
  }
}

const tunnelAgents = new Map<string, https.Agent>();

/** One keep-alive tunnel agent per (proxy, TLS verification). */
export function tunnelAgent(proxy: URL, insecureTls: boolean): https.Agent {
  const key = `${proxy.href} ${insecureTls}`;
  let agent = tunnelAgents.get(key);
  if (!agent) {
    agent = new TunnelAgent(proxy, { keepAlive: true, maxSockets: 8, rejectUnauthorized: !insecureTls });
    tunnelAgents.set(key, agent);
  }
  return agent;
}

const forwardAgent = new http.Agent({ keepAlive: true, maxSockets: 8 });

/** Request options that send a plain-http request to `url` through `proxy` (absolute-form target). */
export function forwardRequest(url: URL, proxy: URL, headers: Record<string, string>): http.RequestOptions {
  return {
    host: proxy.hostname,
    port: proxy.port || 80,
    path: url.href,
    headers: { ...headers, Host: url.host, ...proxyAuthHeaders(proxy) },
    agent: forwardAgent,
  };
}
