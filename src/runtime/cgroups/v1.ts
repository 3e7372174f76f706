/**
 * cgroup v1 driver (legacy hierarchies, and "hybrid" hosts like these build machines): each
 * controller is its own mounted tree, so a container has one directory PER controller:
 *   /sys/fs/cgroup/memory/mini-run/mr-<id>    memory.limit_in_bytes, memory.memsw.limit_in_bytes
 *   /sys/fs/cgroup/cpu/mini-run/mr-<id>       cpu.cfs_quota_us, cpu.cfs_period_us, cpu.shares
 *   /sys/fs/cgroup/pids/mini-run/mr-<id>      pids.max
 *   … and cpuacct (CPU accounting), freezer (pause), blkio, devices, cpuset, joined without limits.
 * A process must be written into the cgroup.procs of every one of them.
 *
 * v1 has no "no internal processes" rule, but we keep the same mini-run/ parent as on v2 so
 * the layout (and the cleanup) reads the same on both.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../../errors';
import { traceNote } from '../../sys/trace';
import {
  errnoOf, isKernelCgroupfs, killPids, makeCgroupDir, readCgroupFile, readKeyed, readNumber,
  pollUntil, readProcs, removeParentIfUnused, removeWithRetry, sleepMs, writeCgroupFile,
} from './cgroupfs';
import { CGROUP_PREFIX, parentName } from './detect';
import { type CgroupLocation } from './location';
import { checkMemory, kernelMemoryWarning, pidsValue, refuseUnsupported, wantsMemoryTuning } from './limits';
import { v1DeviceWrites } from './devices';
import { Cgroup, CgroupStats, LinuxResources } from './types';
import { v1WeightFile, wantsBlockIO, writeV1BlockIO } from './block-io';
import { CgroupWriter, WriteLog, writeDirectly } from './write-log';
import { V1_CONTROLLERS, v1Hierarchies, type V1Controller, type V1Hierarchy } from './membership';

export { V1_CONTROLLERS, type V1Controller };
type Hierarchy = V1Hierarchy;

export class CgroupV1 implements Cgroup {
  readonly version = 1 as const;
  readonly paths: string[];
  readonly warnings: string[] = [];
  private readonly hierarchies: Hierarchy[];
  private readonly byController: Map<V1Controller, Hierarchy>;
  private readonly fake: boolean;

  constructor(
    readonly containerId: string,
    private readonly mountpoint: string,
    private readonly warn: (m: string) => void,
    private readonly location: CgroupLocation,
  ) {
    this.fake = !isKernelCgroupfs(join(mountpoint, 'memory')) && !isKernelCgroupfs(join(mountpoint, 'cpu'));
    const layout = v1Hierarchies(mountpoint, location);
    this.byController = layout.byController;
    this.hierarchies = layout.hierarchies;
    this.paths = this.hierarchies.map((h) => h.dir);
  }

  private path(c: V1Controller, file: string): string | null {
    const h = this.byController.get(c);
    return h ? join(h.dir, file) : null;
  }

  private need(c: V1Controller): Hierarchy {
    const h = this.byController.get(c);
    if (!h) throw new UserError(`cgroup controller ${c} is not available on this host`);
    return h;
  }

  create(resources: LinuxResources): void {
    checkMemory(resources.memory);
    refuseUnsupported(resources);
    // Check every limit's controller before creating anything.
    if (resources.memory?.limit !== undefined || resources.memory?.swap !== undefined || wantsMemoryTuning(resources.memory)) this.need('memory');
    const cpu = resources.cpu;
    if (cpu && (cpu.quota !== undefined || cpu.period !== undefined || cpu.shares)) this.need('cpu');
    if (cpu?.cpus || cpu?.mems) this.need('cpuset');
    if (resources.pids?.limit !== undefined) this.need('pids');
    if (resources.devices?.length) this.need('devices');
    this.checkBlockIO(resources);
    try {
      for (const h of this.hierarchies) this.makeDirs(h);
      this.writeLimits(resources, writeDirectly);
    } catch (err) {
      this.destroy();
      throw err;
    }
  }

  update(resources: LinuxResources): void {
    checkMemory(resources.memory);
    refuseUnsupported(resources);
    this.checkBlockIO(resources);
    if (!this.hierarchies.some((h) => existsSync(h.dir))) throw new UserError(`cgroup of container ${this.containerId} does not exist (is it running?)`);
    const log = new WriteLog();
    try {
      this.writeLimits(resources, log.write);
    } catch (err) {
      log.undo();
      // The kernel tried to reclaim down to the new limit and could not (no swap, or memsw).
      if (errnoOf(err) === 'EBUSY' && /memory\.(memsw\.)?limit_in_bytes/.test((err as Error).message)) {
        throw new UserError(`memory limit ${resources.memory?.limit} is below what the container uses now (the kernel could not reclaim enough: EBUSY)`);
      }
      throw err;
    }
  }

  /** Block I/O needs the blkio hierarchy, and a weight needs a kernel that has one (CFQ or BFQ). */
  private checkBlockIO(r: LinuxResources): void {
    if (!wantsBlockIO(r.blockIO)) return;
    const h = this.need('blkio');
    if (r.blockIO!.weight !== undefined && !v1WeightFile(h.dir, h.root)) {
      throw new UserError('this kernel has no block I/O weight (no blkio.weight or blkio.bfq.weight: needs the BFQ I/O scheduler)');
    }
  }

  /**
   * mkdir <root>/mini-run and <root>/mini-run/mr-<id> (or the spec's path, level by level),
   * retrying if a concurrent destroy removes the parent.
   */
  private makeDirs(h: Hierarchy): void {
    for (let attempt = 0; ; attempt++) {
      try {
        let dir = h.root;
        for (const part of this.location.parentParts) {
          const up = dir;
          dir = join(dir, part);
          makeCgroupDir(dir);
          if (h.controllers.includes('cpuset')) this.copyCpuset(up, dir);
        }
        if (!makeCgroupDir(h.dir) && readProcs(join(h.dir, 'cgroup.procs')).length > 0) {
          throw new UserError(`cgroup ${h.dir} already exists and has processes: is container ${this.containerId} running?`);
        }
        if (h.controllers.includes('cpuset')) this.copyCpuset(h.parent, h.dir);
        return;
      } catch (err) {
        if (errnoOf(err) === 'ENOENT' && attempt < 5) { sleepMs(10); continue; }
        throw err;
      }
    }
  }

  /**
   * A new v1 cpuset cgroup starts with EMPTY cpuset.cpus and cpuset.mems, and the kernel
   * refuses to add a task to it (ENOSPC) until both are set: "which CPUs / memory nodes may
   * these tasks use?" has no default in v1. Copy the parent's values down.
   * (v2's cpuset inherits the parent's effective sets, so v2 needs nothing like this.)
   */
  private copyCpuset(from: string, to: string): void {
    for (const file of ['cpuset.cpus', 'cpuset.mems']) {
      const mine = (readCgroupFile(join(to, file)) ?? '').trim();
      if (mine !== '') continue;
      const value = (readCgroupFile(join(from, file)) ?? '').trim();
      if (value !== '') writeCgroupFile(join(to, file), value);
    }
  }

  private writeLimits(r: LinuxResources, write: CgroupWriter): void {
    const mem = r.memory;
    const bytes = (n: number) => String(n < 0 ? -1 : Math.floor(n));
    // memory.memsw.* exist only when the kernel accounts swap (CONFIG_MEMCG_SWAP and, on
    // many distros, the boot option swapaccount=1). Without them we cannot limit swap: warn
    // like docker and go on with memory limited alone. The hierarchy root shows the file too,
    // which lets a fake tree say "supported".
    const memsw = this.path('memory', 'memory.memsw.limit_in_bytes');
    const memswKnown = memsw !== null && (existsSync(join(this.byController.get('memory')!.root, 'memory.memsw.limit_in_bytes')) || existsSync(memsw));
    if (mem?.swap !== undefined && !memswKnown) {
      this.warning('Your kernel does not support swap limit capabilities or the cgroup is not mounted. Memory limited without swap.');
    }
    const writeSwap = () => { if (mem?.swap !== undefined && memswKnown) write(memsw!, bytes(mem.swap)); };
    // The kernel requires memory ≤ memory+swap at every moment: raising memory+swap goes
    // first, lowering it goes last (a new cgroup's memsw is unlimited: the limit goes first).
    const memswNow = memswKnown ? readNumber(memsw!) : null;
    const raisesSwap = mem?.swap !== undefined && memswNow !== null && (mem.swap < 0 || mem.swap > memswNow);
    if (raisesSwap) writeSwap();
    if (mem?.limit !== undefined) write(this.path('memory', 'memory.limit_in_bytes')!, bytes(mem.limit));
    if (!raisesSwap) writeSwap();
    if (mem?.reservation !== undefined) write(this.path('memory', 'memory.soft_limit_in_bytes')!, bytes(mem.reservation));
    if (mem?.swappiness !== undefined) write(this.path('memory', 'memory.swappiness')!, String(mem.swappiness));
    // memory.oom_control takes only the switch: 1 = no OOM killer for this group.
    if (mem?.disableOOMKiller !== undefined) write(this.path('memory', 'memory.oom_control')!, mem.disableOOMKiller ? '1' : '0');
    const kmemWarning = kernelMemoryWarning(mem);
    if (kmemWarning) this.warning(kmemWarning);
    const cpu = r.cpu;
    if (cpu) {
      if (cpu.shares) write(this.path('cpu', 'cpu.shares')!, String(Math.floor(cpu.shares)));
      // Period before quota: the kernel checks quota/period against the parent's as each is written.
      if (cpu.period !== undefined && cpu.period > 0) write(this.path('cpu', 'cpu.cfs_period_us')!, String(Math.floor(cpu.period)));
      if (cpu.quota !== undefined) write(this.path('cpu', 'cpu.cfs_quota_us')!, String(cpu.quota < 0 ? -1 : Math.floor(cpu.quota)));
      // (the copies of the parent's sets made at mkdir are replaced; a set outside the
      // parent's is refused by the kernel: EINVAL names the file)
      if (cpu.cpus) write(this.path('cpuset', 'cpuset.cpus')!, cpu.cpus);
      if (cpu.mems) write(this.path('cpuset', 'cpuset.mems')!, cpu.mems);
    }
    if (r.pids?.limit !== undefined) write(this.path('pids', 'pids.max')!, pidsValue(r.pids.limit));
    if (wantsBlockIO(r.blockIO)) {
      const h = this.byController.get('blkio')!;
      writeV1BlockIO(h.dir, v1WeightFile(h.dir, h.root), r.blockIO!, write);
    }
    // The device rules (devices.ts): "a *:* rwm" to devices.deny empties the list, then the allows.
    if (r.devices?.length) {
      for (const w of v1DeviceWrites(r.devices)) write(this.path('devices', w.file)!, w.line);
    }
  }

  private warning(m: string): void {
    this.warnings.push(m);
    traceNote(`warning: ${m}`);
    this.warn(m);
  }

  addProcess(pid: number): void {
    for (const f of this.procsFiles()) writeCgroupFile(f, String(pid));
  }

  procsFiles(): string[] {
    return this.hierarchies.map((h) => join(h.dir, 'cgroup.procs'));
  }

  pids(): number[] {
    const all = new Set<number>();
    for (const f of this.procsFiles()) for (const p of readProcs(f)) all.add(p);
    return [...all].sort((a, b) => a - b);
  }

  /**
   * memory.oom_control has an `oom_kill N` counter since Linux 4.13. Older kernels only have
   * memory.failcnt, which counts hits of the limit (reclaim, not necessarily a kill): an
   * approximation, used only when oom_kill is missing.
   */
  oomKilled(): boolean {
    const ctl = this.path('memory', 'memory.oom_control');
    if (!ctl) return false;
    const m = readKeyed(ctl);
    if (m.has('oom_kill')) return m.get('oom_kill')! > 0;
    return (readNumber(this.path('memory', 'memory.failcnt')!) ?? 0) > 0;
  }

  stats(): CgroupStats {
    const read = (c: V1Controller, file: string) => {
      const p = this.path(c, file);
      return p ? readNumber(p) : null;
    };
    const ns = read('cpuacct', 'cpuacct.usage');
    const memStat = this.path('memory', 'memory.stat');
    // memory.stat has the group's own counters and `total_*` ones that include its children
    // (hierarchical); docker uses total_inactive_file.
    const stat = memStat ? readKeyed(memStat) : new Map<string, number>();
    const limit = read('memory', 'memory.limit_in_bytes');
    const io = this.blockIo();
    return {
      cpuUsageUsec: ns === null ? null : Math.round(ns / 1000),
      memoryUsageBytes: read('memory', 'memory.usage_in_bytes'),
      memoryInactiveFileBytes: stat.get('total_inactive_file') ?? stat.get('inactive_file') ?? null,
      // "Unlimited" reads as PAGE_COUNTER_MAX pages in bytes (9223372036854771712 on x86_64).
      memoryLimitBytes: limit === null || limit >= V1_UNLIMITED ? null : limit,
      blockReadBytes: io?.read ?? null,
      blockWriteBytes: io?.write ?? null,
      pidsCurrent: read('pids', 'pids.current'),
    };
  }

  /**
   * blkio's byte counters: `MAJ:MIN Read N` / `Write N` / `Sync` / `Async` / `Discard` / `Total`
   * per device, then `Total N`. The blk-throttle files count every bio of the group on current
   * kernels, whatever the I/O scheduler (the CFQ/BFQ ones only count devices using that
   * scheduler); `_recursive` includes child cgroups, as runc reads it.
   */
  private blockIo(): { read: number; write: number } | null {
    for (const name of ['blkio.throttle.io_service_bytes_recursive', 'blkio.throttle.io_service_bytes']) {
      const p = this.path('blkio', name);
      const text = p ? readCgroupFile(p) : null;
      if (text !== null) return parseBlkioServiceBytes(text);
    }
    return null;
  }

  /*
   * The freezer (`pause`): stops every task of the group in the kernel — invisible to the
   * program, unlike SIGSTOP (which its parent sees and anyone can undo with SIGCONT), and
   * race-free against fork: children of a freezing group start frozen. v1: write FROZEN to
   * freezer.state; the state reads FREEZING until every task has reached the freezer (a task
   * asleep in the kernel gets there when it wakes), then FROZEN. Reading the file is what makes
   * the kernel re-check, so we poll it, and write FROZEN again now and then to catch a task
   * that forked at the wrong moment (runc does the same).
   */
  freeze(opts: { timeoutMs?: number } = {}): void {
    const state = this.freezerState();
    const timeoutMs = opts.timeoutMs ?? 5000;
    writeCgroupFile(state, 'FROZEN');
    const t0 = Date.now();
    let nudges = 0;
    const ok = pollUntil(() => readState(state) === 'FROZEN', timeoutMs, (elapsed) => {
      if (elapsed >= (nudges + 1) * 100) { nudges++; writeCgroupFile(state, 'FROZEN'); }
    });
    if (ok) {
      traceNote(`frozen after ${Date.now() - t0} ms (freezer.state: FROZEN)`);
      return;
    }
    const last = readState(state);
    try { writeCgroupFile(state, 'THAWED'); } catch { /* the cgroup may be gone */ }
    throw new UserError(
      `cannot freeze cgroup ${this.need('freezer').dir}: freezer.state still says ${last} after ${timeoutMs} ms ` +
        '(a process may be stuck in the kernel, e.g. on a hung mount); it was thawed again',
    );
  }

  thaw(opts: { timeoutMs?: number } = {}): void {
    const state = this.freezerState();
    const timeoutMs = opts.timeoutMs ?? 5000;
    writeCgroupFile(state, 'THAWED');
    if (!pollUntil(() => readState(state) === 'THAWED', timeoutMs)) {
      throw new UserError(`cannot thaw cgroup ${this.need('freezer').dir}: freezer.state says ${readState(state)} after ${timeoutMs} ms`);
    }
  }

  frozen(): boolean {
    const p = this.path('freezer', 'freezer.state');
    return p !== null && readState(p) === 'FROZEN';
  }

  private freezerState(): string {
    return join(this.need('freezer').dir, 'freezer.state');
  }

  /**
   * v1 has no cgroup.kill. Freeze the group first (if the freezer is mounted) so nothing can
   * fork between reading cgroup.procs and the kills, SIGKILL every pid, then thaw so the
   * frozen tasks can run their way to death.
   */
  private killAll(): void {
    const state = this.path('freezer', 'freezer.state');
    const canFreeze = !this.fake && state !== null && existsSync(state);
    if (canFreeze) {
      try { writeCgroupFile(state, 'FROZEN'); } catch (e) { traceNote(`freeze failed: ${(e as Error).message}`); }
      // FREEZING → FROZEN takes a moment while tasks reach the freezer.
      for (let i = 0; i < 50 && (readCgroupFile(state) ?? '').trim() === 'FREEZING'; i++) sleepMs(5);
    }
    killPids(this.pids());
    if (canFreeze) {
      try { writeCgroupFile(state, 'THAWED'); } catch { /* gone */ }
    }
  }

  destroy(): void {
    if (this.pids().length > 0) this.killAll();
    for (const h of this.hierarchies) {
      removeWithRetry(h.dir, this.fake, () => this.pids(), () => this.killAll());
    }
    if (this.location.custom) return; // a client's parent (location.ts) is the client's
    for (const h of this.hierarchies) {
      removeParentIfUnused(h.parent, this.fake, () => listIn(h.parent).length > 0);
    }
  }
}

