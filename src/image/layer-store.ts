/**
 * LayerStore: unpacked layers, each ONCE, keyed by diff_id (the sha256 of the uncompressed
 * tar), shared by every image that lists it:
 *
 *   ROOT/layers/<hex>/fs            the layer's files (an overlayfs lower dir)
 *   ROOT/layers/<hex>/layer.json    { diffId, short, size }
 *   ROOT/layers/l/<short> → ../<hex>/fs
 *
 * Why the short links: overlayfs takes its lower dirs in one mount option string, and mount(2)
 * copies options into a single page (4096 bytes). 100 layers × ~80-byte absolute paths would
 * not fit; 100 × "ABCDEFGHIJ:" does, when the runtime chdir()s into ROOT/layers/l first and
 * passes relative names (the same trick as docker's overlay2 driver).
 *
 * Unpacking reads the blob once: the compressed bytes are hashed (blob digest) and
 * decompressed, the tar is hashed (diff_id) and applied, in one streaming pass, into
 * ROOT/tmp/<staging> — for a big layer being pulled, on a worker thread of its own
 * (unpack-thread.ts), so layers pulled at the same time are written side by side. Only when both digests match is the staging dir
 * renamed into place, under the state lock, on the main thread.
 */
import { chmodSync, closeSync, createReadStream, existsSync, fsyncSync, mkdirSync, openSync, readSync, renameSync, symlinkSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from '../sys/random';
import { PassThrough, Readable } from 'node:stream';
import { hasZstd, ZSTD_LAYER_MEDIA_TYPE, zstdUnsupported } from './zstd';
import { paths } from '../paths';
import { UserError } from '../errors';
import { withStateLock } from '../lock';
import { writeFileAtomic } from '../fsutil';
import { traceNote } from '../sys/trace';
import { digestHex, shortDigest } from './digest';
import { commitStagedBlob } from './content-store';
import { makeStagingDir, newStagingPath, removeStaging } from './staging';
import { applyLayer, type Compression } from './layer-apply';
import { applyLayerThreaded } from './unpack-thread';

export { layerDir, layerFsDir, hasLayer, readLayerInfo, shortLink, layerInfoPath } from './layer-info';
export { LayerInfoSchema } from './layer-info-schema';
export type { LayerInfo } from './layer-info';
import { layerDir, layerFsDir, hasLayer, readLayerInfo, layerInfoPath, type LayerInfo } from './layer-info';
import { LayerInfoSchema } from './layer-info-schema';

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
function newShortId(): string {
  return [...randomBytes(10)].map((b) => BASE32[b & 31]).join('');
}


export type { Compression } from './layer-apply';

/** Which compression a blob uses, from its first bytes (media types are not trusted for this). */
export function detectCompression(head: Buffer, label: string): Compression {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 4 && head.readUInt32LE(0) === 0xfd2fb528) {
    if (!hasZstd()) throw zstdUnsupported(label, ZSTD_LAYER_MEDIA_TYPE);
    return 'zstd';
  }
  return 'none';
}

export interface BlobSource { file: string; offset: number; size: number }
/** A blob arriving as a stream (a registry download): unpacked while it arrives. */
export interface StreamSource { stream: Readable; size: number }

export interface UnpackRequest {
  source: BlobSource | StreamSource;
  diffId: string;            // what the image config says (verified)
  blobDigest?: string;       // what the manifest says (verified); unknown for docker-save layers
  keepBlob?: boolean;        // also put the compressed blob in the content store
}

export interface UnpackResult { diffId: string; blobDigest: string; compression: Compression; size: number; reused: boolean }

