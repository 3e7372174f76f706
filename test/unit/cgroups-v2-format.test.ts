/**
 * cgroup v2 driver against a FAKE cgroupfs: a plain directory tree in /tmp holding the files a
 * kernel would show. Checks exactly what mini-run writes where (the real kernel is exercised by
 * test/integration/cgroups-v2-vm.test.ts).
 */
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  openCgroup, detectCgroupVersion, cpusToQuota, sharesToWeight, listContainerCgroups, LinuxResources,
} from '../../src/runtime/cgroups';
import { createRequire } from 'node:module';

// The cgroup drivers (v1.ts, v2.ts) are loaded at first use by Node's require() (cgroups/index.ts,
// src/lazy.ts), and vitest's imports are a second instance of each module: the drivers' trace
// lines and errors come from Node's instances of trace.ts and errors.ts.
const nodeRequire = createRequire(import.meta.url);
const { onTrace } = nodeRequire('../../src/sys/trace') as typeof import('../../src/sys/trace');
import { UserError } from '../../src/errors';

let mp: string;
let trace: string[];
let stopTrace: () => void;

/** A fake v2 root: what /sys/fs/cgroup shows on a fresh boot before anyone enabled anything. */
function fakeV2(opts: { controllers?: string; subtree?: string; swap?: boolean } = {}): string {
  const dir = mkdtempSync('/tmp/mr-fake-cgroup2-');
  writeFileSync(join(dir, 'cgroup.controllers'), (opts.controllers ?? 'cpuset cpu io memory hugetlb pids rdma misc') + '\n');
  writeFileSync(join(dir, 'cgroup.subtree_control'), (opts.subtree ?? '') + '\n');
  writeFileSync(join(dir, 'cgroup.procs'), '1\n');
  if (opts.swap !== false) {
    // On a kernel with swap accounting, every non-root cgroup with memory shows memory.swap.max.
    mkdirSync(join(dir, 'mini-run'));
    writeFileSync(join(dir, 'mini-run', 'memory.swap.max'), 'max\n');
  }
  return dir;
}

const open = (id = 'abc123', o: { onWarning?: (m: string) => void } = {}) =>
  openCgroup(id, { mountpoint: mp, version: 2, onWarning: o.onWarning ?? (() => {}) });
const file = (...p: string[]) => readFileSync(join(mp, ...p), 'utf8').trim();
const writes = () => trace.filter((l) => l.includes('write ')).map((l) => l.replace(/^\[\w+\] write /, '').replace(mp, '$CG'));

beforeEach(() => {
  mp = fakeV2();
  trace = [];
  stopTrace = onTrace((l) => trace.push(l));
});
afterEach(() => {
  stopTrace();
  rmSync(mp, { recursive: true, force: true });
});

describe('cgroup v2 detection and naming', () => {
  it('detects v2 from cgroup.controllers at the mount root, v1 otherwise', () => {
    expect(detectCgroupVersion(mp)).toBe(2);
    const v1 = mkdtempSync('/tmp/mr-fake-cgroup1-');
    mkdirSync(join(v1, 'memory'));
    expect(detectCgroupVersion(v1)).toBe(1);
    rmSync(v1, { recursive: true });
  });

  it('puts the container in <mount>/mini-run/mr-<id>, one directory', () => {
    const cg = open('abc123');
    expect(cg.version).toBe(2);
    expect(cg.paths).toEqual([join(mp, 'mini-run', 'mr-abc123')]);
    expect(cg.procsFiles()).toEqual([join(mp, 'mini-run', 'mr-abc123', 'cgroup.procs')]);
  });

  it('refuses ids that are not a safe directory name', () => {
    expect(() => open('../etc')).toThrow(UserError);
    expect(() => open('a/b')).toThrow(/invalid container id/);
  });
});

