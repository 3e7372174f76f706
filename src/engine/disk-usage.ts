/**
 * `system df`: what takes the space of the state root — images, containers' writable layers,
 * volumes — and how much of it a prune would give back. It only reads, so it answers on a
 * full disk (that is when it is needed).
 */
import { join } from 'node:path';
import { paths } from '../paths';
import { treeSize } from '../fsutil';
import { listImageRecords } from '../image/image-index';
import { listVolumes, volumeData } from '../volume/store';
import { isRunning, listContainers, type ContainerRecord } from './container-store';
import { volumeUsers } from './volumes';
import { sweepStaleContainers } from './cleanup';

export interface UsageRow { type: string; total: number; active: number; size: number; reclaimable: number }

/** One container's writable layer, with what the STATUS column needs (ps's words: `Created`, `Up 5 minutes`, `Exited (0) …`). */
export interface ContainerUsage {
  id: string; name: string; image: string; size: number;
  status: ContainerRecord['state']['Status']; exitCode: number; startedAt: string; finishedAt: string;
}

/** The writable layer of a container: what it wrote (its overlay upper directory). */
export function writableLayerSize(id: string): number {
  return treeSize(join(paths.container(id), 'upper'));
}

export function diskUsage(): { rows: UsageRow[]; containers: ContainerUsage[] } {
  sweepStaleContainers();
  const containers = listContainers();
  const usedImages = new Set(containers.map((c) => c.imageId));
  const images = listImageRecords();
  const imageRow: UsageRow = { type: 'Images', total: images.length, active: 0, size: 0, reclaimable: 0 };
  for (const img of images) {
    imageRow.size += img.size;
    if (usedImages.has(img.id)) imageRow.active++;
    else imageRow.reclaimable += img.size;
  }
  const perContainer = containers.map((c) => ({ id: c.id, name: c.name, image: c.image, size: writableLayerSize(c.id), status: c.state.Status, exitCode: c.state.ExitCode, startedAt: c.state.StartedAt, finishedAt: c.state.FinishedAt, running: isRunning(c) }));
  const containerRow: UsageRow = { type: 'Containers', total: containers.length, active: 0, size: 0, reclaimable: 0 };
  for (const c of perContainer) {
    containerRow.size += c.size;
    if (c.running) containerRow.active++;
    else containerRow.reclaimable += c.size;
  }
  const users = volumeUsers();
  const volumeRow: UsageRow = { type: 'Local Volumes', total: 0, active: 0, size: 0, reclaimable: 0 };
  for (const v of listVolumes()) {
    const size = treeSize(volumeData(v.Name));
    volumeRow.total++;
    volumeRow.size += size;
    if (users.has(v.Name)) volumeRow.active++;
    else volumeRow.reclaimable += size;
  }
  const cacheRow: UsageRow = { type: 'Build Cache', total: 0, active: 0, size: 0, reclaimable: 0 };
  return {
    rows: [imageRow, containerRow, volumeRow, cacheRow],
    containers: perContainer.map(({ running: _r, ...c }) => c),
  };
}
