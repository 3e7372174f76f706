#!/usr/bin/env node
/**
 * Startup benchmark: how long does `mini-run run --rm mini-run/busybox true` take, compared
 * with runc/crun/podman running the same tiny rootfs, and with the floor set by Node itself?
 *
 *   sudo node bench/startup.mjs [--runs N] [--json] [--bin PATH]
 *
 * Why "two node starts" is the floor: a mini-run container start is the CLI (one Node process)
 * plus the container's init (a re-exec of the CLI entry in the new namespaces: a second Node
 * process). Whatever else mini-run does should cost little next to those two starts, hence
 * the target: mini-run ≤ 1.5 × two node starts.
 *
 * Method: every sample is one spawnSync() timed with process.hrtime.bigint(). The candidates
 * are run in rounds (one of each per round), so a slow moment on the machine hits them all
 * alike instead of one whole row. One untimed warm-up each first (mini-run builds its
 * built-in image then; every binary gets into the page cache).
 *
 * Everything it creates lives under one temp dir (/tmp/mr-bench-*) and is removed at the end:
 * the mini-run state root, the OCI bundle, runc's and crun's state dirs. Container ids start
 * with `mr-bench-` and each is `delete -f`-ed after its run.
 */
import { spawnSync } from 'node:child_process';
import {
  chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync,
} from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { cleanupOnExit, parseArgs, removeScratch } from './lib.mjs';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const TARGET_RATIO = 1.5;

const opts = parseArgs(process.argv.slice(2), 'startup bench',
  'usage: node bench/startup.mjs [--runs N (default 20)] [--json] [--bin path/to/mini-run]',
  { runs: 20, json: false, bin: join(REPO, 'bin', 'mini-run') });
// With --json, stdout carries only the JSON document; progress goes to stderr.
const log = (...a) => (opts.json ? console.error(...a) : console.log(...a));

// ------------------------------------------------------------------------------------- helpers
function which(cmd) {
  for (const d of (process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(':')) {
    const p = join(d, cmd);
    if (d && existsSync(p)) return p;
  }
  return null;
}

/** First non-empty line of a command's error output: enough to say why a row failed. */
function firstLine(s) {
  return String(s ?? '').split('\n').map((l) => l.trim()).find((l) => l) ?? '';
}

/** Run once; returns elapsed ms, or throws with the reason it failed. */
function timeOnce(argv, env) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(argv[0], argv.slice(1), {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: env ?? process.env,
    timeout: 60_000,
    maxBuffer: 1 << 20,
  });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.error) throw new Error(`${argv[0]}: ${r.error.message}`);
  if (r.status !== 0) {
    const why = firstLine(r.stderr) || (r.signal ? `killed by ${r.signal}` : `exit status ${r.status}`);
    throw new Error(why);
  }
  return ms;
}

/** Linear-interpolated percentile of sorted values (p in 0..1). */
function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  const x = (sorted.length - 1) * p;
  const lo = Math.floor(x);
  const hi = Math.ceil(x);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (x - lo);
}

// ------------------------------------------------------------------------------ scratch space
const scratch = mkdtempSync('/tmp/mr-bench-');
const paths = {
  mrRoot: join(scratch, 'mini-run-root'), // mini-run's --root
  bundle: join(scratch, 'bundle'), // OCI bundle for runc/crun: config.json + rootfs/
  runcState: join(scratch, 'runc-state'), // runc --root: keeps its records out of /run/runc
  crunState: join(scratch, 'crun-state'),
  miniRuncState: join(scratch, 'mini-runc-state'),
};
const liveIds = new Set(); // runtime containers that might need `delete -f`

function cleanup() {
  for (const key of liveIds) {
    const [rt, id] = key.split(' ');
    const state = rt === 'runc' ? paths.runcState : paths.crunState;
    spawnSync(rt, ['--root', state, 'delete', '-f', id], { stdio: 'ignore' });
  }
  removeScratch(scratch, 'startup bench');
}
cleanupOnExit('startup bench', cleanup);

/** A minimal rootfs: static busybox, plus `true` and `sh` as links to it (what the built-in
 * image mini-run/busybox is made of, minus the other applets, which `true` does not need). */
