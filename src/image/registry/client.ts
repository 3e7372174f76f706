/**
 * RegistryClient: requests to one repository of one registry endpoint, following the
 * distribution spec's "/v2/<name>/…" API, with the two things every request needs:
 *
 *  - authentication: on a 401 the Authenticator answers the challenge and the request is sent
 *    again (see auth.ts);
 *  - retries with backoff on 429/5xx and on dropped connections, honouring Retry-After
 *    (see retry.ts). A request body is a Buffer or a stream factory, so it can be re-sent.
 *
 * Non-2xx answers become a RegistryError carrying the status and the registry's error code.
 */
import type { IncomingMessage } from 'node:http';
import { UserError } from '../../errors';
import { Authenticator } from './auth';
import { Credentials, getCredentials } from './credentials';
import { isLoopback } from './endpoint';
import { isInsecureRegistry } from './config';
import type { Endpoint } from './endpoint';
import { errorFromResponse } from './errors';
import { backoffDelay, isRetryableError, isRetryableStatus, MAX_ATTEMPTS, sleep } from './retry';
import { send, SendOptions, TransportError } from './transport';

export interface RequestOptions extends Omit<SendOptions, 'insecureTls'> {
  /** Names the thing in errors: "manifest for alpine:latest". */
  what: string;
  /** Statuses to hand back to the caller instead of throwing (default: 2xx). */
  accept?: (status: number) => boolean;
}

export type Action = 'pull' | 'push';

/** Whose credentials an endpoint gets: the registry's own, or for a mirror the mirror's host. */
export function credentialHost(endpoint: Endpoint): string {
  return endpoint.mirror ? new URL(endpoint.base).host : endpoint.registry;
}

export class RegistryClient {
  readonly auth: Authenticator;

  constructor(
    readonly endpoint: Endpoint,
    readonly repository: string,     // "library/alpine"
    actions: Action[] = ['pull'],
    // A mirror gets its own credentials (or none), never those of the registry it mirrors.
    credentials: Credentials | undefined = getCredentials(credentialHost(endpoint)),
  ) {
    const scope = repository ? `repository:${repository}:${actions.join(',')}` : '';
    const host = credentialHost(endpoint);
    const plainRealmOk = isLoopback(host) || isInsecureRegistry(host);
    this.auth = new Authenticator(endpoint.registry, scope, credentials, endpoint.insecureTls, plainRealmOk);
  }

  /** "/v2/library/alpine/manifests/latest" from "manifests/latest". */
  path(rest: string): string {
    return `/v2/${this.repository}/${rest}`;
  }

  url(pathOrUrl: string): string {
    return /^https?:\/\//.test(pathOrUrl) ? pathOrUrl : this.endpoint.base + pathOrUrl;
  }

  /** Send a request (path like "/v2/…" or an absolute upload URL) with auth and retries. */
  async request(pathOrUrl: string, opts: RequestOptions): Promise<IncomingMessage> {
    const ok = opts.accept ?? ((s: number) => s >= 200 && s < 300);
    let challenged = false;
    for (let attempt = 1; ; attempt++) {
      const headers: Record<string, string> = { ...opts.headers };
      const authz = await this.auth.authorization();
      if (authz) headers.Authorization = authz;
      let res: IncomingMessage;
      try {
        res = await send(this.url(pathOrUrl), { method: opts.method, headers, body: opts.body, insecureTls: this.endpoint.insecureTls });
      } catch (e) {
        if (attempt < MAX_ATTEMPTS && isRetryableError(e)) {
          await sleep(backoffDelay(attempt));
          continue;
        }
        if (e instanceof TransportError) throw new UserError(`${opts.what}: ${e.message}`, 1);
        throw e;
      }
      const status = res.statusCode ?? 0;
      if (status === 401) {
        await this.auth.challenge(res, opts.what, challenged);
        challenged = true;
        continue;
      }
      if (ok(status)) return res;
      if (attempt < MAX_ATTEMPTS && isRetryableStatus(status)) {
        const delay = backoffDelay(attempt, res);
        res.resume();
        await sleep(delay);
        continue;
      }
      throw await errorFromResponse(res, opts.what);
    }
  }

  /** GET /v2/: is this a registry, and does it want us to log in? */
  async ping(): Promise<void> {
    const res = await this.request('/v2/', { what: `${this.endpoint.base}/v2/` });
    res.resume();
  }
}
