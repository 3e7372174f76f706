/**
 * Namespaces: what the container sees of the system.
 *
 *   mount   its own mount table (overlay root, its /proc, no host mounts)
 *   uts     its own hostname
 *   ipc     its own System V IPC objects and POSIX message queues
 *   network its own interfaces, routes, ports (starts with only `lo`, down)
 *   cgroup  /proc/self/cgroup shows its cgroup as `/`
 *   pid     its own process numbers: the program is PID 1
 *
 * unshare(2) moves the *calling thread* into new namespaces. Node has many threads; only the
 * main thread (this one, doing synchronous calls) moves. That is enough: execve keeps only the
 * calling thread, and the program starts with our namespaces.
 *
 * The PID namespace is the odd one: unshare(CLONE_NEWPID) does not move the caller, only its
 * *future children*. So the parent calls it just before spawning the init (see container.ts).
 */
import { CLONE } from '../sys/constants';
import { closeSync, openSync } from 'node:fs';
import { interfaceUp, setns, unshare } from '../sys/libc';
import type { NamespaceType, RuntimeSpec } from './spec';
import { hasNamespace } from './spec-util';

const FLAG: Record<Exclude<NamespaceType, 'pid' | 'user'>, number> = {
  mount: CLONE.NEWNS,
  uts: CLONE.NEWUTS,
  ipc: CLONE.NEWIPC,
  network: CLONE.NEWNET,
  cgroup: CLONE.NEWCGROUP,
};

/** The unshare(2) flags for every namespace of the spec that the init itself creates. */
export function initNamespaceFlags(spec: RuntimeSpec): number {
  let flags = 0;
  for (const [type, flag] of Object.entries(FLAG)) {
    if (hasNamespace(spec, type as NamespaceType)) flags |= flag;
  }
  return flags;
}

/** Create the container's namespaces (all in one call) and bring up `lo` in a new network one. */
export function enterNewNamespaces(spec: RuntimeSpec): void {
  // Namespaces given by path are joined, not created (docker's --network container:NAME).
  // Joining first: the path is a file of the host's /proc, before our own mounts change anything.
  for (const ns of spec.linux.namespaces) {
    if (!ns.path || ns.type === 'pid' || ns.type === 'user') continue;
    const fd = openSync(ns.path, 'r');
    try {
      // Node's threads share one fs_struct (root, cwd, umask); the kernel refuses to move a
      // task whose fs_struct is shared into another mount namespace (EINVAL). Unsharing it
      // gives this thread its own copy — the other threads keep the host's, and die at execve.
      if (ns.type === 'mount') unshare(CLONE.FS);
      setns(fd, FLAG[ns.type], ns.path);
    } finally {
      closeSync(fd);
    }
  }
  const flags = initNamespaceFlags(spec);
  if (flags) unshare(flags);
  // A new network namespace has only `lo`, and it is down: even 127.0.0.1 would not work.
  if (hasNamespace(spec, 'network')) interfaceUp('lo');
}