function makeBundle() {
  const busybox = ['/bin/busybox', '/usr/bin/busybox'].find((p) => existsSync(p));
  if (!busybox) throw new Error('busybox not found: apt-get install busybox-static');
  const rootfs = join(paths.bundle, 'rootfs');
  for (const d of ['bin', 'proc', 'sys', 'dev', 'tmp', 'etc']) mkdirSync(join(rootfs, d), { recursive: true });
  copyFileSync(busybox, join(rootfs, 'bin', 'busybox'));
  chmodSync(join(rootfs, 'bin', 'busybox'), 0o755);
  for (const applet of ['true', 'sh']) symlinkSync('busybox', join(rootfs, 'bin', applet));

  // `runc spec` writes a default config.json (namespaces, mounts, caps as docker would);
  // change only what differs for this run.
  const r = spawnSync('runc', ['spec', '--bundle', paths.bundle], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`runc spec: ${firstLine(r.stderr)}`);
  const cfgPath = join(paths.bundle, 'config.json');
  const cfg = JSON.parse(readFileSync(cfgPath, 'utf8'));
  cfg.process.args = ['true'];
  cfg.process.terminal = false; // no pty: stdio are plain files, like `mini-run run` without -t
  cfg.root.readonly = false;
  writeFileSync(cfgPath, JSON.stringify(cfg, null, 2));
}

// --------------------------------------------------------------------------------- candidates
/**
 * Each candidate: name, the command it stands for, and run(n) → ms (throws on failure).
 * `skip` (with a reason) drops it from the table with a note instead.
 */
const candidates = [];
const node = process.execPath;

// Like for like with the runc bundle below (a new network namespace with only `lo`): the target
// is judged on this row. The next row adds docker's default bridge network (veth, address,
// NAT rules): a separate cost, reported beside it.
candidates.push({
  name: 'mini-run run --rm --network none',
  command: 'mini-run run --rm --network none mini-run/busybox true',
  run: () => timeOnce([node, opts.bin, '--root', paths.mrRoot, 'run', '--rm', '--network', 'none', 'mini-run/busybox', 'true']),
});
candidates.push({
  name: 'mini-run run --rm (bridge)',
  command: 'mini-run run --rm mini-run/busybox true',
  run: () => timeOnce([node, opts.bin, '--root', paths.mrRoot, 'run', '--rm', 'mini-run/busybox', 'true']),
});

let bundleError = null;
try {
  if (!which('runc')) throw new Error('runc not installed');
  makeBundle();
} catch (e) {
  bundleError = e.message;
}

/** runc and crun share a CLI: `X --root STATE run -b BUNDLE ID`, then `X delete -f ID`. */
function ociRuntime(rt, state) {
  const present = which(rt);
  return {
    name: `${rt} run`,
    command: `${rt} run -b BUNDLE mr-bench-N   (busybox rootfs, args ["true"])`,
    skip: !present ? `${rt} not installed` : bundleError,
    run: (n) => {
      const id = `mr-bench-${process.pid}-${rt}-${n}`;
      liveIds.add(`${rt} ${id}`);
      try {
        return timeOnce([rt, '--root', state, 'run', '-b', paths.bundle, id]);
      } finally {
        // `run` deletes the container when it exits; this makes sure of it (untimed).
        spawnSync(rt, ['--root', state, 'delete', '-f', id], { stdio: 'ignore' });
        liveIds.delete(`${rt} ${id}`);
      }
    },
  };
}
candidates.push(ociRuntime('runc', paths.runcState));
candidates.push(ociRuntime('crun', paths.crunState));

// mini-runc (runc's CLI on mini-run's runtime) on the same bundle: `run`, and the two-step
// `create` + `start` that containerd and podman use (then `delete`, timed too: they call it).
const miniRunc = join(REPO, 'bin', 'mini-runc');
candidates.push({
  name: 'mini-runc run',
  command: 'mini-runc run -b BUNDLE mr-bench-N',
  skip: bundleError,
  run: (n) => {
    const id = `mr-bench-${process.pid}-mrc-${n}`;
    try {
      return timeOnce([node, miniRunc, '--root', paths.miniRuncState, 'run', '-b', paths.bundle, id]);
    } finally {
      spawnSync(node, [miniRunc, '--root', paths.miniRuncState, 'delete', '-f', id], { stdio: 'ignore' });
    }
  },
});
candidates.push({
  name: 'mini-runc create+start+delete',
  command: 'mini-runc create -b BUNDLE ID; start ID; (exit) delete ID',
  skip: bundleError,
  run: (n) => {
    const id = `mr-bench-${process.pid}-mrcs-${n}`;
    // The parked container holds create's stdio (as it holds conmon's): no pipes, or
    // spawnSync would wait for their end until the container exits.
    const rc = (args) => {
      const t0 = process.hrtime.bigint();
      const r = spawnSync(node, [miniRunc, '--root', paths.miniRuncState, ...args], { stdio: 'ignore', timeout: 60_000 });
      if (r.status !== 0) throw new Error(`mini-runc ${args[0]}: exit status ${r.status}`);
      return Number(process.hrtime.bigint() - t0) / 1e6;
    };
    try {
      let ms = rc(['create', '-b', paths.bundle, id]) + rc(['start', id]);
      // `true` exits at once; wait (untimed) until the state says so, then time the delete.
      for (let i = 0; i < 200 && !spawnSync(node, [miniRunc, '--root', paths.miniRuncState, 'state', id], { encoding: 'utf8' }).stdout.includes('"stopped"'); i++) spawnSync('sleep', ['0.01']);
      ms += rc(['delete', id]);
      return ms;
    } finally {
      spawnSync(node, [miniRunc, '--root', paths.miniRuncState, 'delete', '-f', id], { stdio: 'ignore' });
    }
  },
});

