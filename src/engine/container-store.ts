/**
 * Container records: ROOT/containers/<id>/container.json, one per container, written
 * atomically under the state lock and validated when read (the check generated from the zod
 * schema in container-schema.ts; zod itself only to say what is wrong with a bad record).
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { paths, stateRoot } from '../paths';
import { isOutOfSpace, isWriteFailure, overwriteInPlace, writeFileAtomic } from '../fsutil';
import { UserError } from '../errors';
import { withStateLock } from '../lock';
import type { ContainerRef } from '../runtime';
import { processStartTime } from '../sys/proc-stat';
import type { ContainerRecord } from './container-schema';
import { checkContainerRecord } from './container-record-check';
import { lazy } from '../lazy';
import type { Layout } from '../remove-layout';

export type { ContainerRecord } from './container-schema';
/** zod, only to say what is wrong with a record the generated check refused (lazy.ts). */
const schemas = lazy(() => require('./container-schema') as typeof import('./container-schema'));
const runtimeMod = lazy(() => require('../runtime') as typeof import('../runtime'));
const layerQuota = lazy(() => require('./layer-quota') as typeof import('./layer-quota'));
const sockets = lazy(() => require('../shim/sockets') as typeof import('../shim/sockets'));
const volumesMod = lazy(() => require('./volumes') as typeof import('./volumes'));
const events = lazy(() => require('../events') as typeof import('../events'));
const removal = lazy(() => require('../remove-layout') as typeof import('../remove-layout'));

const recordPath = (id: string) => join(paths.container(id), 'container.json');

export function saveContainer(rec: ContainerRecord): void {
  const text = JSON.stringify(rec, null, 2) + '\n';
  try {
    writeFileAtomic(recordPath(rec.id), text, 0o600);
  } catch (err) {
    // A full disk: the record usually still fits in the blocks the old one has.
    if (!isOutOfSpace(err) || !existsSync(recordPath(rec.id))) throw err;
    overwriteInPlace(recordPath(rec.id), text, err);
  }
  unsaved.delete(rec.id);
}

/**
 * Changes this process could not write because the disk is full (or failing). Commands that
 * only read — `ps`, `inspect`, `rm -f` — must still answer: they see the change, the disk keeps
 * the old record, and the next command that can write finds the truth again (the sweep).
 */
const unsaved = new Map<string, ContainerRecord>();

/** Save if the filesystem takes it; otherwise keep the change for this process only. Returns whether it was written. */
export function saveContainerIfPossible(rec: ContainerRecord): boolean {
  try {
    saveContainer(rec);
    return true;
  } catch (err) {
    if (!isWriteFailure(err)) throw err;
    unsaved.set(rec.id, structuredClone(rec));
    return false;
  }
}

/** updateContainer for changes a full disk must not stop (a stop, a removal): kept in memory if not written. */
export function updateContainerIfPossible(id: string, change: (r: ContainerRecord) => void): ContainerRecord {
  return withStateLock(() => {
    const r = loadContainer(id);
    change(r);
    saveContainerIfPossible(r);
    return r;
  });
}

/** Is the container's record still there? (A --rm container's supervisor removes it the moment it exits.) */
export function hasRecord(id: string): boolean {
  return existsSync(recordPath(id));
}

export function loadContainer(id: string): ContainerRecord {
  const pending = unsaved.get(id);
  if (pending && existsSync(recordPath(id))) return structuredClone(pending);
  const file = recordPath(id);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new UserError(`container ${id.slice(0, 12)}: cannot read its record ${file}: ${(e as Error).message}`, 1);
  }
  const checked = checkContainerRecord(json);
  if (checked !== undefined) return checked as ContainerRecord;
  const r = schemas().ContainerRecord.safeParse(json);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new UserError(`container ${id.slice(0, 12)}: its record ${file} is invalid at ${i.path.join('.')}: ${i.message}`, 1);
  }
  return r.data;
}

