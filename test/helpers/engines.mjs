#!/usr/bin/env node
/**
 * The real peers some tests drive, started under /tmp when they are installed but not running:
 *   - a Docker engine (dockerd): `compare`, seccomp and build parity, "passes while Docker runs"
 *   - containerd: `ctr --runtime …/mini-runc` drives mini-run's OCI runtime
 * Each gets its own state under /tmp/mr-dockerd and /tmp/mr-containerd and its own socket, so
 * it never touches a system engine's data. A system engine that already answers is used as is.
 *
 *   node test/helpers/engines.mjs start [FILE]   start what is missing; print the sockets;
 *                                           FILE gets the names of those started
 *   node test/helpers/engines.mjs stop dockerd|containerd…   stop those if a pidfile under /tmp/mr-*
 *                                           says this helper started them (never by name); with no
 *                                           name it stops nothing: an empty `$(cat FILE)` must not
 *                                           stop engines another run started and still uses
 *   node test/helpers/engines.mjs status
 *
 * test/global-setup.ts calls ensureEngines() and stops at the end only what it started.
 *
 * A pid is ours only while /proc/PID/cmdline names our /tmp/mr-* config (MARK below): checked
 * before every signal, so a stale pidfile (a reused pid) never gets a signal. A start never
 * launches a second daemon over one of ours that still runs: two runs starting at once (a unit
 * run beside an integration run, say) once each launched one, the second pidfile replaced the
 * first, and `stop` then found the second (exited) pid, removed the pidfile and left the first
 * daemon running with no pidfile at all. Starts now take turns (a lock file beside the pidfile)
 * and wait for a daemon of ours that is still coming up.
 */
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, linkSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';

export const DOCKER_DIR = '/tmp/mr-dockerd';
export const DOCKER_SOCK = `${DOCKER_DIR}/docker.sock`;
export const DOCKER_HOST = `unix://${DOCKER_SOCK}`;
export const CONTAINERD_DIR = '/tmp/mr-containerd';
export const CONTAINERD_SOCK = `${CONTAINERD_DIR}/containerd.sock`;
const CONTAINERD_CONFIG = `${CONTAINERD_DIR}/config.toml`;

/** Per daemon: its dir, our pidfile, and the flag + /tmp/mr-* path its command line must hold to be ours. */
const DAEMONS = {
  dockerd: { dir: DOCKER_DIR, pidFile: `${DOCKER_DIR}/launcher.pid`, mark: ['--data-root', `${DOCKER_DIR}/data`] },
  containerd: { dir: CONTAINERD_DIR, pidFile: `${CONTAINERD_DIR}/pid`, mark: ['--config', CONTAINERD_CONFIG] },
};

const onPath = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
const isRoot = () => process.getuid?.() === 0;

function dockerAnswers(host) {
  if (!onPath('docker')) return false;
  const r = spawnSync('docker', ['info', '--format', '{{.ServerVersion}}'], {
    env: { ...process.env, DOCKER_HOST: host }, encoding: 'utf8', timeout: 15_000,
  });
  return r.status === 0 && r.stdout.trim() !== '';
}

function containerdAnswers() {
  if (!onPath('ctr') || !existsSync(CONTAINERD_SOCK)) return false;
  return spawnSync('ctr', ['--address', CONTAINERD_SOCK, 'version'], { stdio: 'ignore', timeout: 15_000 }).status === 0;
}

async function waitFor(check, what, ms, logFile) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  const tail = existsSync(logFile) ? readFileSync(logFile, 'utf8').split('\n').slice(-15).join('\n') : '';
  throw new Error(`${what} did not answer within ${ms / 1000}s; last lines of ${logFile}:\n${tail}`);
}

/**
 * Whether PID runs our daemon WHAT: its command line holds the flag and /tmp/mr-* path we
 * started it with. False for a pid that is gone, reused by another program, or a zombie (whose
 * cmdline reads empty: a daemon that exited but whose parent has not reaped it yet).
 */
function isOurs(pid, what) {
  let argv;
  try { argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0'); } catch { return false; }
  const [flag, path] = DAEMONS[what].mark;
  const i = argv.indexOf(flag);
  return i > 0 && argv[i + 1] === path;
}

/** The pid WHAT's pidfile names, when that process is still our daemon; null otherwise. */
function recordedPid(what) {
  const { pidFile } = DAEMONS[what];
  if (!existsSync(pidFile)) return null;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  return Number.isInteger(pid) && pid > 1 && isOurs(pid, what) ? pid : null;
}

/** Our daemons WHAT running without (or beside) a pidfile: /proc read for our command line (never a name). */
function runningOurs(what) {
  return readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number).filter((pid) => isOurs(pid, what));
}

