/**
 * `exec`, the runtime's parent side: run one more process in a *running* container — what
 * `runc exec` does. The new process joins every namespace and the cgroup of the container's
 * PID 1, so inside it looks like any other process of the container (`ps` lists it).
 *
 *   1. spawn the exec process on the host side, where the container cannot see it: the C one
 *      (native/exec-process.c) when it is built and the container has no user namespace of
 *      its own, else the Node one (exec-init.ts); MINI_RUN_EXEC_NODE=1 forces the Node one
 *   2. tell it what to run (sync socket: a JSON `exec` line for Node, the framed order of
 *      exec-order.ts for C): it joins the container's cgroup and
 *      namespaces, chroots, and starts the program as its child in the container's PID
 *      namespace (exec-init.ts explains why in that order: CVE-2016-9962 class)
 *   3. (terminal) we take the pty master it opened
 *   4. `started` = the program runs; the exec-init relays signals and the exit status
 *   5. wait for the exec-init's exit status (it is our child) — unless detached
 *
 * The process description is the OCI runtime spec's `process` object, as for `runc exec
 * --process process.json`: the engine builds it from the container's config.json and the
 * flags of `exec`; the runtime knows nothing of names, images or flags.
 */
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { closeSync, constants as fsc, existsSync, fstatSync, openSync, readSync } from 'node:fs';
import type { Socket } from 'node:net';
import { isatty } from 'node:tty';
import { join } from 'node:path';
import { openat2, pidfdGetfd, RESOLVE, setWinsize } from '../sys/libc';
import { SysError } from '../sys/errors';
import { traceFd, traceNote } from '../sys/trace';
import type { LinuxSeccomp, Process } from './spec';
import type { ParentSyncSocket } from './sync-socket';
import { checkProgramStarted, exitStatus, spawnFailure, watchChild, type ChildExit } from './spawn-init';
import { hasOwnUserNamespace, joinUserNamespaceCommand } from './userns';
import type { Cgroup } from './cgroups';
import { TerminalRelay } from './terminal';
import { forwardSignals } from './signals';
import { execProcessBinary, initBinary, sessionExecBinary } from './runtime-binary';
import { encodeNativeOrder, refuseNulBytes } from './exec-order';
import { sendConsole } from './console-socket';
import { nativeBuildHint } from '../native';
import { UserError } from '../errors';
import { lazy } from '../lazy';

const EXEC_INIT_SCRIPT = join(__dirname, 'exec-init-main.js');
const seccompCache = lazy(() => require('./seccomp-cache') as typeof import('./seccomp-cache')); // only for a container with a profile

export interface ExecTarget {
  /** Host PID of the container's PID 1: its namespaces are the ones joined. */
  pid: number;
  /** The container's cgroup (only its cgroup.procs files are needed: cgroups/membership.ts). */
  cgroup: Pick<Cgroup, 'procsFiles'>;
  /** The container's syscall filter (its config.json's linux.seccomp): exec'd processes get it too. */
  seccomp?: LinuxSeccomp;
  /** Where compiled seccomp filters are kept (seccomp-cache.ts); none: compiled every time. */
  seccompCache?: string;
}

export interface ExecPlan {
  /** Our stdin goes to the program (docker exec -i). */
  interactive: boolean;
  /** Start it and return at once (docker exec -d): stdio is /dev/null, nobody waits for it. */
  detach: boolean;
  /** Detached, but the program keeps our fds 0–2 (`mini-runc exec -d`: conmon's pipes). */
  keepStdio?: boolean;
  /** Detached with a terminal: its pty master goes to this unix socket (`mini-runc exec -t -d --console-socket`). */
  consoleSocket?: string;
  /**
   * false: signals sent to *us* are not the program's (the supervisor's exec front door: its
   * client forwards the user's over the socket, and the supervisor's own stay its own).
   */
  proxySignals?: boolean;
}

/** How the exec process is spawned (before the container or the program is known). */
export interface ExecSpawnOptions {
  terminal: boolean;
  interactive: boolean;
  detach: boolean;
  keepStdio?: boolean;
  /**
   * The program's fds 0–2 instead of ours (stdin only with `interactive`): the supervisor's exec
   * front door passes the caller's, received over its socket (shim/exec-server.ts). No terminals.
   */
  stdio?: readonly [number, number, number];
}