// The same bundle with a user namespace (issue 18): container root = host uid 100000, the
// rootfs chowned to it (as runc expects), the scratch dir opened for that uid to reach it.
// Measures what userns-exec and the uid/gid map round trip add, beside runc doing the same.
const usernsBundle = join(scratch, 'userns-bundle');
function makeUsernsBundle() {
  if (bundleError) throw new Error(bundleError);
  chmodSync(scratch, 0o755);
  mkdirSync(usernsBundle);
  spawnSync('cp', ['-a', join(paths.bundle, 'rootfs'), join(usernsBundle, 'rootfs')]);
  spawnSync('chown', ['-R', '100000:100000', join(usernsBundle, 'rootfs')]);
  const cfg = JSON.parse(readFileSync(join(paths.bundle, 'config.json'), 'utf8'));
  cfg.linux.namespaces.push({ type: 'user' });
  cfg.linux.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
  cfg.linux.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
  // runc's default spec mounts /sys and cgroups with options a user namespace may not make
  cfg.mounts = cfg.mounts.filter((m) => m.destination !== '/sys/fs/cgroup');
  writeFileSync(join(usernsBundle, 'config.json'), JSON.stringify(cfg, null, 2));
}
let usernsError = null;
try {
  makeUsernsBundle();
} catch (e) {
  usernsError = e.message;
}
candidates.push({
  name: 'mini-runc run (user namespace)',
  command: 'mini-runc run -b USERNS-BUNDLE mr-bench-N   (uidMappings 0 100000 65536)',
  skip: usernsError ?? (existsSync(join(REPO, 'native', 'build', 'userns-exec')) ? null : 'native/build/userns-exec not built'),
  run: (n) => {
    const id = `mr-bench-${process.pid}-mrcu-${n}`;
    try {
      return timeOnce([node, miniRunc, '--root', paths.miniRuncState, 'run', '-b', usernsBundle, id]);
    } finally {
      spawnSync(node, [miniRunc, '--root', paths.miniRuncState, 'delete', '-f', id], { stdio: 'ignore' });
    }
  },
});
candidates.push({
  name: 'runc run (user namespace)',
  command: 'runc run -b USERNS-BUNDLE mr-bench-N',
  skip: !which('runc') ? 'runc not installed' : usernsError,
  run: (n) => {
    const id = `mr-bench-${process.pid}-runcu-${n}`;
    liveIds.add(`runc ${id}`);
    try {
      return timeOnce(['runc', '--root', paths.runcState, 'run', '-b', usernsBundle, id]);
    } finally {
      spawnSync('runc', ['--root', paths.runcState, 'delete', '-f', id], { stdio: 'ignore' });
      liveIds.delete(`runc ${id}`);
    }
  },
});

// Where root cannot raise rlimits (a container host like these), podman's default 1048576
// nofile/nproc makes runc fail; `compare` works out the --ulimit flags that avoid it.
const podmanUlimits = which('podman') ? createRequire(import.meta.url)(join(REPO, 'dist', 'compare', 'engines.js')).podmanUlimitFlags() : [];

// podman: the docker-CLI peer. Same rootfs via --rootfs (its image store does not know
// mini-run/busybox). Flags per DESIGN.md: these hosts need cgroupfs and file events.
candidates.push({
  name: 'podman run --rm --network none',
  command: 'podman run --rm --network none --rootfs ROOTFS true',
  skip: !which('podman') ? 'podman not installed (optional; not installed by this bench)' : bundleError,
  run: () =>
    timeOnce([
      'podman', '--cgroup-manager=cgroupfs', '--events-backend=file',
      'run', '--rm', '--network', 'none', ...podmanUlimits, '--rootfs', join(paths.bundle, 'rootfs'), 'true',
    ]),
});

