#!/usr/bin/env node
// bench/density.mjs — how many containers, and what each running one costs.
//
// Starts N detached `sleep` containers (default 50) one after another with `mini-run run -d`,
// reports the start time per container (median, p90) and the memory that mini-run keeps alive
// per running container: the memory of each container's supervisor (shim), the process that is
// the parent of its PID 1, read from /proc/PID/smaps_rollup once all N run:
//   Pss      — shared pages (the node binary, libraries) split among the processes mapping them:
//              what one more container really costs when N run (issue 16 goal 6: ≤ 8 MiB at 50);
//   private  — pages only this process maps (Private_Clean + Private_Dirty);
//   anon     — its heap, stacks and other anonymous memory (what no sharing can reduce).
// The container's own program (sleep) is not counted: it is the user's, not the runtime's.
// With --podman (when installed; never installed by this bench): the same N containers under
// podman, and the same numbers for their conmon, the C supervisor that is the anchor.
//
//   sudo node bench/density.mjs [--count 50] [--settle 30] [--bridge] [--podman] [--json]
//
// The memory is read --settle seconds (default 30) after the last start: a Node process that
// has just started still holds its start-up garbage until V8's memory reducer has run (it does
// when the heap has been idle a while), and a supervisor spends its life idle.
// Containers run with --network none unless --bridge (then mini-run's default bridge).
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { cleanupOnExit, parseArgs, removeScratch } from './lib.mjs';

const USAGE = 'usage: sudo node bench/density.mjs [--count N (default 50)] [--settle SECONDS (default 30)] [--bridge] [--podman] [--json]';
const opts = parseArgs(process.argv.slice(2), 'density bench', USAGE, { count: 50, settle: 30, bridge: false, podman: false, json: false });
const REPO = resolve(new URL('..', import.meta.url).pathname);
const BIN = join(REPO, 'bin', 'mini-run');
const scratch = mkdtempSync('/tmp/mr-bench-density-');
const root = join(scratch, 'root');
const mr = (...a) => spawnSync(process.execPath, [BIN, '--root', root, ...a], { encoding: 'utf8' });
const netFlags = opts.bridge ? [] : ['--network', 'none'];
const undo = [];
cleanupOnExit('density bench', () => {
  for (const u of undo.reverse()) { try { u(); } catch { /* best effort */ } }
  removeScratch(scratch, 'density bench');
});

/** Rss, Pss, private and anonymous memory (KiB) of a process, from /proc/PID/smaps_rollup. */
function memoryOf(pid) {
  const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const kb = (field) => Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? NaN);
  return { rss: kb('Rss'), pss: kb('Pss'), private: kb('Private_Clean') + kb('Private_Dirty'), anon: kb('Anonymous') };
}
const parentOf = (pid) => Number(/^PPid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);
const commOf = (pid) => readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
const sorted = (xs) => [...xs].sort((a, b) => a - b);
const median = (xs) => sorted(xs)[Math.floor(xs.length / 2)];
const pct = (xs, p) => sorted(xs)[Math.min(xs.length - 1, Math.floor(xs.length * p))];
const mib = (kb) => +(kb / 1024).toFixed(1);

/** Start `count` containers with `start(i)` (returns the container's PID 1), then read their supervisors. */
function measure(name, start) {
  const times = [];
  const pids = [];
  for (let i = 0; i < opts.count; i++) {
    const t0 = process.hrtime.bigint();
    const pid = start(i);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    pids.push(pid);
  }
  const supervisors = pids.map(parentOf);
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, opts.settle * 1000); // idle, as they live
  const mem = supervisors.map(memoryOf);
  const field = (f) => ({ median: mib(median(mem.map((m) => m[f]))), p90: mib(pct(mem.map((m) => m[f]), 0.9)) });
  return {
    name, comm: commOf(supervisors[0]), count: opts.count,
    startMs: { median: +median(times).toFixed(1), p90: +pct(times, 0.9).toFixed(1) },
    pssMiB: field('pss'), privateMiB: field('private'), anonMiB: field('anon'), rssMiB: field('rss'),
    pssTotalMiB: mib(mem.reduce((a, m) => a + m.pss, 0)),
  };
}

function check(r, what) {
  if (r.status !== 0) throw new Error(`${what} failed: ${(r.stderr || r.stdout || String(r.error)).trim().split('\n')[0]}`);
  return r.stdout.trim();
}

