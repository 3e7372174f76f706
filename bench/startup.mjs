#!/usr/bin/env node
/**
 * Startup benchmark: how long does `mini-run run --rm mini-run/busybox true` take, compared
 * with runc/crun/podman/the Docker engine running the same tiny rootfs, and with the floor set
 * by Node itself? Also `exec CONTAINER true` (mini-run, podman, docker) and read-only commands
 * (`ps`, `images`, `inspect`, `logs`) against one Node start. Ends with issue 16's goals, each a
 * ratio of two rows of this one run.
 *
 *   sudo node bench/startup.mjs [--runs N] [--json] [--bin PATH] [--no-docker] [--throughput N] [--throughput-only] [--memory-only]
 *
 * `--throughput N` (default 50; with --throughput-only, nothing else is timed): after the rounds,
 * N detached `sleep` containers (`run -d --network none`) per engine, started back to back and
 * then 8 at a time; containers per second for each, then every one removed (untimed).
 *
 * Supervisor memory (issue 16 goal 6; `--memory-only`: nothing is timed): the process that
 * is the parent of each idle `exec` container's PID 1 — mini-run's supervisor, podman's
 * conmon, Docker's containerd-shim — with its Rss, Pss and private (unshared) memory from
 * /proc/PID/smaps_rollup. Pss splits shared pages among the processes mapping them, so it
 * depends on what else runs; private memory is what this one process alone costs.
 *
 * The Docker rows need an engine that answers: $DOCKER_HOST, the default socket, or the one the
 * tests start under /tmp/mr-dockerd (test/helpers/engines.mjs; started here when dockerd is
 * installed and none answers, and stopped again at the end).
 *
 * Why "two node starts" is the floor: a mini-run container start was the CLI (one Node process)
 * plus the container's init (a re-exec of the CLI entry in the new namespaces: a second Node
 * process). Whatever else mini-run does should cost little next to those two starts, hence
 * issue 16's target: mini-run ≤ 1.25 × two node starts. (Since session 14 the init is a C program
 * by default, native/init-native.c, so a plain `run` is one Node start; the floor stays the
 * issue's yardstick.)
 *
 * NODE_EXTRA_CA_CERTS: when the environment sets it, Node parses that file at every start before
 * any JS (≈ 37 ms for the system bundle on a 2-core host). mini-run's own Node processes start
 * without it (bin/mini-run, bin/mini-runc and the supervisor's environment carry it as
 * MINI_RUN_EXTRA_CA_CERTS; registry TLS applies it), so the floor rows (`node -e 0`, `2 × node
 * -e 0 (floor)`) are timed WITHOUT the variable and the goals are judged against them; the same
 * floors WITH the variable are rows of their own (`…, NODE_EXTRA_CA_CERTS set`) and each goal
 * against a floor prints its ratio to those beside it, labeled, not judged. Unset: one floor row
 * each, as before. The mini-run rows run in the environment as given (the variable set).
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
import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync,
} from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { cleanupOnExit, parseArgs, removeScratch } from './lib.mjs';
import { DOCKER_HOST as TEST_DOCKER_HOST, ensureEngines, stopEngines } from '../test/helpers/engines.mjs';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const opts = parseArgs(process.argv.slice(2), 'startup bench',
  'usage: node bench/startup.mjs [--runs N (default 20)] [--json] [--bin path/to/mini-run] [--no-docker] [--runtimes] [--throughput N] [--throughput-only] [--memory-only]',
  { runs: 20, json: false, bin: join(REPO, 'bin', 'mini-run'), 'no-docker': false, runtimes: false, throughput: 50, 'throughput-only': false, 'memory-only': false });
// --runtimes: only the OCI runtimes on the same bundle (runc, crun, mini-runc) and the node floors.
const RUNTIME_ROWS = new Set(['runc run', 'crun run', 'mini-runc run', 'mini-runc create+start+delete', '2 × node -e 0 (floor)', 'node -e 0']);
const leftOut = opts.runtimes ? 'left out (--runtimes)' : null;
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
const undo = []; // more clean-up steps (detached containers, the Docker image, an engine we started), run last first

function cleanup() {
  for (const step of undo.reverse()) {
    try { step(); } catch (e) { console.error(`startup bench: clean-up: ${e.message}`); }
  }
  for (const key of liveIds) {
    const [rt, id] = key.split(' ');
    const state = rt === 'runc' ? paths.runcState : paths.crunState;
    spawnSync(rt, ['--root', state, 'delete', '-f', id], { stdio: 'ignore' });
  }
  removeScratch(scratch, 'startup bench');
}
cleanupOnExit('startup bench', cleanup);
// Last of all: the bridge row leaves the default bridge and its rules idle (as docker0 stays);
// give them back, as the tests do (only when no container of anyone uses them).
undo.push(() => spawnSync(process.execPath, [opts.bin, '--root', paths.mrRoot, 'system', 'prune'], { stdio: 'ignore' }));

/** A minimal rootfs: static busybox, plus `true`, `sh` and `sleep` as links to it (what the
 * built-in image mini-run/busybox is made of, minus the applets these runs do not need). */
