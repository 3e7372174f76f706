/**
 * cgroup v2 driver (unified hierarchy): one directory per container,
 *   /sys/fs/cgroup/mini-run/mr-<id>
 * with memory.max, memory.swap.max, cpu.max, cpu.weight, pids.max; cgroup.freeze to pause it.
 *
 * In v2 a controller works in a cgroup only if its PARENT lists it in `cgroup.subtree_control`,
 * all the way down from the root. And the "no internal processes" rule: a cgroup that holds
 * processes cannot enable controllers for its children (the write fails with EBUSY) — except
 * the root. On a systemd host the shell running mini-run sits in e.g.
 * /user.slice/user-0.slice/session-1.scope, so creating container cgroups BESIDE or UNDER our
 * own cgroup would trip it. That is why container cgroups go under a dedicated parent,
 * /sys/fs/cgroup/mini-run, which never holds a process of its own: it can always delegate.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../../errors';
import { traceNote } from '../../sys/trace';
import {
  errnoOf, isKernelCgroupfs, killPids, makeCgroupDir, readCgroupFile, readKeyed, readNumber,
  pollUntil, readProcs, removeParentIfUnused, removeWithRetry, sleepMs, sumKeyedFields, writeCgroupFile,
} from './cgroupfs';
import { CGROUP_PREFIX, parentName } from './detect';
import { type CgroupLocation } from './location';
import { checkMemory, cpuMaxValue, kernelMemoryWarning, maxOrNumber, pidsValue, refuseUnsupported, sharesToWeight, swapMaxValue } from './limits';
import { Cgroup, CgroupStats, LinuxResources } from './types';
import { attachDeviceRules } from './devices';
import { inNonInitialUserNamespace } from './none';
import { wantsBlockIO, writeV2BlockIO } from './block-io';
import { CgroupWriter, WriteLog, writeDirectly } from './write-log';

/** Controllers mini-run enables for containers, in this order (when the kernel has them). */
export const V2_CONTROLLERS = ['memory', 'pids', 'cpu', 'io'] as const;

function words(s: string | null): Set<string> {
  return new Set((s ?? '').split(/\s+/).filter(Boolean));
}

export class CgroupV2 implements Cgroup {
  readonly version = 2 as const;
  readonly paths: string[];
  readonly warnings: string[] = [];
  private readonly parent: string;
  private readonly dir: string;
  private readonly fake: boolean;
  /** Controllers enabled for the container's cgroup (filled by create()). */
  private enabled = new Set<string>();

  constructor(
    readonly containerId: string,
    private readonly mountpoint: string,
    private readonly warn: (m: string) => void,
    private readonly location: CgroupLocation,
  ) {
    this.parent = join(mountpoint, ...location.parentParts);
    this.dir = join(this.parent, location.leaf);
    this.paths = [this.dir];
    this.fake = !isKernelCgroupfs(mountpoint);
  }

  create(resources: LinuxResources): void {
    checkMemory(resources.memory);
    refuseUnsupported(resources);
    // A concurrent `destroy` of the last other container may rmdir the parent between our
    // mkdir of it and of the container: then mkdir says ENOENT and we start over.
    for (let attempt = 0; ; attempt++) {
      try {
        this.enabled = this.prepareParent();
        if (!makeCgroupDir(this.dir) && readProcs(join(this.dir, 'cgroup.procs')).length > 0) {
          throw new UserError(`cgroup ${this.dir} already exists and has processes: is container ${this.containerId} running?`);
        }
        break;
      } catch (err) {
        if (errnoOf(err) === 'ENOENT' && attempt < 5) { sleepMs(10); continue; }
        throw err;
      }
    }
    try {
      this.writeLimits(resources, writeDirectly);
      // v2 has no devices.* files: the rules become a BPF program attached to the cgroup
      // (a fake cgroupfs directory cannot take one). Rootless (a delegated group, from inside a
      // user namespace) the kernel refuses to load one — that needs CAP_SYS_ADMIN in the initial
      // user namespace — and needs none: mknod is refused there and a bound host device node
      // opens only as its file mode lets the user. runc's rootless mode skips it the same way.
      if (resources.devices?.length && !this.fake && !inNonInitialUserNamespace()) attachDeviceRules(this.dir, resources.devices);
    } catch (err) {
      this.destroy(); // no half-configured cgroup left behind
      throw err;
    }
  }

