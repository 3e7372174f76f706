/**
 * Loading image archives (`mini-run load`): an OCI image layout in a tar (oci-layout,
 * index.json, blobs/sha256/…) or a `docker save` tarball (manifest.json with Config, RepoTags
 * and Layers). Either may be gzip-compressed and may come from stdin.
 *
 * The archive is indexed once (headers only, bodies skipped by offset), then each member is
 * read in place: a layer blob is streamed straight from the archive into the LayerStore.
 */
import { createReadStream, createWriteStream, closeSync, openSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { PassThrough, Readable } from 'node:stream';
import { UserError } from '../errors';
import { withStateLock } from '../lock';
import { traceNote } from '../sys/trace';
import { sha256, shortDigest } from './digest';
import { hasBlob, ingestRange } from './content-store';
import { hasLayer, unpackLayer, UnpackResult } from './layer-store';
import { indexTarFile, IndexedFile, TarFormatError } from './tar-format';
import { makeStagingDir, removeStaging, sweepStaleStaging } from './staging';
import {
  ANNOTATION_CONTAINERD_NAME, ANNOTATION_REF_NAME, Descriptor, DockerArchiveManifest, hostArchitecture, ImageConfigFile,
  ImageIndex, ImageManifest, INDEX_MEDIA_TYPES, MEDIA, OciLayout, parseJson,
} from './oci-types';
import { normalizeReference } from './reference';
import { storeImage, StoreImageResult } from './store-image';

export interface LoadedImage extends StoreImageResult {
  tags: string[]; // normalized names given to the image by this load
}

/** An opened archive: the tar file and the byte range of each member. */
class Archive {
  /** What this load put in the store, to undo if it fails half-way. */

  constructor(readonly file: string, readonly members: Map<string, IndexedFile>, readonly name: string) {}

  has(path: string): boolean {
    return this.members.has(path);
  }

  member(path: string, what: string): IndexedFile {
    const m = this.members.get(path);
    if (!m) throw new UserError(`${this.name}: ${what} (${path}) is missing from the archive`);
    return m;
  }

  read(path: string, what: string, maxBytes = 64 << 20): Buffer {
    const m = this.member(path, what);
    if (m.size > maxBytes) throw new UserError(`${this.name}: ${what} (${path}) is too large (${m.size} bytes)`);
    const buf = Buffer.alloc(m.size);
    const fd = openSync(this.file, 'r');
    try {
      let got = 0;
      while (got < m.size) {
        const n = readSync(fd, buf, got, m.size - got, m.offset + got);
        if (n === 0) throw new UserError(`${this.name}: unexpected end of data: the archive is truncated`);
        got += n;
      }
    } finally {
      closeSync(fd);
    }
    return buf;
  }

  /** A blob by digest (blobs/sha256/<hex>), checked against its descriptor. */
  readBlob(desc: Descriptor, what: string): Buffer {
    const data = this.read(blobMember(desc.digest), what);
    const digest = sha256(data);
    if (digest !== desc.digest) throw new UserError(`${this.name}: ${what} ${shortDigest(desc.digest)}: digest mismatch (content hashes to ${digest})`);
    if (data.length !== desc.size) throw new UserError(`${this.name}: ${what} ${shortDigest(desc.digest)}: size ${data.length} does not match the descriptor's ${desc.size}`);
    return data;
  }
}

const blobMember = (digest: string) => `blobs/${digest.replace(':', '/')}`;

/** Does the file start with gzip's magic bytes (1f 8b)? */
export function isGzipFile(file: string): boolean {
  const fd = openSync(file, 'r');
  try {
    const b = Buffer.alloc(2);
    return readSync(fd, b, 0, 2, 0) === 2 && b[0] === 0x1f && b[1] === 0x8b;
  } finally {
    closeSync(fd);
  }
}

/** Copy (and gunzip if needed) a stream into a staging file. */
async function stageStream(input: Readable, dest: string, name: string): Promise<void> {
  // Peek at the first chunk to choose between gunzip and copy.
  const it = input[Symbol.asyncIterator]();
  const first = await it.next();
  if (first.done || !(first.value as Buffer).length) throw new UserError(`requested load from ${name}, but it is empty`);
  const head = first.value as Buffer;
  const rest = Readable.from((async function* () {
    yield head;
    for (let r = await it.next(); !r.done; r = await it.next()) yield r.value as Buffer;
  })());
  const gz = head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
  try {
    await pipeline(rest, gz ? createGunzip() : new PassThrough(), createWriteStream(dest, { mode: 0o600 }));
  } catch (e) {
    throw new UserError(`${name}: ${gz ? 'corrupt or truncated gzip data' : 'read failed'} (${(e as Error).message})`);
  }
}

/** Load every image of an archive file (`-i FILE`). */
export async function loadArchiveFile(file: string): Promise<LoadedImage[]> {
  let st;
  try {
    st = statSync(file);
  } catch (e) {
    throw new UserError(`open ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (e as Error).message}`);
  }
  if (!st.isFile()) throw new UserError(`${file}: not a regular file`);
  if (st.size === 0) throw new UserError(`${file}: the file is empty`);
  if (!isGzipFile(file)) return withArchive(file, file);
  const staging = makeStagingDir('load');
  try {
    await stageStream(createReadStream(file), join(staging, 'archive.tar'), file);
    return await withArchive(join(staging, 'archive.tar'), file);
  } finally {
    removeStaging(staging);
  }
}

/** Load from a stream (stdin): it is staged in ROOT/tmp first, since members are read in place. */
export async function loadArchiveStream(input: Readable, name = 'stdin'): Promise<LoadedImage[]> {
  const staging = makeStagingDir('load');
  try {
    await stageStream(input, join(staging, 'archive.tar'), name);
    return await withArchive(join(staging, 'archive.tar'), name);
  } finally {
    removeStaging(staging);
  }
}

async function withArchive(tarFile: string, name: string): Promise<LoadedImage[]> {
  withStateLock(() => sweepStaleStaging());
  let members: Map<string, IndexedFile>;
  try {
    members = indexTarFile(tarFile);
  } catch (e) {
    if (e instanceof TarFormatError) throw new UserError(`${name}: ${e.message}`);
    throw e;
  }
  const archive = new Archive(tarFile, members, name);
  // On a failure half-way, the layers already unpacked and verified stay (as after a failed
  // pull, and as docker keeps them): loading again does not unpack them again. Nothing partial
  // is kept (a layer is unpacked in ROOT/tmp and moved in whole); `image prune` gives back
  // layers no image came to use.
  if (archive.has('index.json') && archive.has('oci-layout')) return await loadOciLayout(archive);
  if (archive.has('manifest.json')) return await loadDockerArchive(archive);
  if (archive.has('index.json')) return await loadOciLayout(archive);
  throw new UserError(`${name}: not an image archive: it has neither index.json (OCI image layout) nor manifest.json (docker save)`);
}


// ------------------------------------------------------------------ OCI layout

/** Names from an index entry's annotations (a bare tag in ref.name has no repository: untagged). */
function namesFromAnnotations(a: Record<string, string> | null | undefined): string[] {
  const full = a?.[ANNOTATION_CONTAINERD_NAME];
  if (full) return [normalizeReference(full)];
  const ref = a?.[ANNOTATION_REF_NAME];
  if (ref && /[/:@]/.test(ref)) {
    try {
      return [normalizeReference(ref)];
    } catch {
      return [];
    }
  }
  return [];
}

async function loadOciLayout(archive: Archive): Promise<LoadedImage[]> {
  if (archive.has('oci-layout')) parseJson(OciLayout, archive.read('oci-layout', 'oci-layout'), `${archive.name}: oci-layout`);
  const index = parseJson(ImageIndex, archive.read('index.json', 'index.json'), `${archive.name}: index.json`);
  if (!index.manifests.length) throw new UserError(`${archive.name}: index.json lists no images`);
  const byId = new Map<string, LoadedImage>();
  for (const desc of index.manifests) {
    const manifestDesc = resolveManifest(archive, desc, 0);
    const loaded = await loadOciImage(archive, manifestDesc, namesFromAnnotations(desc.annotations));
    const prev = byId.get(loaded.image.id);
    byId.set(loaded.image.id, prev ? { ...loaded, tags: [...prev.tags, ...loaded.tags], movedTags: [...prev.movedTags, ...loaded.movedTags] } : loaded);
  }
  return [...byId.values()];
}

/** Follow nested indexes (multi-platform images) down to the manifest for this host. */
function resolveManifest(archive: Archive, desc: Descriptor, depth: number): Descriptor {
  if (!INDEX_MEDIA_TYPES.has(desc.mediaType)) return desc;
  if (depth > 4) throw new UserError(`${archive.name}: image indexes nested too deeply`);
  const index = parseJson(ImageIndex, archive.readBlob(desc, 'image index'), `${archive.name}: image index ${shortDigest(desc.digest)}`);
  const arch = hostArchitecture();
  const candidates = index.manifests.filter((m) => !m.platform || (m.platform.os === 'linux' && m.platform.architecture === arch));
  const present = candidates.filter((m) => archive.has(blobMember(m.digest)));
  const pick = present[0] ?? candidates[0];
  if (!pick) throw new UserError(`${archive.name}: no image for linux/${arch} in index ${shortDigest(desc.digest)}`);
  return resolveManifest(archive, pick, depth + 1);
}

async function loadOciImage(archive: Archive, desc: Descriptor, names: string[]): Promise<LoadedImage> {
  const manifestBytes = archive.readBlob(desc, 'manifest');
  const manifest = parseJson(ImageManifest, manifestBytes, `${archive.name}: manifest ${shortDigest(desc.digest)}`);
  const configBytes = archive.readBlob(manifest.config, 'image config');
  const config = parseJson(ImageConfigFile, configBytes, `${archive.name}: image config ${shortDigest(manifest.config.digest)}`);
  if (config.rootfs.diff_ids.length !== manifest.layers.length) {
    throw new UserError(`${archive.name}: manifest ${shortDigest(desc.digest)} has ${manifest.layers.length} layer(s) but its config lists ${config.rootfs.diff_ids.length} diff_id(s)`);
  }
  const layers: UnpackResult[] = [];
  for (const [i, layer] of manifest.layers.entries()) {
    const member = archive.member(blobMember(layer.digest), `layer ${shortDigest(layer.digest)}`);
    if (member.size !== layer.size) {
      throw new UserError(`${archive.name}: layer ${shortDigest(layer.digest)}: size ${member.size} does not match the manifest's ${layer.size}`);
    }
    layers.push(await importLayer(archive, member, config.rootfs.diff_ids[i], layer.digest));
  }
  const result = storeImage({ manifest: manifestBytes, config: configBytes, layers, repoTags: names });
  return { ...result, tags: names };
}

/** Put one layer in the store: unpack it, or reuse what is there (storing a missing blob). */
async function importLayer(archive: Archive, member: IndexedFile, diffId: string, blobDigest?: string): Promise<UnpackResult> {
  const source = { file: archive.file, offset: member.offset, size: member.size };
  if (hasLayer(diffId)) {
    traceNote(`layer ${shortDigest(diffId)} is already unpacked; reusing it`);
    const digest = blobDigest && hasBlob(blobDigest) ? blobDigest : await ingestRange(archive.file, member.offset, member.size, blobDigest);
    return { diffId, blobDigest: digest, compression: 'none', size: 0, reused: true };
  }
  return unpackLayer({ source, diffId, blobDigest, keepBlob: true });
}

// ------------------------------------------------------------------ docker save

async function loadDockerArchive(archive: Archive): Promise<LoadedImage[]> {
  const manifest = parseJson(DockerArchiveManifest, archive.read('manifest.json', 'manifest.json'), `${archive.name}: manifest.json`);
  if (!manifest.length) throw new UserError(`${archive.name}: manifest.json lists no images`);
  const out: LoadedImage[] = [];
  for (const item of manifest) {
    const configBytes = archive.read(cleanMember(item.Config), 'image config');
    const id = sha256(configBytes);
    const named = /([a-f0-9]{64})(\.json)?$/.exec(item.Config);
    if (named && named[1] !== id.slice(7)) {
      throw new UserError(`${archive.name}: image config ${item.Config}: digest mismatch (content hashes to ${id})`);
    }
    const config = parseJson(ImageConfigFile, configBytes, `${archive.name}: image config ${item.Config}`);
    if (config.rootfs.diff_ids.length !== item.Layers.length) {
      throw new UserError(`${archive.name}: manifest.json lists ${item.Layers.length} layer(s) but the image config lists ${config.rootfs.diff_ids.length} diff_id(s)`);
    }
    const layers: UnpackResult[] = [];
    const descriptors: Array<{ mediaType: string; digest: string; size: number }> = [];
    for (const [i, path] of item.Layers.entries()) {
      const member = archive.member(cleanMember(path), `layer ${i + 1}`);
      const claimed = /^blobs\/sha256\/([a-f0-9]{64})$/.exec(cleanMember(path));
      const r = await importLayer(archive, member, config.rootfs.diff_ids[i], claimed ? `sha256:${claimed[1]}` : undefined);
      layers.push(r);
      const gz = isGzipRange(archive.file, member);
      descriptors.push({ mediaType: gz ? MEDIA.ociLayerGzip : MEDIA.ociLayer, digest: r.blobDigest, size: member.size });
    }
    // docker save has no manifest of its own: write the OCI manifest a registry would serve.
    const ociManifest = Buffer.from(JSON.stringify({
      schemaVersion: 2,
      mediaType: MEDIA.ociManifest,
      config: { mediaType: MEDIA.ociConfig, digest: id, size: configBytes.length },
      layers: descriptors,
    }));
    const tags = (item.RepoTags ?? []).map((t) => normalizeReference(t));
    const result = storeImage({ manifest: ociManifest, config: configBytes, layers, repoTags: tags });
    out.push({ ...result, tags });
  }
  return out;
}

function cleanMember(p: string): string {
  return p.replace(/^(\.\/)+/, '').replace(/\/+/g, '/');
}

function isGzipRange(file: string, m: IndexedFile): boolean {
  const fd = openSync(file, 'r');
  try {
    const b = Buffer.alloc(2);
    return m.size >= 2 && readSync(fd, b, 0, 2, m.offset) === 2 && b[0] === 0x1f && b[1] === 0x8b;
  } finally {
    closeSync(fd);
  }
}
