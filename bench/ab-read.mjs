#!/usr/bin/env node
/**
 * A/B of two mini-run builds on the read commands of issue 16 goal 4 (`ps`, `images`,
 * `inspect C`, `logs C`), in interleaved rounds beside `node -e 0` (the scale): each round runs
 * every command once with each build, the order alternating. Reports the median wall time with
 * p10–p90 and the ratio to `node -e 0` (goal 4: ≤ 1.5). Each build runs as typed (bin/mini-run,
 * so a C front door in the build starts first, as a user's shell would).
 *
 *   sudo node bench/ab-read.mjs --a /path/to/main-checkout --b . [--runs 15]
 *
 * Scratch state (one detached busybox container, made by build A) lives in a temporary
 * directory, removed at the end with the container.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanupOnExit, parseArgs, removeScratch } from './lib.mjs';

const usage = 'usage: sudo node bench/ab-read.mjs --a CHECKOUT_A --b CHECKOUT_B [--runs N (default 15)]';
const opts = parseArgs(process.argv.slice(2), 'ab-read bench', usage, { a: '', b: '', runs: 15 });
if (!opts.a || !opts.b) { console.error(usage); process.exit(2); }
const scratch = mkdtempSync(join(tmpdir(), 'mr-bench-ab-read-'));
const root = join(scratch, 'root');
const NAME = 'mr-bench-ab-read';
const mr = (build, ...args) => [join(build, 'bin', 'mini-run'), '--root', root, ...args];
cleanupOnExit('ab-read bench', () => {
  spawnSync(process.execPath, [join(opts.a, 'bin', 'mini-run'), '--root', root, 'rm', '-f', NAME], { stdio: 'ignore' });
  removeScratch(scratch, 'ab-read bench');
});

/** Wall ms of one run; a failing command stops the bench (a broken build must not look fast). */
function wall(argv) {
  const start = process.hrtime.bigint();
  const r = spawnSync(argv[0], argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${argv.join(' ')}: exit ${r.status}: ${r.stderr.trim()}`);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

const [bin, ...runArgs] = mr(opts.a, 'run', '-d', '--network', 'none', '--name', NAME, 'mini-run/busybox', 'sh', '-c', 'echo ready; sleep 3600');
const made = spawnSync(bin, runArgs, { encoding: 'utf8' });
if (made.status !== 0) throw new Error(`run -d: ${made.stderr.trim()}`);
const commands = { ps: ['ps'], images: ['images'], inspect: ['inspect', NAME], logs: ['logs', NAME] };
const samples = { 'node -e 0': [] };
for (let i = 0; i < opts.runs; i++) {
  samples['node -e 0'].push(wall([process.execPath, '-e', '0']));
  for (const [word, args] of Object.entries(commands)) {
    for (const [tag, build] of i % 2 ? [['A', opts.a], ['B', opts.b]] : [['B', opts.b], ['A', opts.a]]) {
      (samples[`${tag} ${word}`] ??= []).push(wall(mr(build, ...args)));
    }
  }
}
const quantile = (xs, p) => { const s = [...xs].sort((x, y) => x - y); return s[Math.min(s.length - 1, Math.floor(p * s.length))]; };
const node = quantile(samples['node -e 0'], 0.5);
console.log(`A = ${opts.a}\nB = ${opts.b}\n${opts.runs} interleaved rounds\n`);
console.log('| row | wall median ms | p10–p90 | × node -e 0 |\n| --- | ---: | ---: | ---: |');
const order = ['node -e 0', ...Object.keys(commands).flatMap((w) => [`A ${w}`, `B ${w}`])];
for (const k of order) {
  const v = samples[k];
  console.log(`| ${k} | ${quantile(v, 0.5).toFixed(1)} | ${quantile(v, 0.1).toFixed(1)}–${quantile(v, 0.9).toFixed(1)} | ${(quantile(v, 0.5) / node).toFixed(2)} |`);
}
