/**
 * One layer blob, streamed, into a directory: the compressed bytes are hashed (the blob
 * digest) and copied to the blob file, decompressed, hashed again (the diff_id) and applied
 * by the LayerWriter — one pass, nothing verified here (the caller compares the digests before
 * it keeps anything).
 *
 * It runs on whichever thread calls it: layer-store.ts calls it in a worker thread for each big
 * layer of a pull (unpack-thread.ts), so the file syscalls of layers pulled at the same time run
 * side by side, and on the calling thread for the rest (and under the unit tests, which run the
 * TypeScript sources).
 */
import { writeSync } from 'node:fs';
import { PassThrough, Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { UserError } from '../errors';
import { digestOf, newHash } from './digest';
import { TarFormatError, TarParser } from './tar-format';
import { LayerWriter } from './layer-writer';
import { createZstdDecompress } from './zstd';

export type Compression = 'gzip' | 'zstd' | 'none';

export interface ApplyOptions {
  compression: Compression;
  fsDir: string;            // an empty directory: the layer's files go there
  blobFd: number | null;    // where the compressed bytes are copied (the content-store blob), or null
  label: string;            // "layer sha256:0123456789ab", for messages
}

export interface ApplyResult { blobDigest: string; diffId: string; contentBytes: number }

/**
 * What the user is told when a layer stream fails: our own refusals as they are, a tar or
 * (de)compression error as one line naming the layer, a failed system call likewise.
 */
export function unpackFailure(e: unknown, label: string, compression: Compression): unknown {
  if (e instanceof UserError) return e;
  if (e instanceof TarFormatError) return new UserError(`${label}: ${e.message}`);
  const code = (e as NodeJS.ErrnoException).code ?? '';
  // zlib's gzip errors carry Z_* codes; zstd's (node:zlib or libzstd) ZSTD_* codes.
  if (code.startsWith('Z_') || code.startsWith('ZSTD') || /unexpected end of file|incorrect header check|invalid/.test((e as Error).message)) {
    return new UserError(`${label}: corrupt or truncated ${compression} data (${(e as Error).message})`);
  }
  if ((e as NodeJS.ErrnoException).syscall) return new UserError(`${label}: ${(e as Error).message}`);
  return e;
}

/**
 * Apply `input` (the compressed blob) to `opts.fsDir`. `onConsumed(n)` is told each time n
 * compressed bytes have been taken in (the worker thread's flow control). Throws what
 * unpackFailure says; a file left open by a failure is closed.
 */
export async function applyLayer(input: Readable, opts: ApplyOptions, onConsumed?: (n: number) => void): Promise<ApplyResult> {
  const writer = new LayerWriter(opts.fsDir, opts.label);
  const parser = new TarParser(writer);
  const blobHash = newHash();
  const diffHash = newHash();
  const { blobFd } = opts;
  try {
    const compressedTap = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        blobHash.update(chunk);
        if (blobFd !== null) writeSync(blobFd, chunk);
        onConsumed?.(chunk.length);
        cb(null, chunk);
      },
    });
    const tarSink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        try {
          diffHash.update(chunk);
          parser.write(chunk);
          cb();
        } catch (e) {
          cb(e as Error);
        }
      },
      final(cb) {
        try {
          parser.end();
          cb();
        } catch (e) {
          cb(e as Error);
        }
      },
    });
    const decompress = opts.compression === 'gzip' ? createGunzip() : opts.compression === 'zstd' ? createZstdDecompress(opts.label) : new PassThrough();
    try {
      await pipeline(input, compressedTap, decompress, tarSink);
    } catch (e) {
      throw unpackFailure(e, opts.label, opts.compression);
    }
    writer.finish();
    return { blobDigest: digestOf(blobHash), diffId: digestOf(diffHash), contentBytes: writer.contentBytes };
  } finally {
    writer.abort();
  }
}