/** memory.limit_in_bytes at or above this means "no limit" (the kernel shows ~2^63 rounded to pages). */
export const V1_UNLIMITED = 2 ** 62;

function readState(path: string): string {
  return (readCgroupFile(path) ?? '').trim();
}

/** Sum the Read and Write lines of a blkio *io_service_bytes* file over every device. */
export function parseBlkioServiceBytes(text: string): { read: number; write: number } {
  let read = 0;
  let write = 0;
  for (const line of text.split('\n')) {
    const [dev, op, value] = line.trim().split(/\s+/);
    if (!dev || !/^\d+:\d+$/.test(dev) || value === undefined) continue; // skips the final "Total N"
    const n = Number(value);
    if (!Number.isFinite(n)) continue;
    if (op === 'Read') read += n;
    else if (op === 'Write') write += n;
  }
  return { read, write };
}

function listIn(parent: string): string[] {
  try {
    return readdirSync(parent, { withFileTypes: true })
      .filter((e) => e.isDirectory() && e.name.startsWith(CGROUP_PREFIX))
      .map((e) => e.name.slice(CGROUP_PREFIX.length));
  } catch {
    return [];
  }
}

/** Ids of container cgroups in any v1 hierarchy (union). */
export function listV1(mountpoint: string): string[] {
  const ids = new Set<string>();
  for (const c of V1_CONTROLLERS) for (const id of listIn(join(mountpoint, c, parentName()))) ids.add(id);
  return [...ids].sort();
}
