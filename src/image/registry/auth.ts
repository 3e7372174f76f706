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
 *  - With an identity token (an OAuth2 refresh token kept by `docker login`) the token comes
 *    from distribution's OAuth2 endpoint instead: POST realm with grant_type=refresh_token,
 *    refresh_token, service, scope and client_id (docs/spec/auth/oauth.md in distribution).
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

/** The client_id the OAuth2 endpoint is told (the spec asks for one, to audit unregistered clients). */
export const OAUTH_CLIENT_ID = 'mini-run';

const OAuthError = z.object({ error: z.string(), error_description: z.string().optional() }).passthrough();

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
      if (this.credentials?.identityToken) {
        throw new UserError(`${what}: the login saved for ${this.registry} is an identity token, which only a token server takes, but this registry asks for Basic auth: log in again with a password`, 1);
      }
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
    const what = `token for ${this.registry}${this.scope ? ` (${this.scope})` : ''}`;
    const identityToken = this.credentials?.identityToken;
    const headers: Record<string, string> = { Accept: 'application/json' };
    let body: Buffer | undefined;
    if (identityToken) {
      // OAuth2 refresh-token grant: the token travels in a form body, never in the URL.
      const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: identityToken, service: service ?? '', client_id: OAUTH_CLIENT_ID });
      if (this.scope) form.set('scope', this.scope);
      body = Buffer.from(form.toString());
      headers['Content-Type'] = 'application/x-www-form-urlencoded';
    } else {
      if (service) url.searchParams.set('service', service);
      if (this.scope) url.searchParams.set('scope', this.scope); // login asks for a token with no scope
      if (this.credentials) url.searchParams.set('account', this.credentials.username);
      if (this.credentials) headers.Authorization = basicHeader(this.credentials);
    }
    for (let attempt = 1; ; attempt++) {
      let res: IncomingMessage;
      try {
        res = await send(url.href, { headers, insecureTls: this.insecureTls, ...(body ? { method: 'POST', body } : {}) });
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
      if (identityToken && [400, 401, 403, 404, 405].includes(status)) throw await this.refusedIdentityToken(res, what);
      if (status === 401 || status === 403) {
        res.resume();
        throw new UserError(`${what}: unauthorized: ${this.credentials ? 'incorrect username or password' : 'authentication required'}`, 1);
      }
      throw await errorFromResponse(res, what);
    }
  }

  /** The OAuth2 endpoint said no to the identity token: one line saying why and what to do. */
  private async refusedIdentityToken(res: IncomingMessage, what: string): Promise<UserError> {
    const status = res.statusCode ?? 0;
    if (status === 404 || status === 405) {
      res.resume();
      return new UserError(`${what}: the token server does not take OAuth2 POST requests (HTTP ${status}), which an identity token needs: log in with a password instead`, 1);
    }
    let reason = `HTTP ${status}`;
    try {
      const e = OAuthError.safeParse(JSON.parse((await readBody(res, 64 << 10, what)).toString()));
      if (e.success) reason = e.data.error + (e.data.error_description ? `: ${e.data.error_description}` : '');
    } catch { /* not JSON: the status says enough */ }
    return new UserError(`${what}: the token server refused the identity token (${reason}): log in again (docker login ${this.registry})`, 1);
  }
}

export function basicHeader(c: Credentials): string {
  return 'Basic ' + Buffer.from(`${c.username}:${c.password}`).toString('base64');
}

/** For tests: forget cached tokens. */
export function clearTokenCache(): void {
  tokenCache.clear();
}
