/**
 * The image store's public face, for the engine and the CLI.
 *
 *   ContentStore  (content-store.ts)  blobs by digest: manifests, configs, compressed layers
 *   LayerStore    (layer-store.ts)    unpacked layers by diff_id, with short overlay links
 *   image records (image-index.ts)    id, tags, digests, layers of each image
 *   storeImage    (store-image.ts)    the single entry point for new images (load, later pull)
 *   archives      (archive.ts)        `load` of OCI layouts and docker-save tarballs
 */
import { paths } from '../paths';
import { UserError } from '../errors';
import { readBlob } from './content-store';
import { layerFsDir, shortLink } from './layer-info';
import type { ImageConfigFile } from './oci-types';
import { checkImageConfigFile } from './image-config-check';
import { lookupImage } from './lookup';
import { shortDigest } from './digest';
import type { StoredImage } from './image-index';
import { lazy } from '../lazy';

/** zod (oci-types.ts), only to say what is wrong with an image config the generated check refused (lazy.ts). */
const schemas = lazy(() => require('./oci-types') as typeof import('./oci-types'));

// Only the light, read-only side is here: `run` loads this module on every start. Writing
// images (archive.ts, store-image.ts, remove.ts, builtin.ts) is imported where it is used.
export { familiarName, normalizeReference, parseReference } from './reference';
export { listImageRecords as listImages } from './image-index';

export interface ImageRecord {
  id: string;              // "sha256:<config hex>"
  repoTags: string[];      // normalized full names
  repoDigests: string[];
  layers: string[];        // diff_ids "sha256:…", bottom → top
  created?: string;
  size: number;
}

export interface ImageConfig {
  Env?: string[];
  Cmd?: string[];
  Entrypoint?: string[];
  WorkingDir?: string;
  User?: string;
  ExposedPorts?: Record<string, object>;
  Volumes?: Record<string, object>;
  Labels?: Record<string, string>;
  StopSignal?: string;
}

/** name[:tag] (full or familiar), name@digest, full id, or a unique id prefix (≥ 4 hex). */
export function findImage(ref: string): (ImageRecord & StoredImage) | null {
  return lookupImage(ref);
}

/** The whole image config document (validated). */
export function imageConfigFile(img: ImageRecord): ImageConfigFile {
  // The generated check (schema-compile.ts) gives zod's data for a valid config; zod itself
  // (oci-types.ts) is loaded only to say what is wrong with one that is not.
  const blob = readBlob(img.id);
  let raw: unknown;
  try { raw = JSON.parse(blob.toString()); } catch { /* parseJson says so */ }
  const checked = raw === undefined ? undefined : checkImageConfigFile(raw) as ImageConfigFile | undefined;
  if (checked !== undefined) return checked;
  const { ImageConfigFile, parseJson } = schemas();
  return parseJson(ImageConfigFile, blob, `image config ${shortDigest(img.id)}`);
}

/** The image config's `config` object (the container defaults), nulls dropped. */
export function imageConfig(img: ImageRecord): ImageConfig {
  const c = imageConfigFile(img).config ?? {};
  const out: ImageConfig = {};
  if (c.Env) out.Env = c.Env;
  if (c.Cmd) out.Cmd = c.Cmd;
  if (c.Entrypoint) out.Entrypoint = c.Entrypoint;
  if (c.WorkingDir) out.WorkingDir = c.WorkingDir;
  if (c.User) out.User = c.User;
  if (c.ExposedPorts) out.ExposedPorts = c.ExposedPorts;
  if (c.Volumes) out.Volumes = c.Volumes;
  if (c.Labels) out.Labels = c.Labels;
  if (c.StopSignal) out.StopSignal = c.StopSignal;
  return out;
}

/** Absolute unpacked layer dirs (…/layers/<hex>/fs), bottom → top. */
export function layerDirs(img: ImageRecord): string[] {
  return img.layers.map((d) => layerFsDir(d));
}

/**
 * Names under paths.layerLinks() (ROOT/layers/l), bottom → top: chdir there and mount overlay
 * with `lowerdir=<top>:…:<bottom>` (overlay lists the top layer first!) to stay far below the
 * one-page limit on mount options, whatever the number of layers.
 */
export function layerShortLinks(img: ImageRecord): string[] {
  return img.layers.map((d) => shortLink(d));
}

export function layerLinksDir(): string {
  return paths.layerLinks();
}

/** mini-run/busybox, built from the host's busybox and loaded if it is not in the store yet. */
export async function ensureBuiltinImage(): Promise<ImageRecord> {
  const { buildAndLoadBuiltin } = await import('./builtin'); // loads the unpacker: only when needed
  return buildAndLoadBuiltin();
}

/** Like findImage, but a UserError (exit 1) naming the reference when absent. */
export function getImage(ref: string): StoredImage {
  const img = lookupImage(ref);
  if (!img) throw new UserError(`No such image: ${ref}`, 1);
  return img;
}
