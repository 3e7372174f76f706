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
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';

export const DOCKER_DIR = '/tmp/mr-dockerd';
export const DOCKER_SOCK = `${DOCKER_DIR}/docker.sock`;
export const DOCKER_HOST = `unix://${DOCKER_SOCK}`;
export const CONTAINERD_DIR = '/tmp/mr-containerd';
export const CONTAINERD_SOCK = `${CONTAINERD_DIR}/containerd.sock`;

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

/** Start `cmd args` detached, its output in LOG, its pid in PIDFILE (ours: the only kill path). */
function daemon(cmd, args, log, pidFile) {
  const out = openSync(log, 'a');
  const child = spawn(cmd, args, { detached: true, stdio: ['ignore', out, out] });
  child.unref();
  writeFileSync(pidFile, String(child.pid));
}

async function startContainerd() {
  if (containerdAnswers()) return false;
  mkdirSync(CONTAINERD_DIR, { recursive: true });
  // Only what ctr needs: no CRI plugin (it would want a CNI setup), own root, state and socket.
  const config = `${CONTAINERD_DIR}/config.toml`;
  writeFileSync(config, [
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
  daemon('containerd', ['--config', config], `${CONTAINERD_DIR}/log`, `${CONTAINERD_DIR}/pid`);
  await waitFor(containerdAnswers, 'containerd', 30_000, `${CONTAINERD_DIR}/log`);
  return true;
}

async function startDockerd() {
  if (dockerAnswers(DOCKER_HOST)) return false;
  mkdirSync(DOCKER_DIR, { recursive: true });
  daemon('dockerd', [
    '--data-root', `${DOCKER_DIR}/data`,
    '--exec-root', `${DOCKER_DIR}/exec`,
    '--pidfile', `${DOCKER_DIR}/pid`,
    '--host', DOCKER_HOST,
  ], `${DOCKER_DIR}/log`, `${DOCKER_DIR}/launcher.pid`);
  await waitFor(() => dockerAnswers(DOCKER_HOST), 'dockerd', 60_000, `${DOCKER_DIR}/log`);
  return true;
}

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

function stopByPidfile(pidFile, what) {
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  if (!(pid > 1)) return;
  try { process.kill(pid, 'SIGTERM'); } catch { rmSync(pidFile, { force: true }); return; }
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    try { process.kill(pid, 0); } catch { rmSync(pidFile, { force: true }); return; }
    spawnSync('sleep', ['0.2']);
  }
  try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
  rmSync(pidFile, { force: true });
  console.error(`engines: ${what} (pid ${pid}) needed SIGKILL`);
}

/** Stop the engines this helper started (pidfiles under /tmp/mr-*); data dirs are kept for the next run's image cache. */
export function stopEngines(which = ['dockerd', 'containerd']) {
  if (which.includes('dockerd')) stopByPidfile(`${DOCKER_DIR}/launcher.pid`, 'dockerd');
  if (which.includes('containerd')) stopByPidfile(`${CONTAINERD_DIR}/pid`, 'containerd');
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
      stopEngines(which);
      console.log(`engines: stopped ${which.join(', ')} (started by this helper)`);
    }
  } else if (cmd === 'status') {
    console.log(`docker: ${dockerAnswers(DOCKER_HOST) ? 'answers' : 'absent'} (${DOCKER_HOST}); containerd: ${containerdAnswers() ? 'answers' : 'absent'} (${CONTAINERD_SOCK})`);
  } else {
    console.error('usage: engines.mjs start|stop|status');
    process.exit(2);
  }
}
