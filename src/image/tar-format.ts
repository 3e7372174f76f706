/**
 * Reading tar archives, the format of image layers and of image archives.
 *
 * Everything is decoded here, header blocks included: the `tar` package's Parser drops what a
 * layer needs (it decodes PAX records as text, breaking binary xattr values such as
 * `security.capability`, and forgets `SCHILY.xattr.*`), and its Header guesses from the
 * 100-byte name field alone (a truncated long name ending in '/' became a bodiless directory).
 *
 * An archive is a sequence of [header block][body, padded to 512]. Some headers only describe
 * the *next* entry: PAX extended headers (`x`, one entry; `g`, all following ones) and GNU
 * long names (`L` path, `K` link target). Two zero blocks end the archive.
 */
import { closeSync, openSync, readSync, fstatSync } from 'node:fs';

export const BLOCK = 512;
const MAX_META = 16 << 20; // a PAX header bigger than this is an attack, not metadata

export class TarFormatError extends Error {}

export interface TarEntry {
  path: string;          // as written in the archive (not yet cleaned)
  typeflag: string;      // '0' file, '1' hardlink, '2' symlink, '3' char, '4' block, '5' dir, '6' fifo…
  mode: number;          // permission bits (07777)
  uid: number;
  gid: number;
  size: number;          // body length
  mtime: number;         // seconds since the epoch (PAX may give fractions)
  atime?: number;
  linkpath: string;
  devmajor: number;
  devminor: number;
  xattrs: Map<string, Buffer>;
  /**
   * A GNU sparse file: the body holds only the data chunks; `map` says where each goes
   * ([offset, length] pairs), `realSize` is the file's length (holes read as zeros). `map` is
   * null while it is still to be read from the start of the body (PAX sparse format 1.0).
   */
  sparse?: { map: Array<[number, number]> | null; realSize: number };
}

const META_TYPES = new Set(['x', 'g', 'L', 'K']);
const HEADER_ONLY = new Set(['1', '2', '3', '4', '5', '6']);

/** Parse PAX records ("<len> <key>=<value>\n"), keeping values as bytes. */
export function parsePax(buf: Buffer): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const sparsePairs: string[] = [];
  let i = 0;
  while (i < buf.length && buf[i] !== 0) {
    const sp = buf.indexOf(0x20, i);
    const len = sp > i ? Number(buf.toString('latin1', i, sp)) : NaN;
    if (!Number.isInteger(len) || len <= 0 || i + len > buf.length || buf[i + len - 1] !== 0x0a) {
      throw new TarFormatError('malformed PAX extended header');
    }
    const rec = buf.subarray(sp + 1, i + len - 1);
    const eq = rec.indexOf(0x3d);
    if (eq < 0) throw new TarFormatError('malformed PAX record');
    const key = rec.toString('utf8', 0, eq);
    const value = Buffer.from(rec.subarray(eq + 1));
    // PAX sparse 0.0 repeats these two keys, one pair per chunk: keep them all, as a 0.1 map.
    if (key === 'GNU.sparse.offset' || key === 'GNU.sparse.numbytes') sparsePairs.push(value.toString('latin1'));
    else out.set(key, value);
    i += len;
  }
  if (sparsePairs.length) out.set('GNU.sparse.map', Buffer.from(sparsePairs.join(',')));
  return out;
}

/** A NUL-terminated string field (names are UTF-8 in practice; invalid bytes stay as U+FFFD). */
function field(block: Buffer, off: number, len: number): string {
  const end = block.indexOf(0, off);
  return block.toString('utf8', off, end === -1 || end > off + len ? off + len : end);
}

/**
 * A numeric field: octal digits (leading spaces/NULs, ending in space or NUL), or GNU's
 * base-256 (high bit of the first byte set; 0xff starts a negative number) for values that
 * octal cannot hold: uid/gid above 2097151, sizes above 8 GiB.
 */
