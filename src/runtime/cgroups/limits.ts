/**
 * Pure conversions between what a user types, what the OCI spec holds and what the kernel
 * files want. No I/O here, so every rule is unit-testable.
 */
import { UserError } from '../../errors';

/** The CFS period docker and runc use: 100 ms. */
export const DEFAULT_CPU_PERIOD = 100_000;

/**
 * `--cpus 0.5` → quota 50000 µs per 100000 µs period: the group may run half a CPU's worth of
 * time every 100 ms, spread over any number of CPUs (2 CPUs busy for 25 ms also uses it up).
 */
export function cpusToQuota(cpus: number): { quota: number; period: number } {
  if (!Number.isFinite(cpus) || cpus <= 0) throw new UserError(`invalid --cpus value ${cpus}: must be a positive number`);
  // The kernel refuses quotas under 1 ms (1000 µs).
  const quota = Math.round(cpus * DEFAULT_CPU_PERIOD);
  if (quota < 1000) throw new UserError(`invalid --cpus value ${cpus}: the minimum is 0.01`);
  return { quota, period: DEFAULT_CPU_PERIOD };
}

/**
 * v1 cpu.shares (2…262144, default 1024) → v2 cpu.weight (1…10000, default 100), with runc's
 * linear mapping so the same `--cpu-shares` means the same on both: 2 → 1, 262144 → 10000.
 * (1024 maps to 39, not 100: that is runc's formula, kept for compatibility.)
 */
export function sharesToWeight(shares: number): number {
  if (shares === 0) return 0; // 0 = "not set" in the spec; caller skips it
  const s = Math.min(Math.max(shares, 2), 262_144);
  return Math.floor(1 + ((s - 2) * 9999) / 262_142);
}

/** v2 memory.max / pids.max value: a number, or "max" for unlimited (-1). */
export function maxOrNumber(n: number): string {
  return n < 0 ? 'max' : String(Math.floor(n));
}

/** OCI pids.limit: > 0 is a limit, 0 or -1 mean unlimited (runc treats both as "max"). */
export function pidsValue(limit: number): string {
  return limit > 0 ? String(Math.floor(limit)) : 'max';
}

/** v2 cpu.max: "QUOTA PERIOD", or "max PERIOD" when unlimited. */
export function cpuMaxValue(quota: number | undefined, period: number | undefined): string {
  const p = period && period > 0 ? period : DEFAULT_CPU_PERIOD;
  const q = quota === undefined || quota < 0 ? 'max' : String(Math.floor(quota));
  return `${q} ${p}`;
}

/**
 * v2 memory.swap.max from docker's "memory+swap total": v2 limits swap ALONE, so
 * swap.max = total - memory. -1 → "max". Validated like docker does.
 */
export function swapMaxValue(limit: number | undefined, swapTotal: number): string {
  if (swapTotal < 0) return 'max';
  if (limit === undefined || limit < 0) {
    throw new UserError('a memory+swap limit needs a memory limit too (set --memory with --memory-swap)');
  }
  if (swapTotal < limit) {
    throw new UserError(`memory+swap limit (${swapTotal}) must be at least the memory limit (${limit})`);
  }
  return String(Math.floor(swapTotal - limit));
}

/** Does the spec ask for one of the memory settings beyond limit and swap? */
export function wantsMemoryTuning(mem: { reservation?: number; swappiness?: number; disableOOMKiller?: boolean } | undefined): boolean {
  return mem !== undefined && (mem.reservation !== undefined || mem.swappiness !== undefined || mem.disableOOMKiller !== undefined);
}

/** The warning for the runtime-spec's deprecated kernel-memory limits, or null when none is asked. */
export function kernelMemoryWarning(mem: { kernel?: number; kernelTCP?: number } | undefined): string | null {
  if (mem?.kernel === undefined && mem?.kernelTCP === undefined) return null;
  return 'linux.resources.memory.kernel and kernelTCP are deprecated (the kernel accounts its own memory inside the memory limit): ignored';
}

/**
 * What the drivers do not set, refused in one line rather than dropped: net_cls/net_prio (v1
 * only; many hosts, this one too, do not mount them) and hugetlb limits.
 */
export function refuseUnsupported(r: { network?: { classID?: number; priorities?: unknown[] }; hugepageLimits?: unknown[] }): void {
  if (r.network?.classID !== undefined || r.network?.priorities?.length) {
    throw new UserError('linux.resources.network (net_cls classID, net_prio priorities) is not supported by mini-run\'s cgroup drivers');
  }
  if (r.hugepageLimits?.length) throw new UserError('linux.resources.hugepageLimits is not supported by mini-run\'s cgroup drivers');
}

/** Validate the memory part once, for both drivers. */
export function checkMemory(mem: { limit?: number; swap?: number } | undefined): void {
  if (!mem) return;
  if (mem.limit !== undefined && mem.limit >= 0 && mem.limit < 4096) {
    throw new UserError(`memory limit ${mem.limit} is too small (minimum is one page, 4096 bytes)`);
  }
  if (mem.swap !== undefined) swapMaxValue(mem.limit, mem.swap); // throws on nonsense
}
