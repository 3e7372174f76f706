/**
 * `mini-run compare`: the same command in mini-run and in the other engine, side by side;
 * `--probe` as a same/different table; a clear error when no engine is there. The real Docker
 * engine (the one test/global-setup.ts starts under /tmp, reached through DOCKER_HOST, or the
 * system's) is what compare picks by default; podman, the fallback, is pinned with
 * MINI_RUN_COMPARE_ENGINE. Nothing may be left behind in either engine.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { mr, removeAllContainers, removeRoot, tempRoot } from '../helpers/cli';
import { leasesOf } from '../helpers/network';

const podman = spawnSync('podman', ['version', '--format', '{{.Client.Version}}'], { encoding: 'utf8' });
const havePodman = podman.status === 0;
if (!havePodman) console.log(`compare: podman tests skipped (podman not found: ${podman.error?.message ?? podman.stderr})`);

const dockerInfo = spawnSync('docker', ['info', '--format', '{{.ServerVersion}}'], { encoding: 'utf8', timeout: 15_000 });
const haveDocker = dockerInfo.status === 0 && dockerInfo.stdout.trim() !== '';
if (!haveDocker) console.log(`compare: Docker engine tests skipped (no Docker engine answers: ${(dockerInfo.error?.message ?? dockerInfo.stderr ?? '').trim().split('\n').pop()})`);

/** Docker containers named mr-compare-…: compare must leave none. */
function dockerLeftovers(): string[] {
  if (!haveDocker) return [];
  const ps = spawnSync('docker', ['ps', '-a', '--format', '{{.Names}}'], { encoding: 'utf8' }).stdout;
  return ps.split('\n').filter((n) => n.startsWith('mr-compare-'));
}

let root: string;
// This file checks the podman side; with a Docker engine answering, compare would pick docker.
const WIDE = { COLUMNS: '200', MINI_RUN_COMPARE_ENGINE: 'podman' };
const compare = (...args: string[]) => mr(root, ['compare', ...args], { env: WIDE, timeout: 120_000 });

/** podman objects (containers, networks) named mr-compare-…: compare must leave none. */
function podmanLeftovers(): string[] {
  if (!havePodman) return [];
  const ps = spawnSync('podman', ['ps', '-a', '--format', '{{.Names}}'], { encoding: 'utf8' }).stdout;
  const nets = spawnSync('podman', ['network', 'ls', '--format', '{{.Name}}'], { encoding: 'utf8' }).stdout;
  return [...ps.split('\n'), ...nets.split('\n')].filter((n) => n.startsWith('mr-compare-'));
}

/** The table's row for a probe: its cells (the first line of a wrapped row holds name and verdict). */
function row(table: string, name: string): string[] {
  const line = table.split('\n').find((l) => l.split('│')[0].trim() === name);
  expect(line, `a row for ${name} in:\n${table}`).toBeDefined();
  return line!.split('│').map((c) => c.trim());
}

/** A row's full reason text, joined across its wrapped lines. */
function reason(table: string, name: string): string {
  const ls = table.split('\n');
  const start = ls.findIndex((l) => l.split('│')[0].trim() === name);
  const out: string[] = [];
  for (let i = start; i < ls.length && ls[i].includes('│') && (i === start || ls[i].split('│')[0].trim() === ''); i++) out.push(ls[i].split('│')[4]?.trim() ?? '');
  return out.join(' ');
}

const IP_FORWARD = '/proc/sys/net/ipv4/ip_forward';
const cgroupV1 = existsSync('/sys/fs/cgroup/devices/devices.list');
let ipForwardBefore = '';

beforeAll(() => {
  root = tempRoot('compare');
  ipForwardBefore = readFileSync(IP_FORWARD, 'utf8');
});

afterAll(() => {
  expect(podmanLeftovers()).toEqual([]);
  expect(dockerLeftovers()).toEqual([]);
  // podman's netavark turns ip_forward on for its bridge network: compare gives it back (or
  // hands it to mini-run's idle bridge, which a prune gives back)
  expect(mr(root, ['system', 'prune']).status).toBe(0);
  expect(readFileSync(IP_FORWARD, 'utf8')).toBe(ipForwardBefore);
  expect(leasesOf(root)).toEqual([]);
  expect(removeAllContainers(root)).toEqual([]);
  removeRoot(root);
});

