/**
 * Cleaning up after runs that were cut short. A foreground `run` supervises its container
 * itself; if it is SIGKILLed, the container's init dies with it (PR_SET_PDEATHSIG) and the
 * kernel tears down the namespaces and their mounts — but the cgroup, the container's
 * directory and its record stay. Every `run` first sweeps those away.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { traceNote } from '../sys/trace';
import { withStateLock } from '../lock';
import { paths, stateRoot } from '../paths';
import {
  containerDirAge, isAlive, runtimeRef, listContainerIds, loadContainer, removeContainerDir, saveContainerIfPossible,
  type ContainerRecord,
} from './container-store';
import { lazy } from '../lazy';
import { isoTime } from '../utc-time';

// Loaded only when there is something to clean: a read path (`ps`) on a healthy host needs
// neither the runtime nor the network code (nor the lock's flock, nor koffi behind it).
const runtime = lazy(() => require('../runtime') as typeof import('../runtime'));
const sockets = lazy(() => require('../shim/sockets') as typeof import('../shim/sockets'));
const networkMod = lazy(() => require('./network') as typeof import('./network'));
const hostState = lazy(() => require('../network/host-state') as typeof import('../network/host-state'));
const bridge = lazy(() => require('../network/bridge') as typeof import('../network/bridge'));

/** Finalize one container whose supervisor is gone: no processes, no cgroup; record it exited (or remove it with --rm). */
function finalizeOrphan(rec: ContainerRecord): void {
  const id = rec.id;
  runtime().remove(runtimeRef(id), { force: true }); // its cgroup and the runtime's state
  runtime().detachMountsUnder(paths.container(id)); // only `--mount-ns host` leaves any
  // its attach and exec sockets and its name link (a supervisor killed with SIGKILL left them)
  sockets().removeSupervisorSockets(id, stateRoot(), rec.name);

  if (rec.hostConfig.AutoRemove) {
    removeContainerDir(id);
    return;
  }
  rec.state = {
    ...rec.state,
    Status: 'exited',
    Pid: 0,
    ExitCode: rec.state.Status === 'created' ? 128 : 255,
    Error: rec.state.Status === 'created' ? rec.state.Error || 'mini-run stopped before the container started' : 'mini-run was killed while the container ran',
    FinishedAt: isoTime(),
  };
  rec.monitor = null;
  rec.network.endpoint = null; // its address and rules are released by the network sweep
  networkMod().keepConnectionsForNextStart(rec);
  // On a full disk the record cannot be written: this command still sees it exited, and the
  // next sweep writes it once there is space (read paths must work on a full disk).
  if (!saveContainerIfPossible(rec)) traceNote(`container ${id.slice(0, 12)}: cannot record its exit yet (disk full or failing)`);
}

/** What the sweep finds in one container's directory: nothing to do, or why it must be cleaned. */
function staleness(id: string): 'recordless' | ContainerRecord | null {
  const recordFile = join(paths.container(id), 'container.json');
  if (!existsSync(recordFile)) {
    // A create that died before its record was written: only remove it once it is old
    // enough that no live `run` can still be writing it.
    return containerDirAge(id) > 60_000 ? 'recordless' : null;
  }
  let rec;
  try {
    rec = loadContainer(id);
  } catch {
    return null;
  }
  const supervised = rec.state.Status === 'running' || rec.state.Status === 'created' || rec.state.Status === 'removing';
  return supervised && rec.monitor && !isAlive(rec.monitor) ? rec : null;
}

/**
 * Sweep containers whose supervising process has died. Returns the ids cleaned.
 * `giveBackNetwork` (`system prune`, `network prune`): also remove the idle default bridge, and
 * with no container on any network our chains and ip_forward (network/bridge.ts releaseIdle).
 */
export function sweepStaleContainers(opts: { giveBackNetwork?: boolean } = {}): string[] {
  const cleaned: string[] = [];
  // A first look without the lock (records are replaced atomically): most of the time nothing
  // is stale, and a read-only command then takes no lock. What it finds is checked again
  // under the lock, where another command may have cleaned it meanwhile.
  if (listContainerIds().some((id) => staleness(id) !== null)) {
    withStateLock(() => {
      for (const id of listContainerIds()) {
        const found = staleness(id);
        if (found === null) continue;
        if (found === 'recordless') {
          runtime().remove(runtimeRef(id), { force: true });
          removeContainerDir(id);
        } else {
          traceNote(`container ${id.slice(0, 12)}: its supervisor (PID ${found.monitor?.pid}) is gone; cleaning up`);
          finalizeOrphan(found);
        }
        cleaned.push(id);
      }
    });
  }
  // Network leases are host-wide (see network/host-state.ts): free those of dead supervisors.
  try {
    // (the bridge code only when there is something to do: a first look at the state file)
    const hostNet = hostState();
    if (hostNet.sweepHasWork(hostNet.readHostNetState(), opts.giveBackNetwork === true)) {
      bridge().sweepNetwork({ giveBack: opts.giveBackNetwork });
    }
  } catch (err) {
    // The network state is host-wide: a failure here must not stop a container command; a prune reports it.
    if (opts.giveBackNetwork) throw err;
  }
  return cleaned;
}