const results = [];
// ---------------------------------------------------------------------------------- mini-run
{
  check(mr('run', '--rm', ...netFlags, 'mini-run/busybox', 'true'), 'warm-up run');
  const ids = [];
  undo.push(() => { if (ids.length) mr('rm', '-f', ...ids); mr('system', 'prune', '-f'); });
  results.push(measure('mini-run supervisor', () => {
    const id = check(mr('run', '-d', ...netFlags, 'mini-run/busybox', 'sleep', '3600'), 'run -d');
    ids.push(id);
    return Number(check(mr('inspect', '-f', '{{.State.Pid}}', id), 'inspect'));
  }));
  check(mr('rm', '-f', ...ids), 'rm -f');
  ids.length = 0;
}

// ------------------------------------------------------------------------------------ podman
if (opts.podman) {
  const which = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
  if (!which('podman')) {
    results.push({ name: 'podman conmon', skipped: 'podman not installed (optional; never installed by this bench)' });
  } else {
    // The same static busybox as a --rootfs; podman's default ulimits pinned as `compare` does.
    const busybox = ['/bin/busybox', '/usr/bin/busybox'].find((p) => existsSync(p));
    const rootfs = join(scratch, 'rootfs');
    for (const d of ['bin', 'proc', 'sys', 'dev', 'tmp', 'etc']) mkdirSync(join(rootfs, d), { recursive: true });
    copyFileSync(busybox, join(rootfs, 'bin', 'busybox'));
    chmodSync(join(rootfs, 'bin', 'busybox'), 0o755);
    symlinkSync('busybox', join(rootfs, 'bin', 'sleep'));
    const engine = createRequire(import.meta.url)(join(REPO, 'dist', 'compare', 'engines.js')).prepareEngine('podman', { network: false });
    undo.push(() => engine.cleanup());
    const podman = (...a) => spawnSync('podman', ['--cgroup-manager=cgroupfs', '--events-backend=file', ...a], { encoding: 'utf8' });
    const names = [];
    undo.push(() => { if (names.length) podman('rm', '-f', '-t', '0', ...names); });
    results.push(measure('podman conmon', (i) => {
      const name = `mr-bench-density-${process.pid}-${i}`;
      check(podman('run', '-d', '--name', name, '--network', 'none', ...engine.runFlags, '--rootfs', rootfs, 'sleep', '3600'), 'podman run -d');
      names.push(name);
      return Number(check(podman('inspect', '-f', '{{.State.Pid}}', name), 'podman inspect'));
    }));
    podman('rm', '-f', '-t', '0', ...names);
    names.length = 0;
  }
}

const GOAL_MIB = 8;
if (opts.json) {
  console.log(JSON.stringify({ count: opts.count, settleSeconds: opts.settle, network: opts.bridge ? 'bridge' : 'none', goalPssMiB: GOAL_MIB, results }, null, 2));
} else {
  console.log(`density bench: ${opts.count} detached 'sleep' containers, network ${opts.bridge ? 'bridge' : 'none'}; memory of each supervisor ${opts.settle} s after the last start (MiB, smaps_rollup), median (p90)`);
  for (const r of results) {
    if (r.skipped) { console.log(`${r.name}: skipped: ${r.skipped}`); continue; }
    const f = (x) => `${x.median} (${x.p90})`;
    console.log(`${r.name} [${r.comm}]: Pss ${f(r.pssMiB)}, private ${f(r.privateMiB)}, anon ${f(r.anonMiB)}, Rss ${f(r.rssMiB)}; all ${r.count}: ${r.pssTotalMiB} MiB Pss; run -d ${r.startMs.median} ms (p90 ${r.startMs.p90})`);
  }
  const own = results[0];
  const goal = own.pssMiB.median <= GOAL_MIB ? 'MET' : 'not met';
  const conmon = results.find((r) => r.name === 'podman conmon' && !r.skipped);
  console.log(`goal 6: supervisor Pss per container at ${opts.count} ≤ ${GOAL_MIB} MiB: ${own.pssMiB.median} MiB → ${goal}${conmon ? `; ${(own.pssMiB.median / conmon.pssMiB.median).toFixed(1)} × conmon's` : ''}`);
}
