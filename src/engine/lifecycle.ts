/**
 * Container lifecycle on the engine side: start (through a detached supervisor), stop, kill,
 * restart, wait, rename. The supervisor records exits; these commands signal and observe.
 */
import { UserError } from '../errors';
import { withStateLock } from '../lock';
import { traceNote } from '../sys/trace';
import { SIGNALS } from '../sys/constants';
import {
  findContainer, isAlive, isRunning, listContainers, loadContainer, programAlive, runtimeRef, updateContainer, updateContainerIfPossible, type ContainerRecord,
} from './container-store';
import { validName } from './names';
import { stateRoot } from '../paths';
import { sweepStaleContainers } from './cleanup';
import * as runtime from '../runtime';
import { launchSupervisor } from './supervisor-launch';
import { lazy } from '../lazy';

const sockets = lazy(() => require('../shim/sockets') as typeof import('../shim/sockets'));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Start a created or exited container under a new detached supervisor, and return once its
 * program runs (or throw why it could not).
 */
export async function startDetached(id: string, opts: { restarting?: boolean; awaitAttach?: boolean } = {}): Promise<number> {
  return launchSupervisor(id, opts).go();
}

export { launchSupervisor, type EarlyInitShape, type SupervisorLaunch } from './supervisor-launch';

/** `start`: created/exited → running. Starting a running container is a no-op, like docker. */
export async function startContainer(ref: string, opts: { awaitAttach?: boolean } = {}): Promise<ContainerRecord> {
  sweepStaleContainers();
  const rec = findContainer(ref);
  if (isRunning(rec)) return rec;
  if (rec.state.Status === 'paused') throw new UserError(`cannot start a paused container, try unpause instead`, 1);
  withStateLock(() => {
    const cur = loadContainer(rec.id);
    if (isAlive(cur.monitor)) throw new UserError(`container ${rec.name} is already being started`, 1);
    updateContainer(rec.id, (r) => { r.state.ManuallyStopped = false; });
  });
  await startDetached(rec.id, { awaitAttach: opts.awaitAttach });
  return loadContainer(rec.id);
}

export function signalNumber(sig: string): number {
  const s = sig.toUpperCase();
  if (/^\d+$/.test(s)) return Number(s);
  const n = SIGNALS[s] ?? SIGNALS[`SIG${s}`];
  if (n === undefined) throw new UserError(`invalid signal: ${sig}`, 1);
  return n;
}

/** `kill -s SIG`: signal PID 1. Docker counts it as a manual stop for the restart policy. */
export function killContainer(ref: string, signal = 'SIGKILL'): ContainerRecord {
  sweepStaleContainers();
  const rec = findContainer(ref);
  const sig = signalNumber(signal);
  if (!isRunning(rec)) throw new UserError(`cannot kill container: ${ref}: container ${rec.id} is not running`, 1);
  if (sig === SIGNALS.SIGKILL || sig === SIGNALS.SIGTERM || sig === SIGNALS.SIGINT) {
    updateContainerIfPossible(rec.id, (r) => { r.state.ManuallyStopped = true; });
  }
  traceNote(`kill(${rec.state.Pid}, ${sig})`);
  // A frozen task cannot act on a signal (on cgroup v1 not even SIGKILL): thaw, like docker.
  runtime.kill(runtimeRef(rec.id), sig, { thaw: rec.state.Status === 'paused' });
  if (rec.state.Status === 'paused') {
    updateContainer(rec.id, (r) => { if (r.state.Status === 'paused') r.state.Status = 'running'; });
  }
  return rec;
}

