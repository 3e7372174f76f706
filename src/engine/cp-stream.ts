/**
 * `cp CONTAINER:PATH -` and `cp - CONTAINER:DIR`: docker's tar streams. The first writes PATH
 * (a file, or a directory with everything below it) as a tar on stdout; the second unpacks a
 * tar read from stdin into the existing directory DIR.
 *
 * The same rule as cp.ts: every container path is resolved by the kernel inside the
 * container's root (openat2 RESOLVE_IN_ROOT), and each name is then created with no-follow
 * calls in a directory we hold open. So an archive that first plants `evil -> /` and then
 * writes `evil/etc/passwd`, or names `../../etc/passwd`, stays inside the container
 * (the CVE-2018-15664 / tar path-traversal class).
 */
import {
  closeSync, constants as fsc, fchmodSync, fchownSync, fstatSync, futimesSync, lchownSync, linkSync, lstatSync,
  mkdirSync, openSync, readSync, readlinkSync, symlinkSync, unlinkSync, writeSync, Stats,
} from 'node:fs';
import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';
import { UserError } from '../errors';
import { SysError } from '../sys/errors';
import { TarParser, TarFormatError, cleanArchivePath, type TarEntry } from '../image/tar-format';
import { keptXattr, writeXattrs } from '../image/xattrs';
import { mknod } from '../sys/libc';
import { S_IFIFO } from '../sys/constants';
import { findContainer } from './container-store';
import { asContainerWriter, openInRoot, withContainerRoot, type CopyOptions } from './cp';
import { TarWriter, writeTree } from './export';
import { copyOwnersFor, type CopyOwners } from './userns-remap';

const O_PATH = 0o10000000;
const O_CLOEXEC = 0o2000000;
const SLEEPER = new Int32Array(new SharedArrayBuffer(4));
const fdPath = (fd: number, name?: string) => (name === undefined ? `/proc/self/fd/${fd}` : `/proc/self/fd/${fd}/${name}`);
const notFound = (e: unknown) => e instanceof SysError && ['ENOENT', 'ENOTDIR'].includes(e.code ?? '');

// --- container → tar on stdout

/** Write the container's `path` as a tar on `outFd`; the archive's top entry is its last name. */
export function tarFromContainer(ref: string, path: string, outFd: number, o: CopyOptions): void {
  const rec = findContainer(ref);
  withContainerRoot(rec, (rootFd) => {
    let cur = path;
    let st: Stats;
    let pfd = -1;
    let name = '';
    for (let hops = 0; ; hops++) {
      const parts = cur.split('/').filter((p) => p !== '' && p !== '.');
      name = parts.pop() ?? '.';
      const parent = '/' + parts.join('/');
      try {
        pfd = openInRoot(rootFd, parent, O_PATH | fsc.O_DIRECTORY);
        st = lstatSync(fdPath(pfd, name));
      } catch (e) {
        if (pfd >= 0) closeSync(pfd);
        if (notFound(e) || (e as NodeJS.ErrnoException).code === 'ENOENT') throw new UserError(`Could not find the file ${path} in container ${rec.name}`, 1);
        throw e;
      }
      if (!(o.followLink && st.isSymbolicLink()) || hops > 40) break;
      const target = readlinkSync(fdPath(pfd, name));
      closeSync(pfd);
      pfd = -1;
      cur = target.startsWith('/') ? target : `${parent}/${target}`;
    }
    const top = name === '.' ? '.' : name; // `cp CTR:/ -` gives "./…" entries as docker's does
    const tar = new TarWriter(outFd);
    const own = copyOwnersFor(rec.userns).toContainer; // the owners the container sees (START → 0)
    try {
      if (st.isSymbolicLink()) {
        tar.entry(top, own(st), { linkname: readlinkSync(fdPath(pfd, name)), xattrsOf: fdPath(pfd, name) });
      } else if (st.isDirectory()) {
        const dfd = openSync(fdPath(pfd, name), fsc.O_RDONLY | fsc.O_DIRECTORY | fsc.O_NOFOLLOW | O_CLOEXEC);
        try {
          const dst = fstatSync(dfd);
          tar.entry(top, own(dst), { xattrsOf: fdPath(pfd, name) });
          writeTree(tar, dfd, top + '/', dst.dev, { owners: own });
        } finally {
          closeSync(dfd);
        }
      } else if (st.isFile()) {
        const ffd = openSync(fdPath(pfd, name), fsc.O_RDONLY | fsc.O_NOFOLLOW | fsc.O_NONBLOCK | O_CLOEXEC);
        try {
          tar.entry(top, own(fstatSync(ffd)), { content: ffd, xattrsOf: fdPath(pfd, name) });
        } finally {
          closeSync(ffd);
        }
      } else {
        tar.entry(top, own(st), { xattrsOf: fdPath(pfd, name) });
      }
      tar.finish();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EPIPE') throw new UserError('cp: the output was closed', 1);
      throw e;
    } finally {
      closeSync(pfd);
    }
  });
}

