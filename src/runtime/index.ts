/**
 * The runtime's front door: the operations of the OCI runtime spec — create/start (here `run`,
 * both in one call, for a caller that stays as the container's parent), state, kill, pause,
 * resume, delete, exec, stats — on a container known by its id under a state root.
 *
 * mini-run's engine and supervisor and `mini-runc` all go through here, so the docker-like CLI
 * and the runc-like one share one code path. Nothing here knows about names, images or flags.
 *
 * Loading is lazy on purpose: `run` imports this module before it spawns the container's init
 * (engine/run-start.ts), and the heavy parts (zod, cgroups) would delay that spawn.
 */
import type { StdioPlan, StartHooks, StartedContainer, ContainerExit } from './container';
import type { PendingInit } from './spawn-init';
import type { ExecPlan, ExecSpawnOptions, PendingExec, StartedExec } from './exec';
import type { Process, RuntimeSpec } from './spec';
import type { Cgroup, CgroupStats, LinuxResources } from './cgroups';
import type { RuntimeState, Status } from './state';

export type { StdioPlan, StartHooks, StartedContainer, ContainerExit, PendingInit, ExecPlan, PendingExec, StartedExec, RuntimeState, Status, CgroupStats, LinuxResources };
export { spawnInit, settleSpawnFailure, exitStatus, type StdioTarget, type InitOptions } from './spawn-init';

import { closeSync, constants as fsc, existsSync, mkdirSync, openSync, realpathSync, writeSync } from 'node:fs';
import { unlinkIfThere } from '../remove-layout';
import { join, resolve } from 'node:path';
import { UserError } from '../errors';
import type { StdioTarget } from './spawn-init';
import { lazy } from '../lazy';
import { isoTime } from '../utc-time';

const hooksMod = lazy(() => require('./hooks') as typeof import('./hooks'));
const stateMod = lazy(() => require('./state') as typeof import('./state'));
const containerMod = lazy(() => require('./container') as typeof import('./container'));
const execMod = lazy(() => require('./exec') as typeof import('./exec'));
/** Where compiled seccomp filters are kept under a state root (seccomp-cache.ts; `.`: never a container id). */
const seccompCacheDir = (root: string) => join(root, '.seccomp');
const cgroupsMod = lazy(() => require('./cgroups') as typeof import('./cgroups'));
const specMod = lazy(() => require('./spec') as typeof import('./spec'));
const seccompCacheMod = lazy(() => require('./seccomp-cache') as typeof import('./seccomp-cache'));
const libc = lazy(() => require('../sys/libc') as typeof import('../sys/libc'));
const consoleSocketMod = lazy(() => require('./console-socket') as typeof import('./console-socket'));
const fsutil = lazy(() => require('../fsutil') as typeof import('../fsutil'));
const noneMod = lazy(() => require('./cgroups/none') as typeof import('./cgroups/none'));
const membership = lazy(() => require('./cgroups/membership') as typeof import('./cgroups/membership'));
const hostMounts = lazy(() => require('./host-mounts') as typeof import('./host-mounts'));

/** A container as the runtime knows it: its id under a state root (`mini-runc --root`). */
export interface ContainerRef {
  root: string;
  id: string;
}

/** Drops the compiled seccomp filters kept under a state root (a cache); the bytes freed. */
export function clearSeccompCache(root: string): number {
  return seccompCacheMod().clearFilterCache(seccompCacheDir(root));
}

/** The runtime-spec state of a container (what `mini-runc state` prints). */
export interface OciState {
  ociVersion: string;
  id: string;
  status: Status;
  pid: number;
  bundle: string;
  annotations: Record<string, string>;
  created: string;
}

/** config.json of a bundle, validated. */
export function loadSpec(bundle: string): RuntimeSpec {
  return specMod().loadSpec(bundle); // (not container.ts: exec and cp read config.json without the start code and its cgroup driver)
}

