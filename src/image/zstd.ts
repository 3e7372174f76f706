/**
 * zstd-compressed layers (OCI media type application/vnd.oci.image.layer.v1.tar+zstd; magic
 * bytes 28 b5 2f fd). node:zlib decodes zstd from Node 22.15 / 23.8 on (zlib.createZstdDecompress);
 * on an older Node, a pull of such an image fails at once with one line saying what is needed,
 * before anything is downloaded.
 */
import zlib from 'node:zlib';
import type { Transform } from 'node:stream';
import { UserError } from '../errors';

export const ZSTD_LAYER_MEDIA_TYPE = 'application/vnd.oci.image.layer.v1.tar+zstd';

type ZstdZlib = { createZstdDecompress?: () => Transform };

export function hasZstd(): boolean {
  return typeof (zlib as unknown as ZstdZlib).createZstdDecompress === 'function';
}

/** A zstd decompressor stream; throws the one-line error when this Node has none. */
export function createZstdDecompress(label: string, mediaType = ZSTD_LAYER_MEDIA_TYPE): Transform {
  const make = (zlib as unknown as ZstdZlib).createZstdDecompress;
  if (!make) throw zstdUnsupported(label, mediaType);
  return make();
}

export function zstdUnsupported(label: string, mediaType: string): UserError {
  return new UserError(`${label}: ${mediaType} layers need Node 22.15 or later (node:zlib has zstd from then on); this is Node ${process.version}`, 1);
}