/** Ids of every container directory (records may be missing if a create was cut short). */
export function listContainerIds(): string[] {
  // Only a missing directory means "no containers": EACCES (not root) must be an error, not an empty list.
  try {
    return readdirSync(paths.containers()).filter((d) => /^[0-9a-f]{64}$/.test(d));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

export function listContainers(): ContainerRecord[] {
  const out: ContainerRecord[] = [];
  for (const id of listContainerIds()) {
    if (!existsSync(recordPath(id))) continue;
    try {
      out.push(loadContainer(id));
    } catch {
      /* a broken record is reported by the commands that need it */
    }
  }
  return out;
}

/** Find a container by full id, unique id prefix, or name (docker's lookup order). */
export function findContainer(ref: string): ContainerRecord {
  const all = listContainers();
  const name = ref.replace(/^\//, '');
  const exact = all.find((c) => c.id === ref) ?? all.find((c) => c.name === name);
  if (exact) return exact;
  const byPrefix = /^[0-9a-f]+$/.test(ref) ? all.filter((c) => c.id.startsWith(ref)) : [];
  if (byPrefix.length === 1) return byPrefix[0];
  if (byPrefix.length > 1) throw new UserError(`multiple containers found with provided prefix: ${ref}`, 1);
  throw new UserError(`No such container: ${ref}`, 1);
}

/** Read-modify-write one record under the state lock. Returns the record as saved. */
export function updateContainer(id: string, change: (r: ContainerRecord) => void): ContainerRecord {
  return withStateLock(() => {
    const r = loadContainer(id);
    change(r);
    saveContainer(r);
    return r;
  });
}

/** Is the container's program running right now (its supervisor alive and the record says so)? */
export function isRunning(rec: ContainerRecord): boolean {
  return (rec.state.Status === 'running' || rec.state.Status === 'paused') && isAlive(rec.monitor) && rec.state.Pid > 0;
}

/**
 * Remove a container's directory. Its anonymous volumes go too with `rm -v` (`volumes`), or
 * when it was run with --rm (docker's rule); named volumes always stay.
 */
export function removeContainerDir(id: string, opts: { volumes?: boolean; rec?: ContainerRecord } = {}): void {
  // (`rec`: the record the caller read under the state lock it still holds)
  let rec: ContainerRecord | null = opts.rec ?? null;
  if (!rec) try { rec = existsSync(recordPath(id)) ? loadContainer(id) : null; } catch { /* unreadable: keep its volumes */ }
  // Never delete through a mount (a `--mount-ns host` container's overlay, /proc, /dev…).
  // (runtime and volumes are loaded here, not at the top: read paths such as `ps` need neither)
  runtimeMod().detachMountsUnder(paths.container(id));
  // a size limit's project id given back (a record not written yet may have had one too)
  if (!rec || rec.hostConfig.StorageOpt) layerQuota().releaseWritableLayer(id);
  removal().removeLayout(paths.container(id), containerDirLayout(id));
  unsaved.delete(id);
  // what a supervisor killed with SIGKILL left under /run/mini-run (a live one removes its own)
  sockets().removeSupervisorSockets(id, stateRoot(), rec?.name ?? null);
  if (rec && (opts.volumes || rec.hostConfig.AutoRemove) && rec.mounts.length) volumesMod().removeAnonymousVolumes(rec.mounts);
  if (rec) events().recordEvent('container', 'destroy', id, { image: rec.image, name: rec.name });
}

/**
 * What a container's directory holds when its program wrote nothing to its own files (run.ts,
 * etc-files.ts, spec-builder.ts, shim/json-log.ts; the init makes the three bind targets in the
 * upper layer): removed with these calls alone, anything else by the general removal after them
 * (remove-layout.ts). The record goes last: until then the container is still listed.
 */
function containerDirLayout(id: string): Layout {
  return {
    files: ['config.json', 'hosts', 'resolv.conf', 'hostname', `${id}-json.log`, 'container.json'],
    dirs: { upper: { dirs: { etc: { files: ['hosts', 'resolv.conf', 'hostname'] } } }, work: { dirs: { work: {} } }, rootfs: {} },
  };
}

/** The container as the runtime knows it: same id, under the engine's runtime root. */
export function runtimeRef(id: string): ContainerRef {
  return { root: paths.runtime(), id };
}

/** The kernel's start time of a process: the runtime's (one reader of /proc/PID/stat field 22). */
export { processStartTime } from '../sys/proc-stat';

/** Does PID still run a program (not gone, not a zombie waiting for its supervisor)? */
export function programAlive(pid: number): boolean {
  if (processStartTime(pid) === null) return false;
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

export function isAlive(monitor: { pid: number; startTime: string } | null): boolean {
  return monitor !== null && processStartTime(monitor.pid) === monitor.startTime;
}

export function containerDirAge(id: string): number {
  try {
    return Date.now() - statSync(paths.container(id)).mtimeMs;
  } catch {
    return 0;
  }
}