/**
 * Create and start in one call (runc's `run`); the caller stays the init's parent and waits.
 * The state is recorded before the program runs, so a `kill` from another process finds it.
 */
export async function run(ref: ContainerRef, bundle: string, plan: StdioPlan, hooks: StartHooks = {}, pending?: PendingInit): Promise<StartedContainer> {
  const { started, spec } = await build(ref, bundle, plan, hooks, pending);
  if (spec.hooks?.poststart) hooksMod().runHooksWarning('poststart', spec.hooks, startedState(ref), warn);
  return started;
}

/**
 * `create`: the container's init exists in all its namespaces and its cgroup, stopped just
 * before execve of the program; we return, it stays (re-parented to our caller's subreaper,
 * or to the host's init) until `start`. Returns the init's pid (also written to `pidFile`).
 */
export async function create(ref: ContainerRef, bundle: string, o: CreateOptions = {}): Promise<number> {
  const s = stateMod();
  s.checkId(ref.id);
  if (existsSync(s.stateDir(ref.root, ref.id))) throw new UserError(`container with id exists: ${ref.id}`, 1);
  bundle = resolve(bundle);
  const spec = loadSpec(bundle);
  // Nobody stays to relay a terminal after `create` returns: its master goes to the caller (runc's rules).
  if (spec.process.terminal && !o.consoleSocket) throw new UserError('cannot allocate tty if runc will detach without setting console socket', 1);
  if (!spec.process.terminal && o.consoleSocket) throw new UserError('cannot use console socket if runc will not detach or allocate tty', 1);
  mkdirSync(s.stateDir(ref.root, ref.id), { recursive: true, mode: 0o700 });
  try {
    libc().mknod(s.execFifoPath(ref.root, ref.id), fsc.S_IFIFO | 0o600);
    const { started } = await build(ref, bundle, {
      interactive: true,
      stdio: o.stdio ?? ['inherit', 'inherit', 'inherit'],
      terminal: 'return',
      proxySignals: false,
      noPivot: o.noPivot,
      create: { execFifo: s.execFifoPath(ref.root, ref.id), detached: true },
    });
    if (started.masterFd !== null) {
      try {
        consoleSocketMod().sendConsole(o.consoleSocket!, started.masterFd);
      } catch (err) {
        // Nobody would ever see its terminal: take the parked init down, its cgroup with it.
        try { process.kill(started.pid, 'SIGKILL'); } catch { /* gone */ }
        await started.wait();
        throw err;
      }
    }
    if (o.pidFile) writeFileAtomicly(o.pidFile, String(started.pid));
    started.release();
    return started.pid;
  } catch (err) {
    s.removeState(ref.root, ref.id);
    throw err;
  }
}

export interface CreateOptions {
  /** Where to write the init's pid (the caller's way to learn it, as with runc). */
  pidFile?: string;
  stdio?: [StdioTarget, StdioTarget, StdioTarget];
  noPivot?: boolean;
  /** process.terminal: the unix socket that receives the pty master (SCM_RIGHTS). */
  consoleSocket?: string;
}

/** `start`: let a created container's init go on to execve (one byte into its exec fifo). */
export function start(ref: ContainerRef): void {
  const s = stateMod();
  const { st, status } = current(ref);
  s.assertAllowed('start', status, ref.id);
  const fifo = s.execFifoPath(ref.root, ref.id);
  let fd: number;
  try {
    // O_NONBLOCK: if no reader is left (the init died just now), fail with ENXIO, do not hang.
    fd = openSync(fifo, fsc.O_WRONLY | fsc.O_NONBLOCK);
  } catch {
    throw new UserError('cannot start a container that has stopped', 1);
  }
  try {
    writeSync(fd, '0');
  } finally {
    closeSync(fd);
  }
  unlinkIfThere(fifo); // from now on the status reads `running`
  const spec = safely(() => loadSpec(st.bundle), null);
  if (spec?.hooks?.poststart) hooksMod().runHooksWarning('poststart', spec.hooks, startedState(ref), warn);
}