export interface ExecExit {
  exitCode: number;
  signal: string | null;
}

export interface StartedExec {
  /** Host PID of the exec'd program. */
  pid: number;
  /** Resolves when the program has exited (never called for a detached one). */
  wait(): Promise<ExecExit>;
}

/** The exec-init, started on the host side, waiting for its orders. */
export interface PendingExec {
  /** The container PID it was started for; null: started early, for any container without a user namespace of its own. */
  readonly forPid: number | null;
  readonly child: ChildProcess;
  readonly pid: number;
  readonly terminal: boolean;
  readonly exited: Promise<ChildExit>;
  readonly sync: ParentSyncSocket;
  /** Resolves once the pipes standing in for a terminal (if any) are relayed to the end. */
  readonly stdioDone: Promise<void>;
  /** It is native/exec-process (C: takes exec-order.ts's framed order), not exec-init.ts. */
  readonly native: boolean;
  abandon(): Promise<void>;
}

/**
 * Spawn the exec-init for the container of host PID `targetPid`, on the host side (our PID
 * namespace). Like spawnInit, it can be started first (Node takes ~45 ms to boot) while the
 * engine prepares the process; with `targetPid` null even before the container is known
 * (then it joins no user namespace: execInContainer replaces it for a container that has one).
 */
export function spawnExecInit(targetPid: number | null, o: ExecSpawnOptions): PendingExec {
  const tfd = traceFd();
  const inherit = !o.terminal && (!o.detach || o.keepStdio === true);
  // Without -t the program shares our fds 0–2 (or the caller's, `o.stdio`) — except a terminal:
  // that is the operator's, and a program holding it could change its modes (termios) or, in
  // the caller's session, type into it (TIOCSTI). Docker's exec gives pipes; so do we, relaying
  // them here (a caller that hands its own fds has refused terminals already).
  const shield = (fd: number): number | 'inherit' | 'pipe' => (o.stdio !== undefined ? o.stdio[fd] : o.keepStdio !== true && isatty(fd) ? 'pipe' : 'inherit');
  const stdio: StdioOptions = [
    inherit && o.interactive ? shield(0) : 'ignore',
    inherit ? shield(1) : 'ignore',
    inherit ? shield(2) : 'ignore',
    'pipe', // fd 3: the sync socket
    tfd !== null ? tfd : 'ignore', // fd 4: where the exec-init's trace lines go
  ];
  if (targetPid !== null) assertAlive(targetPid);
  const ownUserns = targetPid !== null && hasOwnUserNamespace(targetPid);
  // The C exec process when it is built (not: the npm package without a compiler), and for a
  // container without a user namespace of its own (it does not join one: the Node one does).
  // Like node below, it runs from a read-only bind (runtime-binary.ts): its child is in the
  // container until execve, and `#!/proc/self/exe` there would run it again.
  // A terminal we relay (-t without -d) too: the relay holds a slave of its own until it has
  // drained the master (terminal.ts), so the program's exit loses none of its output.
  const native = process.env.MINI_RUN_EXEC_NODE !== '1' && !ownUserns ? execProcessBinary() : null;
  // From the read-only bind of node, as the init (runtime-binary.ts): the exec'd program is
  // this process's child, so `#!/proc/self/exe` in the container would otherwise reach the
  // host's node — runc's CVE-2019-5736 went through exec exactly so.
  const node = native === null ? initBinary() : '';
  // A container with a user namespace of its own: enter it first, or the program would run
  // in the container's other namespaces as the host's root (userns.ts).
  const command = native !== null ? { file: native, args: [] }
    : ownUserns && targetPid !== null ? joinUserNamespaceCommand(targetPid, node, EXEC_INIT_SCRIPT) : { file: node, args: [EXEC_INIT_SCRIPT] };
  const child = spawn(command.file, command.args, {
    stdio,
    env: {}, // the program's environment comes from the process description, not from us
    argv0: 'mini-run-exec',
  });
  // A failed spawn (out of descriptors, processes…): its cause named now, its later 'error'
  // event heard; exit 126 as Docker's exec that its runtime could not start
  if (child.pid === undefined) throw Object.assign(spawnFailure(child, 'the exec process'), { exitCode: 126 });
  child.on('error', () => { /* reported through `exited` / the sync socket */ });
  return { ...watchChild(child, child.pid), forPid: targetPid, terminal: o.terminal, stdioDone: relayPipes(child), native: native !== null };
}

