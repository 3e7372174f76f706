/**
 * One lock for the whole state root, so that concurrent CLI calls never see or write a
 * half-made record. flock(2) is released by the kernel when the process dies, so a killed
 * CLI never leaves the store locked. The file is 0600 inside the private state root: flock works
 * on a read-only fd, so anyone who could open it could hold it and hang every command.
 */
import { closeSync, openSync } from 'node:fs';
import { paths } from './paths';
import { secureStateRoot } from './state-root';
import { lazy } from './lazy';

const libc = lazy(() => require('./sys/libc') as typeof import('./sys/libc'));

let depth = 0;
let heldFd: number | null = null;

/** Run fn while holding the state-root lock (re-entrant within one process). */
export function withStateLock<T>(fn: () => T): T {
  if (depth === 0) {
    secureStateRoot();
    heldFd = openSync(paths.lock(), 'a', 0o600); // an older mini-run's 0644 lock: see secureStateRoot
    // (libc, and koffi behind it, loaded only here: ps, images, inspect and logs of an idle host take no lock)
    libc().flockExclusive(heldFd);
  }
  depth++;
  try {
    return fn();
  } finally {
    depth--;
    if (depth === 0 && heldFd !== null) {
      closeSync(heldFd); // closing the fd releases the flock
      heldFd = null;
    }
  }
}
