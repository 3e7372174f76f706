/**
 * `pause`/`unpause`, `stats` and `top` against a real running container: a busy loop started
 * in the background (a foreground `run` supervised by a child of this test), frozen and thawed
 * by the cgroup freezer of this host, measured from its cgroup, listed by the host's ps.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, leaksFor, mr, removeRoot, tempRoot, until } from '../helpers/cli';

const IMG = 'mini-run/busybox';
// sh as PID 1 ignores SIGTERM unless it traps it: the trap lets afterAll stop it politely.
const LOOP = 'trap "exit 0" TERM; while :; do :; done';
const usable = process.getuid?.() === 0 && existsSync('/bin/busybox');

let root: string;
let target: ChildProcess | null = null;
let targetExit: Promise<number | null>;
const ids: string[] = [];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const cli = (...args: string[]) => mr(root, args);

interface Rec { id: string; name: string; state: { Status: string; Pid: number } }
function record(name: string): Rec | undefined {
  const dir = join(root, 'containers');
  if (!existsSync(dir)) return undefined;
  for (const id of readdirSync(dir)) {
    try {
      const r = JSON.parse(readFileSync(join(dir, id, 'container.json'), 'utf8')) as Rec;
      if (r.name === name) return r;
    } catch { /* being written or removed */ }
  }
  return undefined;
}

/** CPU time (utime + stime, in 10 ms ticks) the kernel has charged to a process so far. */
function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]);
}

async function cpuTicksOver(pid: number, ms: number): Promise<number> {
  const t0 = cpuTicks(pid);
  await sleep(ms);
  return cpuTicks(pid) - t0;
}

/** The data row of a one-container `stats` table, split on the 3-space column gaps. */
function statsCells(stdout: string): string[] {
  const lines = stdout.trimEnd().split('\n');
  expect(lines).toHaveLength(2);
  return lines[1].split(/ {2,}/);
}

