/**
 * `mini-run diff`: what a container changed, read from its writable layer (the overlay's
 * upper dir, ROOT/containers/<id>/upper) and compared with the image's layers:
 *   A  in upper, not in the image               (added)
 *   C  in upper and in the image                (changed; a directory holding changes is C too)
 *   D  an overlay whiteout: a 0/0 character device in upper hides the image's file (deleted)
 * An opaque directory (trusted.overlay.opaque=y: removed and made again) hides all the image had
 * below it: those entries are D.
 */
import { closeSync, constants as fsc, lstatSync, openSync, readdirSync, Stats } from 'node:fs';
import { join } from 'node:path';
import { paths } from '../paths';
import { lgetxattr } from '../sys/libc';
import { OVERLAY_OPAQUE_XATTR } from '../image/overlay-names';
import { findImage, layerDirs } from '../image/store';
import { findMerged, listMerged } from '../volume/copy-up';
import { findContainer, type ContainerRecord } from './container-store';

const O_CLOEXEC = 0o2000000;
const fdPath = (fd: number, name?: string) => (name === undefined ? `/proc/self/fd/${fd}` : `/proc/self/fd/${fd}/${name}`);
export const isWhiteout = (st: Stats) => st.isCharacterDevice() && st.rdev === 0;
export function isOpaqueAt(parentFd: number, name: string): boolean {
  try { return lgetxattr(fdPath(parentFd, name), OVERLAY_OPAQUE_XATTR)?.toString() === 'y'; } catch { return false; }
}

export interface Change { kind: 'A' | 'C' | 'D'; path: string }

/**
 * Mount points the runtime made in the writable layer (docker keeps them in a separate "init"
 * layer): /etc/hostname, /etc/hosts, /etc/resolv.conf, /proc, /sys, /dev and the targets of
 * volumes and binds. Left empty and absent from the image, they are not the container's changes.
 */
export function runtimeMountpoints(rec: ContainerRecord): Set<string> {
  return new Set(['/etc/hostname', '/etc/hosts', '/etc/resolv.conf', '/proc', '/sys', '/dev', '/sbin/mini-init', ...rec.mounts.map((m) => m.Destination)]);
}

export function isUntouchedMountpoint(points: Set<string>, path: string, st: Stats, inImage: boolean, emptyDir: () => boolean): boolean {
  if (inImage || !points.has(path)) return false;
  return st.isFile() ? st.size === 0 : st.isDirectory() && emptyDir();
}

export function containerChanges(ref: string): Change[] {
  const rec = findContainer(ref);
  const img = findImage(rec.imageId);
  const lower = img ? [...layerDirs(img)].reverse() : [];
  const changes: Change[] = [];
  const points = runtimeMountpoints(rec);
  /** Returns whether anything below was reported. */
  const walk = (dirFd: number, parts: string[]): boolean => {
    let any = false;
    for (const name of readdirSync(fdPath(dirFd))) {
      const p = [...parts, name];
      const path = '/' + p.join('/');
      let st: Stats;
      try { st = lstatSync(fdPath(dirFd, name)); } catch { continue; }
      if (isWhiteout(st)) {
        if (findMerged(lower, p)) { changes.push({ kind: 'D', path }); any = true; }
        continue;
      }
      const below = findMerged(lower, p);
      const inImage = below !== null;
      if (isUntouchedMountpoint(points, path, st, inImage, () => readdirSync(fdPath(dirFd, name)).length === 0)) continue;
      const entry: Change = { kind: inImage ? 'C' : 'A', path };
      changes.push(entry);
      any = true;
      if (!st.isDirectory()) continue;
      const opaque = isOpaqueAt(dirFd, name);
      // O_NOFOLLOW: the container may swap a directory for a symlink while we read.
      const fd = openSync(fdPath(dirFd, name), fsc.O_RDONLY | fsc.O_DIRECTORY | fsc.O_NOFOLLOW | O_CLOEXEC);
      try {
        if (opaque && inImage) {
          const mine = new Set(readdirSync(fdPath(fd)));
          for (const old of listMerged(lower, p).keys()) if (!mine.has(old)) changes.push({ kind: 'D', path: `${path}/${old}` });
        }
        const changedBelow = walk(fd, p);
        // A directory copied up only to hold runtime mount points, its own owner and mode unchanged: not a change.
        if (inImage && !opaque && !changedBelow && below.st.mode === st.mode && below.st.uid === st.uid && below.st.gid === st.gid) {
          changes.splice(changes.indexOf(entry), 1);
        }
      } finally {
        closeSync(fd);
      }
    }
    return any;
  };
  const upper = openSync(join(paths.container(rec.id), 'upper'), fsc.O_RDONLY | fsc.O_DIRECTORY | O_CLOEXEC);
  try {
    walk(upper, []);
  } finally {
    closeSync(upper);
  }
  return changes.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
