/**
 * Named volumes: directories the engine owns, outside any container, so their data outlives
 * the containers that use them. Like docker's "local" driver:
 *
 *   ROOT/volumes/<name>/_data        what containers see (bind-mounted at the target path)
 *   ROOT/volumes/<name>/volume.json  name, labels, creation time (validated with zod)
 *
 * Whether a volume is in use is a question about containers, answered in engine/volumes.ts.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { recordEvent } from '../events';
import { join } from 'node:path';
import { randomBytes } from '../sys/random';
import { paths } from '../paths';
import { writeFileAtomic } from '../fsutil';
import { UserError } from '../errors';
import { withStateLock } from '../lock';
import { lazy } from '../lazy';
import { isoTime } from '../utc-time';

// The record's schema (zod) is in volume-schema.ts, loaded when a record is read: `run` loads
// this module (userns-remap writes records) without zod (lazy.ts).
export type { VolumeRecord } from './volume-schema';
import type { VolumeRecord } from './volume-schema';
const schemas = lazy(() => require('./volume-schema') as typeof import('./volume-schema'));

export const volumesDir = () => join(paths.root(), 'volumes');
export const volumeDir = (name: string) => join(volumesDir(), name);
export const volumeData = (name: string) => join(volumeDir(name), '_data');

/** docker's rule for volume names (a name never contains '/', so it never escapes volumes/). */
export const validVolumeName = (name: string) => /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/.test(name);

export function readVolume(name: string): VolumeRecord | null {
  if (!validVolumeName(name)) return null;
  const file = join(volumeDir(name), 'volume.json');
  if (!existsSync(file)) return null;
  const r = schemas().VolumeRecord.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!r.success) throw new UserError(`volume ${name}: its record ${file} is invalid: ${r.error.issues[0].message}`, 1);
  return r.data;
}

export function getVolume(name: string): VolumeRecord {
  const v = readVolume(name);
  if (!v) throw new UserError(`get ${name}: no such volume`, 1);
  return v;
}

export function listVolumes(): VolumeRecord[] {
  if (!existsSync(volumesDir())) return [];
  const out: VolumeRecord[] = [];
  for (const n of readdirSync(volumesDir()).sort()) {
    try {
      const v = readVolume(n);
      if (v) out.push(v);
    } catch { /* a broken record is reported by `volume inspect` */ }
  }
  return out;
}

/**
 * Create a volume, or return the existing one (docker's `volume create` is idempotent too).
 * `created` tells the caller whether it is new — a new, empty volume gets the image's content.
 */
export function createVolume(name: string | null, labels: Record<string, string> = {}): { volume: VolumeRecord; created: boolean } {
  const anonymous = name === null;
  const n = name ?? randomBytes(32).toString('hex');
  if (!validVolumeName(n)) {
    throw new UserError(`create ${n}: "${n}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path`, 125);
  }
  return withStateLock(() => {
    const existing = readVolume(n);
    if (existing) return { volume: existing, created: false };
    const volume: VolumeRecord = { Name: n, Driver: 'local', Labels: anonymous ? { 'com.docker.volume.anonymous': '' } : labels, CreatedAt: isoTime(), Anonymous: anonymous };
    mkdirSync(volumeData(n), { recursive: true, mode: 0o755 });
    try {
      writeFileAtomic(join(volumeDir(n), 'volume.json'), JSON.stringify(volume, null, 2) + '\n', 0o600);
    } catch (err) {
      rmSync(volumeDir(n), { recursive: true, force: true }); // a full disk leaves no half-made volume
      throw err;
    }
    recordEvent('volume', 'create', n, { driver: 'local' });
    return { volume, created: true };
  });
}

/** Rewrite a volume's record (atomically). */
export function writeVolumeRecord(v: VolumeRecord): void {
  writeFileAtomic(join(volumeDir(v.Name), 'volume.json'), JSON.stringify(v, null, 2) + '\n', 0o600);
}

/** Delete a volume's directory and data (the caller has checked that no container uses it). */
export function deleteVolume(name: string): void {
  if (!validVolumeName(name)) return;
  rmSync(volumeDir(name), { recursive: true, force: true });
  recordEvent('volume', 'destroy', name, { driver: 'local' });
}
