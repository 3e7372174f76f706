/**
 * Where mini-run keeps its state. Everything lives under one root so that tests can use a
 * throw-away one: `--root DIR`, else $MINI_RUN_ROOT, else /var/lib/mini-run.
 *
 *   ROOT/blobs/sha256/<hex>        content store: manifests, configs, compressed layers
 *   ROOT/layers/<hex>/fs           one unpacked layer (by diff_id), shared by every image
 *   ROOT/layers/l/<short>          short symlinks to layer dirs (keeps overlay's options short)
 *   ROOT/images/                   image records (name:tag → image id)
 *   ROOT/containers/<id>/          one container: container.json (its record), config.json, upper/, work/, rootfs/
 *   ROOT/volumes/<name>/           one volume: volume.json, _data/ (src/volume/store.ts)
 *   ROOT/runtime/<id>/             the runtime's own state of a container (src/runtime/state.ts)
 *   ROOT/build-cache/<key>.json    build cache: one step's result (src/image/build-cache.ts)
 *   ROOT/tmp/                      staging for downloads and unpacks (same filesystem → atomic rename)
 */
import { join } from 'node:path';

export const DEFAULT_ROOT = '/var/lib/mini-run';

let configuredRoot: string | null = null;

export function setStateRoot(dir: string | undefined | null): void {
  configuredRoot = dir ? dir : null;
}

export function stateRoot(): string {
  return configuredRoot ?? process.env.MINI_RUN_ROOT ?? DEFAULT_ROOT;
}

export const paths = {
  root: () => stateRoot(),
  blobs: () => join(stateRoot(), 'blobs', 'sha256'),
  layers: () => join(stateRoot(), 'layers'),
  layerLinks: () => join(stateRoot(), 'layers', 'l'),
  images: () => join(stateRoot(), 'images'),
  containers: () => join(stateRoot(), 'containers'),
  container: (id: string) => join(stateRoot(), 'containers', id),
  tmp: () => join(stateRoot(), 'tmp'),
  runtime: () => join(stateRoot(), 'runtime'),
  lock: () => join(stateRoot(), 'lock'),
};