function makeBundle() {
  const busybox = ['/bin/busybox', '/usr/bin/busybox'].find((p) => existsSync(p));
  if (!busybox) throw new Error('busybox not found: apt-get install busybox-static');
  const rootfs = join(paths.bundle, 'rootfs');
  for (const d of ['bin', 'proc', 'sys', 'dev', 'tmp', 'etc']) mkdirSync(join(rootfs, d), { recursive: true });
  copyFileSync(busybox, join(rootfs, 'bin', 'busybox'));
  chmodSync(join(rootfs, 'bin', 'busybox'), 0o755);
  for (const applet of ['true', 'sh', 'sleep']) symlinkSync('busybox', join(rootfs, 'bin', applet));

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
  run: () => timeOnce([opts.bin, '--root', paths.mrRoot, 'run', '--rm', '--network', 'none', 'mini-run/busybox', 'true']),
});
candidates.push({
  name: 'mini-run run --rm (bridge)',
  command: 'mini-run run --rm mini-run/busybox true',
  run: () => timeOnce([opts.bin, '--root', paths.mrRoot, 'run', '--rm', 'mini-run/busybox', 'true']),
});

// --userns private (issue 18): the same run with a user namespace mapped onto a subuid range and
// the layers through an idmapped mount. The range's user is the bench's own (made by the first
// run, removed at the end with its ranges), so the bench leaves no host user behind.
const USERNS_USER = `mr-bench-uns-${process.pid}`;
const usernsEnv = { ...process.env, MINI_RUN_CONFIG: join(scratch, 'userns-config.json') };
writeFileSync(usernsEnv.MINI_RUN_CONFIG, JSON.stringify({ 'userns-remap': USERNS_USER }));
undo.push(() => {
  for (const [file, flag] of [['/etc/subuid', '--del-subuids'], ['/etc/subgid', '--del-subgids']]) {
    const line = readFileSync(file, 'utf8').split('\n').find((l) => l.startsWith(`${USERNS_USER}:`));
    if (line) { const [, s, n] = line.split(':'); spawnSync('usermod', [flag, `${s}-${Number(s) + Number(n) - 1}`, USERNS_USER], { stdio: 'ignore' }); }
  }
  spawnSync('userdel', [USERNS_USER], { stdio: 'ignore' });
});
candidates.push({
  name: 'mini-run run --rm --network none --userns private',
  command: 'mini-run run --rm --network none --userns private mini-run/busybox true',
  run: () => timeOnce([opts.bin, '--root', paths.mrRoot, 'run', '--rm', '--network', 'none', '--userns', 'private', 'mini-run/busybox', 'true'], usernsEnv),
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
// Started as they start it: the file itself (its sh lines, then node).
const miniRunc = join(REPO, 'bin', 'mini-runc');
candidates.push({
  name: 'mini-runc run',
  command: 'mini-runc run -b BUNDLE mr-bench-N',
  skip: bundleError,
  run: (n) => {
    const id = `mr-bench-${process.pid}-mrc-${n}`;
    try {
      return timeOnce([miniRunc, '--root', paths.miniRuncState, 'run', '-b', paths.bundle, id]);
    } finally {
      spawnSync(miniRunc, ['--root', paths.miniRuncState, 'delete', '-f', id], { stdio: 'ignore' });
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
      const r = spawnSync(miniRunc, ['--root', paths.miniRuncState, ...args], { stdio: 'ignore', timeout: 60_000 });
      if (r.status !== 0) throw new Error(`mini-runc ${args[0]}: exit status ${r.status}`);
      return Number(process.hrtime.bigint() - t0) / 1e6;
    };
    try {
      let ms = rc(['create', '-b', paths.bundle, id]) + rc(['start', id]);
      // `true` exits at once; wait (untimed) until the state says so, then time the delete.
      for (let i = 0; i < 200 && !spawnSync(miniRunc, ['--root', paths.miniRuncState, 'state', id], { encoding: 'utf8' }).stdout.includes('"stopped"'); i++) spawnSync('sleep', ['0.01']);
      ms += rc(['delete', id]);
      return ms;
    } finally {
      spawnSync(miniRunc, ['--root', paths.miniRuncState, 'delete', '-f', id], { stdio: 'ignore' });
    }
  },
});

// The same bundle with a user namespace (issue 18): container root = host uid 100000, the
// rootfs chowned to it (as runc expects), the scratch dir opened for that uid to reach it.
// Measures what userns-exec and the uid/gid map round trip add, beside runc doing the same.
const usernsBundle = join(scratch, 'userns-bundle');
function makeUsernsBundle() {
  if (bundleError || leftOut) throw new Error(bundleError ?? leftOut);
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
      return timeOnce([miniRunc, '--root', paths.miniRuncState, 'run', '-b', usernsBundle, id]);
    } finally {
      spawnSync(miniRunc, ['--root', paths.miniRuncState, 'delete', '-f', id], { stdio: 'ignore' });
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

// ------------------------------------------------------------- detached containers for exec
/** Run a setup command (untimed); returns its trimmed stdout or throws with the reason. */
function setup(argv, env) {
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', env: env ?? process.env, timeout: 120_000 });
  if (r.error) throw new Error(`${argv[0]}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${argv.slice(0, 3).join(' ')}: ${firstLine(r.stderr) || `exit status ${r.status}`}`);
  return r.stdout.trim();
}
/** Call make(); a failure becomes the reason its rows are skipped. */
function attempt(make) {
  try {
    return { value: make(), error: null };
  } catch (e) {
    return { value: null, error: e.message };
  }
}
// As a user types it: bin/mini-run itself (its sh wrapper starts the C front door when native/ is
// built, which hands every command but a plain `exec` to Node; docs/perf.md, session 11).
const mr = (...args) => [opts.bin, '--root', paths.mrRoot, ...args];

// mini-run: one detached container for `exec` (and `inspect`/`logs` rows). `ps` then lists one.
const mrExec = leftOut ? { error: leftOut } : attempt(() => {
  setup(mr('run', '-d', '--network', 'none', '--name', 'mr-bench-exec', 'mini-run/busybox', 'sleep', '3600'));
  undo.push(() => spawnSync(node, [opts.bin, '--root', paths.mrRoot, 'rm', '-f', 'mr-bench-exec'], { stdio: 'ignore' }));
  return 'mr-bench-exec';
});
candidates.push({
  name: 'mini-run exec',
  command: 'mini-run exec CONTAINER true',
  skip: mrExec.error,
  run: () => timeOnce(mr('exec', 'mr-bench-exec', 'true')),
});
for (const [name, args] of [['ps', ['ps']], ['images', ['images']], ['inspect', ['inspect', 'mr-bench-exec']], ['logs', ['logs', 'mr-bench-exec']]]) {
  candidates.push({
    name: `mini-run ${name}`,
    command: `mini-run ${args.join(' ').replace('mr-bench-exec', 'CONTAINER')}`,
    skip: name === 'inspect' || name === 'logs' ? mrExec.error : null,
    run: () => timeOnce(mr(...args)),
  });
}

// --------------------------------------------------------------------------------------- podman
// Where root cannot raise rlimits (a container host like these), podman's default 1048576
// nofile/nproc makes runc fail; `compare` works out the --ulimit flags that avoid it, and
// (for the bridge row) a podman network that does not overlap mini-run's 10.88.0.0/16.
const podmanSkip = leftOut ?? (!which('podman') ? 'podman not installed (optional; not installed by this bench)' : bundleError);
const podmanEngine = podmanSkip ? null : attempt(() => {
  const e = createRequire(import.meta.url)(join(REPO, 'dist', 'compare', 'engines.js')).prepareEngine('podman', { network: true });
  undo.push(() => e.cleanup());
  return e;
});
const podmanBridgeFlags = podmanEngine?.value?.runFlags ?? [];
const podmanUlimits = podmanBridgeFlags.filter((f, i, a) => f === '--ulimit' || a[i - 1] === '--ulimit');
const podman = (...args) => ['podman', '--cgroup-manager=cgroupfs', '--events-backend=file', ...args];
const rootfs = join(paths.bundle, 'rootfs');

// podman: the docker-CLI peer. Same rootfs via --rootfs (its image store does not know
// mini-run/busybox). Flags per DESIGN.md: these hosts need cgroupfs and file events.
candidates.push({
  name: 'podman run --rm --network none',
  command: 'podman run --rm --network none --rootfs ROOTFS true',
  skip: podmanSkip ?? podmanEngine?.error,
  run: () => timeOnce(podman('run', '--rm', '--network', 'none', ...podmanUlimits, '--rootfs', rootfs, 'true')),
});
candidates.push({
  name: 'podman run --rm (bridge)',
  command: 'podman run --rm --rootfs ROOTFS true   (its bridge network)',
  skip: podmanSkip ?? podmanEngine?.error,
  run: () => timeOnce(podman('run', '--rm', ...podmanBridgeFlags, '--rootfs', rootfs, 'true')),
});
const podmanExec = podmanSkip || podmanEngine?.error ? { error: podmanSkip ?? podmanEngine.error } : attempt(() => {
  const name = `mr-bench-${process.pid}-exec`;
  setup(podman('run', '-d', '--name', name, '--network', 'none', ...podmanUlimits, '--rootfs', rootfs, 'sleep', '3600'));
  undo.push(() => spawnSync('podman', ['--cgroup-manager=cgroupfs', '--events-backend=file', 'rm', '-f', '-t', '0', name], { stdio: 'ignore' }));
  return name;
});
candidates.push({
  name: 'podman exec',
  command: 'podman exec CONTAINER true',
  skip: podmanExec.error,
  run: () => timeOnce(podman('exec', podmanExec.value, 'true')),
});

// --------------------------------------------------------------------------------- Docker engine
/** Does a Docker engine answer at `host`? */
function dockerAnswers(host) {
  const r = spawnSync('docker', ['info', '--format', '{{.ServerVersion}}'], { env: { ...process.env, DOCKER_HOST: host }, encoding: 'utf8', timeout: 15_000 });
  return r.status === 0 && r.stdout.trim() !== '';
}
/** The engine to use: $DOCKER_HOST, the default socket, or the tests' one (started if need be). */
async function findDocker() {
  if (opts['no-docker']) throw new Error('--no-docker');
  if (!which('docker')) throw new Error('docker CLI not installed');
  for (const host of [process.env.DOCKER_HOST, 'unix:///var/run/docker.sock', TEST_DOCKER_HOST]) {
    if (host && dockerAnswers(host)) return host;
  }
  if (process.env.DOCKER_HOST) throw new Error(`no Docker engine answers at DOCKER_HOST=${process.env.DOCKER_HOST}`);
  const started = await ensureEngines({ log });
  const stop = started.filter((e) => e === 'dockerd');
  if (stop.length) undo.push(() => stopEngines(stop));
  if (started.includes('containerd')) undo.push(() => stopEngines(['containerd']));
  if (dockerAnswers(TEST_DOCKER_HOST)) return TEST_DOCKER_HOST;
  throw new Error('no Docker engine answers and dockerd could not be started');
}
let dockerEnv = null;
const dockerImage = `mr-bench-busybox:${process.pid}`;
const dockerExecName = `mr-bench-${process.pid}-dexec`;
let dockerError = leftOut ?? bundleError;
if (!dockerError) {
  try {
    const host = await findDocker();
    dockerEnv = { ...process.env, DOCKER_HOST: host };
    // The same rootfs as an image (docker has no --rootfs): `docker import` of its tar.
    const r = spawnSync('sh', ['-c', `tar -C "${rootfs}" -c . | docker import - ${dockerImage}`], { env: dockerEnv, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`docker import: ${firstLine(r.stderr)}`);
    undo.push(() => spawnSync('docker', ['rmi', '-f', dockerImage], { env: dockerEnv, stdio: 'ignore' }));
    log(`startup bench: Docker engine at ${host}`);
  } catch (e) {
    dockerError = e.message;
  }
}
const docker = (...args) => ['docker', ...args];
candidates.push({
  name: 'docker run --rm --network none',
  command: 'docker run --rm --network none IMAGE true   (IMAGE = the rootfs, docker import)',
  skip: dockerError,
  run: () => timeOnce(docker('run', '--rm', '--network', 'none', dockerImage, 'true'), dockerEnv),
});
candidates.push({
  name: 'docker run --rm (bridge)',
  command: 'docker run --rm IMAGE true   (docker0)',
  skip: dockerError,
  run: () => timeOnce(docker('run', '--rm', dockerImage, 'true'), dockerEnv),
});
const dockerExec = dockerError ? { error: dockerError } : attempt(() => {
  setup(docker('run', '-d', '--name', dockerExecName, '--network', 'none', dockerImage, 'sleep', '3600'), dockerEnv);
  undo.push(() => spawnSync('docker', ['rm', '-f', dockerExecName], { env: dockerEnv, stdio: 'ignore' }));
  return dockerExecName;
});
candidates.push({
  name: 'docker exec',
  command: 'docker exec CONTAINER true',
  skip: dockerExec.error,
  run: () => timeOnce(docker('exec', dockerExecName, 'true'), dockerEnv),
});
candidates.push({
  name: 'docker ps',
  command: 'docker ps',
  skip: dockerError,
  run: () => timeOnce(docker('ps'), dockerEnv),
});

// ------------------------------------------------------------------------------------ floors
// NODE_EXTRA_CA_CERTS makes every `node` start parse that CA file before any JS (≈ 37 ms for a
// system bundle). mini-run's own Node processes start without it (bin/mini-run moves it to
// MINI_RUN_EXTRA_CA_CERTS, applied only where TLS is made), so the floors the goals use are
// Node WITHOUT the variable. When the environment sets it, the floors with it are rows too and
// each goal against a floor also shows its ratio to those, labeled.
const CA_VAR = process.env.NODE_EXTRA_CA_CERTS || null;
const noCaEnv = { ...process.env };
delete noCaEnv.NODE_EXTRA_CA_CERTS;
const twoNode = {
  name: '2 × node -e 0 (floor)',
  command: CA_VAR ? 'node -e 0; node -e 0   (NODE_EXTRA_CA_CERTS unset)' : 'node -e 0; node -e 0',
  run: () => timeOnce([node, '-e', '0'], noCaEnv) + timeOnce([node, '-e', '0'], noCaEnv),
};
candidates.push(twoNode);
candidates.push({ name: 'node -e 0', command: CA_VAR ? 'node -e 0   (NODE_EXTRA_CA_CERTS unset)' : 'node -e 0', run: () => timeOnce([node, '-e', '0'], noCaEnv) });
const WITH_CA = { [twoNode.name]: '2 × node -e 0, NODE_EXTRA_CA_CERTS set', 'node -e 0': 'node -e 0, NODE_EXTRA_CA_CERTS set' };
if (CA_VAR) {
  candidates.push({
    name: WITH_CA[twoNode.name],
    command: `NODE_EXTRA_CA_CERTS=${CA_VAR} node -e 0 (twice)   (as this environment sets it)`,
    run: () => timeOnce([node, '-e', '0']) + timeOnce([node, '-e', '0']),
  });
  candidates.push({ name: WITH_CA['node -e 0'], command: `NODE_EXTRA_CA_CERTS=${CA_VAR} node -e 0`, run: () => timeOnce([node, '-e', '0']) });
  RUNTIME_ROWS.add(WITH_CA[twoNode.name]);
  RUNTIME_ROWS.add(WITH_CA['node -e 0']);
}

// ---------------------------------------------------------------------------------------- run
log(`startup bench: ${opts.runs} runs each, ${cpus().length} CPUs, node ${process.version}, scratch ${scratch}`);
if (process.getuid?.() !== 0) log('startup bench: note: not root — container rows will fail');

const rows = candidates.filter((c) => !opts.runtimes || RUNTIME_ROWS.has(c.name)).map((c) => ({ ...c, samples: [], error: c.skip ? null : undefined }));

// Warm-up: one untimed run each. A failure here marks the row failed once (e.g. crun
// refusing cgroup-v1-hybrid hosts) rather than repeating the same error N times.
// spawnSync blocks the event loop, so a Ctrl-C handler could only run after the whole bench.
// Yielding to the loop between runs (outside the timed part) lets it run right away.
const yieldToSignals = () => new Promise((res) => setImmediate(res));

if (opts['throughput-only']) for (const r of rows) r.skip ??= '--throughput-only';
if (opts['memory-only']) for (const r of rows) r.skip ??= '--memory-only';

for (const r of rows) {
  if (r.skip) continue;
  await yieldToSignals();
  try {
    r.run(0);
    r.error = null;
  } catch (e) {
    r.error = e.message;
    log(`  ${r.name}: not usable here (${e.message})`);
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

// ----------------------------------------------------------------------- run -d throughput
/** Run argv without waiting (for the parallel rounds); resolves to its trimmed stdout, rejects on failure. */
function runAsync(argv, env) {
  return new Promise((resolveRun, reject) => {
    const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], env: env ?? process.env });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { err += d; });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolveRun(out.trim()) : reject(new Error(firstLine(err) || `exit status ${code}`))));
  });
}

