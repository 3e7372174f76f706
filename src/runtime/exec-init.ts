/**
 * `exec`'s process on the container side: it joins a *running* container and starts the program
 * of `mini-run exec` there — what runc's nsexec + "setns init" do for `runc exec`.
 *
 * It starts as a copy of mini-run (node running this file), spawned by the runtime (exec.ts) on
 * the HOST side: in the host's PID namespace, where the container cannot see it. That matters
 * (CVE-2016-9962 class): while Node boots, its root, working directory and fds are the host's,
 * and a container process allowed to ptrace (or to open /proc/PID/root, /proc/PID/fd/…) would
 * reach the host through it. So, in order:
 *   1. non-dumpable from its first line (exec-init-main.ts), into the container's cgroup
 *   2. join IPC, UTS, network, cgroup, mount namespaces; chroot to the container's root
 *   3. setns(CLONE_NEWPID): only its *children* are born in the container's PID namespace
 *   4. terminal, no_new_privs, seccomp, capabilities, user, working directory (process.ts)
 *   5. start the program as its child: the first process the container can see is already
 *      inside, with the container's root, and no fd of ours survives its execve
 *   6. report the program's PID, then relay signals to it and its exit status back (or,
 *      with -d, leave it running and exit)
 *
 * Everything up to the spawn is synchronous, on Node's main thread (see namespaces.ts for why).
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, statSync, writeSync } from 'node:fs';
import { setTraceSink, traceNote } from '../sys/trace';
import { CLONE, SIGNALS } from '../sys/constants';
import { chdir, chroot, fchdir, setns, setPdeathsig, unshare } from '../sys/libc';
import { InitSyncSocket } from './sync-socket';
import { applyOomScoreAdj, prepareProgram } from './process';
import { fromWire } from './seccomp-load';
import { saveCompileCacheNow } from '../compile-cache';
import { FORWARDED_SIGNALS } from './signals';
import { UserError } from '../errors';

const SYNC_FD = 3;

/**
 * The namespaces to join, in order. The mount namespace comes LAST: joining it also moves our
 * root and working directory to the container's root, after which /proc/<pid>/… of the host
 * is no longer what we would open. (The PID namespace comes after, for our child; user and time
 * namespaces are not used by mini-run.)
 */
const JOIN_ORDER: ReadonlyArray<readonly [name: string, flag: number]> = [
  ['ipc', CLONE.NEWIPC],
  ['uts', CLONE.NEWUTS],
  ['net', CLONE.NEWNET],
  ['cgroup', CLONE.NEWCGROUP],
  ['mnt', CLONE.NEWNS],
];

export function execInit(): void {
  const sync = new InitSyncSocket(SYNC_FD);
  try {
    // We die with the runtime (SIGKILL): a program already started lives on in the container.
    setPdeathsig(SIGNALS.SIGKILL);

    // Code compiled afresh goes to the cache now, while /var/cache is still the host's.
    saveCompileCacheNow();

    // 0. Wait for our orders: whose namespaces to join, the process to start, the cgroup.
    const msg = sync.receive();
    if (msg.type !== 'exec') throw new Error(`unexpected message ${msg.type}`);
    if (msg.traceFd !== undefined) setTraceSink(msg.traceFd, 'exec');
    applyOomScoreAdj(msg.process.oomScoreAdj); // (while /proc is the host's)
    // The container's syscall filter applies to exec'd processes too (as with runc exec),
    // compiled by the runtime while we booted (seccomp-load.ts).
    const seccomp = msg.seccomp ? fromWire(msg.seccomp) : null;

    // 1. Into the container's cgroup (now: Node's boot memory stays charged to the caller),
    //    while its cgroup.procs files are still reachable by their host paths.
    for (const procs of msg.cgroupProcs) {
      const fd = openSync(procs, 'w');
      try { writeSync(fd, '0'); } finally { closeSync(fd); }
    }

    // A detached exec with a terminal (-t -d: conmon, containerd's shim): we exit at once, so
    // the program must lead its terminal's session itself — through native/session-exec, a
    // read-only bind on the host, opened now while its host path still means the host's file.
    // Inside, /proc/self/fd/N names it (the fd is close-on-exec, gone once it runs).
    const sessionExecFd = msg.sessionExec ? openSync(msg.sessionExec, 'r') : null;

    // 2–3. Namespaces and root; the PID namespace for our child.
    joinNamespacesOf(msg.pid);

    // 4. Terminal or stdio, no_new_privs, seccomp, capabilities, user, cwd: as the init does.
    const { program, env } = prepareProgram(msg.process, (masterFd) => sync.handOverPty(masterFd), seccomp,
      { terminalSessionInChild: sessionExecFd !== null });

    // 5. The program, as our child in the container's PID namespace.
    traceNote(`spawn ${program}: our child, born in the container's PID namespace${sessionExecFd !== null ? ', through session-exec (setsid, TIOCSCTTY, execve)' : ''}`);
    const child = spawn(sessionExecFd !== null ? `/proc/self/fd/${sessionExecFd}` : program,
      sessionExecFd !== null ? [program, ...msg.process.args] : msg.process.args.slice(1), {
      argv0: sessionExecFd !== null ? 'session-exec' : msg.process.args[0],
      env: Object.fromEntries(env.filter((e) => e.includes('=')).map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)])),
      stdio: 'inherit',
    });
    if (child.pid === undefined) {
      child.on('error', (e) => sync.failAndExit(new UserError(`exec ${program}: ${(e as NodeJS.ErrnoException).code === 'ENOEXEC' ? 'exec format error' : e.message}`, 126)));
      return;
    }
    sync.send({ type: 'started', pid: child.pid });
    if (msg.detach) process.exit(0); // -d: it runs on; the container's PID 1 becomes its parent

    // 6. Relay: signals for the program go to it (with -t, ^C and ^\ reach it through the
    //    terminal already, as docker does not proxy signals in TTY mode); its exit is ours.
    for (const sig of FORWARDED_SIGNALS) {
      process.on(sig, () => {
        if (msg.process.terminal && (sig === 'SIGINT' || sig === 'SIGQUIT')) return;
        try { child.kill(sig); } catch { /* gone */ }
      });
    }
    child.on('exit', (code, signal) => {
      if (signal) {
        for (const sig of FORWARDED_SIGNALS) process.removeAllListeners(sig);
        process.kill(process.pid, signal); // die the same way: the runtime reports 128 + N
        setTimeout(() => process.exit(128 + (SIGNALS[signal] ?? 9)), 100).unref();
        return;
      }
      process.exit(code ?? 0);
    });
  } catch (err) {
    sync.failAndExit(err);
  }
}

