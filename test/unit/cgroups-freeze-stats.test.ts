/**
 * The freezer (pause/unpause) and the usage counters (stats) of both cgroup drivers against
 * FAKE cgroupfs trees holding the files exactly as the kernel formats them. The kernel side
 * (a busy loop that really stops) is in test/integration/cgroup-checks.cjs.
 */
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openCgroup, type Cgroup } from '../../src/runtime/cgroups';
import { parseBlkioServiceBytes } from '../../src/runtime/cgroups/v1';
import { createRequire } from 'node:module';

// The cgroup drivers (v1.ts, v2.ts) are loaded at first use by Node's require() (cgroups/index.ts,
// src/lazy.ts), and vitest's imports are a second instance of each module: the drivers' trace
// lines and errors come from Node's instances of trace.ts and errors.ts.
const nodeRequire = createRequire(import.meta.url);
const { onTrace } = nodeRequire('../../src/sys/trace') as typeof import('../../src/sys/trace');
const { UserError } = nodeRequire('../../src/errors') as typeof import('../../src/errors');

let mp: string;
let trace: string[];
let stopTrace: () => void;
const writes = () => trace.filter((l) => l.includes('write ')).map((l) => l.replace(/^\[\w+\] write /, '').replace(mp, '$CG'));

beforeEach(() => {
  trace = [];
  stopTrace = onTrace((l) => trace.push(l));
});
afterEach(() => {
  stopTrace();
  rmSync(mp, { recursive: true, force: true });
});

function v2(): Cgroup {
  mp = mkdtempSync('/tmp/mr-fake-cgroup2-');
  writeFileSync(join(mp, 'cgroup.controllers'), 'cpuset cpu io memory pids\n');
  writeFileSync(join(mp, 'cgroup.subtree_control'), 'cpu io memory pids\n');
  mkdirSync(join(mp, 'mini-run'));
  writeFileSync(join(mp, 'mini-run', 'cgroup.subtree_control'), 'memory pids cpu io\n');
  const cg = openCgroup('abc', { mountpoint: mp, version: 2, onWarning: () => {} });
  cg.create({});
  trace.length = 0;
  return cg;
}

function v1(): Cgroup {
  mp = mkdtempSync('/tmp/mr-fake-cgroup1-');
  for (const c of ['memory', 'cpu', 'cpuacct', 'pids', 'blkio', 'freezer']) mkdirSync(join(mp, c));
  const cg = openCgroup('abc', { mountpoint: mp, version: 1, onWarning: () => {} });
  cg.create({});
  trace.length = 0;
  return cg;
}

const at = (cg: Cgroup, controller: string, file: string) =>
  cg.version === 2 ? join(cg.paths[0], file) : join(mp, controller, 'mini-run', 'mr-abc', file);
const put = (cg: Cgroup, controller: string, file: string, text: string) => writeFileSync(at(cg, controller, file), text);

describe('cgroup v2 freezer: cgroup.freeze, confirmed by cgroup.events', () => {
  it('writes 1 to cgroup.freeze and returns once cgroup.events says "frozen 1"', () => {
    const cg = v2();
    put(cg, '', 'cgroup.events', 'populated 1\nfrozen 1\n'); // what the kernel shows once all tasks are parked
    cg.freeze();
    expect(writes()).toEqual(['$CG/mini-run/mr-abc/cgroup.freeze ← 1']);
    expect(cg.frozen()).toBe(true);
  });

  it('waits while the kernel is still freezing (cgroup.events flips later)', async () => {
    const cg = v2();
    const events = at(cg, '', 'cgroup.events');
    writeFileSync(events, 'populated 1\nfrozen 0\n');
    // Another process plays the kernel: it flips the state 150 ms from now, while freeze()
    // blocks this thread polling.
    const kernel = spawn('sh', ['-c', `sleep 0.15; printf 'populated 1\\nfrozen 1\\n' > ${events}`]);
    const spawned = new Promise((r) => kernel.on('spawn', r));
    await spawned;
    const t0 = Date.now();
    cg.freeze({ timeoutMs: 5000 });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(100);
    expect(cg.frozen()).toBe(true);
  });

  it('gives up after the timeout with a clear error, and thaws again', () => {
    const cg = v2();
    put(cg, '', 'cgroup.events', 'populated 1\nfrozen 0\n');
    expect(() => cg.freeze({ timeoutMs: 50 })).toThrow(UserError);
    expect(() => cg.freeze({ timeoutMs: 50 })).toThrow(/did not say "frozen 1" within 50 ms.*thawed again/);
    expect(writes().slice(0, 2)).toEqual(['$CG/mini-run/mr-abc/cgroup.freeze ← 1', '$CG/mini-run/mr-abc/cgroup.freeze ← 0']);
    expect(readFileSync(at(cg, '', 'cgroup.freeze'), 'utf8')).toBe('0');
  });

  it('thaw writes 0 and waits for "frozen 0"', () => {
    const cg = v2();
    put(cg, '', 'cgroup.events', 'populated 1\nfrozen 0\n');
    cg.thaw();
    expect(writes()).toEqual(['$CG/mini-run/mr-abc/cgroup.freeze ← 0']);
    expect(cg.frozen()).toBe(false);
  });
});

