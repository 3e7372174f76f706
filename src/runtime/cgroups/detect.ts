/**
 * Which cgroup version does this host run, and where do mini-run's cgroups live?
 *
 *   v2 (unified, every current distro): one tree at /sys/fs/cgroup; its root has a
 *       `cgroup.controllers` file listing the controllers available.
 *   v1 (legacy / "hybrid", like these build machines): /sys/fs/cgroup is a tmpfs with one
 *       mount per controller (/sys/fs/cgroup/memory, /sys/fs/cgroup/cpu, …); a cgroup2 tree may
 *       sit at /sys/fs/cgroup/unified but holds no useful controllers, so we ignore it.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const DEFAULT_MOUNTPOINT = '/sys/fs/cgroup';
/** The parent cgroup of every container cgroup. It never holds a process (see v2.ts). */
export const PARENT_NAME = 'mini-run';

/**
 * The parent actually used: PARENT_NAME, or $MINI_RUN_CGROUP_PARENT (like docker's
 * --cgroup-parent; the tests give each test file its own, so that what one file leaves behind
 * is told apart from another's). It must keep the `mini-run` prefix (host-safety rule).
 */
export function parentName(): string {
  const p = process.env.MINI_RUN_CGROUP_PARENT;
  if (!p) return PARENT_NAME;
  if (!/^mini-run[A-Za-z0-9_.-]*$/.test(p)) throw new Error(`MINI_RUN_CGROUP_PARENT must start with "mini-run" and contain only [A-Za-z0-9_.-]: ${p}`);
  return p;
}
/** Host-safety rule: every host object mini-run creates carries its prefix. */
export const CGROUP_PREFIX = 'mr-';

export function detectCgroupVersion(mountpoint: string = DEFAULT_MOUNTPOINT): 1 | 2 {
  return existsSync(join(mountpoint, 'cgroup.controllers')) ? 2 : 1;
}

/** The directory name of a container's cgroup. */
export function cgroupName(containerId: string): string {
  return `${CGROUP_PREFIX}${containerId}`;
}