function readHead(src: BlobSource, n: number): Buffer {
  const fd = openSync(src.file, 'r');
  try {
    const buf = Buffer.alloc(Math.min(n, src.size));
    const got = buf.length ? readSync(fd, buf, 0, buf.length, src.offset) : 0;
    return buf.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

/** Read the first chunk of a stream (to sniff the compression), and give back the whole stream. */
async function peekStream(stream: Readable): Promise<{ head: Buffer; rest: Readable }> {
  const it = stream[Symbol.asyncIterator]();
  const first = await it.next();
  const head = first.done ? Buffer.alloc(0) : (first.value as Buffer);
  const rest = Readable.from((async function* () {
    if (head.length) yield head;
    if (first.done) return;
    try {
      for (let r = await it.next(); !r.done; r = await it.next()) yield r.value as Buffer;
    } finally {
      await it.return?.();
    }
  })(), { objectMode: false });
  return { head, rest };
}

/**
 * A thread pays off for the layers a pull downloads side by side (three at once) when they are
 * big enough to cover its start (~60 ms of CPU): a load or a commit applies its layers one by
 * one, and 100 small layers on 100 threads took 10× longer than on this one.
 */
const THREAD_MIN_BYTES = 1 << 20;
function onItsOwnThread(req: UnpackRequest): boolean {
  return 'stream' in req.source && req.source.size >= THREAD_MIN_BYTES;
}

/**
 * Unpack one layer blob into the store (or reuse the one already there). Verifies the blob
 * digest (compressed bytes) and the diff_id (uncompressed tar) in the same pass; on any
 * failure nothing is left in ROOT/layers, ROOT/blobs or ROOT/tmp.
 */
export async function unpackLayer(req: UnpackRequest): Promise<UnpackResult> {
  const label = `layer ${shortDigest(req.blobDigest ?? req.diffId)}`;
  digestHex(req.diffId);
  let streamed: Readable | null = null;
  let compression: Compression;
  if ('stream' in req.source) {
    const { head, rest } = await peekStream(req.source.stream);
    streamed = rest;
    try {
      compression = detectCompression(head, label);
    } catch (e) {
      rest.destroy();
      throw e;
    }
  } else {
    compression = detectCompression(readHead(req.source, 4), label);
  }
  const staging = makeStagingDir('layer');
  const fsDir = join(staging, 'fs');
  const blobFile = join(staging, 'blob');
  let blobFd: number | null = null;
  try {
    mkdirSync(fsDir, 0o755);
    chmodSync(fsDir, 0o755);
    chmodSync(staging, 0o711);
    if (req.keepBlob) blobFd = openSync(blobFile, 'wx', 0o644);
    traceNote(`unpack ${label} (${compression === 'none' ? 'plain tar' : compression}, ${req.source.size} bytes) into ${fsDir}`);

    const src = req.source;
    let input: Readable;
    if (streamed) input = streamed;
    else if ('stream' in src) input = src.stream;
    else if (src.size > 0) input = createReadStream(src.file, { start: src.offset, end: src.offset + src.size - 1 });
    else { const p = new PassThrough(); p.end(); input = p; }
    const opts = { compression, fsDir, blobFd, label };
    const applied = onItsOwnThread(req) ? await applyLayerThreaded(input, opts) : await applyLayer(input, opts);

    const { blobDigest, diffId, contentBytes } = applied;
    if (req.blobDigest && blobDigest !== req.blobDigest) {
      throw new UserError(`${label}: digest mismatch: the blob's content hashes to ${blobDigest}, not ${req.blobDigest}`);
    }
    if (diffId !== req.diffId) {
      throw new UserError(`${label}: diff_id mismatch: the uncompressed layer hashes to ${diffId}, but the image config says ${req.diffId}`);
    }
    if (blobFd !== null) {
      fsyncSync(blobFd);
      closeSync(blobFd);
      blobFd = null;
    }

    // Commit: under the lock, so two loads of the same layer keep exactly one.
    return withStateLock(() => {
      const reused = hasLayer(diffId);
      if (req.keepBlob) commitStagedBlob(blobFile, blobDigest);
      if (!reused) {
        mkdirSync(paths.layerLinks(), { recursive: true });
        let short = newShortId();
        while (existsSync(join(paths.layerLinks(), short))) short = newShortId();
        const info: LayerInfo = { diffId, short, size: contentBytes };
        writeFileAtomic(join(staging, 'layer.json'), JSON.stringify(info) + '\n');
        // The short link first (dangling for a moment), then the rename that makes the layer
        // exist: a process killed between the two leaves a harmless dangling link, never a
        // layer that overlay cannot find by its short name.
        symlinkSync(`../${digestHex(diffId)}/fs`, join(paths.layerLinks(), short));
        try {
          renameSync(staging, layerDir(diffId));
        } catch (e) {
          try { unlinkSync(join(paths.layerLinks(), short)); } catch { /* gone */ }
          throw e;
        }
      }
      return { diffId, blobDigest, compression, size: reused ? readLayerInfo(diffId).size : contentBytes, reused };
    });
  } finally {
    if (blobFd !== null) closeSync(blobFd);
    if (existsSync(staging)) removeStaging(staging);
  }
}

/** Delete a layer (caller holds the lock and knows no image needs it). */
export function removeLayer(diffId: string): void {
  let short: string | null = null;
  try { short = readLayerInfo(diffId).short; } catch { /* already half gone */ }
  if (short) try { unlinkSync(join(paths.layerLinks(), short)); } catch { /* missing */ }
  if (!existsSync(layerDir(diffId))) return;
  // Rename away first so the layer disappears atomically, then delete at leisure.
  const trash = newStagingPath('trash');
  renameSync(layerDir(diffId), trash);
  removeStaging(trash);
}
