/**
 * From `-v`, `--mount`, `--tmpfs`, `--volumes-from` and the image's VOLUME list to the
 * container's mounts: parsed into MountPoints (kept in the container record, shown by
 * `inspect`), then into OCI mounts for config.json — plain `bind` and `tmpfs` mounts that the
 * runtime performs like any other (targets resolved *inside* the rootfs, see
 * runtime/secure-join.ts). A named volume is just a bind mount of ROOT/volumes/NAME/_data.
 */
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { posix } from 'node:path';
import { UserError } from '../errors';
import type { Mount } from '../runtime/spec';
import type { ImageConfig } from '../image/store';
import type { MountPoint } from '../volume/mount-point';
import { createVolume, deleteVolume, listVolumes, readVolume, validVolumeName, volumeData, type VolumeRecord } from '../volume/store';
import { withStateLock } from '../lock';
import { treeSize } from '../fsutil';
import { lazy } from '../lazy';
import { findContainer, listContainers, type ContainerRecord } from './container-store';

/** The mount point's schema (zod, for its defaults): loaded at the first -v/--mount/--tmpfs or image volume, not by every `run` (lazy.ts). */
const schemas = lazy(() => require('../volume/mount-point') as typeof import('../volume/mount-point'));
const copyUp = lazy(() => require('../volume/copy-up') as typeof import('../volume/copy-up'));
const mountPoint = (v: Record<string, unknown>): MountPoint => schemas().MountPoint.parse(v);

export interface MountRequest {
  volumes?: string[];     // -v
  mounts?: string[];      // --mount
  tmpfs?: string[];       // --tmpfs
  volumesFrom?: string[]; // --volumes-from
}

const PROPAGATIONS = ['private', 'rprivate', 'shared', 'rshared', 'slave', 'rslave'];

function checkDestination(dest: string, flag: string, spec: string): string {
  if (!dest.startsWith('/')) throw new UserError(`invalid ${flag} "${spec}": mount path must be absolute`, 125);
  const clean = posix.normalize(dest).replace(/(.)\/+$/, '$1');
  if (clean === '/') throw new UserError(`invalid ${flag} "${spec}": destination can't be '/'`, 125);
  return clean;
}

/** A planned mount, before volumes exist: `volumeName` null means "make an anonymous one". */
interface Planned { mp: MountPoint; volumeName?: string | null; nocopy?: boolean }

/** `-v [SRC:]DST[:OPTS]`: SRC absolute → bind (created if missing); a name → named volume; none → anonymous. */
export function parseVolumeFlag(spec: string): Planned {
  const parts = spec.split(':');
  if (parts.length > 3 || parts.some((p) => p === '')) throw new UserError(`invalid volume specification: '${spec}'`, 125);
  let src: string | undefined, dst: string, mode = '';
  if (parts.length === 1) [dst] = parts;
  else if (parts.length === 2 && parts[1].startsWith('/')) [src, dst] = parts;
  else if (parts.length === 2) { [dst, mode] = parts; }
  else [src, dst, mode] = parts;
  dst = checkDestination(dst, 'volume specification', spec);
  const words = mode ? mode.split(',') : [];
  for (const w of words) {
    if (!['ro', 'rw', 'z', 'Z', 'nocopy', 'consistent', 'cached', 'delegated', ...PROPAGATIONS].includes(w)) {
      throw new UserError(`invalid mode: ${w}`, 125);
    }
  }
  const rw = !words.includes('ro');
  const propagation = words.find((w) => PROPAGATIONS.includes(w)) ?? '';
  if (src !== undefined && src.startsWith('/')) {
    return { mp: mountPoint({ Type: 'bind', Source: posix.normalize(src), Destination: dst, Mode: mode, RW: rw, Propagation: propagation || 'rprivate' }) };
  }
  if (src !== undefined && !validVolumeName(src)) {
    throw new UserError(`create ${src}: "${src}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path`, 125);
  }
  return { mp: mountPoint({ Type: 'volume', Source: '', Destination: dst, Driver: 'local', Mode: mode || 'z', RW: rw, Anonymous: src === undefined }), volumeName: src ?? null, nocopy: words.includes('nocopy') };
}

