/**
 * Retrying what is worth retrying, with exponential backoff:
 *   - HTTP 429 (too many requests) and 5xx: the registry or a proxy is overloaded or restarting;
 *     a Retry-After header (seconds, or an HTTP date) says how long to wait, and we honour it;
 *   - a connection reset or timeout: the network blinked.
 * Not retried: 4xx answers (they will not change), connection refused / unknown host (the
 * registry is not there: say so at once), digest mismatches (the content is wrong).
 */
import type { IncomingMessage } from 'node:http';
import { TransportError } from './transport';

export const MAX_ATTEMPTS = 5;
const BASE_DELAY_MS = 250;
const MAX_DELAY_MS = 8_000;
const MAX_RETRY_AFTER_MS = 60_000;

export function isRetryableStatus(status: number): boolean {
  return status === 429 || status === 408 || (status >= 500 && status !== 501 && status !== 505);
}

const FATAL_NETWORK = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'CERT_HAS_EXPIRED', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'ERR_TLS_CERT_ALTNAME_INVALID', 'EPROTO', 'EPROXYAUTH']);

export function isRetryableError(e: unknown): boolean {
  return e instanceof TransportError && !FATAL_NETWORK.has(e.code);
}

/** How long to wait before attempt number `attempt` (1 = the first retry). */
export function backoffDelay(attempt: number, res?: IncomingMessage, now = Date.now()): number {
  const ra = res?.headers['retry-after'];
  if (typeof ra === 'string' && ra.trim()) {
    const secs = Number(ra);
    const ms = Number.isFinite(secs) ? secs * 1000 : Date.parse(ra) - now;
    if (Number.isFinite(ms)) return Math.min(Math.max(ms, 0), MAX_RETRY_AFTER_MS);
  }
  const exp = Math.min(BASE_DELAY_MS * 2 ** (attempt - 1), MAX_DELAY_MS);
  return exp / 2 + Math.random() * (exp / 2);
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