/**
 * setns(2) into every namespace of host PID `pid` that differs from ours. A namespace the
 * container shares with the host (`--network host`, `--uts host`, …) is the one we are
 * already in: it is skipped (same inode behind /proc/…/ns/X).
 */
function joinNamespacesOf(pid: number): void {
  // Open every namespace first, so that all of them belong to the same, living process: if
  // it exits half-way, the fds still name its namespaces (they stay alive while open).
  const toJoin: Array<{ name: string; flag: number; fd: number; path: string }> = [];
  let rootFd = -1;
  let pidNsFd = -1;
  try {
    for (const [name, flag] of JOIN_ORDER) {
      const path = `/proc/${pid}/ns/${name}`;
      let theirs, ours;
      try {
        theirs = statSync(path);
        ours = statSync(`/proc/self/ns/${name}`);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT' && !existsSync(`/proc/${pid}`)) {
          throw new UserError(`the container's process ${pid} is gone: the container is not running`, 1);
        }
        continue; // this kernel does not have that namespace type
      }
      if (theirs.ino === ours.ino && theirs.dev === ours.dev) {
        traceNote(`${name} namespace: the container shares ours (the host's), nothing to join`);
        continue;
      }
      toJoin.push({ name, flag, fd: openSync(path, 'r'), path });
    }
    // The container's PID namespace: joined last, it only decides where our children are born.
    const theirPid = statSync(`/proc/${pid}/ns/pid`), ourPid = statSync('/proc/self/ns/pid');
    if (theirPid.ino !== ourPid.ino || theirPid.dev !== ourPid.dev) pidNsFd = openSync(`/proc/${pid}/ns/pid`, 'r');
    // The container's root as a directory fd, opened while /proc is still the host's. Joining
    // the mount namespace puts us at that namespace's root, which is the container's only after
    // pivot_root; a chroot-only container (`--no-pivot`, `--mount-ns host`) has its root below.
    rootFd = openSync(`/proc/${pid}/root`, 'r');
    for (const ns of toJoin) {
      // Node's threads share one fs_struct (root, cwd, umask); the kernel refuses to move a
      // task whose fs_struct is shared into another mount namespace (EINVAL). Unsharing it
      // gives this thread its own copy — the other threads keep the host's, and die at execve.
      if (ns.flag === CLONE.NEWNS) unshare(CLONE.FS);
      // Joining the mount namespace also sets our root and working directory to its root:
      // after the container's pivot_root, that is the container's root filesystem.
      setns(ns.fd, ns.flag, ns.path);
    }
    if (!toJoin.some((ns) => ns.flag === CLONE.NEWNS)) unshare(CLONE.FS); // chroot only this thread
    // Same root as the container's PID 1, however it got there (a no-op after pivot_root).
    fchdir(rootFd, `/proc/${pid}/root`);
    chroot('.');
    chdir('/');
    if (pidNsFd !== -1) setns(pidNsFd, CLONE.NEWPID, `/proc/${pid}/ns/pid`);
  } finally {
    for (const ns of toJoin) closeSync(ns.fd);
    if (rootFd !== -1) closeSync(rootFd);
    if (pidNsFd !== -1) closeSync(pidNsFd);
  }
}