/** `--mount type=bind|volume|tmpfs,source=…,target=…[,readonly][,bind-propagation=…][,tmpfs-size=…]`. */
export function parseMountFlag(spec: string): Planned {
  const kv = new Map<string, string>();
  for (const field of spec.split(',')) {
    const i = field.indexOf('=');
    kv.set((i < 0 ? field : field.slice(0, i)).trim().toLowerCase(), i < 0 ? '' : field.slice(i + 1));
  }
  const known = ['type', 'source', 'src', 'target', 'destination', 'dst', 'readonly', 'ro', 'bind-propagation', 'volume-nocopy', 'tmpfs-size', 'tmpfs-mode', 'consistency'];
  for (const k of kv.keys()) if (!known.includes(k)) throw new UserError(`invalid argument "${spec}" for "--mount" flag: unexpected key '${k}' in '${spec}'`, 125);
  const type = kv.get('type') ?? 'volume';
  const src = kv.get('source') ?? kv.get('src');
  const target = kv.get('target') ?? kv.get('destination') ?? kv.get('dst');
  if (!target) throw new UserError(`invalid argument "${spec}" for "--mount" flag: target is required`, 125);
  const dst = checkDestination(target, 'mount', spec);
  const roValue = kv.get('readonly') ?? kv.get('ro');
  const readonly = roValue !== undefined && roValue !== 'false' && roValue !== '0';
  if (type === 'bind') {
    if (!src) throw new UserError(`invalid argument "${spec}" for "--mount" flag: source is required when type is bind`, 125);
    // Relative: it would be checked against our cwd but mounted from the init's; refused (as docker).
    if (!src.startsWith('/')) throw new UserError(`invalid mount config for type "bind": invalid mount path: '${src}' mount path must be absolute`, 125);
    // Unlike -v, --mount does not create a missing host directory (docker's rule).
    if (!existsSync(src)) throw new UserError(`invalid mount config for type "bind": bind source path does not exist: ${src}`, 125);
    const propagation = kv.get('bind-propagation') ?? 'rprivate';
    if (!PROPAGATIONS.includes(propagation)) throw new UserError(`invalid bind-propagation: ${propagation}`, 125);
    return { mp: mountPoint({ Type: 'bind', Source: posix.normalize(src), Destination: dst, RW: !readonly, Propagation: propagation }) };
  }
  if (type === 'volume') {
    if (src && !validVolumeName(src)) throw new UserError(`invalid mount config for type "volume": invalid volume name "${src}"`, 125);
    return { mp: mountPoint({ Type: 'volume', Source: '', Destination: dst, Driver: 'local', RW: !readonly, Anonymous: !src }), volumeName: src || null, nocopy: kv.has('volume-nocopy') && kv.get('volume-nocopy') !== 'false' };
  }
  if (type === 'tmpfs') {
    if (src) throw new UserError(`invalid mount config for type "tmpfs": source is not allowed for tmpfs`, 125);
    const options: string[] = [];
    const size = kv.get('tmpfs-size');
    if (size) options.push(`size=${size}`);
    const mode = kv.get('tmpfs-mode');
    if (mode) options.push(`mode=${mode}`);
    if (readonly) options.push('ro');
    return { mp: mountPoint({ Type: 'tmpfs', Source: '', Destination: dst, RW: !readonly, Options: options }) };
  }
  throw new UserError(`invalid argument "${spec}" for "--mount" flag: mount type '${type}' is not supported (bind, volume or tmpfs)`, 125);
}