function assertAlive(targetPid: number): void {
  if (!existsSync(`/proc/${targetPid}`)) throw new UserError(`container process ${targetPid} is gone: the container is not running`, 1);
}

/** Copy the pipes that stand in for a terminal; resolves when the program's side has closed them all. */
function relayPipes(child: ChildProcess): Promise<void> {
  const { stdin, stdout, stderr } = child;
  if (!stdin && !stdout && !stderr) return Promise.resolve();
  stdout?.pipe(process.stdout, { end: false });
  stderr?.pipe(process.stderr, { end: false });
  if (stdin) {
    stdin.on('error', () => { /* the program closed its stdin: drop the rest */ });
    process.stdin.pipe(stdin);
  }
  return new Promise((resolve) => child.once('close', () => {
    if (stdin) {
      process.stdin.unpipe(stdin);
      process.stdin.pause(); // nothing more to read for this exec
    }
    resolve();
  }));
}

/** Run `proc` in the running container `target`. Resolves once the program runs. */
export async function execInContainer(target: ExecTarget, proc: Process, plan: ExecPlan, pending?: PendingExec): Promise<StartedExec> {
  const terminal = proc.terminal === true;
  try {
    refuseNulBytes(proc); // the same line whichever exec process would run it
  } catch (err) {
    await pending?.abandon();
    throw err;
  }
  if (terminal && plan.detach && !plan.consoleSocket) throw new UserError('internal error: a detached exec has no terminal to relay');
  if (pending?.forPid === null) {
    // Started before the container was known: it must not be used for a container with a user
    // namespace of its own (the program would be the host's root in the container's other
    // namespaces, userns.ts) — start one inside that namespace instead.
    try {
      assertAlive(target.pid);
    } catch (err) {
      await pending.abandon();
      throw err;
    }
    if (hasOwnUserNamespace(target.pid)) {
      await pending.abandon();
      pending = undefined;
    }
  }
  const init = pending ?? spawnExecInit(target.pid, { terminal, interactive: plan.interactive, detach: plan.detach, keepStdio: plan.keepStdio });
  if (init.terminal !== terminal) {
    await init.abandon();
    throw new UserError('internal error: the exec process was started for a different terminal setting');
  }
  // Detached with a terminal: the program leads its terminal's session itself — through
  // native/session-exec for the Node exec process (exec-init.ts); the C one does it in its child.
  const sessionExec = terminal && plan.detach && !init.native ? sessionExecBinary() : undefined;
  if (sessionExec === null) {
    await init.abandon();
    throw new UserError(`exec with a terminal, detached, needs native/build/session-exec (built with a C compiler); to add it: ${nativeBuildHint()}`, 1);
  }
  let masterFd: number | null = null;
  let forward: { stop(): void } | null = null;
  const { pid, sync, exited, child } = init;
  let programPid: number | null = null;
  try {
    // The exec-init relays signals to the program (and its exit status back).
    if (!plan.detach && plan.proxySignals !== false) forward = forwardSignals(pid);
    const tfd = traceFd();
    // The container's filter, compiled here (or earlier: seccomp-cache.ts) while the exec process boots (it only loads it).
    const seccomp = target.seccomp ? seccompCache().filterForInit(target.seccomp, target.seccompCache) : undefined;
    const order = {
      pid: target.pid, process: proc, seccomp, detach: plan.detach,
      cgroupProcs: target.cgroup.procsFiles(), // it moves itself in before joining anything
      traceFd: tfd !== null ? 4 : undefined,
    };
    if (init.native) {
      traceNote(`exec process ${pid}: native/exec-process (C), order in exec-order.ts's framed form`);
      (child.stdio[3] as Socket).write(encodeNativeOrder(order));
    } else {
      sync.send({ type: 'exec', ...order, ...(sessionExec ? { sessionExec } : {}) });
    }

    for (let msg = await sync.receive(); programPid === null; msg = await sync.receive()) {
      if (msg === null) {
        await checkProgramStarted(exited, 'exec process');
        throw new UserError('the exec process ended before starting the program', 126);
      }
      if (msg.type === 'started') {
        programPid = msg.pid;
        break;
      } else if (msg.type === 'pty') {
        masterFd = pidfdGetfd(pid, msg.fd);
        if (plan.consoleSocket) {
          // The caller relays it (conmon, containerd's shim): the master goes over the socket.
          if (proc.consoleSize) setWinsize(masterFd, proc.consoleSize.height, proc.consoleSize.width);
          const fd = masterFd;
          masterFd = null;
          sendConsole(plan.consoleSocket, fd); // closes our copy
        } else {
          setWinsize(masterFd, process.stdout.rows || 24, process.stdout.columns || 80);
        }
      } else if (msg.type === 'error') {
        await exited;
        throw new UserError(msg.message, msg.exitCode);
      } else {
        throw new UserError(`exec process sent an unexpected ${msg.type} message`);
      }
      sync.send({ type: 'continue' });
    }
    traceNote(`exec'd program running, PID ${programPid} on the host (the exec process ${pid} relays)`);

    if (plan.detach) {
      // Let it go: the exec-init exits at once and the program runs on. Its parent is then the
      // container's PID 1 (the reaper of its PID namespace), which reaps it. Inside the
      // container `ps` showed it with PPID 0 until then, as docker's exec'd processes are
      // (their parent, containerd-shim, is outside too).
      (child.stdio[3] as Socket | null)?.destroy();
      child.unref();
      return { pid: programPid, wait: () => Promise.resolve({ exitCode: 0, signal: null }) };
    }

    const relay = masterFd !== null ? new TerminalRelay(masterFd, plan.interactive) : null;
    const forwarding = forward;
    const finished = (async (): Promise<ExecExit> => {
      const { code, signal } = await exited;
      forwarding?.stop();
      if (relay) await relay.finish();
      await init.stdioDone;
      const exitCode = exitStatus({ code, signal });
      traceNote(`PID ${programPid} exited: ${signal ? `killed by ${signal}` : `status ${code}`}`);
      return { exitCode, signal };
    })();
    return { pid: programPid, wait: () => finished };
  } catch (err) {
    forward?.stop();
    await init.abandon();
    if (masterFd !== null) closeSync(masterFd);
    throw err;
  }
}

