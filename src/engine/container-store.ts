/**
 * Container records: ROOT/containers/<id>/container.json, one per container, written
 * atomically under the state lock and validated with zod when read.
 */
import { existsSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { paths } from '../paths';
import { isOutOfSpace, isWriteFailure, overwriteInPlace, writeFileAtomic } from '../fsutil';
import { UserError } from '../errors';
import { withStateLock } from '../lock';
import { ContainerNetwork } from '../network/schema';
import { MountPoint } from '../volume/mount-point';
import type { ContainerRef } from '../runtime';
import { processStartTime } from '../runtime/state';
import { Healthcheck, HealthState } from './health';

export const ContainerStatus = z.enum(['created', 'running', 'paused', 'restarting', 'exited', 'dead', 'removing']);

/** One `--device-read-bps`-style limit as HostConfig shows it. */
const ThrottleSetting = z.object({ Path: z.string(), Rate: z.number().nonnegative() });

export const ContainerRecord = z.object({
  id: z.string().regex(/^[0-9a-f]{64}$/),
  name: z.string(),
  created: z.string(),
  image: z.string(),
  imageId: z.string(),
  path: z.string(),
  args: z.array(z.string()),
  config: z.object({
    Hostname: z.string(),
    User: z.string(),
    Env: z.array(z.string()),
    Cmd: z.array(z.string()).nullable(),
    Entrypoint: z.array(z.string()).nullable(),
    WorkingDir: z.string(),
    Tty: z.boolean(),
    OpenStdin: z.boolean(),
    Image: z.string(),
    Labels: z.record(z.string()).default({}),
    StopSignal: z.string().default('SIGTERM'),
    StopTimeout: z.number().nullable().default(null),
    /** The image's EXPOSE ports and --expose, docker's shape: {"80/tcp": {}}. */
    ExposedPorts: z.record(z.object({}).passthrough()).default({}),
    /** Attached to the terminal at the start (run in the foreground, create): Docker's Attach* and StdinOnce. */
    AttachStdin: z.boolean().default(false),
    AttachStdout: z.boolean().default(false),
    AttachStderr: z.boolean().default(false),
    StdinOnce: z.boolean().default(false),
    /** The health check (the image's HEALTHCHECK merged with --health-*), Docker's shape; absent = none. */
    Healthcheck: Healthcheck.optional(),
  }),
  hostConfig: z.object({
    AutoRemove: z.boolean(),
    NetworkMode: z.string(),
    PidMode: z.string(),
    UTSMode: z.string(),
    IpcMode: z.string(),
    /** --userns as given: 'private', 'host', or '' (the config's userns-remap decided). */
    UsernsMode: z.string().default(''),
    Privileged: z.boolean(),
    CapAdd: z.array(z.string()),
    CapDrop: z.array(z.string()),
    SecurityOpt: z.array(z.string()).nullable().default(null),
    Devices: z.array(z.object({ PathOnHost: z.string(), PathInContainer: z.string(), CgroupPermissions: z.string() })).default([]),
    DeviceCgroupRules: z.array(z.string()).nullable().default(null),
    /** --group-add as typed (names or numbers): also joined by `exec -u USER`, as Docker's getUser. */
    GroupAdd: z.array(z.string()).nullable().default(null),
    ReadonlyRootfs: z.boolean(),
    Init: z.boolean(),
    Memory: z.number(),
    MemorySwap: z.number(),
    NanoCpus: z.number(),
    CpuShares: z.number(),
    PidsLimit: z.number().nullable(),
    BlkioWeight: z.number().int().default(0),
    BlkioDeviceReadBps: z.array(ThrottleSetting).default([]),
    BlkioDeviceWriteBps: z.array(ThrottleSetting).default([]),
    BlkioDeviceReadIOps: z.array(ThrottleSetting).default([]),
    BlkioDeviceWriteIOps: z.array(ThrottleSetting).default([]),
    RestartPolicy: z.object({
      Name: z.enum(['no', 'on-failure', 'always', 'unless-stopped']),
      MaximumRetryCount: z.number().int().nonnegative(),
    }).default({ Name: 'no', MaximumRetryCount: 0 }),
    LogConfig: z.object({
      Type: z.enum(['json-file', 'local', 'none']),
      Config: z.record(z.string()),
    }).default({ Type: 'json-file', Config: {} }),
    /** --storage-opt as given ({"size": "10M"}: its writable layer has a project quota, layer-quota.ts). */
    StorageOpt: z.record(z.string()).nullable().default(null),
  }),
  RestartCount: z.number().int().nonnegative().default(0),
  /** Networking: published ports, links, and where it is attached while it runs. */
  network: ContainerNetwork.default({}),
  /** Binds, volumes and tmpfs mounts (-v, --mount, --tmpfs, --volumes-from, image VOLUMEs). */
  mounts: z.array(MountPoint).default([]),
  /** --userns private: the remap user and the host ranges (engine/userns-remap.ts). */
  userns: z.object({
    user: z.string(),
    uidMappings: z.array(z.object({ containerID: z.number().int(), hostID: z.number().int(), size: z.number().int() })).min(1),
    gidMappings: z.array(z.object({ containerID: z.number().int(), hostID: z.number().int(), size: z.number().int() })).min(1),
  }).optional(),
  state: z.object({
    Status: ContainerStatus,
    Pid: z.number(),
    ExitCode: z.number(),
    OOMKilled: z.boolean(),
    Error: z.string(),
    StartedAt: z.string(),
    FinishedAt: z.string(),
    /** Stopped by `stop`/`kill` (so `unless-stopped` and `always` do not bring it back until started). */
    ManuallyStopped: z.boolean().default(false),
    /** The health checks' verdict and last results (engine/health.ts), while a check is configured. */
    Health: HealthState.optional(),
  }),
  /** The process that supervises the container (the CLI for a foreground run) and its start time. */
  monitor: z.object({ pid: z.number(), startTime: z.string() }).nullable(),
});
export type ContainerRecord = z.infer<typeof ContainerRecord>;

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
  const r = ContainerRecord.safeParse(json);
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
export function removeContainerDir(id: string, opts: { volumes?: boolean } = {}): void {
  let rec: ContainerRecord | null = null;
  try { rec = existsSync(recordPath(id)) ? loadContainer(id) : null; } catch { /* unreadable: keep its volumes */ }
  // Never delete through a mount (a `--mount-ns host` container's overlay, /proc, /dev…).
  // (runtime and volumes are loaded here, not at the top: read paths such as `ps` need neither)
  (require('../runtime') as typeof import('../runtime')).detachMountsUnder(paths.container(id));
  // a size limit's project id given back (a record not written yet may have had one too)
  if (!rec || rec.hostConfig.StorageOpt) (require('./layer-quota') as typeof import('./layer-quota')).releaseWritableLayer(id);
  rmSync(paths.container(id), { recursive: true, force: true });
  unsaved.delete(id);
  if (rec && (opts.volumes || rec.hostConfig.AutoRemove)) (require('./volumes') as typeof import('./volumes')).removeAnonymousVolumes(rec.mounts);
  if (rec) (require('../events') as typeof import('../events')).recordEvent('container', 'destroy', id, { image: rec.image, name: rec.name });
}

/** The container as the runtime knows it: same id, under the engine's runtime root. */
export function runtimeRef(id: string): ContainerRef {
  return { root: paths.runtime(), id };
}

/** The kernel's start time of a process: the runtime's (one reader of /proc/PID/stat field 22). */
export { processStartTime } from '../runtime/state';

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
