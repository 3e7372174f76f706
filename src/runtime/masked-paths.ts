/**
 * Hiding and freezing parts of /proc and /sys (docker's maskedPaths and readonlyPaths).
 *
 * /proc and /sys are views of the *host* kernel: /proc/kcore is its memory, /proc/keys its
 * keyrings, /proc/sys/kernel its settings. A container gets its own /proc for its PID
 * namespace, but these files are not namespaced. So:
 *   masked   → a file gets /dev/null bind-mounted over it, a directory an empty read-only tmpfs;
 *   readonly → bind-mounted onto itself, then remounted read-only.
 * Runs after pivot_root, so every path is the container's own.
 */
import { statSync } from 'node:fs';
import { MS } from '../sys/constants';
import { mount } from '../sys/libc';

/** `nullDevice`: a path naming the null device — the runtime's own, held by fd, when it made one. */
export function maskPath(path: string, nullDevice = '/dev/null'): void {
  let isDir: boolean;
  try {
    isDir = statSync(path).isDirectory();
  } catch {
    return; // not on this kernel: nothing to hide
  }
  if (isDir) mount('tmpfs', path, 'tmpfs', MS.RDONLY, null);
  else mount(nullDevice, path, null, MS.BIND, null);
}

export function readonlyPath(path: string): void {
  try {
    statSync(path);
  } catch {
    return;
  }
  mount(path, path, null, MS.BIND | MS.REC, null);
  mount(null, path, null, MS.BIND | MS.REMOUNT | MS.RDONLY | MS.NOSUID | MS.NODEV | MS.NOEXEC, null);
}
