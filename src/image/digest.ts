/** sha256 digests, the names of everything in the content store ("sha256:<64 hex>"). */
import type { Hash } from 'node:crypto';
import type { Transform } from 'node:stream';
import { UserError } from '../errors';
import { lazy } from '../lazy';

const crypto = lazy(() => require('node:crypto') as typeof import('node:crypto'));
const streamMod = lazy(() => require('node:stream') as typeof import('node:stream'));

// node:crypto (≈ 5 ms to load) only when something is hashed: listing images hashes nothing.
const createHash = (algorithm: string): Hash => crypto().createHash(algorithm);

export const SHA256_RE = /^sha256:([a-f0-9]{64})$/;

export function sha256(data: Buffer | string): string {
  return 'sha256:' + createHash('sha256').update(data).digest('hex');
}

export function newHash(): Hash {
  return createHash('sha256');
}

export function digestOf(hash: Hash): string {
  return 'sha256:' + hash.digest('hex');
}

/**
 * A pass-through stream for a pipeline that feeds every chunk to `hash` on its way, so a blob is
 * digested while it is copied (no second read): `pipeline(src, hashingTee(h), dest)`, then
 * `digestOf(h)`. node:stream is loaded here, at the first copy, not with this module.
 */
export function hashingTee(hash: Hash): Transform {
  const stream = streamMod();
  return new stream.Transform({ transform(chunk: Buffer, _encoding, done) { hash.update(chunk); done(null, chunk); } });
}

/** The hex part of a sha256 digest; throws for any other algorithm or a malformed digest. */
export function digestHex(digest: string): string {
  const m = SHA256_RE.exec(digest);
  if (!m) {
    if (/^[a-z0-9]+:/.test(digest) && !digest.startsWith('sha256:')) throw new UserError(`unsupported digest algorithm: ${digest}`);
    throw new UserError(`invalid digest: ${JSON.stringify(digest)}`);
  }
  return m[1];
}

/** "sha256:0123456789ab…" shortened for messages: "sha256:0123456789ab". */
export function shortDigest(digest: string): string {
  return digest.slice(0, 'sha256:'.length + 12);
}
