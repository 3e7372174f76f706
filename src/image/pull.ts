/**
 * `pull`: an image from a registry into the store, the way docker does it.
 *
 *   1. manifest: GET the tag's manifest; for a multi-arch index, the entry for our platform
 *      (registry/manifest.ts). Mirrors are tried first for docker.io (registry/endpoint.ts).
 *   2. config:   GET the config blob (its digest is the image id), verified and validated.
 *   3. layers:   up to 3 at once; each streams from the registry into the layer unpacker,
 *                which verifies the blob digest and the diff_id before anything is kept.
 *                Layers already in the store are not fetched again ("Already exists").
 *   4. record:   storeImage() writes manifest, config and the image record (tag + RepoDigest).
 *
 * Progress is reported as events (docker's JSON-message model: an id, a status, bytes);
 * src/cli/progress.ts draws them.
 */
import { recordEvent } from '../events';
import { UserError } from '../errors';
import { withStateLock } from '../lock';
import { traceNote } from '../sys/trace';
import { shortDigest } from './digest';
import { hasBlob } from './content-store';
import { hasLayer, unpackLayer } from './layer-store';
import { StoredImage } from './image-index';
import { lookupImage } from './lookup';
import { ImageConfigFile, parseJson, type Descriptor } from './oci-types';
import { familiarName, formatReference, parseReference, Reference, repositoryName } from './reference';
import { storeImage } from './store-image';
import { sweepStaleStaging } from './staging';
import { RegistryClient } from './registry/client';
import { pullEndpoints, type Endpoint } from './registry/endpoint';
import { resolveManifest, type ResolvedImage } from './registry/manifest';
import { blobStream, fetchBlobBytes, fetchBlobToStore } from './registry/blobs';
import { formatPlatform, hostPlatform, normalizePlatform, parsePlatform, type PlatformSpec } from './registry/platform';
import { RegistryError } from './registry/errors';

/** One progress message: a line for the whole pull (no id) or for one layer (id = short digest). */
export interface PullEvent { id?: string; status: string; current?: number; total?: number }
export type PullReporter = (e: PullEvent) => void;

export interface PullOptions {
  platform?: string;
  onEvent?: PullReporter;
}

export interface PullResult {
  image: StoredImage;
  reference: string;   // normalized "docker.io/library/alpine:latest" (or …@sha256:…)
  digest: string;      // what the tag points to (index or manifest digest)
  upToDate: boolean;
}

export const MAX_PARALLEL_LAYERS = 3;
const MAX_CONFIG_BYTES = 8 << 20;

class PullAborted extends UserError {}

/** "library/alpine" for docker.io images, "127.0.0.1:5000/x" keeps its host: docker's wording. */
function pullingFrom(r: Reference): string {
  return r.path;
}

/** "alpine:nope", "127.0.0.1:5000/alpine:nope": how a reference is named in messages. */
export function displayName(r: Reference): string {
  return familiarName(formatReference(r));
}

/** Try each endpoint (mirrors, then the origin) until one has the manifest. */
async function findManifest(r: Reference, want: PlatformSpec): Promise<{ client: RegistryClient; resolved: ResolvedImage; endpoint: Endpoint }> {
  const endpoints = pullEndpoints(r.domain);
  const ref = r.digest ?? r.tag!;
  const what = `manifest for ${displayName(r)}`;
  let lastError: unknown = null;
  for (const endpoint of endpoints) {
    const client = new RegistryClient(endpoint, r.path, ['pull']);
    try {
      const resolved = await resolveManifest(client, ref, what, want);
      return { client, resolved, endpoint };
    } catch (e) {
      lastError = e;
      const last = endpoint === endpoints[endpoints.length - 1];
      if (last) break;
      traceNote(`pull: ${endpoint.base} failed (${(e as Error).message}); trying the next endpoint`);
    }
  }
  if (lastError instanceof RegistryError && lastError.status === 404) {
    const code = lastError.code === 'NAME_UNKNOWN' ? 'repository name not known to registry' : 'manifest unknown';
    throw new UserError(`manifest for ${displayName(r)} not found: ${code}`, 1);
  }
  throw lastError;
}