/**
 * The state a poststart hook reads: the program was started, so "running" with its pid, even
 * when a short one (`true`) has already exited by the time the hook runs (runtime-tools'
 * hooks_stdin asks for that; the live status would say "stopped", pid 0).
 */
function startedState(ref: ContainerRef): OciState {
  const { st } = current(ref);
  return toOci(st, 'running');
}

/** Spawn (or take) the init, record the state, run createRuntime/prestart hooks, up to execve (or the fifo). */
async function build(ref: ContainerRef, bundle: string, plan: StdioPlan, hooks: StartHooks = {}, pending?: PendingInit): Promise<{ started: StartedContainer; spec: RuntimeSpec }> {
  const s = stateMod();
  s.checkId(ref.id);
  let seen: RuntimeSpec | null = null; // the spec as startContainer read it
  try {
    const started = await containerMod().startContainer(bundle, ref.id, { ...plan, seccompCache: seccompCacheDir(ref.root) }, {
      ...hooks,
      onCreated: (pid, cgroup, spec) => {
        seen = spec;
        if (spec.hooks) hooksMod().refuseUnsupportedHooks(spec.hooks);
        const startTime = s.processStartTime(pid);
        if (startTime === null) return; // died already: nothing to record
        s.saveState(ref.root, {
          ociVersion: spec.ociVersion,
          id: ref.id,
          pid,
          pidStartTime: startTime,
          bundle,
          created: isoTime(),
          cgroupName: ref.id,
          cgroupPath: cgroup.paths[0] ?? '',
          cgroupsPath: spec.linux?.cgroupsPath,
          annotations: spec.annotations ?? {},
        });
        hooks.onCreated?.(pid, cgroup, spec);
      },
      onNamespaces: (pid) => {
        hooks.onNamespaces?.(pid);
        const spec = seen;
        if (!spec?.hooks) return;
        // The state for hooks of `create`: the init's host pid, status "created" as the OCI
        // validation suite (runtime-tools hooks_stdin) expects at prestart (runc 1.1 says
        // "creating" and fails that check).
        const now = { ...state(ref), status: 'created' };
        hooksMod().runHooks('createRuntime', spec.hooks, now);
        hooksMod().runHooks('prestart', spec.hooks, now);
      },
    }, pending);
    return { started, spec: seen ?? loadSpec(bundle) };
  } catch (err) {
    s.removeState(ref.root, ref.id); // startContainer took everything else down
    throw err;
  }
}

function warn(message: string): void {
  process.stderr.write(`WARNING: ${message}\n`);
}

function writeFileAtomicly(path: string, text: string): void {
  fsutil().writeFileAtomic(path, text);
}

function cgroupOf(st: RuntimeState): Cgroup {
  const cgroup = cgroupsMod().openCgroup(st.cgroupName, { path: st.cgroupsPath });
  // Rootless without a delegated cgroup (cgroups/none.ts) the container has no cgroup of its
  // own (its recorded path was never made), so an exec'd process has none to join either.
  // Root (the host's user namespace) always has one.
  const none = noneMod();
  if (!existsSync(st.cgroupPath) && none.inNonInitialUserNamespace()) return new none.NoCgroup(cgroup.version);
  return cgroup;
}

/**
 * The cgroup as far as joining it and the paused check go (cgroups/membership.ts): the same
 * directories as cgroupOf's, without loading the driver's limits and device code.
 */
function membershipOf(st: RuntimeState): { procsFiles(): string[]; frozen(): boolean } {
  const { cgroupMembership } = membership();
  const m = cgroupMembership(st.cgroupName, { path: st.cgroupsPath });
  const none = noneMod();
  if (!existsSync(st.cgroupPath) && none.inNonInitialUserNamespace()) return new none.NoCgroup(m.version); // as cgroupOf
  return m;
}

