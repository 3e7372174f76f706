/**
 * The cgroup drivers on THIS host's real kernel (cgroup v1 hybrid on the build machines; the
 * v2 driver on a v2 host such as the Vagrant VM), without the container runtime: a busybox
 * child is moved into a fresh mr-* cgroup and must hit the limits. The checks themselves live
 * in cgroup-checks.cjs, shared with the cgroup-v2 VM test.
 */
import { describe, it, expect, afterAll } from 'vitest';
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { containerCgroups } from '../helpers/cli';

const checks = createRequire(__filename)('./cgroup-checks.cjs');

const usable = process.getuid?.() === 0 && existsSync('/bin/busybox') && existsSync('/sys/fs/cgroup');
if (!usable) console.log('cgroups-host: skipped (needs root, /bin/busybox and /sys/fs/cgroup)');

const mine = () => containerCgroups().filter((p) => p.includes(`mr-chk${process.pid}-`));

describe.skipIf(!usable)('cgroups on this host (real kernel)', () => {
  afterAll(() => {
    const left = mine();
    checks.cleanup();
    expect(left).toEqual([]);
  });

  it('writes the limits where the kernel reads them (cpuset copied down on v1)', async () => {
    const r = await checks.limits();
    if (r.version === 2) {
      expect(r.files).toMatchObject({ 'memory.max': '67108864', 'cpu.max': '50000 100000', 'cpu.weight': '20', 'pids.max': '20' });
    } else {
      expect(r.paths.length).toBeGreaterThanOrEqual(3);
      expect(r.files).toMatchObject({
        'memory.limit_in_bytes': '67108864', 'cpu.cfs_quota_us': '50000', 'cpu.cfs_period_us': '100000',
        'cpu.shares': '512', 'pids.max': '20',
      });
      if (r.files['cpuset.cpus'] !== undefined) expect(r.files['cpuset.cpus']).not.toBe('');
    }
    expect(r.left).toEqual([]);
  });

  it('a program allocating past --memory 64m is OOM-killed (exit 137) and oomKilled() says so', async () => {
    const r = await checks.oom(64);
    console.log(`cgroups-host: OOM kill after ${r.ms} ms`, JSON.stringify(r));
    expect(r.signal).toBe('SIGKILL');
    expect(r.exitCode).toBe(137);
    expect(r.oomKilled).toBe(true);
    expect(r.left).toEqual([]);
  });

  it('a fork loop stops at --pids-limit 20 ("can\'t fork") and destroy() kills what it started', async () => {
    const r = await checks.pids(20);
    console.log('cgroups-host: pids', JSON.stringify(r));
    expect(r.cantFork).toBe(true);
    expect(r.inside).toBeLessThanOrEqual(20);
    expect(r.inside).toBeGreaterThanOrEqual(10);
    expect(r.survivors).toEqual([]);
    expect(r.left).toEqual([]);
  });

  it('--cpus 0.5 holds a busy loop near 50% of one CPU', async () => {
    const r = await checks.cpu(2, 0.5);
    console.log(`cgroups-host: busy loop under --cpus 0.5 used ${r.percent}% CPU`);
    expect(r.percent).toBeGreaterThanOrEqual(35);
    expect(r.percent).toBeLessThanOrEqual(65);
    expect(r.killedByDestroy).toBe(true);
    expect(r.left).toEqual([]);
  });

  it('destroy() kills every process, keeps mini-run/ while another container uses it, then removes it', async () => {
    const r = await checks.destroy();
    expect(r.killed).toBe(6);
    expect(r.survivors).toEqual([]);
    expect(r.bUntouched).toBe(true);
    expect(r.parentKept).toBe(true);
    expect(r.parentRemoved || r.othersPresent).toBe(true); // a parallel mini-run may hold mini-run/
    expect(r.left).toEqual([]);
    expect(r.listed).toEqual([]);
  });

  it('freeze() stops a busy (and forking) group at once: no CPU time while frozen, back after thaw()', async () => {
    const r = await checks.freeze(300);
    console.log(`cgroups-host: freeze ${r.freezeMs} ms, thaw ${r.thawMs} ms`, JSON.stringify(r));
    expect(r.frozen).toBe(true);
    expect(r.thawedState).toBe(false);
    expect(r.frozenCpuUsec).toBeLessThan(5_000); // 300 ms frozen: (almost) nothing
    expect(r.runningCpuUsec).toBeGreaterThan(100_000); // 300 ms thawed: a busy loop again
    expect(r.freezeMs).toBeLessThan(1000);
    expect(r.killedByDestroy).toBe(true); // destroy() of a frozen group still kills it
    expect(r.survivors).toEqual([]);
    expect(r.left).toEqual([]);
  });

  it('update() changes a live group: a memory limit below what it holds is refused with every value as before; raising works; a block device throttle is written', async () => {
    const r = await checks.update();
    console.log('cgroups-host: update', JSON.stringify(r));
    expect(r.held).toBeGreaterThan(28 << 20);
    expect(r.refused).toMatch(/below what the container uses now/);
    expect(r.afterRefusal).toEqual(r.before);
    const [mem, swap, pids, shares] = r.version === 2 ? ['memory.max', 'memory.swap.max', 'pids.max', 'cpu.weight'] : ['memory.limit_in_bytes', 'memory.memsw.limit_in_bytes', 'pids.max', 'cpu.shares'];
    expect(r.raised[mem]).toBe(String(128 << 20));
    expect(r.raised[swap]).toBe(String(r.version === 2 ? 128 << 20 : 256 << 20));
    expect(r.raised[pids]).toBe('50');
    expect(r.raised[shares]).toBe(r.version === 2 ? '20' : '512');
    expect(r.survived).toBe(true);
    expect(r.io).toContain(`${r.disk.dev} ${r.version === 2 ? 'rbps=1048576' : '1048576'}`);
    expect(r.left).toEqual([]);
  });

  it('stats() reads memory usage and limit, CPU time, pids and block I/O counters', async () => {
    const r = await checks.stats();
    console.log(`cgroups-host: stats() takes ${r.statsUsec} µs`, JSON.stringify(r));
    expect(r.memoryLimitBytes).toBe(64 << 20);
    expect(r.memoryUsageBytes).toBeGreaterThan(8 << 20); // the 8 MiB string the shell holds
    expect(r.memoryInactiveFileBytes).toBeGreaterThanOrEqual(0);
    expect(r.cpuUsageUsec).toBeGreaterThan(0);
    expect(r.pidsCurrent).toBe(2); // the shell and its sleep
    // v1 on kernels ≥ 6.x counts blkio.throttle.* only once throttling is active on the device,
    // so 0 is possible here; the numbers must be there.
    expect(r.blockReadBytes).toBeGreaterThanOrEqual(0);
    expect(r.blockWriteBytes).toBeGreaterThanOrEqual(0);
    expect(r.left).toEqual([]);
  });

  it('end to end: `mini-run run --rm --memory 32m` exits 137, `--pids-limit 10` makes fork fail, no cgroup left', async () => {
    if (!existsSync(resolve(__dirname, '../../dist/cli/main.js'))) return; // CLI not built yet
    const r = await checks.cli();
    console.log('cgroups-host: cli', JSON.stringify(r));
    expect(r.memory.status).toBe(137);
    expect(r.pidsCantFork).toBe(true);
    expect(r.left).toEqual([]);
  });
});
