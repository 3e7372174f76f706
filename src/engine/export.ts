/**
 * Writing a directory tree as a tar stream, and `mini-run export`: the merged filesystem of a
 * container as one tar (what `import` turns back into a one-layer image).
 *
 * The walk reaches every entry as `/proc/self/fd/<dir fd>/<name>` with no-follow calls, from a
 * directory fd that is the container's root (cp.ts): nothing the container planted can lead
 * it out. Mount points below the root (/proc, /sys, /dev, volumes) are written as empty
 * directories, as docker's export does: it is the container's own filesystem, not its mounts.
 */
import { closeSync, constants as fsc, fstatSync, lstatSync, openSync, readSync, readdirSync, readlinkSync, writeSync, Stats } from 'node:fs';
import { createHash, type Hash } from 'node:crypto';
import { UserError } from '../errors';
import { findContainer } from './container-store';
import { withContainerRoot } from './cp';

const O_CLOEXEC = 0o2000000;
const SLEEPER = new Int32Array(new SharedArrayBuffer(4));
const fdPath = (fd: number, name?: string) => (name === undefined ? `/proc/self/fd/${fd}` : `/proc/self/fd/${fd}/${name}`);

/** A synchronous tar writer (POSIX ustar + pax headers for long names and big numbers). */
export class TarWriter {
  private readonly hash: Hash | null;
  bytes = 0;
  constructor(private readonly fd: number, withDigest = false) {
    this.hash = withDigest ? createHash('sha256') : null;
  }

  private write(buf: Buffer): void {
    for (let off = 0; off < buf.length;) {
      try {
        off += writeSync(this.fd, buf, off, buf.length - off);
      } catch (e) {
        // stdout may be a non-blocking pipe: wait for the reader instead of failing
        if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
        Atomics.wait(SLEEPER, 0, 0, 2);
      }
    }
    this.hash?.update(buf);
    this.bytes += buf.length;
  }

  private pad(n: number): void {
    const rest = n % 512;
    if (rest) this.write(Buffer.alloc(512 - rest));
  }

  private header(o: { name: string; mode: number; uid: number; gid: number; size: number; mtime: number; type: string; linkname?: string; devmajor?: number; devminor?: number }): void {
    const pax: string[] = [];
    const rec = (k: string, v: string) => {
      const body = ` ${k}=${v}\n`;
      let len = Buffer.byteLength(body) + 1;
      while (String(len).length + Buffer.byteLength(body) !== len) len = String(len).length + Buffer.byteLength(body);
      pax.push(`${len}${body}`);
    };
    if (Buffer.byteLength(o.name) > 100 || /[^\x20-\x7e]/.test(o.name)) rec('path', o.name);
    if (o.linkname && (Buffer.byteLength(o.linkname) > 100 || /[^\x20-\x7e]/.test(o.linkname))) rec('linkpath', o.linkname);
    if (o.size > 0o77777777777) rec('size', String(o.size));
    if (o.uid > 0o7777777) rec('uid', String(o.uid));
    if (o.gid > 0o7777777) rec('gid', String(o.gid));
    if (pax.length) {
      const data = Buffer.from(pax.join(''));
      this.raw({ name: 'PaxHeaders/' + o.name.slice(0, 80), mode: 0o644, uid: 0, gid: 0, size: data.length, mtime: o.mtime, type: 'x' });
      this.write(data);
      this.pad(data.length);
    }
    this.raw(o);
  }

  private raw(o: { name: string; mode: number; uid: number; gid: number; size: number; mtime: number; type: string; linkname?: string; devmajor?: number; devminor?: number }): void {
    const h = Buffer.alloc(512);
    const str = (s: string, off: number, len: number) => Buffer.from(s).copy(h, off, 0, len);
    const oct = (n: number, off: number, len: number) => str(Math.min(n, 8 ** (len - 1) - 1).toString(8).padStart(len - 1, '0') + '\0', off, len);
    str(o.name, 0, 100);
    oct(o.mode & 0o7777, 100, 8);
    oct(o.uid, 108, 8);
    oct(o.gid, 116, 8);
    oct(o.size, 124, 12);
    oct(Math.floor(o.mtime), 136, 12);
    h.fill(0x20, 148, 156); // checksum field counts as spaces
    str(o.type, 156, 1);
    str(o.linkname ?? '', 157, 100);
    str('ustar\0', 257, 6);
    str('00', 263, 2);
    oct(o.devmajor ?? 0, 329, 8);
    oct(o.devminor ?? 0, 337, 8);
    let sum = 0;
    for (const b of h) sum += b;
    str(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8);
    this.write(h);
  }

