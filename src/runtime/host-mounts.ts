/**
 * Mounts a container left in the HOST's mount table.
 *
 * Normally there are none: the container's mounts live in its own mount namespace, and the
 * kernel throws them away with the namespace when its last process exits. Only the lesson
 * switch `--mount-ns host` mounts the overlay, /proc, /dev… in the host's namespace; then the
 * runtime must take them down itself when the container ends — and before anyone deletes the
 * container's directory (rm -rf through a mounted /proc or overlay would be a disaster).
 */
import { readFileSync } from 'node:fs';
import { MNT } from '../sys/constants';
import { umount2 } from '../sys/libc';
import { parseMountInfo } from '../sys/mountinfo';

/** Mount points at or under `dir` in our mount table, as paths. */
export function mountPointsUnder(dir: string): string[] {
  const prefix = dir.endsWith('/') ? dir : `${dir}/`;
  return parseMountInfo(readFileSync('/proc/self/mountinfo', 'utf8'))
    .map((m) => m.mountPoint)
    .filter((point) => point === dir || point.startsWith(prefix));
}

/**
 * Lazily unmount everything mounted at or under `dir`. A detach (MNT_DETACH) of a mount takes
 * its sub-mounts with it, so only the topmost ones are unmounted. Returns how many.
 */
export function detachMountsUnder(dir: string): number {
  const points = [...new Set(mountPointsUnder(dir))].sort((a, b) => a.length - b.length);
  const done: string[] = [];
  for (const p of points) {
    if (done.some((d) => p === d || p.startsWith(`${d}/`))) continue;
    try {
      umount2(p, MNT.DETACH);
    } catch {
      continue; // already gone (a racing clean-up)
    }
    done.push(p);
  }
  return done.length;
}
