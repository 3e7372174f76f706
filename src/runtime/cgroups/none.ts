/**
 * No cgroup: what a rootless container gets when the host delegates no cgroup to its user.
 *
 * Root in a user namespace of an ordinary user is still that user to cgroupfs: mkdir under
 * /sys/fs/cgroup is refused (EACCES), as is writing limits. runc's rootless mode does what this
 * does: when the container asks for NO limits, it runs without a cgroup of its own (in the
 * caller's); when it asks for some, that is an error ("limits need a delegated cgroup").
 * Only used from inside a user namespace (inNonInitialUserNamespace): root on the host always
 * gets a real cgroup.
 */
import { readFileSync } from 'node:fs';
import type { Cgroup, CgroupStats, LinuxResources } from './types';

/** Are we in a user namespace other than the host's (uid_map is not the identity of all ids)? */
export function inNonInitialUserNamespace(): boolean {
  try {
    return readFileSync('/proc/self/uid_map', 'utf8').trim().split(/\s+/).join(' ') !== '0 0 4294967295';
  } catch {
    return false;
  }
}

/** Does `resources` ask for any limit (devices rules aside: those are the runtime's own defaults)? */
export function asksForLimits(r: LinuxResources): boolean {
  return Object.entries(r).some(([key, v]) => key !== 'devices' && v !== undefined && v !== null
    && !(typeof v === 'object' && Object.values(v as object).every((x) => x === undefined || x === null || (Array.isArray(x) && x.length === 0))));
}

export class NoCgroup implements Cgroup {
  readonly paths: string[] = [];
  readonly warnings: string[] = [];
  constructor(readonly version: 1 | 2) {}
  create(): void { /* nothing: no delegated cgroup */ }
  update(): void { throw new Error('limits need a delegated cgroup: this rootless container has no cgroup of its own'); }
  addProcess(): void { /* it stays in the caller's cgroup */ }
  procsFiles(): string[] { return []; }
  pids(): number[] { return []; }
  oomKilled(): boolean { return false; }
  stats(): CgroupStats {
    return { cpuUsageUsec: null, memoryUsageBytes: null, memoryInactiveFileBytes: null, memoryLimitBytes: null, blockReadBytes: null, blockWriteBytes: null, pidsCurrent: null };
  }
  freeze(): void { throw new Error('pause needs a delegated cgroup: this rootless container has no cgroup of its own'); }
  thaw(): void { /* never frozen */ }
  frozen(): boolean { return false; }
  destroy(): void { /* nothing was made */ }
}
