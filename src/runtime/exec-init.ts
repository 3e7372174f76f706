/**
 * `exec`'s process on the container side: it joins a *running* container and becomes the
 * program of `mini-run exec` — what runc's nsexec + "setns init" do for `runc exec`.
 *
 * It starts as a copy of mini-run (node running this file), spawned by the runtime (exec.ts)
 * already *inside the container's PID namespace* (setns(CLONE_NEWPID) only places children,
 * so the parent did that part) and already in the container's cgroup. It joins the other
 * namespaces of the container's PID 1, then ends exactly like the container's init
 * (process.ts becomeProgram: terminal, capabilities, user, working directory, execve).
 *
 * Everything here is synchronous, on Node's main thread (see namespaces.ts for why).
 */
import { closeSync, existsSync, openSync, statSync } from 'node:fs';
import { setTraceSink, traceNote } from '../sys/trace';
import { CLONE, SIGNALS } from '../sys/constants';
import { chdir, chroot, fchdir, setns, setPdeathsig, unshare } from '../sys/libc';
import { InitSyncSocket } from './sync-socket';
import { becomeProgram } from './process';
import { compileSeccomp } from './seccomp';
import { UserError } from '../errors';

const SYNC_FD = 3;

/**
 * The namespaces to join, in order. The mount namespace comes LAST: joining it also moves our
 * root and working directory to the container's root, after which /proc/<pid>/… of the host
 * is no longer what we would open. (The PID namespace was joined by our parent; user and time
 * namespaces are not used by mini-run.)
 */
const JOIN_ORDER: ReadonlyArray<readonly [name: string, flag: number]> = [
  ['ipc', CLONE.NEWIPC],
  ['uts', CLONE.NEWUTS],
  ['net', CLONE.NEWNET],
  ['cgroup', CLONE.NEWCGROUP],
  ['mnt', CLONE.NEWNS],
];

export function execInit(): never {
  const sync = new InitSyncSocket(SYNC_FD);
  try {
    // While we are still mini-run's helper, we die with the runtime…
    setPdeathsig(SIGNALS.SIGKILL);

    // 0. Wait for our orders: whose namespaces to join, and the process to become. The
    //    runtime has already put us in the container's cgroup.
    const msg = sync.receive();
    if (msg.type !== 'exec') throw new Error(`unexpected message ${msg.type}`);
    if (msg.traceFd !== undefined) setTraceSink(msg.traceFd, 'exec');
    // The container's syscall filter applies to exec'd processes too (as with runc exec).
    const seccomp = msg.seccomp ? compileSeccomp(msg.seccomp) : null;

    // 1. Into the container: IPC, UTS, network, cgroup, then mount namespace (and its root).
    joinNamespacesOf(msg.pid);

    // …but the program, like `docker exec`'s, outlives a `mini-run exec` that is killed or
    // detached (-d). Nothing waits for us past this point except through the sync socket,
    // whose EOF we would notice. (A change of uid would clear this setting anyway.)
    setPdeathsig(0);

    // 2. Terminal or stdio, capabilities, user, working directory, execve: as the init does.
    becomeProgram(msg.process, (masterFd) => sync.handOverPty(masterFd), seccomp);
  } catch (err) {
    return sync.failAndExit(err);
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
  } finally {
    for (const ns of toJoin) closeSync(ns.fd);
    if (rootFd !== -1) closeSync(rootFd);
  }
}
