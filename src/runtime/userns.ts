/**
 * User namespaces: root in the container is nobody on the host.
 *
 * A user namespace renumbers users. Its uid_map says which host uids its uids stand for:
 *
 *     uid inside   uid outside   how many
 *              0        100000      65536     (container root = host uid 100000)
 *
 * A process has all capabilities *inside* its user namespace — it may mount, mknod, chown,
 * set the hostname… but only over what the namespace owns: the namespaces created inside it,
 * and files whose owners are mapped into it. To the host, the same process is uid 100000: a
 * root-owned host file stays out of reach (unmapped owners show as `nobody`, 65534), and a
 * capability such as CAP_SYS_MODULE means nothing outside. This is what Docker's
 * `--userns-remap` and rootless podman rely on; without it, container root IS host root,
 * held back only by dropped capabilities, seccomp and the device cgroup.
 *
 * How the container gets one (the order matters; see native/userns-exec.c):
 *
 *   1. the runtime spawns  userns-exec [--pid] -- node init-main.js --userns : a small C
 *      program (Node, multi-threaded, may not unshare a user namespace) that unshares the
 *      user namespace FIRST and the PID namespace with it, so the user namespace owns the PID
 *      namespace (or the container's root could not mount its /proc);
 *   2. the init starts in it, still as host root's uid, which the namespace does not map yet,
 *      and tells the runtime its host PID (`userns` message);
 *   3. the runtime — on the host, as root — writes /proc/PID/uid_map and gid_map;
 *   4. the init switches to uid 0 / gid 0 of the namespace (becomeNamespaceRoot), then creates
 *      the mount, UTS, IPC, network and cgroup namespaces: owned by the user namespace, so the
 *      container's root may set them up (mount /proc, /sys, set its hostname, bring up `lo`).
 *
 * A mapping can be written only once, and only by a process with CAP_SETUID (CAP_SETGID) over
 * the *parent* namespace. An unprivileged writer may map only its own uid, and must first write
 * "deny" to /proc/PID/setgroups (else a process could drop a supplementary group that was
 * keeping it OUT of a file, a way around "deny" permissions): that is what `setgroups` is for.
 */
import { existsSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { setgroups, setresgid, setresuid } from '../sys/libc';
import { traceNote } from '../sys/trace';
import { UserError } from '../errors';
import { nativeBinary, nativeBuildHint } from '../native';
import type { RuntimeSpec } from './spec';

/** One line of a uid_map/gid_map (config-linux.md#user-namespace-mappings). */
export interface IdMapping { containerID: number; hostID: number; size: number }

/** The argument the init gets when it starts inside a user namespace (it then says hello). */
export const USERNS_INIT_ARG = '--userns';

/** A user namespace of its own (not joined by path) — the only kind mini-run creates. */
export function wantsUserNamespace(spec: RuntimeSpec): boolean {
  return spec.linux.namespaces.some((n) => n.type === 'user');
}

/** Refuse what cannot work, in one line each, before anything is started (as runc does). */
export function checkUserNamespaceSpec(spec: RuntimeSpec): void {
  const ns = spec.linux.namespaces.find((n) => n.type === 'user');
  const uid = spec.linux.uidMappings ?? [];
  const gid = spec.linux.gidMappings ?? [];
  if (!ns) {
    if (uid.length || gid.length) throw new UserError('config.json: linux.uidMappings/gidMappings need a "user" namespace in linux.namespaces', 125);
    return;
  }
  if (ns.path) {
    // joined, not made: its maps were written by whoever made it (runc refuses both together too)
    if (uid.length || gid.length) throw new UserError('config.json: a "user" namespace with a path already has its mappings: remove linux.uidMappings/gidMappings', 125);
    if (!/^\/proc\/\d+\/ns\/user$/.test(ns.path)) throw new UserError(`config.json: a "user" namespace path must be /proc/PID/ns/user (got ${ns.path})`, 125);
  } else {
    if (!uid.length) throw new UserError('config.json: user namespaces enabled, but no uid mappings found (linux.uidMappings)', 125);
    if (!gid.length) throw new UserError('config.json: user namespaces enabled, but no gid mappings found (linux.gidMappings)', 125);
    if (uid.length > 340 || gid.length > 340) throw new UserError('config.json: at most 340 uid/gid mapping lines (the kernel\'s limit)', 125);
    const rootMapped = (maps: IdMapping[]) => maps.some((m) => m.containerID === 0 && m.size > 0);
    if (!rootMapped(uid) || !rootMapped(gid)) {
      throw new UserError('config.json: the user namespace must map uid 0 and gid 0 (the container\'s root is the one that builds it)', 125);
    }
  }
  if (!existsSync(nativeBinary('userns-exec'))) {
    throw new UserError(`a user namespace needs native/build/userns-exec (built with a C compiler); to add it: ${nativeBuildHint()}`, 125);
  }
}

/** The text of /proc/PID/uid_map (or gid_map): "inside outside count" per line. */
export function idMapText(mappings: readonly IdMapping[]): string {
  return mappings.map((m) => `${m.containerID} ${m.hostID} ${m.size}`).join('\n') + '\n';
}

/** The host id that `id` inside the namespace stands for, or null when it is not mapped. */
export function hostIdOf(mappings: readonly IdMapping[], id: number): number | null {
  const m = mappings.find((x) => id >= x.containerID && id < x.containerID + x.size);
  return m ? m.hostID + (id - m.containerID) : null;
}

/** The path of the existing user namespace the spec joins, if it joins one. */
export function joinedUserNamespace(spec: RuntimeSpec): string | undefined {
  return spec.linux.namespaces.find((n) => n.type === 'user')?.path;
}

/**
 * How to spawn the init in a user namespace — a new one, or the one at `join` — the helper
 * first, then node and the init.
 */
export function userNamespaceCommand(o: { newPidNamespace: boolean; detached: boolean; join?: string }, node: string, initScript: string): { file: string; args: string[] } {
  const flags = [...(o.join ? ['--join', o.join] : []), ...(o.newPidNamespace ? ['--pid'] : []), ...(o.detached ? [] : ['--pdeathsig'])];
  return { file: nativeBinary('userns-exec'), args: [...flags, '--', node, initScript, USERNS_INIT_ARG] };
}

/** Is host PID `pid` in a user namespace other than ours (a container made with one)? */
export function hasOwnUserNamespace(pid: number): boolean {
  try {
    const theirs = statSync(`/proc/${pid}/ns/user`), ours = statSync('/proc/self/ns/user');
    return theirs.ino !== ours.ino || theirs.dev !== ours.dev;
  } catch {
    return false; // gone: the caller says so
  }
}

/** How to spawn `exec`'s process inside the user namespace of the container's PID `pid`. */
export function joinUserNamespaceCommand(pid: number, node: string, script: string): { file: string; args: string[] } {
  const helper = nativeBinary('userns-exec');
  if (!existsSync(helper)) throw new UserError(`this container has a user namespace; entering it needs native/build/userns-exec: ${nativeBuildHint()}`, 126);
  return { file: helper, args: ['--join', String(pid), '--', node, script] };
}

/**
 * (runtime, on the host) Write the init's uid_map and gid_map. `pid` is the init's host PID
 * (it told us). Root writes any mapping; anyone else must deny setgroups first (see top).
 */
export function writeIdMappings(pid: number, spec: RuntimeSpec): void {
  const uid = spec.linux.uidMappings ?? [];
  const gid = spec.linux.gidMappings ?? [];
  if (process.geteuid?.() !== 0) writeFileSync(`/proc/${pid}/setgroups`, 'deny');
  writeFileSync(`/proc/${pid}/uid_map`, idMapText(uid));
  writeFileSync(`/proc/${pid}/gid_map`, idMapText(gid));
  traceNote(`wrote /proc/${pid}/uid_map "${idMapText(uid).trim()}" and gid_map "${idMapText(gid).trim()}": container root is host uid ${hostIdOf(uid, 0)}`);
}

/** (init) Our PID as the host sees it: /proc is still the host's procfs, whatever our PID namespace. */
export function hostPidOfSelf(): number {
  return Number(readlinkSync('/proc/self'));
}

/**
 * (init) Become root of our user namespace: uid and gid 0 inside, the mapped ids outside. Until
 * now we were host root's uid, which the namespace does not map ("nobody" inside): files we
 * created on the container's filesystems would have an owner the namespace cannot name.
 * The supplementary groups go too (host root's groups mean nothing in here).
 */
export function becomeNamespaceRoot(): void {
  setgroups([]);
  setresgid(0);
  setresuid(0);
}
