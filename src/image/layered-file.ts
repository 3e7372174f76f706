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
import { join } from 'node:path';
import { lgetxattr } from '../sys/libc';
import { OVERLAY_OPAQUE_XATTR } from './layer-writer';

const MAX_SYMLINKS = 40;

function lstatOrNull(p: string): Stats | null {
  try {
    return lstatSync(p);
  } catch {
    return null;
  }
}

const isWhiteout = (st: Stats) => st.isCharacterDevice() && st.rdev === 0;

function isOpaque(dir: string): boolean {
  try {
    return lgetxattr(dir, OVERLAY_OPAQUE_XATTR)?.toString() === 'y';
  } catch {
    return false;
  }
}

/** The topmost layer holding `parts` in the merged view, or null if absent/deleted. */
function find(layersTopFirst: string[], parts: string[]): { layer: string; st: Stats } | null {
  for (const layer of layersTopFirst) {
    let hidesBelow = isOpaque(layer) && parts.length > 0;
    let reachable = true;
    for (let i = 0; i < parts.length - 1; i++) {
      const st = lstatOrNull(join(layer, ...parts.slice(0, i + 1)));
      if (st === null) { reachable = false; break; }
      if (isWhiteout(st) || !st.isDirectory()) return null; // deleted, or a non-dir covering lower dirs
      if (isOpaque(join(layer, ...parts.slice(0, i + 1)))) hidesBelow = true;
    }
    if (reachable) {
      const st = lstatOrNull(join(layer, ...parts));
      if (st) return isWhiteout(st) ? null : { layer, st };
    }
    if (hidesBelow) return null;
  }
  return null;
}

/** The file's content as the merged view shows it, or null if it does not exist (or is not a file). */
export function readLayeredFile(dirs: string[], path: string): Buffer | null {
  const layers = [...dirs].reverse();
  const queue = path.split('/');
  let resolved: string[] = [];
  let hops = 0;
  let hit: { layer: string; st: Stats } | null = null;
  while (queue.length) {
    const c = queue.shift()!;
    if (c === '' || c === '.') continue;
    if (c === '..') { resolved.pop(); hit = null; continue; }
    const candidate = [...resolved, c];
    hit = find(layers, candidate);
    if (!hit) return null;
    if (hit.st.isSymbolicLink()) {
      if (++hops > MAX_SYMLINKS) return null;
      const target = readlinkSync(join(hit.layer, ...candidate));
      if (target.startsWith('/')) resolved = [];
      queue.unshift(...target.split('/'));
      hit = null;
      continue;
    }
    if (queue.some((q) => q !== '' && q !== '.') && !hit.st.isDirectory()) return null;
    resolved = candidate;
  }
  if (!resolved.length) return null;
  hit = hit ?? find(layers, resolved);
  if (!hit || !hit.st.isFile()) return null;
  const fd = openSync(join(hit.layer, ...resolved), constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    return readFileSync(fd);
  } finally {
    closeSync(fd);
  }
}
