/**
 * `--userns private` (and the config file's `userns-remap`, like dockerd's): the container's
 * uids 0..N-1 stand for a range of host uids that nobody else uses, taken from /etc/subuid and
 * /etc/subgid for one host user — `mini-run` by default, made on first use (as dockerd makes
 * `dockremap`). Container root is then host uid START: nobody on the host.
 *
 *   /etc/subuid    mini-run:100000:65536    container uid 0 = host uid 100000, … 65535 = 165535
 *
 * What the container's root must reach on the host, it reaches as host uid/gid START. The
 * state root is private to root (state-root.ts), so, as dockerd does under userns-remap, the
 * few directories on the way to the container's files are 0710 root:START — the remapped
 * root's group may pass through, not list, and nobody else may even pass:
 *
 *   ROOT  ROOT/containers  ROOT/containers/ID        0710 root:START
 *   ROOT/containers/ID/{upper,work,hosts,…}           owned by START:START (the container's root)
 *
 * The image layers stay as they are (owned by host root, shared by every container): the
 * container sees them through an idmapped mount (userns-layers.ts), made at each start.
 */
import { chmodSync, chownSync, lchownSync, lstatSync, readdirSync, readFileSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors';
import type { IdMapping } from '../runtime/userns';
import { writeVolumeRecord, type VolumeRecord } from '../volume/store';
import { findContainer } from './container-store';
import { capget, capset, setfsgid, setfsuid } from '../sys/libc';

export { DEFAULT_REMAP_USER, remapUserFor, remapUserOf, configuredRemapQuick } from './remap-user';
export { RANGE_SIZE } from './subid';

export interface UsernsRemap {
  /** The host user whose /etc/subuid and /etc/subgid ranges are used. */
  user: string;
  uidMappings: IdMapping[];
  gidMappings: IdMapping[];
}

/** The host uid and gid of the container's root. */
export function remappedRoot(r: UsernsRemap): { uid: number; gid: number } {
  return { uid: r.uidMappings[0].hostID, gid: r.gidMappings[0].hostID };
}

export { findRange, freeRangeStart } from './subid';
import { findRange, freeRangeStart, RANGE_SIZE } from './subid';
import { lazy } from '../lazy';

const childProcess = lazy(() => require('node:child_process') as typeof import('node:child_process'));

function readOrEmpty(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw e;
  }
}

function uidOf(user: string): number | null {
  const line = readOrEmpty('/etc/passwd').split('\n').find((l) => l.split(':')[0] === user);
  return line ? Number(line.split(':')[2]) : null;
}

function run(cmd: string, args: string[]): void {
  try {
    // (node:child_process loaded here: every `run` loads this module, few run this)
    childProcess().execFileSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (e) {
    const err = (e as { stderr?: Buffer }).stderr?.toString().trim();
    throw new UserError(`--userns private: ${cmd} ${args.join(' ')} failed: ${err || (e as Error).message}`, 125);
  }
}

/**
 * The remap user's ranges; the user and a free range in both files are made first when missing
 * (useradd --system, usermod --add-subuids/--add-subgids: shadow's own tools lock the files).
 * Called under the state lock: two mini-run commands never pick the same free range.
 */
export function ensureRemapRange(user: string): UsernsRemap {
  const read = () => {
    const id = uidOf(user);
    return { id, uid: findRange(readOrEmpty('/etc/subuid'), user, id), gid: findRange(readOrEmpty('/etc/subgid'), user, id) };
  };
  let found = read();
  if (!found.uid || !found.gid) {
    found = (() => {
      let now = found;
      if (now.id === null) run('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', '--user-group', user]);
      const start = freeRangeStart(readOrEmpty('/etc/subuid'), readOrEmpty('/etc/subgid'));
      const range = `${start}-${start + RANGE_SIZE - 1}`;
      run('usermod', [...(now.uid ? [] : ['--add-subuids', range]), ...(now.gid ? [] : ['--add-subgids', range]), user]);
      now = read();
      if (!now.uid || !now.gid) throw new UserError(`--userns private: no range for ${user} in /etc/subuid and /etc/subgid after adding one`, 125);
      return now;
    })();
  }
  const size = (r: { count: number }) => Math.min(r.count, RANGE_SIZE);
  return {
    user,
    uidMappings: [{ containerID: 0, hostID: found.uid!.start, size: size(found.uid!) }],
    gidMappings: [{ containerID: 0, hostID: found.gid!.start, size: size(found.gid!) }],
  };
}

