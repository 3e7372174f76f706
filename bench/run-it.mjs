#!/usr/bin/env node
/**
 * `run -it` start-up: how long `mini-run run -it --rm mini-run/busybox true` takes in a
 * pseudo-terminal, next to `run --rm` (no terminal) of the same build, and next to another
 * build (`--before PATH/bin/mini-run`, e.g. a worktree of an older commit) and Docker's
 * `docker run -it --rm` when an engine answers.
 *
 *   sudo node bench/run-it.mjs [--runs N] [--before path/to/bin/mini-run] [--no-docker]
 *
 * Why it is its own row: a foreground `run -it` is detachable (Ctrl-P Ctrl-Q), so its container
 * runs under a detached supervisor and the command attaches to it (engine/run-attached.ts),
 * where a plain foreground `run` is its container's supervisor itself. The difference between
 * the two rows is what detachability costs.
 *
 * Method as bench/startup.mjs: one spawnSync per sample, timed; one of each per round
 * (interleaved), one untimed warm-up each; medians. The pty is util-linux `script`. Every
 * state root is a temp dir under /tmp/mr-bench-it-*, removed at the end.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cleanupOnExit, parseArgs, removeScratch } from './lib.mjs';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const opts = parseArgs(process.argv.slice(2), 'run-it bench',
  'usage: node bench/run-it.mjs [--runs N (default 15)] [--before path/to/bin/mini-run] [--no-docker]',
  { runs: 15, before: '', 'no-docker': false });
const IMG = 'mini-run/busybox';
const scratch = mkdtempSync('/tmp/mr-bench-it-');
cleanupOnExit('run-it bench', () => removeScratch(scratch, 'run-it bench'));

const inPty = (line) => ['script', ['-qec', line, '/dev/null']];
const rows = [];
function mini(label, bin) {
  const root = join(scratch, label.replace(/\W+/g, '-'));
  const cli = `${process.execPath} ${bin} --root ${root}`;
  rows.push({ label: `${label}: run -it --rm (pty)`, cmd: inPty(`${cli} run -it --rm --network none ${IMG} true`) });
  rows.push({ label: `${label}: run --rm`, cmd: [process.execPath, [bin, '--root', root, 'run', '--rm', '--network', 'none', IMG, 'true']] });
}
mini('this build', join(REPO, 'bin', 'mini-run'));
if (opts.before) mini('before', opts.before);
if (!opts['no-docker']) {
  const dockerHost = process.env.DOCKER_HOST ?? (spawnSync('docker', ['info'], { stdio: 'ignore' }).status === 0 ? undefined : 'unix:///tmp/mr-dockerd/docker.sock');
  const env = { ...process.env, ...(dockerHost ? { DOCKER_HOST: dockerHost } : {}) };
  if (spawnSync('docker', ['image', 'inspect', IMG], { env, stdio: 'ignore' }).status === 0) {
    rows.push({ label: 'docker: run -it --rm (pty)', cmd: inPty(`docker run -it --rm --network none ${IMG} true`), env });
  } else {
    console.log(`docker rows skipped: no engine answers with ${IMG} loaded (docker load it, see test/integration/run-detach.test.ts)`);
  }
}

function once(row) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(row.cmd[0], row.cmd[1], { input: '', env: row.env ?? process.env, encoding: 'utf8', timeout: 60_000 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${row.label} failed (${r.status}): ${(r.stderr || r.stdout).trim().split('\n')[0]}`);
  return ms;
}
for (const row of rows) { once(row); row.samples = []; }
for (let i = 0; i < opts.runs; i++) for (const row of rows) row.samples.push(once(row));
const median = (a) => { const s = [...a].sort((x, y) => x - y); return s[Math.floor(s.length / 2)]; };
for (const row of rows) console.log(`${row.label.padEnd(38)} ${median(row.samples).toFixed(0).padStart(6)} ms   (median of ${opts.runs})`);
