/**
 * Logins made with `docker login`, reused: the Docker CLI's own file and credential helpers.
 *
 *   $DOCKER_CONFIG/config.json, or ~/.docker/config.json:
 *   {
 *     "auths":       { "registry.lan:5000": { "auth": "<base64 of user:password>" } },
 *     "credsStore":  "pass",                           // every registry's secret is in a helper
 *     "credHelpers": { "registry.lan:5000": "ecr" }    // or per registry (wins over credsStore)
 *   }
 *
 * A helper is a program `docker-credential-NAME` on PATH (docker-credential-helpers protocol):
 * `docker-credential-NAME get` reads the server address on stdin ("registry.lan:5000", or
 * "https://index.docker.io/v1/" for Docker Hub) and prints {"ServerURL","Username","Secret"};
 * "credentials not found in native keychain" (exit 1) means it has none for that server.
 * An identity token (an OAuth2 refresh token) comes as `"identitytoken"` beside `auth` in
 * `auths`, or from a helper as Username "<token>" with the token as Secret (the Docker CLI's
 * convention).
 * Under `sudo`, HOME is root's: it is root's docker login that counts, as for `sudo docker`.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { UserError } from '../../errors';
import { foreignChildEnv } from '../../sys/node-env';
import { traceNote } from '../../sys/trace';
import { authKey, type Credentials } from './credentials';

const DockerCliConfig = z.object({
  auths: z.record(z.object({ auth: z.string().optional(), identitytoken: z.string().optional() }).passthrough()).default({}),
  credsStore: z.string().optional(),
  credHelpers: z.record(z.string()).default({}),
}).passthrough();

const HelperAnswer = z.object({ Username: z.string(), Secret: z.string() }).passthrough();

const HELPER_TIMEOUT_MS = 30_000;
/** What a helper says as Username when its Secret is an identity token, not a password. */
export const IDENTITY_TOKEN_USERNAME = '<token>';

export function dockerConfigFile(): string {
  return join(process.env.DOCKER_CONFIG || join(homedir(), '.docker'), 'config.json');
}

function readDockerConfig(file: string): z.infer<typeof DockerCliConfig> | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new UserError(`the Docker configuration file ${file} is not valid JSON`, 1);
  }
  const r = DockerCliConfig.safeParse(raw);
  if (!r.success) throw new UserError(`the Docker configuration file ${file} is invalid: "${r.error.issues[0].path.join('.')}": ${r.error.issues[0].message}`, 1);
  return r.data;
}

/** Decode an auths entry's "auth" (base64 of user:password). */
export function decodeAuth(auth: string | undefined): Credentials | undefined {
  if (!auth) return undefined;
  const text = Buffer.from(auth, 'base64').toString('utf8');
  const colon = text.indexOf(':');
  if (colon <= 0) return undefined;
  return { username: text.slice(0, colon), password: text.slice(colon + 1) };
}

/** An auths entry: its identity token if it has one (the user from "auth", if any), else user:password. */
export function authEntryCredentials(entry: { auth?: string; identitytoken?: string } | undefined): Credentials | undefined {
  if (entry?.identitytoken) {
    const user = entry.auth ? Buffer.from(entry.auth, 'base64').toString('utf8').split(':')[0] : '';
    return { username: user || IDENTITY_TOKEN_USERNAME, password: '', identityToken: entry.identitytoken };
  }
  return decodeAuth(entry?.auth);
}

/** Ask `docker-credential-NAME get` for a server's secret; undefined when it has none. */
export function helperGet(helper: string, server: string, namedBy: string): Credentials | undefined {
  const program = `docker-credential-${helper}`;
  traceNote(`registry: asking ${program} for ${server}`);
  // (NODE_EXTRA_CA_CERTS back in its place: a helper may be a Node program that needs the user's CAs.)
  const r = spawnSync(program, ['get'], { input: server, encoding: 'utf8', timeout: HELPER_TIMEOUT_MS, env: foreignChildEnv(process.env) });
  // EPIPE: the helper exited without reading the server name (a helper that only says why it
  // fails does that); its exit status and output are still what counts.
  const pipeClosed = (r.error as NodeJS.ErrnoException | undefined)?.code === 'EPIPE' && r.status !== null;
  if (r.error && !pipeClosed) {
    const code = (r.error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new UserError(`error getting credentials for ${server}: ${program} is not on PATH (${namedBy}): install it, or remove that setting`, 1);
    }
    throw new UserError(`error getting credentials for ${server} from ${program}: ${code === 'ETIMEDOUT' ? `no answer in ${HELPER_TIMEOUT_MS / 1000} s` : r.error.message}`, 1);
  }
  const out = (r.stdout ?? '').trim();
  if (r.status !== 0) {
    if (/credentials not found/i.test(out)) return undefined;
    const why = (out || (r.stderr ?? '').trim() || `exit status ${r.status}`).split('\n')[0];
    throw new UserError(`error getting credentials for ${server} from ${program}: ${why}`, 1);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(out);
  } catch {
    throw new UserError(`error getting credentials for ${server} from ${program}: its answer is not JSON`, 1);
  }
  const a = HelperAnswer.safeParse(raw);
  if (!a.success) throw new UserError(`error getting credentials for ${server} from ${program}: ${a.error.issues[0].path.join('.')}: ${a.error.issues[0].message}`, 1);
  if (!a.data.Username && !a.data.Secret) return undefined;
  if (a.data.Username === IDENTITY_TOKEN_USERNAME) return { username: IDENTITY_TOKEN_USERNAME, password: '', identityToken: a.data.Secret };
  return { username: a.data.Username, password: a.data.Secret };
}

/** The credentials `docker login` saved for a registry (helper first, as the Docker CLI does). */
export function dockerLoginCredentials(registry: string): Credentials | undefined {
  const file = dockerConfigFile();
  const cfg = readDockerConfig(file);
  if (!cfg) return undefined;
  const key = authKey(registry);
  // Keys may be written "https://host/v2/" or "host": compare them the way authKey writes ours.
  const perRegistry = Object.entries(cfg.credHelpers).find(([k]) => authKey(k) === key);
  if (perRegistry) return helperGet(perRegistry[1], key, `"credHelpers" in ${file}`);
  if (cfg.credsStore) return helperGet(cfg.credsStore, key, `"credsStore" in ${file}`);
  const entry = Object.entries(cfg.auths).find(([k]) => authKey(k) === key);
  return authEntryCredentials(entry?.[1]);
}