/**
 * Let the remapped root pass through `dir` (0710 root:GID), as dockerd does for its root
 * under userns-remap. Only directories mini-run made; never anything under a layer.
 */
export function openPathForRemappedRoot(dir: string, gid: number): void {
  const st = lstatSync(dir);
  if (!st.isDirectory() || st.uid !== 0) throw new UserError(`${dir}: not a root-owned directory`, 125);
  if (st.gid !== gid) chownSync(dir, 0, gid);
  if ((st.mode & 0o7777) !== 0o710) chmodSync(dir, 0o710);
}

/**
 * A volume a `--userns private` container mounts. dockerd under userns-remap keeps one volume
 * store per range, so its remapped containers only ever see volumes made for their range. Here
 * the volume store is shared, so each volume remembers the range its owners belong to
 * (HostRoot in its record):
 *   - the same range: used as it is;
 *   - fresh (made now, or empty until the image's files were just copied in): its owners are
 *     shifted into the range (0 → START, 33 → START+33) and the range recorded — so
 *     `volume create v` then `run --userns private -v v:/data` works as with dockerd;
 *   - holding files of host ids or of another range: refused (exit 125) — the container's root
 *     could not write them, and changing their owners would take them from their containers.
 * (A container without a user namespace may use any volume: its root is host root.)
 */
export function adoptVolume(v: VolumeRecord, data: string, fresh: boolean, r: UsernsRemap): void {
  const root = remappedRoot(r);
  if (v.HostRoot?.UID === root.uid && v.HostRoot.GID === root.gid) return;
  if (!v.HostRoot && !fresh && lstatSync(data).uid === root.uid) { // shifted before volumes kept a HostRoot
    writeVolumeRecord({ ...v, HostRoot: { UID: root.uid, GID: root.gid } });
    return;
  }
  if (!fresh) {
    throw new UserError(v.HostRoot
      ? `volume ${v.Name} holds files of another user namespace (its root is host uid ${v.HostRoot.UID}; this container's is ${root.uid}): use another volume`
      : `volume ${v.Name} holds files owned by host users (written without a user namespace): this --userns private container's root could not write them; use another volume, or --userns host`, 125);
  }
  shiftOwners(data, r, v.HostRoot ? { uid: v.HostRoot.UID, gid: v.HostRoot.GID } : null);
  writeVolumeRecord({ ...v, HostRoot: { UID: root.uid, GID: root.gid } });
}

/**
 * Shift every owner below `dir` into the range (0 → START, 33 → START+33), so the container's
 * users own what they own in the image; ids of a previous range (`from`: its root) move over.
 * chown clears set-uid/set-gid bits: they are put back.
 */
export function shiftOwners(dir: string, r: UsernsRemap, from: { uid: number; gid: number } | null = null): void {
  const shift = (id: number, m: IdMapping, old: number | undefined) =>
    (old !== undefined && id >= old && id < old + m.size ? m.hostID + id - old : id < m.size ? m.hostID + id : id);
  const walk = (path: string) => {
    const st = lstatSync(path);
    lchownSync(path, shift(st.uid, r.uidMappings[0], from?.uid), shift(st.gid, r.gidMappings[0], from?.gid));
    if (!st.isSymbolicLink() && (st.mode & 0o6000)) chmodSync(path, st.mode & 0o7777);
    if (st.isDirectory()) for (const name of readdirSync(path)) walk(join(path, name));
  };
  walk(dir);
}

/** A host id back to the container's (START+n → n); ids outside the range stay as they are. */
function toContainerId(id: number, m: IdMapping): number {
  return id >= m.hostID && id < m.hostID + m.size ? id - m.hostID + m.containerID : id;
}

