/**
 * LayerWriter: applies the entries of one layer tar to an empty directory, the way the OCI
 * image spec ("Applying changesets") and overlayfs want them, and refuses anything that could
 * write outside that directory.
 *
 *  - Whiteouts: an entry `dir/.wh.NAME` means "NAME is deleted in this layer". overlayfs spells
 *    that as a character device 0/0 named NAME in the upper layer, so that is what we create.
 *  - Opaque directories: `dir/.wh..wh..opq` means "hide everything lower layers have in dir".
 *    overlayfs spells that as the xattr trusted.overlay.opaque="y" on dir.
 *  - Ownership, modes, mtimes, xattrs (incl. security.capability), symlinks, hardlinks, device
 *    nodes and fifos are kept: the layer directory *is* the image's filesystem.
 *
 * Safety, because a layer is untrusted input (the classic tar-extraction CVEs):
 *  - paths are cleaned lexically; a leading "/" is dropped (docker does the same); a ".." that
 *    climbs out of the layer is refused;
 *  - no path is ever resolved through a symlink that the layer itself created: every parent
 *    component is lstat'ed, and a symlink there is refused (symlinks are *stored* verbatim —
 *    absolute targets are fine, they are resolved inside the container later). A directory
 *    found real once is remembered (one lstat per directory, not one per entry and level) until
 *    an entry removes or replaces it or anything above it;
 *  - hardlink targets must be inside the layer, reached without symlinks, and already exist;
 *  - files are created with O_EXCL|O_NOFOLLOW (a name that exists is looked at, removed, and the
 *    file created again).
 */
