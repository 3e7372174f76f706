/**
 * Authentication, as a registry asks for it: a request without credentials gets
 * `401 Unauthorized` with a `WWW-Authenticate` challenge, and we answer the challenge.
 *
 *  - `Basic realm="…"`: send `Authorization: Basic base64(user:password)` (from `login`).
 *  - `Bearer realm="https://auth.example/token",service="registry.example"`: the token dance.
 *    GET realm?service=…&scope=repository:<name>:pull (with Basic credentials if we have any;
 *    anonymously otherwise — Docker Hub gives anonymous pull tokens for public images), then
 *    send `Authorization: Bearer <token>`. The *scope* names the repository and the actions
 *    (pull, push): a token is good for exactly that, so a token for library/alpine cannot read
 *    another repository. Tokens are reused until they expire (`expires_in`, 60 s by default).
 */
import type { IncomingMessage } from 'node:http';
import { z } from 'zod';
import { UserError } from '../../errors';
import type { Credentials } from './credentials';
import { readBody, send } from './transport';
import { errorFromResponse } from './errors';
import { backoffDelay, isRetryableError, isRetryableStatus, MAX_ATTEMPTS, sleep } from './retry';

export interface Challenge { scheme: string; params: Record<string, string> }

/** Parse `WWW-Authenticate: Bearer realm="…",service="…",scope="…"` (quoted strings with escapes). */
export function parseChallenges(header: string): Challenge[] {
  const out: Challenge[] = [];
  let i = 0;
  const s = header;
  const skipWs = () => { while (i < s.length && /[\s,]/.test(s[i])) i++; };
  const token = () => { const m = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+/.exec(s.slice(i)); if (!m) return ''; i += m[0].length; return m[0]; };
  while (i < s.length) {
    skipWs();
    const scheme = token();
    if (!scheme) break;
    const params: Record<string, string> = {};
    for (;;) {
      while (i < s.length && /[\s]/.test(s[i])) i++;
      const save = i;
      const key = token();
      while (i < s.length && s[i] === ' ') i++;
      if (!key || s[i] !== '=') { i = save; break; }
      i++;
      while (i < s.length && s[i] === ' ') i++;
      let value = '';
      if (s[i] === '"') {
        i++;
        while (i < s.length && s[i] !== '"') {
          if (s[i] === '\\' && i + 1 < s.length) i++;
          value += s[i++];
        }
        i++;
      } else {
        value = token();
      }
      params[key.toLowerCase()] = value;
      while (i < s.length && s[i] === ' ') i++;
      if (s[i] === ',') i++;
    }
    out.push({ scheme: scheme.toLowerCase(), params });
  }
  return out;
}

const TokenResponse = z.object({
  token: z.string().optional(),
  access_token: z.string().optional(),
  expires_in: z.number().int().positive().optional(),
  issued_at: z.string().optional(),
}).passthrough().refine((t) => !!(t.token || t.access_token), 'the token server returned no token');

interface CachedToken { token: string; expiresAt: number }
const tokenCache = new Map<string, CachedToken>();

export class Authenticator {
  private basic = false;
  private bearer: { realm: string; service?: string } | null = null;

  constructor(
    private readonly registry: string,
    private readonly scope: string,          // "repository:library/alpine:pull"
    private readonly credentials: Credentials | undefined,
    private readonly insecureTls: boolean,
    /** Loopback or listed insecure: a plain-HTTP token realm is allowed (else the password would travel in clear). */
    private readonly plainRealmOk = false,
  ) {}

  private cacheKey(): string {
    return [this.bearer?.realm, this.bearer?.service, this.scope, this.credentials?.username ?? ''].join('\n');
  }

  /** The Authorization header to send now (fetching a fresh token if the cached one expired). */
  async authorization(): Promise<string | undefined> {
    if (this.bearer) {
      const cached = tokenCache.get(this.cacheKey());
      if (cached && cached.expiresAt > Date.now()) return `Bearer ${cached.token}`;
      return `Bearer ${await this.fetchToken()}`;
    }
    if (this.basic && this.credentials) return basicHeader(this.credentials);
    return undefined;
  }