describe('cgroup v2 create: controllers enabled top-down in cgroup.subtree_control', () => {
  it('enables memory, pids, cpu (and io) in the root and in mini-run/, then writes the limits', () => {
    rmSync(mp, { recursive: true });
    mp = fakeV2({ controllers: 'cpuset cpu memory pids', swap: false });
    open().create({});
    expect(writes()).toEqual([
      '$CG/cgroup.subtree_control ← +memory +pids +cpu',
      '$CG/mini-run/cgroup.subtree_control ← +memory +pids +cpu',
    ]);
    expect(existsSync(join(mp, 'mini-run', 'mr-abc123'))).toBe(true);
  });

  it('writes only the controllers that are missing', () => {
    rmSync(mp, { recursive: true });
    mp = fakeV2({ subtree: 'cpu io memory' });
    writeFileSync(join(mp, 'mini-run', 'cgroup.subtree_control'), 'memory pids cpu io\n');
    open().create({});
    expect(writes()).toEqual(['$CG/cgroup.subtree_control ← +pids']);
  });

  it('writes memory.max, memory.swap.max (= swap total - memory), cpu.max, cpu.weight, pids.max', () => {
    const r: LinuxResources = {
      memory: { limit: 64 << 20, swap: 96 << 20 },
      cpu: { ...cpusToQuota(0.5), shares: 512 },
      pids: { limit: 20 },
    };
    open().create(r);
    const d = ['mini-run', 'mr-abc123'];
    expect(file(...d, 'memory.max')).toBe('67108864');
    expect(file(...d, 'memory.swap.max')).toBe(String(32 << 20));
    expect(file(...d, 'cpu.max')).toBe('50000 100000');
    expect(file(...d, 'cpu.weight')).toBe('20');
    expect(file(...d, 'pids.max')).toBe('20');
    // Every write is in the trace, in order, after the controllers were enabled.
    expect(writes().slice(2)).toEqual([
      '$CG/mini-run/mr-abc123/memory.max ← 67108864',
      '$CG/mini-run/mr-abc123/memory.swap.max ← 33554432',
      '$CG/mini-run/mr-abc123/cpu.weight ← 20',
      '$CG/mini-run/mr-abc123/cpu.max ← 50000 100000',
      '$CG/mini-run/mr-abc123/pids.max ← 20',
    ]);
  });

  it('writes memory.low for a reservation; refuses what v2 has no file for (swappiness, OOM killer off) and cpuset, writing nothing', () => {
    open().create({ memory: { reservation: 32 << 20 } });
    expect(file('mini-run', 'mr-abc123', 'memory.low')).toBe('33554432');
    for (const [resources, msg] of [
      [{ memory: { swappiness: 10 } }, /swappiness: cgroup v2 has no per-group swappiness/],
      [{ memory: { disableOOMKiller: true } }, /disableOOMKiller: cgroup v2 cannot turn the OOM killer off/],
      [{ cpu: { cpus: '0' } }, /cpu\.cpus\/mems: .* does not set cpuset yet/],
    ] as Array<[LinuxResources, RegExp]>) {
      const cg = open('def456');
      expect(() => cg.create(resources)).toThrow(msg);
      expect(existsSync(join(mp, 'mini-run', 'mr-def456'))).toBe(false);
    }
  });

  it('writes "max" for unlimited values and 0 swap when swap total equals memory', () => {
    open('a').create({ memory: { limit: -1, swap: -1 }, cpu: { quota: -1, period: 100000 }, pids: { limit: 0 } });
    expect(file('mini-run', 'mr-a', 'memory.max')).toBe('max');
    expect(file('mini-run', 'mr-a', 'memory.swap.max')).toBe('max');
    expect(file('mini-run', 'mr-a', 'cpu.max')).toBe('max 100000');
    expect(file('mini-run', 'mr-a', 'pids.max')).toBe('max');
    open('b').create({ memory: { limit: 32 << 20, swap: 32 << 20 }, cpu: { quota: 25000 } });
    expect(file('mini-run', 'mr-b', 'memory.swap.max')).toBe('0');
    expect(file('mini-run', 'mr-b', 'cpu.max')).toBe('25000 100000');
  });

  it('warns (like docker) and limits memory alone when the kernel has no swap accounting', () => {
    rmSync(mp, { recursive: true });
    mp = fakeV2({ swap: false });
    const warned: string[] = [];
    const cg = open('abc123', { onWarning: (m) => warned.push(m) });
    cg.create({ memory: { limit: 64 << 20, swap: 128 << 20 } });
    expect(file('mini-run', 'mr-abc123', 'memory.max')).toBe('67108864');
    expect(existsSync(join(mp, 'mini-run', 'mr-abc123', 'memory.swap.max'))).toBe(false);
    expect(warned[0]).toMatch(/does not support swap limit/);
    expect(cg.warnings).toEqual(warned);
  });

  it('refuses a limit whose controller the host lacks, and leaves nothing behind', () => {
    rmSync(mp, { recursive: true });
    mp = fakeV2({ controllers: 'cpu io pids', swap: false });
    const cg = open();
    expect(() => cg.create({ memory: { limit: 64 << 20 } })).toThrow('cgroup controller memory is not available on this host');
    expect(existsSync(join(mp, 'mini-run'))).toBe(false);
  });

  it('rejects a swap limit without a memory limit, or below it (docker rules)', () => {
    expect(() => open().create({ memory: { swap: 64 << 20 } })).toThrow(/needs a memory limit/);
    expect(() => open().create({ memory: { limit: 64 << 20, swap: 32 << 20 } })).toThrow(/at least the memory limit/);
    expect(existsSync(join(mp, 'mini-run', 'mr-abc123'))).toBe(false);
  });
});

