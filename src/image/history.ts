/**
 * `history`: the image config's `history` entries, newest first, each with the size of the
 * layer it made (entries marked empty_layer made none — ENV, CMD…).
 */
import { imageConfigFile } from './store';
import { readLayerInfo } from './layer-store';
import type { StoredImage } from './image-index';

export interface HistoryRow { id: string; created?: string; createdBy: string; size: number; comment: string }

export function imageHistory(img: StoredImage): HistoryRow[] {
  const cfg = imageConfigFile(img);
  const entries = (cfg.history ?? []) as Array<{ created?: string; created_by?: string; empty_layer?: boolean; comment?: string }>;
  const rows: HistoryRow[] = [];
  let layer = 0;
  for (const h of entries) {
    let size = 0;
    if (!h.empty_layer && layer < img.layers.length) {
      try { size = readLayerInfo(img.layers[layer]).size; } catch { size = 0; }
      layer++;
    }
    rows.push({ id: '<missing>', created: h.created, createdBy: h.created_by ?? '', size, comment: h.comment ?? '' });
  }
  // Layers the history does not mention (images built without history): one row each.
  for (; layer < img.layers.length; layer++) {
    let size = 0;
    try { size = readLayerInfo(img.layers[layer]).size; } catch { /* missing */ }
    rows.push({ id: '<missing>', created: cfg.created ?? undefined, createdBy: '', size, comment: '' });
  }
  rows.reverse();
  if (rows.length) rows[0].id = img.id;
  else rows.push({ id: img.id, created: cfg.created ?? undefined, createdBy: '', size: 0, comment: '' });
  return rows;
}