describe('cgroup v1 freezer: freezer.state', () => {
  it('writes FROZEN and reads FROZEN back; THAWED to thaw', () => {
    const cg = v1();
    expect(cg.frozen()).toBe(false);
    cg.freeze();
    expect(cg.frozen()).toBe(true);
    cg.thaw();
    expect(cg.frozen()).toBe(false);
    expect(writes()).toEqual([
      '$CG/freezer/mini-run/mr-abc/freezer.state ← FROZEN',
      '$CG/freezer/mini-run/mr-abc/freezer.state ← THAWED',
    ]);
  });

  it('FREEZING is not frozen yet', () => {
    const cg = v1();
    put(cg, 'freezer', 'freezer.state', 'FREEZING\n');
    expect(cg.frozen()).toBe(false);
  });

  it('says clearly when the host has no freezer hierarchy', () => {
    const cg = v1();
    rmSync(join(mp, 'freezer'), { recursive: true });
    const noFreezer = openCgroup('abc', { mountpoint: mp, version: 1 });
    expect(() => noFreezer.freeze()).toThrow('cgroup controller freezer is not available on this host');
    expect(cg.version).toBe(1);
  });
});

describe('cgroup v2 stats: the files as the kernel formats them', () => {
  it('reads cpu.stat usage_usec, memory.current, memory.stat inactive_file, memory.max, io.stat, pids.current', () => {
    const cg = v2();
    put(cg, '', 'cpu.stat', 'usage_usec 1234567\nuser_usec 1000000\nsystem_usec 234567\nnr_periods 0\nnr_throttled 0\nthrottled_usec 0\n');
    put(cg, '', 'memory.current', '10485760\n');
    put(cg, '', 'memory.stat', 'anon 4194304\nfile 6291456\nkernel 131072\nactive_anon 4096\ninactive_anon 4190208\nactive_file 2097152\ninactive_file 4194304\nunevictable 0\n');
    put(cg, '', 'memory.max', '67108864\n');
    put(cg, '', 'io.stat', '8:0 rbytes=1048576 wbytes=4096 rios=12 wios=1 dbytes=0 dios=0\n253:1 rbytes=2000 wbytes=3000 rios=1 wios=1 dbytes=0 dios=0\n');
    put(cg, '', 'pids.current', '3\n');
    expect(cg.stats()).toEqual({
      cpuUsageUsec: 1234567,
      memoryUsageBytes: 10485760,
      memoryInactiveFileBytes: 4194304,
      memoryLimitBytes: 67108864,
      blockReadBytes: 1048576 + 2000,
      blockWriteBytes: 4096 + 3000,
      pidsCurrent: 3,
    });
  });

  it('"max" is no limit; an empty io.stat is zero bytes; missing files are null', () => {
    const cg = v2();
    put(cg, '', 'memory.max', 'max\n');
    put(cg, '', 'io.stat', '');
    expect(cg.stats()).toEqual({
      cpuUsageUsec: null, memoryUsageBytes: null, memoryInactiveFileBytes: null, memoryLimitBytes: null,
      blockReadBytes: 0, blockWriteBytes: 0, pidsCurrent: null,
    });
  });
});

describe('cgroup v1 stats: one file per controller hierarchy', () => {
  it('reads cpuacct.usage (ns), memory.usage_in_bytes, total_inactive_file, memory.limit_in_bytes, blkio, pids.current', () => {
    const cg = v1();
    put(cg, 'cpuacct', 'cpuacct.usage', '1234567890\n');
    put(cg, 'memory', 'memory.usage_in_bytes', '10485760\n');
    put(cg, 'memory', 'memory.stat', 'cache 6291456\nrss 4194304\ninactive_file 1000\nactive_file 2097152\ntotal_cache 6291456\ntotal_rss 4194304\ntotal_inactive_file 4194304\ntotal_active_file 2097152\n');
    put(cg, 'memory', 'memory.limit_in_bytes', '67108864\n');
    put(cg, 'blkio', 'blkio.throttle.io_service_bytes_recursive',
      '8:0 Read 1048576\n8:0 Write 4096\n8:0 Sync 4096\n8:0 Async 1048576\n8:0 Discard 0\n8:0 Total 1052672\n' +
      '253:1 Read 2000\n253:1 Write 3000\n253:1 Sync 0\n253:1 Async 5000\n253:1 Discard 0\n253:1 Total 5000\nTotal 1057672\n');
    put(cg, 'pids', 'pids.current', '3\n');
    expect(cg.stats()).toEqual({
      cpuUsageUsec: 1234568,
      memoryUsageBytes: 10485760,
      memoryInactiveFileBytes: 4194304,
      memoryLimitBytes: 67108864,
      blockReadBytes: 1048576 + 2000,
      blockWriteBytes: 4096 + 3000,
      pidsCurrent: 3,
    });
  });

  it('the kernel\'s "unlimited" (9223372036854771712) is no limit; a group that did no I/O shows "Total 0"', () => {
    const cg = v1();
    put(cg, 'memory', 'memory.limit_in_bytes', '9223372036854771712\n');
    put(cg, 'blkio', 'blkio.throttle.io_service_bytes', 'Total 0\n');
    const s = cg.stats();
    expect(s.memoryLimitBytes).toBeNull();
    expect([s.blockReadBytes, s.blockWriteBytes]).toEqual([0, 0]);
  });

  it('parseBlkioServiceBytes ignores Sync/Async/Discard/Total lines', () => {
    expect(parseBlkioServiceBytes('8:0 Read 10\n8:0 Write 20\n8:0 Sync 30\n8:0 Async 0\n8:0 Discard 5\n8:0 Total 30\nTotal 30\n')).toEqual({ read: 10, write: 20 });
  });
});