import {
  closeSync, constants, fchmodSync, ftruncateSync, fchownSync, futimesSync, lchownSync, linkSync, lstatSync, lutimesSync,
  mkdirSync, chmodSync, openSync, rmSync, Stats, symlinkSync, unlinkSync, writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors';
import { lsetxattr, mknod } from '../sys/libc';
import { S_IFBLK, S_IFCHR, S_IFIFO } from '../sys/constants';
import type { TarEntry, TarHandler } from './tar-format';

import { OPAQUE_MARKER, OVERLAY_OPAQUE_XATTR, WHITEOUT_PREFIX } from './overlay-names';
export { OPAQUE_MARKER, OVERLAY_OPAQUE_XATTR, WHITEOUT_PREFIX } from './overlay-names';

function lstatOrNull(p: string): Stats | null {
  try {
    return lstatSync(p);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

/** A new regular file, write-only, mode 0600 until its metadata is applied; null if the name exists. */
function createFile(path: string): number | null {
  try {
    return openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return null;
    throw e;
  }
}

export class LayerWriter implements TarHandler {
  private fd: number | null = null;
  private current: { path: string; entry: TarEntry } | null = null;
  private dirTimes: Array<[string, number, number]> = [];
  /**
   * Directories of this layer known to be real directories (lstat'ed or made here). Only this
   * writer changes the layer's directory, so an entry stays true until `forget` (a removal).
   */
  private realDirs = new Set<string>();
  /** Bytes of regular-file content and symlink targets written (the layer's "size", as docker counts it). */
  contentBytes = 0;
  entries = 0;

  /** `label` names the layer in errors, e.g. "layer sha256:0123456789ab". */
  constructor(private readonly root: string, private readonly label: string) {}

  private refuse(e: TarEntry, why: string): never {
    throw new UserError(`${this.label}: refusing tar entry ${JSON.stringify(e.path)}: ${why}`);
  }

  /** Clean a path lexically into components under the layer root (refusing an escape). */
  private components(e: TarEntry, raw: string, what: string): string[] {
    const parts: string[] = [];
    for (const part of raw.split('/')) {
      if (part === '' || part === '.') continue;
      if (part === '..') {
        if (!parts.length) this.refuse(e, `${what} escapes the layer`);
        parts.pop();
      } else {
        parts.push(part);
      }
    }
    return parts;
  }

  /**
   * Make sure every parent of `parts` is a real directory of this layer (created 0755 root:root
   * if missing, as docker does), never a symlink. Returns the absolute parent path.
   */
  private parentDir(e: TarEntry, parts: string[], what: string, create: boolean): string {
    let dir = this.root;
    for (let i = 0; i < parts.length - 1; i++) {
      dir = join(dir, parts[i]);
      if (this.realDirs.has(dir)) continue;
      const st = lstatOrNull(dir);
      if (st === null) {
        if (!create) this.refuse(e, `${what} "${parts.slice(0, i + 1).join('/')}" does not exist in the layer`);
        mkdirSync(dir, 0o755);
        chmodSync(dir, 0o755);
        this.realDirs.add(dir);
      } else if (st.isSymbolicLink()) {
        this.refuse(e, `${what} goes through the symlink "${parts.slice(0, i + 1).join('/')}"`);
      } else if (!st.isDirectory()) {
        this.refuse(e, `${what} goes through "${parts.slice(0, i + 1).join('/')}", which is not a directory`);
      } else {
        this.realDirs.add(dir);
      }
    }
    return dir;
  }

  /** `path` is about to be removed or replaced: it and everything under it are unknown again. */
  private forget(path: string): void {
    this.realDirs.delete(path);
    const under = path + '/';
    for (const d of this.realDirs) if (d.startsWith(under)) this.realDirs.delete(d);
  }

  entry(e: TarEntry): void {
    this.entries++;
    const parts = this.components(e, e.path, 'path');
    if (parts.length === 0) {
      // "./" itself: the layer root's own mode, owner and mtime.
      if (e.typeflag !== '5') this.refuse(e, 'only a directory may name the layer root');
      this.applyDirMeta(this.root, e);
      return;
    }
    const parent = this.parentDir(e, parts, 'path', true);
    const base = parts[parts.length - 1];

    if (base.startsWith(WHITEOUT_PREFIX)) {
      this.whiteout(e, parent, base);
      return;
    }

    const target = join(parent, base);
    if (e.typeflag === '0' || e.typeflag === '7') {
      // Most entries are new files: create first, and look at what is there only when something
      // is (EEXIST). O_EXCL never opens an existing name, a symlink included, so this is the
      // same check as below without an lstat per file.
      const fd = createFile(target);
      if (fd !== null) {
        this.fd = fd;
        this.current = { path: target, entry: e };
        return; // finished in endEntry(), after the data
      }
    }
    const existing = lstatOrNull(target);
    if (existing && !(existing.isDirectory() && e.typeflag === '5')) {
      if (e.typeflag === '1' && this.components(e, e.linkpath, 'hardlink target').join('/') === parts.join('/')) {
        this.refuse(e, 'hardlink to itself');
      }
      this.forget(target);
      if (existing.isDirectory()) rmSync(target, { recursive: true, force: true });
      else unlinkSync(target);
    }

    switch (e.typeflag) {
      case '0':
      case '7': {
        this.fd = createFile(target);
        if (this.fd === null) this.refuse(e, 'the name still exists after it was removed');
        this.current = { path: target, entry: e };
        return; // finished in endEntry(), after the data
      }
      case '5':
        if (!existing) mkdirSync(target, 0o700);
        this.realDirs.add(target); // made here, or an existing directory (anything else was removed above)
        this.applyDirMeta(target, e);
        return;
      case '2':
        if (!e.linkpath) this.refuse(e, 'symlink without a target');
        symlinkSync(e.linkpath, target);
        this.contentBytes += Buffer.byteLength(e.linkpath); // Docker's layer size counts a symlink's length too
        lchownSync(target, e.uid, e.gid);
        this.setXattrs(target, e);
        lutimesSync(target, e.atime ?? e.mtime, e.mtime);
        return;
      case '1': {
        const tparts = this.components(e, e.linkpath, 'hardlink target');
        if (tparts.length === 0) this.refuse(e, 'hardlink to the layer root');
        const tdir = this.parentDir(e, tparts, 'hardlink target', false);
        const tpath = join(tdir, tparts[tparts.length - 1]);
        const tst = lstatOrNull(tpath);
        if (tst === null) this.refuse(e, `hardlink target "${tparts.join('/')}" does not exist in the layer`);
        if (tst.isDirectory()) this.refuse(e, `hardlink target "${tparts.join('/')}" is a directory`);
        linkSync(tpath, target);
        return;
      }
      case '3':
      case '4':
      case '6': {
        const type = e.typeflag === '3' ? S_IFCHR : e.typeflag === '4' ? S_IFBLK : S_IFIFO;
        mknod(target, type | e.mode, e.devmajor, e.devminor);
        lchownSync(target, e.uid, e.gid);
        chmodSync(target, e.mode); // mknod's mode went through the umask; chmod after chown keeps suid bits
        this.setXattrs(target, e);
        lutimesSync(target, e.atime ?? e.mtime, e.mtime);
        return;
      }
      default:
        this.refuse(e, `unsupported tar entry type '${e.typeflag}'`);
    }
  }

  private whiteout(e: TarEntry, parent: string, base: string): void {
    if (base === OPAQUE_MARKER) {
      // overlayfs: an opaque directory hides the lower layers' contents of that directory.
      lsetxattr(parent, OVERLAY_OPAQUE_XATTR, Buffer.from('y'));
      return;
    }
    if (base.startsWith(WHITEOUT_PREFIX + WHITEOUT_PREFIX)) return; // AUFS bookkeeping (.wh..wh.plnk…): not content
    const name = base.slice(WHITEOUT_PREFIX.length);
    if (name === '' || name === '.' || name === '..') this.refuse(e, 'malformed whiteout name');
    const target = join(parent, name);
    const existing = lstatOrNull(target);
    this.forget(target);
    if (existing) rmSync(target, { recursive: true, force: true });
    // overlayfs: a 0/0 character device in an upper layer means "deleted here".
    mknod(target, S_IFCHR, 0, 0);
    lchownSync(target, e.uid, e.gid);
  }

  private applyDirMeta(dir: string, e: TarEntry): void {
    lchownSync(dir, e.uid, e.gid);
    chmodSync(dir, e.mode);
    this.setXattrs(dir, e);
    // A directory's mtime changes while we fill it: set it at the very end (finish()).
    this.dirTimes.push([dir, e.atime ?? e.mtime, e.mtime]);
  }

  private setXattrs(path: string, e: TarEntry): void {
    for (const [name, value] of e.xattrs) {
      // overlayfs's own attributes must come from whiteout entries, never from a layer's tar:
      // a forged trusted.overlay.redirect/metacopy could make overlay look elsewhere.
      if (name.startsWith('trusted.overlay.')) continue;
      try {
        lsetxattr(path, name, value);
      } catch (err) {
        throw new UserError(`${this.label}: cannot set xattr ${name} on ${JSON.stringify(e.path)}: ${(err as Error).message}`);
      }
    }
  }

  data(chunk: Buffer, position?: number): void {
    if (this.fd === null) return; // body of an entry we do not write (e.g. a whiteout with data)
    let off = 0;
    while (off < chunk.length) {
      off += writeSync(this.fd, chunk, off, chunk.length - off, position === undefined ? null : position + off);
    }
    this.contentBytes += chunk.length;
  }

  endEntry(): void {
    if (this.fd === null || !this.current) return;
    const { path, entry: e } = this.current;
    const fd = this.fd;
    this.fd = null;
    this.current = null;
    try {
      // a sparse file: the holes are never written, the length makes them (a hole reads as zeros)
      if (e.sparse) ftruncateSync(fd, e.sparse.realSize);
      // chown first: chown(2) clears set-uid/set-gid bits and security.capability.
      fchownSync(fd, e.uid, e.gid);
      fchmodSync(fd, e.mode);
      this.setXattrs(path, e);
      futimesSync(fd, e.atime ?? e.mtime, e.mtime);
    } finally {
      closeSync(fd);
    }
  }

  /** After the last entry: directory mtimes (deepest first). */
  finish(): void {
    for (const [dir, atime, mtime] of this.dirTimes.reverse()) {
      const st = lstatOrNull(dir);
      if (st?.isDirectory()) lutimesSync(dir, atime, mtime);
    }
    this.dirTimes = [];
  }

  /** On failure: close a file left open. */
  abort(): void {
    if (this.fd !== null) {
      try { closeSync(this.fd); } catch { /* ignore */ }
      this.fd = null;
    }
  }
}
