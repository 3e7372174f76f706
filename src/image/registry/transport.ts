/**
 * One HTTP exchange with a registry, on Node's own http/https modules (responses are plain
 * Node streams, so a blob can be piped straight into the layer unpacker, and TLS verification
 * can be switched off for an insecure registry — which the built-in fetch cannot do).
 *
 * Redirects are followed here: registries commonly answer a blob GET with a 307 to a storage
 * server or CDN. The Authorization header is dropped when the redirect leaves the registry's
 * origin (the storage URL is pre-signed; our registry token must not leak to it).
 */
import http, { IncomingMessage } from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import { UserError } from '../../errors';
import { traceNote } from '../../sys/trace';
import { verifyingTls } from './extra-cas';
import { forwardRequest, isSocks, ProxyError, proxyFor, proxyName, socksHttpAgent, tunnelAgent } from './proxy';

const httpAgent = new http.Agent({ keepAlive: true, maxSockets: 8 });
let httpsAgent: https.Agent | undefined;
let insecureAgent: https.Agent | undefined;
/** The https agent: verifying (Node's roots + the user's extra CAs, extra-cas.ts), made at first use. */
function tlsAgent(insecure: boolean): https.Agent {
  if (insecure) return (insecureAgent ??= new https.Agent({ keepAlive: true, maxSockets: 8, rejectUnauthorized: false }));
  return (httpsAgent ??= new https.Agent({ keepAlive: true, maxSockets: 8, ...verifyingTls() }));
}

export const USER_AGENT = 'mini-run/0.1 (distribution-spec v2 client)';
const MAX_REDIRECTS = 5;
/**
 * No byte for this long on a connection: give up on it (the retry logic may try again). Also the
 * limit for setting a connection up through a proxy (proxy.ts), before the request has a socket.
 */
export const IDLE_TIMEOUT_MS = 60_000;

export interface SendOptions {
  method?: string;
  headers?: Record<string, string>;
  /** A Buffer, or a factory giving a fresh stream for each attempt (so a request can be retried). */
  body?: Buffer | (() => Readable);
  insecureTls?: boolean;
}

/** A network-level failure (no HTTP answer): connection refused, reset, DNS, timeout. */
export class TransportError extends Error {
  /** `raw`: the socket's or TLS's own error, when there was one. */
  constructor(message: string, readonly code: string, readonly url: string, readonly raw?: Error) {
    super(message);
  }
}

const NETWORK_WORDS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset by peer',
  ENOTFOUND: 'no such host',
  EAI_AGAIN: 'temporary failure in name resolution',
  ETIMEDOUT: 'i/o timeout',
  EHOSTUNREACH: 'no route to host',
  ENETUNREACH: 'network is unreachable',
  EPIPE: 'broken pipe',
};

export function describeNetworkError(e: NodeJS.ErrnoException): string {
  return (e.code && NETWORK_WORDS[e.code]) || e.message;
}

function sendOnce(url: URL, opts: SendOptions): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const isHttps = url.protocol === 'https:';
    const headers: Record<string, string> = { 'User-Agent': USER_AGENT, ...opts.headers };
    if (Buffer.isBuffer(opts.body)) headers['Content-Length'] = String(opts.body.length);
    const method = opts.method ?? 'GET';
    const proxy = proxyFor(url);
    let req: http.ClientRequest;
    if (proxy && isHttps) {
      traceNote(`registry: through the proxy ${proxyName(proxy)} (CONNECT ${url.host})`);
      req = https.request(url, { method, headers, agent: tunnelAgent(proxy, !!opts.insecureTls) });
    } else if (proxy && isSocks(proxy)) {
      traceNote(`registry: through the proxy ${proxyName(proxy)} (CONNECT ${url.host})`);
      req = http.request(url, { method, headers, agent: socksHttpAgent(proxy) });
    } else if (proxy) {
      traceNote(`registry: through the proxy ${proxyName(proxy)}`);
      req = (proxy.protocol === 'https:' ? https : http).request({ ...forwardRequest(url, proxy, headers), method });
    } else {
      const agent = isHttps ? tlsAgent(!!opts.insecureTls) : httpAgent;
      req = (isHttps ? https : http).request(url, { method, headers, agent });
    }
    req.setTimeout(IDLE_TIMEOUT_MS, () => req.destroy(Object.assign(new Error('i/o timeout'), { code: 'ETIMEDOUT' })));
    req.on('response', (res) => resolve(res));
    req.on('error', (e: NodeJS.ErrnoException) => {
      // A proxy failure names the proxy (its own message); anything else is the registry's.
      const why = e instanceof ProxyError ? e.message : proxy && !isHttps && !isSocks(proxy) ? `proxy ${proxyName(proxy)}: ${describeNetworkError(e)}` : describeNetworkError(e);
      reject(new TransportError(`${method} ${url.href}: ${why}`, e.code ?? 'EIO', url.href, e));
    });
    if (opts.body === undefined) req.end();
    else if (Buffer.isBuffer(opts.body)) req.end(opts.body);
    else {
      const src = opts.body();
      src.on('error', (e) => req.destroy(e));
      src.pipe(req);
    }
  });
}

/** Send a request, following redirects. The caller must consume or destroy the response. */
export async function send(urlString: string, opts: SendOptions = {}): Promise<IncomingMessage> {
  let url = new URL(urlString);
  const origin = url.origin;
  let headers = { ...opts.headers };
  for (let hop = 0; ; hop++) {
    // No query string: pre-signed redirect URLs carry their credentials there.
    traceNote(`registry: ${opts.method ?? 'GET'} ${url.origin}${url.pathname}${url.search ? '?…' : ''}`);
    const res = await sendOnce(url, { ...opts, headers });
    const loc = res.headers.location;
    if (!loc || ![301, 302, 303, 307, 308].includes(res.statusCode ?? 0)) return res;
    res.resume();
    if (hop >= MAX_REDIRECTS) throw new UserError(`${url.href}: too many redirects`);
    url = new URL(loc, url);
    if (url.origin !== origin) {
      headers = Object.fromEntries(Object.entries(headers).filter(([k]) => k.toLowerCase() !== 'authorization'));
    }
  }
}

/** Read a whole (small) body, refusing more than `limit` bytes: a hostile server cannot fill memory. */
export async function readBody(res: IncomingMessage, limit: number, what: string): Promise<Buffer> {
  const declared = Number(res.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    res.destroy();
    throw new UserError(`${what}: oversized (${declared} bytes; the limit is ${limit})`);
  }
  const chunks: Buffer[] = [];
  let n = 0;
  try {
    for await (const c of res) {
      n += (c as Buffer).length;
      if (n > limit) {
        res.destroy();
        throw new UserError(`${what}: oversized (more than ${limit} bytes)`);
      }
      chunks.push(c as Buffer);
    }
  } catch (e) {
    if (e instanceof UserError) throw e;
    const err = e as NodeJS.ErrnoException;
    throw new TransportError(`${what}: ${describeNetworkError(err)}`, err.code ?? 'ECONNRESET', res.url ?? '');
  }
  return Buffer.concat(chunks);
}
