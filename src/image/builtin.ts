/**
 * The built-in image, mini-run/busybox: built on demand from the host's static busybox by the
 * recipe rootfs/busybox.sh (an OCI layout tarball), then loaded through the same path as
 * `mini-run load` — so it is stored, listed and removed like any other image.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UserError } from '../errors';
import { runCommand } from '../sys/command';
import { loadArchiveFile } from './archive';
import { lookupImage } from './lookup';
import { makeStagingDir, removeStaging } from './staging';
import type { StoredImage } from './image-index';

export const BUILTIN_IMAGE = 'mini-run/busybox';
export const BUILTIN_REFERENCE = 'docker.io/mini-run/busybox:latest';

/** rootfs/busybox.sh in the source tree (dist/image/ and src/image/ are both two levels down). */
export function builtinRecipe(): string {
  return resolve(__dirname, '..', '..', 'rootfs', 'busybox.sh');
}

export async function buildAndLoadBuiltin(): Promise<StoredImage> {
  const existing = lookupImage(BUILTIN_REFERENCE);
  if (existing) return existing;
  const recipe = builtinRecipe();
  if (!existsSync(recipe)) throw new UserError(`the built-in image recipe ${recipe} is missing`);
  const staging = makeStagingDir('builtin');
  try {
    const out = join(staging, 'busybox-image.tar');
    // NODE: the recipe reads the busybox's ELF headers with node when readelf is not installed
    runCommand(['env', `TMPDIR=${staging}`, `IMAGE_NAME=${BUILTIN_REFERENCE}`, `NODE=${process.execPath}`, 'sh', recipe, out]);
    await loadArchiveFile(out);
  } finally {
    removeStaging(staging);
  }
  const img = lookupImage(BUILTIN_REFERENCE);
  if (!img) throw new UserError(`building ${BUILTIN_IMAGE} did not produce the image`);
  return img;
}
