/**
 * zstd decoding on Node 20 through libzstd.so.1 (src/sys/libzstd.ts, src/image/zstd.ts): what the
 * zstd CLI (an independent encoder) writes comes back byte for byte; output is handed on one
 * buffer at a time however far a chunk expands; a cut or damaged stream is an error, and a
 * zstd layer that fails leaves nothing in the store.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { libzstdAvailable, ZstdDataError, ZstdDecompressStream } from '../../src/sys/libzstd';
import { createZstdDecompress, zstdDecoder } from '../../src/image/zstd';
import { setStateRoot } from '../../src/paths';
import { unpackLayer, layerFsDir } from '../../src/image/layer-store';
import { makeTar, digest } from '../fixtures/tar-writer';

const hasCli = (() => { try { execFileSync('zstd', ['--version'], { stdio: 'pipe' }); return true; } catch { return false; } })();
if (!hasCli) console.log('zstd-layers: skipped: no zstd CLI (apt-get install zstd) to write the test data');
if (!libzstdAvailable()) console.log('zstd-layers: skipped: libzstd.so.1 does not load (apt-get install libzstd1)');
const run = hasCli && libzstdAvailable() ? describe : describe.skip;

/** Compress with the zstd command-line tool (checksums on, its default). */
const zstdCli = (data: Buffer, level = 3): Buffer => execFileSync('zstd', ['-q', '-c', `-${level}`], { input: data, maxBuffer: 256 << 20 });
const sha = (b: Buffer | Uint8Array) => createHash('sha256').update(b).digest('hex');

/** Everything one stream decodes from `chunks`, with the size of each piece handed out. */
function decodeAll(chunks: Buffer[]): { out: Buffer; pieces: number[] } {
  const s = new ZstdDecompressStream();
  try {
    const parts: Buffer[] = [];
    for (const c of chunks) for (const p of s.decompress(c)) parts.push(p);
    s.end();
    return { out: Buffer.concat(parts), pieces: parts.map((p) => p.length) };
  } finally {
    s.free();
  }
}
const chunked = (b: Buffer, n: number) => Array.from({ length: Math.ceil(b.length / n) }, (_, i) => b.subarray(i * n, (i + 1) * n));

let work: string;
let root: string;
beforeAll(() => {
  work = mkdtempSync('/tmp/mr-test-zstdfx-');
  root = mkdtempSync('/tmp/mr-test-zstd-');
  setStateRoot(root);
});
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
  rmSync(root, { recursive: true, force: true });
  setStateRoot(null);
});

run('libzstd through koffi', () => {
  it('decodes what the zstd CLI wrote, byte for byte, whatever the chunking', () => {
    const text = Buffer.from(Array.from({ length: 20000 }, (_, i) => `line ${i} of a layer\n`).join(''));
    const data = Buffer.concat([text, randomBytes(700_000), text]);
    const z = zstdCli(data, 9);
    for (const size of [1, 7, 4096, 65536, 1 << 20]) {
      const chunks = size === 1 ? chunked(z.subarray(0, 5000), 1).concat([z.subarray(5000)]) : chunked(z, size);
      expect(sha(decodeAll(chunks).out)).toBe(sha(data));
    }
  });

  it('decodes concatenated frames and skips a skippable frame (RFC 8878 §3.1.2)', () => {
    const a = Buffer.from('first frame\n');
    const b = randomBytes(300_000);
    const skippable = Buffer.alloc(8 + 5);
    skippable.writeUInt32LE(0x184d2a50, 0);
    skippable.writeUInt32LE(5, 4);
    expect(decodeAll([Buffer.concat([zstdCli(a), skippable, zstdCli(b)])]).out).toEqual(Buffer.concat([a, b]));
  });

  it('hands out at most one output buffer per step: 64 MiB of zeros from a few KiB is never all in memory', () => {
    const z = zstdCli(Buffer.alloc(64 << 20), 3);
    expect(z.length).toBeLessThan(16 << 10);
    const s = new ZstdDecompressStream();
    try {
      const it = s.decompress(z);
      const first = it.next();
      expect(first.done).toBe(false);
      expect((first.value as Buffer).length).toBeLessThanOrEqual(128 << 10);
      let total = (first.value as Buffer).length;
      let biggest = total;
      for (const p of it) { total += p.length; biggest = Math.max(biggest, p.length); }
      s.end();
      expect(total).toBe(64 << 20);
      expect(biggest).toBeLessThanOrEqual(128 << 10);
    } finally {
      s.free();
    }
  });

  it('a stream cut short, a flipped byte and data that is not zstd are errors', () => {
    const data = randomBytes(400_000);
    const z = zstdCli(data);
    expect(() => decodeAll([z.subarray(0, z.length - 100)])).toThrow(/the data ends inside a zstd frame \(truncated\)/);
    const flipped = Buffer.from(z);
    flipped[flipped.length - 2] ^= 0xff; // inside the frame's checksum
    expect(() => decodeAll([flipped])).toThrow(ZstdDataError);
    expect(() => decodeAll([Buffer.from('not zstd at all')])).toThrow(/Unknown frame descriptor/);
    expect(() => decodeAll([])).toThrow(/no zstd data/);
  });
});

run('zstd as a stream stage', () => {
  it(`createZstdDecompress uses ${zstdDecoder()} here and pipes like zlib's streams`, async () => {
    const data = randomBytes(1 << 20);
    const hash = createHash('sha256');
    await pipeline(Readable.from(chunked(zstdCli(data), 16384)), createZstdDecompress('test'), new Writable({
      write(c: Buffer, _e, cb) { hash.update(c); cb(); },
    }));
    expect(hash.digest('hex')).toBe(sha(data));
  });

  it('unpacks a zstd layer into the store; a truncated one is one line and leaves nothing', async () => {
    const tar = makeTar([{ path: 'etc/', type: '5', mode: 0o755 }, { path: 'etc/zstd-ok', data: Buffer.from('zstd layer\n') }, { path: 'big', data: randomBytes(300_000) }]);
    const z = zstdCli(tar);
    const file = join(work, 'layer.zst');
    writeFileSync(file, z);
    const r = await unpackLayer({ source: { file, offset: 0, size: z.length }, diffId: digest(tar), blobDigest: digest(z), keepBlob: true });
    expect(r.compression).toBe('zstd');
    expect(execFileSync('cat', [join(layerFsDir(r.diffId), 'etc/zstd-ok')]).toString()).toBe('zstd layer\n');

    const cut = z.subarray(0, z.length - 1000);
    writeFileSync(file, cut);
    const other = makeTar([{ path: 'x', data: randomBytes(300_000) }]);
    await expect(unpackLayer({ source: { file, offset: 0, size: cut.length }, diffId: digest(other), blobDigest: digest(cut), keepBlob: true }))
      .rejects.toThrow(/^layer sha256:[0-9a-f]{12}: corrupt or truncated zstd data \(the data ends inside a zstd frame \(truncated\)\)$/);
    expect(existsSync(join(root, 'tmp')) ? readdirSync(join(root, 'tmp')) : []).toEqual([]);
    expect(readdirSync(join(root, 'blobs/sha256'))).toEqual([digest(z).slice(7)]);
  });
});
