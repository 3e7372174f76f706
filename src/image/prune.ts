/**
 * `image prune`: remove dangling images (no tag left — typically the previous image of a tag
 * that a newer pull or load took), or with -a every image no container uses.
 */
import { existsSync, readdirSync } from 'node:fs';
import { withStateLock } from '../lock';
import { paths } from '../paths';
import { removeBlob } from './content-store';
import { removeLayer } from './layer-store';
import { listImageRecords, type StoredImage } from './image-index';
import { readLayerInfo } from './layer-store';
import { containersUsingImage, removeImage } from './remove';
import { cacheReferences, pruneCache } from './build-cache';

/** `wanted`: the images --filter lets go (every unused one when not given). */
export function pruneImages(all: boolean, wanted: (img: StoredImage) => boolean = () => true): { lines: string[]; reclaimed: number } {
  return withStateLock(() => {
    const lines: string[] = [];
    let reclaimed = 0;
    for (const img of listImageRecords()) {
      if (!all && img.repoTags.length) continue;
      if (containersUsingImage(img.id).length) continue;
      if (!wanted(img)) continue;
      const sizes = new Map(img.layers.map((d) => { try { return [d, readLayerInfo(d).size]; } catch { return [d, 0]; } }));
      for (const line of removeImage(img.id, true)) {
        const deleted = /^Deleted: (sha256:[0-9a-f]{64})$/.exec(line);
        if (deleted) reclaimed += sizes.get(deleted[1]) ?? 0;
        lines.push(line.replace(/^Untagged:/, 'untagged:').replace(/^Deleted:/, 'deleted:'));
      }
    }
    // Build-cache entries that lead to no remaining image (a failed build, a removed image) go
    // too; then what nothing refers to any more.
    pruneCache(new Set(listImageRecords().map((i) => i.id)));
    reclaimed += removeOrphans(lines);
    return { lines, reclaimed };
  });
}

/**
 * Layers and blobs no image refers to: what an interrupted pull kept for the next one (issue 21).
 * A pull running meanwhile may lose one it just finished; storing its image then says so.
 */
function removeOrphans(lines: string[]): number {
  const images = listImageRecords();
  const cached = cacheReferences();
  const layers = new Set([...images.flatMap((i) => i.layers), ...cached.layers].map((d) => d.replace(/^sha256:/, '')));
  const blobs = new Set([...images.flatMap((i) => [i.id, i.manifestDigest, ...i.layerBlobs, ...i.otherBlobs]), ...cached.blobs].map((d) => d.replace(/^sha256:/, '')));
  let freed = 0;
  for (const hex of list(paths.layers())) {
    if (!/^[0-9a-f]{64}$/.test(hex) || layers.has(hex)) continue;
    const d = `sha256:${hex}`;
    try { freed += readLayerInfo(d).size; } catch { /* no info: size unknown */ }
    removeLayer(d);
    lines.push(`deleted: ${d}`);
  }
  for (const hex of list(paths.blobs())) {
    if (!/^[0-9a-f]{64}$/.test(hex) || blobs.has(hex)) continue;
    removeBlob(`sha256:${hex}`);
  }
  return freed;
}

const list = (dir: string) => (existsSync(dir) ? readdirSync(dir) : []);