export async function pullImage(ref: string, opts: PullOptions = {}): Promise<PullResult> {
  const r = parseReference(ref);
  const emit: PullReporter = opts.onEvent ?? (() => undefined);
  const want = opts.platform ? parsePlatform(opts.platform) : hostPlatform();
  const name = formatReference(r);
  withStateLock(() => sweepStaleStaging());

  emit({ status: `${r.digest ?? r.tag}: Pulling from ${pullingFrom(r)}` });
  const { client, resolved } = await findManifest(r, want);
  const manifest = resolved.parsed;
  const what = displayName(r);

  const configBytes = await fetchBlobBytes(client, manifest.config, `${what}: image config ${shortDigest(manifest.config.digest)}`, MAX_CONFIG_BYTES);
  const config = parseJson(ImageConfigFile, configBytes, `${what}: image config ${shortDigest(manifest.config.digest)}`);
  if (config.rootfs.diff_ids.length !== manifest.layers.length) {
    throw new UserError(`${what}: the manifest has ${manifest.layers.length} layer(s) but the image config lists ${config.rootfs.diff_ids.length} diff_id(s)`, 1);
  }
  if (opts.platform && !resolved.platformEntry) {
    const got = normalizePlatform({ os: config.os, architecture: config.architecture, variant: config.variant ?? undefined });
    if (got.os !== want.os || got.architecture !== want.architecture) {
      throw new UserError(`image with reference ${what} was found but does not match the specified platform: wanted ${formatPlatform(want)}, actual: ${formatPlatform(got)}`, 1);
    }
  }

  const previous = r.tag && !r.digest ? lookupImage(name) : null;
  const added = { layers: [] as string[], blobs: [] as string[] };
  let downloaded = 0;
  try {
    const layers = await fetchLayers(client, manifest.layers, config.rootfs.diff_ids, emit, added, () => downloaded++);
    const repo = repositoryName(r);
    const { image } = storeImage({
      manifest: resolved.manifest.bytes,
      config: configBytes,
      layers,
      repoTags: r.tag && !r.digest ? [name] : [],
      repoDigests: [`${repo}@${resolved.top.digest}`],
    });
    const upToDate = downloaded === 0 && previous?.id === image.id;
    emit({ status: `Digest: ${resolved.top.digest}` });
    emit({ status: `Status: ${upToDate ? 'Image is up to date for' : 'Downloaded newer image for'} ${what}` });
    recordEvent('image', 'pull', name, { name: name.replace(/:[^:/]+$/, '') });
    return { image, reference: name, digest: resolved.top.digest, upToDate };
  } catch (e) {
    // Layers that were complete and verified stay (docker keeps them too): the next pull
    // fetches only what is missing and says "Already exists" for them. A partial download
    // never reaches the store (it is unpacked in ROOT/tmp and removed there). `image prune`
    // gives back layers no image came to use.
    void added;
    throw e;
  }
}

type LayerRef = { diffId: string; blobDigest: string };

/** Download and unpack the layers, MAX_PARALLEL_LAYERS at a time; bottom → top results. */
async function fetchLayers(
  client: RegistryClient, descs: Descriptor[], diffIds: string[], emit: PullReporter,
  added: { layers: string[]; blobs: string[] }, onDownload: () => void,
): Promise<LayerRef[]> {
  const results: LayerRef[] = new Array(descs.length);
  const idOf = (d: Descriptor) => d.digest.slice(7, 19);
  const todo: number[] = [];
  const seen = new Set<string>();
  for (const [i, d] of descs.entries()) {
    if (seen.has(d.digest)) continue; // the same layer twice in one image: one line, one download
    seen.add(d.digest);
    if (hasLayer(diffIds[i]) && hasBlob(d.digest)) emit({ id: idOf(d), status: 'Already exists' });
    else { emit({ id: idOf(d), status: 'Pulling fs layer' }); todo.push(i); }
  }
  for (const i of todo.slice(MAX_PARALLEL_LAYERS)) emit({ id: idOf(descs[i]), status: 'Waiting' });

  let failure: unknown = null;
  const abortIfFailed = () => { if (failure) throw new PullAborted('pull aborted'); };
  const one = async (i: number) => {
    const d = descs[i];
    const id = idOf(d);
    const label = `layer ${shortDigest(d.digest)}`;
    let lastShown = 0;
    const progress = (received: number) => {
      abortIfFailed();
      const now = Date.now();
      if (now - lastShown >= 100 || received === d.size) {
        lastShown = now;
        emit({ id, status: 'Downloading', current: received, total: d.size });
      }
    };
    onDownload();
    if (hasLayer(diffIds[i])) {
      // The layer is unpacked already (from another image), only its compressed blob is missing.
      await fetchBlobToStore(client, d, label, progress);
      added.blobs.push(d.digest);
      emit({ id, status: 'Download complete' });
      emit({ id, status: 'Already exists' });
      return;
    }
    const stream = blobStream(client, d, label, (n) => {
      progress(n);
      if (n === d.size) {
        emit({ id, status: 'Verifying Checksum' });
        emit({ id, status: 'Download complete' });
        emit({ id, status: 'Extracting', current: n, total: d.size });
      }
    });
    const r = await unpackLayer({ source: { stream, size: d.size }, diffId: diffIds[i], blobDigest: d.digest, keepBlob: true });
    if (!r.reused) added.layers.push(r.diffId);
    added.blobs.push(r.blobDigest);
    emit({ id, status: 'Pull complete' });
  };

  const queue = [...todo];
  const worker = async () => {
    for (let i = queue.shift(); i !== undefined && !failure; i = queue.shift()) {
      try {
        await one(i);
      } catch (e) {
        if (!failure && !(e instanceof PullAborted)) failure = e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(MAX_PARALLEL_LAYERS, queue.length) }, worker));
  if (failure) throw failure;
  for (const [i, d] of descs.entries()) results[i] = { diffId: diffIds[i], blobDigest: d.digest };
  return results;
}


/** All tags of a repository (GET /v2/<name>/tags/list), for `pull -a`. */
export async function listTags(ref: string): Promise<{ reference: Reference; tags: string[] }> {
  const r = parseReference(ref);
  const { readBody } = await import('./registry/transport');
  const { z } = await import('zod');
  let lastError: unknown = null;
  for (const endpoint of pullEndpoints(r.domain)) {
    const client = new RegistryClient(endpoint, r.path, ['pull']);
    try {
      const res = await client.request(client.path('tags/list'), { what: `tags of ${repositoryName(r)}`, headers: { Accept: 'application/json' } });
      const body = await readBody(res, 4 << 20, `tags of ${repositoryName(r)}`);
      const list = parseJson(z.object({ tags: z.array(z.string()).nullish() }).passthrough(), body, `tags of ${repositoryName(r)}`);
      return { reference: r, tags: (list.tags ?? []).sort() };
    } catch (e) {
      lastError = e;
    }
  }
  throw lastError;
}
