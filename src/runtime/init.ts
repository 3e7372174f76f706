/**
 * The container's init: the process that becomes the user's program.
 *
 * It starts as a copy of mini-run (node running this file), spawned by the runtime in a new
 * PID namespace — so it is already PID 1 there — and placed in the container's cgroup. Then,
 * one step at a time, it builds the container around itself and finally execve()s the program,
 * which inherits everything: namespaces, root, mounts, cgroup, user, capabilities.
 *
 * Everything here is synchronous, on Node's main thread (see namespaces.ts for why).
 */
import { closeSync, constants as fsc, mkdirSync, openSync, readFileSync, readSync } from 'node:fs';
import { resolve } from 'node:path';
import { setTraceSink } from '../sys/trace';
import { SIGNALS } from '../sys/constants';
import { loadLibc, sethostname, setPdeathsig, type LibcName } from '../sys/libc';
import type { RuntimeSpec } from './spec';
import { hasNamespace, LOWERDIR_BASE_ANNOTATION, NO_PIVOT_ANNOTATION } from './spec-util';
import { InitSyncSocket } from './sync-socket';
import { enterNewNamespaces } from './namespaces';
import { makeRootPrivate, mountOverlayRoot, bindRootOntoItself, remountRootReadonly } from './rootfs';
import { mountOne } from './mounts';
import { fdPath, openRoot } from './mount-target';
import { mountCgroupV1 } from './cgroup-mount';
import { createDevices, createSpecDevices, reopenDevNull } from './devices';
import { chrootInto, enterRoot } from './pivot-root';
import { maskPath, readonlyPath } from './masked-paths';
import { applyOomScoreAdj, becomeProgram } from './process';
import { fromWire } from './seccomp-load';
import { saveCompileCacheNow } from '../compile-cache';
import { becomeNamespaceRoot, hostPidOfSelf, USERNS_INIT_ARG } from './userns';

const SYNC_FD = 3;

/**
 * The libc functions every container's steps after "go" call (namespaces, mounts, identity,
 * stdio, seccomp, execve), bound while the init waits for "go" rather than one by one after it.
 * A spec that needs others (a terminal, devices…) binds those at their first use.
 */
const AFTER_GO: readonly LibcName[] = ['unshare', 'mount', 'umount2', 'syscall', 'chdir', 'sethostname', 'socket', 'ioctl',
  'close', 'dup2', 'fcntl', 'setsid', 'signal', 'prctl', 'setgroups', 'setresgid', 'setresuid', 'execve'];

export function containerInit(): never {
  const sync = new InitSyncSocket(SYNC_FD);
  try {
    // (In a new user namespace, made by userns-exec before we started: tell the runtime our
    //  host PID and wait until it has written our uid/gid maps — see userns.ts.)
    const inUserNamespace = process.argv.includes(USERNS_INIT_ARG);
    if (inUserNamespace) {
      sync.send({ type: 'userns', pid: hostPidOfSelf() });
      sync.awaitContinue();
    }
    // koffi and libc's bindings, loaded while the runtime creates the container: every step
    // after "go" is a system call through them (else the first one pays ≈ 12 ms for the load).
    loadLibc(AFTER_GO);
    // In a user namespace, code compiled afresh goes to the compile cache now, while we are still
    // the host's uid (as the namespace's root we may not write root's cache). Else it goes later,
    // just before we leave the host's filesystem (buildFilesystem).
    if (inUserNamespace) saveCompileCacheNow();
    // 0. Wait until the runtime has created the container and put us in its cgroup. It sends
    //    the bundle's config.json, already validated.
    const start = sync.receive();
    if (start.type !== 'start') throw new Error(`unexpected message ${start.type}`);
    // If the runtime dies, so do we (and with PID 1 gone, the kernel kills the whole
    // namespace) — unless we are meant to outlive it (`mini-runc create` returns at once).
    // `create`: the exec fifo, opened now, while the host's paths are still ours to see.
    // O_RDWR, so that we are a writer too: read() then blocks until `start` writes a byte,
    // instead of seeing end-of-file while no one else has it open.
    const execFifo = start.execFifo !== undefined ? openSync(start.execFifo, fsc.O_RDWR) : null;
    // From here on, in a user namespace, we are its root: the mapped host uid, not host root.
    // (Before the death signal: changing our uid clears it.)
    if (inUserNamespace) becomeNamespaceRoot();
    if (!start.detached) setPdeathsig(SIGNALS.SIGKILL);
    if (start.traceFd !== undefined) setTraceSink(start.traceFd, 'init');
    const spec = start.spec;
    applyOomScoreAdj(spec.process.oomScoreAdj); // (while /proc is the host's)
    const rootfs = resolve(start.bundle, spec.root.path);
    // The syscall filter, compiled by the runtime while we booted (seccomp-load.ts). A spec
    // with a profile and no program with it is refused: never a container without its filter.
    if (spec.linux.seccomp && !start.seccomp) throw new Error('seccomp: the runtime sent no compiled filter for the profile');
    const seccomp = start.seccomp ? fromWire(start.seccomp) : null;

    // Our cgroups, as the host names them: read before a cgroup namespace hides the paths
    // (on cgroup v1 they are bind-mounted into the container's /sys/fs/cgroup).
    const ownCgroups = readFileSync('/proc/self/cgroup', 'utf8');

    // 1. New namespaces for mount, UTS, IPC, network, cgroup (PID was done by our parent, and
    //    the user namespace, if any, before it: these are then owned by it — see userns.ts).
    enterNewNamespaces(spec);
    sync.send({ type: 'namespaces' });
    sync.awaitContinue();

    // 2. The root filesystem and the container's mounts.
    buildFilesystem(spec, rootfs, ownCgroups);

    // 3. Identity: hostname (only in our own UTS namespace — else it would rename the host!).
    if (spec.hostname && hasNamespace(spec, 'uts')) sethostname(spec.hostname);

    // 4–7. Terminal or stdio, seccomp, capabilities, user, working directory, execve (process.ts).
    becomeProgram(spec.process, (masterFd) => sync.handOverPty(masterFd), seccomp,
      execFifo === null ? undefined : () => waitForStart(sync, execFifo));
  } catch (err) {
    return sync.failAndExit(err);
  }
}

