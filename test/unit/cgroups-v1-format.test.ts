/**
 * cgroup v1 driver against a FAKE cgroupfs: /tmp/…/<controller>/ directories holding the files
 * a kernel would show at each hierarchy root. Checks what is written where, per controller.
 */
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openCgroup, listContainerCgroups, cpusToQuota } from '../../src/runtime/cgroups';
import { createRequire } from 'node:module';

// The cgroup drivers (v1.ts, v2.ts) are loaded at first use by Node's require() (cgroups/index.ts,
// src/lazy.ts), and vitest's imports are a second instance of each module: the drivers' trace
// lines and errors come from Node's instances of trace.ts and errors.ts.
const nodeRequire = createRequire(import.meta.url);
const { onTrace } = nodeRequire('../../src/sys/trace') as typeof import('../../src/sys/trace');

const ALL = ['cpuset', 'memory', 'cpu', 'cpuacct', 'pids', 'blkio', 'devices', 'freezer'];

let mp: string;
let trace: string[];
let stopTrace: () => void;

/** A fake v1 mount: one directory per controller, like /sys/fs/cgroup/<controller> on this host. */
function fakeV1(opts: { controllers?: string[]; memsw?: boolean; comount?: boolean } = {}): string {
  const dir = mkdtempSync('/tmp/mr-fake-cgroup1-');
  for (const c of opts.controllers ?? ALL) {
    if (opts.comount && (c === 'cpu' || c === 'cpuacct')) continue;
    mkdirSync(join(dir, c));
    writeFileSync(join(dir, c, 'cgroup.procs'), '1\n');
  }
  if (opts.comount) {
    // Many distros: one hierarchy "cpu,cpuacct", with cpu and cpuacct as symlinks to it.
    mkdirSync(join(dir, 'cpu,cpuacct'));
    symlinkSync('cpu,cpuacct', join(dir, 'cpu'));
    symlinkSync('cpu,cpuacct', join(dir, 'cpuacct'));
  }
  if (existsSync(join(dir, 'cpuset'))) {
    writeFileSync(join(dir, 'cpuset', 'cpuset.cpus'), '0-3\n');
    writeFileSync(join(dir, 'cpuset', 'cpuset.mems'), '0\n');
  }
  if (opts.memsw !== false && existsSync(join(dir, 'memory'))) {
    writeFileSync(join(dir, 'memory', 'memory.memsw.limit_in_bytes'), '9223372036854771712\n');
  }
  return dir;
}

const open = (id = 'abc123', onWarning: (m: string) => void = () => {}) => openCgroup(id, { mountpoint: mp, version: 1, onWarning });
const file = (c: string, id: string, name: string) => readFileSync(join(mp, c, 'mini-run', `mr-${id}`, name), 'utf8').trim();
const writes = () => trace.filter((l) => l.includes('write ')).map((l) => l.replace(/^\[\w+\] write /, '').replace(mp, '$CG'));

beforeEach(() => {
  mp = fakeV1();
  trace = [];
  stopTrace = onTrace((l) => trace.push(l));
});
afterEach(() => {
  stopTrace();
  rmSync(mp, { recursive: true, force: true });
});

describe('cgroup v1 layout', () => {
  it('has one directory per controller: <mount>/<controller>/mini-run/mr-<id>', () => {
    const cg = open();
    expect(cg.version).toBe(1);
    expect(cg.paths).toEqual(ALL.map((c) => join(mp, c, 'mini-run', 'mr-abc123')));
    expect(cg.procsFiles()).toEqual(ALL.map((c) => join(mp, c, 'mini-run', 'mr-abc123', 'cgroup.procs')));
  });

  it('creates and joins a co-mounted cpu,cpuacct hierarchy once', () => {
    rmSync(mp, { recursive: true });
    mp = fakeV1({ comount: true });
    const cg = open();
    expect(cg.paths).toContain(join(mp, 'cpu,cpuacct', 'mini-run', 'mr-abc123'));
    expect(cg.paths).toHaveLength(7);
    cg.create({ cpu: cpusToQuota(1) });
    expect(readFileSync(join(mp, 'cpu,cpuacct', 'mini-run', 'mr-abc123', 'cpu.cfs_quota_us'), 'utf8')).toBe('100000');
  });

  it('skips hierarchies the host does not mount', () => {
    rmSync(mp, { recursive: true });
    mp = fakeV1({ controllers: ['memory', 'cpu', 'pids'] });
    expect(open().paths.map((p) => p.split('/').at(-3))).toEqual(['memory', 'cpu', 'pids']);
  });
});

