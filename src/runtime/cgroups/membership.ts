/**
 * What `exec` (and a status check) needs of a container's cgroup, without the whole driver:
 * the `cgroup.procs` files a new process writes itself into, and whether the group is frozen.
 * The v1 hierarchy layout lives here and the full driver (v1.ts) builds on it, so both always
 * name the same directories; the limits, device rules and block-IO code are not loaded for it.
 */
import { existsSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { checkContainerId, readCgroupFile, readKeyed } from './cgroupfs';
import { DEFAULT_MOUNTPOINT, detectCgroupVersion } from './detect';
import { cgroupLocation, type CgroupLocation } from './location';

/** The v1 hierarchies a container joins, in the order they are created and joined. */
export const V1_CONTROLLERS = ['cpuset', 'memory', 'cpu', 'cpuacct', 'pids', 'blkio', 'devices', 'freezer'] as const;
export type V1Controller = (typeof V1_CONTROLLERS)[number];

export interface V1Hierarchy {
  /** Controllers served by this mount (several when co-mounted, e.g. "cpu,cpuacct"). */
  controllers: V1Controller[];
  /** The mount (hierarchy root), e.g. /sys/fs/cgroup/memory. */
  root: string;
  parent: string;
  dir: string;
}

/**
 * The container's directory in each mounted v1 hierarchy. Distros often co-mount cpu and
 * cpuacct (/sys/fs/cgroup/cpu,cpuacct with cpu and cpuacct as symlinks to it): one directory
 * serves both, and must be created and joined once.
 */
export function v1Hierarchies(mountpoint: string, location: CgroupLocation): { hierarchies: V1Hierarchy[]; byController: Map<V1Controller, V1Hierarchy> } {
  const seen = new Map<string, V1Hierarchy>();
  const byController = new Map<V1Controller, V1Hierarchy>();
  for (const c of V1_CONTROLLERS) {
    const mount = join(mountpoint, c);
    if (!existsSync(mount)) continue; // controller not mounted on this host
    let real = mount;
    try { real = realpathSync(mount); } catch { /* keep */ }
    let h = seen.get(real);
    if (!h) {
      const parent = join(real, ...location.parentParts);
      h = { controllers: [], root: real, parent, dir: join(parent, location.leaf) };
      seen.set(real, h);
    }
    h.controllers.push(c);
    byController.set(c, h);
  }
  return { hierarchies: [...seen.values()], byController };
}

/** A container's cgroup as an exec'd process joins it. */
export interface CgroupMembership {
  readonly version: 1 | 2;
  /** The files to write a pid into to move it into the container's cgroup (every v1 hierarchy, or v2's one). */
  procsFiles(): string[];
  /** Is the group frozen (paused)? */
  frozen(): boolean;
}

/** The same cgroup as openCgroup(containerId, { path }) names, for joining and the paused check only. */
export function cgroupMembership(containerId: string, opts: { path?: string; mountpoint?: string } = {}): CgroupMembership {
  checkContainerId(containerId);
  const location = cgroupLocation(containerId, opts.path);
  const mountpoint = opts.mountpoint ?? DEFAULT_MOUNTPOINT;
  if (detectCgroupVersion(mountpoint) === 2) {
    const dir = join(mountpoint, ...location.parentParts, location.leaf);
    return { version: 2, procsFiles: () => [join(dir, 'cgroup.procs')], frozen: () => readKeyed(join(dir, 'cgroup.events')).get('frozen') === 1 };
  }
  const { hierarchies, byController } = v1Hierarchies(mountpoint, location);
  const freezer = byController.get('freezer');
  return {
    version: 1,
    procsFiles: () => hierarchies.map((h) => join(h.dir, 'cgroup.procs')),
    frozen: () => freezer !== undefined && (readCgroupFile(join(freezer.dir, 'freezer.state')) ?? '').trim() === 'FROZEN',
  };
}
