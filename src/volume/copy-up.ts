/**
 * Docker's "copy-up" for volumes: when an empty volume is mounted over a path where the image
 * has files (nginx's /usr/share/nginx/html, mysql's /var/lib/mysql…), the image's files are
 * copied into the volume first, so the program finds what it expects. After that the volume
 * is the truth: later containers see the volume's content, not the image's.
 *
 * We copy from the image's unpacked layers directly, computing the overlay's merged view by
 * hand (no mount needed): the topmost layer with a name wins, a whiteout (0/0 char device)
 * deletes it from the layers below, an opaque directory hides everything below it.
 * Owners, modes, times, xattrs (file capabilities too) and hard links are kept: a database
 * directory owned by uid 999 must stay so, and a `ping` with cap_net_raw must still work.
 */
import {
  chmodSync, chownSync, closeSync, constants as fsc, copyFileSync, fchmodSync, fchownSync, fstatSync, lchownSync, lstatSync, lutimesSync,
  mkdirSync, openSync, readdirSync, readlinkSync, symlinkSync, utimesSync, Stats,
} from 'node:fs';
import { join } from 'node:path';
import { lgetxattr, mknod } from '../sys/libc';
import { OVERLAY_OPAQUE_XATTR } from '../image/overlay-names';
import { resolveInView } from '../image/layered-file';
import { copyXattrs } from '../image/xattrs';
import { HardLinks, linkToEarlier } from '../image/hard-links';

const lstatOrNull = (p: string): Stats | null => {
  try { return lstatSync(p); } catch { return null; }
};
const isWhiteout = (st: Stats) => st.isCharacterDevice() && st.rdev === 0;
const isOpaque = (dir: string) => {
  try { return lgetxattr(dir, OVERLAY_OPAQUE_XATTR)?.toString() === 'y'; } catch { return false; }
};

export interface MergedEntry { host: string; st: Stats }

/** The entry at `parts` in the merged view (topmost layer), or null if absent or deleted. */
export function findMerged(layersTopFirst: string[], parts: string[]): MergedEntry | null {
  for (const layer of layersTopFirst) {
    let stopBelow = false;
    let reachable = true;
    for (let i = 1; i < parts.length; i++) {
      const p = join(layer, ...parts.slice(0, i));
      const st = lstatOrNull(p);
      if (!st) { reachable = false; break; }
      if (isWhiteout(st) || !st.isDirectory()) return null;
      if (isOpaque(p)) stopBelow = true;
    }
    if (reachable) {
      const host = join(layer, ...parts);
      const st = lstatOrNull(host);
      if (st) return isWhiteout(st) ? null : { host, st };
    }
    if (stopBelow) return null;
  }
  return null;
}

/** The directory `parts` of the merged view: each name → its topmost entry (whiteouts applied). */
export function listMerged(layersTopFirst: string[], parts: string[]): Map<string, MergedEntry> {
  const out = new Map<string, MergedEntry>();
  const hidden = new Set<string>();
  for (const layer of layersTopFirst) {
    let stopBelow = false;
    let reachable = true;
    for (let i = 1; i <= parts.length; i++) {
      const p = join(layer, ...parts.slice(0, i));
      const st = lstatOrNull(p);
      if (!st) { reachable = false; break; }
      if (isWhiteout(st) || !st.isDirectory()) return out; // lower layers are hidden from here
      if (isOpaque(p)) stopBelow = true;
    }
    if (reachable) {
      const dir = join(layer, ...parts);
      for (const name of readdirSync(dir)) {
        if (out.has(name) || hidden.has(name)) continue;
        const st = lstatSync(join(dir, name));
        if (isWhiteout(st)) hidden.add(name);
        else out.set(name, { host: join(dir, name), st });
      }
    }
    if (stopBelow) break;
  }
  return out;
}

/** Resolve `path` in the merged view, symlinks interpreted inside the image (never on the host): image/layered-file.ts's walk. */
export function resolveMerged(layersTopFirst: string[], path: string): string[] | null {
  return resolveInView(path, (parts) => findMerged(layersTopFirst, parts), (hit) => hit.host)?.parts ?? null;
}

const O_PATH = 0o10000000;
const O_CLOEXEC = 0o2000000;
const fdPath = (fd: number, name?: string) => (name === undefined ? `/proc/self/fd/${fd}` : `/proc/self/fd/${fd}/${name}`);