describe('cgroup v1 create', () => {
  it('copies cpuset.cpus and cpuset.mems down before any task can join', () => {
    open().create({});
    expect(writes().slice(0, 4)).toEqual([
      '$CG/cpuset/mini-run/cpuset.cpus ← 0-3',
      '$CG/cpuset/mini-run/cpuset.mems ← 0',
      '$CG/cpuset/mini-run/mr-abc123/cpuset.cpus ← 0-3',
      '$CG/cpuset/mini-run/mr-abc123/cpuset.mems ← 0',
    ]);
    expect(file('cpuset', 'abc123', 'cpuset.cpus')).toBe('0-3');
  });

  it('writes memory.limit_in_bytes, memory.memsw.limit_in_bytes, cpu.cfs_period_us/quota_us, cpu.shares, pids.max', () => {
    open().create({ memory: { limit: 64 << 20, swap: 96 << 20 }, cpu: { ...cpusToQuota(0.5), shares: 512 }, pids: { limit: 20 } });
    expect(file('memory', 'abc123', 'memory.limit_in_bytes')).toBe('67108864');
    expect(file('memory', 'abc123', 'memory.memsw.limit_in_bytes')).toBe('100663296'); // v1 keeps the total
    expect(file('cpu', 'abc123', 'cpu.cfs_period_us')).toBe('100000');
    expect(file('cpu', 'abc123', 'cpu.cfs_quota_us')).toBe('50000');
    expect(file('cpu', 'abc123', 'cpu.shares')).toBe('512');
    expect(file('pids', 'abc123', 'pids.max')).toBe('20');
    // Order matters to the kernel: memory before memsw, period before quota.
    expect(writes().slice(4)).toEqual([
      '$CG/memory/mini-run/mr-abc123/memory.limit_in_bytes ← 67108864',
      '$CG/memory/mini-run/mr-abc123/memory.memsw.limit_in_bytes ← 100663296',
      '$CG/cpu/mini-run/mr-abc123/cpu.shares ← 512',
      '$CG/cpu/mini-run/mr-abc123/cpu.cfs_period_us ← 100000',
      '$CG/cpu/mini-run/mr-abc123/cpu.cfs_quota_us ← 50000',
      '$CG/pids/mini-run/mr-abc123/pids.max ← 20',
    ]);
  });

  it('writes the memory tuning (soft limit, swappiness, OOM killer off) and the cpuset; kernel memory is a warning', () => {
    const warnings: string[] = [];
    open('abc123', (m) => warnings.push(m)).create({
      memory: { limit: 64 << 20, reservation: 32 << 20, swappiness: 10, disableOOMKiller: true, kernel: 1 << 20 },
      cpu: { cpus: '1', mems: '0' },
    });
    expect(file('memory', 'abc123', 'memory.soft_limit_in_bytes')).toBe('33554432');
    expect(file('memory', 'abc123', 'memory.swappiness')).toBe('10');
    expect(file('memory', 'abc123', 'memory.oom_control')).toBe('1');
    expect(file('cpuset', 'abc123', 'cpuset.cpus')).toBe('1'); // replaces the parent's copy
    expect(file('cpuset', 'abc123', 'cpuset.mems')).toBe('0');
    expect(warnings).toEqual([expect.stringMatching(/memory\.kernel and kernelTCP are deprecated .*: ignored$/)]);
  });

  it('writes -1 for unlimited memory/quota and "max" for unlimited pids', () => {
    open().create({ memory: { limit: -1, swap: -1 }, cpu: { quota: -1, period: 100000 }, pids: { limit: -1 } });
    expect(file('memory', 'abc123', 'memory.limit_in_bytes')).toBe('-1');
    expect(file('memory', 'abc123', 'memory.memsw.limit_in_bytes')).toBe('-1');
    expect(file('cpu', 'abc123', 'cpu.cfs_quota_us')).toBe('-1');
    expect(file('pids', 'abc123', 'pids.max')).toBe('max');
  });

  it('without memory.memsw.* (no swap accounting) warns like docker and limits memory alone', () => {
    rmSync(mp, { recursive: true });
    mp = fakeV1({ memsw: false });
    const warned: string[] = [];
    open('abc123', (m) => warned.push(m)).create({ memory: { limit: 64 << 20, swap: 128 << 20 } });
    expect(file('memory', 'abc123', 'memory.limit_in_bytes')).toBe('67108864');
    expect(existsSync(join(mp, 'memory', 'mini-run', 'mr-abc123', 'memory.memsw.limit_in_bytes'))).toBe(false);
    expect(warned).toEqual(['Your kernel does not support swap limit capabilities or the cgroup is not mounted. Memory limited without swap.']);
  });

  it('refuses a limit whose controller is not mounted, before creating anything', () => {
    rmSync(mp, { recursive: true });
    mp = fakeV1({ controllers: ['memory', 'cpu'] });
    expect(() => open().create({ pids: { limit: 10 } })).toThrow('cgroup controller pids is not available on this host');
    expect(existsSync(join(mp, 'memory', 'mini-run'))).toBe(false);
  });
});

