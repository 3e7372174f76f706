/**
 * Blobs from a registry: GET /v2/<name>/blobs/<digest>.
 *
 * A blob is untrusted until its bytes hash to the digest the manifest names. So nothing is
 * ever written under a digest name while it arrives: layers stream into the layer unpacker
 * (which hashes the compressed bytes AND the uncompressed tar — the manifest's digest and the
 * config's diff_id — and keeps everything in ROOT/tmp until both match), other blobs go to a
 * staging file in ROOT/tmp and are renamed into the content store once verified.
 *
 * A dropped connection in the middle of a blob does not start it over: we ask again with
 * `Range: bytes=<received>-` and carry on (a registry that ignores Range answers 200 with the
 * whole blob, and we skip what we already have).
 */
import { closeSync, fsyncSync, openSync, rmSync, writeSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { UserError } from '../../errors';
import { digestOf, newHash, shortDigest } from '../digest';
import { commitStagedBlob, hasBlob } from '../content-store';
import { newStagingPath } from '../staging';
import type { Descriptor } from '../oci-types';
import type { RegistryClient } from './client';
import { backoffDelay, isRetryableError, MAX_ATTEMPTS, sleep } from './retry';
import { describeNetworkError, TransportError } from './transport';

export type ProgressFn = (received: number) => void;

function asTransportError(e: unknown, what: string): unknown {
  if (e instanceof UserError || e instanceof TransportError) return e;
  const err = e as NodeJS.ErrnoException;
  return new TransportError(`${what}: ${describeNetworkError(err)}`, err.code ?? 'ECONNRESET', '');
}

async function* blobChunks(client: RegistryClient, desc: Descriptor, what: string, onProgress?: ProgressFn): AsyncGenerator<Buffer> {
  let received = 0;
  for (let attempt = 1; ; attempt++) {
    let res: IncomingMessage | null = null;
    try {
      res = await client.request(client.path(`blobs/${desc.digest}`), {
        what,
        headers: received > 0 ? { Range: `bytes=${received}-` } : {},
      });
      let skip = 0;
      if (received > 0) {
        const range = /^bytes (\d+)-/.exec(String(res.headers['content-range'] ?? ''));
        // 206 from where we asked: carry on. Anything else: the whole blob again, skip our part.
        skip = res.statusCode === 206 && range ? received - Number(range[1]) : received;
        if (skip < 0) throw new UserError(`${what}: the registry resumed at the wrong offset`, 1);
      }
      for await (const chunk of res) {
        let c = chunk as Buffer;
        if (skip) {
          if (c.length <= skip) { skip -= c.length; continue; }
          c = c.subarray(skip);
          skip = 0;
        }
        received += c.length;
        if (received > desc.size) throw new UserError(`${what}: the registry sent more than the ${desc.size} bytes the manifest announces`, 1);
        onProgress?.(received);
        yield c;
      }
      if (received < desc.size) {
        throw new TransportError(`${what}: the connection closed after ${received} of ${desc.size} bytes`, 'ECONNRESET', '');
      }
      return;
    } catch (e) {
      const err = asTransportError(e, what);
      if (attempt < MAX_ATTEMPTS && isRetryableError(err)) {
        await sleep(backoffDelay(attempt));
        continue;
      }
      if (err instanceof TransportError) throw new UserError(err.message, 1);
      throw err;
    } finally {
      if (res && !res.complete) res.destroy();
    }
  }
}

/** The blob's bytes as one stream that resumes across dropped connections (not yet verified!). */
export function blobStream(client: RegistryClient, desc: Descriptor, what: string, onProgress?: ProgressFn): Readable {
  return Readable.from(blobChunks(client, desc, what, onProgress), { objectMode: false, highWaterMark: 1 << 20 });
}

/** A small blob (an image config) in memory, verified. */
export async function fetchBlobBytes(client: RegistryClient, desc: Descriptor, what: string, limit: number): Promise<Buffer> {
  if (desc.size > limit) throw new UserError(`${what}: oversized (${desc.size} bytes; the limit is ${limit})`, 1);
  const chunks: Buffer[] = [];
  const hash = newHash();
  for await (const c of blobChunks(client, desc, what)) {
    hash.update(c);
    chunks.push(c);
  }
  const digest = digestOf(hash);
  if (digest !== desc.digest) throw new UserError(`${what}: digest mismatch: the content hashes to ${digest}, not ${desc.digest}`, 1);
  return Buffer.concat(chunks);
}

/** Download a blob into the content store (staged in ROOT/tmp, renamed only once verified). */
export async function fetchBlobToStore(client: RegistryClient, desc: Descriptor, what: string, onProgress?: ProgressFn): Promise<void> {
  if (hasBlob(desc.digest)) return;
  const tmp = newStagingPath('blob');
  const fd = openSync(tmp, 'wx', 0o644);
  let open = true;
  try {
    const hash = newHash();
    for await (const c of blobChunks(client, desc, what, onProgress)) {
      hash.update(c);
      writeSync(fd, c);
    }
    fsyncSync(fd);
    closeSync(fd);
    open = false;
    const digest = digestOf(hash);
    if (digest !== desc.digest) throw new UserError(`${what}: digest mismatch: the content hashes to ${digest}, not ${desc.digest}`, 1);
    commitStagedBlob(tmp, desc.digest);
  } finally {
    if (open) closeSync(fd);
    rmSync(tmp, { force: true });
  }
}

