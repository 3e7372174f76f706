/**
 * The runtime's parent side: from a bundle (config.json) to a running, then finished, container.
 * This is what `runc run` does; the engine calls it after writing the bundle.
 *
 *   1. create the cgroup and write its limits
 *   2. unshare(CLONE_NEWPID), spawn the init (it is PID 1 of the new namespace), setns back
 *   3. put the init in the cgroup, then tell it to start (sync socket)
 *   4. wait for it to create its namespaces, let it go on (a hook point: networking)
 *   5. (terminal) take the pty master it opened inside the container
 *   6. EOF on the sync socket = execve succeeded: the program runs
 *   7. wait for the exit, read OOM status, remove the cgroup
 */
import { outOfTasks, refusedTasks, watchRefusedTasks } from './pids-limit';
import { closeSync, realpathSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { detachMountsSince, mountIdsUnder } from './host-mounts';
import { pidfdGetfd, setWinsize } from '../sys/libc';
import { traceFd, traceNote } from '../sys/trace';
import { loadSpec, hasNamespace, NO_PIVOT_ANNOTATION, type RuntimeSpec } from './spec';
import { createCgroup, openCgroup, type Cgroup } from './cgroups';
import { withAlwaysAllowedDevices } from './cgroups/devices';
import { UserError } from '../errors';
import { forwardSignals } from './signals';
import { checkProgramStarted, exitStatus, spawnInit, type ChildExit, type PendingInit, type StdioTarget } from './spawn-init';
import { checkUserNamespaceSpec, joinedUserNamespace, wantsUserNamespace, writeIdMappings } from './userns';
import type { ParentSyncSocket } from './sync-socket';
import { initWanted } from './init-env';
import { lazy } from '../lazy';
const initOrder = lazy(() => require('./init-order') as typeof import('./init-order')); // not with MINI_RUN_INIT=node
const seccompCache = lazy(() => require('./seccomp-cache') as typeof import('./seccomp-cache')); // only for a spec with a profile
const terminalMod = lazy(() => require('./terminal') as typeof import('./terminal')); // only with a terminal (-t)

export { spawnInit, type PendingInit, type InitOptions, type StdioTarget } from './spawn-init';


export interface StdioPlan {
  /** Attach stdin to the container (docker -i). */
  interactive: boolean;
  /** Without a terminal: the program's stdin, stdout, stderr. Default: ours (stdin only with -i). */
  stdio?: [StdioTarget, StdioTarget, StdioTarget];
  /** With a terminal: relay it to our own terminal (a foreground run), or hand the master fd to the caller. */
  terminal?: 'relay' | 'return';
  /** Size of a new terminal (default: ours, or 24x80). */
  size?: { rows: number; cols: number };
  /** Forward signals sent to us to the container's PID 1 (docker's sig-proxy). Default: true. */
  proxySignals?: boolean;
  /** With terminal 'relay': also given every byte the terminal shows (for the log). */
  onTerminalOutput?: (d: Buffer) => void;
  /**
   * `create` without `start`: the init stops before execve and waits on this fifo; the call
   * returns then. `detached`: the init is meant to outlive us (no PDEATHSIG; `release()`).
   */
  create?: { execFifo: string; detached: boolean };
  /** chroot instead of pivot_root (`mini-runc create --no-pivot`: a root on ramfs cannot be pivoted). */
  noPivot?: boolean;
  /** Where compiled seccomp filters are kept (seccomp-cache.ts); none: compiled every time. */
  seccompCache?: string;
}

export interface ContainerExit {
  exitCode: number;
  signal: string | null;
  oomKilled: boolean;
}

export interface StartedContainer {
  pid: number;
  cgroup: Cgroup;
  /** The pty master, when the container has a terminal and the plan asked for it. */
  masterFd: number | null;
  /** Resolves when the program has exited and the cgroup is gone. */
  wait(): Promise<ContainerExit>;
  /** config.json as it was started (the runtime's `removeExited` needs nothing read again). */
  spec: RuntimeSpec;
  /** (`create`, detached) Let go of the init: we may exit, it stays, parked, in its cgroup. */
  release(): void;
}

export interface StartHooks {
  /** Called with the init's host PID once its namespaces exist, before the program starts. */
  onNamespaces?(pid: number): void;
  /** Called with the init's pid before its cgroup is made (the runtime records its state first). */
  onCreated?(pid: number, cgroup: Cgroup, spec: RuntimeSpec): void;
}

export { loadSpec };

export async function startContainer(bundle: string, containerId: string, plan: StdioPlan, hooks: StartHooks = {}, pending?: PendingInit): Promise<StartedContainer> {
  const spec = loadSpec(bundle);
  if (plan.noPivot) spec.annotations = { ...spec.annotations, [NO_PIVOT_ANNOTATION]: 'true' };
  const terminal = spec.process.terminal === true;
  const userNamespace = wantsUserNamespace(spec);
  let cgroup: Cgroup;
  let nativeWanted: boolean;
  try {
    checkUserNamespaceSpec(spec);
    nativeWanted = initWanted() === 'native'; // (MINI_RUN_INIT naming no init: one line, 125)
    cgroup = openCgroup(containerId, { path: spec.linux?.cgroupsPath }); // a bad cgroupsPath is refused here, before any process
  } catch (e) {
    await pending?.abandon();
    throw e;
  }
  const joinPidNamespace = spec.linux.namespaces.find((n) => n.type === 'pid' && n.path)?.path;
  if (joinPidNamespace && (userNamespace || pending)) {
    await pending?.abandon();
    throw new UserError(userNamespace
      ? 'joining a PID namespace by path (linux.namespaces pid "path") together with a new user namespace is not supported'
      : 'internal error: an init started ahead cannot join a PID namespace by path');
  }
  // A user namespace joined by path (--network container: of a --userns private container): an
  // init started ahead made a new one instead, so it goes.
  const joinUserNamespace = joinedUserNamespace(spec);
  if (joinUserNamespace && pending) {
    await pending.abandon();
    pending = undefined;
  }
  // The native init (the default; not with MINI_RUN_INIT=node) only for what its choice table
  // allows: a pending one whose spec turns out to need the Node init goes, and a Node one is
  // started instead. (A pending Node init was spawned so by choice: its trace said why.)
  const nodeReason = pending?.native || (!pending && nativeWanted) ? initOrder().nativeSpecRefusal(spec, plan) : null;
  if (nodeReason !== null) traceNote(`native init: not for this container (${nodeReason}): the Node init`);
  if (pending?.native && nodeReason !== null) {
    await pending.abandon();
    pending = undefined;
  }
  const init = pending ?? spawnInit({ newPidNamespace: hasNamespace(spec, 'pid'), joinPidNamespace, terminal, interactive: plan.interactive, stdio: plan.stdio, userNamespace, joinUserNamespace, detached: plan.create?.detached, nodeInit: nodeReason !== null });
  if (init.newPidNamespace !== hasNamespace(spec, 'pid') || init.terminal !== terminal || init.userNamespace !== userNamespace) {
    await init.abandon();
    throw new UserError('internal error: the init was started for a different pid/user namespace or terminal setting than config.json says');
  }
  let masterFd: number | null = null;
  let forward: { stop(): void } | null = null;
  // Without a mount namespace of its own the init mounts in ours (root bind, /proc, /dev…), and
  // if it dies before its program runs (not found; a signal while it builds) no namespace ends
  // to take them away: we detach what it added under its root, nothing that was there before.
  const hostRootfs = hasNamespace(spec, 'mount') ? null : realRootfs(bundle, spec);
  const mountsBefore = hostRootfs ? mountIdsUnder(hostRootfs) : null;
  let userNamespaceInit: number | null = null; // the init's host PID, when userns-exec is its parent
  try {
    const { sync, exited } = init;
    // The syscall filter, compiled now (or earlier: seccomp-cache.ts) while the init boots (it
    // only loads it: seccomp-load.ts); a profile that cannot be compiled stops the start here.
    const seccomp = spec.linux.seccomp ? seccompCache().filterForInit(spec.linux.seccomp, plan.seccompCache) : undefined;
    // In a user namespace: the init tells us its host PID; we write its uid/gid maps (userns.ts).
    const pid = userNamespace ? (userNamespaceInit = await mapUserNamespace(sync, exited, spec)) : init.pid;
    hooks.onCreated?.(pid, cgroup, spec);
    const resources = spec.linux.resources ?? {};
    // (rootless, no delegated cgroup, no limits asked: no cgroup of its own; cgroups/none.ts)
    cgroup = createCgroup(cgroup, { ...resources, devices: withAlwaysAllowedDevices(resources.devices) });
    const tfd = traceFd();
    cgroup.addProcess(pid);
    // From now on, signals sent to us are meant for the container (installed before the
    // program starts, so none can slip through between exec and here).
    if (plan.proxySignals !== false) forward = forwardSignals(pid);
    if (init.native) {
      // The C init's order (init-order.ts): the same facts as `start`, in its framed form.
      sync.write(initOrder().encodeInitOrder({ spec, rootfs: resolve(bundle, spec.root.path), seccomp, traceFd: tfd !== null ? 4 : undefined,
        pdeathsig: plan.create?.detached !== true, isDir: (source) => statSync(source).isDirectory() }));
    } else {
      sync.send({ type: 'start', bundle, spec, seccomp, traceFd: tfd !== null ? 4 : undefined, execFifo: plan.create?.execFifo, detached: plan.create?.detached });
    }

    // Serve the init's requests until the socket closes (or, for `create`, it says `created`).
    // Its first answer never comes if it could not make its threads (a full pids cgroup: see
    // pids-limit.ts); the kernel's count of refused tasks tells that apart from a slow start.
    let created = false;
    const refusals = watchRefusedTasks(init.refusedTasksBefore);
    const first = Promise.race([sync.receive(), refusals.refused]).finally(() => refusals.stop());
    let spoke = false;
    for (let msg = await first; msg !== null; msg = await sync.receive()) {
      spoke = true;
      if (msg.type === 'created' && plan.create) {
        created = true;
        break;
      } else if (msg.type === 'namespaces') {
        hooks.onNamespaces?.(pid);
      } else if (msg.type === 'pty') {
        masterFd = pidfdGetfd(pid, msg.fd);
        const asked = spec.process.consoleSize;
        const size = plan.size ?? (asked ? { rows: asked.height, cols: asked.width } : { rows: process.stdout.rows || 24, cols: process.stdout.columns || 80 });
        setWinsize(masterFd, size.rows, size.cols);
      } else if (msg.type === 'error') {
        await exited;
        throw new UserError(msg.message, msg.exitCode);
      } else {
        throw new UserError(`container init sent an unexpected ${msg.type} message`);
      }
      sync.send({ type: 'continue' });
    }
    // (or it died of it: Node aborts when it cannot make its first thread)
    if (!spoke && refusedTasks() > init.refusedTasksBefore) throw outOfTasks();
    if (plan.create && !created) {
      await exited;
      throw new UserError('container init exited before the container was created');
    }
    if (!created) await checkProgramStarted(exited, 'container init');
    traceNote(`container ${containerId.slice(0, 12)} ${created ? 'created' : 'running'}, PID ${pid} on the host`);

    const relay = masterFd !== null && plan.terminal !== 'return' ? new (terminalMod().TerminalRelay)(masterFd, plan.interactive, plan.onTerminalOutput) : null;
    const forwarding = forward;
    const finished = (async (): Promise<ContainerExit> => {
      const { code, signal } = await exited;
      forwarding?.stop();
      if (relay) await relay.finish();
      const oomKilled = safeOom(cgroup);
      cgroup.destroy();
      const exitCode = exitStatus({ code, signal });
      traceNote(`PID ${pid} exited: ${signal ? `killed by ${signal}` : `status ${code}`}${oomKilled ? ' (OOM-killed)' : ''}`);
      return { exitCode, signal, oomKilled };
    })();
    const release = () => {
      forwarding?.stop();
      init.sync.destroy();
      init.child.unref();
    };
    return { pid, cgroup, masterFd: relay ? null : masterFd, wait: () => finished, release, spec };
  } catch (err) {
    forward?.stop();
    if (userNamespaceInit !== null) {
      // Kill the init itself and let userns-exec reap it: once it exits, the cgroup is empty.
      try { process.kill(userNamespaceInit, 'SIGKILL'); } catch { /* gone */ }
      await init.exited;
    } else {
      await init.abandon();
    }
    if (masterFd !== null) closeSync(masterFd);
    cgroup.destroy();
    if (hostRootfs && mountsBefore) detachMountsSince(hostRootfs, mountsBefore);
    throw err;
  }
}

function realRootfs(bundle: string, spec: RuntimeSpec): string | null {
  try {
    return realpathSync(resolve(bundle, spec.root.path)); // the mount table shows real paths
  } catch {
    return null;
  }
}

/** The init's first words in a user namespace: its host PID. Write its maps, let it go on. */
async function mapUserNamespace(sync: ParentSyncSocket, exited: Promise<ChildExit>, spec: RuntimeSpec): Promise<number> {
  const msg = await sync.receive();
  if (msg?.type === 'userns') {
    if (!joinedUserNamespace(spec)) writeIdMappings(msg.pid, spec); // a joined one has its maps
    sync.send({ type: 'continue' });
    return msg.pid;
  }
  if (msg?.type === 'error') {
    await exited;
    throw new UserError(msg.message, msg.exitCode);
  }
  const end = await exited;
  throw new UserError(`container init exited (${exitStatus(end)}) before its user namespace was set up`);
}

function safeOom(cgroup: Cgroup): boolean {
  try {
    return cgroup.oomKilled();
  } catch {
    return false;
  }
}