describe.skipIf(!usable)('pause, unpause, stats and top on a running container', () => {
  let pid = 0;
  let id = '';

  beforeAll(async () => {
    root = tempRoot('pst');
    // A stopped container for the "not running" cases and `stats -a`.
    const stopped = cli('run', '--name', 'stopped', IMG, 'true');
    if (stopped.status !== 0) throw new Error(`run failed: ${stopped.stderr}`);
    target = spawn(process.execPath, [BIN, '--root', root, 'run', '--rm', '--network', 'none', '--name', 'target', '--memory', '64m', IMG, 'sh', '-c', LOOP], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    target.stderr!.on('data', (d) => (stderr += d));
    targetExit = new Promise((r) => target!.on('exit', (code) => r(code)));
    const deadline = Date.now() + 30_000;
    while (record('target')?.state.Status !== 'running') {
      if (Date.now() > deadline || target.exitCode !== null) throw new Error(`target did not start: ${stderr}`);
      await sleep(50);
    }
    ({ id } = record('target')!);
    ids.push(id, record('stopped')!.id);
    pid = record('target')!.state.Pid;
  });

  afterAll(async () => {
    if (target && target.exitCode === null) {
      cli('unpause', 'target'); // a frozen container cannot act on the SIGTERM
      target.kill('SIGTERM'); // forwarded to the container's PID 1, which traps it and exits
      const code = await Promise.race([targetExit, sleep(15_000).then(() => 'timeout')]);
      expect(code).toBe(0);
    }
    cli('rm', 'stopped');
    // Other mini-run sessions may run containers on this host right now: judge only ours.
    expect(leaksFor(root).filter((l) => !l.startsWith('cgroup:') || ids.some((i) => l.includes(i)))).toEqual([]);
    removeRoot(root);
  });

  it('stats --no-stream: the busy loop near 100% of a CPU, memory against the 64 MiB limit, no network', () => {
    const t0 = Date.now();
    const ticks0 = cpuTicks(pid);
    const r = cli('stats', '--no-stream', 'target');
    const ms = Date.now() - t0;
    // What the loop really got meanwhile (the host is shared: other work may take a CPU).
    const share = ((cpuTicks(pid) - ticks0) * 10 * 100) / ms;
    console.log(`pause-stats: stats --no-stream took ${ms} ms (the loop got ${share.toFixed(0)}% meanwhile):\n${r.stdout}`);
    expect(r.status).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe('CONTAINER ID   NAME      CPU %     MEM USAGE / LIMIT   MEM %     NET I/O   BLOCK I/O   PIDS');
    const [cid, name, cpu, mem, memPerc, net, block, pids] = statsCells(r.stdout);
    expect(cid).toBe(id.slice(0, 12));
    expect(name).toBe('target');
    // One busy thread is ~100% (of one CPU) on an idle host; never less than half of what
    // the kernel actually gave it around the measurement.
    const cpuPercent = Number(cpu.replace('%', ''));
    expect(cpuPercent).toBeGreaterThan(Math.min(50, share / 2));
    expect(cpuPercent).toBeLessThanOrEqual(110);
    expect(mem).toMatch(/^[\d.]+(B|KiB|MiB) \/ 64MiB$/);
    expect(memPerc).toMatch(/^\d+\.\d\d%$/);
    expect(net).toBe('0B / 0B'); // --network none: only lo, which is not counted
    expect(block).toMatch(/^[\d.]+[kMG]?B \/ [\d.]+[kMG]?B$/);
    expect(pids).toBe('1');
  });

  it('top lists the container\'s processes with the host\'s ps -ef columns and host PIDs', () => {
    const r = cli('top', 'target');
    expect(r.status).toBe(0);
    const [header, ...rows] = r.stdout.trimEnd().split('\n');
    expect(header.split(/\s+/)).toEqual(['UID', 'PID', 'PPID', 'C', 'STIME', 'TTY', 'TIME', 'CMD']);
    expect(rows).toHaveLength(1);
    expect(rows[0].split(/\s+/).slice(0, 2)).toEqual(['root', String(pid)]);
    expect(rows[0]).toContain(`sh -c ${LOOP}`);
    // Other ps options, as docker top passes them through.
    const o = cli('top', 'target', '-o', 'pid,comm');
    expect(o.stdout.trimEnd().split('\n').map((l) => l.split(/\s+/))).toEqual([['PID', 'COMMAND'], [String(pid), 'sh']]);
  });

  it('pause freezes every process: no CPU time while paused, recorded as paused, still listed by top', async () => {
    expect(await cpuTicksOver(pid, 300)).toBeGreaterThan(10);
    const t0 = Date.now();
    const r = cli('pause', 'target');
    console.log(`pause-stats: mini-run pause took ${Date.now() - t0} ms`);
    expect(r).toMatchObject({ status: 0, stdout: 'target\n', stderr: '' });
    expect(record('target')!.state.Status).toBe('paused');
    expect(await cpuTicksOver(pid, 500)).toBeLessThanOrEqual(1);
    expect(cli('top', 'target').stdout).toContain(`sh -c ${LOOP}`);
    const [, , cpu] = statsCells(cli('stats', '--no-stream', 'target').stdout);
    expect(cpu).toBe('0.00%');
    const again = cli('pause', 'target');
    expect(again.status).toBe(1);
    expect(again.stderr.trim()).toBe(`mini-run: Container ${id} is already paused`);
  });

  it('unpause lets it run again and records running', async () => {
    const r = cli('unpause', 'target');
    expect(r).toMatchObject({ status: 0, stdout: 'target\n' });
    expect(record('target')!.state.Status).toBe('running');
    expect(await cpuTicksOver(pid, 300)).toBeGreaterThan(10);
    const again = cli('unpause', 'target');
    expect(again.status).toBe(1);
    expect(again.stderr.trim()).toBe(`mini-run: Container ${id} is not paused`);
  });

  it('refuses like docker: stopped containers are not running, unknown ones do not exist (exit 1)', () => {
    const stoppedId = record('stopped')!.id;
    for (const cmd of ['pause', 'top']) {
      const r = cli(cmd, 'stopped');
      expect(r.status).toBe(1);
      expect(r.stderr.trim()).toBe(`mini-run: Container ${stoppedId} is not running`);
    }
    expect(cli('unpause', 'stopped').stderr.trim()).toBe(`mini-run: Container ${stoppedId} is not paused`);
    for (const cmd of [['pause', 'x'], ['unpause', 'x'], ['top', 'x'], ['stats', '--no-stream', 'x']]) {
      const r = cli(...cmd);
      expect(r.status).toBe(1);
      expect(r.stderr.trim()).toBe('mini-run: No such container: x');
    }
    // Several names: each one that works is printed, the failures go to stderr, exit 1.
    const both = cli('pause', 'x', 'target');
    expect(both).toMatchObject({ status: 1, stdout: 'target\n' });
    expect(both.stderr).toContain('No such container: x');
    expect(cli('unpause', 'target').status).toBe(0);
  });

  it('stats shows running containers by default, stopped ones (with zeros) with -a; --format picks columns', () => {
    const names = (out: string) => out.trimEnd().split('\n').slice(1).map((l) => l.split(/ {2,}/)[1]);
    expect(names(cli('stats', '--no-stream').stdout)).toEqual(['target']);
    const all = cli('stats', '--no-stream', '-a');
    expect(names(all.stdout).sort()).toEqual(['stopped', 'target']);
    const line = all.stdout.split('\n').find((l) => l.includes('stopped'))!;
    expect(line.split(/ {2,}/).slice(2)).toEqual(['0.00%', '0B / 0B', '0.00%', '0B / 0B', '0B / 0B', '0']);
    const f = cli('stats', '--no-stream', '--format', 'table {{.Name}}\t{{.MemUsage}}\t{{.PIDs}}', 'target');
    expect(f.stdout).toMatch(/^NAME {6}MEM USAGE \/ LIMIT {3}PIDS\ntarget {4}\S+ \/ 64MiB {2,}1\n$/);
    const j = JSON.parse(cli('stats', '--no-stream', '--format', 'json', 'target').stdout);
    expect(j).toMatchObject({ Name: 'target', ID: id.slice(0, 12), PIDs: '1', NetIO: '0B / 0B' });
  });

  it('live stats (not a terminal) prints a new table every second until interrupted', async () => {
    const live = spawn(process.execPath, [BIN, '--root', root, 'stats', '--format', 'table {{.Name}}\t{{.CPUPerc}}'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    live.stdout!.on('data', (d) => (out += d));
    const exited = new Promise((r) => live.on('exit', (code, signal) => r(signal)));
    // Two tables (one second apart) however long this Node takes to start on a busy machine.
    await until(() => out.split('NAME      CPU %\n').length - 1 >= 2, 20_000);
    live.kill('SIGINT');
    expect(await exited).toBe('SIGINT');
    const tables = out.split('NAME      CPU %\n').slice(1);
    expect(tables.length).toBeGreaterThanOrEqual(2);
    expect(out).not.toContain('\x1b[2J'); // no screen clearing into a pipe
    for (const t of tables) expect(Number(/^target\s+([\d.]+)%/.exec(t)![1])).toBeGreaterThan(10);
  });
});
