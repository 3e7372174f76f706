/**
 * ContentStore: blobs (manifests, configs, compressed layers) stored by their sha256 digest
 * at ROOT/blobs/sha256/<hex>, as in an OCI image layout. A blob is written to ROOT/tmp,
 * hashed, and renamed under its digest only if the bytes match: there is never a half blob,
 * or a wrong one, under a digest name.
 */
import { closeSync, createReadStream, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { paths } from '../paths';
import { UserError } from '../errors';
import { digestHex, digestOf, newHash, sha256, shortDigest } from './digest';
import { lazy } from '../lazy';

// Where a blob is written (pull, load, build), not read.
const staging = lazy(() => require('./staging') as typeof import('./staging'));

export function blobPath(digest: string): string {
  return join(paths.blobs(), digestHex(digest));
}

export function hasBlob(digest: string): boolean {
  return existsSync(blobPath(digest));
}

export function readBlob(digest: string): Buffer {
  try {
    return readFileSync(blobPath(digest));
  } catch {
    throw new UserError(`blob ${shortDigest(digest)} is missing from the content store (${paths.blobs()})`);
  }
}

/** Store bytes we hold in memory; returns their digest. Throws if `expected` does not match. */
export function writeBlob(data: Buffer, expected?: string): string {
  const digest = sha256(data);
  if (expected && expected !== digest) throw new UserError(`blob digest mismatch: expected ${expected}, got ${digest}`);
  if (hasBlob(digest)) return digest;
  const tmp = staging().newStagingPath('blob');
  const fd = openSync(tmp, 'wx', 0o644);
  try {
    writeSync(fd, data);
    fsyncSync(fd);
  } catch (e) {
    rmSync(tmp, { force: true }); // (a full disk, say: no half-written file left in ROOT/tmp)
    throw e;
  } finally {
    closeSync(fd);
  }
  commitStagedBlob(tmp, digest);
  return digest;
}

/** Move a verified staged file (in ROOT/tmp) under its digest name. */
export function commitStagedBlob(stagedFile: string, digest: string): void {
  mkdirSync(paths.blobs(), { recursive: true });
  if (hasBlob(digest)) {
    rmSync(stagedFile, { force: true });
    return;
  }
  renameSync(stagedFile, blobPath(digest));
}

/** Copy a byte range of a file into the store, verifying `expected` if given. Returns the digest. */
export async function ingestRange(file: string, offset: number, size: number, expected?: string): Promise<string> {
  const tmp = staging().newStagingPath('blob');
  const hash = newHash();
  const fd = openSync(tmp, 'wx', 0o644);
  try {
    if (size > 0) {
      for await (const chunk of createReadStream(file, { start: offset, end: offset + size - 1 })) {
        hash.update(chunk as Buffer);
        writeSync(fd, chunk as Buffer);
      }
    }
    fsyncSync(fd);
    closeSync(fd);
    const digest = digestOf(hash);
    if (expected && digest !== expected) throw new UserError(`blob ${shortDigest(expected)}: digest mismatch (the content hashes to ${digest})`);
    commitStagedBlob(tmp, digest);
    return digest;
  } catch (e) {
    try { closeSync(fd); } catch { /* already closed */ }
    rmSync(tmp, { force: true });
    throw e;
  }
}

export function removeBlob(digest: string): void {
  rmSync(blobPath(digest), { force: true });
}