// --- tar on stdin → container

/**
 * Open (creating missing ones, mode 0755, owned by the container's root: `rootOwner`) the
 * directories `parts` below the open directory `fd`.
 */
function openDirs(fd: number, parts: string[], rootOwner: [number, number]): number {
  let cur = openSync(fdPath(fd), fsc.O_RDONLY | fsc.O_DIRECTORY | O_CLOEXEC);
  for (const part of parts) {
    let next: number;
    try {
      // RESOLVE_IN_ROOT from the container's root is done by the caller for the base; below it
      // a name that is a symlink is not followed (O_NOFOLLOW): a planted link cannot redirect us.
      next = openSync(fdPath(cur, part), fsc.O_RDONLY | fsc.O_DIRECTORY | fsc.O_NOFOLLOW | O_CLOEXEC);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
        closeSync(cur);
        throw new UserError(`cp: cannot extract below ${part}: not a directory (or a symbolic link)`, 1);
      }
      mkdirSync(fdPath(cur, part), { mode: 0o755 });
      next = openSync(fdPath(cur, part), fsc.O_RDONLY | fsc.O_DIRECTORY | fsc.O_NOFOLLOW | O_CLOEXEC);
      if (rootOwner[0] !== 0 || rootOwner[1] !== 0) fchownSync(next, ...rootOwner);
    }
    closeSync(cur);
    cur = next;
  }
  return cur;
}

/** Unpack tar entries below the open directory `baseFd` (the destination, inside the root). */
class Unpacker {
  private file: { fd: number; e: TarEntry } | null = null;
  /** xattrs the destination refused (said once, at the end) */
  readonly refused = new Set<string>();
  constructor(private readonly baseFd: number, private readonly o: CopyOptions, private readonly warn: (m: string) => void,
    private readonly owners: CopyOwners = copyOwnersFor(undefined)) {}

  /** The entry's kept xattrs (xattrs.ts: never overlay's own), after chown, which clears file capabilities. */
  private xattrs(target: string | number, e: TarEntry): void {
    const kept = [...e.xattrs].filter(([name]) => keptXattr(name));
    for (const name of writeXattrs(target, kept)) this.refused.add(name);
  }

  private owner(e: TarEntry): [number, number] {
    // the container's owner (root unless -a), stored as the host id it stands for (userns-remap.ts)
    return this.owners.toHost(this.o.archive ? e.uid : 0, this.o.archive ? e.gid : 0);
  }

  entry(e: TarEntry): void {
    const clean = cleanArchivePath(e.path);
    if (clean === null) throw new UserError(`cp: the archive names a path outside the destination: ${e.path}`, 1);
    if (clean === '') return; // "./" itself: the destination exists already
    const parts = clean.split('/');
    const name = parts.pop()!;
    const pfd = openDirs(this.baseFd, parts, this.owners.toHost(0, 0));
    try {
      this.create(pfd, name, e);
    } finally {
      closeSync(pfd);
    }
  }

  private create(pfd: number, name: string, e: TarEntry): void {
    const target = fdPath(pfd, name);
    let existing: Stats | null = null;
    try { existing = lstatSync(target); } catch { /* new */ }
    const [uid, gid] = this.owner(e);
    if (e.typeflag === '5') {
      if (existing && !existing.isDirectory()) unlinkSync(target); // unlink never follows a symlink
      if (!existing?.isDirectory()) mkdirSync(target, { mode: 0o700 });
      const fd = openSync(target, fsc.O_RDONLY | fsc.O_DIRECTORY | fsc.O_NOFOLLOW | O_CLOEXEC);
      try {
        fchownSync(fd, uid, gid);
        fchmodSync(fd, e.mode & 0o7777);
        this.xattrs(fd, e);
        futimesSync(fd, e.atime ?? e.mtime, e.mtime);
      } finally {
        closeSync(fd);
      }
      return;
    }
    if (existing?.isDirectory()) throw new UserError(`cp: cannot overwrite directory ${name} with non-directory`, 1);
    if (existing) unlinkSync(target);
    switch (e.typeflag) {
      case '0': case '7': case '\0': case '': {
        // O_EXCL|O_CREAT|O_NOFOLLOW: fails rather than follow a symlink planted at this name meanwhile.
        const fd = openSync(target, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL | fsc.O_NOFOLLOW | O_CLOEXEC, 0o600);
        this.file = { fd, e };
        return;
      }
      case '2':
        symlinkSync(e.linkpath, target);
        lchownSync(target, uid, gid);
        this.xattrs(target, e);
        return;
      case '1': {
        const link = cleanArchivePath(e.linkpath);
        if (link === null || link === '') throw new UserError(`cp: the archive links to a path outside the destination: ${e.linkpath}`, 1);
        const lparts = link.split('/');
        const lname = lparts.pop()!;
        const lfd = openDirs(this.baseFd, lparts, this.owners.toHost(0, 0));
        try {
          linkSync(fdPath(lfd, lname), target); // link(2) does not follow a final symlink
        } finally {
          closeSync(lfd);
        }
        return;
      }
      case '6': {
        mknod(target, S_IFIFO | 0o600);
        // O_NONBLOCK: opening a FIFO to read does not wait for a writer; O_NOFOLLOW: the name
        // we just made, not a symlink swapped in meanwhile. Owner, mode, xattrs through the fd.
        const fd = openSync(target, fsc.O_RDONLY | fsc.O_NONBLOCK | fsc.O_NOFOLLOW | O_CLOEXEC);
        try {
          fchownSync(fd, uid, gid);
          fchmodSync(fd, e.mode & 0o7777);
          this.xattrs(fd, e);
        } finally {
          closeSync(fd);
        }
        return;
      }
      default:
        this.warn(`skipping ${e.path}: device entries are not created by cp`);
    }
  }