/** `--tmpfs /path[:size=64m,mode=1777,…]`. */
export function parseTmpfsFlag(spec: string): Planned {
  const i = spec.indexOf(':');
  const dst = checkDestination(i < 0 ? spec : spec.slice(0, i), 'tmpfs', spec);
  const options = i < 0 ? [] : spec.slice(i + 1).split(',').filter(Boolean);
  return { mp: mountPoint({ Type: 'tmpfs', Source: '', Destination: dst, RW: !options.includes('ro'), Options: options }) };
}

/** `--volumes-from CONTAINER[:ro|rw]`: the other container's binds and volumes, at the same paths. */
function volumesFrom(spec: string): Planned[] {
  const [ref, mode] = spec.split(':');
  if (mode !== undefined && mode !== 'ro' && mode !== 'rw') throw new UserError(`invalid mode for volumes-from: ${mode}`, 125);
  let other: ContainerRecord;
  try {
    other = findContainer(ref);
  } catch (e) {
    throw new UserError((e as Error).message, 125);
  }
  return other.mounts.filter((m) => m.Type !== 'tmpfs').map((m) => ({
    mp: { ...m, RW: mode === undefined ? m.RW : mode === 'rw' },
    // the volume already exists and is already filled: never copy up again
    ...(m.Type === 'volume' ? { volumeName: m.Name, nocopy: true } : {}),
  }));
}

const isEmptyDir = (dir: string) => {
  try { return readdirSync(dir).length === 0; } catch { return false; }
};

/**
 * Plan and prepare every user and image mount of a new container: create missing bind
 * sources (`-v` only) and volumes, and copy the image's content into empty ones. On error,
 * the anonymous volumes made so far are removed again.
 */
/**
 * `onVolume`: each named or anonymous volume, once its data is in place; `fresh` when it was
 * created now or was empty (its content, if any, just copied from the image). --userns private
 * uses it to give the volume to the container's range (userns-remap.ts adoptVolume).
 */
export function prepareMounts(req: MountRequest, image: ImageConfig, layerDirs: string[],
  onVolume?: (volume: VolumeRecord, data: string, fresh: boolean) => void): MountPoint[] {
  // Explicit flags win over --volumes-from at the same path; two flags for one path are an error.
  const byDest = new Map<string, Planned>();
  for (const p of (req.volumesFrom ?? []).flatMap(volumesFrom)) byDest.set(p.mp.Destination, p);
  const explicit = [...(req.volumes ?? []).map(parseVolumeFlag), ...(req.mounts ?? []).map(parseMountFlag), ...(req.tmpfs ?? []).map(parseTmpfsFlag)];
  const seen = new Set<string>();
  for (const p of explicit) {
    if (seen.has(p.mp.Destination)) throw new UserError(`Duplicate mount point: ${p.mp.Destination}`, 125);
    seen.add(p.mp.Destination);
    byDest.set(p.mp.Destination, p);
  }
  // The image's VOLUME entries not covered by the user get an anonymous volume each.
  for (const path of Object.keys(image.Volumes ?? {})) {
    const dst = posix.normalize(path).replace(/(.)\/+$/, '$1');
    if (!byDest.has(dst)) byDest.set(dst, { mp: mountPoint({ Type: 'volume', Source: '', Destination: dst, Driver: 'local', RW: true, Anonymous: true }), volumeName: null });
  }

  const made: string[] = [];
  const result: MountPoint[] = [];
  try {
    for (const p of byDest.values()) {
      const mp = { ...p.mp };
      if (mp.Type === 'bind') {
        // docker's -v creates a missing host directory (and --mount refused it above)
        if (!existsSync(mp.Source)) mkdirSync(mp.Source, { recursive: true, mode: 0o755 });
        statSync(mp.Source);
      } else if (mp.Type === 'volume') {
        const { volume, created } = createVolume(p.volumeName ?? null);
        if (created) made.push(volume.Name);
        mp.Name = volume.Name;
        mp.Source = volumeData(volume.Name);
        // Copy-up: an empty volume first receives what the image has at that path.
        const empty = isEmptyDir(mp.Source);
        // (volume/copy-up.ts and the layer code it brings loaded here: `run` loads this module, few copy up)
        if (!p.nocopy && empty) copyUp().copyUpFromImage(layerDirs, mp.Destination, mp.Source);
        onVolume?.(volume, mp.Source, created || empty);
      }
      result.push(mountPoint(mp));
    }
  } catch (err) {
    for (const name of made) deleteVolume(name);
    throw err;
  }
  return result;
}