function numeric(block: Buffer, off: number, len: number, what: string): number {
  const first = block[off];
  if (first & 0x80) {
    const negative = first === 0xff;
    let n = 0;
    for (let i = 0; i < len; i++) {
      const b = i === 0 ? (negative ? 0xff : first & 0x7f) : block[off + i];
      n = n * 256 + (negative ? 0xff - b : b);
    }
    if (!Number.isSafeInteger(n)) throw new TarFormatError(`tar header: ${what} is too large`);
    return negative ? -(n + 1) : n;
  }
  const text = block.toString('latin1', off, off + len).replace(/[\0 ]+$/, '').replace(/^[\0 ]+/, '');
  const end = text.search(/[\0 ]/);
  const digits = end === -1 ? text : text.slice(0, end);
  if (digits === '') return 0;
  if (!/^[0-7]+$/.test(digits)) throw new TarFormatError(`invalid tar header (bad ${what} field): not a tar archive, or corrupted`);
  return parseInt(digits, 8);
}

interface RawHeader {
  path: string; typeflag: string; mode: number; uid: number; gid: number; size: number; mtime: number;
  linkpath: string; devmajor: number; devminor: number;
}

/**
 * One 512-byte header block (v7, ustar, GNU and star layouts):
 *   0 name[100] 100 mode[8] 108 uid[8] 116 gid[8] 124 size[12] 136 mtime[12] 148 chksum[8]
 *   156 typeflag 157 linkname[100] 257 magic[6] 263 version[2] 265 uname[32] 297 gname[32]
 *   329 devmajor[8] 337 devminor[8] 345 prefix[155] (ustar; GNU keeps atime/ctime/sparse there)
 */
export function decodeHeader(block: Buffer): RawHeader {
  // The checksum: the sum of the header bytes with the checksum field read as spaces. Some
  // old writers summed signed chars: accept either.
  const stored = numeric(block, 148, 8, 'checksum');
  let unsigned = 8 * 0x20;
  let signed = 8 * 0x20;
  for (let i = 0; i < BLOCK; i++) {
    if (i >= 148 && i < 156) continue;
    unsigned += block[i];
    signed += block[i] > 127 ? block[i] - 256 : block[i];
  }
  if (stored !== unsigned && stored !== signed) throw new TarFormatError('invalid tar header (bad checksum): not a tar archive, or corrupted');
  const magic = block.toString('latin1', 257, 263);
  const ustar = magic === 'ustar\0';      // POSIX ustar (and pax)
  const gnu = magic === 'ustar ';          // GNU and oldgnu: "ustar  \0"
  let path = field(block, 0, 100);
  if (ustar) {
    const prefix = field(block, 345, 155);
    if (prefix) path = `${prefix}/${path}`;
  }
  const flag = block[156];
  return {
    path,
    typeflag: flag === 0 ? '0' : String.fromCharCode(flag),
    mode: numeric(block, 100, 8, 'mode'),
    uid: numeric(block, 108, 8, 'uid'),
    gid: numeric(block, 116, 8, 'gid'),
    size: numeric(block, 124, 12, 'size'),
    mtime: numeric(block, 136, 12, 'mtime'),
    linkpath: field(block, 157, 100),
    devmajor: ustar || gnu ? numeric(block, 329, 8, 'devmajor') : 0,
    devminor: ustar || gnu ? numeric(block, 337, 8, 'devminor') : 0,
  };
}

/** `count` (offset, length) pairs of 12-byte numbers at `off`; an empty pair ends the list. */
function sparseMapAt(block: Buffer, off: number, count: number): Array<[number, number]> {
  const map: Array<[number, number]> = [];
  for (let i = 0; i < count; i++) {
    const at = off + i * 24;
    if (block[at] === 0) break;
    map.push([numeric(block, at, 12, 'sparse offset'), numeric(block, at + 12, 12, 'sparse length')]);
  }
  return map;
}

function paxNumber(v: Buffer, key: string): number {
  const n = Number(v.toString('latin1'));
  if (!Number.isFinite(n)) throw new TarFormatError(`bad PAX value for ${key}`);
  return n;
}

/**
 * The bookkeeping between header blocks: pending PAX records and GNU long names, applied to
 * the next real entry. Shared by the streaming parser and the seekable scanner.
 */
export class TarHeaderState {
  private local: Map<string, Buffer> | null = null;
  private global = new Map<string, Buffer>();
  private longPath: string | null = null;
  private longLink: string | null = null;
  private zeroBlocks = 0;
  /** After an old GNU sparse header: extension blocks of the map follow (before the data). */
  sparseExtended = false;

