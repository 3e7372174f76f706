#!/usr/bin/env node
/**
 * What the confinement costs at start-up (issue 12's budget: ≤ 5 ms added to the median): the
 * seccomp filter and the device cgroup's rules, each switched on and off with everything else
 * the same, in interleaved rounds (one of each per round, so a slow moment hits all rows alike).
 *
 *   sudo node bench/confinement.mjs [--runs N (default 21)] [--json]
 *
 * Rows:
 *   mini-run run --rm --network none mini-run/busybox true      the default: filter + device rules
 *     … --security-opt seccomp=unconfined                         no filter (the device rules stay)
 *   mini-runc run, one bundle in three versions (runc spec + busybox, as bench/startup.mjs):
 *     none          no linux.seccomp, no linux.resources.devices (no rules at all)
 *     devices       Docker's default device rules (engine/spec-builder DEFAULT_DEVICE_RULES)
 *     devices+seccomp  and Docker's default profile for the bundle's capabilities
 * The `mini-run` pair measures the whole path (the CLI builds the profile, the init compiles and
 * loads it); the `mini-runc` trio splits the runtime's share between device rules and filter.
 *
 * Everything lives under one temp dir (/tmp/mr-bench-confinement-*), removed at the end.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { cleanupOnExit, parseArgs, removeScratch } from './lib.mjs';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const opts = parseArgs(process.argv.slice(2), 'confinement bench',
  'usage: sudo node bench/confinement.mjs [--runs N (default 21)] [--json]', { runs: 21, json: false });
const log = (...a) => (opts.json ? console.error(...a) : console.log(...a));
if (process.getuid?.() !== 0) { console.error('confinement bench: run as root (sudo)'); process.exit(2); }
if (!existsSync(join(REPO, 'dist', 'cli', 'main.js'))) { console.error('confinement bench: build first (npm run build)'); process.exit(2); }

const node = process.execPath;
const miniRun = join(REPO, 'bin', 'mini-run');
const miniRunc = join(REPO, 'bin', 'mini-runc');
const scratch = mkdtempSync('/tmp/mr-bench-confinement-');
const mrRoot = join(scratch, 'mini-run-root');
const runcState = join(scratch, 'mini-runc-state');
cleanupOnExit('confinement bench', () => {
  spawnSync(node, [miniRun, '--root', mrRoot, 'system', 'prune'], { stdio: 'ignore' });
  removeScratch(scratch, 'confinement bench');
});

/**
 * Run once under bash, whose `times` then prints the CPU time (user, system) of every process it
 * waited for and their waited-for children: the CLI and the container's init. Returns the wall
 * time and that CPU time in ms, or throws with the first line of the error. On a busy host the
 * wall time is mostly waiting for a core; the CPU time is the work itself.
 */
const TIMED = '"$@" >/dev/null; rc=$?; times >&2; exit $rc';
function timeOnce(argv) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync('bash', ['-c', TIMED, 'timed', ...argv], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', timeout: 60_000 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${argv.slice(1, 5).join(' ')}…: ${String(r.stderr).trim().split('\n')[0] || `exit ${r.status}`}`);
  // the last line of `times`: the children's "0m0.412s 0m0.105s"
  const t = /(\d+)m([\d.]+)s (\d+)m([\d.]+)s\s*$/.exec(r.stderr);
  const cpu = t ? (Number(t[1]) * 60 + Number(t[2]) + Number(t[3]) * 60 + Number(t[4])) * 1000 : NaN;
  return { ms, cpu };
}

