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
import { accessSync, closeSync, constants as fsc, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
import { nativeBinary } from '../native';
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
  return readonlyBind(binary, READONLY_NODE);
}

/**
 * native/build/session-exec as a read-only bind, /run/mini-run/session-exec: it runs inside a
 * container for `exec --tty --detach` (exec-init.ts), so the same rule as for node holds.
 * null if it was not built (no C compiler).
 */
export function sessionExecBinary(): string | null {
  const built = nativeBinary('session-exec');
  return existsSync(built) ? readonlyBind(built, `${RUN_DIR}/session-exec`) : null;
}

/**
 * native/build/exec-process as a read-only bind, /run/mini-run/exec-process: `exec`'s process
 * in C (exec.ts). Its child runs it inside the container until execve, and a program whose
 * `#!` line is /proc/self/exe runs it there again: the same rule as for node (EROFS on any open
 * for writing through /proc/PID/exe). null if it was not built (no C compiler).
 */
export function execProcessBinary(): string | null {
  const built = nativeBinary('exec-process');
  return existsSync(built) ? readonlyBind(built, `${RUN_DIR}/exec-process`) : null;
}

/**
 * native/build/init-native as a read-only bind, /run/mini-run/init-native: the container's init
 * in C (the default where it can start; init-order.ts). It is PID 1 of the container until its execve, so
 * the rule is node's: the container can never write the binary through /proc/PID/exe
 * (CVE-2019-5736 class). null if it was not built (no C compiler): then the Node init.
 */
export function initNativeBinary(): string | null {
  const built = nativeBinary('init-native');
  return existsSync(built) ? readonlyBind(built, `${RUN_DIR}/init-native`) : null;
}

/** `mountPath`, a read-only bind of `binary` (made now if missing or stale), or `binary` where it cannot be made. */
function readonlyBind(binary: string, mountPath: string): string {
  if (isReadonlyBindOf(mountPath, binary)) return mountPath;
  try {
    mkdirSync(RUN_DIR, { recursive: true, mode: 0o700 });
    const lockFd = openSync(`${mountPath}.lock`, 'w');
    try {
      flockExclusive(lockFd);
      if (isReadonlyBindOf(mountPath, binary)) return mountPath; // another start made it
      // A stale one (the binary was upgraded): take it away first.
      try { umount2(mountPath, 0); } catch { /* not mounted */ }
      closeSync(openSync(mountPath, 'a', 0o755)); // the mount point
      mount(binary, mountPath, null, MS.BIND, null);
      // A bind mount takes MS_RDONLY only on a second, remount call (the kernel's rule).
      mount(null, mountPath, null, MS.BIND | MS.REMOUNT | MS.RDONLY | MS.NOSUID | MS.NODEV, null);
      traceNote(`${mountPath}: read-only bind of ${binary}, the binary containers see it run from`);
      return mountPath;
    } finally {
      closeSync(lockFd);
    }
  } catch (e) {
    traceNote(`cannot make ${mountPath} (${(e as Error).message}): running ${binary} itself`);
    return binary;
  }
}