/**
 * `create` ends here: everything is built, the program found; tell the runtime (which returns)
 * and wait until `start` (another process, maybe much later) writes one byte into the fifo.
 */
function waitForStart(sync: InitSyncSocket, execFifo: number): void {
  sync.send({ type: 'created' });
  sync.close(); // nobody listens any more: later errors show in our exit status
  readSync(execFifo, Buffer.alloc(1), 0, 1, null);
  closeSync(execFifo);
}

/** Mount namespace work: private propagation, overlay root, mounts, /dev, pivot_root, masks. */
function buildFilesystem(spec: RuntimeSpec, rootfs: string, ownCgroups: string): void {
  // `--mount-ns host` (a lesson switch): no mount namespace of our own, so every mount below
  // lands in the HOST's table (the runtime detaches them when the container ends), and we must
  // not touch the host's propagation.
  const ownMountNs = hasNamespace(spec, 'mount');
  if (ownMountNs) makeRootPrivate();
  const mounts = spec.mounts ?? [];
  const rootMount = mounts.find((m) => m.destination === '/');
  if (rootMount) mountOverlayRoot(rootfs, rootMount, spec.annotations?.[LOWERDIR_BASE_ANNOTATION]);
  else bindRootOntoItself(rootfs);

  // Every destination is opened inside the root through this fd (mount-target.ts): the
  // image's symlinks never lead a mount onto the host.
  const rootFd = openRoot(rootfs);
  const devices = spec.linux.devices ?? [];
  // The masks below bind the null device over files: ours, by fd — the image's /dev/null (a
  // VOLUME /dev, say) may be anything
  let nullFd: number | null = null;
  for (const m of mounts) {
    if (m.destination === '/') continue;
    if (m.type === 'cgroup') mountCgroupV1(rootFd, rootfs, m, ownCgroups); // v1: built by hand
    else mountOne(rootFd, rootfs, m);
    // the standard devices go into the runtime's own /dev tmpfs, never into a bound directory
    if (m.destination === '/dev' && m.type !== 'bind') nullFd = createDevices(rootFd, new Set(devices.map((d) => d.path)));
  }
  // --device nodes, after every mount (runc skips them too when /dev is the user's bind)
  const devMount = mounts.filter((m) => m.destination === '/dev').pop(); // the one on top
  if (devMount?.type !== 'bind') createSpecDevices(rootFd, rootfs, devices, devMount !== undefined && !(devMount.options ?? []).includes('nodev'));
  closeSync(rootFd);
  // Code compiled afresh goes to the compile cache now (once, after a build: the cache then
  // holds the code of the steps since "go" too, which later starts need not compile — ≈ 5–10 ms
  // from "go" to the program). Not later: in the container's root an exit (a failed start)
  // would write it into the container's /var/cache. (In a user namespace it went before "go".)
  saveCompileCacheNow();
  if (ownMountNs && spec.annotations?.[NO_PIVOT_ANNOTATION] !== 'true') enterRoot(rootfs);
  else chrootInto(rootfs);

  // fds 0–2 that are the host's /dev/null (read-only) become the container's, read-write (as runc)
  reopenDevNull();

  // The working directory exists even if the image lacks it (docker creates it too).
  mkdirSync(spec.process.cwd, { recursive: true }); // now inside the container's root
  for (const path of spec.linux.maskedPaths ?? []) maskPath(path, nullFd === null ? undefined : fdPath(nullFd));
  if (nullFd !== null) closeSync(nullFd);
  for (const path of spec.linux.readonlyPaths ?? []) readonlyPath(path);
  if (spec.root.readonly) remountRootReadonly();
}
