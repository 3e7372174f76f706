/** `tag SOURCE TARGET`: give an image another name (a tag moves away from any image that had it). */
import { UserError } from '../errors';
import { withStateLock } from '../lock';
import { isoTime } from '../utc-time';
import { listImageRecords } from './image-index';
import { writeImageRecord } from './image-record-write';
import { lookupImage } from './lookup';
import { formatReference, parseReference } from './reference';

export function tagImage(source: string, target: string): void {
  let name: string;
  try {
    const t = parseReference(target);
    if (t.digest) throw new UserError(`refusing to create a tag with a digest reference: ${target}`, 1);
    name = formatReference(t);
  } catch (e) {
    throw e instanceof UserError ? new UserError(e.message, 1) : e;
  }
  withStateLock(() => {
    const img = lookupImage(source);
    if (!img) throw new UserError(`No such image: ${source}`, 1);
    if (img.repoTags.includes(name)) return;
    for (const other of listImageRecords()) {
      if (other.id !== img.id && other.repoTags.includes(name)) writeImageRecord({ ...other, repoTags: other.repoTags.filter((t) => t !== name) });
    }
    writeImageRecord({ ...img, repoTags: [...img.repoTags, name], lastTagTime: isoTime() });
  });
}
