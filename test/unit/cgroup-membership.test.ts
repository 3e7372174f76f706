/**
 * cgroups/membership.ts: what `exec` joins and the paused check read without the cgroup
 * driver. It must name exactly the directories the driver (openCgroup) makes and joins, on v1
 * (separate and co-mounted hierarchies, missing controllers), v2, mini-run's layout and a
 * client's cgroupsPath — and read "frozen" as the driver does.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openCgroup } from '../../src/runtime/cgroups';
import { cgroupMembership } from '../../src/runtime/cgroups/membership';

const made: string[] = [];
afterEach(() => { for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true }); });

function fakeV1(controllers: string[], comount: boolean): string {
  const dir = mkdtempSync('/tmp/mr-fake-cgroup-member-');
  made.push(dir);
  for (const c of controllers) {
    if (comount && (c === 'cpu' || c === 'cpuacct')) continue;
    mkdirSync(join(dir, c));
  }
  if (comount) {
    mkdirSync(join(dir, 'cpu,cpuacct'));
    symlinkSync('cpu,cpuacct', join(dir, 'cpu'));
    symlinkSync('cpu,cpuacct', join(dir, 'cpuacct'));
  }
  return dir;
}

function fakeV2(): string {
  const dir = mkdtempSync('/tmp/mr-fake-cgroup-member2-');
  made.push(dir);
  writeFileSync(join(dir, 'cgroup.controllers'), 'memory pids cpu io\n');
  return dir;
}

const ALL = ['cpuset', 'memory', 'cpu', 'cpuacct', 'pids', 'blkio', 'devices', 'freezer'];
const PATHS = [undefined, '', '/mini-run/mr-abc', '/my-parent/my-container', 'relative/leaf', '/leaf-only'];

describe('cgroup membership (exec without the cgroup driver)', () => {
  for (const [name, mk] of [
    ['v1, all controllers', () => fakeV1(ALL, false)],
    ['v1, cpu,cpuacct co-mounted', () => fakeV1(ALL, true)],
    ['v1, no freezer and no blkio', () => fakeV1(ALL.filter((c) => c !== 'freezer' && c !== 'blkio'), false)],
    ['v2', fakeV2],
  ] as Array<[string, () => string]>) {
    it(`names the driver's cgroup.procs files, in its order: ${name}`, () => {
      const mountpoint = mk();
      for (const path of PATHS) {
        const driver = openCgroup('abc', { mountpoint, path });
        const light = cgroupMembership('abc', { mountpoint, path });
        expect(light.procsFiles()).toEqual(driver.procsFiles());
        expect(light.version).toBe(driver.version);
        expect(light.frozen()).toBe(false);
      }
    });
  }

  it('reads frozen as the driver does (v1 freezer.state, v2 cgroup.events)', () => {
    const v1 = fakeV1(ALL, false);
    const dir1 = join(v1, 'freezer', 'mini-run', 'mr-abc');
    mkdirSync(dir1, { recursive: true });
    for (const [text, want] of [['FROZEN\n', true], ['THAWED\n', false], ['FREEZING\n', false]] as const) {
      writeFileSync(join(dir1, 'freezer.state'), text);
      expect(cgroupMembership('abc', { mountpoint: v1 }).frozen()).toBe(want);
      expect(openCgroup('abc', { mountpoint: v1 }).frozen()).toBe(want);
    }
    const v2 = fakeV2();
    const dir2 = join(v2, 'mini-run', 'mr-abc');
    mkdirSync(dir2, { recursive: true });
    for (const [text, want] of [['populated 1\nfrozen 1\n', true], ['populated 1\nfrozen 0\n', false]] as const) {
      writeFileSync(join(dir2, 'cgroup.events'), text);
      expect(cgroupMembership('abc', { mountpoint: v2 }).frozen()).toBe(want);
      expect(openCgroup('abc', { mountpoint: v2 }).frozen()).toBe(want);
    }
  });

  it('refuses what the driver refuses (a bad id, systemd slice paths, ..)', () => {
    const mountpoint = fakeV1(ALL, false);
    for (const [id, path] of [['../x', undefined], ['abc', 'system.slice:mr:abc'], ['abc', '/a/../b'], ['abc', '/']] as Array<[string, string | undefined]>) {
      expect(() => openCgroup(id, { mountpoint, path })).toThrow();
      expect(() => cgroupMembership(id, { mountpoint, path })).toThrow();
    }
  });
});