/**
 * Goal 5: `count` detached containers, back to back (`parallel` 1) or `parallel` at a time.
 * Returns containers per second; `remove(ids)` (untimed) removes them after.
 */
async function throughput(start, remove, count, parallel) {
  const ids = [];
  let next = 0;
  let failure = null;
  const t0 = process.hrtime.bigint();
  // every worker stops at the first failure; all are awaited before removing what was started
  await Promise.all(Array.from({ length: parallel }, async () => {
    while (next < count && failure === null) {
      next++;
      try {
        ids.push(await start());
      } catch (e) {
        failure ??= e;
      }
    }
  }));
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  remove(ids);
  if (failure) throw failure;
  return count / seconds;
}

const THROUGHPUT_ENGINES = [
  {
    name: 'mini-run run -d',
    skip: null,
    start: () => runAsync(mr('run', '-d', '--network', 'none', 'mini-run/busybox', 'sleep', '3600')),
    remove: (ids) => ids.length && spawnSync(node, [opts.bin, '--root', paths.mrRoot, 'rm', '-f', ...ids], { stdio: 'ignore' }),
  },
  {
    name: 'podman run -d',
    skip: podmanSkip ?? podmanEngine?.error,
    start: () => runAsync(podman('run', '-d', '--network', 'none', ...podmanUlimits, '--rootfs', rootfs, 'sleep', '3600')),
    remove: (ids) => ids.length && spawnSync('podman', ['--cgroup-manager=cgroupfs', '--events-backend=file', 'rm', '-f', '-t', '0', ...ids], { stdio: 'ignore' }),
  },
  {
    name: 'docker run -d',
    skip: dockerError,
    start: () => runAsync(docker('run', '-d', '--network', 'none', dockerImage, 'sleep', '3600'), dockerEnv),
    remove: (ids) => ids.length && spawnSync('docker', ['rm', '-f', ...ids], { env: dockerEnv, stdio: 'ignore' }),
  },
];
const throughputResults = [];
if (opts['throughput-only'] || process.argv.some((a) => a.startsWith('--throughput'))) {
  for (const e of THROUGHPUT_ENGINES) {
    if (e.skip) { throughputResults.push({ name: e.name, status: 'skipped', reason: e.skip }); continue; }
    try {
      // one engine at a time (its containers do not compete with another engine's)
      const serial = await throughput(e.start, e.remove, opts.throughput, 1);
      const parallel = await throughput(e.start, e.remove, opts.throughput, 8);
      throughputResults.push({ name: e.name, status: 'ok', count: opts.throughput, serialPerSec: serial, parallel8PerSec: parallel });
    } catch (err) {
      throughputResults.push({ name: e.name, status: 'failed', reason: err.message });
    }
    log(`  throughput: ${e.name} done`);
  }
}

