/**
 * Image records: ROOT/images/<config hex>.json, one per image (the image id is the digest of
 * its config). A record names the image's tags and digests, its manifest, and its layers by
 * diff_id. Tags live in the records themselves: moving a tag rewrites both images under the
 * state lock; each file is written atomically.
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { paths } from '../paths';
import { writeFileAtomic } from '../fsutil';
import { digestHex } from './digest';

const Digest = z.string().regex(/^sha256:[a-f0-9]{64}$/);

export const StoredImage = z.object({
  id: Digest,
  repoTags: z.array(z.string()),
  repoDigests: z.array(z.string()),
  layers: z.array(Digest),            // diff_ids, bottom → top
  layerBlobs: z.array(Digest),        // the blobs (maybe compressed) those layers came from
  manifestDigest: Digest,
  /** Manifests and layer blobs of earlier loads of the same image (another archive format). */
  otherBlobs: z.array(Digest).default([]),
  created: z.string().optional(),
  size: z.number().int().nonnegative(),
  lastTagTime: z.string().optional(),
});
export type StoredImage = z.infer<typeof StoredImage>;

const recordPath = (id: string) => join(paths.images(), `${digestHex(id)}.json`);

export function readImageRecord(id: string): StoredImage | null {
  let raw: string;
  try {
    raw = readFileSync(recordPath(id), 'utf8');
  } catch {
    return null;
  }
  try {
    const r = StoredImage.safeParse(JSON.parse(raw));
    return r.success && r.data.id === id ? r.data : null;
  } catch {
    return null;
  }
}

/** All valid image records, newest first (a corrupt record is skipped, never fatal). */
export function listImageRecords(): StoredImage[] {
  let names: string[];
  try {
    names = readdirSync(paths.images());
  } catch {
    return [];
  }
  const out: StoredImage[] = [];
  for (const n of names) {
    const m = /^([a-f0-9]{64})\.json$/.exec(n);
    if (!m) continue;
    const rec = readImageRecord(`sha256:${m[1]}`);
    if (rec) out.push(rec);
  }
  return out.sort((a, b) => (b.created ?? '').localeCompare(a.created ?? '') || a.id.localeCompare(b.id));
}

export function writeImageRecord(rec: StoredImage): void {
  writeFileAtomic(recordPath(rec.id), JSON.stringify(StoredImage.parse(rec), null, 2) + '\n', 0o644, true);
}

export function deleteImageRecord(id: string): void {
  rmSync(recordPath(id), { force: true });
}
