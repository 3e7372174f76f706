/**
 * The container's init started with posix_spawn(3) (sys/libc.ts `posixSpawn`) instead of Node's
 * child_process.spawn: the object returned answers what the runtime asks of a ChildProcess (pid,
 * stdio[3] — our end of the sync socket, a raw fd —, kill, ref/unref, exitCode/signalCode and the 'exit' event).
 *
 * Why: Node's spawn is libuv's fork() of the whole CLI (≈ 40–100 MB mapped; the kernel copies its
 * page tables) and child_process + net + 17 stream modules loaded first; posix_spawn is a vfork-like
 * clone on a small stack of its own (docs/perf.md, session 14). Measured on `run`'s critical path.
 *
 * Reaping: libuv waits only for the children it spawned itself, so this one is ours to reap — a
 * SIGCHLD listener calls waitpid(pid, WNOHANG). The listener is installed before the spawn and
 * checks once right after, so an exit can never fall between the two.
 */
import { EventEmitter } from 'node:events';
import { closeSync } from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import { posixSpawn, socketpair, waitpidNoHang, dupCloexec, type SpawnFd } from '../sys/libc';
import { SIGNALS } from '../sys/constants';

/** One of the child's fds: ours ('inherit'), /dev/null ('ignore'), the sync socket ('pipe'), or a given fd. */
export type ChildFd = 'inherit' | 'ignore' | 'pipe' | number;

const SIGNAL_NAMES = new Map(Object.entries(SIGNALS).map(([name, n]) => [n, name as NodeJS.Signals]));

/**
 * Start `file` with argv `[argv0, ...args]`, an empty environment, and fds 0…n-1 as `stdio` says
 * (at most one 'pipe': a socketpair, our end as `stdio[i]` of the result). Throws the SysError
 * of posix_spawn (EAGAIN, ENOMEM, ENOENT…) synchronously.
 */
export function spawnChild(file: string, argv0: string, args: readonly string[], stdio: readonly ChildFd[]): ChildProcess {
  const child = new EventEmitter() as EventEmitter & {
    pid?: number; exitCode: number | null; signalCode: NodeJS.Signals | null; killed: boolean;
    stdio: (number | null)[];
    kill(signal?: NodeJS.Signals | number): boolean; ref(): void; unref(): void;
  };
  child.exitCode = null;
  child.signalCode = null;
  child.killed = false;
  let pair: [number, number] | null = null;
  const copies: number[] = [];
  // Keeps the event loop alive until the exit is seen, as a ChildProcess's handle does (a signal
  // listener does not: Node unrefs those).
  const alive = setInterval(() => {}, 2 ** 30);
  const reap = (): void => {
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exit = waitpidNoHang(child.pid);
    if (!exit) return;
    reapers.delete(child.pid);
    if (reapers.size === 0) process.removeListener('SIGCHLD', onSigchld);
    clearInterval(alive);
    child.exitCode = exit.code;
    child.signalCode = exit.signal === null ? null : SIGNAL_NAMES.get(exit.signal) ?? 'SIGKILL';
    child.emit('exit', child.exitCode, child.signalCode);
  };
  if (reapers.size === 0) process.on('SIGCHLD', onSigchld); // before the spawn: no SIGCHLD unheard
  try {
    const fds: SpawnFd[] = [];
    stdio.forEach((s, fd) => {
      // dup2(fd, fd) clears close-on-exec (glibc ≥ 2.29), as libuv does for an inherited fd:
      // Node may have set it on its own 0–2.
      if (s === 'inherit') fds.push({ fd, from: fd });
      else if (s === 'ignore') fds.push({ fd, devNull: true });
      else if (s === 'pipe') {
        if (pair) throw new Error('spawnChild: one pipe at most');
        pair = socketpair();
        fds.push({ fd, from: pair[1] });
      } else fds.push({ fd, from: s });
    });
    child.pid = posixSpawn(file, [argv0, ...args], [], ordered(fds, stdio.length, copies));
  } catch (err) {
    if (reapers.size === 0) process.removeListener('SIGCHLD', onSigchld);
    clearInterval(alive);
    if (pair) for (const fd of pair as [number, number]) closeSync(fd);
    throw err;
  } finally {
    for (const fd of copies) closeSync(fd);
  }
  if (pair) closeSync((pair as [number, number])[1]); // the child's end: it has its copy now
  // Our end as a raw fd, not a net.Socket: sync-socket.ts reads it with sys/signal-io.ts, so
  // neither node:net nor a thread is needed on run's path (docs/perf.md, session 17).
  const ours = pair ? (pair as [number, number])[0] : null;
  child.stdio = stdio.map((s) => (s === 'pipe' ? ours : null));
  child.kill = (signal: NodeJS.Signals | number = 'SIGTERM') => {
    if (child.exitCode !== null || child.signalCode !== null) return false; // reaped: the pid may be another's now
    try {
      process.kill(child.pid as number, signal);
      child.killed = true;
      return true;
    } catch {
      return false;
    }
  };
  child.ref = () => { alive.ref(); };
  child.unref = () => { alive.unref(); };
  reapers.set(child.pid, reap);
  // It may have ended (and its SIGCHLD come) before it was in `reapers`: look once. On the next
  // tick, as a ChildProcess's 'exit' is never emitted before the caller can listen.
  process.nextTick(reap);
  return child as unknown as ChildProcess;
}

/** The children spawnChild started and has not reaped yet; one SIGCHLD listener for them all. */
const reapers = new Map<number, () => void>();
function onSigchld(): void {
  for (const reap of [...reapers.values()]) reap();
}

/**
 * The dup2s in an order where none overwrites an fd a later one still copies from (the trace
 * on fd 2 goes to the child's fd 4 before its fd 2 becomes a pipe). A cycle — never made by
 * the runtime, but possible in principle — is broken by copying one source above the range.
 */
function ordered(fds: SpawnFd[], n: number, copies: number[]): SpawnFd[] {
  const left = [...fds];
  const out: SpawnFd[] = [];
  while (left.length > 0) {
    const i = left.findIndex((a) => !left.some((b) => b !== a && 'from' in b && b.from === a.fd));
    if (i >= 0) {
      out.push(...left.splice(i, 1));
      continue;
    }
    const a = left.find((b) => 'from' in b && b.from < n) as { fd: number; from: number };
    const copy = dupCloexec(a.from, n);
    copies.push(copy);
    for (const b of left) if ('from' in b && b.from === a.from) b.from = copy;
  }
  return out;
}