describe('cgroup v1 processes, OOM, cleanup', () => {
  it('addProcess writes the pid into cgroup.procs of every hierarchy (cpuset first)', () => {
    const cg = open();
    cg.create({});
    trace.length = 0;
    cg.addProcess(4242);
    expect(writes()).toEqual(ALL.map((c) => `$CG/${c}/mini-run/mr-abc123/cgroup.procs ← 4242`));
  });

  it('oomKilled() reads oom_kill from memory.oom_control (memory.failcnt on kernels before 4.13)', () => {
    const cg = open();
    cg.create({ memory: { limit: 64 << 20 } });
    const dir = join(mp, 'memory', 'mini-run', 'mr-abc123');
    writeFileSync(join(dir, 'memory.oom_control'), 'oom_kill_disable 0\nunder_oom 0\noom_kill 0\n');
    writeFileSync(join(dir, 'memory.failcnt'), '57\n');
    expect(cg.oomKilled()).toBe(false); // hitting the limit (failcnt) is not an OOM kill
    writeFileSync(join(dir, 'memory.oom_control'), 'oom_kill_disable 0\nunder_oom 0\noom_kill 1\n');
    expect(cg.oomKilled()).toBe(true);
    writeFileSync(join(dir, 'memory.oom_control'), 'oom_kill_disable 0\nunder_oom 0\n');
    expect(cg.oomKilled()).toBe(true); // old kernel: fall back to failcnt
  });

  it('pids() is the union over hierarchies', () => {
    const cg = open();
    cg.create({});
    writeFileSync(join(mp, 'memory', 'mini-run', 'mr-abc123', 'cgroup.procs'), '7\n9\n');
    writeFileSync(join(mp, 'pids', 'mini-run', 'mr-abc123', 'cgroup.procs'), '9\n11\n');
    expect(cg.pids()).toEqual([7, 9, 11]);
    writeFileSync(join(mp, 'memory', 'mini-run', 'mr-abc123', 'cgroup.procs'), '');
    writeFileSync(join(mp, 'pids', 'mini-run', 'mr-abc123', 'cgroup.procs'), '');
  });

  it('destroy removes mr-<id> everywhere, and the mini-run parents with the last container', () => {
    const a = open('a');
    const b = open('b');
    a.create({});
    b.create({});
    expect(listContainerCgroups({ mountpoint: mp, version: 1 })).toEqual(['a', 'b']);
    a.destroy();
    for (const c of ALL) {
      expect(existsSync(join(mp, c, 'mini-run', 'mr-a'))).toBe(false);
      expect(existsSync(join(mp, c, 'mini-run'))).toBe(true);
    }
    b.destroy();
    for (const c of ALL) expect(existsSync(join(mp, c, 'mini-run'))).toBe(false);
    expect(listContainerCgroups({ mountpoint: mp, version: 1 })).toEqual([]);
    expect(() => b.destroy()).not.toThrow();
  });
});

describe('cgroup v1 at the spec\'s linux.cgroupsPath (podman, containerd)', () => {
  const at = (path: string, id = 'abc123') => openCgroup(id, { mountpoint: mp, version: 1, path, onWarning: () => {} });

  it('makes the path in every hierarchy, copying cpuset down level by level; delete leaves the client\'s parent', () => {
    const cg = at('/libpod_parent/libpod-abc123');
    expect(cg.paths.map((p) => p.slice(mp.length))).toEqual(
      ['cpuset', 'memory', 'cpu', 'cpuacct', 'pids', 'blkio', 'devices', 'freezer'].map((c) => `/${c}/libpod_parent/libpod-abc123`),
    );
    cg.create({});
    expect(writes().filter((w) => w.includes('cpuset.'))).toEqual([
      '$CG/cpuset/libpod_parent/cpuset.cpus ← 0-3',
      '$CG/cpuset/libpod_parent/cpuset.mems ← 0',
      '$CG/cpuset/libpod_parent/libpod-abc123/cpuset.cpus ← 0-3',
      '$CG/cpuset/libpod_parent/libpod-abc123/cpuset.mems ← 0',
    ]);
    cg.destroy();
    expect(existsSync(join(mp, 'memory', 'libpod_parent', 'libpod-abc123'))).toBe(false);
    expect(existsSync(join(mp, 'memory', 'libpod_parent'))).toBe(true);
  });
});
