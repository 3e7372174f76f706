/**
 * Writing an image record (image-index.ts reads them): validated by zod on the way out, so a
 * bad record is never stored. Apart from the readers, which do not load zod.
 */
import { writeFileAtomic } from '../fsutil';
import { recordPath } from './image-index';
import { StoredImage } from './image-record-schema';

export function writeImageRecord(rec: StoredImage): void {
  writeFileAtomic(recordPath(rec.id), JSON.stringify(StoredImage.parse(rec), null, 2) + '\n', 0o644, true);
}
