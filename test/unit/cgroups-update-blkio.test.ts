/**
 * Block I/O limits and live updates in both cgroup drivers, against FAKE cgroupfs trees (the
 * formats); the real kernel is exercised by cgroups-host.test.ts (v1) and the v2 VM test.
 * Also the flag parsing of --device-read-bps & co., in Docker's words.
 */
import { describe, it, expect, afterEach } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openCgroup } from '../../src/runtime/cgroups';
import { blkioWeightToIoWeight } from '../../src/runtime/cgroups/block-io';
import { parseThrottle, parseBlkioWeight, checkBlkioWeight, blockIOSpec, NO_BLKIO } from '../../src/engine/blkio-flags';
import { UserError } from '../../src/errors';
import { createRequire } from 'node:module';

// The cgroup drivers (v1.ts, v2.ts) are loaded at first use by Node's require() (cgroups/index.ts,
// src/lazy.ts), and vitest's imports are a second instance of each module: the drivers' trace
// lines and errors come from Node's instances of trace.ts and errors.ts.
const nodeRequire = createRequire(import.meta.url);
const { onTrace } = nodeRequire('../../src/sys/trace') as typeof import('../../src/sys/trace');

const dirs: string[] = [];
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

function fakeV1(weightFile: string | null): string {
  const mp = mkdtempSync('/tmp/mr-fake-cgroup1-');
  dirs.push(mp);
  for (const c of ['memory', 'cpu', 'pids', 'blkio']) {
    mkdirSync(join(mp, c));
    writeFileSync(join(mp, c, 'cgroup.procs'), '');
  }
  writeFileSync(join(mp, 'memory', 'memory.memsw.limit_in_bytes'), '9223372036854771712\n');
  if (weightFile) writeFileSync(join(mp, 'blkio', weightFile), '500\n');
  return mp;
}

function fakeV2(): string {
  const mp = mkdtempSync('/tmp/mr-fake-cgroup2-');
  dirs.push(mp);
  writeFileSync(join(mp, 'cgroup.controllers'), 'cpu io memory pids\n');
  writeFileSync(join(mp, 'cgroup.subtree_control'), '\n');
  mkdirSync(join(mp, 'mini-run'));
  writeFileSync(join(mp, 'mini-run', 'memory.swap.max'), 'max\n');
  writeFileSync(join(mp, 'mini-run', 'io.weight'), 'default 100\n');
  return mp;
}

const read = (...p: string[]) => readFileSync(join(...p), 'utf8').trim();
const vda = (rate: number) => [{ major: 254, minor: 0, rate }];

describe('block I/O limits', () => {
  it('v1: the throttles go to blkio.throttle.*_device as "MAJ:MIN RATE", the weight to blkio.bfq.weight when CFQ is gone', () => {
    const mp = fakeV1('blkio.bfq.weight');
    const cg = openCgroup('b1', { mountpoint: mp, version: 1 });
    cg.create({ blockIO: { weight: 300, throttleReadBpsDevice: vda(1048576), throttleWriteIOPSDevice: vda(100) } });
    const dir = join(mp, 'blkio', 'mini-run', 'mr-b1');
    expect(read(dir, 'blkio.throttle.read_bps_device')).toBe('254:0 1048576');
    expect(read(dir, 'blkio.throttle.write_iops_device')).toBe('254:0 100');
    expect(read(dir, 'blkio.bfq.weight')).toBe('300');
    cg.destroy();
  });

  it('v1: a weight on a kernel without one is refused in one line, and nothing is created', () => {
    const mp = fakeV1(null);
    const cg = openCgroup('b2', { mountpoint: mp, version: 1 });
    expect(() => cg.create({ blockIO: { weight: 300 } })).toThrow(/no block I\/O weight/);
    expect(() => read(mp, 'blkio', 'mini-run', 'mr-b2', 'cgroup.procs')).toThrow();
  });

  it('v2: one io.max line per device with all four limits, the weight on io.weight\'s 1…10000 scale', () => {
    const mp = fakeV2();
    const cg = openCgroup('b3', { mountpoint: mp, version: 2 });
    cg.create({ blockIO: { weight: 1000, throttleReadBpsDevice: vda(1048576), throttleWriteBpsDevice: vda(2097152) } });
    const dir = join(mp, 'mini-run', 'mr-b3');
    expect(read(dir, 'io.max')).toBe('254:0 rbps=1048576 wbps=2097152 riops=max wiops=max');
    expect(read(dir, 'io.weight')).toBe('default 10000');
    expect(blkioWeightToIoWeight(10)).toBe(1);
    expect(blkioWeightToIoWeight(500)).toBe(4950);
    cg.destroy();
  });

  it('v2: without the io controller a block I/O limit is refused in one line', () => {
    const mp = fakeV2();
    writeFileSync(join(mp, 'cgroup.controllers'), 'cpu memory pids\n');
    const cg = openCgroup('b4', { mountpoint: mp, version: 2 });
    expect(() => cg.create({ blockIO: { throttleReadBpsDevice: vda(1) } })).toThrow(/cgroup controller io is not available/);
  });
});