  update(resources: LinuxResources): void {
    checkMemory(resources.memory);
    refuseUnsupported(resources);
    if (!existsSync(this.dir)) throw new UserError(`cgroup of container ${this.containerId} does not exist (is it running?)`);
    // The controllers this group has: the ones its parent hands down.
    this.enabled = words(readCgroupFile(join(this.dir, 'cgroup.controllers')));
    if (this.fake) this.enabled = new Set(V2_CONTROLLERS);
    // v2 never refuses a lower memory.max: the kernel reclaims, then OOM-kills until the group
    // fits. Refuse instead when the new limit is below what reclaim cannot drop (all but the
    // page cache), so an update never kills the container's programs.
    const limit = resources.memory?.limit;
    if (limit !== undefined && limit >= 0 && !this.fake) {
      const current = readNumber(join(this.dir, 'memory.current'));
      const pinned = current === null ? 0 : current - (readKeyed(join(this.dir, 'memory.stat')).get('file') ?? 0);
      if (limit < pinned) throw new UserError(`memory limit ${limit} is below what the container uses now (${pinned} bytes besides page cache)`);
    }
    const log = new WriteLog();
    try {
      this.writeLimits(resources, log.write);
    } catch (err) {
      log.undo();
      throw err;
    }
  }

  /**
   * Make /sys/fs/cgroup/mini-run (or the spec's parents, level by level) and enable
   * controllers on the way down:
   *   root/cgroup.subtree_control      ← +memory +pids +cpu …   (only the missing ones)
   *   mini-run/cgroup.subtree_control  ← +memory +pids +cpu …
   * A controller reaches a cgroup only if every ancestor enabled it for its children.
   * Returns the controllers that the container cgroup will have.
   */
  private prepareParent(): Set<string> {
    const available = words(readCgroupFile(join(this.mountpoint, 'cgroup.controllers')));
    let dir = this.mountpoint;
    let enabled = this.enableControllers(dir, V2_CONTROLLERS.filter((c) => available.has(c)));
    for (const part of this.location.parentParts) {
      dir = join(dir, part);
      makeCgroupDir(dir);
      enabled = this.enableControllers(dir, V2_CONTROLLERS.filter((c) => enabled.has(c)));
    }
    return enabled;
  }

  /** Enable `wanted` in dir/cgroup.subtree_control (one write for all the missing ones). */
  private enableControllers(dir: string, wanted: readonly string[]): Set<string> {
    const file = join(dir, 'cgroup.subtree_control');
    const have = words(readCgroupFile(file));
    const missing = wanted.filter((c) => !have.has(c));
    if (missing.length === 0) return new Set(wanted);
    try {
      writeCgroupFile(file, missing.map((c) => `+${c}`).join(' '));
      return new Set(wanted);
    } catch (err) {
      if (errnoOf(err) === 'ENOENT') throw err;
      if ((err as { code?: string }).code === 'EBUSY') {
        // The no-internal-processes rule: only possible if something put a process in `dir`.
        throw new UserError(
          `cannot enable cgroup controllers in ${dir}: it holds processes (cgroup v2 "no internal processes" rule); ` +
            `move them out of ${dir} (mini-run never puts processes there)`,
        );
      }
      // One controller may be refused (e.g. cpu while a realtime task exists): enable the
      // others one by one and report the refused ones as unavailable.
      const ok = new Set(wanted.filter((c) => have.has(c)));
      for (const c of missing) {
        try { writeCgroupFile(file, `+${c}`); ok.add(c); } catch (e) { traceNote(`controller ${c} refused in ${dir}: ${(e as Error).message}`); }
      }
      return ok;
    }
  }

  private need(controller: string): void {
    if (!this.enabled.has(controller)) {
      throw new UserError(`cgroup controller ${controller} is not available on this host`);
    }
  }

