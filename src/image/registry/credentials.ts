/**
 * Saved registry credentials (`mini-run login`), in docker's config.json format:
 *
 *   ~/.mini-run/config.json   (or the file named by $MINI_RUN_AUTH_CONFIG)
 *   { "auths": { "127.0.0.1:5001": { "auth": "<base64 of user:password>" } } }
 *
 * Pulls and pushes also use what `docker login` saved (~/.docker/config.json, credential
 * helpers: docker-credentials.ts) for a registry this file has nothing for.
 *
 * Like docker's, the password is only base64-encoded, not encrypted: the file is created with
 * mode 0600 and is as secret as the user's home. Docker Hub's key is docker's historical
 * "https://index.docker.io/v1/".
 */
import { chmodSync, mkdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { UserError } from '../../errors';
import { writeFileAtomic } from '../../fsutil';
import { DEFAULT_DOMAIN } from '../reference';
import { authEntryCredentials, dockerLoginCredentials } from './docker-credentials';

export const DOCKER_HUB_AUTH_KEY = 'https://index.docker.io/v1/';

/**
 * A login: a user and password, or an identity token — an OAuth2 refresh token that `docker
 * login` keeps instead of the password when the registry's token server gives one
 * (`"identitytoken"` in config.json; a credential helper says Username "<token>"). A token
 * server trades it for access tokens (auth.ts); it is never sent to the registry itself.
 */
export interface Credentials { username: string; password: string; identityToken?: string }

const AuthConfig = z.object({
  auths: z.record(z.object({ auth: z.string().optional(), identitytoken: z.string().optional() }).passthrough()).default({}),
}).passthrough();
type AuthConfig = z.infer<typeof AuthConfig>;

export function authConfigFile(): string {
  return process.env.MINI_RUN_AUTH_CONFIG || join(homedir(), '.mini-run', 'config.json');
}

/** The key under "auths" for a registry: its host[:port], or docker's key for Docker Hub. */
export function authKey(registry: string): string {
  const r = registry.replace(/^https?:\/\//, '').replace(/\/.*$/, '');
  return r === DEFAULT_DOMAIN || r === 'index.docker.io' || r === 'registry-1.docker.io' ? DOCKER_HUB_AUTH_KEY : r;
}

function readConfig(): AuthConfig {
  const file = authConfigFile();
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return { auths: {} };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new UserError(`the credentials file ${file} is not valid JSON`);
  }
  const r = AuthConfig.safeParse(raw);
  if (!r.success) throw new UserError(`the credentials file ${file} is invalid: ${r.error.issues[0].message}`);
  return r.data;
}

function writeConfig(cfg: AuthConfig): void {
  const file = authConfigFile();
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeFileAtomic(file, JSON.stringify(cfg, null, '\t') + '\n', 0o600, true);
  chmodSync(file, 0o600);
}

/** mini-run's own login first; then the one `docker login` saved (docker-credentials.ts). */
export function getCredentials(registry: string): Credentials | undefined {
  return authEntryCredentials(readConfig().auths[authKey(registry)]) ?? dockerLoginCredentials(registry);
}

export function saveCredentials(registry: string, c: Credentials): void {
  const cfg = readConfig();
  cfg.auths[authKey(registry)] = { auth: Buffer.from(`${c.username}:${c.password}`).toString('base64') };
  writeConfig(cfg);
}

/** Returns false when there was nothing saved for the registry. */
export function removeCredentials(registry: string): boolean {
  const cfg = readConfig();
  const key = authKey(registry);
  if (!(key in cfg.auths)) return false;
  delete cfg.auths[key];
  writeConfig(cfg);
  return true;
}
