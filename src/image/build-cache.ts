/**
 * The build cache, as Docker's classic builder keeps it: every step of a build leaves behind
 * what it made — the image config after the step and its layers — filed under a key made of
 * the image before the step (its id) and the step itself (the instruction text; for COPY/ADD
 * also a hash of the files' content). The next build with the same parent and the same step
 * reuses the result (`---> Using cache`) instead of running it.
 *
 *   ROOT/build-cache/<key hex>.json   { key, parent, result, config, layers, created }
 *
 * `parent` and `result` are image ids (the sha256 of a config), so entries form chains from a
 * base image to the images built on it — the "intermediate images" of the classic builder:
 *   - an entry keeps its layers and layer blobs alive (rmi and prune count it as a user);
 *   - `rmi` of an image removes the chain of entries that led to it, as docker's rmi deletes the
 *     untagged parent images, stopping where another chain branches off or an image remains;
 *   - `image prune` removes every entry that leads to no remaining image (a failed build's
 *     steps, the steps of an image that was removed).
 * Entries are written atomically (temp + rename), read with zod, and checked before use: an
 * entry whose layers or blobs are gone is a miss, and is deleted.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { paths } from '../paths';
import { writeFileAtomic } from '../fsutil';
import { PRIVATE_DIR_MODE } from '../state-root';
import { hasBlob } from './content-store';
import { digestHex, sha256 } from './digest';
import { hasLayer } from './layer-info';

const Digest = z.string().regex(/^sha256:[a-f0-9]{64}$/);

export const CachedLayer = z.object({ diffId: Digest, blobDigest: Digest, size: z.number().int().nonnegative(), mediaType: z.string() });
export type CachedLayer = z.infer<typeof CachedLayer>;

export const CacheEntry = z.object({
  key: z.string().regex(/^[a-f0-9]{64}$/),
  /** the image id before the step */
  parent: Digest,
  /** the image id after it: sha256 of `config` */
  result: Digest,
  /** the image config after the step, exactly as it was written (its digest is `result`) */
  config: z.string(),
  layers: z.array(CachedLayer),
  created: z.string(),
});
export type CacheEntry = z.infer<typeof CacheEntry>;

const dir = () => join(paths.root(), 'build-cache');
const entryPath = (key: string) => join(dir(), `${key}.json`);

/** The key of a step: the image it starts from and a description of the step (instruction, file hashes). */
export function cacheKey(parent: string, step: unknown): string {
  return digestHex(sha256(Buffer.from(JSON.stringify([parent, step]))));
}

function readEntry(path: string, key?: string): CacheEntry | null {
  try {
    const r = CacheEntry.safeParse(JSON.parse(readFileSync(path, 'utf8')));
    if (!r.success || (key && r.data.key !== key) || sha256(Buffer.from(r.data.config)) !== r.data.result) return null;
    return r.data;
  } catch {
    return null;
  }
}

/** A usable entry for this key, or null (a broken one, or one whose layers are gone, is removed). */
export function lookupCache(key: string): CacheEntry | null {
  const p = entryPath(key);
  if (!existsSync(p)) return null;
  const e = readEntry(p, key);
  if (!e || !e.layers.every((l) => hasLayer(l.diffId) && hasBlob(l.blobDigest))) {
    rmSync(p, { force: true });
    return null;
  }
  return e;
}

export function storeCache(entry: CacheEntry): void {
  mkdirSync(dir(), { recursive: true, mode: PRIVATE_DIR_MODE });
  writeFileAtomic(entryPath(entry.key), JSON.stringify(CacheEntry.parse(entry)) + '\n', 0o600);
}

/** Every valid entry (broken files are skipped; prune removes them). */
export function listCache(): CacheEntry[] {
  let names: string[];
  try { names = readdirSync(dir()); } catch { return []; }
  const out: CacheEntry[] = [];
  for (const n of names) {
    if (!/^[a-f0-9]{64}\.json$/.test(n)) continue;
    const e = readEntry(join(dir(), n), n.slice(0, 64));
    if (e) out.push(e);
  }
  return out;
}

/** Layers and blobs the cache keeps alive (added to what images need, before anything is deleted). */
export function cacheReferences(entries = listCache()): { layers: Set<string>; blobs: Set<string> } {
  const layers = new Set<string>();
  const blobs = new Set<string>();
  for (const e of entries) for (const l of e.layers) { layers.add(l.diffId); blobs.add(l.blobDigest); }
  return { layers, blobs };
}

function removeEntries(keys: Iterable<string>): number {
  let n = 0;
  for (const k of keys) { rmSync(entryPath(k), { force: true }); n++; }
  return n;
}

/**
 * `rmi` deleted image `id`: remove the entries that led to it, walking up through parents that
 * are no image themselves and that no other entry builds on (docker deletes untagged parents
 * the same way). Caller holds the state lock.
 */
export function forgetChainOf(id: string, imageIds: Set<string>): void {
  const entries = listCache();
  const gone = new Set<string>();
  let ids = [id];
  while (ids.length) {
    const next: string[] = [];
    for (const cur of ids) {
      for (const e of entries) {
        if (e.result !== cur || gone.has(e.key)) continue;
        gone.add(e.key);
        const p = e.parent;
        const children = entries.filter((c) => c.parent === p && !gone.has(c.key));
        if (!imageIds.has(p) && children.length === 0) next.push(p);
      }
    }
    ids = next;
  }
  removeEntries(gone);
}

/**
 * `image prune`: keep only the entries on a chain that leads to an image still in the store;
 * broken entry files go too. Returns how many entries were removed. Caller holds the state lock.
 */
export function pruneCache(imageIds: Set<string>): number {
  const entries = listCache();
  const keep = new Set<string>();
  let wanted = new Set(imageIds);
  for (;;) {
    const parents = new Set<string>();
    for (const e of entries) if (!keep.has(e.key) && wanted.has(e.result)) { keep.add(e.key); parents.add(e.parent); }
    if (parents.size === 0) break;
    wanted = parents;
  }
  let names: string[] = [];
  try { names = readdirSync(dir()); } catch { return 0; }
  // (temp files of a write in progress are not touched: only whole entries, valid or broken)
  const drop = names.filter((n) => /^[a-f0-9]{64}\.json$/.test(n) && !keep.has(n.slice(0, 64))).map((n) => n.slice(0, 64));
  return removeEntries(drop);
}

/** `builder prune` / `image prune -a`: drop every entry. */
export function clearCache(): number {
  return removeEntries(listCache().map((e) => e.key));
}
