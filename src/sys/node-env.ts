/**
 * NODE_EXTRA_CA_CERTS and mini-run's own Node processes.
 *
 * Node reads that variable itself, before any JavaScript runs: it builds its root store and
 * parses the whole file (a 220 kB system bundle costs ≈ 37 ms of every start on a 2-core host,
 * `node -e 0` 105 vs 68 ms). mini-run needs extra CAs only where it makes TLS (registry pulls and
 * pushes, ADD <https URL>), so bin/mini-run's sh lines (and bin/mini-runc's, native/mini-run-front.c's)
 * move the variable to MINI_RUN_EXTRA_CA_CERTS before they start Node, and
 * image/registry/extra-cas.ts applies the file where TLS is made. The Node processes mini-run
 * starts itself (the `run -d` supervisor, health-check probes, the rootless re-run) get the
 * variable moved the same way; programs that are not ours (credential helpers) get it back.
 */

/** The variable mini-run carries the user's NODE_EXTRA_CA_CERTS in. */
export const EXTRA_CA_ENV = 'MINI_RUN_EXTRA_CA_CERTS';

/** `env` for a Node process of ours: a non-empty NODE_EXTRA_CA_CERTS moved to MINI_RUN_EXTRA_CA_CERTS. */
export function nodeChildEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out = { ...env };
  if (out.NODE_EXTRA_CA_CERTS) out[EXTRA_CA_ENV] = out.NODE_EXTRA_CA_CERTS;
  delete out.NODE_EXTRA_CA_CERTS;
  return out;
}

/** `env` for a program that is not ours (it may be a Node program that wants the user's CAs). */
export function foreignChildEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out = { ...env };
  if (!out.NODE_EXTRA_CA_CERTS && out[EXTRA_CA_ENV]) out.NODE_EXTRA_CA_CERTS = out[EXTRA_CA_ENV];
  delete out[EXTRA_CA_ENV];
  return out;
}
