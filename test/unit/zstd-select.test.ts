/**
 * Which zstd decoder a pull uses (src/image/zstd.ts): node:zlib's wherever this Node has it
 * (22.15 / 23.8 on), libzstd.so.1 through koffi otherwise, and with neither one line naming
 * both ways out. Node 20 here has no zstd in node:zlib, so its presence is stood in for; the real
 * node:zlib decoder was run under Node 24 by hand (docs/install.md).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import zlib from 'node:zlib';
import { PassThrough } from 'node:stream';

const lib = vi.hoisted(() => ({ available: true }));
vi.mock('../../src/sys/libzstd', () => ({
  libzstdAvailable: () => lib.available,
  ZstdDecompressStream: class {},
}));

import { createZstdDecompress, hasZstd, zstdDecoder, ZSTD_LAYER_MEDIA_TYPE } from '../../src/image/zstd';

type Z = { createZstdDecompress?: () => PassThrough };
const z = zlib as unknown as Z;
const had = Object.prototype.hasOwnProperty.call(z, 'createZstdDecompress');
const original = z.createZstdDecompress;

afterEach(() => {
  if (had) z.createZstdDecompress = original;
  else delete z.createZstdDecompress;
  lib.available = true;
});

describe('zstd decoder selection', () => {
  it("node:zlib's decoder when this Node has one, even where libzstd loads", () => {
    const made = new PassThrough();
    z.createZstdDecompress = () => made;
    expect(zstdDecoder()).toBe('node:zlib');
    expect(createZstdDecompress('layer sha256:ab')).toBe(made);
  });

  it('libzstd.so.1 when node:zlib has no zstd (Node 20)', () => {
    delete z.createZstdDecompress;
    expect(zstdDecoder()).toBe('libzstd');
    expect(hasZstd()).toBe(true);
    expect(createZstdDecompress('layer sha256:ab')).not.toBeInstanceOf(PassThrough);
  });

  it('neither: one line naming the media type and both ways out', () => {
    delete z.createZstdDecompress;
    lib.available = false;
    expect(zstdDecoder()).toBeNull();
    expect(hasZstd()).toBe(false);
    expect(() => createZstdDecompress('layer sha256:ab')).toThrow(new RegExp(`^layer sha256:ab: ${ZSTD_LAYER_MEDIA_TYPE.replace(/[.+]/g, '\\$&')} layers need libzstd\\.so\\.1 \\(Debian/Ubuntu: apt-get install libzstd1\\) or Node 22\\.15 or later .*this is Node ${process.version.replace(/\./g, '\\.')} and libzstd\\.so\\.1 did not load$`));
  });
});
