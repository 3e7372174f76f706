/**
 * `system df`: what takes the space of the state root — images, containers' writable layers,
 * volumes — and how much of it a prune would give back. It only reads, so it answers on a
 * full disk (that is when it is needed).
 */
import { join } from 'node:path';
import { paths } from '../paths';
import { treeSize } from '../fsutil';
import { listImageRecords } from '../image/image-index';
import { readLayerInfo } from '../image/layer-info';
import { listVolumes, volumeData } from '../volume/store';
import { isRunning, listContainers, type ContainerRecord } from './container-store';
import { volumeUsers } from './volumes';
import { sweepStaleContainers } from './cleanup';

export interface UsageRow { type: string; total: number; active: number; size: number; reclaimable: number }

/**
 * One image as `system df -v` lists it (Docker's columns): its first tag, its size, how much of
 * that is layers other images have too (SHARED SIZE; the rest is UNIQUE SIZE: what removing it
 * alone would free), and how many containers use it.
 */
export interface ImageUsage { id: string; repoTag: string | null; created?: string; size: number; sharedSize: number; containers: number }

/** One container's writable layer, with what the other columns need (ps's words: `Created`, `Up 5 minutes`, `Exited (0) …`). */
export interface ContainerUsage {
  id: string; name: string; image: string; imageId: string; command: string[]; created: string;
  /** Its mounts of local volumes (named or anonymous): LOCAL VOLUMES. */
  localVolumes: number;
  size: number;
  status: ContainerRecord['state']['Status']; exitCode: number; startedAt: string; finishedAt: string;
}

/** One volume: its data's size and how many containers (running or not) mount it (LINKS). */
export interface VolumeUsage { name: string; links: number; size: number }

/** The writable layer of a container: what it wrote (its overlay upper directory). */
export function writableLayerSize(id: string): number {
  return treeSize(join(paths.container(id), 'upper'));
}

export function diskUsage(): { rows: UsageRow[]; images: ImageUsage[]; containers: ContainerUsage[]; volumes: VolumeUsage[] } {
  sweepStaleContainers();
  const containers = listContainers();
  const usersOfImage = new Map<string, number>();
  for (const c of containers) usersOfImage.set(c.imageId, (usersOfImage.get(c.imageId) ?? 0) + 1);
  const images = listImageRecords();
  // A layer is shared when more than one image has it; the layer store knows each one's size.
  const imagesOfLayer = new Map<string, number>();
  for (const img of images) for (const l of new Set(img.layers)) imagesOfLayer.set(l, (imagesOfLayer.get(l) ?? 0) + 1);
  const layerSize = (diffId: string): number => { try { return readLayerInfo(diffId).size; } catch { return 0; } };
  const imageRow: UsageRow = { type: 'Images', total: images.length, active: 0, size: 0, reclaimable: 0 };
  const perImage: ImageUsage[] = [];
  for (const img of images) {
    imageRow.size += img.size;
    const users = usersOfImage.get(img.id) ?? 0;
    if (users > 0) imageRow.active++;
    else imageRow.reclaimable += img.size;
    const sharedSize = [...new Set(img.layers)].filter((l) => (imagesOfLayer.get(l) ?? 0) > 1).reduce((n, l) => n + layerSize(l), 0);
    perImage.push({ id: img.id, repoTag: img.repoTags[0] ?? null, created: img.created, size: img.size, sharedSize, containers: users });
  }
  const perContainer = containers.map((c) => ({
    id: c.id, name: c.name, image: c.image, imageId: c.imageId, command: [c.path, ...c.args], created: c.created,
    localVolumes: c.mounts.filter((m) => m.Type === 'volume').length,
    size: writableLayerSize(c.id), status: c.state.Status, exitCode: c.state.ExitCode, startedAt: c.state.StartedAt, finishedAt: c.state.FinishedAt, running: isRunning(c),
  }));
  const containerRow: UsageRow = { type: 'Containers', total: containers.length, active: 0, size: 0, reclaimable: 0 };
  for (const c of perContainer) {
    containerRow.size += c.size;
    if (c.running) containerRow.active++;
    else containerRow.reclaimable += c.size;
  }
  const users = volumeUsers();
  const volumeRow: UsageRow = { type: 'Local Volumes', total: 0, active: 0, size: 0, reclaimable: 0 };
  const perVolume: VolumeUsage[] = [];
  for (const v of listVolumes()) {
    const size = treeSize(volumeData(v.Name));
    const links = users.get(v.Name)?.length ?? 0;
    perVolume.push({ name: v.Name, links, size });
    volumeRow.total++;
    volumeRow.size += size;
    if (links > 0) volumeRow.active++;
    else volumeRow.reclaimable += size;
  }
  const cacheRow: UsageRow = { type: 'Build Cache', total: 0, active: 0, size: 0, reclaimable: 0 };
  return {
    rows: [imageRow, containerRow, volumeRow, cacheRow],
    images: perImage,
    containers: perContainer.map(({ running: _r, ...c }) => c),
    volumes: perVolume,
  };
}
