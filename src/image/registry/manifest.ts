/**
 * Manifests from a registry: GET /v2/<name>/manifests/<tag or digest>.
 *
 * Why Accept lists four media types: a registry serves one stored document in the type the
 * client says it understands. A multi-arch tag is an index (OCI) or a manifest list (docker);
 * a single image is an OCI or docker schema-2 manifest. If we left the list types out, some
 * registries would fall back to converting — Docker Hub used to down-convert to the old,
 * unsigned-content "schema 1" for clients that do not list schema 2.
 *
 * Why check digests: a manifest's digest is its identity — it is what `alpine@sha256:…` means
 * and what we record as the RepoDigest. Fetched by digest, the bytes must hash to it. Fetched
 * by tag, the registry vouches for the content with `Docker-Content-Digest`; a mismatch means
 * the bytes were altered or cut on the way.
 */
import type { IncomingMessage } from 'node:http';
import { UserError } from '../../errors';
import { sha256, shortDigest } from '../digest';
import { Descriptor, ImageIndex, ImageManifest, MEDIA, parseJson } from '../oci-types';
import type { RegistryClient } from './client';
import { readBody } from './transport';
import { formatPlatform, PlatformSpec, selectPlatform } from './platform';
import { hasZstd, ZSTD_LAYER_MEDIA_TYPE, zstdUnsupported } from '../zstd';

export const MAX_MANIFEST_BYTES = 4 << 20;

export const MANIFEST_ACCEPT = [MEDIA.ociIndex, MEDIA.dockerManifestList, MEDIA.ociManifest, MEDIA.dockerManifest];

const SCHEMA1 = new Set([
  'application/vnd.docker.distribution.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v1+prettyjws',
]);

/** Layer media types we can unpack (compression is checked again from the bytes themselves). */
export const LAYER_MEDIA_TYPES = new Set([
  MEDIA.ociLayer, MEDIA.ociLayerGzip,
  'application/vnd.docker.image.rootfs.diff.tar.gzip',
  'application/vnd.docker.image.rootfs.diff.tar',
  'application/vnd.oci.image.layer.nondistributable.v1.tar',
  'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
  ZSTD_LAYER_MEDIA_TYPE, 'application/vnd.oci.image.layer.nondistributable.v1.tar+zstd',
  'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
]);
const CONFIG_MEDIA_TYPES = new Set([MEDIA.ociConfig, 'application/vnd.docker.container.image.v1+json']);

export interface FetchedManifest {
  bytes: Buffer;
  digest: string;
  mediaType: string;
}

export type ParsedManifest =
  | { kind: 'index'; index: ImageIndex }
  | { kind: 'manifest'; manifest: ImageManifest };

/** GET a manifest (by tag or digest), size-limited and digest-checked. */
export async function fetchManifest(client: RegistryClient, reference: string, what: string): Promise<FetchedManifest> {
  const res: IncomingMessage = await client.request(client.path(`manifests/${reference}`), {
    what,
    headers: { Accept: MANIFEST_ACCEPT.join(', ') },
  });
  const bytes = await readBody(res, MAX_MANIFEST_BYTES, what);
  const digest = sha256(bytes);
  if (reference.startsWith('sha256:') && digest !== reference) {
    throw new UserError(`${what}: digest mismatch: the manifest hashes to ${digest}`, 1);
  }
  const header = res.headers['docker-content-digest'];
  if (typeof header === 'string' && header.startsWith('sha256:') && header !== digest) {
    throw new UserError(`${what}: digest mismatch: the registry says ${header} (Docker-Content-Digest) but the manifest hashes to ${digest}`, 1);
  }
  const contentType = String(res.headers['content-type'] ?? '').split(';')[0].trim();
  return { bytes, digest, mediaType: contentType };
}

/** Decide what a fetched document is (from its media type, else its shape) and validate it. */
export function parseManifest(m: FetchedManifest, what: string): ParsedManifest {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(m.bytes.toString()) as Record<string, unknown>;
  } catch {
    throw new UserError(`${what}: the manifest is not valid JSON`, 1);
  }
  if (raw === null || typeof raw !== 'object') throw new UserError(`${what}: the manifest is not a JSON object`, 1);
  const declared = typeof raw.mediaType === 'string' ? raw.mediaType : '';
  const type = declared || (m.mediaType !== 'application/json' && m.mediaType !== 'text/plain' ? m.mediaType : '');
  if (SCHEMA1.has(type) || SCHEMA1.has(m.mediaType) || raw.schemaVersion === 1) {
    throw new UserError(`${what}: unsupported manifest format: Docker Image Manifest Version 2, Schema 1 is deprecated and not supported; push the image again with a current client`, 1);
  }
  const isIndex = type === MEDIA.ociIndex || type === MEDIA.dockerManifestList || (!type && Array.isArray(raw.manifests));
  const isManifest = type === MEDIA.ociManifest || type === MEDIA.dockerManifest || (!type && Array.isArray(raw.layers));
  m.mediaType = isIndex ? (type || MEDIA.ociIndex) : isManifest ? (type || MEDIA.ociManifest) : type;
  if (isIndex) return { kind: 'index', index: parseJson(ImageIndex, m.bytes, what) };
  if (isManifest) {
    const manifest = parseJson(ImageManifest, m.bytes, what);
    if (!CONFIG_MEDIA_TYPES.has(manifest.config.mediaType)) {
      throw new UserError(`${what}: not a container image: unsupported config media type ${manifest.config.mediaType}`, 1);
    }
    for (const l of manifest.layers) {
      if (l.mediaType.endsWith('+zstd') && !hasZstd()) throw zstdUnsupported(`${what}: layer ${shortDigest(l.digest)}`, l.mediaType);
      if (!LAYER_MEDIA_TYPES.has(l.mediaType)) throw new UserError(`${what}: unsupported layer media type ${l.mediaType}`, 1);
    }
    return { kind: 'manifest', manifest };
  }
  throw new UserError(`${what}: unsupported manifest media type ${JSON.stringify(type || '(none)')}`, 1);
}

export interface ResolvedImage {
  top: FetchedManifest;          // what the tag points to (its digest is the RepoDigest)
  manifest: FetchedManifest;     // the platform's image manifest
  parsed: ImageManifest;
  platformEntry?: Descriptor;    // the index entry we chose, if the tag is an index
}

/** Fetch the tag's manifest and, for an index, the entry for `platform`. */
export async function resolveManifest(client: RegistryClient, reference: string, what: string, platform: PlatformSpec): Promise<ResolvedImage> {
  const top = await fetchManifest(client, reference, what);
  let current = top;
  let entry: Descriptor | undefined;
  for (let depth = 0; depth < 3; depth++) {
    const parsed = parseManifest(current, what);
    if (parsed.kind === 'manifest') return { top, manifest: current, parsed: parsed.manifest, platformEntry: entry };
    entry = selectPlatform(parsed.index.manifests, platform, what);
    const child = await fetchManifest(client, entry.digest, `${what} (${entry.platform ? formatPlatform(entry.platform as PlatformSpec) : shortDigest(entry.digest)})`);
    if (child.bytes.length !== entry.size) throw new UserError(`${what}: manifest ${shortDigest(entry.digest)} is ${child.bytes.length} bytes, the index says ${entry.size}`, 1);
    current = child;
  }
  throw new UserError(`${what}: image indexes nested too deeply`, 1);
}