function current(ref: ContainerRef): { st: RuntimeState; status: Status } {
  const s = stateMod();
  const st = s.loadState(ref.root, ref.id);
  return { st, status: s.statusOf(ref.root, st, () => safely(() => membershipOf(st).frozen(), false)) };
}

/** The runtime-spec state: status read from the kernel, never from a stale record. */
export function state(ref: ContainerRef): OciState {
  const { st, status } = current(ref);
  return toOci(st, status);
}

function toOci(st: RuntimeState, status: Status): OciState {
  return { ociVersion: st.ociVersion, id: st.id, status, pid: status === 'stopped' ? 0 : st.pid, bundle: st.bundle, annotations: st.annotations, created: st.created };
}

/** Ids with a state under root. */
export function list(root: string): string[] {
  return stateMod().listStates(root);
}

/**
 * Send a signal to the container's init (checked against its start time: a recycled pid is
 * never hit). `thaw`: then thaw its cgroup — a frozen task cannot act on a signal (on cgroup
 * v1 not even on SIGKILL), which is why docker's kill of a paused container thaws it.
 */
export function kill(ref: ContainerRef, signal: number | NodeJS.Signals, opts: { thaw?: boolean } = {}): void {
  const { st, status } = current(ref);
  stateMod().assertAllowed('kill', status, ref.id);
  process.kill(st.pid, signal);
  if (opts.thaw) cgroupOf(st).thaw();
}

/** Freeze every process of the container (its cgroup's freezer). */
export function pause(ref: ContainerRef): void {
  const { st, status } = current(ref);
  stateMod().assertAllowed('pause', status, ref.id);
  cgroupOf(st).freeze();
}

export function resume(ref: ContainerRef): void {
  const { st, status } = current(ref);
  stateMod().assertAllowed('resume', status, ref.id);
  cgroupOf(st).thaw();
}

/**
 * Change the limits of a live container (runc's `update`): the cgroup's files are rewritten;
 * a value the kernel refuses leaves every limit as it was. The bundle's config.json is the
 * caller's to change (the engine rewrites it so the next start keeps the new limits).
 */
export function update(ref: ContainerRef, resources: LinuxResources): void {
  const { st, status } = current(ref);
  stateMod().assertAllowed('update', status, ref.id);
  cgroupOf(st).update(resources);
}

/** Processes of the container (host pids), from its cgroup. */
export function pids(ref: ContainerRef): number[] {
  return cgroupOf(stateMod().loadState(ref.root, ref.id)).pids();
}

export function stats(ref: ContainerRef): CgroupStats {
  return cgroupOf(stateMod().loadState(ref.root, ref.id)).stats();
}

/**
 * Forget a stopped or created container (a created one's parked init is killed, as runc does):
 * its cgroup and its state. With `force`, a running or paused one is killed
 * first (SIGKILL, after a thaw: a frozen task cannot die on cgroup v1). A missing state is
 * not an error with `force` (runc's `delete --force` of an unknown id is quiet too).
 */
export function remove(ref: ContainerRef, opts: { force?: boolean } = {}): void {
  const s = stateMod();
  let cur: { st: RuntimeState; status: Status };
  try {
    cur = current(ref);
  } catch (err) {
    if (!opts.force) throw err;
    // No state (lost in a crash, or never written): the cgroup, if any, has the default name.
    safely(() => cgroupsMod().openCgroup(ref.id).destroy(), undefined);
    return;
  }
  if (!opts.force) s.assertAllowed('delete', cur.status, ref.id);
  const cgroup = cgroupOf(cur.st);
  if (cur.status !== 'stopped') {
    safely(() => cgroup.thaw(), undefined);
    safely(() => process.kill(cur.st.pid, 'SIGKILL'), true);
  }
  cgroup.destroy(); // kills what is left in it
  s.removeState(ref.root, ref.id);
  const spec = safely(() => loadSpec(cur.st.bundle), null);
  // A spec without a mount namespace of its own put its mounts (root bind, /proc, /dev…) in
  // ours, and no namespace ends to take them away: detach what is under its root ourselves.
  // (By the real path: that is what the mount table shows when the bundle's root is a link.)
  if (spec && !spec.linux.namespaces.some((n) => n.type === 'mount')) {
    const rootfs = safely(() => realpathSync(resolve(cur.st.bundle, spec.root.path)), null);
    if (rootfs) detachMountsUnder(rootfs);
  }
  if (spec?.hooks?.poststop) hooksMod().runHooksWarning('poststop', spec.hooks, { ...toOci(cur.st, 'stopped') }, warn);
}

