/**
 * `rmi`: untag, and delete an image when no name is left — together with the layers and blobs
 * that no remaining image needs. Follows docker's rules:
 *   - `rmi name:tag` removes that tag; the image goes only with its last tag;
 *   - `rmi <id>` of an image with tags in several repositories needs -f;
 *   - an image used by a container is kept unless -f (then it is only untagged, so the
 *     container's layers stay in place).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { paths } from '../paths';
import { UserError } from '../errors';
import { withStateLock } from '../lock';
import { removeBlob } from './content-store';
import { removeLayer } from './layer-store';
import { deleteImageRecord, listImageRecords, StoredImage } from './image-index';
import { writeImageRecord } from './image-record-write';
import { familiarName, parseReference, formatReference, repositoryName } from './reference';
import { lookupImage } from './lookup';
import { cacheReferences, forgetChainOf } from './build-cache';

const ContainerRef = z.object({ id: z.string(), imageId: z.string(), state: z.object({ Status: z.string() }).partial().optional() }).passthrough();

/** Containers (of the engine's store) whose record names this image id. */
export function containersUsingImage(imageId: string): Array<{ id: string; running: boolean }> {
  const dir = paths.containers();
  if (!existsSync(dir)) return [];
  const out: Array<{ id: string; running: boolean }> = [];
  for (const name of readdirSync(dir)) {
    try {
      const r = ContainerRef.safeParse(JSON.parse(readFileSync(join(dir, name, 'container.json'), 'utf8')));
      if (r.success && r.data.imageId === imageId) out.push({ id: r.data.id, running: ['running', 'paused', 'restarting'].includes(r.data.state?.Status ?? '') });
    } catch { /* not a container dir, or being written */ }
  }
  return out;
}

const short = (id: string) => id.replace(/^sha256:/, '').slice(0, 12);

/** Remove one image reference; returns the lines docker prints ("Untagged: …", "Deleted: …"). */
export function removeImage(ref: string, force: boolean, o: { keepBuildCache?: boolean } = {}): string[] {
  return withStateLock(() => {
    const img = lookupImage(ref);
    if (!img) throw new UserError(`No such image: ${displayRef(ref)}`, 1);
    const lines: string[] = [];
    const users = containersUsingImage(img.id);
    let byTag: string | null = null;
    try {
      const r = parseReference(ref);
      const n = formatReference(r);
      if (r.tag && !r.digest && img.repoTags.includes(n)) byTag = n;
    } catch { /* an id */ }

    if (byTag !== null) {
      const remaining = img.repoTags.filter((t) => t !== byTag);
      if (remaining.length === 0 && users.length && !force) {
        throw new UserError(`conflict: unable to remove repository reference "${familiarName(byTag)}" (must force) - container ${short(users[0].id)} is using its referenced image ${short(img.id)}`, 1);
      }
      lines.push(`Untagged: ${familiarName(byTag)}`);
      if (remaining.length > 0 || users.length) {
        const repo = repositoryName(parseReference(byTag));
        const keepDigests = remaining.length ? img.repoDigests : img.repoDigests.filter((d) => !d.startsWith(repo + '@'));
        writeImageRecord({ ...img, repoTags: remaining, repoDigests: keepDigests });
        return lines;
      }
      for (const d of img.repoDigests) lines.push(`Untagged: ${familiarName(d)}`);
      return [...lines, ...deleteImage(img, !!o.keepBuildCache)];
    }

    const repos = new Set(img.repoTags.map((t) => repositoryName(parseReference(t))));
    if (repos.size > 1 && !force) {
      throw new UserError(`conflict: unable to delete ${short(img.id)} (must be forced) - image is referenced in multiple repositories`, 1);
    }
    if (users.length) {
      const running = users.find((u) => u.running);
      if (!force || running) {
        const u = running ?? users[0];
        throw new UserError(`conflict: unable to delete ${short(img.id)} (${running ? 'cannot be forced' : 'must be forced'}) - image is being used by ${u.running ? 'running' : 'stopped'} container ${short(u.id)}`, 1);
      }
      for (const t of [...img.repoTags, ...img.repoDigests]) lines.push(`Untagged: ${familiarName(t)}`);
      writeImageRecord({ ...img, repoTags: [], repoDigests: [] });
      return lines;
    }
    for (const t of [...img.repoTags, ...img.repoDigests]) lines.push(`Untagged: ${familiarName(t)}`);
    return [...lines, ...deleteImage(img, !!o.keepBuildCache)];
  });
}

/**
 * Delete the record, then every layer and blob of it that no remaining image (or build-cache
 * entry) uses. The build-cache chain that led to the image goes with it, as docker's rmi
 * deletes the untagged parents — except for the builder's own intermediate images
 * (keepBuildCache), whose steps are the cache.
 */
function deleteImage(img: StoredImage, keepBuildCache: boolean): string[] {
  deleteImageRecord(img.id);
  const others = listImageRecords();
  if (!keepBuildCache) forgetChainOf(img.id, new Set(others.map((o) => o.id)));
  const cached = cacheReferences();
  const neededLayers = new Set([...others.flatMap((o) => o.layers), ...cached.layers]);
  const neededBlobs = new Set([...others.flatMap((o) => [o.id, o.manifestDigest, ...o.layerBlobs, ...o.otherBlobs]), ...cached.blobs]);
  const lines = [`Deleted: ${img.id}`];
  for (const d of [...new Set([img.id, img.manifestDigest, ...img.layerBlobs, ...img.otherBlobs])]) if (!neededBlobs.has(d)) removeBlob(d);
  for (const d of [...new Set(img.layers)].reverse()) {
    if (neededLayers.has(d)) continue;
    removeLayer(d);
    lines.push(`Deleted: ${d}`);
  }
  return lines;
}

/** How docker names a missing image in errors: "foo:latest", or the id as typed. */
export function displayRef(ref: string): string {
  try {
    if (/^(sha256:)?[a-f0-9]{4,64}$/.test(ref)) return ref;
    return familiarName(formatReference(parseReference(ref)));
  } catch {
    return ref;
  }
}
