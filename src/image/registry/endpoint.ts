/**
 * Where to send the requests for a registry named in a reference.
 *
 *  - docker.io is served by registry-1.docker.io; configured `registry-mirrors` come first
 *    (pull only), and the origin stays as the fallback, as in docker.
 *  - localhost / 127.0.0.0/8 / ::1 speak plain HTTP (a local test registry has no certificate).
 *  - `insecure-registries` are tried over HTTPS without verifying the certificate, then over
 *    plain HTTP. Everything else is HTTPS with a verified certificate.
 */
import { DEFAULT_DOMAIN } from '../reference';
import { isInsecureRegistry, loadDaemonConfig } from './config';

export const DOCKER_HUB_HOST = 'registry-1.docker.io';

export interface Endpoint {
  registry: string;     // the domain as written in the reference: "docker.io", "127.0.0.1:5000"
  base: string;         // URL origin requests go to: "https://registry-1.docker.io"
  insecureTls: boolean; // HTTPS without certificate verification
  mirror: boolean;
}

export function isLoopback(registry: string): boolean {
  const host = registry.replace(/:\d+$/, '');
  return host === 'localhost' || /^127\.\d+\.\d+\.\d+$/.test(host) || host === '[::1]';
}

/** The origin endpoints of a registry, in the order to try them. */
export function originEndpoints(registry: string): Endpoint[] {
  const host = registry === DEFAULT_DOMAIN ? DOCKER_HUB_HOST : registry;
  if (isLoopback(registry)) return [{ registry, base: `http://${host}`, insecureTls: false, mirror: false }];
  if (isInsecureRegistry(registry)) {
    return [
      { registry, base: `https://${host}`, insecureTls: true, mirror: false },
      { registry, base: `http://${host}`, insecureTls: false, mirror: false },
    ];
  }
  return [{ registry, base: `https://${host}`, insecureTls: false, mirror: false }];
}

/** Endpoints for a pull: the mirrors first (docker.io only), then the origin. */
export function pullEndpoints(registry: string): Endpoint[] {
  const mirrors: Endpoint[] = registry !== DEFAULT_DOMAIN ? [] : loadDaemonConfig()['registry-mirrors'].map((m) => {
    const u = new URL(m);
    return { registry, base: u.origin, insecureTls: u.protocol === 'https:' && isInsecureRegistry(u.host), mirror: true };
  });
  return [...mirrors, ...originEndpoints(registry)];
}
