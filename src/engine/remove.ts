/**
 * `mini-run rm`: remove a container's directory (its writable layer, files, record) and cgroup.
 * A running container is refused unless forced; forcing kills its PID 1 first.
 */
import { UserError } from '../errors';
import { withStateLock } from '../lock';
import { openCgroup } from '../runtime/cgroups';
import { findContainer, isAlive, loadContainer, removeContainerDir } from './container-store';

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export async function removeContainer(ref: string, force: boolean): Promise<string> {
  const rec = findContainer(ref);
  const running = rec.state.Status === 'running' && isAlive(rec.monitor);
  if (running && !force) {
    throw new UserError(`cannot remove container "${rec.name}": container is running: stop the container before removing or force remove`, 1);
  }
  if (running) {
    try {
      process.kill(rec.state.Pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
    // Give its supervisor a moment to record the exit, so it does not write after we remove.
    for (let i = 0; i < 50 && isAlive(loadContainer(rec.id).monitor); i++) await sleep(100);
  }
  withStateLock(() => {
    openCgroup(rec.id).destroy();
    removeContainerDir(rec.id);
  });
  return ref;
}