  /** Decode one header block. 'end' after the second zero block. */
  header(block: Buffer): { kind: 'meta'; type: string; size: number } | { kind: 'entry'; entry: TarEntry } | { kind: 'zero' } | { kind: 'end' } {
    if (block.every((b) => b === 0)) {
      this.zeroBlocks++;
      return this.zeroBlocks >= 2 ? { kind: 'end' } : { kind: 'zero' };
    }
    this.zeroBlocks = 0;
    const h = decodeHeader(block);
    const typeflag = h.typeflag;
    const size = h.size;
    if (META_TYPES.has(typeflag)) {
      if (size > MAX_META) throw new TarFormatError(`tar metadata entry of ${size} bytes is too large`);
      return { kind: 'meta', type: typeflag, size };
    }
    const pax = new Map([...this.global, ...(this.local ?? [])]);
    const entry: TarEntry = {
      path: h.path,
      typeflag,
      mode: h.mode & 0o7777,
      uid: h.uid,
      gid: h.gid,
      size,
      mtime: h.mtime,
      linkpath: h.linkpath,
      devmajor: h.devmajor,
      devminor: h.devminor,
      xattrs: new Map(),
    };
    if (this.longPath !== null) entry.path = this.longPath;
    if (this.longLink !== null) entry.linkpath = this.longLink;
    for (const [key, value] of pax) {
      switch (key) {
        case 'path': if (this.local?.has('path')) entry.path = value.toString('utf8'); break;
        case 'linkpath': if (this.local?.has('linkpath')) entry.linkpath = value.toString('utf8'); break;
        case 'size': entry.size = paxNumber(value, key); break;
        case 'uid': entry.uid = paxNumber(value, key); break;
        case 'gid': entry.gid = paxNumber(value, key); break;
        case 'mtime': entry.mtime = paxNumber(value, key); break;
        case 'atime': entry.atime = paxNumber(value, key); break;
        case 'SCHILY.devmajor': entry.devmajor = paxNumber(value, key); break;
        case 'SCHILY.devminor': entry.devminor = paxNumber(value, key); break;
        default:
          if (key.startsWith('SCHILY.xattr.')) {
            entry.xattrs.set(key.slice('SCHILY.xattr.'.length), value);
          } else if (key.startsWith('LIBARCHIVE.xattr.')) {
            // bsdtar: URL-encoded name, base64 value
            entry.xattrs.set(decodeURIComponent(key.slice('LIBARCHIVE.xattr.'.length)), Buffer.from(value.toString('latin1'), 'base64'));
          }
      }
    }
    if (typeflag === 'S') {
      // Old GNU sparse: the map is in the header (4 pairs at 386), continued in extension
      // blocks (TarHeaderState.sparseExtension) when the byte at 482 is set.
      entry.typeflag = '0';
      entry.sparse = { map: sparseMapAt(block, 386, 4), realSize: numeric(block, 483, 12, 'sparse size') };
      this.sparseExtended = block[482] !== 0;
    }
    if (pax.has('GNU.sparse.major') || pax.has('GNU.sparse.map')) {
      const text = (k: string) => pax.get(k)?.toString('utf8');
      const name = text('GNU.sparse.name');
      if (name !== undefined) entry.path = name;
      if (text('GNU.sparse.major') === '1') {
        entry.sparse = { map: null, realSize: paxNumber(pax.get('GNU.sparse.realsize') ?? Buffer.from(''), 'GNU.sparse.realsize') };
      } else {
        const nums = (text('GNU.sparse.map') ?? '').split(',').filter(Boolean).map((v) => paxNumber(Buffer.from(v), 'GNU.sparse.map'));
        if (nums.length % 2) throw new TarFormatError(`bad sparse map for "${entry.path}"`);
        const map: Array<[number, number]> = [];
        for (let k = 0; k < nums.length; k += 2) map.push([nums[k], nums[k + 1]]);
        entry.sparse = { map, realSize: paxNumber(pax.get('GNU.sparse.size') ?? Buffer.from(''), 'GNU.sparse.size') };
      }
    }
    // Old (v7) tars mark a directory as a file whose name ends in '/'. Only the *full* name
    // counts: the 100-byte header field of a long name is a truncation (its 100th byte may
    // well be a '/') and the real name came from a PAX `path` or GNU `L` record above.
    if (entry.typeflag === '0' && entry.path.endsWith('/')) entry.typeflag = '5';
    if (!Number.isSafeInteger(entry.size) || entry.size < 0) throw new TarFormatError(`bad size for "${entry.path}"`);
    // Header-only types never carry a body, whatever their size field says (as Go's archive/tar,
    // which docker uses, reads them).
    if (HEADER_ONLY.has(entry.typeflag)) entry.size = 0;
    this.local = null;
    this.longPath = null;
    this.longLink = null;
    return { kind: 'entry', entry };
  }