describe.skipIf(!havePodman)('compare against podman', () => {
  it('echo hi: both columns the same, exit 0, and the two command lines shown', () => {
    const r = compare('mini-run/busybox', '--', 'echo', 'hi');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^mini-run: mini-run --root \S+ run --rm --name mr-compare-[0-9a-f]{8} mini-run\/busybox echo hi$/m);
    expect(r.stdout).toMatch(/^podman: +podman run --rm --name mr-compare-[0-9a-f]{8} .*docker\.io\/mini-run\/busybox:latest echo hi$/m);
    expect(r.stdout).toMatch(/^hi {10,}hi$/m); // same line: no mark in the gutter
    expect(r.stdout).toMatch(/same output \(1 line\) and exit status 0 on both/);
  });

  it('hostname: the differing line is marked and the summary counts it (exit 1, like diff)', () => {
    const r = compare('mini-run/busybox', '--', 'sh', '-c', 'hostname; echo same; exit 3');
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^[0-9a-f]{12} +\| [0-9a-f]{12}$/m);
    expect(r.stdout).toMatch(/^same {10,}same$/m);
    expect(r.stdout).toMatch(/1 of 2 lines differ .*exit status 3 on both/);
  });

  it('--probe: a table of same and different rows, each difference with its reason', () => {
    const r = compare('--probe');
    expect(r.status, r.stdout + r.stderr).toBe(0); // 0: no unexplained difference
    const t = r.stdout;
    for (const same of ['hostname', 'PID', '/dev nodes', 'network']) expect(row(t, same)[3], same).toBe('same');
    expect(row(t, 'user')[3]).toBe('different');
    expect(reason(t, 'user')).toMatch(/like the Docker engine, lists the primary group 0\(root\) among the supplementary groups; podman does not/);
    expect(row(t, 'PID')[1]).toBe('1 (PID 1)');
    expect(row(t, 'hostname')[2]).toBe('12 hex chars (short id)');
    expect(row(t, 'capabilities')[3]).toBe('different');
    expect(reason(t, 'capabilities')).toMatch(/has 11 caps, docker's and mini-run's 14: podman leaves out AUDIT_WRITE, MKNOD, NET_RAW/);
    expect(row(t, 'env')[3]).toBe('different');
    expect(reason(t, 'env')).toMatch(/container=podman/);
    expect(row(t, 'mounts')[3]).toBe('different');
    expect(reason(t, 'mounts')).not.toMatch(/unexplained/);
    // the same default seccomp filter on both; v1: podman's device list is Docker's without the console
    expect(row(t, 'seccomp').slice(1, 4)).toEqual(['NoNewPrivs: 0, Seccomp: 2 (filter)', 'NoNewPrivs: 0, Seccomp: 2 (filter)', 'same']);
    if (cgroupV1) {
      expect(row(t, 'device cgroup')[3]).toBe('different');
      expect(reason(t, 'device cgroup')).toMatch(/like the Docker engine, allows c 5:1 rwm \(\/dev\/console\) in every container; podman's default list leaves it out/);
    }
    const limits = row(t, 'cgroup limits');
    expect(limits[2]).toBe('memory=64 MiB pids=100'); // podman shows the limits it was given
    if (limits[3] === 'different') expect(reason(t, 'cgroup limits')).toMatch(/does not mount \/sys\/fs\/cgroup on cgroup-v1/);
    else expect(limits[1]).toBe('memory=64 MiB pids=100');
    // the syscall probe ran in both: podman's own profile differs by kind (ENOSYS instead of EPERM, mount… passed to the kernel)
    expect(row(t, 'system calls')[1]).toMatch(/^_sysctl\(NULL\) EPERM, acct EPERM, add_key/);
    expect(reason(t, 'system calls')).toMatch(/^podman uses its own seccomp profile \(containers\/common\), not Docker's: \d+ of \d+ calls answered the same; /);
    expect(t).toMatch(/12 probes: \d+ same, \d+ different \(\d+ explained, 0 unexplained\)/);
  });

  it('--engine docker with a docker client but no daemon: a clear error, nothing run', () => {
    const docker = spawnSync('docker', ['info'], { encoding: 'utf8' });
    if (docker.status === 0) return; // a real daemon: nothing to check here
    const r = compare('--engine', 'docker', 'mini-run/busybox', '--', 'true');
    expect(r.status).toBe(125);
    expect(r.stderr).toBe('mini-run: compare --engine docker: no docker daemon answers (`docker info` failed)\n');
    const viaEnv = mr(root, ['compare', 'mini-run/busybox', '--', 'true'], { env: { MINI_RUN_COMPARE_ENGINE: 'docker' } });
    expect([viaEnv.status, viaEnv.stderr]).toEqual([125, 'mini-run: compare (MINI_RUN_COMPARE_ENGINE=docker): no docker daemon answers (`docker info` failed)\n']);
  });
});