/**
 * For commit and export of a `--userns private` container: a file its root wrote is owned by
 * START on disk, and goes into the tar as the container saw it (0), as dockerd's does.
 */
export function containerOwners(r: UsernsRemap): (st: Stats) => Stats {
  return (st) => Object.assign(Object.create(Object.getPrototypeOf(st) as object) as Stats, st,
    { uid: toContainerId(st.uid, r.uidMappings[0]), gid: toContainerId(st.gid, r.gidMappings[0]) });
}

/**
 * `cp` into a `--userns private` container: the owner an entry gets on the host. Without -a it
 * is the container's root (0 → START); with -a the archive's or host file's owner shifted into
 * the range (1000 → START+1000), as dockerd's cp under userns-remap. An id the range cannot
 * hold is refused, as dockerd's ("Container ID … cannot be mapped to a host ID").
 */
export function hostOwner(r: UsernsRemap, uid: number, gid: number): [number, number] {
  const shift = (id: number, m: IdMapping, what: string) => {
    if (id < m.containerID || id >= m.containerID + m.size) throw new UserError(`cp: ${what} ${id} cannot be mapped into the container's user namespace (its ids are ${m.containerID}..${m.containerID + m.size - 1})`, 1);
    return m.hostID + id - m.containerID;
  };
  return [shift(uid, r.uidMappings[0], 'uid'), shift(gid, r.gidMappings[0], 'gid')];
}

/** Owners for `cp` in both directions: the container's view (0) ⇄ the host's ids (START). */
export interface CopyOwners {
  /** A container's id pair as it must be stored on the host. */
  toHost: (uid: number, gid: number) => [number, number];
  /** A host stat as the container sees it (for -a out of the container, and tar streams). */
  toContainer: (st: Stats) => Stats;
}

export function copyOwnersFor(r: UsernsRemap | undefined): CopyOwners {
  if (!r) return { toHost: (uid, gid) => [uid, gid], toContainer: (st) => st };
  return { toHost: (uid, gid) => hostOwner(r, uid, gid), toContainer: containerOwners(r) };
}

/**
 * `--network container:NAME` with `--userns private`: a network namespace belongs to the user
 * namespace that made it, and only that one's root may configure it or mount its sysfs. So the
 * new container joins NAME's user namespace (and makes its own PID, mount, UTS, IPC namespaces
 * inside it) — possible only when NAME has one, with the same map (the same remap user).
 * Returns its path; NAME has been checked to be running (networkRecordFor).
 */
export function userNamespaceToJoin(ref: string, r: UsernsRemap): string {
  const other = findContainer(ref);
  const same = (a: IdMapping[], b: IdMapping[]) => JSON.stringify(a) === JSON.stringify(b);
  if (!other.userns) {
    throw new UserError(`--network container:${other.name}: ${other.name} has no user namespace (its network belongs to the host's); run both with --userns private, or this one with --userns host`, 125);
  }
  if (!same(other.userns.uidMappings, r.uidMappings) || !same(other.userns.gidMappings, r.gidMappings)) {
    throw new UserError(`--network container:${other.name}: ${other.name}'s user namespace maps another range (remap user ${other.userns.user}, this one ${r.user})`, 125);
  }
  return `/proc/${other.state.Pid}/ns/user`;
}

/**
 * `cp` into a RUNNING `--userns private` container writes through /proc/PID/root into an overlay
 * the container's root mounted inside its user namespace: the kernel refuses to create a file
 * there as host uid 0, which that namespace cannot name (EOVERFLOW). So this thread creates
 * files as the container's root (setfsuid/setfsgid to START), with its capabilities put back in
 * the effective set (CAP_CHOWN, to give a file its owner; CAP_DAC_OVERRIDE, to read the host's
 * files), and returns to 0 after. Synchronous calls only: they run on this (main) thread.
 */
export function asRemappedRootFs<T>(r: UsernsRemap, fn: () => T): T {
  const { uid, gid } = remappedRoot(r);
  const caps = capget();
  setfsgid(gid);
  setfsuid(uid);
  try {
    capset(caps);
    return fn();
  } finally {
    setfsuid(0);
    setfsgid(0);
    capset(caps);
  }
}
