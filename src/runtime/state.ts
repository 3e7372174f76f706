/**
 * The runtime's own state: what it must remember about a container between two commands
 * (`create` in one process, `start`, `kill`, `delete` in later ones). The engine keeps names,
 * images and restart counts; the runtime keeps only this — like runc's state.json and crun's
 * status.c:
 *
 *   ROOT/<id>/state.json   id, init pid + its start time, bundle, created, cgroup, annotations
 *   ROOT/<id>/exec.fifo    exists from `create` until `start`: the init waits on it
 *
 * ROOT is `mini-runc --root` (default /run/mini-runc); mini-run's engine uses its own.
 *
 * The status is never stored: it is read from the kernel each time (is the pid alive, with the
 * same start time? is the fifo still there? is the cgroup frozen?), so it cannot go stale when
 * a process dies while nobody watches. Which operation is allowed in which status is decided
 * in one place: `assertAllowed`.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { RuntimeState } from './state-schema';
import { writeFileAtomic } from '../fsutil';
import { removeLayout } from '../remove-layout';
import { processStartTime } from '../sys/proc-stat';
import { UserError } from '../errors';
import { lazy } from '../lazy';

// Where a state file is read (not by `run`, which writes one).
const stateCheck = lazy(() => require('./state-check') as typeof import('./state-check'));

export const DEFAULT_RUNTIME_ROOT = '/run/mini-runc';

/** The runtime-spec's container statuses (`paused` is a runc extension every client knows). */
export type Status = 'created' | 'running' | 'paused' | 'stopped';

export type { RuntimeState } from './state-schema';

/** Container ids as runc accepts them (they become file names here and cgroup names). */
export function checkId(id: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.+-]{0,127}$/.test(id)) throw new UserError(`invalid container id format: ${id}`, 1);
}

export const stateDir = (root: string, id: string) => join(root, id);
export const execFifoPath = (root: string, id: string) => join(root, id, 'exec.fifo');

export function saveState(root: string, st: RuntimeState): void {
  writeFileAtomic(join(stateDir(root, st.id), 'state.json'), JSON.stringify(st), 0o600);
}

/** The container's state, or a runc-like "does not exist" error (exit 1). */
export function loadState(root: string, id: string): RuntimeState {
  checkId(id);
  let text: string;
  try {
    text = readFileSync(join(stateDir(root, id), 'state.json'), 'utf8');
  } catch {
    throw new UserError(`container "${id}" does not exist`, 1);
  }
  // (the schema, state-schema.ts, compiled to plain code: no zod loaded)
  const parsed = stateCheck().checkRuntimeState(JSON.parse(text)) as RuntimeState | undefined;
  if (parsed === undefined) throw new UserError(`${join(stateDir(root, id), 'state.json')}: not a mini-runc state file`, 1);
  return parsed;
}

/** Its state.json and exec.fifo, then the directory (anything else there: the general removal, remove-layout.ts). */
export function removeState(root: string, id: string): void {
  removeLayout(stateDir(root, id), STATE_LAYOUT);
}
const STATE_LAYOUT = { files: ['exec.fifo', 'state.json'] } as const;

/** Ids that have a state directory under root. */
export function listStates(root: string): string[] {
  try {
    return readdirSync(root, { withFileTypes: true }).filter((e) => e.isDirectory() && existsSync(join(root, e.name, 'state.json'))).map((e) => e.name);
  } catch {
    return [];
  }
}

/** The kernel's start time of a process (field 22 of /proc/PID/stat): tells a PID's reuse apart. */
export { processStartTime };

/** Is the init (or the program it became) still this container's process? A zombie counts as gone. */
export function initAlive(st: RuntimeState): boolean {
  if (processStartTime(st.pid) !== st.pidStartTime) return false;
  try {
    const stat = readFileSync(`/proc/${st.pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** The status, read from the kernel: alive? still waiting on the fifo? frozen? */
export function statusOf(root: string, st: RuntimeState, frozen: () => boolean): Status {
  if (!initAlive(st)) return 'stopped';
  if (existsSync(execFifoPath(root, st.id))) return 'created';
  return frozen() ? 'paused' : 'running';
}

export type Operation = 'start' | 'kill' | 'pause' | 'resume' | 'delete' | 'exec' | 'update';

const ALLOWED: Record<Operation, readonly Status[]> = {
  start: ['created'],
  kill: ['created', 'running', 'paused'],
  pause: ['running', 'created'],
  resume: ['paused'],
  // A created container's program never ran: runc's `delete` kills the parked init and
  // forgets it, no --force needed; a running or paused one needs --force.
  delete: ['stopped', 'created'],
  exec: ['running', 'created'],
  update: ['created', 'running', 'paused'],
};

/** The one place that says which operation is allowed in which status (messages as runc's). */
export function assertAllowed(op: Operation, status: Status, id: string): void {
  if (ALLOWED[op].includes(status)) return;
  const why: Record<Operation, string> = {
    start: status === 'stopped' ? 'cannot start a container that has stopped' : `cannot start an already ${status} container`,
    kill: 'container not running',
    pause: status === 'paused' ? 'container already paused' : 'container not running',
    resume: 'container not paused',
    delete: `cannot delete container ${id} that is not stopped: ${status}`,
    exec: status === 'paused' ? 'cannot exec in a paused container' : 'cannot exec in a stopped container',
    update: 'container not running',
  };
  throw new UserError(why[op], 1);
}