describe.skipIf(!haveDocker)('compare against the Docker engine (the default when one answers)', () => {
  // No MINI_RUN_COMPARE_ENGINE: compare must pick docker by itself.
  const toDocker = (...args: string[]) => mr(root, ['compare', ...args], { env: { COLUMNS: '200', MINI_RUN_COMPARE_ENGINE: '' }, timeout: 120_000 });

  it('echo hi: docker is chosen, both columns the same, exit 0', () => {
    const r = toDocker('mini-run/busybox', '--', 'echo', 'hi');
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^docker: +docker run --rm --name mr-compare-[0-9a-f]{8} docker\.io\/mini-run\/busybox:latest echo hi$/m);
    expect(r.stdout).toMatch(/^hi {10,}hi$/m);
    expect(r.stdout).toMatch(/same output \(1 line\) and exit status 0 on both/);
    expect(r.status).toBe(0);
  });

  it('--probe: same capabilities and environment as Docker; every difference explained (exit 0)', () => {
    const r = toDocker('--probe');
    expect(r.status, r.stdout + r.stderr).toBe(0);
    const t = r.stdout;
    // user: groups=0(root),10(wheel) on both (the primary group listed too, as Docker does)
    for (const same of ['hostname', 'PID', 'user', '/dev nodes', 'capabilities', 'seccomp', 'device cgroup', 'network', 'env']) expect(row(t, same)[3], same).toBe('same');
    // the default seccomp profile installed, no NoNewPrivs, on both
    expect(row(t, 'seccomp').slice(1, 3)).toEqual(['NoNewPrivs: 0, Seccomp: 2 (filter)', 'NoNewPrivs: 0, Seccomp: 2 (filter)']);
    // v1: Docker's default device list on both (its first wrapped line: mknod of anything, then the tun device)
    if (cgroupV1) expect(row(t, 'device cgroup')[1]).toMatch(/^b \*:\* m, c \*:\* m, c 10:200 rwm,/);
    expect(row(t, 'capabilities')[1]).toMatch(/^AUDIT_WRITE, CHOWN, DAC_OVERRIDE/);
    expect(row(t, 'cgroup limits')[2]).toBe('memory=64 MiB pids=100');
    // system calls: the syscall probe (~90 calls) in both containers answered the same, except —
    // against Docker 20.10 — the calls moby's profile changed since (mini-run follows the current one)
    const calls = row(t, 'system calls');
    expect(calls[1]).toMatch(/^_sysctl\(NULL\) EPERM, acct EPERM, add_key/); // the refused calls first
    if (calls[3] === 'different') {
      const m = /^(\d+) of (\d+) calls answered the same; (.*) — where moby's default profile changed after this engine's version/.exec(reason(t, 'system calls'));
      expect(m, reason(t, 'system calls')).not.toBeNull();
      expect(Number(m![1])).toBeGreaterThanOrEqual(Number(m![2]) - 5);
      expect(Number(m![2])).toBeGreaterThanOrEqual(80);
    } else expect(calls[3]).toBe('same');
    expect(t).toMatch(/12 probes: \d+ same, \d+ different \(\d+ explained, 0 unexplained\)/);
  });
});

describe('compare with no engine', () => {
  it('PATH without docker and podman: one clear line and exit 125', () => {
    const empty = mkdtempSync('/tmp/mr-test-compare-path-');
    try {
      const r = mr(root, ['compare', 'mini-run/busybox', '--', 'true'], { env: { PATH: empty } });
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe('mini-run: compare needs docker (with a running daemon) or podman; neither found\n');
      expect(r.status).toBe(125);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
