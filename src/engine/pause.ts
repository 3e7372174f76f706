/**
 * `mini-run pause` / `unpause`: freeze and thaw every process of a container with the cgroup
 * freezer, and record `paused` ↔ `running` in its record.
 *
 * Why the freezer and not SIGSTOP? A signal is something the program can see and anyone can
 * undo: its parent gets SIGCHLD and reports it "Stopped", any process may SIGCONT it, and
 * sending it to every process of a container races with the ones forking right then. The
 * freezer works below the processes: the kernel parks each task of the cgroup (children born
 * while freezing included) and they cannot tell, except for the time that passed.
 *
 * The freeze and the record change happen under the state lock, so two `pause` calls (or a
 * `pause` and an `unpause`) never interleave, and no one sees a frozen container recorded as
 * running.
 */
import { UserError } from '../errors';
import * as runtime from '../runtime';
import { findContainer, isRunning, runtimeRef, updateContainer, type ContainerRecord } from './container-store';

/** Freeze a running container. Returns its record as saved. */
export function pauseContainer(ref: string): ContainerRecord {
  const { id } = findContainer(ref);
  // updateContainer re-reads the record under the lock: the checks see the current state,
  // and a throw (not running, freeze failed) leaves the record untouched.
  return updateContainer(id, (rec) => {
    if (!isRunning(rec)) throw new UserError(`Container ${id} is not running`, 1);
    if (rec.state.Status === 'paused') throw new UserError(`Container ${id} is already paused`, 1);
    if (rec.state.Status === 'restarting') throw new UserError(`Container ${id} is restarting, wait until the container is running`, 1);
    runtime.pause(runtimeRef(id));
    rec.state.Status = 'paused';
  });
}

/** Thaw a paused container. Returns its record as saved. */
export function unpauseContainer(ref: string): ContainerRecord {
  const { id } = findContainer(ref);
  return updateContainer(id, (rec) => {
    if (rec.state.Status !== 'paused' || !isRunning(rec)) throw new UserError(`Container ${id} is not paused`, 1);
    runtime.resume(runtimeRef(id));
    rec.state.Status = 'running';
  });
}
