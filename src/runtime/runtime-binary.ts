/**
 * The runtime binary, seen from inside a container (CVE-2019-5736 class).
 *
 * The container's init is `node` until it execve()s the program. An entrypoint that starts
 * with `#!/proc/self/exe` makes the kernel run *the init's own binary* — the host's node — as
 * the container's process, and that process may then open /proc/self/exe (or keep an O_PATH fd
 * to it and reopen it later) for writing: the next `node` anyone starts on the host would run
 * the container's code. Only ETXTBSY ("this file is being executed"), a kernel detail, stands
 * in the way while some node runs.
 *
 * So the init is started from a READ-ONLY bind mount of node, /run/mini-run/node: /proc/PID/exe
 * of the init (and of anything running it through /proc/self/exe) names that mount, and every
 * open for writing through it fails with EROFS, whatever the kernel does about ETXTBSY.
 *
 * Cost: the mount is made once per boot (under a lock); each start checks it with two stat()s
 * and one access() — no copy of the ~100 MB binary (a sealed memfd copy per start made starts
 * many times slower in the TCG VM). The mount is a host object of mini-run's own directory;
 * it stays until reboot, like /run itself.
 */
import { accessSync, closeSync, constants as fsc, mkdirSync, openSync, statSync } from 'node:fs';
import { MS } from '../sys/constants';
import { flockExclusive, mount, umount2 } from '../sys/libc';
import { traceNote } from '../sys/trace';

const RUN_DIR = '/run/mini-run';
export const READONLY_NODE = `${RUN_DIR}/node`;

/** Is `path` the read-only bind of `binary` (same file, and writes refused with EROFS)? */
function isReadonlyBindOf(path: string, binary: string): boolean {
  try {
    const a = statSync(path), b = statSync(binary);
    if (a.ino !== b.ino || a.dev !== b.dev) return false;
    accessSync(path, fsc.W_OK);
    return false; // writable: not (yet) our read-only mount
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EROFS';
  }
}

/**
 * The path to start the container's init from: the read-only bind of `binary` (made now if
 * missing or stale), or `binary` itself where that cannot be made (not root).
 */
export function initBinary(binary = process.execPath): string {
  if (isReadonlyBindOf(READONLY_NODE, binary)) return READONLY_NODE;
  try {
    mkdirSync(RUN_DIR, { recursive: true, mode: 0o700 });
    const lockFd = openSync(`${RUN_DIR}/node.lock`, 'w');
    try {
      flockExclusive(lockFd);
      if (isReadonlyBindOf(READONLY_NODE, binary)) return READONLY_NODE; // another start made it
      // A stale one (node was upgraded): take it away first.
      try { umount2(READONLY_NODE, 0); } catch { /* not mounted */ }
      closeSync(openSync(READONLY_NODE, 'a', 0o755)); // the mount point
      mount(binary, READONLY_NODE, null, MS.BIND, null);
      // A bind mount takes MS_RDONLY only on a second, remount call (the kernel's rule).
      mount(null, READONLY_NODE, null, MS.BIND | MS.REMOUNT | MS.RDONLY | MS.NOSUID | MS.NODEV, null);
      traceNote(`${READONLY_NODE}: read-only bind of ${binary}, the binary container inits run from`);
      return READONLY_NODE;
    } finally {
      closeSync(lockFd);
    }
  } catch (e) {
    traceNote(`cannot make ${READONLY_NODE} (${(e as Error).message}): the init runs from ${binary}`);
    return binary;
  }
}