/**
 * After `run`'s wait() resolved: what `remove(ref, { force: true })` would still do, without
 * reading anything again. wait() has destroyed the cgroup (killing what was left in it), so
 * the state goes, and a spec without a mount namespace has its mounts in ours taken down.
 * A spec with poststop hooks takes the whole `remove` (the hooks read the recorded state).
 */
export function removeExited(ref: ContainerRef, bundle: string, started: Pick<StartedContainer, 'spec'>): void {
  const spec = started.spec;
  if (spec.hooks?.poststop) {
    remove(ref, { force: true });
    return;
  }
  stateMod().removeState(ref.root, ref.id);
  if (!spec.linux.namespaces.some((n) => n.type === 'mount')) {
    const rootfs = safely(() => realpathSync(resolve(bundle, spec.root.path)), null);
    if (rootfs) detachMountsUnder(rootfs);
  }
}

/** Forget the state only (the caller owns the cgroup's end: `run`'s wait() already destroyed it). */
export function forget(ref: ContainerRef): void {
  stateMod().removeState(ref.root, ref.id);
}

/** Start `proc` in the running container, in all its namespaces and its cgroup, under its seccomp filter. */
export async function exec(ref: ContainerRef, proc: Process, plan: ExecPlan, pending?: PendingExec, read?: { bundle: string; spec: RuntimeSpec }): Promise<StartedExec> {
  const { st, status } = current(ref);
  try {
    stateMod().assertAllowed('exec', status, ref.id);
  } catch (err) {
    await pending?.abandon();
    throw err;
  }
  // The container's filter binds exec'd processes too. `read`: the caller has just read this
  // bundle's config.json (the engine, for the process): not read and checked a second time.
  const spec = read !== undefined && resolve(read.bundle) === resolve(st.bundle) ? read.spec : loadSpec(st.bundle);
  const seccomp = spec.linux.seccomp;
  return execMod().execInContainer({ pid: st.pid, cgroup: membershipOf(st), seccomp, seccompCache: seccompCacheDir(ref.root) }, proc, plan, pending);
}

/**
 * Start an exec process before the container is even known (Node boots while the caller parses
 * and looks it up). It suits any container without a user namespace of its own; `exec`
 * replaces it for one with (see execInContainer).
 */
export function prespawnExec(o: { terminal: boolean; interactive: boolean; detach: boolean }): PendingExec {
  return execMod().spawnExecInit(null, o);
}

/** Start the exec process early (Node boots while the caller prepares `proc`). */
export function spawnExec(ref: ContainerRef, o: ExecSpawnOptions): PendingExec {
  const { st } = current(ref);
  return execMod().spawnExecInit(st.pid, o);
}

/** Take down mounts a `--mount-ns host` container left in the host's table under `dir`. */
export function detachMountsUnder(dir: string): void {
  hostMounts().detachMountsUnder(dir);
}

/** Read a file of a running container (through /proc/PID/root, staying inside its root). */
export function readContainerFile(ref: ContainerRef, path: string): string | null {
  const { st } = current(ref);
  return execMod().readContainerFile(st.pid, path);
}

function safely<T>(fn: () => T, fallback: T): T {
  try {
    return fn();
  } catch {
    return fallback;
  }
}