  /** One old-GNU sparse extension block: 21 more map pairs; the byte at 504 says "more". */
  sparseExtension(entry: TarEntry, block: Buffer): void {
    entry.sparse!.map!.push(...sparseMapAt(block, 0, 21));
    this.sparseExtended = block[504] !== 0;
  }

  /** Record the body of a metadata entry for the next real entry. */
  meta(type: string, data: Buffer): void {
    const cstr = () => {
      const nul = data.indexOf(0);
      return data.toString('utf8', 0, nul === -1 ? data.length : nul);
    };
    if (type === 'x') this.local = new Map([...(this.local ?? []), ...parsePax(data)]);
    else if (type === 'g') this.global = new Map([...this.global, ...parsePax(data)]);
    else if (type === 'L') this.longPath = cstr();
    else if (type === 'K') this.longLink = cstr();
  }
}

const padding = (size: number) => (BLOCK - (size % BLOCK)) % BLOCK;

export interface TarHandler {
  entry(e: TarEntry): void;
  /** File content; `position` is where it goes in the file (sparse files), else it follows on. */
  data(chunk: Buffer, position?: number): void;
  endEntry(): void;
}

/**
 * The body of a sparse file → positioned writes. Format 1.0 first has the map as decimal
 * lines ("count\n" then "offset\nlength\n" per chunk), padded to a block; the chunks follow
 * back to back. Every chunk must lie inside the file and the lengths must add up to the body.
 */
class SparseBody {
  private mapText: Buffer[] | null = null;
  private mapTextLen = 0;
  private chunk = 0;
  private done = 0; // bytes of the current chunk written

  constructor(private readonly e: TarEntry, private readonly handler: TarHandler) {
    if (e.sparse!.map === null) this.mapText = [];
    else this.check(e.size);
  }

  private fail(why: string): never {
    throw new TarFormatError(`bad sparse file "${this.e.path}": ${why}`);
  }

  private check(dataBytes: number): void {
    const { map, realSize } = this.e.sparse!;
    let total = 0;
    let end = 0;
    for (const [off, len] of map!) {
      if (!Number.isSafeInteger(off) || !Number.isSafeInteger(len) || off < end || len < 0 || off + len > realSize) this.fail('chunk outside the file or out of order');
      end = off + len;
      total += len;
    }
    if (total !== dataBytes) this.fail(`its map covers ${total} bytes but the archive holds ${dataBytes}`);
    if (!Number.isSafeInteger(realSize) || realSize < 0) this.fail('bad size');
  }

  feed(piece: Buffer): void {
    if (this.mapText !== null) {
      this.mapText.push(piece);
      this.mapTextLen += piece.length;
      if (this.mapTextLen > MAX_META) this.fail('its map is too large');
      const text = Buffer.concat(this.mapText);
      const lines = text.toString('latin1').split('\n');
      const count = Number(lines[0]);
      if (lines.length < 2) return;
      if (!Number.isSafeInteger(count) || count < 0) this.fail('bad map');
      if (lines.length < 2 + 2 * count) return; // not all lines complete yet
      const nums = lines.slice(1, 1 + 2 * count).map(Number);
      const map: Array<[number, number]> = [];
      for (let k = 0; k < nums.length; k += 2) map.push([nums[k], nums[k + 1]]);
      const textLen = lines.slice(0, 1 + 2 * count).reduce((n, l) => n + l.length + 1, 0);
      const skip = Math.ceil(textLen / BLOCK) * BLOCK;
      if (text.length < skip) return; // the map's padding has not all arrived
      this.e.sparse!.map = map;
      this.mapText = null;
      this.check(this.e.size - skip);
      piece = text.subarray(skip);
    }
    const map = this.e.sparse!.map!;
    let off = 0;
    while (off < piece.length) {
      while (this.chunk < map.length && this.done === map[this.chunk][1]) { this.chunk++; this.done = 0; }
      if (this.chunk >= map.length) this.fail('more data than its map says');
      const take = Math.min(piece.length - off, map[this.chunk][1] - this.done);
      this.handler.data(piece.subarray(off, off + take), map[this.chunk][0] + this.done);
      this.done += take;
      off += take;
    }
  }

