/**
 * zstd-compressed layers (OCI media type application/vnd.oci.image.layer.v1.tar+zstd; magic
 * bytes 28 b5 2f fd). Two decoders, the first that is there wins:
 *   1. node:zlib's, from Node 22.15 / 23.8 on (zlib.createZstdDecompress);
 *   2. libzstd.so.1 through koffi (src/sys/libzstd.ts), on an older Node such as 20.
 * With neither, a pull of such an image fails at once with one line saying what is needed,
 * before anything is downloaded.
 */
import zlib from 'node:zlib';
import { Duplex, type Transform } from 'node:stream';
import { UserError } from '../errors';
import { libzstdAvailable, ZstdDecompressStream } from '../sys/libzstd';

export const ZSTD_LAYER_MEDIA_TYPE = 'application/vnd.oci.image.layer.v1.tar+zstd';

type ZstdZlib = { createZstdDecompress?: () => Transform };

export type ZstdDecoder = 'node:zlib' | 'libzstd';

/** Which decoder this process would use, or null when it has none. */
export function zstdDecoder(): ZstdDecoder | null {
  if (typeof (zlib as unknown as ZstdZlib).createZstdDecompress === 'function') return 'node:zlib';
  return libzstdAvailable() ? 'libzstd' : null;
}

export function hasZstd(): boolean {
  return zstdDecoder() !== null;
}

/** A zstd decompressor stream; throws the one-line error when there is no decoder. */
export function createZstdDecompress(label: string, mediaType = ZSTD_LAYER_MEDIA_TYPE): Duplex {
  const decoder = zstdDecoder();
  if (decoder === 'node:zlib') return (zlib as unknown as Required<ZstdZlib>).createZstdDecompress();
  if (decoder === 'libzstd') return libzstdDecompress();
  throw zstdUnsupported(label, mediaType);
}

/**
 * libzstd as a stream stage. An async generator gives back-pressure for free: it stops at each
 * `yield` until the tar reader downstream wants more, so one compressed chunk that expands to
 * gigabytes is handed on one output buffer (~128 KiB) at a time.
 */
function libzstdDecompress(): Duplex {
  return Duplex.from(async function* (source: AsyncIterable<Buffer>) {
    const stream = new ZstdDecompressStream();
    try {
      for await (const chunk of source) yield* stream.decompress(chunk);
      stream.end();
    } finally {
      stream.free();
    }
  });
}

export function zstdUnsupported(label: string, mediaType: string): UserError {
  return new UserError(`${label}: ${mediaType} layers need libzstd.so.1 (Debian/Ubuntu: apt-get install libzstd1) or Node 22.15 or later (node:zlib has zstd from then on); this is Node ${process.version} and libzstd.so.1 did not load`, 1);
}
