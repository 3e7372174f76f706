/**
 * `mini-run rm`: remove a container's directory (its writable layer, files, record) and cgroup.
 * A running container is refused unless forced; forcing kills its PID 1 first.
 */
import { join } from 'node:path';
import { UserError } from '../errors';
import { treeSize } from '../fsutil';
import { paths } from '../paths';
import { withStateLock } from '../lock';
import * as runtime from '../runtime';
import { findContainer, hasRecord, isAlive, isRunning, programAlive, listContainerIds, loadContainer, removeContainerDir, runtimeRef, updateContainerIfPossible, type ContainerRecord } from './container-store';
import { sweepStaleContainers } from './cleanup';
import { releaseContainerNetwork } from './network';

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * Run `read` on the container's record; null if the record is gone. A --rm container's
 * supervisor removes it the moment its program exits — maybe while `rm -f` is killing it: then
 * the work is done (Docker's `rm -f` of such a container exits 0 too).
 */
function ifRecordLeft<T>(id: string, read: () => T): T | null {
  try {
    return read();
  } catch (e) {
    if (hasRecord(id)) throw e;
    return null;
  }
}

export async function removeContainer(ref: string, force: boolean, volumes = false): Promise<string> {
  sweepStaleContainers();
  let rec;
  try {
    rec = findContainer(ref);
  } catch (e) {
    // A container whose record is unreadable can still be removed by its id, with -f.
    const dirs = listContainerIds().filter((id) => id.startsWith(ref));
    if (force && dirs.length === 1 && ref.length >= 12) {
      withStateLock(() => {
        runtime.remove(runtimeRef(dirs[0]), { force: true });
        removeContainerDir(dirs[0]);
      });
      return ref;
    }
    throw e;
  }
  const running = isRunning(rec) || (rec.state.Status === 'restarting' && isAlive(rec.monitor));
  if (running && !force) {
    throw new UserError(`cannot remove container "${rec.name}": container is running: stop the container before removing or force remove`, 1);
  }
  if (running) {
    // No restart after this; then SIGKILL (a paused container is thawed: frozen tasks cannot die).
    ifRecordLeft(rec.id, () => updateContainerIfPossible(rec.id, (r) => { r.state.ManuallyStopped = true; })); // removal must work on a full disk
    try { runtime.kill(runtimeRef(rec.id), 'SIGKILL', { thaw: true }); } catch { /* already gone */ }
    // Give its supervisor a moment to record the exit, so it does not write after we remove.
    // (On a full disk it cannot, and keeps trying: once the program has been gone 1 s, go on —
    // the supervisor writes under the state lock and finds the record gone.)
    const supervised = (): boolean => ifRecordLeft(rec.id, () => isAlive(loadContainer(rec.id).monitor)) ?? false;
    for (let i = 0, gone = 0; i < 50 && supervised() && gone < 10; i++) {
      gone = rec.state.Pid && programAlive(rec.state.Pid) ? 0 : gone + 1;
      await sleep(100);
    }
  }
  releaseContainerNetwork(rec.id); // normally done by its supervisor already
  withStateLock(() => {
    runtime.remove(runtimeRef(rec.id), { force: true });
    removeContainerDir(rec.id, { volumes });
  });
  return ref;
}

/** `system prune`'s part for the runtime's own cache (compiled seccomp filters): the bytes freed. */
export function pruneRuntimeCache(): number {
  return runtime.clearSeccompCache(paths.runtime());
}

/**
 * `container prune`: remove every container that is not running. Removal only frees (it writes
 * nothing first), so it works on a full disk. Returns the ids and the bytes their layers held.
 */
export function pruneContainers(wanted: (rec: ContainerRecord) => boolean = () => true): { ids: string[]; bytes: number } {
  sweepStaleContainers();
  const ids: string[] = [];
  let bytes = 0;
  withStateLock(() => {
    for (const id of listContainerIds()) {
      let rec;
      try { rec = loadContainer(id); } catch { continue; }
      if (isRunning(rec) || (rec.state.Status === 'restarting' && isAlive(rec.monitor))) continue;
      if (rec.state.Status === 'created' && isAlive(rec.monitor)) continue; // being created right now
      if (!wanted(rec)) continue; // --filter until=/label=
      bytes += treeSize(join(paths.container(id), 'upper'));
      releaseContainerNetwork(id);
      runtime.remove(runtimeRef(id), { force: true });
      removeContainerDir(id);
      ids.push(id);
    }
  });
  return { ids, bytes };
}
