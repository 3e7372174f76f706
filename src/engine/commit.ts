/**
 * `mini-run commit` and `mini-run import`: making an image from a container's writable layer,
 * or from a tar of a whole filesystem.
 *
 * commit: the overlay's upper dir becomes one more layer on top of the image's. Overlayfs
 * records a deletion as a whiteout (a 0/0 character device) and a replaced directory with the
 * `trusted.overlay.opaque` xattr; image layers (OCI/docker) say the same with marker files:
 * `.wh.<name>` and `<dir>/.wh..wh..opq`. So the tar is written with those markers, and when
 * the layer is unpacked (layer-writer.ts) they become overlay whiteouts again.
 */
import { closeSync, createReadStream, createWriteStream, openSync, readSync, rmSync, statSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { createGzip, createGunzip } from 'node:zlib';
import { join } from 'node:path';
import { UserError } from '../errors';
import { paths } from '../paths';
import { isoTime } from '../utc-time';
import { findImage, imageConfigFile } from '../image/store';
import { readBlob } from '../image/content-store';
import { digestOf, hashingTee, newHash, sha256 } from '../image/digest';
import { unpackLayer } from '../image/layer-store';
import { storeImage } from '../image/store-image';
import { newStagingPath } from '../image/staging';
import { normalizeReference } from '../image/reference';
import { MEDIA, hostArchitecture, type ImageConfigFile, type ContainerConfig } from '../image/oci-types';
import { findContainer, isRunning } from './container-store';
import { pauseContainer, unpauseContainer } from './pause';
import { writeTree, type WalkHooks } from './export';
import { containerOwners } from './userns-remap';
import { TarWriter } from '../image/tar-writer';
import { containerChanges, isOpaqueAt, isUntouchedMountpoint, isWhiteout, runtimeMountpoints } from './diff';
import { findMerged } from '../volume/copy-up';
import { layerDirs } from '../image/store';
import { readdirSync } from 'node:fs';

// --- --change / -c: Dockerfile instructions that set image config

/** `CMD ["a","b"]` (exec form) or `CMD a b` (shell form, run by /bin/sh -c). */
function commandValue(rest: string): string[] {
  const t = rest.trim();
  if (t.startsWith('[')) {
    try {
      const v = JSON.parse(t);
      if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v;
    } catch { /* shell form */ }
  }
  return ['/bin/sh', '-c', t];
}

/** KEY=VALUE words (quotes allowed), or the old `KEY VALUE` form. */
function keyValueWords(rest: string): Array<[string, string]> {
  const t = rest.trim();
  const words = t.match(/(?:[^\s"']+|"[^"]*"|'[^']*')+/g) ?? [];
  if (!words[0]?.includes('=')) {
    const i = t.search(/\s/);
    return [[i < 0 ? t : t.slice(0, i), i < 0 ? '' : t.slice(i + 1).trim()]];
  }
  return words.map((w) => {
    const i = w.indexOf('=');
    return [w.slice(0, i), w.slice(i + 1).replace(/^"(.*)"$|^'(.*)'$/, '$1$2')];
  });
}

export function applyChanges(config: ContainerConfig, changes: string[]): ContainerConfig {
  const c: ContainerConfig = { ...config };
  for (const change of changes) {
    const m = /^\s*(\w+)\s+([\s\S]*)$/.exec(change);
    if (!m) throw new UserError(`invalid change "${change}": expected an instruction like CMD, ENV, WORKDIR`, 1);
    const [, instr, rest] = m;
    switch (instr.toUpperCase()) {
      case 'CMD': c.Cmd = commandValue(rest); break;
      case 'ENTRYPOINT': c.Entrypoint = commandValue(rest); break;
      case 'ENV': {
        const env = new Map((c.Env ?? []).map((e) => [e.split('=')[0], e] as [string, string]));
        for (const [k, v] of keyValueWords(rest)) env.set(k, `${k}=${v}`);
        c.Env = [...env.values()];
        break;
      }
      case 'LABEL': {
        const labels = { ...(c.Labels ?? {}) };
        for (const [k, v] of keyValueWords(rest)) labels[k] = v;
        c.Labels = labels;
        break;
      }
      case 'WORKDIR': c.WorkingDir = rest.trim(); break;
      case 'USER': c.User = rest.trim(); break;
      case 'STOPSIGNAL': c.StopSignal = rest.trim(); break;
      case 'EXPOSE': {
        const ports = { ...(c.ExposedPorts ?? {}) };
        for (const p of rest.trim().split(/\s+/)) ports[p.includes('/') ? p : `${p}/tcp`] = {};
        c.ExposedPorts = ports;
        break;
      }
      case 'VOLUME': {
        const vols = { ...(c.Volumes ?? {}) };
        const t = rest.trim();
        const list: string[] = t.startsWith('[') ? JSON.parse(t) : t.split(/\s+/);
        for (const v of list) vols[v] = {};
        c.Volumes = vols;
        break;
      }
      default:
        throw new UserError(`${instr.toUpperCase()} is not a valid change command`, 1);
    }
  }
  return c;
}

// --- layers

/** gzip a staged tar into a blob file; returns its digest and size. */
async function gzipFile(tarFile: string, gzFile: string): Promise<{ digest: string; size: number }> {
  const hash = newHash();
  await pipeline(createReadStream(tarFile), createGzip({ level: 6 }), hashingTee(hash), createWriteStream(gzFile));
  return { digest: digestOf(hash), size: statSync(gzFile).size };
}

/** The container's upper dir as an OCI layer tar (whiteouts as `.wh.` markers). Returns the diff_id. */
function writeUpperAsLayer(upperDir: string, tarFile: string, skip: (rel: string, st: import('node:fs').Stats, emptyDir: () => boolean) => boolean, owners?: WalkHooks['owners']): string {
  const out = openSync(tarFile, 'w', 0o600);
  const upper = openSync(upperDir, 'r');
  try {
    const tar = new TarWriter(out, true);
    writeTree(tar, upper, '', statSync(upperDir).dev, {
      owners,
      visit: (fd, name, rel, st, t) => {
        if (skip(rel, st, () => readdirSync(`/proc/self/fd/${fd}/${name}`).length === 0)) return false;
        if (!isWhiteout(st)) return true;
        const dir = rel.slice(0, rel.length - name.length);
        t.marker(`${dir}.wh.${name}`, st.mtimeMs / 1000);
        return false;
      },
      afterDir: (parentFd, name, rel, t) => {
        if (isOpaqueAt(parentFd, name)) t.marker(`${rel}/.wh..wh..opq`, Date.now() / 1000);
      },
    });
    return tar.finish()!;
  } finally {
    closeSync(upper);
    closeSync(out);
  }
}

/** Put a staged layer tar into the store (gzipped blob + unpacked layer). */
export async function storeLayerTar(tarFile: string, diffId: string): Promise<{ diffId: string; blobDigest: string; size: number }> {
  const gz = tarFile + '.gz';
  try {
    const blob = await gzipFile(tarFile, gz);
    const r = await unpackLayer({ source: { file: gz, offset: 0, size: blob.size }, diffId, blobDigest: blob.digest, keepBlob: true });
    return { diffId: r.diffId, blobDigest: r.blobDigest, size: blob.size };
  } finally {
    rmSync(gz, { force: true });
  }
}

/** Store an image made of these layers and this config (or the config's exact JSON text, whose digest is then the id). */
export function storeWithConfig(config: ImageConfigFile | string, layers: Array<{ diffId: string; blobDigest: string; size: number; mediaType: string }>, tag?: string): string {
  const configBuf = Buffer.from(typeof config === 'string' ? config : JSON.stringify(config));
  const manifest = {
    schemaVersion: 2,
    mediaType: MEDIA.ociManifest,
    config: { mediaType: MEDIA.ociConfig, digest: sha256(configBuf), size: configBuf.length },
    layers: layers.map((l) => ({ mediaType: l.mediaType, digest: l.blobDigest, size: l.size })),
  };
  const { image } = storeImage({
    manifest: Buffer.from(JSON.stringify(manifest)), config: configBuf,
    layers: layers.map((l) => ({ diffId: l.diffId, blobDigest: l.blobDigest })),
    repoTags: tag ? [normalizeReference(tag)] : [],
  });
  return image.id;
}

export interface CommitOptions {
  message?: string; author?: string; changes: string[]; pause?: boolean;
  /** build: the image config to write as is (not the container's settings), and the history line */
  config?: ContainerConfig; createdBy?: string;
}

export async function commitContainer(ref: string, repoTag: string | undefined, o: CommitOptions): Promise<string> {
  const rec = findContainer(ref);
  const img = findImage(rec.imageId);
  if (!img) throw new UserError(`the image of container ${rec.name} (${rec.imageId}) is gone from the store`, 1);
  const base = imageConfigFile(img);
  const baseManifest = JSON.parse(readBlob(img.manifestDigest).toString('utf8')) as { layers: Array<{ mediaType: string; digest: string; size: number }> };
  // The container's own settings become the image's defaults (docker's commit), then -c changes
  // (checked before the layer is stored: a bad one must not leave an unused layer behind).
  const cfg = o.config ?? applyChanges({
    ...(base.config ?? {}),
    Env: rec.config.Env, Cmd: rec.config.Cmd ?? undefined, Entrypoint: rec.config.Entrypoint ?? undefined,
    WorkingDir: rec.config.WorkingDir === '/' ? base.config?.WorkingDir ?? '' : rec.config.WorkingDir,
    User: rec.config.User, Labels: rec.config.Labels,
  }, o.changes);
  const tarFile = newStagingPath('commit') + '.tar';
  let layer: { diffId: string; blobDigest: string; size: number } | null = null;
  try {
    // The runtime's own mount points (diff.ts) are not part of the new layer, nor a directory of
    // the image copied up only to hold them (/etc for hostname, hosts, resolv.conf): what `diff`
    // lists is what the layer holds.
    const lower = [...layerDirs(img)].reverse();
    const points = runtimeMountpoints(rec);
    let changed = new Set<string>();
    const skip = (rel: string, st: import('node:fs').Stats, emptyDir: () => boolean) => {
      const inImage = findMerged(lower, rel.split('/')) !== null;
      if (isUntouchedMountpoint(points, '/' + rel, st, inImage, emptyDir)) return true;
      return st.isDirectory() && inImage && !changed.has('/' + rel);
    };
    // Like docker, freeze a running container while its layer is read (-p, on by default), so
    // the new image does not catch a file half-written.
    const freeze = o.pause !== false && isRunning(rec) && rec.state.Status === 'running';
    if (freeze) pauseContainer(rec.id);
    let diffId: string | null = null;
    try {
      changed = new Set(containerChanges(rec.id).map((c) => c.path));
      // --userns private: what the container's root wrote is owned by START on disk; the layer
      // keeps the container's view (0), as dockerd's commit under userns-remap does.
      // Nothing changed: no layer at all, only a history line (docker's empty_layer).
      if (changed.size) diffId = writeUpperAsLayer(join(paths.container(rec.id), 'upper'), tarFile, skip, rec.userns && containerOwners(rec.userns));
    } finally {
      if (freeze) unpauseContainer(rec.id);
    }
    if (diffId !== null) layer = await storeLayerTar(tarFile, diffId);
  } finally {
    rmSync(tarFile, { force: true });
  }
  const now = isoTime();
  const config: ImageConfigFile = {
    ...base,
    created: now,
    ...(o.author ? { author: o.author } : {}),
    config: cfg,
    rootfs: { type: 'layers', diff_ids: [...base.rootfs.diff_ids, ...(layer ? [layer.diffId] : [])] },
    history: [...(base.history ?? []), {
      created: now, created_by: o.createdBy ?? [rec.path, ...rec.args].join(' '),
      ...(o.author ? { author: o.author } : {}), ...(o.message ? { comment: o.message } : {}),
      ...(layer ? {} : { empty_layer: true }),
    }],
  };
  const layers = [
    ...img.layers.map((d, i) => ({ diffId: d, blobDigest: img.layerBlobs[i], size: baseManifest.layers[i]?.size ?? 0, mediaType: baseManifest.layers[i]?.mediaType ?? MEDIA.ociLayerGzip })),
    ...(layer ? [{ ...layer, mediaType: MEDIA.ociLayerGzip }] : []),
  ];
  return storeWithConfig(config, layers, repoTag);
}

function firstBytes(file: string, n: number): Buffer {
  let fd: number;
  try { fd = openSync(file, 'r'); } catch { throw new UserError(`open ${file}: no such file or directory`, 1); }
  try {
    const b = Buffer.alloc(n);
    return b.subarray(0, readSync(fd, b, 0, n, 0));
  } finally {
    closeSync(fd);
  }
}

/** `import FILE|- [REPO[:TAG]]`: a tar (maybe gzipped) of a filesystem → a one-layer image. */
export async function importImage(source: string, repoTag: string | undefined, changes: string[], message?: string): Promise<string> {
  const cfg = applyChanges({}, changes); // before anything is stored
  const staged = newStagingPath('import') + '.tar';
  try {
    // Stage the tar uncompressed (its digest is the layer's diff_id).
    const input = source === '-' ? process.stdin : createReadStream(source);
    const head = source === '-' ? null : firstBytes(source, 2);
    const gz = head !== null && head[0] === 0x1f && head[1] === 0x8b;
    try {
      if (gz) await pipeline(input, createGunzip(), createWriteStream(staged));
      else await pipeline(input, createWriteStream(staged));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new UserError(`open ${source}: no such file or directory`, 1);
      throw e;
    }
    if (statSync(staged).size === 0) throw new UserError('import: the archive is empty', 1);
    const hash = newHash();
    await pipeline(createReadStream(staged), async function* (src) { for await (const c of src) hash.update(c as Buffer); });
    const diffId = digestOf(hash);
    let layer;
    try {
      layer = await storeLayerTar(staged, diffId);
    } catch (e) {
      if (e instanceof UserError) throw new UserError(`import: ${e.message}`, 1);
      throw e;
    }
    const now = isoTime();
    const config: ImageConfigFile = {
      created: now, architecture: hostArchitecture(), os: 'linux',
      config: cfg,
      rootfs: { type: 'layers', diff_ids: [layer.diffId] },
      history: [{ created: now, created_by: '', comment: message ?? `Imported from ${source}` }],
    };
    return storeWithConfig(config, [{ ...layer, mediaType: MEDIA.ociLayerGzip }], repoTag);
  } finally {
    rmSync(staged, { force: true });
  }
}

