/**
 * `login`: check credentials against a registry before saving them, the way docker does —
 * GET /v2/ with them (Basic), or ask the registry's token server for a token with them
 * (Bearer). Only a registry that accepted them gets them written to the credentials file.
 */
import { UserError } from '../../errors';
import { RegistryClient } from './client';
import { Credentials, removeCredentials, saveCredentials } from './credentials';
import { originEndpoints } from './endpoint';

/** "https://127.0.0.1:5000/v2/" → "127.0.0.1:5000"; docker.io's aliases → "docker.io". */
export function normalizeServer(server: string | undefined): string {
  if (!server) return 'docker.io';
  const host = server.replace(/^https?:\/\//, '').replace(/\/.*$/, '');
  if (!host) throw new UserError(`invalid registry server: ${JSON.stringify(server)}`, 1);
  return ['index.docker.io', 'registry-1.docker.io', 'docker.io'].includes(host) ? 'docker.io' : host;
}

export async function login(server: string, creds: Credentials): Promise<void> {
  let lastError: unknown = null;
  for (const endpoint of originEndpoints(server)) {
    const client = new RegistryClient(endpoint, '', ['pull'], creds);
    try {
      // A registry that does not ask for auth at all accepts anything: force one token/basic check.
      await client.ping();
      saveCredentials(server, creds);
      return;
    } catch (e) {
      lastError = e;
    }
  }
  const msg = (lastError as Error).message.replace(/^.*?: (unauthorized)/, '$1');
  throw new UserError(`login to ${server} failed: ${msg}`, 1);
}

export function logout(server: string): boolean {
  return removeCredentials(server);
}
