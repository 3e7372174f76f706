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
import { escapeMountPath, parseMountInfo, type MountInfo } from '../sys/mountinfo';

/** The entries of our mount table at or under `dir` (the one place that prefix test lives). */
function mountsUnder(dir: string): MountInfo[] {
  const text = readFileSync('/proc/self/mountinfo', 'utf8');
  // Most of the time nothing is mounted there (a container's mounts live in its own namespace):
  // a mount point under `dir` would have the path in the text as the kernel escapes it, so
  // without it there is nothing to parse (every exit of a container asks this once).
  if (!text.includes(` ${escapeMountPath(dir)}`)) return [];
  const prefix = dir.endsWith('/') ? dir : `${dir}/`;
  return parseMountInfo(text).filter((m) => m.mountPoint === dir || m.mountPoint.startsWith(prefix));
}

/** Mount points at or under `dir` in our mount table, as paths. */
export function mountPointsUnder(dir: string): string[] {
  return mountsUnder(dir).map((m) => m.mountPoint);
}

/** Ids of the mounts at or under `dir` now: what was there before a container made its own. */
export function mountIdsUnder(dir: string): Set<number> {
  return new Set(mountsUnder(dir).map((m) => m.id));
}

/**
 * Detach the mounts at or under `dir` that were not there before (`before`, from mountIdsUnder):
 * what a container without a mount namespace of its own made in ours, leaving the caller's own
 * mounts (a rootfs that was a mount point already) in place. The newest mounts sit on top, so
 * a detach by path takes a new one, never one hidden below it. Returns how many.
 */
export function detachMountsSince(dir: string, before: ReadonlySet<number>): number {
  const fresh = mountsUnder(dir).filter((m) => !before.has(m.id));
  const freshIds = new Set(fresh.map((m) => m.id));
  // Only the topmost new ones: a detach takes the new mounts stacked below it in its subtree.
  const tops = fresh.filter((m) => !freshIds.has(m.parentId));
  let n = 0;
  for (const m of tops.sort((a, b) => a.mountPoint.length - b.mountPoint.length)) {
    try {
      umount2(m.mountPoint, MNT.DETACH);
      n++;
    } catch {
      /* gone already, or under one detached just now */
    }
  }
  return n;
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