// ------------------------------------------------------------------------ supervisor memory
/** Rss, Pss and private memory (KiB) of a process, from /proc/PID/smaps_rollup. */
function memoryOf(pid) {
  const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const kb = (field) => Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? NaN);
  return { rssKb: kb('Rss'), pssKb: kb('Pss'), privateKb: kb('Private_Clean') + kb('Private_Dirty') };
}
const parentOf = (pid) => Number(/^PPid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);
const commOf = (pid) => readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
const SUPERVISORS = [
  { name: 'mini-run supervisor', error: mrExec.error, pid: () => setup(mr('inspect', '-f', '{{.State.Pid}}', 'mr-bench-exec')) },
  { name: 'podman conmon', error: podmanExec.error, pid: () => setup(podman('inspect', '-f', '{{.State.Pid}}', podmanExec.value)) },
  { name: 'docker containerd-shim', error: dockerExec.error, pid: () => setup(docker('inspect', '-f', '{{.State.Pid}}', dockerExecName), dockerEnv) },
];
const memoryResults = opts.runtimes || opts['throughput-only'] ? [] : SUPERVISORS.map((sv) => {
  if (sv.error) return { name: sv.name, status: 'skipped', reason: sv.error };
  try {
    const supervisor = parentOf(Number(sv.pid()));
    return { name: sv.name, status: 'ok', pid: supervisor, comm: commOf(supervisor), ...memoryOf(supervisor) };
  } catch (e) {
    return { name: sv.name, status: 'failed', reason: e.message };
  }
});

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
const byName = new Map(results.map((r) => [r.name, r]));
const medianOf = (name) => (byName.get(name)?.status === 'ok' ? byName.get(name).median : NaN);
const floorMs = medianOf(twoNode.name);
for (const r of results) if (r.status === 'ok') r.ratioToFloor = r.median / floorMs;

