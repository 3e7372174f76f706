/**
 * `mini-run cp`: copy files between the host and a container, running or stopped.
 *
 * The container controls everything inside its root, including symlinks. Docker's
 * CVE-2018-15664: a container that plants `/evil -> /` (or swaps a directory for such a link
 * while the copy runs) made `docker cp` read or write the *host's* files, because the path was
 * resolved on the host. Here every container path is resolved by the kernel with openat2's
 * RESOLVE_IN_ROOT relative to a directory fd that acts as `/`: absolute symlinks and `..`
 * cannot leave it, and there is no check-then-use window. After that first step, each entry
 * is reached as `/proc/self/fd/<parent fd>/<name>` with no-follow semantics (lstat, O_NOFOLLOW,
 * O_EXCL, unlink, mkdir, symlink never follow a final symlink) — one name at a time, inside a
 * directory we already hold open.
 *
 * The root fd: for a running container, /proc/PID/root (its real root, with its volumes
 * mounted). For a stopped one, we mount its overlay (and its volumes and binds) in a private
 * mount namespace of our own main thread: nobody else sees those mounts, and the kernel
 * removes them when this command exits.
 */
import {
  chmodSync, chownSync, closeSync, constants as fsc, copyFileSync, fchmodSync, fchownSync, fstatSync, futimesSync, lchownSync, lstatSync,
  lutimesSync, mkdirSync, openSync, readdirSync, readlinkSync, renameSync, statSync, symlinkSync, unlinkSync, utimesSync, Stats,
} from 'node:fs';
import { basename, dirname, join, resolve as resolveHost } from 'node:path';
import { UserError } from '../errors';
import { paths } from '../paths';
import { withStateLock } from '../lock';
import { SysError } from '../sys/errors';
import { CLONE, S_IFIFO } from '../sys/constants';
import { mknod, openat2, RESOLVE, unshare } from '../sys/libc';
import { copyXattrs } from '../image/xattrs';
import { HardLinks, linkToEarlier } from '../image/hard-links';
import { loadSpec } from '../runtime';
import { LOWERDIR_BASE_ANNOTATION } from '../runtime/spec-util';
import { makeRootPrivate, mountOverlayRoot } from '../runtime/rootfs';
import { mountOne } from '../runtime/mounts';
import { findContainer, isRunning, type ContainerRecord } from './container-store';
import { toOciMounts } from './volumes';
import { asRemappedRootFs, copyOwnersFor, type CopyOwners } from './userns-remap';
import { idmapLayersHere } from './userns-layers';
import { lazy } from '../lazy';

const cpStream = lazy(() => require('./cp-stream') as typeof import('./cp-stream'));

const O_PATH = 0o10000000;
const O_CLOEXEC = 0o2000000;
const fdPath = (fd: number, name?: string) => (name === undefined ? `/proc/self/fd/${fd}` : `/proc/self/fd/${fd}/${name}`);

let privateNamespace = false;
let idmappedHere = false;

/**
 * Run `fn` with a directory fd that is the container's `/` (and the host path of that root).
 * A stopped container is mounted for the duration, under the state lock (so that it is not
 * started meanwhile with the same overlay upper dir).
 */
