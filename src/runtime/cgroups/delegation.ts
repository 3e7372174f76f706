/**
 * A cgroup v2 subtree delegated to an ordinary user: where rootless containers can have limits.
 *
 * cgroupfs checks file permissions like any filesystem. Delegating a subtree to a user means
 * the directory and its cgroup.procs, cgroup.subtree_control and cgroup.threads are the user's
 * (systemd does it for user@UID.service, `Delegate=yes`): the user may then make child groups,
 * enable controllers for them and write their limits. Two kernel rules shape where:
 *
 *   - moving a process needs write access to cgroup.procs of the COMMON ANCESTOR of where it is
 *     and where it goes: so the containers' groups must be inside the delegated subtree that
 *     holds the caller (a login shell in root's session-N.scope cannot use user@UID.service);
 *   - "no internal processes": controllers are enabled only for children of a group without
 *     processes, so the containers go under `<top of the delegated subtree>/mini-run`, beside
 *     the caller's own group, never inside it.
 *
 * Only for rootless runs (root on the host writes cgroupfs anywhere and never asks).
 */
import { accessSync, constants as fsc, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_MOUNTPOINT, detectCgroupVersion } from './detect';

/** The delegated subtree's top (a path below the cgroup2 mount, no leading '/'), or why there is none. */
export type Delegation = { path: string } | { why: string };

const canWrite = (file: string): boolean => {
  try { accessSync(file, fsc.W_OK); return true; } catch { return false; }
};

/**
 * `cgroupFile`: /proc/self/cgroup (the caller's groups, read outside any cgroup namespace);
 * `writable`: may we write this file (accessSync as the caller: namespace root does not
 * override permissions on files of ids its user namespace does not map).
 */
export function findDelegation(
  mountpoint: string = DEFAULT_MOUNTPOINT,
  cgroupFile: string = readFileSync('/proc/self/cgroup', 'utf8'),
  writable: (file: string) => boolean = canWrite,
  version: 1 | 2 = detectCgroupVersion(mountpoint),
): Delegation {
  if (version !== 2) {
    return { why: 'this host runs cgroup v1 (or hybrid), where no cgroup is delegated to users; run with sudo for --memory, --cpus, --pids-limit' };
  }
  const own = /^0::(\/.*)$/m.exec(cgroupFile)?.[1];
  if (own === undefined) return { why: 'no cgroup v2 line in /proc/self/cgroup' };
  const parts = own.split('/').filter(Boolean);
  const ours = (n: number) => {
    const dir = join(mountpoint, ...parts.slice(0, n));
    return writable(dir) && writable(join(dir, 'cgroup.procs')) && writable(join(dir, 'cgroup.subtree_control'));
  };
  const fix = 'start mini-run inside a delegated cgroup (on systemd: systemd-run --user --scope mini-run …), or run with sudo';
  if (parts.length === 0) return { why: `your cgroup is the root cgroup; ${fix}` };
  if (!ours(parts.length)) return { why: `your cgroup ${own} is not delegated to you; ${fix}` };
  // From the caller's own group up, while each level is ours; the root is never a user's.
  let top = parts.length;
  while (top > 1 && ours(top - 1)) top--;
  if (top === parts.length) {
    return { why: `your cgroup ${own} is delegated to you but holds mini-run itself (cgroup v2's "no internal processes" rule): start mini-run in a child group of it` };
  }
  return { path: parts.slice(0, top).join('/') };
}
