/**
 * `mini-run top CONTAINER [ps OPTIONS]`: the processes of a container, as the HOST's `ps`
 * sees them (host PIDs, host user names), like `docker top`.
 *
 * Which processes belong to the container? Exactly those in its cgroup: every process the
 * container starts lands there (children inherit their parent's cgroup), and none can leave
 * without the host's help. So: run `ps` on the host with the user's options, keep the header
 * and the lines whose PID column holds one of the cgroup's pids. (docker does the same; running
 * `ps` inside the container would show container PIDs and need a `ps` in the image.)
 */
import { UserError } from '../errors';
import * as runtime from '../runtime';
import { runCommand } from '../sys/command';
import { findContainer, isRunning, runtimeRef } from './container-store';

export interface TopResult {
  /** The ps header, one title per column (UID PID PPID C STIME TTY TIME CMD). */
  titles: string[];
  /** One row per process; the last column (the command) may contain spaces. */
  processes: string[][];
}

/** docker refuses `-o ppid=PID` style options that would rename another column to "PID". */
export function checkPsArgs(args: readonly string[]): void {
  for (const m of ` ${args.join(' ')}`.matchAll(/\s+([^\s]*)=\s*(PID[^\s]*)/g)) {
    if (m[1] !== 'pid') throw new UserError(`specifying "${m[1]}=${m[2]}" is not allowed`, 1);
  }
}

/** Keep the header and the lines of `ps` output whose PID is one of `pids`. */
export function filterPsOutput(output: string, pids: readonly number[]): TopResult {
  const lines = output.split('\n').filter((l) => l.trim() !== '');
  if (lines.length === 0) throw new UserError('ps printed nothing', 1);
  const titles = lines[0].trim().split(/\s+/);
  const pidIndex = titles.indexOf('PID');
  if (pidIndex < 0) throw new UserError("Couldn't find PID field in ps output", 1);
  const wanted = new Set(pids);
  const processes: string[][] = [];
  for (const line of lines.slice(1)) {
    const fields = line.trim().split(/\s+/);
    const pid = Number(fields[pidIndex]);
    if (!Number.isInteger(pid) || !wanted.has(pid)) continue;
    // The command is the last column and has spaces of its own: glue it back together.
    if (fields.length > titles.length) fields.splice(titles.length - 1, fields.length, fields.slice(titles.length - 1).join(' '));
    processes.push(fields);
  }
  return { titles, processes };
}

export function containerTop(ref: string, psArgs: readonly string[] = ['-ef']): TopResult {
  const rec = findContainer(ref);
  if (!isRunning(rec)) throw new UserError(`Container ${rec.id} is not running`, 1);
  if (rec.state.Status === 'restarting') throw new UserError(`Container ${rec.id} is restarting, wait until the container is running`, 1);
  checkPsArgs(psArgs);
  const args = psArgs.length ? psArgs : ['-ef'];
  const pids = runtime.pids(runtimeRef(rec.id));
  const r = runCommand(['ps', ...args], { allowFailure: true });
  if (r.status !== 0) throw new UserError(`Error running ps: ${(r.stderr.trim() || `exit status ${r.status}`).split('\n')[0]}`, 1);
  return filterPsOutput(r.stdout, pids);
}
