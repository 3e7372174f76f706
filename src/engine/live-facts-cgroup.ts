/**
 * The live cgroup facts of a process (part of live-facts.ts): which cgroup directories it is
 * in, and the limits and usage the kernel holds there — v1 or v2, whatever the host runs.
 */
import { join } from 'node:path';
import { DEFAULT_MOUNTPOINT, detectCgroupVersion } from '../runtime/cgroups/detect';
import { readCgroupFile, readNumber } from '../runtime/cgroups/cgroupfs';
import { V1_UNLIMITED } from '../runtime/cgroups/v1';
import { mountInfo, readProc } from './live-facts-proc';

export interface CgroupFacts {
  version: 1 | 2;
  /** The process's cgroup directories: one on v2, one per controller hierarchy on v1. */
  paths: { controllers: string; dir: string }[];
  memory: { limitBytes: number | null; usageBytes: number | null; swapLimitBytes: number | null; oomKills: number | null };
  pids: { max: number | null; current: number | null };
  /** quotaUsec null = no quota (the group may use every CPU). */
  cpu: { quotaUsec: number | null; periodUsec: number | null; shares: number | null; weight: number | null };
}


/** v1 shows "no limit" as a huge page-rounded number (~2^63); v2 as the word "max". */
function limitValue(path: string): number | null {
  const text = readCgroupFile(path);
  if (text === null || text.trim() === 'max') return null;
  const n = Number(text.trim());
  return !Number.isFinite(n) || n < 0 || n >= V1_UNLIMITED ? null : n;
}

function keyed(path: string, key: string): number | null {
  const text = readCgroupFile(path);
  const m = text === null ? null : new RegExp(`^${key} (\\d+)$`, 'm').exec(text);
  return m ? Number(m[1]) : null;
}

/** Where each v1 controller hierarchy (or the v2 tree) is mounted on the host, from /proc/self/mountinfo. */
function cgroupMounts(): { fstype: string; controllers: string[]; mountPoint: string }[] {
  return mountInfo('self')
    .filter((m) => m.fstype === 'cgroup' || m.fstype === 'cgroup2')
    .map((m) => ({ fstype: m.fstype, controllers: m.superOptions.filter((o) => o !== 'rw' && o !== 'ro'), mountPoint: m.mountPoint }));
}

/**
 * The process's cgroups and the limits and usage written in them. /proc/PID/cgroup lists
 * `hierarchy-id:controllers:path` (v2: one `0::/path` line); the path is relative to the
 * hierarchy's mount, which we find in the host's mount table.
 */
export function cgroupFacts(pid: number): CgroupFacts {
  const version = detectCgroupVersion();
  const lines = readProc(pid, 'cgroup').split('\n').filter(Boolean).map((l) => {
    const [, controllers, ...rest] = l.split(':');
    return { controllers, path: rest.join(':') };
  });
  const mounts = cgroupMounts();
  const cgPaths: { controllers: string; dir: string }[] = [];
  if (version === 2) {
    const line = lines.find((l) => l.controllers === '');
    if (line) cgPaths.push({ controllers: '', dir: join(DEFAULT_MOUNTPOINT, line.path) });
  } else {
    for (const l of lines) {
      if (l.controllers === '') continue; // the (empty) cgroup2 tree of a hybrid host
      const names = l.controllers.split(',');
      const mount = mounts.find((m) => m.fstype === 'cgroup' && names.every((n) => m.controllers.includes(n)));
      cgPaths.push({ controllers: l.controllers, dir: join(mount?.mountPoint ?? join(DEFAULT_MOUNTPOINT, names[0]), l.path) });
    }
  }
  /** The directory serving controller `c` (v2: the one directory). */
  const dirOf = (c: string): string | null =>
    version === 2 ? (cgPaths[0]?.dir ?? null) : (cgPaths.find((p) => p.controllers.split(',').includes(c))?.dir ?? null);
  const at = (c: string, file: string) => {
    const d = dirOf(c);
    return d ? join(d, file) : null;
  };
  const num = (p: string | null) => (p ? readNumber(p) : null);
  const lim = (p: string | null) => (p ? limitValue(p) : null);
  if (version === 2) {
    const cpuMax = (at('cpu', 'cpu.max') && readCgroupFile(at('cpu', 'cpu.max')!))?.trim().split(/\s+/) ?? [];
    return {
      version, paths: cgPaths,
      memory: { limitBytes: lim(at('memory', 'memory.max')), usageBytes: num(at('memory', 'memory.current')), swapLimitBytes: lim(at('memory', 'memory.swap.max')), oomKills: at('memory', 'memory.events') ? keyed(at('memory', 'memory.events')!, 'oom_kill') : null },
      pids: { max: lim(at('pids', 'pids.max')), current: num(at('pids', 'pids.current')) },
      cpu: { quotaUsec: cpuMax[0] && cpuMax[0] !== 'max' ? Number(cpuMax[0]) : null, periodUsec: cpuMax[1] ? Number(cpuMax[1]) : null, shares: null, weight: num(at('cpu', 'cpu.weight')) },
    };
  }
  const quota = num(at('cpu', 'cpu.cfs_quota_us'));
  const memsw = lim(at('memory', 'memory.memsw.limit_in_bytes'));
  const memLimit = lim(at('memory', 'memory.limit_in_bytes'));
  return {
    version, paths: cgPaths,
    memory: {
      limitBytes: memLimit, usageBytes: num(at('memory', 'memory.usage_in_bytes')),
      // v1 limits memory+swap together; the swap part is the difference.
      swapLimitBytes: memsw !== null && memLimit !== null ? memsw - memLimit : null,
      oomKills: at('memory', 'memory.oom_control') ? keyed(at('memory', 'memory.oom_control')!, 'oom_kill') : null,
    },
    pids: { max: lim(at('pids', 'pids.max')), current: num(at('pids', 'pids.current')) },
    cpu: { quotaUsec: quota === null || quota < 0 ? null : quota, periodUsec: num(at('cpu', 'cpu.cfs_period_us')), shares: num(at('cpu', 'cpu.shares')), weight: null },
  };
}
