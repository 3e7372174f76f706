/**
 * `mini-run stats`: what each container uses right now — CPU, memory, network, block I/O,
 * processes — computed the way `docker stats` computes it, from the container's cgroup and
 * its network namespace.
 *
 *   CPU %      the cgroup's CPU time is a cumulative counter, so a percentage needs TWO
 *              samples: (Δ container CPU time / Δ host CPU time) × online CPUs × 100. The host
 *              CPU time is the sum of the `cpu` line of /proc/stat (all CPUs together), so
 *              one busy thread on a 2-CPU host shows 100%, and 200% is the most a 2-CPU host
 *              can show (docker's convention: 100% = one whole CPU).
 *   MEM USAGE  the cgroup's memory counter includes page cache: file data the container read
 *              or wrote, which the kernel keeps around while memory is plentiful and drops at
 *              once when it is needed. docker subtracts the *inactive* part of that cache
 *              (`inactive_file`: pages not touched recently, the first to go) so that the
 *              number is close to what the container really needs: reading a 1 GB file once
 *              does not make a container look like it uses 1 GB.
 *   LIMIT      the cgroup's memory limit; with no limit, the host's memory (the real bound).
 *   NET I/O    bytes received / sent on the interfaces of the container's network namespace
 *              (/proc/<pid>/net/dev of its PID 1), loopback excluded.
 *   BLOCK I/O  bytes read / written on block devices, from the cgroup (v2 io.stat, v1 blkio).
 *   PIDS       tasks in the cgroup (pids.current; threads count too).
 */
import { readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import * as runtime from '../runtime';
import type { CgroupStats } from '../runtime';
import { isRunning, runtimeRef, type ContainerRecord } from './container-store';

/** The kernel reports /proc/stat times in USER_HZ ticks, which is 100 per second on Linux. */
const USER_HZ = 100;

/** One reading of one container: cumulative counters, meaningless alone for CPU. */
export interface StatsSample {
  id: string;
  name: string;
  /** false: the container is not running (docker shows zeros). */
  running: boolean;
  /** The cgroup could not be read although the container runs (docker shows "--"). */
  invalid: boolean;
  /** Container CPU time, µs, cumulative. */
  cpuUsec: number;
  /** Host CPU time (all CPUs), µs, cumulative, taken together with cpuUsec. */
  systemUsec: number;
  onlineCpus: number;
  /** Memory in use without the inactive page cache, bytes. */
  memUsage: number;
  /** Memory limit, bytes (the host's memory when unlimited); 0 when not running. */
  memLimit: number;
  netRx: number;
  netTx: number;
  blockRead: number;
  blockWrite: number;
  pids: number;
}

/** What a stats line shows, as numbers (the CLI formats them). */
export interface StatsEntry extends StatsSample {
  cpuPercent: number;
  memPercent: number;
}

/** Sum of user nice system idle iowait irq softirq on the `cpu` line of /proc/stat, in µs (as docker). */
export function parseProcStatCpu(text: string): number {
  const line = text.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) throw new Error('/proc/stat has no "cpu" line');
  const ticks = line.trim().split(/\s+/).slice(1, 8).reduce((sum, f) => sum + Number(f), 0);
  return (ticks * 1_000_000) / USER_HZ;
}

export function systemCpuUsec(): number {
  return parseProcStatCpu(readFileSync('/proc/stat', 'utf8'));
}

/** Received / transmitted bytes over every interface of a /proc/PID/net/dev but `lo`. */
export function parseNetDev(text: string): { rx: number; tx: number } {
  let rx = 0;
  let tx = 0;
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue; // the two header lines have no "name:"
    const name = line.slice(0, colon).trim();
    if (name === 'lo' || name.includes('|')) continue;
    const f = line.slice(colon + 1).trim().split(/\s+/).map(Number);
    // Receive: bytes packets errs drop fifo frame compressed multicast | Transmit: bytes …
    if (f.length >= 9) {
      rx += f[0];
      tx += f[8];
    }
  }
  return { rx, tx };
}

/** docker's memory usage: usage minus inactive page cache (when the counter is there and smaller). */
export function memoryWithoutCache(s: Pick<CgroupStats, 'memoryUsageBytes' | 'memoryInactiveFileBytes'>): number {
  const usage = s.memoryUsageBytes ?? 0;
  const inactive = s.memoryInactiveFileBytes;
  return inactive !== null && inactive < usage ? usage - inactive : usage;
}

/** docker's limit: the cgroup's, or the host's memory when unlimited (or above it). */
export function effectiveMemoryLimit(limit: number | null, hostMemory = totalmem()): number {
  return limit === null || limit > hostMemory ? hostMemory : limit;
}

/** docker's calculateCPUPercentUnix: 0 until both counters moved forward. */
export function cpuPercent(prev: { cpuUsec: number; systemUsec: number }, cur: { cpuUsec: number; systemUsec: number }, onlineCpus: number): number {
  const cpuDelta = cur.cpuUsec - prev.cpuUsec;
  const systemDelta = cur.systemUsec - prev.systemUsec;
  if (cpuDelta <= 0 || systemDelta <= 0) return 0;
  return (cpuDelta / systemDelta) * onlineCpus * 100;
}

function zeroSample(rec: ContainerRecord, invalid = false): StatsSample {
  return {
    id: rec.id, name: rec.name, running: false, invalid, cpuUsec: 0, systemUsec: 0, onlineCpus: cpus().length,
    memUsage: 0, memLimit: 0, netRx: 0, netTx: 0, blockRead: 0, blockWrite: 0, pids: 0,
  };
}

/** Read one container's counters now (a few small files: ~0.1 ms on the host). */
export function sampleContainer(rec: ContainerRecord): StatsSample {
  if (!isRunning(rec)) return zeroSample(rec);
  try {
    const systemUsec = systemCpuUsec();
    const s = runtime.stats(runtimeRef(rec.id));
    let net = { rx: 0, tx: 0 };
    // --network host: the host's interfaces are not the container's traffic; docker shows 0B.
    if (rec.hostConfig.NetworkMode !== 'host') {
      try {
        net = parseNetDev(readFileSync(`/proc/${rec.state.Pid}/net/dev`, 'utf8'));
      } catch {
        /* PID 1 just exited: no traffic to report */
      }
    }
    return {
      id: rec.id, name: rec.name, running: true, invalid: s.cpuUsageUsec === null && s.memoryUsageBytes === null,
      cpuUsec: s.cpuUsageUsec ?? 0, systemUsec, onlineCpus: cpus().length,
      memUsage: memoryWithoutCache(s), memLimit: effectiveMemoryLimit(s.memoryLimitBytes),
      netRx: net.rx, netTx: net.tx, blockRead: s.blockReadBytes ?? 0, blockWrite: s.blockWriteBytes ?? 0,
      pids: s.pidsCurrent ?? runtime.pids(runtimeRef(rec.id)).length,
    };
  } catch {
    return zeroSample(rec, true);
  }
}

/** The line for `cur`, with CPU % against `prev` (an earlier sample of the same container). */
export function statsEntry(prev: StatsSample | undefined, cur: StatsSample): StatsEntry {
  const cpu = prev && prev.running && cur.running ? cpuPercent(prev, cur, cur.onlineCpus) : 0;
  const mem = cur.memLimit > 0 ? (cur.memUsage / cur.memLimit) * 100 : 0;
  return { ...cur, cpuPercent: cpu, memPercent: mem };
}