  end(): void {
    if (this.mapText !== null) this.fail('its map is truncated');
  }
}

/**
 * A push parser: feed it bytes with write(), it calls the handler synchronously for each
 * entry, its data chunks and its end. Throws TarFormatError on malformed or truncated input.
 */
export class TarParser {
  private state = new TarHeaderState();
  private pending: Buffer[] = [];
  private pendingLen = 0;
  private mode: 'header' | 'sparseExt' | 'body' | 'meta' | 'pad' | 'done' = 'header';
  private entry: TarEntry | null = null;
  private sparse: SparseBody | null = null;
  private remaining = 0;
  private padAfter = 0;
  private metaType = '';
  private metaChunks: Buffer[] = [];
  private sawEntry = false;

  constructor(private handler: TarHandler) {}

  write(chunk: Buffer): void {
    let off = 0;
    while (off < chunk.length) {
      switch (this.mode) {
        case 'done':
          return; // anything after the end-of-archive blocks is ignored (but was hashed)
        case 'header':
        case 'sparseExt': {
          // Headers and GNU sparse extension blocks are whole 512-byte blocks, but a
          // chunk can end anywhere: collect pieces until one block is complete.
          const take = Math.min(BLOCK - this.pendingLen, chunk.length - off);
          this.pending.push(chunk.subarray(off, off + take));
          this.pendingLen += take;
          off += take;
          if (this.pendingLen < BLOCK) break;
          const block = Buffer.concat(this.pending, BLOCK);
          this.pending = [];
          this.pendingLen = 0;
          if (this.mode === 'header') {
            this.onHeader(block);
          } else {
            this.state.sparseExtension(this.entry!, block);
            if (!this.state.sparseExtended) this.startBody(this.entry!);
          }
          break;
        }
        case 'body':
        case 'meta': {
          const take = Math.min(this.remaining, chunk.length - off);
          const piece = chunk.subarray(off, off + take);
          off += take;
          this.remaining -= take;
          if (this.mode === 'body') {
            if (piece.length) {
              if (this.sparse) this.sparse.feed(piece);
              else this.handler.data(piece);
            }
            if (this.remaining === 0) {
              this.sparse?.end();
              this.sparse = null;
              this.handler.endEntry();
            }
          } else {
            this.metaChunks.push(Buffer.from(piece));
            if (this.remaining === 0) {
              this.state.meta(this.metaType, Buffer.concat(this.metaChunks));
              this.metaChunks = [];
            }
          }
          if (this.remaining === 0) this.mode = this.padAfter ? 'pad' : 'header';
          break;
        }
        case 'pad': {
          const take = Math.min(this.padAfter, chunk.length - off);
          off += take;
          this.padAfter -= take;
          if (this.padAfter === 0) this.mode = 'header';
          break;
        }
      }
    }
  }

  private onHeader(block: Buffer): void {
    const h = this.state.header(block);
    if (h.kind === 'end') { this.mode = 'done'; return; }
    if (h.kind === 'zero') return;
    if (h.kind === 'meta') {
      this.metaType = h.type;
      this.remaining = h.size;
      this.padAfter = padding(h.size);
      this.mode = h.size ? 'meta' : this.padAfter ? 'pad' : 'header';
      if (!h.size) this.state.meta(h.type, Buffer.alloc(0));
      return;
    }
    this.sawEntry = true;
    this.entry = h.entry;
    if (this.state.sparseExtended) this.mode = 'sparseExt';
    else this.startBody(h.entry);
  }