// Issue 16's goals: each one row over another, measured in this same run.
const GOALS = [
  ['mini-run run --rm --network none', 'podman run --rm --network none', 0.8],
  ['mini-run run --rm --network none', twoNode.name, 1.25],
  ['mini-run run --rm --network none', 'docker run --rm --network none', null],
  ['mini-run run --rm (bridge)', 'podman run --rm (bridge)', 0.8],
  ['mini-run run --rm (bridge)', 'mini-run run --rm --network none', 1.25],
  ['mini-run run --rm (bridge)', 'docker run --rm (bridge)', null],
  ['mini-run exec', 'podman exec', 0.8],
  ['mini-run exec', 'docker exec', 0.8],
  ['mini-run ps', 'node -e 0', 1.5],
  ['mini-run images', 'node -e 0', 1.5],
  ['mini-run inspect', 'node -e 0', 1.5],
  ['mini-run logs', 'node -e 0', 1.5],
  ['mini-run ps', 'docker ps', null],
  // issue 11: the OCI runtime alone, on runc's bundle
  ['mini-runc run', 'node -e 0', 1.5],
  ['mini-runc create+start+delete', 'node -e 0', 1.5],
  ['mini-runc run', 'runc run', null],
  ['mini-runc create+start+delete', 'runc run', null],
  ['mini-run run --rm --network none --userns private', 'mini-run run --rm --network none', null],
];
const goals = GOALS.filter(([row, over]) => !opts.runtimes || (RUNTIME_ROWS.has(row) && RUNTIME_ROWS.has(over))).map(([row, over, limit]) => {
  const ratio = medianOf(row) / medianOf(over);
  const result = !Number.isFinite(ratio) ? 'n/a' : limit === null ? 'info' : ratio <= limit ? 'PASS' : 'FAIL';
  // Beside a goal against a floor: the same ratio against Node with NODE_EXTRA_CA_CERTS (not judged).
  const withCa = CA_VAR && WITH_CA[over] ? medianOf(row) / medianOf(WITH_CA[over]) : NaN;
  return { row, over, limit, ratio: Number.isFinite(ratio) ? ratio : null, result, ...(CA_VAR && WITH_CA[over] ? { overWithCaVar: WITH_CA[over], ratioWithCaVar: Number.isFinite(withCa) ? withCa : null } : {}) };
});

