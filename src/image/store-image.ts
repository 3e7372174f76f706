/**
 * storeImage: the one way an image enters the store, whether it was loaded from an archive or
 * (later) pulled from a registry. Its layers must already be in the LayerStore; this writes
 * the manifest and config blobs and the image record, and moves tags from older images.
 */
import { UserError } from '../errors';
import { withStateLock } from '../lock';
import { isoTime } from '../utc-time';
import { sha256, shortDigest } from './digest';
import { writeBlob } from './content-store';
import { hasLayer, readLayerInfo } from './layer-store';
import { ImageConfigFile, parseJson } from './oci-types';
import { listImageRecords, readImageRecord, StoredImage } from './image-index';
import { writeImageRecord } from './image-record-write';

export interface StoreImageInput {
  manifest: Buffer;                                  // the manifest's exact bytes (its digest names it)
  config: Buffer;                                    // the image config's exact bytes (its digest is the image id)
  layers: Array<{ diffId: string; blobDigest: string }>; // bottom → top, already unpacked
  repoTags?: string[];                               // normalized "docker.io/library/alpine:latest"
  repoDigests?: string[];                            // normalized "docker.io/library/alpine@sha256:…"
}

export interface StoreImageResult {
  image: StoredImage;
  /** Tags taken from another image, which keeps its id but loses the name (docker's wording). */
  movedTags: Array<{ tag: string; fromId: string }>;
}

export function storeImage(input: StoreImageInput): StoreImageResult {
  const id = sha256(input.config);
  const config = parseJson(ImageConfigFile, input.config, `image config ${shortDigest(id)}`);
  const diffIds = input.layers.map((l) => l.diffId);
  if (config.rootfs.diff_ids.length !== diffIds.length || config.rootfs.diff_ids.some((d, i) => d !== diffIds[i])) {
    throw new UserError(`image ${shortDigest(id)}: its config lists ${config.rootfs.diff_ids.length} layer(s) that do not match the ${diffIds.length} layer(s) of its manifest`);
  }
  return withStateLock(() => {
    for (const d of diffIds) {
      if (!hasLayer(d)) throw new UserError(`layer ${shortDigest(d)} disappeared while the image was being stored (removed by a concurrent rmi?); try again`);
    }
    writeBlob(input.config, id);
    const manifestDigest = writeBlob(input.manifest);
    const now = isoTime();
    const tags = [...new Set(input.repoTags ?? [])];
    const movedTags: StoreImageResult['movedTags'] = [];
    for (const other of listImageRecords()) {
      if (other.id === id) continue;
      const keep = other.repoTags.filter((t) => !tags.includes(t));
      if (keep.length !== other.repoTags.length) {
        for (const t of other.repoTags) if (tags.includes(t)) movedTags.push({ tag: t, fromId: other.id });
        writeImageRecord({ ...other, repoTags: keep });
      }
    }
    const existing = readImageRecord(id);
    const layerBlobs = input.layers.map((l) => l.blobDigest);
    const current = new Set([manifestDigest, ...layerBlobs]);
    const otherBlobs = existing
      ? [...new Set([...existing.otherBlobs, existing.manifestDigest, ...existing.layerBlobs])].filter((d) => !current.has(d))
      : [];
    const size = diffIds.reduce((n, d) => n + readLayerInfo(d).size, 0);
    const image: StoredImage = {
      id,
      repoTags: [...new Set([...(existing?.repoTags ?? []), ...tags])],
      repoDigests: [...new Set([...(existing?.repoDigests ?? []), ...(input.repoDigests ?? [])])],
      layers: diffIds,
      layerBlobs,
      manifestDigest,
      otherBlobs,
      created: config.created ?? undefined,
      size,
      lastTagTime: tags.length ? now : existing?.lastTagTime,
    };
    writeImageRecord(image);
    return { image, movedTags };
  });
}
