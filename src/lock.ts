/**
 * One lock for the whole state root, so that concurrent CLI calls never see or write a
 * half-made record. flock(2) is released by the kernel when the process dies, so a killed
 * CLI never leaves the store locked.
 */
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { flockExclusive } from './sys/libc';
import { paths } from './paths';

let depth = 0;
let heldFd: number | null = null;

/** Run fn while holding the state-root lock (re-entrant within one process). */
export function withStateLock<T>(fn: () => T): T {
  if (depth === 0) {
    mkdirSync(dirname(paths.lock()), { recursive: true });
    heldFd = openSync(paths.lock(), 'a');
    flockExclusive(heldFd);
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