/** One copy-up: the volume's top directory (hard links are re-made below it) and its links. */
interface CopyUp { layers: string[]; topFd: number; links: HardLinks }

/**
 * Copy one entry (and a directory's content) to `name` in the open volume directory `dirFd`
 * (`rel` below the volume's top), keeping type, owner, mode, xattrs, times and hard links. By
 * fd, never by host path: a container that already uses the volume could plant
 * `name -> /etc/…` meanwhile; O_EXCL/O_NOFOLLOW fail instead of writing through it.
 */
function copyEntry(c: CopyUp, parts: string[], e: MergedEntry, dirFd: number, name: string, rel: string): void {
  const st = e.st;
  const dest = fdPath(dirFd, name);
  if (st.isSymbolicLink()) {
    symlinkSync(readlinkSync(e.host), dest);
    lchownSync(dest, st.uid, st.gid);
    copyXattrs(e.host, dest);
    lutimesSync(dest, st.atime, st.mtime);
    return;
  }
  let fd: number;
  if (st.isDirectory()) {
    mkdirSync(dest, 0o700);
    fd = openSync(dest, fsc.O_RDONLY | fsc.O_DIRECTORY | fsc.O_NOFOLLOW | O_CLOEXEC);
    try {
      for (const [child, entry] of listMerged(c.layers, parts)) copyEntry(c, [...parts, child], entry, fd, child, `${rel}/${child}`);
    } catch (err) {
      closeSync(fd);
      throw err;
    }
  } else if (st.isFile()) {
    // A later name of an inode copied already (one layer's hard-link group): link it again.
    const first = c.links.earlier(st);
    if (first && linkToEarlier(c.topFd, first, dest)) return;
    fd = openSync(dest, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL | fsc.O_NOFOLLOW | O_CLOEXEC, 0o600);
    try {
      copyFileSync(e.host, fdPath(fd));
      c.links.remember(st, rel, fstatSync(fd).ino);
    } catch (err) {
      closeSync(fd);
      throw err;
    }
  } else if (st.isFIFO() || st.isCharacterDevice() || st.isBlockDevice()) {
    mknod(dest, st.mode, Math.floor(st.rdev / 256) & 0xfff, (st.rdev & 0xff) | ((st.rdev >> 12) & 0xfff00));
    fd = openSync(dest, O_PATH | fsc.O_NOFOLLOW | O_CLOEXEC); // O_PATH: a FIFO or device is not opened
  } else {
    return; // sockets are not copied
  }
  try {
    // Through /proc/self/fd: the very inode made above (O_PATH fds cannot be fchown'ed).
    chownSync(fdPath(fd), st.uid, st.gid);
    chmodSync(fdPath(fd), st.mode & 0o7777); // after chown: chown clears setuid bits
    // After chown too, which clears file capabilities. An O_PATH fd has no f*xattr: by name then.
    copyXattrs(e.host, st.isFile() || st.isDirectory() ? fd : dest);
    utimesSync(fdPath(fd), st.atime, st.mtime);
  } finally {
    closeSync(fd);
  }
}

/**
 * Copy what the image (layer dirs, bottom → top) has at `path` into the directory `dest`,
 * which also takes the image directory's owner and mode (as docker does). Returns false when
 * the image has nothing there (or not a directory): the volume then stays as it is.
 */
export function copyUpFromImage(layerDirs: string[], path: string, dest: string): boolean {
  const layers = [...layerDirs].reverse();
  const parts = resolveMerged(layers, path);
  if (!parts || parts.length === 0) return false;
  const top = findMerged(layers, parts);
  if (!top || !top.st.isDirectory()) return false;
  const fd = openSync(dest, fsc.O_RDONLY | fsc.O_DIRECTORY | fsc.O_NOFOLLOW | O_CLOEXEC);
  try {
    const c: CopyUp = { layers, topFd: fd, links: new HardLinks() };
    for (const [name, child] of listMerged(layers, parts)) copyEntry(c, [...parts, name], child, fd, name, name);
    fchownSync(fd, top.st.uid, top.st.gid);
    fchmodSync(fd, top.st.mode & 0o7777);
    copyXattrs(top.host, fd);
  } finally {
    closeSync(fd);
  }
  return true;
}