const twoNode = {
  name: '2 × node -e 0 (floor)',
  command: 'node -e 0; node -e 0',
  run: () => timeOnce([node, '-e', '0']) + timeOnce([node, '-e', '0']),
};
candidates.push(twoNode);
candidates.push({ name: 'node -e 0', command: 'node -e 0', run: () => timeOnce([node, '-e', '0']) });

// ---------------------------------------------------------------------------------------- run
log(`startup bench: ${opts.runs} runs each, ${cpus().length} CPUs, node ${process.version}, scratch ${scratch}`);
if (process.getuid?.() !== 0) log('startup bench: note: not root — container rows will fail');

const rows = candidates.map((c) => ({ ...c, samples: [], error: c.skip ? null : undefined }));

// Warm-up: one untimed run each. A failure here marks the row failed once (e.g. crun
// refusing cgroup-v1-hybrid hosts) rather than repeating the same error N times.
// spawnSync blocks the event loop, so a Ctrl-C handler could only run after the whole bench.
// Yielding to the loop between runs (outside the timed part) lets it run right away.
const yieldToSignals = () => new Promise((res) => setImmediate(res));

for (const r of rows) {
  if (r.skip) continue;
  await yieldToSignals();
  try {
    r.run(0);
    r.error = null;
  } catch (e) {
    r.error = e.message;
    log(`  ${r.name.split(' ')[0]}: not usable here (${e.message})`);
  }
}

for (let i = 1; i <= opts.runs; i++) {
  for (const r of rows) {
    if (r.skip || r.error) continue;
    await yieldToSignals();
    try {
      r.samples.push(r.run(i));
    } catch (e) {
      r.error = `failed on run ${i}: ${e.message}`;
    }
  }
  if (!opts.json && process.stdout.isTTY) process.stdout.write(`\r  round ${i}/${opts.runs}`);
}
if (!opts.json && process.stdout.isTTY) process.stdout.write('\r\x1b[K');

// ------------------------------------------------------------------------------------ results
const stats = (r) => {
  const s = [...r.samples].sort((a, b) => a - b);
  return { median: percentile(s, 0.5), p10: percentile(s, 0.1), p90: percentile(s, 0.9) };
};
const results = rows.map((r) => {
  const base = { name: r.name, command: r.command };
  if (r.skip) return { ...base, status: 'skipped', reason: r.skip };
  if (r.error) return { ...base, status: 'failed', reason: r.error, samplesMs: r.samples };
  const st = stats(r);
  return { ...base, status: 'ok', ...st, samplesMs: r.samples };
});
// Ratios are against the median of the two-node-starts row.
const floorRow = results.find((r) => r.name === twoNode.name);
const floorMs = floorRow?.status === 'ok' ? floorRow.median : NaN;
for (const r of results) if (r.status === 'ok') r.ratioToFloor = r.median / floorMs;

const mr = results[0];
const target = {
  rule: `mini-run median ≤ ${TARGET_RATIO} × two node starts`,
  limitMs: TARGET_RATIO * floorMs,
  result: mr.status !== 'ok' ? 'FAIL' : mr.median <= TARGET_RATIO * floorMs ? 'PASS' : 'FAIL',
  ...(mr.status !== 'ok' ? { reason: `mini-run ${mr.status}: ${mr.reason}` } : {}),
};

if (opts.json) {
  console.log(JSON.stringify({ runs: opts.runs, cpus: cpus().length, node: process.version, results, target }, null, 2));
} else {
  const f = (x) => (Number.isFinite(x) ? x.toFixed(1) : '-');
  const w = Math.max(...results.map((r) => r.name.length));
  log(`\n${'name'.padEnd(w)}  ${'median ms'.padStart(9)}  ${'p10'.padStart(7)}  ${'p90'.padStart(7)}  ${'× floor'.padStart(7)}`);
  for (const r of results) {
    if (r.status === 'ok') {
      log(`${r.name.padEnd(w)}  ${f(r.median).padStart(9)}  ${f(r.p10).padStart(7)}  ${f(r.p90).padStart(7)}  ${(Number.isFinite(r.ratioToFloor) ? r.ratioToFloor.toFixed(2) : "-").padStart(7)}`);
    } else {
      log(`${r.name.padEnd(w)}  ${r.status}: ${r.reason}`);
    }
  }
  const why = target.reason ? ` (${target.reason})` : ` (${f(mr.median)} ms vs limit ${f(target.limitMs)} ms)`;
  log(`\ntarget: mini-run ≤ ${TARGET_RATIO}× two node starts → ${target.result}${why}`);
}