  private writeLimits(r: LinuxResources, write: CgroupWriter): void {
    const f = (name: string) => join(this.dir, name);
    const mem = r.memory;
    // Check every controller first: nothing is written for a request that cannot be met.
    if (mem && (mem.limit !== undefined || mem.swap !== undefined)) this.need('memory');
    if (r.cpu && (r.cpu.quota !== undefined || r.cpu.period !== undefined || r.cpu.shares)) this.need('cpu');
    if (r.pids?.limit !== undefined) this.need('pids');
    if (wantsBlockIO(r.blockIO)) this.need('io');
    if (mem?.reservation !== undefined) this.need('memory');
    // v2 has no per-group swappiness and no switch for the OOM killer (memory.oom.group is
    // another thing), and this driver does not enable the cpuset controller: refuse, as the
    // spec must be honoured or refused.
    if (mem?.swappiness !== undefined) throw new UserError('linux.resources.memory.swappiness: cgroup v2 has no per-group swappiness (this host is v2)');
    if (mem?.disableOOMKiller) throw new UserError('linux.resources.memory.disableOOMKiller: cgroup v2 cannot turn the OOM killer off for a group (this host is v2)');
    if (r.cpu?.cpus || r.cpu?.mems) throw new UserError('linux.resources.cpu.cpus/mems: mini-run\'s cgroup v2 driver does not set cpuset yet');
    const kmemWarning = kernelMemoryWarning(mem);
    if (kmemWarning) this.warning(kmemWarning);
    if (mem?.reservation !== undefined) write(f('memory.low'), String(mem.reservation < 0 ? 0 : Math.floor(mem.reservation)));
    if (mem && (mem.limit !== undefined || mem.swap !== undefined)) {
      if (mem.limit !== undefined) write(f('memory.max'), maxOrNumber(mem.limit));
      if (mem.swap !== undefined) {
        const value = swapMaxValue(mem.limit, mem.swap);
        // memory.swap.max exists only with swap accounting (CONFIG_MEMCG_SWAP, on by default).
        // The parent shows it too, which also lets a fake tree say "supported".
        if (existsSync(join(this.parent, 'memory.swap.max')) || existsSync(f('memory.swap.max'))) {
          write(f('memory.swap.max'), value);
        } else {
          this.warning('Your kernel does not support swap limit capabilities (no memory.swap.max). Memory limited without swap.');
        }
      }
    }
    const cpu = r.cpu;
    if (cpu && (cpu.quota !== undefined || cpu.period !== undefined || cpu.shares)) {
      if (cpu.shares) write(f('cpu.weight'), String(sharesToWeight(cpu.shares)));
      if (cpu.quota !== undefined || cpu.period !== undefined) write(f('cpu.max'), cpuMaxValue(cpu.quota, cpu.period));
    }
    if (r.pids?.limit !== undefined) write(f('pids.max'), pidsValue(r.pids.limit));
    if (wantsBlockIO(r.blockIO)) writeV2BlockIO(this.dir, this.parent, r.blockIO!, write);
  }

  private warning(m: string): void {
    this.warnings.push(m);
    traceNote(`warning: ${m}`);
    this.warn(m);
  }

  addProcess(pid: number): void {
    writeCgroupFile(join(this.dir, 'cgroup.procs'), String(pid));
  }

  procsFiles(): string[] {
    return [join(this.dir, 'cgroup.procs')];
  }

  pids(): number[] {
    return readProcs(join(this.dir, 'cgroup.procs'));
  }

  /** memory.events counts `oom_kill`: processes of this cgroup the OOM killer killed. */
  oomKilled(): boolean {
    return (readKeyed(join(this.dir, 'memory.events')).get('oom_kill') ?? 0) > 0;
  }

  stats(): CgroupStats {
    const f = (name: string) => join(this.dir, name);
    // io.stat has one line per device the group touched: `8:0 rbytes=4096 wbytes=0 rios=1 …`.
    const io = readCgroupFile(f('io.stat'));
    const bytes = sumKeyedFields(io, ['rbytes', 'wbytes']);
    const max = readCgroupFile(f('memory.max'));
    return {
      // cpu.stat exists in every v2 cgroup (even without the cpu controller): usage_usec is
      // the CPU time all its tasks consumed, cumulative.
      cpuUsageUsec: readKeyed(f('cpu.stat')).get('usage_usec') ?? null,
      memoryUsageBytes: readNumber(f('memory.current')),
      memoryInactiveFileBytes: readKeyed(f('memory.stat')).get('inactive_file') ?? null,
      memoryLimitBytes: max === null || max.trim() === 'max' ? null : Number(max.trim()),
      blockReadBytes: io === null ? null : bytes.rbytes,
      blockWriteBytes: io === null ? null : bytes.wbytes,
      pidsCurrent: readNumber(f('pids.current')),
    };
  }

