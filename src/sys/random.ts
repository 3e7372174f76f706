/**
 * Random bytes for ids and names, read from the kernel's pool (/dev/urandom: the same source
 * node:crypto's randomBytes draws from, through getrandom). Paths that only need an id — `run`,
 * `create`, a volume, a staging directory — then do not load node:crypto (5–12 ms of `run`).
 * Where /dev/urandom cannot be opened (a chroot without /dev), node:crypto gives them.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { lazy } from '../lazy';

const crypto = lazy(() => require('node:crypto') as typeof import('node:crypto'));

export function randomBytes(n: number): Buffer {
  let fd: number;
  try {
    fd = openSync('/dev/urandom', 'r');
  } catch {
    return crypto().randomBytes(n);
  }
  try {
    const buf = Buffer.alloc(n);
    for (let got = 0; got < n;) {
      const r = readSync(fd, buf, got, n - got, null);
      if (r <= 0) throw new Error('/dev/urandom: short read');
      got += r;
    }
    return buf;
  } finally {
    closeSync(fd);
  }
}