  data(chunk: Buffer): void {
    if (!this.file) return;
    for (let off = 0; off < chunk.length;) off += writeSync(this.file.fd, chunk, off, chunk.length - off);
  }

  endEntry(): void {
    if (!this.file) return;
    const { fd, e } = this.file;
    this.file = null;
    try {
      const [uid, gid] = this.owner(e);
      fchownSync(fd, uid, gid);
      fchmodSync(fd, e.mode & 0o7777); // after chown, which clears set-id bits
      this.xattrs(fd, e);
      futimesSync(fd, e.atime ?? e.mtime, e.mtime);
    } finally {
      closeSync(fd);
    }
  }

  close(): void {
    if (this.file) closeSync(this.file.fd);
    this.file = null;
  }
}

/** Unpack the tar read from `inFd` into the container's existing directory `dir`. */
export function tarIntoContainer(ref: string, dir: string, inFd: number, o: CopyOptions, warn: (m: string) => void): void {
  const rec = findContainer(ref);
  withContainerRoot(rec, (rootFd) => asContainerWriter(rec, () => {
    let baseFd: number;
    try {
      baseFd = openInRoot(rootFd, dir, fsc.O_RDONLY | fsc.O_DIRECTORY);
    } catch (e) {
      if ((e as SysError).code === 'ENOTDIR') throw new UserError(`cp: destination "${rec.name}:${dir}" must be a directory`, 1);
      if (notFound(e)) throw new UserError(`Could not find the file ${dir} in container ${rec.name}`, 1);
      throw e;
    }
    const unpacker = new Unpacker(baseFd, o, warn, copyOwnersFor(rec.userns));
    const parser = new TarParser(unpacker);
    const buf = Buffer.allocUnsafe(1 << 20);
    try {
      for (;;) {
        let n: number;
        try {
          n = readSync(inFd, buf, 0, buf.length, null);
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code;
          if (code === 'EAGAIN') { Atomics.wait(SLEEPER, 0, 0, 2); continue; } // a non-blocking stdin
          if (code === 'EOF') break;
          throw e;
        }
        if (n === 0) break;
        parser.write(buf.subarray(0, n));
      }
      parser.end();
      if (unpacker.refused.size) warn(`the destination does not keep extended attributes ${[...unpacker.refused].sort().join(', ')}: copied without them`);
    } catch (e) {
      if (e instanceof TarFormatError) throw new UserError(`cp: the input is not a valid tar archive: ${e.message}`, 1);
      throw e;
    } finally {
      unpacker.close();
      closeSync(baseFd);
    }
  }));
}

/**
 * Unpack a tar file (plain or gzip) into the directory held by `baseFd`, keeping the archive's
 * owners, hard links and xattrs: build's `ADD local.tar DEST`, as Docker's ADD extracts. The same
 * Unpacker as `cp -`, so a hostile entry (`../x`, a symlink planted first) stays below DEST.
 */
export async function unpackTarFile(file: string, gzip: boolean, baseFd: number, what: string, warn: (m: string) => void): Promise<void> {
  const unpacker = new Unpacker(baseFd, { archive: true, followLink: false }, warn);
  const parser = new TarParser(unpacker);
  try {
    const raw = createReadStream(file);
    const input: Readable = gzip ? raw.pipe(createGunzip()) : raw;
    for await (const chunk of input) parser.write(chunk as Buffer);
    parser.end();
    if (unpacker.refused.size) warn(`the destination does not keep extended attributes ${[...unpacker.refused].sort().join(', ')}: copied without them`);
  } catch (e) {
    if (e instanceof TarFormatError) throw new UserError(`${what}: not a valid tar archive: ${e.message}`, 1);
    if ((e as NodeJS.ErrnoException).code === 'Z_DATA_ERROR') throw new UserError(`${what}: not a valid gzip archive`, 1);
    throw e;
  } finally {
    unpacker.close();
  }
}
