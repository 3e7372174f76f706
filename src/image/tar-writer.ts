/**
 * Writing tar archives: the one writer behind `export`, `commit` (and so `build`'s layers).
 *
 * Each entry is a POSIX ustar header; what ustar cannot hold goes in a PAX extended header
 * before it (as Go's archive/tar, which docker uses, does): names and link targets over 100
 * bytes or not plain ASCII, sizes of 8 GiB and more, uids/gids over 2097151, and xattrs as
 * `SCHILY.xattr.<name>` records with their raw (binary) values.
 *
 * What a layer keeps beyond name and content:
 *  - hard links: the second and later names of one inode (same st_dev and st_ino, st_nlink > 1)
 *    are written as typeflag '1' entries pointing at the first name, as GNU tar does;
 *  - xattrs: user.*, trusted.* and security.capability (file capabilities, e.g. ping's
 *    cap_net_raw), as xattrs.ts decides for every copy. overlayfs's own trusted.overlay.* are
 *    never written: the layer says "deleted" and "opaque" with `.wh.` markers (commit.ts).
 */
import { writeSync, readSync, type Stats } from 'node:fs';
import { createHash, type Hash } from 'node:crypto';
import { readXattrs } from './xattrs';

const SLEEPER = new Int32Array(new SharedArrayBuffer(4));

/** One PAX record, "<len> <key>=<value>\n", where <len> counts its own digits too. */
function paxRecord(key: string, value: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(` ${key}=`), value, Buffer.from('\n')]);
  let len = body.length + 1;
  while (String(len).length + body.length !== len) len = String(len).length + body.length;
  return Buffer.concat([Buffer.from(String(len)), body]);
}

interface HeaderFields {
  name: string; mode: number; uid: number; gid: number; size: number; mtime: number; type: string;
  linkname?: string; devmajor?: number; devminor?: number; xattrs?: Array<[string, Buffer]>;
}

const needsPax = (s: string) => Buffer.byteLength(s) > 100 || /[^\x20-\x7e]/.test(s);

/** A synchronous tar writer on an fd (a file, or stdout which may be a non-blocking pipe). */
export class TarWriter {
  private readonly hash: Hash | null;
  /** First name written for each multiply-linked inode ("dev:ino"). */
  private readonly linkNames = new Map<string, string>();
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

  private header(o: HeaderFields): void {
    const pax: Buffer[] = [];
    if (needsPax(o.name)) pax.push(paxRecord('path', Buffer.from(o.name)));
    if (o.linkname && needsPax(o.linkname)) pax.push(paxRecord('linkpath', Buffer.from(o.linkname)));
    if (o.size > 0o77777777777) pax.push(paxRecord('size', Buffer.from(String(o.size))));
    if (o.uid > 0o7777777) pax.push(paxRecord('uid', Buffer.from(String(o.uid))));
    if (o.gid > 0o7777777) pax.push(paxRecord('gid', Buffer.from(String(o.gid))));
    for (const [name, value] of o.xattrs ?? []) pax.push(paxRecord(`SCHILY.xattr.${name}`, value));
    if (pax.length) {
      const data = Buffer.concat(pax);
      this.raw({ name: 'PaxHeaders/' + o.name.slice(0, 80), mode: 0o644, uid: 0, gid: 0, size: data.length, mtime: o.mtime, type: 'x' });
      this.write(data);
      this.pad(data.length);
    }
    this.raw(o);
  }

  private raw(o: HeaderFields): void {
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

  /**
   * One entry from its lstat; `content` is an open fd for a regular file; `xattrsOf` a path
   * to read the entry's xattrs from (lgetxattr: a final symlink is not followed).
   */
  entry(name: string, st: Stats, extra: { linkname?: string; content?: number; xattrsOf?: string } = {}): void {
    let type = st.isDirectory() ? '5' : st.isSymbolicLink() ? '2' : st.isCharacterDevice() ? '3' : st.isBlockDevice() ? '4' : st.isFIFO() ? '6' : '0';
    let linkname = extra.linkname;
    if (type === '0' && st.nlink > 1) {
      // A hard link: one inode, several names. Later names point at the first (body once).
      const key = `${st.dev}:${st.ino}`;
      const first = this.linkNames.get(key);
      if (first === undefined) this.linkNames.set(key, name);
      else { type = '1'; linkname = first; }
    }
    const size = type === '0' ? st.size : 0;
    const rdev = st.rdev;
    this.header({
      name: type === '5' && !name.endsWith('/') ? name + '/' : name, mode: st.mode, uid: st.uid, gid: st.gid, size, mtime: st.mtimeMs / 1000, type,
      linkname, devmajor: (rdev >> 8) & 0xfff, devminor: (rdev & 0xff) | ((rdev >> 12) & 0xfff00),
      xattrs: extra.xattrsOf !== undefined && type !== '1' ? readXattrs(extra.xattrsOf) : undefined,
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
