/**
 * Reading one file of an image as the container will see it, without mounting anything:
 * the union (overlayfs) view of the unpacked layers, computed by hand.
 *
 * Rules, as overlayfs applies them (top layer first):
 *  - the topmost layer that has the path wins;
 *  - a whiteout (0/0 character device) hides the path in all lower layers;
 *  - an opaque directory (trusted.overlay.opaque=y) hides everything lower layers have below it;
 *  - a non-directory hides lower directories of the same name.
 * Symlinks are resolved inside the merged view (an absolute target starts again at the image
 * root, ".." stops at the root), never on the host: every component is lstat'ed.
 */
import { closeSync, constants, lstatSync, openSync, readFileSync, readlinkSync, Stats } from 'node:fs';
import { normalize } from 'node:path';
import { lgetxattr } from '../sys/libc';
import { OVERLAY_OPAQUE_XATTR } from './overlay-names';

const MAX_SYMLINKS = 40;

const isWhiteout = (st: Stats) => st.isCharacterDevice() && st.rdev === 0;

/**
 * Where `path` leads in a merged view (an image's layers, no mount): its components once every
 * symlink is followed **inside the view** — an absolute target starts again at the view's root,
 * ".." stops at the root, a component below a non-directory fails (ENOTDIR, as the kernel) — so
 * no path can lead out to the host (the CVE-2021-30465 class of symlink escapes). Null when a
 * component is missing or deleted, or after 40 symlinks (ELOOP). `find` gives the topmost entry
 * of a component list, `linkTarget` the host path to readlink for an entry; `hit` is `find`'s
 * entry for the last component when the walk ended on one (null after "..": find it again).
 * The one walk for every reader of the merged view: LayeredFiles here, volume/copy-up.ts's
 * resolveMerged (copy-up, build's sources).
 */
export function resolveInView<E extends { st: Stats }>(
  path: string, find: (parts: string[]) => E | null, linkTarget: (entry: E) => string,
): { parts: string[]; hit: E | null } | null {
  const queue = path.split('/');
  let resolved: string[] = [];
  let hops = 0;
  let hit: E | null = null;
  while (queue.length) {
    const c = queue.shift()!;
    if (c === '' || c === '.') continue;
    if (c === '..') { resolved.pop(); hit = null; continue; }
    const candidate = [...resolved, c];
    hit = find(candidate);
    if (!hit) return null;
    if (hit.st.isSymbolicLink()) {
      if (++hops > MAX_SYMLINKS) return null;
      const target = readlinkSync(linkTarget(hit));
      if (target.startsWith('/')) resolved = [];
      queue.unshift(...target.split('/'));
      hit = null;
      continue;
    }
    if (queue.some((q) => q !== '' && q !== '.') && !hit.st.isDirectory()) return null;
    resolved = candidate;
  }
  return { parts: resolved, hit };
}

/**
 * Files of one image's merged view. What it learns of the layers (each path's lstat, each
 * directory's opacity) serves every later read: `run` reads /etc/passwd and then /etc/group,
 * and the second walk down /etc asks the kernel nothing new.
 */
export class LayeredFiles {
  /** The layers, top first, as `dir/` prefixes (a component is appended as `prefix + 'etc/passwd'`). */
  private readonly layers: string[];
  private readonly stats = new Map<string, Stats | null>();
  private readonly opaque = new Map<string, boolean>();

  constructor(dirs: readonly string[]) {
    this.layers = [...dirs].reverse().map((d) => normalize(d + '/'));
  }

  private lstat(p: string): Stats | null {
    let st = this.stats.get(p);
    if (st === undefined) {
      try {
        st = lstatSync(p);
      } catch {
        st = null;
      }
      this.stats.set(p, st);
    }
    return st;
  }

  private isOpaque(dir: string): boolean {
    let o = this.opaque.get(dir);
    if (o === undefined) {
      try {
        // 'y' or not: a longer value does not fit in 2 bytes (ERANGE), and is not 'y' either
        o = lgetxattr(dir, OVERLAY_OPAQUE_XATTR, 2)?.toString() === 'y';
      } catch {
        o = false;
      }
      this.opaque.set(dir, o);
    }
    return o;
  }

  /** The topmost layer holding `parts` in the merged view (as its host path and lstat), or null if absent/deleted. */
  private find(parts: string[]): { path: string; st: Stats } | null {
    for (const layer of this.layers) {
      let hidesBelow = parts.length > 0 && this.isOpaque(layer.length > 1 ? layer.slice(0, -1) : layer);
      let reachable = true;
      let path = layer;
      for (let i = 0; i < parts.length - 1; i++) {
        path += (i > 0 ? '/' : '') + parts[i];
        const st = this.lstat(path);
        if (st === null) { reachable = false; break; }
        if (isWhiteout(st) || !st.isDirectory()) return null; // deleted, or a non-dir covering lower dirs
        if (this.isOpaque(path)) hidesBelow = true;
      }
      if (reachable) {
        path = layer + parts.join('/');
        const st = this.lstat(path);
        if (st) return isWhiteout(st) ? null : { path, st };
      }
      if (hidesBelow) return null;
    }
    return null;
  }

  /** The file's content as the merged view shows it, or null if it does not exist (or is not a file). */
  read(path: string): Buffer | null {
    const at = resolveInView(path, (parts) => this.find(parts), (hit) => hit.path);
    if (!at || !at.parts.length) return null;
    const resolved = at.parts;
    const hit = at.hit ?? this.find(resolved);
    if (!hit || !hit.st.isFile()) return null;
    const fd = openSync(hit.path, constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      return readFileSync(fd);
    } finally {
      closeSync(fd);
    }
  }
}

/** One file's content as the merged view shows it, or null if it does not exist (or is not a file). */
export function readLayeredFile(dirs: readonly string[], path: string): Buffer | null {
  return new LayeredFiles(dirs).read(path);
}