export function withContainerRoot<T>(rec: ContainerRecord, fn: (rootFd: number, rootPath: string) => T): T {
  if (isRunning(rec)) {
    const rootPath = `/proc/${rec.state.Pid}/root`;
    const fd = openSync(rootPath, O_PATH | fsc.O_DIRECTORY | O_CLOEXEC);
    try {
      return fn(fd, rootPath);
    } finally {
      closeSync(fd);
    }
  }
  return withStateLock(() => {
    const dir = paths.container(rec.id);
    const spec = loadSpec(dir);
    const rootfs = join(dir, 'rootfs');
    if (!privateNamespace) {
      // Only this (main) thread moves to the new mount namespace; every call below is synchronous
      // and so runs on it. The mounts vanish with the namespace when the command exits.
      unshare(CLONE.NEWNS);
      makeRootPrivate();
      privateNamespace = true;
    }
    const overlay = (spec.mounts ?? []).find((m) => m.destination === '/');
    if (!overlay) throw new UserError(`container ${rec.name}: its config has no root filesystem`, 1);
    // --userns private: its layers as the container sees them (copy-up keeps the range's owners)
    if (rec.userns && !idmappedHere) {
      idmapLayersHere(rec.userns.uidMappings, rec.userns.gidMappings);
      idmappedHere = true;
    }
    mountOverlayRoot(rootfs, overlay, spec.annotations?.[LOWERDIR_BASE_ANNOTATION]);
    // The container's binds and volumes, so that cp reaches them as docker's does (tmpfs: empty when stopped).
    const fd = openSync(rootfs, O_PATH | fsc.O_DIRECTORY | O_CLOEXEC);
    try {
      // targets opened inside the root, as the runtime does (an image's link cannot send them out)
      for (const m of toOciMounts(rec.mounts.filter((x) => x.Type !== 'tmpfs'))) mountOne(fd, rootfs, m);
      return fn(fd, rootfs);
    } finally {
      closeSync(fd);
    }
  });
}

/**
 * Writes into a running `--userns private` container are made as its root: the kernel will not
 * create files there as host root (userns-remap.ts asRemappedRootFs). A stopped one's overlay
 * is our own mount, in the host's user namespace: nothing to do.
 */
export function asContainerWriter<T>(rec: ContainerRecord, fn: () => T): T {
  return rec.userns && isRunning(rec) ? asRemappedRootFs(rec.userns, fn) : fn();
}

/** Open `path` inside the root: the kernel resolves every component as if rootFd were `/`. */
export function openInRoot(rootFd: number, path: string, flags: number): number {
  const rel = path.replace(/^\/+/, '') || '.';
  return openat2(rootFd, rel, flags | O_CLOEXEC, RESOLVE.IN_ROOT | RESOLVE.NO_MAGICLINKS);
}

const notFound = (e: unknown) => e instanceof SysError && ['ENOENT', 'ENOTDIR'].includes(e.code ?? '');

/** A container path split into its parent directory (resolved in root) and its last name. */
function splitPath(path: string): { parent: string; name: string; contentsOnly: boolean; trailingSlash: boolean } {
  const trailingSlash = path.endsWith('/');
  const contentsOnly = path.endsWith('/.') || path === '.';
  const parts = path.split('/').filter((p) => p !== '' && p !== '.');
  const name = parts.pop() ?? '';
  return { parent: '/' + parts.join('/'), name, contentsOnly, trailingSlash };
}

export interface CopyOptions { archive: boolean; followLink: boolean }

/**
 * One copy's bookkeeping: hard links are re-made below `topFd` (the directory holding the
 * copy's top entry; hard-links.ts), and xattrs the destination refuses are reported once.
 */
interface CopyWalk { topFd: number; links: HardLinks; refused: Set<string>; warn: (m: string) => void; owners: CopyOwners }

const newWalk = (topFd: number, warn: (m: string) => void, rec: ContainerRecord): CopyWalk =>
  ({ topFd, links: new HardLinks(), refused: new Set(), warn, owners: copyOwnersFor(rec.userns) });

/** Copy the kept xattrs (xattrs.ts); a destination that refuses some is said once, at the end. */
function keepXattrs(w: CopyWalk, from: string | number, to: string | number, keep?: (name: string) => boolean): void {
  for (const name of copyXattrs(from, to, keep)) w.refused.add(name);
}

function endWalk(w: CopyWalk): void {
  if (w.refused.size) w.warn(`the destination does not keep extended attributes ${[...w.refused].sort().join(', ')}: copied without them`);
}

const childRel = (rel: string, name: string) => (rel === '.' ? name : `${rel}/${name}`);

// --- container → host
//
// The host side is walked the same way (the second half of CVE-2018-15664): a first `cp c:/out/.
// /backup` re-creates the container's symlink `x -> /etc/cron.d/evil` under /backup; if a second
// cp then wrote to `/backup/x` by path it would write through that link into the host's /etc.
// So below the destination the user named, every entry is made relative to a directory fd we
// hold, never following a final symlink: directories are opened O_NOFOLLOW (a link in the way
// is replaced by a real directory), files and links are written to a fresh temp name
// (O_CREAT|O_EXCL) and renamed over the old name, which replaces a link instead of following it.