  private startBody(e: TarEntry): void {
    this.handler.entry(e);
    this.sparse = e.sparse ? new SparseBody(e, this.handler) : null;
    this.remaining = e.size;
    this.padAfter = padding(e.size);
    if (e.size === 0) {
      this.sparse?.end();
      this.sparse = null;
      this.handler.endEntry();
      this.mode = 'header';
    } else {
      this.mode = 'body';
    }
  }

  /** The input ended: fine at an entry boundary (the end-of-archive blocks are optional). */
  end(): void {
    if (this.mode === 'body' || this.mode === 'meta' || this.mode === 'sparseExt' || (this.mode === 'header' && this.pendingLen > 0)) {
      throw new TarFormatError('unexpected end of data: the archive is truncated');
    }
    if (!this.sawEntry && this.mode !== 'done') throw new TarFormatError('empty or not a tar archive');
  }
}

export interface IndexedFile { offset: number; size: number }

/**
 * Scan a tar *file* without reading file bodies (they are skipped by offset): returns each
 * regular file's byte range, for archives whose members we then read in place (image archives).
 * Symlinks and hardlinks become aliases of the file they point to (inside the archive only).
 */
export function indexTarFile(path: string): Map<string, IndexedFile> {
  const fd = openSync(path, 'r');
  try {
    const total = fstatSync(fd).size;
    const files = new Map<string, IndexedFile>();
    const links: Array<[string, string, boolean]> = [];
    const state = new TarHeaderState();
    const block = Buffer.alloc(BLOCK);
    let pos = 0;
    let sawEntry = false;
    const readExact = (buf: Buffer, at: number) => {
      if (at + buf.length > total) throw new TarFormatError('unexpected end of data: the archive is truncated');
      let got = 0;
      while (got < buf.length) {
        const n = readSync(fd, buf, got, buf.length - got, at + got);
        if (n === 0) throw new TarFormatError('unexpected end of data: the archive is truncated');
        got += n;
      }
    };
    while (pos < total) {
      if (total - pos < BLOCK) throw new TarFormatError('unexpected end of data: the archive is truncated');
      readExact(block, pos);
      pos += BLOCK;
      const h = state.header(block);
      if (h.kind === 'end') break;
      if (h.kind === 'zero') continue;
      if (h.kind === 'meta') {
        const data = Buffer.alloc(h.size);
        readExact(data, pos);
        state.meta(h.type, data);
        pos += h.size + padding(h.size);
        continue;
      }
      sawEntry = true;
      const e = h.entry;
      while (state.sparseExtended) {
        readExact(block, pos);
        pos += BLOCK;
        state.sparseExtension(e, block);
      }
      const name = cleanArchivePath(e.path);
      if (e.size && pos + e.size > total) throw new TarFormatError('unexpected end of data: the archive is truncated');
      if (name !== null) {
        if ((e.typeflag === '0' || e.typeflag === '7') && !e.sparse) files.set(name, { offset: pos, size: e.size });
        else if (e.typeflag === '1') links.push([name, e.linkpath, false]);
        else if (e.typeflag === '2') links.push([name, e.linkpath, true]);
      }
      pos += e.size + padding(e.size);
    }
    if (!sawEntry) throw new TarFormatError('empty or not a tar archive');
    // Resolve links after the scan (docker save archives link duplicate layers).
    for (let round = 0; round < 8; round++) {
      for (const [name, target, symbolic] of links) {
        if (files.has(name)) continue;
        const base = symbolic ? name.split('/').slice(0, -1).join('/') : '';
        const resolved = cleanArchivePath(base ? `${base}/${target}` : target);
        const f = resolved !== null ? files.get(resolved) : undefined;
        if (f) files.set(name, f);
      }
    }
    return files;
  } finally {
    closeSync(fd);
  }
}

/** "./blobs//sha256/x" → "blobs/sha256/x"; null when the name leaves the archive ("../x"). */
export function cleanArchivePath(p: string): string | null {
  const out: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (!out.length) return null;
      out.pop();
    } else out.push(part);
  }
  return out.join('/');
}
