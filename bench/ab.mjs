#!/usr/bin/env node
/**
 * A/B of two mini-run builds on the start paths, in interleaved rounds: for each round, each
 * row runs once with build A and once with build B (order alternating), so both see the same
 * host. Rows: `node -e 0` (the scale), `exec CONTAINER true` (into one detached container made
 * by build A), `run --rm --network none mini-run/busybox true`, the same on the default bridge (`bridge`:
 * the idle bridge stays between rounds, as docker0 does; `network prune` at the end gives it back), and `mini-runc run` of a busybox
 * bundle (args ["true"]), and the container init's boot alone (`init`: `node dist/runtime/init-main.js`
 * with /dev/null for its sync socket: it loads its modules and koffi, then fails to read its
 * orders and exits 125 — the init's branch of `run` up to its wait for "go"), and goal 4's read
 * commands on that state (`ps`, `images`, `inspect C`, `logs C`). Reports median wall time with p10–p90, and the median CPU time (user +
 * system of the command and every process it waited for, from /usr/bin/time).
 *
 *   sudo node bench/ab.mjs --a /path/to/main-checkout --b . [--runs 11] [--rows exec,run,bridge,runc,init,ps,images,inspect,logs]
 *
 * Each build is a checkout with dist/ built (bin/mini-run and bin/mini-runc are used). Scratch
 * state lives in a temporary directory, removed at the end (the container with it).
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanupOnExit, parseArgs, removeScratch } from './lib.mjs';

const usage = 'usage: sudo node bench/ab.mjs --a CHECKOUT_A --b CHECKOUT_B [--runs N (default 11)] [--rows exec,run,bridge,runc,init,ps,images,inspect,logs]';
const opts = parseArgs(process.argv.slice(2), 'ab bench', usage, { a: '', b: '', runs: 11, rows: 'exec,run,runc' });
opts.rows = String(opts.rows).split('/').pop(); // parseArgs resolves strings as paths
if (!opts.a || !opts.b) { console.error(usage); process.exit(2); }
const rows = new Set(opts.rows.split(','));
const node = process.execPath;
const scratch = mkdtempSync(join(tmpdir(), 'mr-bench-ab-'));
const root = join(scratch, 'root');
const bundle = join(scratch, 'bundle');
const mr = (build, ...args) => [join(build, 'bin', 'mini-run'), '--root', root, ...args]; // as typed (a C front door may start first)
const mrc = (build, ...args) => [join(build, 'bin', 'mini-runc'), '--root', join(scratch, 'runc-state'), ...args]; // as containerd runs it
cleanupOnExit('ab bench', () => {
  spawnSync(node, [join(opts.a, 'bin', 'mini-run'), '--root', root, 'rm', '-f', 'mr-bench-ab'], { stdio: 'ignore' });
  // the idle default bridge the bridge row left (unless someone else's container is on it): gone, with our chains
  if (rows.has('bridge')) spawnSync(node, [join(opts.a, 'bin', 'mini-run'), '--root', root, 'network', 'prune', '-f'], { stdio: 'ignore' });
  removeScratch(scratch, 'ab bench');
});

function setup(argv) {
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${argv.slice(1).join(' ')}: ${r.stderr.trim()}`);
}
// (build B's supervisor: a front door in B asks it; A's Node CLI does not need it)
setup(mr(opts.b, 'run', '-d', '--network', 'none', '--name', 'mr-bench-ab', 'mini-run/busybox', 'sleep', '3600'));
if (rows.has('runc')) {
  const busybox = ['/bin/busybox', '/usr/bin/busybox'].find((p) => existsSync(p));
  const rootfs = join(bundle, 'rootfs');
  for (const d of ['bin', 'proc', 'sys', 'dev', 'tmp', 'etc']) mkdirSync(join(rootfs, d), { recursive: true });
  copyFileSync(busybox, join(rootfs, 'bin', 'busybox'));
  chmodSync(join(rootfs, 'bin', 'busybox'), 0o755);
  for (const applet of ['true', 'sh']) symlinkSync('busybox', join(rootfs, 'bin', applet));
  setup(['runc', 'spec', '--bundle', bundle]);
  const cfg = JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8'));
  cfg.process.args = ['true'];
  cfg.process.terminal = false;
  cfg.root.readonly = false;
  // the filter Docker's default profile compiles to, so that the runtime's seccomp work is in the row
  const profile = spawnSync(node, ['-e', `const {resolveProfile}=require('${opts.b}/dist/engine/seccomp-profile.js');const {DEFAULT_SECCOMP_PROFILE}=require('${opts.b}/dist/engine/seccomp-default.js');process.stdout.write(JSON.stringify(resolveProfile(DEFAULT_SECCOMP_PROFILE,${JSON.stringify(cfg.process.capabilities.bounding)})))`], { encoding: 'utf8' });
  if (profile.status === 0) cfg.linux.seccomp = JSON.parse(profile.stdout);
  writeFileSync(join(bundle, 'config.json'), JSON.stringify(cfg, null, 2));
}

/** One timed run: wall ms (ours) and CPU ms (user + sys of it and what it waited for). */
function timeOnce(argv, status = 0) {
  const out = join(scratch, 'time.out');
  const t = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', '%U %S', '-o', out, ...argv], status === 125
    ? { stdio: ['ignore', 'ignore', 'pipe', 'ignore'], encoding: 'utf8', env: {} } // the init's boot (below)
    : { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  const wall = Number(process.hrtime.bigint() - t) / 1e6;
  if (r.status !== status) throw new Error(`${argv.join(' ')}: exit ${r.status}: ${r.stderr.trim()}`);
  const [u, s] = readFileSync(out, 'utf8').trim().split('\n').pop().split(' ').map(Number);
  return { wall, cpu: (u + s) * 1000 };
}

let n = 0;
const cases = [{ name: 'node -e 0', argv: () => [node, '-e', '0'] }];
for (const [label, build] of [['A', opts.a], ['B', opts.b]]) {
  if (rows.has('exec')) cases.push({ name: `${label} exec C true`, argv: () => mr(build, 'exec', 'mr-bench-ab', 'true') });
  if (rows.has('run')) cases.push({ name: `${label} run --rm --network none`, argv: () => mr(build, 'run', '--rm', '--network', 'none', 'mini-run/busybox', 'true') });
  // on the default bridge: the idle bridge, its rules and our chains stay between runs (as docker0),
  // shared by both builds (one host state); the warm-up below makes them, the end gives them back
  if (rows.has('bridge')) cases.push({ name: `${label} run --rm (bridge)`, argv: () => mr(build, 'run', '--rm', 'mini-run/busybox', 'true') });
  if (rows.has('runc')) cases.push({ name: `${label} mini-runc run`, argv: () => mrc(build, 'run', '-b', bundle, `mr-bench-ab-${process.pid}-${n++}`) });
  // goal 4's read commands (on the state above: one detached container)
  if (rows.has('ps')) cases.push({ name: `${label} ps`, argv: () => mr(build, 'ps') });
  if (rows.has('images')) cases.push({ name: `${label} images`, argv: () => mr(build, 'images') });
  if (rows.has('inspect')) cases.push({ name: `${label} inspect C`, argv: () => mr(build, 'inspect', 'mr-bench-ab') });
  if (rows.has('logs')) cases.push({ name: `${label} logs C`, argv: () => mr(build, 'logs', 'mr-bench-ab') });
  // (an empty environment, as the runtime gives it; fd 3 is /dev/null)
  if (rows.has('init')) cases.push({ name: `${label} init's boot`, argv: () => [node, join(build, 'dist', 'runtime', 'init-main.js')], status: 125 });
}
const samples = cases.map(() => ({ wall: [], cpu: [] }));
for (const c of cases) timeOnce(c.argv(), c.status); // warm the caches (V8 code cache, seccomp cache, page cache)
for (let round = 0; round < opts.runs; round++) {
  const order = cases.map((_, i) => i);
  if (round % 2) order.reverse();
  for (const i of order) {
    const r = timeOnce(cases[i].argv(), cases[i].status);
    samples[i].wall.push(r.wall);
    samples[i].cpu.push(r.cpu);
  }
}
const q = (a, p) => { const s = [...a].sort((x, y) => x - y); return s[Math.min(s.length - 1, Math.floor(p * s.length))]; };
const base = q(samples[0].wall, 0.5);
console.log(`A = ${opts.a}\nB = ${opts.b}\n${opts.runs} interleaved rounds, load ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}\n`);
console.log('| row | wall median ms | p10–p90 | × node -e 0 | CPU median ms |\n| --- | ---: | ---: | ---: | ---: |');
cases.forEach((c, i) => {
  const w = samples[i].wall, cpu = samples[i].cpu;
  console.log(`| ${c.name} | ${q(w, 0.5).toFixed(1)} | ${q(w, 0.1).toFixed(1)}–${q(w, 0.9).toFixed(1)} | ${(q(w, 0.5) / base).toFixed(2)} | ${q(cpu, 0.5).toFixed(0)} |`);
});