const alive = (pid) => { if (!(pid > 0)) return false; try { process.kill(pid, 0); return true; } catch (e) { return e.code === 'EPERM'; } };

/**
 * Run START with WHAT's start lock held (DIR/start.lock, holding our pid: linked into place from
 * a file already written, so it never exists empty), so two runs never start the same daemon at
 * once; a lock whose holder is gone is taken over.
 */
async function withStartLock(what, start) {
  const lock = `${DAEMONS[what].dir}/start.lock`;
  const mine = `${lock}.${process.pid}`;
  writeFileSync(mine, String(process.pid));
  const deadline = Date.now() + 120_000;
  try {
    for (;;) {
      try { linkSync(mine, lock); break; } catch (e) { if (e.code !== 'EEXIST') throw e; }
      let holder = 0;
      try { holder = Number(readFileSync(lock, 'utf8').trim()); } catch { continue; } // (just released)
      if (!alive(holder)) { rmSync(lock, { force: true }); continue; }
      if (Date.now() > deadline) throw new Error(`${what}: another start (pid ${holder}) still holds ${lock}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  } finally {
    rmSync(mine, { force: true });
  }
  try { return await start(); } finally { rmSync(lock, { force: true }); }
}

/** Start `cmd args` detached, its output in LOG, its pid in WHAT's pidfile (ours: the only kill path). */
function daemon(what, cmd, args, log) {
  const out = openSync(log, 'a');
  const child = spawn(cmd, args, { detached: true, stdio: ['ignore', out, out] });
  child.unref();
  closeSync(out);
  writeFileSync(DAEMONS[what].pidFile, String(child.pid));
}

/**
 * Start WHAT unless it answers; under the start lock, and never beside a daemon of ours that
 * still runs (it is coming up, or slow to answer: wait for it, and it stays its starter's to
 * stop). A daemon of ours that lost its pidfile gets it back. True when this call started it.
 */
async function startOnce(what, answers, launch, ms, log) {
  if (answers()) return false;
  mkdirSync(DAEMONS[what].dir, { recursive: true });
  return withStartLock(what, async () => {
    if (answers()) return false;
    const running = recordedPid(what) ?? runningOurs(what)[0];
    if (running) {
      if (recordedPid(what) !== running) writeFileSync(DAEMONS[what].pidFile, String(running));
      await waitFor(answers, `${what} (pid ${running}, already running)`, ms, log);
      return false;
    }
    launch();
    await waitFor(answers, what, ms, log);
    return true;
  });
}

function launchContainerd() {
  // Only what ctr needs: no CRI plugin (it would want a CNI setup), own root, state and socket.
  writeFileSync(CONTAINERD_CONFIG, [
    'version = 2',
    `root = "${CONTAINERD_DIR}/root"`,
    `state = "${CONTAINERD_DIR}/state"`,
    'disabled_plugins = ["io.containerd.grpc.v1.cri"]',
    '[grpc]',
    `  address = "${CONTAINERD_SOCK}"`,
    '[ttrpc]',
    `  address = "${CONTAINERD_SOCK}.ttrpc"`,
    '',
  ].join('\n'));
  daemon('containerd', 'containerd', ['--config', CONTAINERD_CONFIG], `${CONTAINERD_DIR}/log`);
}

function launchDockerd() {
  daemon('dockerd', 'dockerd', [
    '--data-root', `${DOCKER_DIR}/data`,
    '--exec-root', `${DOCKER_DIR}/exec`,
    '--pidfile', `${DOCKER_DIR}/pid`,
    '--host', DOCKER_HOST,
  ], `${DOCKER_DIR}/log`);
}

const startContainerd = () => startOnce('containerd', containerdAnswers, launchContainerd, 30_000, `${CONTAINERD_DIR}/log`);
const startDockerd = () => startOnce('dockerd', () => dockerAnswers(DOCKER_HOST), launchDockerd, 60_000, `${DOCKER_DIR}/log`);

/**
 * Make sure the engines that are installed also answer. Returns what was started (to stop it
 * afterwards) and sets DOCKER_HOST so `docker …` in tests and in `mini-run compare` reach ours
 * (unless a Docker engine already answers on the default socket or a DOCKER_HOST given).
 */
export async function ensureEngines({ log = () => undefined } = {}) {
  const started = [];
  if (!isRoot()) return started;
  if (onPath('containerd') && onPath('ctr')) {
    try { if (await startContainerd()) started.push('containerd'); } catch (e) { log(`engines: ${e.message}`); }
  }
  const systemDocker = process.env.DOCKER_HOST ? dockerAnswers(process.env.DOCKER_HOST) : dockerAnswers('unix:///var/run/docker.sock');
  if (!systemDocker && onPath('dockerd')) {
    try {
      if (await startDockerd()) started.push('dockerd');
      process.env.DOCKER_HOST = DOCKER_HOST;
    } catch (e) { log(`engines: ${e.message}`); }
  }
  if (started.length) log(`engines: started ${started.join(', ')} (docker: ${process.env.DOCKER_HOST ?? 'default socket'}, containerd: ${CONTAINERD_SOCK})`);
  return started;
}

/** SIGTERM to our daemon WHAT at PID, up to 20 s for it to go, then SIGKILL; how it went. */
function stopPid(pid, what) {
  try { process.kill(pid, 'SIGTERM'); } catch { return 'exited'; }
  const deadline = Date.now() + 20_000;
  while (isOurs(pid, what) && Date.now() < deadline) spawnSync('sleep', ['0.2']);
  if (!isOurs(pid, what)) return 'SIGTERM';
  try { process.kill(pid, 'SIGKILL'); } catch { return 'SIGTERM'; }
  return 'SIGKILL after 20 s';
}

/**
 * Stop our daemon WHAT: the pid its pidfile names, only while that pid's command line names our
 * config (isOurs). Without a valid pidfile (an older start lost it), the daemons whose command
 * line names our config: this helper wrote that config, so they are ours. The pidfile goes once
 * they are gone. Returns what happened, for the caller to print.
 */
function stopOurs(what) {
  const { pidFile } = DAEMONS[what];
  const recorded = recordedPid(what);
  const pids = recorded ? [recorded] : runningOurs(what);
  const said = pids.map((pid) => `${what}: stopped pid ${pid} (${stopPid(pid, what)})${recorded ? '' : `, found by its command line (${DAEMONS[what].mark.join(' ')}): ${pidFile} was ${existsSync(pidFile) ? 'stale' : 'missing'}`}`);
  rmSync(pidFile, { force: true });
  return said.length ? said : [`${what}: not running, nothing stopped`];
}

/**
 * Stop the engines this helper started (pidfiles under /tmp/mr-*); data dirs are kept for the
 * next run's image cache. Returns one line per daemon, saying what happened.
 */
export function stopEngines(which = ['dockerd', 'containerd']) {
  return ['dockerd', 'containerd'].filter((what) => which.includes(what)).flatMap(stopOurs);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const cmd = process.argv[2] ?? 'status';
  if (cmd === 'start') {
    const started = await ensureEngines({ log: (m) => console.log(m) });
    if (process.argv[3]) writeFileSync(process.argv[3], started.join(' '));  // for `stop $(cat FILE)`
    console.log(`engines: docker ${dockerAnswers(process.env.DOCKER_HOST ?? DOCKER_HOST) ? 'answers' : 'absent'} at ${process.env.DOCKER_HOST ?? DOCKER_HOST}; containerd ${containerdAnswers() ? 'answers' : 'absent'} at ${CONTAINERD_SOCK}${started.length ? '' : ' (nothing started)'}`);
  } else if (cmd === 'stop') {
    const which = process.argv.slice(3);
    if (!which.length) {
      console.log('engines: nothing named, nothing stopped (name dockerd and/or containerd)');
    } else {
      for (const line of stopEngines(which)) console.log(`engines: ${line}`);
    }
  } else if (cmd === 'status') {
    console.log(`docker: ${dockerAnswers(DOCKER_HOST) ? 'answers' : 'absent'} (${DOCKER_HOST}); containerd: ${containerdAnswers() ? 'answers' : 'absent'} (${CONTAINERD_SOCK})`);
  } else {
    console.error('usage: engines.mjs start|stop|status');
    process.exit(2);
  }
}