/**
 * Read a file of a running container's filesystem from the host (e.g. its current
 * /etc/passwd), through /proc/PID/root. The container controls everything under that root:
 * `/etc/passwd -> /../../../etc/shadow` must not read the *host's* file. openat2 with
 * RESOLVE_IN_ROOT makes the kernel walk the path as if the container's root were `/` (absolute
 * symlinks and `..` stay inside), with no window for a rename race. Returns null if the file
 * does not exist or is not a regular file; reads at most `maxBytes`.
 */
export function readContainerFile(pid: number, path: string, maxBytes = 1 << 20): string | null {
  let root: number;
  try {
    root = openSync(`/proc/${pid}/root`, fsc.O_RDONLY | fsc.O_DIRECTORY);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new UserError(`container process ${pid} is gone: the container is not running`, 1);
    throw e;
  }
  let fd: number | null = null;
  try {
    // O_NONBLOCK: a FIFO planted at that path must not hang us (and it is refused below).
    fd = openat2(root, path.replace(/^\/+/, ''), fsc.O_RDONLY | fsc.O_NOCTTY | fsc.O_NONBLOCK | 0o2000000 /* O_CLOEXEC */,
      RESOLVE.IN_ROOT | RESOLVE.NO_MAGICLINKS);
    if (!fstatSync(fd).isFile()) return null;
    const buf = Buffer.alloc(maxBytes);
    let n = 0;
    for (let r; n < maxBytes && (r = readSync(fd, buf, n, maxBytes - n, null)) > 0;) n += r;
    return buf.toString('utf8', 0, n);
  } catch (e) {
    if (e instanceof SysError && (e.code === 'ENOENT' || e.code === 'ENOTDIR' || e.code === 'ELOOP')) return null;
    throw e;
  } finally {
    if (fd !== null) closeSync(fd);
    closeSync(root);
  }
}