// ------------------------------------------------------------- one bundle in three versions
const busybox = ['/bin/busybox', '/usr/bin/busybox'].find((p) => existsSync(p));
if (!busybox) { console.error('confinement bench: busybox not found (apt-get install busybox-static)'); process.exit(2); }
const rootfs = join(scratch, 'rootfs');
for (const d of ['bin', 'proc', 'sys', 'dev', 'tmp', 'etc']) mkdirSync(join(rootfs, d), { recursive: true });
copyFileSync(busybox, join(rootfs, 'bin', 'busybox'));
chmodSync(join(rootfs, 'bin', 'busybox'), 0o755);
symlinkSync('busybox', join(rootfs, 'bin', 'true'));
const spec = spawnSync('runc', ['spec', '--bundle', scratch], { encoding: 'utf8' });
if (spec.status !== 0) { console.error(`confinement bench: runc spec: ${spec.stderr.trim()}`); process.exit(2); }
const base = JSON.parse(readFileSync(join(scratch, 'config.json'), 'utf8'));
base.root = { path: rootfs, readonly: false };
base.process.args = ['true'];
base.process.terminal = false;
const { DEFAULT_DEVICE_RULES } = require(join(REPO, 'dist', 'engine', 'spec-builder.js'));
const { DEFAULT_SECCOMP_PROFILE } = require(join(REPO, 'dist', 'engine', 'seccomp-default.js'));
const { resolveProfile } = require(join(REPO, 'dist', 'engine', 'seccomp-profile.js'));
const bundles = {};
for (const [name, devices, seccomp] of [
  ['none', false, false], ['devices', true, false], ['devices+seccomp', true, true],
]) {
  const cfg = structuredClone(base);
  cfg.linux.resources = { ...(cfg.linux.resources ?? {}) };
  if (devices) cfg.linux.resources.devices = DEFAULT_DEVICE_RULES;
  else delete cfg.linux.resources.devices;
  if (seccomp) cfg.linux.seccomp = resolveProfile(DEFAULT_SECCOMP_PROFILE, cfg.process.capabilities.bounding);
  else delete cfg.linux.seccomp;
  const dir = join(scratch, `bundle-${name.replace('+', '-')}`);
  mkdirSync(dir);
  writeFileSync(join(dir, 'config.json'), JSON.stringify(cfg));
  bundles[name] = dir;
}

// ------------------------------------------------------------------------------------- rows
let seq = 0;
const miniRuncRow = (name) => ({
  name: `mini-runc run (${name})`,
  run: () => {
    const id = `mr-bench-${process.pid}-${seq++}`;
    try { return timeOnce([node, miniRunc, '--root', runcState, 'run', '-b', bundles[name], id]); } finally {
      spawnSync(node, [miniRunc, '--root', runcState, 'delete', '-f', id], { stdio: 'ignore' });
    }
  },
});
const rows = [
  { name: 'mini-run run (default: seccomp + device rules)', run: () => timeOnce([node, miniRun, '--root', mrRoot, 'run', '--rm', '--network', 'none', 'mini-run/busybox', 'true']) },
  { name: 'mini-run run --security-opt seccomp=unconfined', run: () => timeOnce([node, miniRun, '--root', mrRoot, 'run', '--rm', '--network', 'none', '--security-opt', 'seccomp=unconfined', 'mini-run/busybox', 'true']) },
  miniRuncRow('none'), miniRuncRow('devices'), miniRuncRow('devices+seccomp'),
];

log(`confinement bench: ${opts.runs} interleaved rounds of ${rows.length} rows (one warm-up each), load ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
for (const r of rows) r.run(); // warm-up: the built-in image, the page cache
const samples = rows.map(() => []);
for (let i = 0; i < opts.runs; i++) rows.forEach((r, k) => samples[k].push(r.run()));
const loadAfter = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const result = rows.map((r, k) => ({
  name: r.name,
  median: median(samples[k].map((x) => x.ms)),
  min: Math.min(...samples[k].map((x) => x.ms)),
  cpuMedian: median(samples[k].map((x) => x.cpu)),
}));
const by = Object.fromEntries(result.map((r) => [r.name, r]));
const delta = (a, b) => ({ wall: by[rows[a].name].median - by[rows[b].name].median, cpu: by[rows[a].name].cpuMedian - by[rows[b].name].cpuMedian });
const deltas = {
  'seccomp, whole path (default − unconfined)': delta(0, 1),
  'device rules, runtime (devices − none)': delta(3, 2),
  'seccomp, runtime (devices+seccomp − devices)': delta(4, 3),
  'both, runtime (devices+seccomp − none)': delta(4, 2),
};
if (opts.json) {
  console.log(JSON.stringify({ runs: opts.runs, loadAfter, rows: result, deltas }, null, 2));
} else {
  const w = Math.max(...result.map((r) => r.name.length), ...Object.keys(deltas).map((k) => k.length));
  const sign = (v) => (v >= 0 ? '+' : '') + v.toFixed(1);
  console.log(`${'row'.padEnd(w)}  median ms  min ms  median CPU ms`);
  for (const r of result) console.log(`${r.name.padEnd(w)}  ${r.median.toFixed(1).padStart(9)}  ${r.min.toFixed(1).padStart(6)}  ${r.cpuMedian.toFixed(1).padStart(13)}`);
  console.log('');
  for (const [k, v] of Object.entries(deltas)) console.log(`${k.padEnd(w)}  ${sign(v.wall)} ms wall, ${sign(v.cpu)} ms CPU (budget ≤ 5 ms)`);
  console.log(`load average at the end: ${loadAfter}`);
}