describe('cgroup v2 processes, OOM, cleanup', () => {
  it('addProcess writes the pid to cgroup.procs; pids() reads it back', () => {
    const cg = open();
    cg.create({});
    cg.addProcess(4242);
    expect(file('mini-run', 'mr-abc123', 'cgroup.procs')).toBe('4242');
    expect(writes().at(-1)).toBe('$CG/mini-run/mr-abc123/cgroup.procs ← 4242');
    writeFileSync(cg.procsFiles()[0], '12\n34\n');
    expect(cg.pids()).toEqual([12, 34]);
  });

  it('oomKilled() reads oom_kill from memory.events', () => {
    const cg = open();
    cg.create({ memory: { limit: 64 << 20 } });
    const ev = join(cg.paths[0], 'memory.events');
    expect(cg.oomKilled()).toBe(false); // no file yet
    writeFileSync(ev, 'low 0\nhigh 0\nmax 12\noom 1\noom_kill 0\noom_group_kill 0\n');
    expect(cg.oomKilled()).toBe(false);
    writeFileSync(ev, 'low 0\nhigh 0\nmax 12\noom 1\noom_kill 1\noom_group_kill 0\n');
    expect(cg.oomKilled()).toBe(true);
  });

  it('destroy removes mr-<id>, and mini-run/ only with the last container', () => {
    const a = open('a');
    const b = open('b');
    a.create({ pids: { limit: 5 } });
    b.create({ pids: { limit: 5 } });
    expect(listContainerCgroups({ mountpoint: mp, version: 2 }).sort()).toEqual(['a', 'b']);
    a.destroy();
    expect(existsSync(join(mp, 'mini-run', 'mr-a'))).toBe(false);
    expect(existsSync(join(mp, 'mini-run'))).toBe(true);
    b.destroy();
    expect(existsSync(join(mp, 'mini-run'))).toBe(false);
    expect(listContainerCgroups({ mountpoint: mp, version: 2 })).toEqual([]);
    // The root keeps its controllers enabled: other cgroups may rely on them.
    expect(existsSync(join(mp, 'cgroup.subtree_control'))).toBe(true);
  });

  it('destroy of a cgroup that is already gone (or never made) does not throw', () => {
    const cg = open();
    expect(() => cg.destroy()).not.toThrow();
    cg.create({});
    cg.destroy();
    expect(() => cg.destroy()).not.toThrow();
  });
});

describe('conversions', () => {
  it('cpusToQuota: --cpus N → N × 100000 µs per 100000 µs', () => {
    expect(cpusToQuota(0.5)).toEqual({ quota: 50000, period: 100000 });
    expect(cpusToQuota(1.5)).toEqual({ quota: 150000, period: 100000 });
    expect(cpusToQuota(2)).toEqual({ quota: 200000, period: 100000 });
    expect(() => cpusToQuota(0)).toThrow(UserError);
    expect(() => cpusToQuota(-1)).toThrow(UserError);
    expect(() => cpusToQuota(0.001)).toThrow(/minimum/);
  });

  it("sharesToWeight: runc's mapping of cpu.shares 2…262144 onto cpu.weight 1…10000", () => {
    expect(sharesToWeight(2)).toBe(1);
    expect(sharesToWeight(262144)).toBe(10000);
    expect(sharesToWeight(1024)).toBe(39);
    expect(sharesToWeight(512)).toBe(20);
    expect(sharesToWeight(1)).toBe(1); // clamped
  });
});

describe('cgroup v2 at the spec\'s linux.cgroupsPath (podman, containerd)', () => {
  const at = (path: string, id = 'abc123') => openCgroup(id, { mountpoint: mp, version: 2, path, onWarning: () => {} });

  it('puts the container where the path says, below the root, and enables controllers at every level down', () => {
    rmSync(mp, { recursive: true });
    mp = fakeV2({ controllers: 'cpu memory pids', swap: false });
    const cg = at('/libpod_parent/sub/libpod-abc123');
    expect(cg.paths).toEqual([join(mp, 'libpod_parent', 'sub', 'libpod-abc123')]);
    cg.create({ pids: { limit: 5 } });
    expect(writes()).toEqual([
      '$CG/cgroup.subtree_control ← +memory +pids +cpu',
      '$CG/libpod_parent/cgroup.subtree_control ← +memory +pids +cpu',
      '$CG/libpod_parent/sub/cgroup.subtree_control ← +memory +pids +cpu',
      '$CG/libpod_parent/sub/libpod-abc123/pids.max ← 5',
    ]);
  });

  it('reads a relative path from the root as well; the default path is the default layout', () => {
    expect(at('k8s.io/abc123').paths).toEqual([join(mp, 'k8s.io', 'abc123')]);
    expect(at('/mini-run/mr-abc123').paths).toEqual(open('abc123').paths);
  });

  it('delete removes the container\'s directory only: the client\'s parent stays', () => {
    const cg = at('/mr-ns/abc123');
    cg.create({});
    cg.destroy();
    expect(existsSync(join(mp, 'mr-ns', 'abc123'))).toBe(false);
    expect(existsSync(join(mp, 'mr-ns'))).toBe(true);
  });

  it('refuses systemd\'s slice:prefix:name form and . / .. components, before creating anything', () => {
    expect(() => at('system.slice:docker:abc')).toThrow(/systemd's slice:prefix:name form: mini-runc drives cgroupfs only/);
    expect(() => at('/a/../../etc')).toThrow(/must not contain "\." or "\.\."/);
    expect(() => at('/')).toThrow(/names no cgroup/);
    expect(trace.filter((l) => l.includes('mkdir'))).toEqual([]);
  });
});
