/**
 * Finding an image the way docker does: by name[:tag] (full or familiar), by name@digest, by
 * full id (sha256:<hex> or <hex>), or by a unique id prefix.
 */
import { UserError } from '../errors';
import { listImageRecords, readImageRecord, StoredImage } from './image-index';
import { formatReference, parseReference, Reference, repositoryName } from './reference';

const MIN_ID_PREFIX = 4;

export function lookupImage(ref: string): StoredImage | null {
  const full = /^(?:sha256:)?([a-f0-9]{64})$/.exec(ref);
  if (full) return readImageRecord(`sha256:${full[1]}`);
  const images = listImageRecords();

  if (!ref.startsWith('sha256:')) {
    let r: Reference | null = null;
    try { r = parseReference(ref); } catch { r = null; }
    if (r) {
      if (r.digest) {
        const wanted = `${repositoryName(r)}@${r.digest}`;
        const hit = images.find((i) => i.repoDigests.includes(wanted))
          ?? images.find((i) => i.manifestDigest === r!.digest && i.repoTags.some((t) => t.startsWith(repositoryName(r!) + ':')));
        if (hit) return hit;
      } else {
        const name = formatReference(r);
        const hit = images.find((i) => i.repoTags.includes(name));
        if (hit) return hit;
      }
    }
  }

  const prefix = /^(?:sha256:)?([a-f0-9]+)$/.exec(ref);
  if (prefix && prefix[1].length >= MIN_ID_PREFIX) {
    const hits = images.filter((i) => i.id.slice(7).startsWith(prefix[1]));
    if (hits.length > 1) throw new UserError(`ambiguous image ID prefix "${ref}": it matches ${hits.length} images`, 1);
    if (hits.length === 1) return hits[0];
  }
  return null;
}