/** The record's mounts as config.json mounts, parents before children (`/data` before `/data/x`). */
export function toOciMounts(mps: MountPoint[]): Mount[] {
  const depth = (p: string) => p.split('/').filter(Boolean).length;
  return [...mps].sort((a, b) => depth(a.Destination) - depth(b.Destination)).map((m) => {
    if (m.Type === 'tmpfs') {
      // docker's defaults for --tmpfs: no setuid binaries, no device nodes, nothing executable
      return { destination: m.Destination, type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'noexec', ...m.Options] };
    }
    // rbind: submounts of the source come along; private propagation: mounts made on either
    // side later do not leak to the other; ro is applied by a second (remount) step.
    return { destination: m.Destination, type: 'bind', source: m.Source, options: ['rbind', m.Propagation || 'rprivate', m.RW ? 'rw' : 'ro'] };
  });
}

/** Names of the volumes some container (running or not) uses, with the containers using each. */
export function volumeUsers(): Map<string, string[]> {
  const users = new Map<string, string[]>();
  for (const c of listContainers()) {
    for (const m of c.mounts) if (m.Type === 'volume') users.set(m.Name, [...(users.get(m.Name) ?? []), c.id]);
  }
  return users;
}

/** Remove a container's anonymous volumes (after the container is gone), unless another container uses one. */
export function removeAnonymousVolumes(mounts: MountPoint[]): void {
  const anonymous = mounts.filter((m) => m.Type === 'volume' && m.Anonymous);
  if (anonymous.length === 0) return; // (no container records to read: every `run --rm` without volumes)
  const users = volumeUsers();
  for (const m of anonymous) if (!users.has(m.Name)) deleteVolume(m.Name);
}

// --- `volume` commands

/** docker's `volume inspect` object. */
export function inspectVolume(v: VolumeRecord): Record<string, unknown> {
  // Docker: CreatedAt in whole seconds (RFC 3339), Labels null when the volume has none
  const createdAt = v.CreatedAt.replace(/\.\d+Z$/, 'Z');
  return { CreatedAt: createdAt, Driver: v.Driver, Labels: Object.keys(v.Labels).length ? v.Labels : null, Mountpoint: volumeData(v.Name), Name: v.Name, Options: null, Scope: 'local' };
}

/** `volume rm [-f]`: refused while any container (even a stopped one) uses the volume — even with -f, as docker does. */
export function removeVolume(name: string, force: boolean): void {
  withStateLock(() => {
    const v = readVolume(name);
    if (!v) {
      if (force) return;
      throw new UserError(`get ${name}: no such volume`, 1);
    }
    const users = volumeUsers().get(v.Name);
    if (users) throw new UserError(`remove ${name}: volume is in use - [${users.join(', ')}]`, 1);
    deleteVolume(v.Name);
  });
}

/** `volume prune [-a]`: unused anonymous volumes (all unused ones with -a). Returns names and bytes freed. */
export function pruneVolumes(all: boolean, wanted: (labels: Record<string, string>) => boolean = () => true): { names: string[]; bytes: number } {
  return withStateLock(() => {
    const users = volumeUsers();
    const names: string[] = [];
    let bytes = 0;
    for (const v of listVolumes()) {
      if (users.has(v.Name) || (!all && !v.Anonymous) || !wanted(v.Labels)) continue;
      bytes += treeSize(volumeData(v.Name));
      deleteVolume(v.Name);
      names.push(v.Name);
    }
    return { names, bytes };
  });
}
