/**
 * Cleaning up after runs that were cut short. A foreground `run` supervises its container
 * itself; if it is SIGKILLed, the container's init dies with it (PR_SET_PDEATHSIG) and the
 * kernel tears down the namespaces and their mounts — but the cgroup, the container's
 * directory and its record stay. Every `run` first sweeps those away.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as runtime from '../runtime';
import { traceNote } from '../sys/trace';
import { withStateLock } from '../lock';
import { paths } from '../paths';
import {
  containerDirAge, isAlive, runtimeRef, listContainerIds, loadContainer, removeContainerDir, saveContainerIfPossible,
  type ContainerRecord,
} from './container-store';
import { keepConnectionsForNextStart, sweepNetworkQuietly } from './network';

/** Finalize one container whose supervisor is gone: no processes, no cgroup; record it exited (or remove it with --rm). */
function finalizeOrphan(rec: ContainerRecord): void {
  const id = rec.id;
  runtime.remove(runtimeRef(id), { force: true }); // its cgroup and the runtime's state
  runtime.detachMountsUnder(paths.container(id)); // only `--mount-ns host` leaves any

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
    FinishedAt: new Date().toISOString(),
  };
  rec.monitor = null;
  rec.network.endpoint = null; // its address and rules are released by the network sweep
  keepConnectionsForNextStart(rec);
  // On a full disk the record cannot be written: this command still sees it exited, and the
  // next sweep writes it once there is space (read paths must work on a full disk).
  if (!saveContainerIfPossible(rec)) traceNote(`container ${id.slice(0, 12)}: cannot record its exit yet (disk full or failing)`);
}

/** Sweep containers whose supervising process has died. Returns the ids cleaned. */
export function sweepStaleContainers(): string[] {
  const cleaned: string[] = [];
  withStateLock(() => {
    for (const id of listContainerIds()) {
      const recordFile = join(paths.container(id), 'container.json');
      if (!existsSync(recordFile)) {
        // A create that died before its record was written: only remove it once it is old
        // enough that no live `run` can still be writing it.
        if (containerDirAge(id) > 60_000) {
          runtime.remove(runtimeRef(id), { force: true });
          removeContainerDir(id);
          cleaned.push(id);
        }
        continue;
      }
      let rec;
      try {
        rec = loadContainer(id);
      } catch {
        continue;
      }
      if ((rec.state.Status === 'running' || rec.state.Status === 'created' || rec.state.Status === 'removing') && rec.monitor && !isAlive(rec.monitor)) {
        traceNote(`container ${id.slice(0, 12)}: its supervisor (PID ${rec.monitor.pid}) is gone; cleaning up`);
        finalizeOrphan(rec);
        cleaned.push(id);
      }
    }
  });
  // Network leases are host-wide (see network/host-state.ts): free those of dead supervisors.
  sweepNetworkQuietly();
  return cleaned;
}
