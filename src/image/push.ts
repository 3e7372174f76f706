/**
 * `push`: an image from the store to a registry, following the distribution spec:
 *
 *   for the config and each layer blob:
 *     HEAD /v2/<name>/blobs/<digest>           already there? ("Layer already exists")
 *     POST /v2/<name>/blobs/uploads/           open an upload session → Location
 *     PUT  <Location>?digest=<digest>          the whole blob at once ("monolithic" upload);
 *                                              the registry verifies the digest itself
 *   PUT /v2/<name>/manifests/<tag>             last, so a tag never names missing blobs
 *
 * The token asks for the scope "repository:<name>:pull,push".
 */
import { createReadStream, statSync } from 'node:fs';
import { UserError } from '../errors';
import { shortDigest } from './digest';
import { blobPath, hasBlob, readBlob } from './content-store';
import { lookupImage } from './lookup';
import { readImageRecord } from './image-index';
import { writeImageRecord } from './image-record-write';
import { withStateLock } from '../lock';
import { ImageManifest, MEDIA, parseJson, type Descriptor } from './oci-types';
import { familiarName, formatReference, parseReference, repositoryName } from './reference';
import { RegistryClient } from './registry/client';
import { originEndpoints } from './registry/endpoint';
import type { PullReporter } from './pull';

export interface PushResult { tag: string; digest: string; size: number }

async function pushBlob(client: RegistryClient, desc: Descriptor, emit: PullReporter): Promise<void> {
  const id = desc.digest.slice(7, 19);
  const what = `blob ${shortDigest(desc.digest)}`;
  const head = await client.request(client.path(`blobs/${desc.digest}`), { method: 'HEAD', what, accept: (s) => s === 200 || s === 404 });
  head.resume();
  if (head.statusCode === 200) {
    emit({ id, status: 'Layer already exists' });
    return;
  }
  if (!hasBlob(desc.digest)) throw new UserError(`${what} is missing from the content store: pull or load the image again`, 1);
  const size = statSync(blobPath(desc.digest)).size;
  emit({ id, status: 'Preparing' });
  const start = await client.request(client.path('blobs/uploads/'), { method: 'POST', what: `upload of ${what}`, headers: { 'Content-Length': '0' }, accept: (s) => s === 202 });
  start.resume();
  const location = start.headers.location;
  if (!location) throw new UserError(`upload of ${what}: the registry gave no upload location`, 1);
  const url = new URL(location, client.endpoint.base + '/');
  url.searchParams.set('digest', desc.digest);
  let sent = 0;
  const put = await client.request(url.href, {
    method: 'PUT',
    what: `upload of ${what}`,
    headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(size) },
    body: () => {
      sent = 0;
      const s = createReadStream(blobPath(desc.digest));
      s.on('data', (c) => { sent += (c as Buffer).length; emit({ id, status: 'Pushing', current: sent, total: size }); });
      return s;
    },
    accept: (s) => s === 201,
  });
  put.resume();
  emit({ id, status: 'Pushed' });
}

export async function pushImage(ref: string, emit: PullReporter = () => undefined): Promise<PushResult> {
  const r = parseReference(ref);
  if (r.digest) throw new UserError(`cannot push a digest reference: ${ref}`, 1);
  const name = formatReference(r);
  const img = lookupImage(name);
  if (!img || !img.repoTags.includes(name)) throw new UserError(`An image does not exist locally with the tag: ${familiarName(name).replace(/:latest$/, '')}`, 1);
  const manifestBytes = readBlob(img.manifestDigest);
  const manifest = parseJson(ImageManifest, manifestBytes, `manifest ${shortDigest(img.manifestDigest)}`);
  const mediaType = manifest.mediaType ?? MEDIA.ociManifest;
  emit({ status: `The push refers to repository [${familiarName(repositoryName(r))}]` });
  let lastError: unknown = null;
  for (const endpoint of originEndpoints(r.domain)) {
    const client = new RegistryClient(endpoint, r.path, ['pull', 'push']);
    try {
      // Upload the layers top to bottom (docker's order), the config last of the blobs.
      for (const layer of [...manifest.layers].reverse()) await pushBlob(client, layer, emit);
      await pushBlob(client, manifest.config, () => undefined);
      const res = await client.request(client.path(`manifests/${r.tag}`), {
        method: 'PUT', what: `manifest for ${familiarName(name)}`, headers: { 'Content-Type': mediaType }, body: manifestBytes, accept: (s) => s === 201,
      });
      res.resume();
      const digest = String(res.headers['docker-content-digest'] ?? img.manifestDigest);
      withStateLock(() => {
        const now = readImageRecord(img.id);
        const rd = `${repositoryName(r)}@${digest}`;
        if (now && !now.repoDigests.includes(rd)) writeImageRecord({ ...now, repoDigests: [...now.repoDigests, rd] });
      });
      emit({ status: `${r.tag}: digest: ${digest} size: ${manifestBytes.length}` });
      return { tag: name, digest, size: manifestBytes.length };
    } catch (e) {
      lastError = e;
    }
  }
  throw lastError;
}