if (opts.json) {
  console.log(JSON.stringify({ runs: opts.runs, cpus: cpus().length, node: process.version, results, goals, throughput: throughputResults, supervisorMemory: memoryResults }, null, 2));
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
  log('\nratios (median / median, this run):');
  for (const g of goals) {
    const goal = g.limit === null ? '' : ` (goal ≤ ${g.limit})`;
    const beside = g.overWithCaVar ? `   [over node with NODE_EXTRA_CA_CERTS set: ${g.ratioWithCaVar === null ? '-' : g.ratioWithCaVar.toFixed(2)}]` : '';
    log(`  ${g.row} / ${g.over}: ${g.ratio === null ? '-' : g.ratio.toFixed(2)}${goal} → ${g.result}${beside}`);
  }
  if (throughputResults.length) {
    log(`\nrun -d throughput (${opts.throughput} detached containers, --network none; containers/s):`);
    for (const t of throughputResults) {
      log(t.status === 'ok' ? `  ${t.name.padEnd(16)} back to back ${t.serialPerSec.toFixed(2).padStart(6)}   8 at a time ${t.parallel8PerSec.toFixed(2).padStart(6)}` : `  ${t.name.padEnd(16)} ${t.status}: ${t.reason}`);
    }
  }
  if (memoryResults.length) {
    const mib = (kb) => (kb / 1024).toFixed(1).padStart(6);
    log('\nsupervisor of one idle container (parent of its PID 1; MiB from smaps_rollup):');
    log(`  ${'name'.padEnd(24)} ${'process'.padEnd(18)} ${'Rss'.padStart(6)} ${'Pss'.padStart(6)} ${'private'.padStart(7)}`);
    for (const m of memoryResults) {
      log(m.status === 'ok' ? `  ${m.name.padEnd(24)} ${m.comm.padEnd(18)} ${mib(m.rssKb)} ${mib(m.pssKb)} ${mib(m.privateKb).padStart(7)}` : `  ${m.name.padEnd(24)} ${m.status}: ${m.reason}`);
    }
  }
}
