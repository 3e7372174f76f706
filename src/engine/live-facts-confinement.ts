/**
 * Live facts about a container's syscall filter and device rules, read from the kernel:
 * /proc/PID/status (Seccomp, Seccomp_filters, NoNewPrivs), and its device cgroup — v1's
 * devices.list, or on v2 the BPF programs attached to its cgroup (bpf BPF_PROG_QUERY).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { attachedDevicePrograms } from '../runtime/cgroups/devices';

export interface ConfinementFacts {
  /** "filter" (mode 2), "strict" (1) or "disabled" (0). */
  seccomp: 'disabled' | 'strict' | 'filter';
  seccompFilters: number;
  noNewPrivs: boolean;
  /** v1: the lines of devices.list; null on v2. */
  deviceRules: string[] | null;
  /** v2: how many device programs are attached to the container's cgroup; null on v1. */
  devicePrograms: number | null;
}

export function confinementFacts(pid: number): ConfinementFacts {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) => Number(new RegExp(`^${name}:\\s*(\\d+)`, 'm').exec(status)?.[1] ?? 0);
  const cgroups = readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n');
  const v1 = cgroups.find((l) => /^\d+:([^:]*,)?devices(,[^:]*)?:/.test(l));
  let deviceRules: string[] | null = null;
  let devicePrograms: number | null = null;
  try {
    if (v1) {
      deviceRules = readFileSync(join('/sys/fs/cgroup/devices', v1.split(':')[2], 'devices.list'), 'utf8').trim().split('\n');
    } else {
      const v2 = cgroups.find((l) => l.startsWith('0::'));
      if (v2) devicePrograms = attachedDevicePrograms(join('/sys/fs/cgroup', v2.slice(3))).length;
    }
  } catch {
    /* the cgroup is gone or unreadable: leave it unknown */
  }
  return {
    seccomp: (['disabled', 'strict', 'filter'] as const)[field('Seccomp')] ?? 'disabled',
    seccompFilters: field('Seccomp_filters'),
    noNewPrivs: field('NoNewPrivs') === 1,
    deviceRules,
    devicePrograms,
  };
}
