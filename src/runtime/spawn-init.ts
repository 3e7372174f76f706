/**
 * Spawning the container's init: a new Node process running init-main.js, in a new PID
 * namespace when the container has one (so it is PID 1 there), with the sync socket on fd 3.
 *
 * Kept apart from container.ts (and light: no zod, no cgroups) because `run` calls it first
 * thing, before it loads the rest of the engine — see engine/run-start.ts.
 */
import type { ChildProcess, StdioOptions } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { CLONE, SIGNALS } from '../sys/constants';
import { setns, unshare } from '../sys/libc';
import { traceFd, traceNote } from '../sys/trace';
import { UserError } from '../errors';
import { ParentSyncSocket, type SyncEnd } from './sync-socket';
import { initBinary, initNativeBinary } from './runtime-binary';
import { initWanted } from './init-env';
import { userNamespaceCommand } from './userns';
import { refusedTasks } from './pids-limit';
import { lazy } from '../lazy';
import { spawnChild, type ChildFd } from './spawn-child';

const initOrder = lazy(() => require('./init-order') as typeof import('./init-order')); // not with MINI_RUN_INIT=node
const childProcess = lazy(() => require('node:child_process') as typeof import('node:child_process'));

/** node:child_process, loaded only where Node's spawn is still used (the user-namespace path). */
const nodeSpawn = (file: string, args: string[], options: import('node:child_process').SpawnOptions): ChildProcess =>
  childProcess().spawn(file, args, options);

const INIT_SCRIPT = join(__dirname, 'init-main.js');

/** Where one of the program's fds 0–2 comes from: ours, /dev/null, or an fd we made (a pipe end). */
export type StdioTarget = 'inherit' | 'ignore' | number;

/**
 * The container's init, started but still waiting for its orders on the sync socket.
 *
 * Starting Node takes ~45 ms. The init needs nothing from the container to boot, so the
 * engine may start it *first* and create the container (files, config.json, cgroup) while it
 * boots: the two overlap instead of adding up. The init does nothing until it gets `start`.
 */
export interface PendingInit {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly newPidNamespace: boolean;
  /** Started in a new user namespace (through userns-exec): it says `userns` first. */
  readonly userNamespace: boolean;
  readonly terminal: boolean;
  readonly exited: Promise<ChildExit>;
  readonly sync: ParentSyncSocket;
  /** Tasks the pids cgroups around us had refused before it was spawned (pids-limit.ts). */
  readonly refusedTasksBefore: number;
  /** The native init (native/init-native.c, the default where it can): it takes init-order.ts's order, not `start`. */
  readonly native: boolean;
  /** Give up on it (the container could not be created): kill it and wait. */
  abandon(): Promise<void>;
}

export interface InitOptions {
  newPidNamespace: boolean; // the spec has a new `pid` namespace
  /** The spec's `pid` namespace has a `path`: the init is born in that (existing) namespace. */
  joinPidNamespace?: string;
  terminal: boolean; // process.terminal: the init opens a pty; fds 0–2 come from it
  interactive: boolean; // stdin goes to the program
  stdio?: [StdioTarget, StdioTarget, StdioTarget]; // without a terminal (default: ours)
  /** The spec has a new `user` namespace: start through userns-exec (runtime/userns.ts). */
  userNamespace?: boolean;
  /** (with userNamespace) Join the user namespace at this path (/proc/PID/ns/user) instead of making one. */
  joinUserNamespace?: string;
  /** (with userNamespace) The init is meant to outlive us (`mini-runc create`): no death signal. */
  detached?: boolean;
  /** The Node init although the native one is wanted (the spec turned out to need it: container.ts). */
  nodeInit?: boolean;
}

/** Spawn the init, in a new PID namespace if asked: it is then PID 1 there. */
export function spawnInit(o: InitOptions): PendingInit {
  // The native init unless MINI_RUN_INIT=node (a value naming no init: one line, 125, nothing made),
  // for a container of a shape it supports (the rest: the Node init, and the trace says why).
  const nativeWanted = !o.nodeInit && initWanted() === 'native';
  const shapeRefusal = nativeWanted ? initOrder().nativeShapeRefusal(o) : null;
  if (shapeRefusal !== null) traceNote(`native init: not for this container (${shapeRefusal}): the Node init`);
  const tfd = traceFd();
  const given = o.stdio ?? [o.interactive ? 'inherit' : 'ignore', 'inherit', 'inherit'];
  const stdio: StdioOptions = [
    ...(o.terminal ? ['ignore', 'ignore', 'ignore'] : given) as StdioTarget[],
    'pipe', // fd 3: the sync socket
    tfd !== null ? tfd : 'ignore', // fd 4: where the init's trace lines go
  ];
  if (o.userNamespace) return spawnInUserNamespace(o, stdio);
  let hostPidNs: number | null = null;
  let targetPidNs: number | null = null;
  if (o.newPidNamespace || o.joinPidNamespace) {
    // unshare(CLONE_NEWPID) and setns(CLONE_NEWPID) change where our *next child* goes, not us.
    // Save our own PID namespace first: we must come back to it, or every later child would
    // land in there too.
    hostPidNs = openSync('/proc/self/ns/pid', 'r');
  }
  let child: ChildProcess;
  const refusedTasksBefore = refusedTasks();
  // The native init wanted, a container of a shape it supports and the binary built: the C init.
  const nativeBinary = nativeWanted && shapeRefusal === null ? initNativeBinary() : null;
  if (nativeWanted && shapeRefusal === null && nativeBinary === null) traceNote('native init: not built (no C compiler when mini-run was built): the Node init');
  // node from a read-only bind mount: the container can never write it (runtime-binary.ts)
  const binary = nativeBinary ?? initBinary();
  try {
    if (o.joinPidNamespace) {
      // A PID namespace given by path (another container's, `--pid container:X`): the init is
      // born in it, as one more process there (not its PID 1).
      targetPidNs = openSync(o.joinPidNamespace, 'r');
      setns(targetPidNs, CLONE.NEWPID, o.joinPidNamespace);
    } else if (o.newPidNamespace) {
      unshare(CLONE.NEWPID);
    }
    // posix_spawn (a vfork-like clone, then execve), not Node's fork of the whole CLI: spawn-child.ts.
    // The environment is empty: the program's comes from config.json, not from us.
    child = spawnChild(binary, 'mini-run-init', nativeBinary ? [] : [INIT_SCRIPT], stdio as ChildFd[]);
  } finally {
    if (targetPidNs !== null) closeSync(targetPidNs);
    if (hostPidNs !== null) {
      setns(hostPidNs, CLONE.NEWPID, '/proc/self/ns/pid (ours, saved)');
      closeSync(hostPidNs);
    }
  }
  const pid = child.pid as number; // (posix_spawn throws when it makes no process)
  // posix_spawn is clone() + execve() of the init: an ordinary child process of ours.
  traceNote(`spawn mini-run-init (${nativeBinary ? binary : `${binary} ${INIT_SCRIPT}`}): PID ${pid} on the host${o.newPidNamespace ? ', PID 1 in its new PID namespace' : o.joinPidNamespace ? `, in the PID namespace of ${o.joinPidNamespace}` : ''}`);
  return { ...watchChild(child, pid), newPidNamespace: o.newPidNamespace, userNamespace: false, terminal: o.terminal, refusedTasksBefore, native: nativeBinary !== null };
}

