/**
 * cgroups: limit and account what a container's processes may use (memory, CPU, pids).
 *
 * One interface (`Cgroup`), two drivers: `v2.ts` (unified hierarchy, every current distro)
 * and `v1.ts` (legacy per-controller hierarchies). `openCgroup` picks the one the host runs.
 *
 *   const cg = openCgroup(id);
 *   cg.create({ memory: { limit: 64 << 20 }, pids: { limit: 100 }, cpu: cpusToQuota(0.5) });
 *   cg.addProcess(initPid);          // or: the init writes "0" into each of cg.procsFiles()
 *   …                                // the program runs, limited
 *   cg.oomKilled();                  // after exit: was it the OOM killer?
 *   cg.destroy();
 */
import { checkContainerId } from './cgroupfs';
import { DEFAULT_MOUNTPOINT, detectCgroupVersion } from './detect';
import { CgroupOptions, Cgroup } from './types';
import { cgroupLocation } from './location';
import type { LinuxResources } from './types';
import { lazy } from '../../lazy';

// A host runs one driver: only the one detectCgroupVersion names is loaded.
const v1 = lazy(() => require('./v1') as typeof import('./v1'));
const v2 = lazy(() => require('./v2') as typeof import('./v2'));
// Only where cgroupfs refuses us (rootless, below).
const none = lazy(() => require('./none') as typeof import('./none'));

export type { Cgroup, CgroupOptions, CgroupStats, LinuxResources, BlockIO, ThrottleDevice } from './types';
export { blockIOSupport } from './block-io';
export { detectCgroupVersion, CGROUP_PREFIX, PARENT_NAME, parentName, DEFAULT_MOUNTPOINT, cgroupName } from './detect';
export { cgroupLocation, type CgroupLocation } from './location';
export type { Delegation } from './delegation';
export { cpusToQuota, sharesToWeight, DEFAULT_CPU_PERIOD } from './limits';
export type { CgroupV1 } from './v1';
export type { CgroupV2 } from './v2';

function defaultWarn(message: string): void {
  process.stderr.write(`WARNING: ${message}\n`);
}

/**
 * The cgroup of container `containerId` (nothing is created until `create()`): at the spec's
 * `linux.cgroupsPath` when given (`opts.path`, see location.ts), else `<mini-run parent>/mr-<id>`.
 */
export function openCgroup(containerId: string, opts: CgroupOptions = {}): Cgroup {
  checkContainerId(containerId);
  const location = cgroupLocation(containerId, opts.path);
  const mountpoint = opts.mountpoint ?? DEFAULT_MOUNTPOINT;
  const version = opts.version ?? detectCgroupVersion(mountpoint);
  const warn = opts.onWarning ?? defaultWarn;
  return version === 2 ? new (v2().CgroupV2)(containerId, mountpoint, warn, location) : new (v1().CgroupV1)(containerId, mountpoint, warn, location);
}

/** Container ids that have a mr-* cgroup on this host (to clean up after a crash). */
export function listContainerCgroups(opts: { mountpoint?: string; version?: 1 | 2 } = {}): string[] {
  const mountpoint = opts.mountpoint ?? DEFAULT_MOUNTPOINT;
  const version = opts.version ?? detectCgroupVersion(mountpoint);
  return version === 2 ? v2().listV2(mountpoint) : v1().listV1(mountpoint);
}

/**
 * `cgroup.create(resources)`, except in a user namespace of an ordinary user (rootless) where
 * cgroupfs refuses us (EACCES/EPERM/EROFS) and no limit is asked for: then the container runs
 * in the caller's cgroup (a NoCgroup), as runc's rootless mode does. Root on the host never
 * gets here with a refusal, so nothing changes for it.
 */
export function createCgroup(cgroup: Cgroup, resources: LinuxResources): Cgroup {
  try {
    cgroup.create(resources);
    return cgroup;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (!['EACCES', 'EPERM', 'EROFS'].includes(code ?? '') || !none().inNonInitialUserNamespace()) throw e;
    if (none().asksForLimits(resources)) throw new Error(`limits need a delegated cgroup: ${(e as Error).message}`);
    try { cgroup.destroy(); } catch { /* nothing made */ }
    return new (none().NoCgroup)(cgroup.version);
  }
}