  /*
   * The freezer (`pause`): SIGSTOP would be visible to the program (its parent gets SIGCHLD,
   * a shell reports "Stopped", the program can be SIGCONT-ed by anyone) and it cannot catch
   * every process at once while they fork. The cgroup freezer stops every task of the group
   * in the kernel, invisibly and atomically with respect to fork: new children of a freezing
   * group are frozen too. v2 (Linux ≥ 5.2): write 1 to cgroup.freeze; the kernel then parks
   * each task at its next return to user space and, once all are parked, flips `frozen 1` in
   * cgroup.events. A task asleep in the kernel is frozen when it wakes; fatal signals
   * (SIGKILL, cgroup.kill) still work on a frozen group.
   */
  freeze(opts: { timeoutMs?: number } = {}): void {
    this.setFrozen(true, opts.timeoutMs ?? 5000);
  }

  thaw(opts: { timeoutMs?: number } = {}): void {
    this.setFrozen(false, opts.timeoutMs ?? 5000);
  }

  /** cgroup.events: `populated 1` / `frozen 1` — the kernel's own word that every task is parked. */
  frozen(): boolean {
    return readKeyed(join(this.dir, 'cgroup.events')).get('frozen') === 1;
  }

  private setFrozen(want: boolean, timeoutMs: number): void {
    const file = join(this.dir, 'cgroup.freeze');
    if (!this.fake && existsSync(this.dir) && !existsSync(file)) {
      throw new UserError('this kernel has no cgroup v2 freezer (cgroup.freeze needs Linux 5.2 or newer)');
    }
    writeCgroupFile(file, want ? '1' : '0');
    const t0 = Date.now();
    if (pollUntil(() => this.frozen() === want, timeoutMs)) {
      traceNote(`${want ? 'frozen' : 'thawed'} after ${Date.now() - t0} ms (cgroup.events: frozen ${want ? 1 : 0})`);
      return;
    }
    if (want) {
      try { writeCgroupFile(file, '0'); } catch { /* the cgroup may be gone */ }
      throw new UserError(
        `cannot freeze cgroup ${this.dir}: cgroup.events did not say "frozen 1" within ${timeoutMs} ms ` +
          '(a process may be stuck in the kernel, e.g. on a hung mount); it was thawed again',
      );
    }
    throw new UserError(`cannot thaw cgroup ${this.dir}: cgroup.events still says "frozen 1" after ${timeoutMs} ms`);
  }

  /**
   * Kill whatever is left: cgroup.kill (Linux ≥ 5.14) kills every process in the cgroup at
   * once, including ones forking right now; older kernels get a SIGKILL per listed pid
   * (repeated by removeWithRetry until nothing is left).
   */
  private killAll(): void {
    const killFile = join(this.dir, 'cgroup.kill');
    if (!this.fake && existsSync(killFile)) {
      try { writeCgroupFile(killFile, '1'); return; } catch { /* fall back to kill(2) */ }
    }
    killPids(this.pids());
  }

  destroy(): void {
    if (this.pids().length > 0) this.killAll();
    removeWithRetry(this.dir, this.fake, () => this.pids(), () => this.killAll());
    // mini-run's parent goes when the last container goes; another container may still use it
    // (EBUSY/ENOTEMPTY) or a concurrent destroy may have removed it already (ENOENT): both fine.
    // A client's parent (location.ts) is the client's.
    if (!this.location.custom) removeParentIfUnused(this.parent, this.fake, () => this.listSiblings().length > 0);
  }

  private listSiblings(): string[] {
    return listV2(this.mountpoint);
  }
}

/** Ids of the container cgroups under mini-run/ (for cleaning up after a crash). */
export function listV2(mountpoint: string): string[] {
  try {
    return readdirSync(join(mountpoint, parentName()), { withFileTypes: true })
      .filter((e) => e.isDirectory() && e.name.startsWith(CGROUP_PREFIX))
      .map((e) => e.name.slice(CGROUP_PREFIX.length));
  } catch {
    return [];
  }
}