  /** One entry from its lstat; `content` is an open fd for a regular file. */
  entry(name: string, st: Stats, extra: { linkname?: string; content?: number } = {}): void {
    const type = st.isDirectory() ? '5' : st.isSymbolicLink() ? '2' : st.isCharacterDevice() ? '3' : st.isBlockDevice() ? '4' : st.isFIFO() ? '6' : '0';
    const size = type === '0' ? st.size : 0;
    const rdev = st.rdev;
    this.header({
      name: type === '5' && !name.endsWith('/') ? name + '/' : name, mode: st.mode, uid: st.uid, gid: st.gid, size, mtime: st.mtimeMs / 1000, type,
      linkname: extra.linkname, devmajor: (rdev >> 8) & 0xfff, devminor: (rdev & 0xff) | ((rdev >> 12) & 0xfff00),
    });
    if (type !== '0') return;
    // Copy exactly `size` bytes (a file that shrinks meanwhile is padded, one that grows cut).
    const buf = Buffer.allocUnsafe(1 << 20);
    let left = size;
    while (left > 0 && extra.content !== undefined) {
      const n = readSync(extra.content, buf, 0, Math.min(buf.length, left), null);
      if (n <= 0) break;
      this.write(buf.subarray(0, n));
      left -= n;
    }
    if (left > 0) this.write(Buffer.alloc(left));
    this.pad(size);
  }

  /** A plain empty file entry (for `.wh.` whiteout markers). */
  marker(name: string, mtime: number): void {
    this.raw({ name, mode: 0o644, uid: 0, gid: 0, size: 0, mtime, type: '0' });
  }

  finish(): string | null {
    this.write(Buffer.alloc(1024));
    return this.hash ? 'sha256:' + this.hash.digest('hex') : null;
  }
}

export interface WalkHooks {
  /** Called for each entry before it is written; return false to skip it (e.g. whiteouts). */
  visit?: (parentFd: number, name: string, rel: string, st: Stats, tar: TarWriter) => boolean;
  /** Called after a directory's own entry, before its children (e.g. the opaque marker). */
  afterDir?: (parentFd: number, name: string, rel: string, tar: TarWriter) => void;
}

/** Write the tree below the open directory `dirFd` (entries named `prefix…`), sorted by name. */
export function writeTree(tar: TarWriter, dirFd: number, prefix: string, rootDev: number, hooks: WalkHooks = {}): void {
  for (const name of readdirSync(fdPath(dirFd)).sort()) {
    const path = fdPath(dirFd, name);
    const rel = prefix + name;
    let st: Stats;
    try { st = lstatSync(path); } catch { continue; } // gone meanwhile
    if (hooks.visit && !hooks.visit(dirFd, name, rel, st, tar)) continue;
    if (st.isSymbolicLink()) {
      tar.entry(rel, st, { linkname: readlinkSync(path) });
    } else if (st.isDirectory()) {
      const fd = openSync(path, fsc.O_RDONLY | fsc.O_DIRECTORY | fsc.O_NOFOLLOW | O_CLOEXEC);
      try {
        const dst = fstatSync(fd);
        tar.entry(rel, dst);
        hooks.afterDir?.(dirFd, name, rel, tar);
        if (dst.dev === rootDev) writeTree(tar, fd, rel + '/', rootDev, hooks); // a mount point stays empty
      } finally {
        closeSync(fd);
      }
    } else if (st.isFile()) {
      const fd = openSync(path, fsc.O_RDONLY | fsc.O_NOFOLLOW | fsc.O_NONBLOCK | O_CLOEXEC);
      try {
        tar.entry(rel, fstatSync(fd), { content: fd });
      } finally {
        closeSync(fd);
      }
    } else if (!st.isSocket()) {
      tar.entry(rel, st);
    }
  }
}

/** `export CONTAINER [-o FILE]`: the merged filesystem as a tar on `outFd`. */
export function exportContainer(ref: string, outFd: number): void {
  const rec = findContainer(ref);
  withContainerRoot(rec, (rootFd) => {
    const tar = new TarWriter(outFd);
    const dirFd = openSync(fdPath(rootFd), fsc.O_RDONLY | fsc.O_DIRECTORY | O_CLOEXEC);
    try {
      writeTree(tar, dirFd, '', fstatSync(dirFd).dev);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EPIPE') throw new UserError('export: the output was closed', 1);
      throw e;
    } finally {
      closeSync(dirFd);
    }
    tar.finish();
  });
}
