/**
 * Where COPY/ADD read their files: the build context (a host directory minus .dockerignore), or
 * with `--from` another stage or image (its layers, merged by hand as overlayfs would show them:
 * the topmost layer wins, whiteouts delete, opaque directories hide what is below — no mount).
 * Both answer the same few questions, so one copier and one content hash serve both.
 */
import { createHash } from 'node:crypto';
import { closeSync, lstatSync, openSync, readSync, readdirSync, readlinkSync, type Stats } from 'node:fs';
import { join, posix } from 'node:path';
import { UserError } from '../../errors';
import { findMerged, listMerged, resolveMerged } from '../../volume/copy-up';
import type { BuildContext } from './context';
import { globSource } from './context';

export interface SourceTree {
  /** for messages: "build context" or "stage builder" */
  readonly label: string;
  /** metadata of a tree-relative path ('' or '.' is the top), null if absent */
  stat(rel: string): Stats | null;
  /** the names in a directory of the tree (ignored ones left out) */
  list(rel: string): string[];
  /** where the bytes of a regular file (or a symlink) are on the host, to copy them */
  host(rel: string): string;
  /** an image's directory path with its symlinks followed inside the image (null: not there) */
  resolveDir?(rel: string): string | null;
  /** `rel` with every symlink on the way followed inside the tree, the last one too (null: dangling) */
  follow(rel: string): string | null;
}

const join2 = (base: string, name: string) => (base === '' || base === '.' ? name : `${base}/${name}`);

/**
 * The host path of `rel` inside the context directory `root`, with symlinks on the way followed
 * *inside* the context — an absolute target starts again at the context's top, `..` stops
 * there — as Docker does with the context it unpacked. Never a host path outside the context:
 * a context symlink `etc -> /etc` must not let `COPY etc/shadow` read the host's file (CWE-59).
 * The last name is not followed (COPY of a symlink copies the link).
 */
export function inContext(root: string, rel: string, followLast = false): string {
  const queue = rel.split('/').filter((p) => p !== '' && p !== '.');
  const out: string[] = [];
  let hops = 0;
  while (queue.length) {
    const c = queue.shift()!;
    if (c === '..') { out.pop(); continue; }
    if (queue.length > 0 || followLast) {
      const p = join(root, ...out, c);
      let link: string | null = null;
      try { if (lstatSync(p).isSymbolicLink()) link = readlinkSync(p); } catch { /* missing: stat says so */ }
      if (link !== null) {
        if (++hops > 40) throw new UserError(`${rel}: too many levels of symbolic links in the build context`, 1);
        if (link.startsWith('/')) out.length = 0;
        queue.unshift(...link.split('/').filter((p2) => p2 !== '' && p2 !== '.'));
        continue;
      }
    }
    out.push(c);
  }
  return join(root, ...out);
}

export function contextTree(ctx: BuildContext): SourceTree {
  return {
    label: 'build context',
    stat: (rel) => { try { return lstatSync(inContext(ctx.dir, rel)); } catch { return null; } },
    list: (rel) => readdirSync(inContext(ctx.dir, rel)).filter((n) => !ctx.ignored(join2(rel, n))).sort(),
    host: (rel) => inContext(ctx.dir, rel),
    follow: (rel) => {
      const p = inContext(ctx.dir, rel, true);
      try { lstatSync(p); } catch { return null; }
      return p === ctx.dir ? '.' : p.slice(ctx.dir.length + 1);
    },
  };
}

/** An image's or a stage's files; `layersTopFirst` are unpacked layer dirs, top layer first. */
export function imageTree(label: string, layersTopFirst: string[]): SourceTree {
  const parts = (rel: string) => rel.split('/').filter((p) => p !== '' && p !== '.');
  return {
    label,
    stat: (rel) => (parts(rel).length === 0 ? (layersTopFirst.length ? lstatSync(layersTopFirst[0]) : null) : findMerged(layersTopFirst, parts(rel))?.st ?? null),
    list: (rel) => [...listMerged(layersTopFirst, parts(rel)).keys()].sort(),
    host: (rel) => {
      const hit = findMerged(layersTopFirst, parts(rel));
      if (!hit) throw new UserError(`${rel}: gone from the ${label}`, 1);
      return hit.host;
    },
    resolveDir: (rel) => resolveMerged(layersTopFirst, rel)?.join('/') ?? null,
    follow: (rel) => {
      const p = resolveMerged(layersTopFirst, rel);
      return p && (p.length === 0 || findMerged(layersTopFirst, p)) ? p.join('/') || '.' : null;
    },
  };
}

/**
 * The tree paths a COPY/ADD source names: `..` cannot climb out, wildcards match one component
 * each, ignored paths are left out. For an image/stage tree, the directories on the way are
 * resolved through its own symlinks (inside its root, never the host's).
 */
export function resolveSources(tree: SourceTree, src: string, where: string, ignored: (rel: string) => boolean = () => false): string[] {
  let clean = posix.normalize('/' + src).slice(1);
  if (clean === '' || clean === '.') return ['.'];
  if (tree.resolveDir && !/[*?[]/.test(clean)) {
    // symlinks in the leading directories are followed within the image; the last name is taken as is
    const dir = posix.dirname(clean);
    if (dir !== '.') {
      const resolved = tree.resolveDir(dir);
      if (resolved !== null) clean = resolved === '' ? posix.basename(clean) : `${resolved}/${posix.basename(clean)}`;
    }
  }
  let found = [''];
  for (const part of clean.split('/').filter((p) => p !== '')) {
    const next: string[] = [];
    const wild = /[*?[]/.test(part);
    for (const base of found) {
      if (wild) {
        const st = tree.stat(base);
        if (!st?.isDirectory()) continue;
        const re = new RegExp(`^${globSource(part)}$`);
        for (const n of tree.list(base)) if (re.test(n)) next.push(join2(base, n));
      } else if (tree.stat(join2(base, part))) next.push(join2(base, part));
    }
    found = next;
  }
  found = found.filter((rel) => !ignored(rel));
  if (found.length === 0) {
    const what = tree.label === 'build context' ? 'file not found in build context or excluded by .dockerignore' : `file not found in ${tree.label}`;
    throw new UserError(`${where}: COPY failed: ${what}: stat ${src}: file does not exist`, 1);
  }
  return found;
}

/**
 * What a COPY/ADD reads, as one hash: every path under the sources with its type, mode, size,
 * link target and content (not times or owners, as Docker's cache checksum leaves them out).
 */
export function hashSources(tree: SourceTree, sources: string[]): string {
  const h = createHash('sha256');
  const walk = (rel: string) => {
    const st = tree.stat(rel);
    if (!st) return;
    const type = st.isDirectory() ? 'd' : st.isSymbolicLink() ? 'l' : st.isFile() ? 'f' : 'o';
    h.update(`${rel}\0${type}\0${(st.mode & 0o7777).toString(8)}\0${st.size}\0`);
    if (type === 'l') h.update(readlinkSync(tree.host(rel)));
    else if (type === 'f') hashFile(h, tree.host(rel));
    else if (type === 'd') for (const n of tree.list(rel)) walk(join2(rel, n));
    h.update('\n');
  };
  for (const s of sources) {
    // a source that is a symlink is copied as what it points to: hash that
    const real = tree.stat(s)?.isSymbolicLink() ? tree.follow(s) : s;
    h.update(`${s}\0=>\0`);
    if (real !== null) walk(real);
  }
  return h.digest('hex');
}

function hashFile(h: ReturnType<typeof createHash>, file: string): void {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n <= 0) break;
      h.update(buf.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
}
