/**
 * Image records: ROOT/images/<config hex>.json, one per image (the image id is the digest of
 * its config). A record names the image's tags and digests, its manifest, and its layers by
 * diff_id. Tags live in the records themselves: moving a tag rewrites both images under the
 * state lock; each file is written atomically.
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { StoredImage } from './image-record-schema';
import { checkStoredImage } from './image-record-check';
import { paths } from '../paths';
import { digestHex } from './digest';

export type { StoredImage } from './image-record-schema';

export const recordPath = (id: string) => join(paths.images(), `${digestHex(id)}.json`);

export function readImageRecord(id: string): StoredImage | null {
  let raw: string;
  try {
    raw = readFileSync(recordPath(id), 'utf8');
  } catch {
    return null;
  }
  try {
    const r = checkStoredImage(JSON.parse(raw)) as StoredImage | undefined;
    return r !== undefined && r.id === id ? r : null;
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


export function deleteImageRecord(id: string): void {
  rmSync(recordPath(id), { force: true });
}
