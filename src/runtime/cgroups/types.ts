/**
 * The shapes every cgroup driver shares: the OCI runtime-spec `linux.resources` subset we
 * apply, and the `Cgroup` interface the runtime codes against (v1 and v2 both implement it).
 *
 * https://github.com/opencontainers/runtime-spec/blob/main/config-linux.md#control-groups
 */

/** OCI `linux.resources` (the part mini-run applies). Numbers are bytes / microseconds. */
export interface LinuxResources {
  memory?: {
    /** Hard limit in bytes; -1 = unlimited. */
    limit?: number;
    /**
     * Memory + swap TOTAL in bytes, like `docker run --memory-swap`; -1 = unlimited swap.
     * Equal to `limit` means "no swap at all". (runtime-spec: "limit of memory+Swap usage".)
     * Note: docker's engine turns `--memory 64m` alone into swap = 2 × memory; the runtime
     * only applies what is in the spec and leaves swap alone when it is absent.
     */
    swap?: number;
    /** Soft limit in bytes: under memory pressure the kernel reclaims down to it (v1 memory.soft_limit_in_bytes, v2 memory.low). */
    reservation?: number;
    /** 0…100: how eagerly the group's anonymous memory is swapped out (v1 memory.swappiness; v2 has none). */
    swappiness?: number;
    /** true: at the limit the group's tasks wait for memory instead of being OOM-killed (v1 memory.oom_control; v2 has none). */
    disableOOMKiller?: boolean;
    /** Deprecated in the runtime-spec (kernel memory is no longer limited on its own): a warning, then ignored. */
    kernel?: number;
    kernelTCP?: number;
  };
  cpu?: {
    /** Relative weight (v1 cpu.shares, default 1024; v2 cpu.weight is derived from it). */
    shares?: number;
    /** CPU time in µs the group may use per `period`; -1 = unlimited. */
    quota?: number;
    /** Length of the CFS period in µs (default 100000). */
    period?: number;
    /** CPUs the tasks may run on, as the kernel lists them ("0-1", "0,2"): cpuset.cpus. */
    cpus?: string;
    /** Memory nodes the tasks may allocate from ("0"): cpuset.mems. */
    mems?: string;
  };
  /** Max number of tasks (processes + threads); 0 or -1 = unlimited (as runc). */
  pids?: { limit?: number };
  /** The device cgroup's rules (cgroups/devices.ts): later rules win; none = no device rules. */
  devices?: DeviceRule[];
  /** Block I/O: a relative weight and per-device throttles (v1 blkio, v2 io.weight / io.max). */
  blockIO?: BlockIO;
  /** net_cls / net_prio and hugetlb: not set by these drivers; a spec asking is refused (limits.ts). */
  network?: { classID?: number; priorities?: Array<{ name: string; priority: number }> };
  hugepageLimits?: Array<{ pageSize: string; limit: number }>;
}

/** OCI `linux.resources.blockIO` (the part mini-run applies). */
export interface BlockIO {
  /** Relative weight 10…1000 (v1 blkio.weight / blkio.bfq.weight; v2 io.bfq.weight / io.weight). */
  weight?: number;
  /** Bytes per second read / written at most, per device. */
  throttleReadBpsDevice?: ThrottleDevice[];
  throttleWriteBpsDevice?: ThrottleDevice[];
  /** I/O operations per second read / written at most, per device. */
  throttleReadIOPSDevice?: ThrottleDevice[];
  throttleWriteIOPSDevice?: ThrottleDevice[];
}

/** One block device (its major:minor numbers, not its path: the kernel files want numbers) and a rate. */
export interface ThrottleDevice {
  major: number;
  minor: number;
  rate: number;
}

/** One OCI `linux.resources.devices` rule: type 'a' (all), 'c' or 'b'; no major/minor = any. */
export interface DeviceRule {
  allow: boolean;
  type?: 'a' | 'c' | 'b';
  major?: number;
  minor?: number;
  /** Some of r (read), w (write), m (mknod); empty/absent = all three. */
  access?: string;
}

