/**
 * `mini-run rm`: remove a container's directory (its writable layer, files, record) and cgroup.
 * A running container is refused unless forced; forcing kills its PID 1 first.
 */
import { UserError } from '../errors';
import { withStateLock } from '../lock';
import { openCgroup } from '../runtime/cgroups';
import { findContainer, isAlive, isRunning, listContainerIds, loadContainer, removeContainerDir, updateContainer } from './container-store';
import { sweepStaleContainers } from './cleanup';
import { releaseContainerNetwork } from './network';

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
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
        openCgroup(dirs[0]).destroy();
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
    updateContainer(rec.id, (r) => { r.state.ManuallyStopped = true; });
    try {
      if (rec.state.Pid) process.kill(rec.state.Pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
    try { openCgroup(rec.id).thaw(); } catch { /* not frozen, or gone */ }
    // Give its supervisor a moment to record the exit, so it does not write after we remove.
    for (let i = 0; i < 50 && isAlive(loadContainer(rec.id).monitor); i++) await sleep(100);
  }
  releaseContainerNetwork(rec.id); // normally done by its supervisor already
  withStateLock(() => {
    openCgroup(rec.id).destroy();
    removeContainerDir(rec.id, { volumes });
  });
  return ref;
}