  /**
   * A 401 arrived: learn what the registry wants. Returns normally if the request should be
   * sent again (with `authorization()`), throws a one-line error if we cannot authenticate.
   */
  async challenge(res: IncomingMessage, what: string, alreadyAuthenticated: boolean): Promise<void> {
    const header = res.headers['www-authenticate'];
    const err = await errorFromResponse(res, what);
    // A token we sent was refused (revoked, or expired early): never reuse it.
    if (this.bearer) tokenCache.delete(this.cacheKey());
    if (alreadyAuthenticated) {
      throw new UserError(`${what}: ${this.credentials ? 'unauthorized: incorrect username or password, or no access to this repository' : 'unauthorized: authentication required (try mini-run login ' + this.registry + ')'}`, 1);
    }
    const challenges = parseChallenges(Array.isArray(header) ? header.join(', ') : header ?? '');
    const bearer = challenges.find((c) => c.scheme === 'bearer' && c.params.realm);
    if (bearer) {
      this.bearer = { realm: bearer.params.realm, service: bearer.params.service };
      return;
    }
    if (challenges.some((c) => c.scheme === 'basic')) {
      if (!this.credentials) throw new UserError(`${what}: no basic auth credentials (run 'mini-run login ${this.registry}' first)`, 1);
      this.basic = true;
      return;
    }
    throw err;
  }

  private async fetchToken(): Promise<string> {
    const { realm, service } = this.bearer!;
    let url: URL;
    try {
      url = new URL(realm);
    } catch {
      throw new UserError(`${this.registry}: the registry's token realm is not a URL: ${JSON.stringify(realm)}`, 1);
    }
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && this.plainRealmOk)) {
      throw new UserError(`${this.registry}: refusing the token realm ${url.origin}: it must be https (the registry is not on loopback nor listed insecure)`, 1);
    }
    if (service) url.searchParams.set('service', service);
    if (this.scope) url.searchParams.set('scope', this.scope); // login asks for a token with no scope
    if (this.credentials) url.searchParams.set('account', this.credentials.username);
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (this.credentials) headers.Authorization = basicHeader(this.credentials);
    const what = `token for ${this.registry}${this.scope ? ` (${this.scope})` : ''}`;
    for (let attempt = 1; ; attempt++) {
      let res: IncomingMessage;
      try {
        res = await send(url.href, { headers, insecureTls: this.insecureTls });
      } catch (e) {
        if (attempt < MAX_ATTEMPTS && isRetryableError(e)) { await sleep(backoffDelay(attempt)); continue; }
        throw e instanceof UserError ? e : new UserError(`${what}: ${(e as Error).message}`, 1);
      }
      const status = res.statusCode ?? 0;
      if (status === 200) {
        const body = await readBody(res, 1 << 20, what);
        let raw: unknown;
        try { raw = JSON.parse(body.toString()); } catch { throw new UserError(`${what}: the token server's answer is not JSON`, 1); }
        const t = TokenResponse.safeParse(raw);
        if (!t.success) throw new UserError(`${what}: ${t.error.issues[0].message}`, 1);
        const token = (t.data.token || t.data.access_token)!;
        const issued = t.data.issued_at ? Date.parse(t.data.issued_at) : NaN;
        const start = Number.isFinite(issued) && issued <= Date.now() ? issued : Date.now();
        // Renew a little early so a token does not expire between our check and its use.
        const life = (t.data.expires_in ?? 60) * 1000;
        tokenCache.set(this.cacheKey(), { token, expiresAt: start + life * 0.9 });
        return token;
      }
      if (attempt < MAX_ATTEMPTS && isRetryableStatus(status)) {
        const delay = backoffDelay(attempt, res);
        res.resume();
        await sleep(delay);
        continue;
      }
      if (status === 401 || status === 403) {
        res.resume();
        throw new UserError(`${what}: unauthorized: ${this.credentials ? 'incorrect username or password' : 'authentication required'}`, 1);
      }
      throw await errorFromResponse(res, what);
    }
  }
}

export function basicHeader(c: Credentials): string {
  return 'Basic ' + Buffer.from(`${c.username}:${c.password}`).toString('base64');
}

/** For tests: forget cached tokens. */
export function clearTokenCache(): void {
  tokenCache.clear();
}
