/**
 * `save`: images from the store as one tar that is BOTH an OCI image layout (oci-layout,
 * index.json, blobs/sha256/…) and a `docker save` archive (manifest.json naming the config and
 * layer files inside blobs/) — the format docker itself writes since version 25. So the file
 * loads into docker, podman, skopeo (oci-archive: or docker-archive:) and `mini-run load`.
 *
 * Blobs are hard-linked from the content store into a staging dir (no copy), then tarred.
 */
import { linkSync, copyFileSync, mkdirSync, writeFileSync, createWriteStream, renameSync, rmSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Writable } from 'node:stream';
import { create as createTar } from 'tar';
import { UserError } from '../errors';
import { digestHex, shortDigest } from './digest';
import { blobPath, hasBlob, readBlob } from './content-store';
import { lookupImage } from './lookup';
import { ImageManifest, MEDIA, parseJson } from './oci-types';
import { familiarName, formatReference, parseReference } from './reference';
import { makeStagingDir, removeStaging } from './staging';

export async function saveImages(refs: string[], out: { file?: string; stream?: Writable }): Promise<void> {
  const staging = makeStagingDir('save');
  try {
    const blobsDir = join(staging, 'blobs', 'sha256');
    mkdirSync(blobsDir, { recursive: true });
    const addBlob = (digest: string) => {
      const dest = join(blobsDir, digestHex(digest));
      if (!hasBlob(digest)) throw new UserError(`blob ${shortDigest(digest)} is missing from the content store: pull or load the image again`, 1);
      try { linkSync(blobPath(digest), dest); } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EEXIST') return;
        copyFileSync(blobPath(digest), dest);
      }
    };
    const index: object[] = [];
    const dockerManifest: object[] = [];
    for (const ref of refs) {
      const img = lookupImage(ref);
      if (!img) throw new UserError(`No such image: ${ref}`, 1);
      let tags: string[] = [];
      try {
        const r = parseReference(ref);
        const n = formatReference(r);
        if (r.tag && !r.digest && img.repoTags.includes(n)) tags = [n];
      } catch { /* an id: no names, like docker */ }
      const manifestBytes = readBlob(img.manifestDigest);
      const manifest = parseJson(ImageManifest, manifestBytes, `manifest ${shortDigest(img.manifestDigest)}`);
      addBlob(img.manifestDigest);
      addBlob(manifest.config.digest);
      for (const l of manifest.layers) addBlob(l.digest);
      const desc = { mediaType: manifest.mediaType ?? MEDIA.ociManifest, digest: img.manifestDigest, size: manifestBytes.length };
      if (tags.length) {
        for (const t of tags) index.push({ ...desc, annotations: { 'io.containerd.image.name': t, 'org.opencontainers.image.ref.name': t.slice(t.lastIndexOf(':') + 1) } });
      } else {
        index.push(desc);
      }
      dockerManifest.push({
        Config: `blobs/sha256/${digestHex(manifest.config.digest)}`,
        RepoTags: tags.map(familiarName),
        Layers: manifest.layers.map((l) => `blobs/sha256/${digestHex(l.digest)}`),
      });
    }
    writeFileSync(join(staging, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
    writeFileSync(join(staging, 'index.json'), JSON.stringify({ schemaVersion: 2, mediaType: MEDIA.ociIndex, manifests: index }));
    writeFileSync(join(staging, 'manifest.json'), JSON.stringify(dockerManifest));
    const tar = createTar({ cwd: staging, portable: true, noMtime: false, mtime: new Date(0) } as any, ['oci-layout', 'index.json', 'manifest.json', 'blobs']);
    if (out.file) {
      const tmp = join(dirname(out.file), `.${process.pid}.save.tmp`);
      try {
        await pipeline(tar as unknown as NodeJS.ReadableStream, createWriteStream(tmp, { mode: 0o644 }));
        renameSync(tmp, out.file);
      } catch (e) {
        rmSync(tmp, { force: true });
        throw new UserError(`save to ${out.file}: ${(e as Error).message}`, 1);
      }
    } else {
      await pipeline(tar as unknown as NodeJS.ReadableStream, out.stream!);
    }
  } finally {
    removeStaging(staging);
  }
}