/** Wait until the container is no longer running (its supervisor recorded the exit). */
export async function waitStopped(id: string, timeoutMs = Infinity): Promise<ContainerRecord | null> {
  const deadline = Date.now() + timeoutMs;
  let goneSince: number | undefined;
  for (;;) {
    let rec: ContainerRecord;
    try {
      rec = loadContainer(id);
    } catch {
      return null; // removed (--rm)
    }
    const live = isAlive(rec.monitor);
    // The program has been gone for 2 s but its supervisor could not record that (a full disk:
    // it retries until there is space): stopped all the same.
    if (live && rec.state.Pid > 0 && (rec.state.Status === 'running' || rec.state.Status === 'paused') && !programAlive(rec.state.Pid)) {
      goneSince ??= Date.now();
      if (Date.now() - goneSince > 2000) return rec;
    }
    if (!live || (rec.state.Status !== 'running' && rec.state.Status !== 'paused' && rec.state.Status !== 'restarting')) {
      if (!live) sweepStaleContainers();
      try { return loadContainer(id); } catch { return null; }
    }
    if (Date.now() > deadline) return rec;
    await sleep(50);
  }
}

/**
 * `stop -t N`: the image's StopSignal (SIGTERM by default) to PID 1, then SIGKILL after N
 * seconds. PID 1 of a PID namespace ignores signals it has no handler for — `sleep` as PID 1
 * ignores SIGTERM — which is why docker's stop so often waits the full 10 s.
 */
export async function stopContainer(ref: string, timeoutSec?: number, signal?: string): Promise<ContainerRecord> {
  sweepStaleContainers();
  const rec = findContainer(ref);
  updateContainerIfPossible(rec.id, (r) => { r.state.ManuallyStopped = true; }); // stop must work on a full disk
  if (!isRunning(rec)) {
    if (rec.state.Status === 'restarting') updateContainer(rec.id, (r) => { r.state.Status = 'exited'; });
    return rec;
  }
  const sig = signalNumber(signal ?? rec.config.StopSignal ?? 'SIGTERM');
  const t = timeoutSec ?? rec.config.StopTimeout ?? 10;
  try { runtime.kill(runtimeRef(rec.id), sig, { thaw: rec.state.Status === 'paused' }); } catch { /* exited meanwhile */ }
  await thawIfPaused(rec);
  let after = await waitStopped(rec.id, t * 1000);
  if (after && (after.state.Status === 'running' || after.state.Status === 'paused') && after.state.Pid) {
    traceNote(`still running after ${t}s: SIGKILL`);
    try { runtime.kill(runtimeRef(rec.id), 'SIGKILL'); } catch { /* gone */ }
    after = await waitStopped(rec.id, 10_000);
  }
  return after ?? rec;
}

/** A frozen process cannot act on a signal: thaw a paused container so it can exit. */
async function thawIfPaused(rec: ContainerRecord): Promise<void> {
  if (rec.state.Status !== 'paused') return;
  try { runtime.resume(runtimeRef(rec.id)); } catch { /* thawed by the kill already, or exited */ }
  updateContainer(rec.id, (r) => { if (r.state.Status === 'paused') r.state.Status = 'running'; });
}

export async function restartContainer(ref: string, timeoutSec?: number): Promise<void> {
  const rec = await stopContainer(ref, timeoutSec);
  await startContainer(rec.id);
}

/** `wait`: block until the container stops; its exit code. */
export async function waitContainer(ref: string): Promise<number> {
  sweepStaleContainers();
  const rec = findContainer(ref);
  for (;;) {
    const after = await waitStopped(rec.id);
    if (!after) return rec.state.ExitCode; // removed by --rm: we cannot know better
    if (after.state.Status !== 'created') return after.state.ExitCode;
    await sleep(100);
  }
}

export function renameContainer(ref: string, newName: string): void {
  const name = newName.replace(/^\//, '');
  if (!validName(name)) throw new UserError(`Invalid container name (${newName}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`, 1);
  withStateLock(() => {
    const rec = findContainer(ref);
    if (rec.name === name) throw new UserError(`Renaming a container with the same name as its current name`, 1);
    const other = listContainers().find((c) => c.name === name);
    if (other) throw new UserError(`Conflict. The container name "/${name}" is already in use by container "${other.id}". You have to remove (or rename) that container to be able to reuse that name.`, 1);
    updateContainer(rec.id, (r) => { r.name = name; });
    // The exec front door's name link (shim/exec-server.ts) follows, so `exec NEWNAME` is fast
    // and the old name finds nothing (the Node CLI then says "No such container", as Docker).
    sockets().moveNameLink(stateRoot(), rec.id, rec.name, name);
  });
}