/** Set-uid/set-gid bits are dropped on files landing on the host unless -a (as docker cp). */
const hostMode = (st: Stats, o: CopyOptions) => st.mode & (o.archive ? 0o7777 : 0o1777);
/** So are file capabilities, the other way a file grants privileges when run. */
const hostXattr = (o: CopyOptions) => (name: string) => o.archive || name !== 'security.capability';

const tempName = (name: string) => `.mr-cp-${process.pid}-${Math.random().toString(36).slice(2, 10)}-${name}`.slice(0, 240);

function lstatOrNull(path: string): Stats | null {
  try { return lstatSync(path); } catch { return null; }
}

/**
 * Copy the entry `name` of the open container directory `pfd` to `hostName` in the open host
 * directory `hfd`; `rel` is that destination's path below the walk's top directory.
 */
function copyOutEntry(pfd: number, name: string, hfd: number, hostName: string, rel: string, o: CopyOptions, w: CopyWalk): void {
  const path = fdPath(pfd, name);
  const dest = fdPath(hfd, hostName);
  const lst = lstatSync(path);
  // -a keeps the owners the container sees (a --userns private container's START → 0)
  const owner = (st: Stats) => { const c = w.owners.toContainer(st); return [c.uid, c.gid] as const; };
  const existing = lstatOrNull(dest);
  if (lst.isSymbolicLink() || lst.isFIFO()) {
    if (existing?.isDirectory()) throw new UserError(`cannot overwrite directory ${hostName} with non-directory`, 1);
    const tmp = fdPath(hfd, tempName(hostName));
    if (lst.isSymbolicLink()) symlinkSync(readlinkSync(path), tmp);
    else mknod(tmp, S_IFIFO | 0o600);
    if (o.archive) lchownSync(tmp, ...owner(lst));
    if (lst.isFIFO()) chmodSync(tmp, hostMode(lst, o)); // tmp is a name only we know, made just above
    keepXattrs(w, path, tmp, hostXattr(o));
    lutimesSync(tmp, lst.atime, lst.mtime);
    renameSync(tmp, dest);
    return;
  }
  if (!lst.isDirectory() && !lst.isFile()) {
    w.warn(`skipping ${name}: not a regular file, directory, symlink or FIFO`);
    return;
  }
  // O_NOFOLLOW: if the container swapped the entry for a symlink since lstat, this fails (ELOOP).
  const fd = openSync(path, fsc.O_RDONLY | fsc.O_NOFOLLOW | fsc.O_NONBLOCK | O_CLOEXEC | (lst.isDirectory() ? fsc.O_DIRECTORY : 0));
  try {
    const st = fstatSync(fd); // what we really opened
    if (st.isDirectory()) {
      if (existing && !existing.isDirectory() && !existing.isSymbolicLink()) throw new UserError(`cannot overwrite non-directory ${hostName} with directory`, 1);
      if (existing?.isSymbolicLink()) unlinkSync(dest); // a link in the way is replaced, never followed
      if (!existing?.isDirectory()) mkdirSync(dest, { mode: 0o700 });
      const dfd = openSync(dest, fsc.O_RDONLY | fsc.O_DIRECTORY | fsc.O_NOFOLLOW | O_CLOEXEC);
      try {
        for (const child of readdirSync(fdPath(fd))) copyOutEntry(fd, child, dfd, child, childRel(rel, child), o, w);
        if (o.archive) fchownSync(dfd, ...owner(st));
        fchmodSync(dfd, hostMode(st, o));
        keepXattrs(w, fd, dfd, hostXattr(o));
        futimesSync(dfd, st.atime, st.mtime);
      } finally {
        closeSync(dfd);
      }
    } else if (st.isFile()) {
      if (existing?.isDirectory()) throw new UserError(`cannot overwrite directory ${hostName} with non-directory`, 1);
      const tmp = fdPath(hfd, tempName(hostName));
      // A later name of an inode copied already: the same link on the host.
      const first = w.links.earlier(st);
      if (first && linkToEarlier(w.topFd, first, tmp)) {
        renameSync(tmp, dest);
        return;
      }
      const out = openSync(tmp, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL | fsc.O_NOFOLLOW | O_CLOEXEC, 0o600);
      try {
        copyFileSync(fdPath(fd), fdPath(out));
        if (o.archive) fchownSync(out, ...owner(st));
        fchmodSync(out, hostMode(st, o)); // after chown, which clears set-id bits
        keepXattrs(w, fd, out, hostXattr(o)); // after chown too: it clears file capabilities
        futimesSync(out, st.atime, st.mtime);
        w.links.remember(st, rel, fstatSync(out).ino);
      } catch (e) {
        closeSync(out);
        unlinkSync(tmp);
        throw e;
      }
      closeSync(out);
      renameSync(tmp, dest); // replaces a file or a link at that name; never writes through it
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * Where DEST is on the host: the directory that will hold the copy (opened; the path the user
 * named is resolved as cp(1) would, a link to a directory followed) and the name in it.
 */
function openHostTarget(dest: string, intoDir: boolean, name: string): { hfd: number; hostName: string } {
  const target = intoDir ? join(dest, name) : dest;
  const parent = dirname(target);
  let hfd: number;
  try {
    hfd = openSync(parent, fsc.O_RDONLY | fsc.O_DIRECTORY | O_CLOEXEC);
  } catch {
    throw new UserError(`destination directory ${parent} does not exist`, 1);
  }
  return { hfd, hostName: basename(target) };
}

export function copyFromContainer(rec: ContainerRecord, srcPath: string, hostDest: string, o: CopyOptions, warn: (m: string) => void): void {
  const src = splitPath(srcPath);
  const dest = resolveHost(hostDest);
  withContainerRoot(rec, (rootFd) => {
    let cur = srcPath;
    let spl = src;
    let pfd = -1;
    let name = '';
    let lst: Stats | null = null;
    for (let hops = 0; ; hops++) {
      try {
        pfd = openInRoot(rootFd, spl.parent, O_PATH | fsc.O_DIRECTORY);
      } catch (e) {
        if (notFound(e)) throw new UserError(`Could not find the file ${srcPath} in container ${rec.name}`, 1);
        throw e;
      }
      name = spl.name === '' ? '.' : spl.name;
      try {
        lst = lstatSync(fdPath(pfd, name));
      } catch {
        closeSync(pfd);
        throw new UserError(`Could not find the file ${srcPath} in container ${rec.name}`, 1);
      }
      if (!(o.followLink && lst.isSymbolicLink()) || hops > 40) break;
      // -L: follow the link by rewriting the path; the next lookup is again resolved in root.
      const target = readlinkSync(fdPath(pfd, name));
      closeSync(pfd);
      cur = target.startsWith('/') ? target : `${spl.parent}/${target}`;
      spl = { ...splitPath(cur), contentsOnly: src.contentsOnly };
    }
    const whole = src.contentsOnly || spl.name === '';
    try {
      // DEST itself: a link to a directory is followed (the user named it, as with cp(1));
      // a link to anything else, or a dangling one, is replaced like a file.
      const destLst = lstatOrNull(dest);
      let destSt: Stats | null = destLst;
      if (destLst?.isSymbolicLink()) {
        try { destSt = statSync(dest); } catch { destSt = null; }
        if (destSt && !destSt.isDirectory() && !hostDest.endsWith('/')) destSt = null;
      }
      let target: { hfd: number; hostName: string };
      if (lst!.isDirectory()) {
        if (destSt && !destSt.isDirectory()) throw new UserError(`cannot copy a directory to a file: ${hostDest}`, 1);
        // SRC/. (or /): the content goes into DEST (created if needed); else DEST/<name> when DEST exists
        target = whole && destSt
          ? { hfd: openSync(dest, fsc.O_RDONLY | fsc.O_DIRECTORY | O_CLOEXEC), hostName: '.' }
          : openHostTarget(dest, !whole && !!destSt, src.name);
      } else {
        if (src.trailingSlash) throw new UserError(`${srcPath}: not a directory`, 1);
        if (!destSt && hostDest.endsWith('/')) throw new UserError(`destination directory ${hostDest} does not exist`, 1);
        target = openHostTarget(dest, !!destSt?.isDirectory(), src.name);
      }
      const walk = newWalk(target.hfd, warn, rec);
      try {
        copyOutEntry(pfd, name, target.hfd, target.hostName, target.hostName, o, walk);
      } finally {
        closeSync(target.hfd);
      }
      endWalk(walk);
    } finally {
      closeSync(pfd);
    }
  });
}

// --- host → container

/**
 * Create (or replace) the entry `name` in the open container directory `pfd` from the host's
 * `src`; `rel` is that entry's path below the walk's top directory.
 */
function copyInEntry(src: string, pfd: number, name: string, rel: string, o: CopyOptions, w: CopyWalk): void {
  const st = lstatSync(src);
  const target = fdPath(pfd, name);
  let existing: Stats | null = null;
  try { existing = lstatSync(target); } catch { /* new */ }
  // the container's owner (root unless -a), stored as the host id it stands for (userns-remap.ts)
  const [uid, gid] = w.owners.toHost(o.archive ? st.uid : 0, o.archive ? st.gid : 0);
  if (st.isDirectory()) {
    if (existing && !existing.isDirectory()) unlinkSync(target); // unlink never follows a symlink
    if (!existing || !existing.isDirectory()) mkdirSync(target, { mode: 0o700 });
    const fd = openSync(target, fsc.O_RDONLY | fsc.O_DIRECTORY | fsc.O_NOFOLLOW | O_CLOEXEC);
    try {
      for (const child of readdirSync(src)) copyInEntry(join(src, child), fd, child, childRel(rel, child), o, w);
      fchownSync(fd, uid, gid);
      fchmodSync(fd, st.mode & 0o7777); // after chown, which clears set-id bits
      keepXattrs(w, src, fd);
      futimesSync(fd, st.atime, st.mtime);
    } finally {
      closeSync(fd);
    }
    return;
  }
  if (existing?.isDirectory()) throw new UserError(`cannot overwrite directory ${name} with non-directory`, 1);
  if (existing) unlinkSync(target);
  if (st.isSymbolicLink()) {
    symlinkSync(readlinkSync(src), target);
    lchownSync(target, uid, gid);
    keepXattrs(w, src, target);
    lutimesSync(target, st.atime, st.mtime);
  } else if (st.isFile()) {
    // A later name of an inode copied already: the same link in the container.
    const first = w.links.earlier(st);
    if (first && linkToEarlier(w.topFd, first, target)) return;
    // O_EXCL|O_CREAT: fails rather than follow a symlink planted at this name meanwhile.
    const fd = openSync(target, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL | fsc.O_NOFOLLOW | O_CLOEXEC, 0o600);
    try {
      copyFileSync(src, fdPath(fd));
      fchownSync(fd, uid, gid);
      fchmodSync(fd, st.mode & 0o7777);
      keepXattrs(w, src, fd); // after chown, which clears file capabilities
      futimesSync(fd, st.atime, st.mtime);
      w.links.remember(st, rel, fstatSync(fd).ino);
    } finally {
      closeSync(fd);
    }
  } else if (st.isFIFO()) {
    mknod(target, S_IFIFO | 0o600);
    // By an O_PATH fd of what we made, checked to be a FIFO: the container may swap the name.
    const fd = openSync(target, O_PATH | fsc.O_NOFOLLOW | O_CLOEXEC);
    try {
      if (fstatSync(fd).isFIFO()) {
        chownSync(fdPath(fd), uid, gid);
        chmodSync(fdPath(fd), st.mode & 0o7777);
        utimesSync(fdPath(fd), st.atime, st.mtime);
      }
    } finally {
      closeSync(fd);
    }
  } else {
    w.warn(`skipping ${src}: not a regular file, directory, symlink or FIFO`);
  }
}

export function copyToContainer(hostSrc: string, rec: ContainerRecord, dstPath: string, o: CopyOptions, warn: (m: string) => void): void {
  const srcAbs = resolveHost(hostSrc);
  let srcSt: Stats;
  try {
    srcSt = o.followLink ? statSync(srcAbs) : lstatSync(srcAbs);
  } catch {
    throw new UserError(`could not find the file ${hostSrc} on the host: no such file or directory`, 1);
  }
  const contentsOnly = hostSrc.endsWith('/.') && srcSt.isDirectory();
  const srcName = basename(srcAbs);
  const dst = splitPath(dstPath);
  withContainerRoot(rec, (rootFd) => asContainerWriter(rec, () => {
    // Does DEST exist as a directory (symlinks followed, inside the root)?
    let destDir: number | null = null;
    try {
      destDir = openInRoot(rootFd, dstPath, fsc.O_RDONLY | fsc.O_DIRECTORY);
    } catch (e) {
      if (!(e instanceof SysError) || !['ENOENT', 'ENOTDIR'].includes(e.code ?? '')) throw e;
    }
    try {
      if (destDir !== null) {
        const walk = newWalk(destDir, warn, rec);
        if (contentsOnly) for (const child of readdirSync(srcAbs)) copyInEntry(join(srcAbs, child), destDir, child, child, o, walk);
        else copyInEntry(srcAbs, destDir, srcName, srcName, o, walk);
        endWalk(walk);
        return;
      }
      if (dst.trailingSlash) throw new UserError(`no such directory ${dstPath} in container ${rec.name}`, 1);
      let pfd: number;
      try {
        pfd = openInRoot(rootFd, dst.parent, fsc.O_RDONLY | fsc.O_DIRECTORY);
      } catch (e) {
        if (notFound(e)) throw new UserError(`Could not find the file ${dst.parent} in container ${rec.name}`, 1);
        throw e;
      }
      const walk = newWalk(pfd, warn, rec);
      try {
        copyInEntry(srcAbs, pfd, dst.name, dst.name, o, walk);
      } finally {
        closeSync(pfd);
      }
      endWalk(walk);
    } finally {
      if (destDir !== null) closeSync(destDir);
    }
  }));
}

/** `CONTAINER:PATH` → its parts; a local path (absolute, or starting with '.') never names a container. */
export function parseCpArg(arg: string): { container?: string; path: string } {
  if (arg.startsWith('/') || arg.startsWith('.')) return { path: arg };
  const i = arg.indexOf(':');
  if (i <= 0) return { path: arg };
  return { container: arg.slice(0, i), path: arg.slice(i + 1) || '/' };
}

export function copy(src: string, dst: string, o: CopyOptions, warn: (m: string) => void): void {
  const s = parseCpArg(src);
  const d = parseCpArg(dst);
  if (s.container && d.container) throw new UserError('copying between containers is not supported', 1);
  if (!s.container && !d.container) throw new UserError('must specify at least one container source', 1);
  try {
    // `-`: a tar stream on stdout / from stdin (cp-stream.ts); loaded only then.
    if (s.container && dst === '-') {
      cpStream().tarFromContainer(s.container, s.path, 1, o);
      return;
    }
    if (d.container && src === '-') {
      cpStream().tarIntoContainer(d.container, d.path, 0, o, warn);
      return;
    }
    if (s.container) {
      const rec = findContainer(s.container);
      copyFromContainer(rec, s.path.startsWith('/') ? s.path : '/' + s.path, dst, o, warn);
    } else {
      const rec = findContainer(d.container!);
      copyToContainer(src, rec, d.path.startsWith('/') ? d.path : '/' + d.path, o, warn);
    }
  } catch (e) {
    throw copyError(e);
  }
}

/** Any failure of a copy as one line for the user (exit 1, as docker's cp). */
export function copyError(e: unknown): unknown {
  if (e instanceof SysError) {
    if (e.code === 'EROFS') return new UserError(`mounted volume is marked read-only: ${e.message}`, 1);
    return new UserError(e.message, 1);
  }
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'EROFS') return new UserError('the destination is on a read-only file system', 1);
  if (code === 'ELOOP') return new UserError('a symbolic link appeared where a file was expected (changed while copying?)', 1);
  if (code && !(e instanceof UserError)) return new UserError((e as Error).message, 1);
  return e;
}
