/**
 * `image prune`: remove dangling images (no tag left — typically the previous image of a tag
 * that a newer pull or load took), or with -a every image no container uses.
 */
import { withStateLock } from '../lock';
import { listImageRecords } from './image-index';
import { readLayerInfo } from './layer-store';
import { containersUsingImage, removeImage } from './remove';

export function pruneImages(all: boolean): { lines: string[]; reclaimed: number } {
  return withStateLock(() => {
    const lines: string[] = [];
    let reclaimed = 0;
    for (const img of listImageRecords()) {
      if (!all && img.repoTags.length) continue;
      if (containersUsingImage(img.id).length) continue;
      const sizes = new Map(img.layers.map((d) => { try { return [d, readLayerInfo(d).size]; } catch { return [d, 0]; } }));
      for (const line of removeImage(img.id, true)) {
        const deleted = /^Deleted: (sha256:[0-9a-f]{64})$/.exec(line);
        if (deleted) reclaimed += sizes.get(deleted[1]) ?? 0;
        lines.push(line.replace(/^Untagged:/, 'untagged:').replace(/^Deleted:/, 'deleted:'));
      }
    }
    return { lines, reclaimed };
  });
}