/**
 * Raw counters of a container's cgroup, what `mini-run stats` (like `docker stats`) turns into
 * its columns. null = the file is missing (controller not mounted/enabled, cgroup gone).
 * The drivers report what the kernel says; docker's arithmetic (subtracting the page cache,
 * showing host memory for "unlimited", CPU %) lives in src/engine/stats.ts.
 */
export interface CgroupStats {
  /** Total CPU time consumed by the group, µs, cumulative (v2 cpu.stat usage_usec, v1 cpuacct.usage / 1000). */
  cpuUsageUsec: number | null;
  /** Memory charged to the group, bytes, page cache included (v2 memory.current, v1 memory.usage_in_bytes). */
  memoryUsageBytes: number | null;
  /**
   * Page cache the kernel would drop first under pressure (v2 memory.stat `inactive_file`,
   * v1 memory.stat `total_inactive_file`). docker shows usage minus this.
   */
  memoryInactiveFileBytes: number | null;
  /** The group's memory limit in bytes; null = unlimited (v2 "max", v1 a huge page-rounded number). */
  memoryLimitBytes: number | null;
  /** Bytes read from / written to block devices (v2 io.stat rbytes/wbytes, v1 blkio …io_service_bytes Read/Write), summed over devices. */
  blockReadBytes: number | null;
  blockWriteBytes: number | null;
  /** Tasks currently in the group (pids.current). */
  pidsCurrent: number | null;
}

export interface Cgroup {
  readonly version: 1 | 2;
  /** Absolute directories of this container's cgroup (v2: one; v1: one per controller hierarchy). */
  readonly paths: string[];
  /** Warnings gathered by create() (e.g. swap limit unsupported); also printed via `onWarning`. */
  readonly warnings: string[];
  /** mkdir (+ the mini-run parent, controllers enabled) and write the limits, every write traced. */
  create(resources: LinuxResources): void;
  /**
   * Change the limits of the existing cgroup while its processes run (`mini-run update`, runc's
   * `update`): only what `resources` names is written. If the kernel refuses one value (a memory
   * limit below what the group uses now), the values written before it are put back and the
   * error is thrown: the group ends as it was.
   */
  update(resources: LinuxResources): void;
  /** Move a process into the cgroup: write its pid to cgroup.procs (in every v1 hierarchy). */
  addProcess(pid: number): void;
  /** The cgroup.procs files, so an init can write "0" (= itself) into each before exec. */
  procsFiles(): string[];
  /** Processes currently in the cgroup (union over hierarchies on v1). */
  pids(): number[];
  /** Did the kernel's OOM killer kill a process of this cgroup? */
  oomKilled(): boolean;
  /** Usage counters (`mini-run stats`). Cheap: a handful of small file reads. */
  stats(): CgroupStats;
  /**
   * Freeze every process of the group (`mini-run pause`): v2 `cgroup.freeze` ← 1, v1
   * `freezer.state` ← FROZEN; returns once the kernel reports the group frozen, or throws
   * (after thawing again) when it does not within `timeoutMs` (default 5000).
   */
  freeze(opts?: { timeoutMs?: number }): void;
  /** Let the frozen processes run again (`mini-run unpause`). */
  thaw(opts?: { timeoutMs?: number }): void;
  /** Is the group completely frozen right now? (A group still FREEZING is not.) */
  frozen(): boolean;
  /** Kill leftover processes, rmdir the cgroup and the mini-run parent if empty. Never throws for "already gone". */
  destroy(): void;
}

export interface CgroupOptions {
  /** Where cgroupfs is mounted (default /sys/fs/cgroup). Tests point it at a fake tree. */
  mountpoint?: string;
  /** The spec's `linux.cgroupsPath` (location.ts); absent = `<mini-run parent>/mr-<id>`. */
  path?: string;
  /** Force a driver instead of detecting one. */
  version?: 1 | 2;
  /** Where warnings go (default: `WARNING: …` on stderr, like docker). */
  onWarning?: (message: string) => void;
}