describe('update of a live cgroup', () => {
  it('v1: raising memory+swap goes before the memory limit, lowering it after (the kernel keeps memory ≤ memsw at every write)', () => {
    const mp = fakeV1(null);
    const cg = openCgroup('u1', { mountpoint: mp, version: 1 });
    cg.create({ memory: { limit: 64 << 20, swap: 128 << 20 } });
    const dir = join(mp, 'memory', 'mini-run', 'mr-u1');
    const order: string[] = [];
    const stop = onTrace((l) => { const m = /write \S*\/(memory\.\S+)/.exec(l); if (m) order.push(m[1]); });
    cg.update({ memory: { limit: 256 << 20, swap: 512 << 20 } });
    cg.update({ memory: { limit: 32 << 20, swap: 48 << 20 } });
    stop();
    expect(order).toEqual(['memory.memsw.limit_in_bytes', 'memory.limit_in_bytes', 'memory.limit_in_bytes', 'memory.memsw.limit_in_bytes']);
    expect(read(dir, 'memory.limit_in_bytes')).toBe(String(32 << 20));
    expect(read(dir, 'memory.memsw.limit_in_bytes')).toBe(String(48 << 20));
    cg.destroy();
  });

  it('v2: writes only what is asked; a refused value puts back the ones already written', () => {
    const mp = fakeV2();
    const cg = openCgroup('u2', { mountpoint: mp, version: 2 });
    cg.create({ memory: { limit: 64 << 20, swap: 128 << 20 }, pids: { limit: 20 } });
    const dir = join(mp, 'mini-run', 'mr-u2');
    cg.update({ pids: { limit: -1 }, cpu: { shares: 512 } });
    expect(read(dir, 'pids.max')).toBe('max');
    expect(read(dir, 'memory.max')).toBe(String(64 << 20));
    // memory.swap.max as a directory: the write fails after memory.max was written.
    rmSync(join(dir, 'memory.swap.max'));
    mkdirSync(join(dir, 'memory.swap.max'));
    expect(() => cg.update({ memory: { limit: 32 << 20, swap: 64 << 20 } })).toThrow();
    expect(read(dir, 'memory.max')).toBe(String(64 << 20));
    rmSync(join(dir, 'memory.swap.max'), { recursive: true });
    cg.destroy();
  });

  it('refuses to update a cgroup that does not exist', () => {
    const mp = fakeV2();
    expect(() => openCgroup('u3', { mountpoint: mp, version: 2 }).update({ pids: { limit: 5 } })).toThrow(/does not exist/);
  });
});

describe('block I/O flags (Docker\'s checks and messages)', () => {
  it('parses PATH:RATE with units for bps and plain numbers for iops', () => {
    expect(parseThrottle('/dev/vda:1mb', 'device-write-bps')).toEqual({ Path: '/dev/vda', Rate: 1048576 });
    expect(parseThrottle('/dev/vda:100', 'device-read-iops')).toEqual({ Path: '/dev/vda', Rate: 100 });
  });

  it('refuses what Docker refuses, in its words (exit 125)', () => {
    const msg = (f: () => unknown) => { try { f(); } catch (e) { return [(e as UserError).message, (e as UserError).exitCode]; } return null; };
    expect(msg(() => parseThrottle('vda:1mb', 'device-write-bps'))).toEqual(['invalid argument "vda:1mb" for "--device-write-bps" flag: bad format for device path: vda:1mb', 125]);
    expect(msg(() => parseThrottle('/dev/vda:1x', 'device-write-bps'))?.[0]).toMatch(/invalid rate for device: \/dev\/vda:1x\. The correct format is <device-path>:<number>\[<unit>\]/);
    expect(msg(() => parseThrottle('/dev/vda:1mb', 'device-write-iops'))?.[0]).toMatch(/The correct format is <device-path>:<number>\. Number must be a positive integer$/);
    expect(msg(() => parseBlkioWeight('x'))?.[1]).toBe(125);
    expect(msg(() => checkBlkioWeight(5, 125))).toEqual(['Range of blkio weight is from 10 to 1000', 125]);
    expect(msg(() => checkBlkioWeight(0, 125))).toBeNull();
  });

  it('drops what the kernel cannot apply with Docker\'s warning, and keeps HostConfig honest', () => {
    const warnings: string[] = [];
    const r = blockIOSpec({ ...NO_BLKIO, BlkioWeight: 300 }, { weight: false, throttle: true }, (m) => warnings.push(m));
    expect(r.blockIO).toBeUndefined();
    expect(r.kept.BlkioWeight).toBe(0);
    expect(warnings).toEqual(['Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded.']);
  });
});