/**
 * The init in a new user namespace (and PID namespace, owned by it): userns-exec creates them,
 * as node may not (runtime/userns.ts). With a PID namespace, userns-exec stays as the init's
 * parent and ends the way it ends; `pid` here is userns-exec's until the init tells us its own.
 */
function spawnInUserNamespace(o: InitOptions, stdio: StdioOptions): PendingInit {
  const refusedTasksBefore = refusedTasks();
  const { file, args } = userNamespaceCommand({ newPidNamespace: o.newPidNamespace, detached: o.detached === true, join: o.joinUserNamespace }, initBinary(), INIT_SCRIPT);
  const child = nodeSpawn(file, args, { stdio, env: {}, argv0: 'mini-run-userns' });
  if (child.pid === undefined) throw spawnFailure(child);
  traceNote(`spawn ${file} ${args.join(' ')}: PID ${child.pid} on the host, in ${o.joinUserNamespace ? `the user namespace ${o.joinUserNamespace}` : 'a new user namespace'}${o.newPidNamespace ? ' with a new PID namespace (its child is PID 1 there)' : ''}`);
  return { ...watchChild(child, child.pid), newPidNamespace: o.newPidNamespace, userNamespace: true, terminal: o.terminal, refusedTasksBefore, native: false };
}

/**
 * Node's spawn() that failed for lack of a resource (EMFILE, ENFILE, EAGAIN…) returns a child
 * without a pid and reports why only later, as an 'error' event: nobody would listen by then,
 * and an unheard 'error' ends the process with a stack trace. Hear it (we are failing anyway),
 * and name the cause: out of file descriptors shows now as not being able to open the few a
 * spawn needs (its pipes and sockets, closed again by the failed spawn) — try as many; any
 * other cause (EAGAIN: no process may be made, a pids cgroup or ulimit -u) is copied into the
 * returned error when the event comes (the next tick: see settleSpawnFailure), so the CLI says
 * which limit ran out.
 */
export function spawnFailure(child: ChildProcess, what = 'the container init process'): Error {
  const failure: Error & { code?: string; syscall?: string } = new UserError(`could not start ${what}`);
  child.once('error', (e: NodeJS.ErrnoException) => { failure.code = e.code; failure.syscall = e.syscall; });
  const probe: number[] = [];
  try {
    for (let i = 0; i < SPAWN_NEEDS_FDS; i++) probe.push(openSync('/dev/null', 'r'));
  } catch (e) {
    return e as Error; // EMFILE/ENFILE: the CLI's one line for an exhausted limit
  } finally {
    for (const fd of probe) closeSync(fd);
  }
  return failure;
}

/** Let a failed spawn's 'error' event (Node's next tick) fill in the error spawnFailure returned. */
export function settleSpawnFailure(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Descriptors a spawn of the init holds at once: stdio and sync socket pairs, the exec-error pipe. */
const SPAWN_NEEDS_FDS = 10;

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** The exit code a shell (and docker) reports: the status, or 128 + the signal's number if killed. */
export function exitStatus({ code, signal }: ChildExit): number {
  return signal ? 128 + (SIGNALS[signal] ?? 9) : code ?? 125;
}

/** The parent's handles on a spawned init or exec-init: its exit, its sync socket (fd 3), and a way to give up on it. */
export function watchChild(child: ChildProcess, pid: number) {
  const exited = new Promise<ChildExit>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const sync = new ParentSyncSocket(child.stdio[3] as unknown as SyncEnd);
  const abandon = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  };
  return { child, pid, exited, sync, abandon };
}

/**
 * After EOF on the sync socket: either execve succeeded, or `who` died before it could tell us
 * why (an exit status of 125–127 already, by the next turn of the event loop).
 */
export async function checkProgramStarted(exited: Promise<ChildExit>, who: string): Promise<void> {
  const early = await Promise.race([exited, new Promise<null>((r) => setImmediate(() => r(null)))]);
  if (early && early.code !== null && early.code >= 125 && early.code <= 127) {
    throw new UserError(`${who} exited with ${early.code} before starting the program`, early.code);
  }
}

