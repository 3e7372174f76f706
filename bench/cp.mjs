#!/usr/bin/env node
/**
 * cp benchmark: `mini-run cp` of a 200 MB tree into and out of a running container, beside
 * the two usual ways of doing it by hand:
 *   - `tar -c | nsenter -t PID -m tar -x` (tar streamed into the container's mount namespace;
 *     the unpacking tar is the container's own busybox tar), and back the same way;
 *   - a plain host `cp -a` through /proc/PID/root (fast but *unsafe*: it follows the
 *     container's symlinks on the host — the very thing mini-run cp must not do).
 *
 *   sudo node bench/cp.mjs [--runs N] [--mb 200] [--json]
 *
 * The tree: 180 files of 1 MiB plus 20 MiB in 5120 small 4 KiB files across 64 directories,
 * random content (no sparse or compressible shortcuts). Every sample is one timed spawnSync;
 * the page cache is warm for all rows alike (one untimed run of each first). Everything lives
 * under one /tmp/mr-bench-cp-* directory and is removed at the end, container included.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(REPO, 'bin', 'mini-run');
const args = process.argv.slice(2);
const opt = (name, dflt) => { const i = args.indexOf(name); return i < 0 ? dflt : Number(args[i + 1]); };
const RUNS = opt('--runs', 3);
const MB = opt('--mb', 200);
const JSON_OUT = args.includes('--json');

const work = mkdtempSync('/tmp/mr-bench-cp-');
const root = join(work, 'root');
const mr = (...a) => {
  const r = spawnSync(process.execPath, [BIN, '--root', root, ...a], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`mini-run ${a.join(' ')}: ${r.stderr}`);
  return r.stdout;
};
const sh = (cmd) => {
  const r = spawnSync('sh', ['-c', cmd], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd}: ${r.stderr}`);
};
const timed = (fn) => { const t = process.hrtime.bigint(); fn(); return Number(process.hrtime.bigint() - t) / 1e6; };
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

try {
  // the tree
  const tree = join(work, 'tree');
  const bigCount = Math.round(MB * 0.9);
  mkdirSync(join(tree, 'big'), { recursive: true });
  for (let i = 0; i < bigCount; i++) writeFileSync(join(tree, 'big', `f${i}`), randomBytes(1 << 20));
  const small = Math.round((MB * 0.1 * 1024) / 4);
  for (let i = 0; i < small; i++) {
    const d = join(tree, 'small', `d${i % 64}`);
    if (i < 64) mkdirSync(d, { recursive: true });
    writeFileSync(join(d, `s${i}`), randomBytes(4096));
  }
  mr('run', '-d', '--name', 'bench', '--network', 'none', 'mini-run/busybox', 'sleep', '100000');
  const pid = mr('inspect', '-f', '{{.State.Pid}}', 'bench').trim();
  const out = join(work, 'out');

  const rows = {
    'mini-run cp (in)': () => mr('cp', tree, 'bench:/in-mr'),
    'tar | nsenter tar (in)': () => sh(`mkdir -p /proc/${pid}/root/in-tar && tar -C ${tree} -cf - . | nsenter -t ${pid} -m tar -C /in-tar -xf -`),
    'host cp -a via /proc/PID/root (in, unsafe)': () => sh(`cp -a ${tree} /proc/${pid}/root/in-cp`),
    'mini-run cp (out)': () => mr('cp', 'bench:/in-mr', join(out, 'mr')),
    'nsenter tar | tar (out)': () => sh(`mkdir -p ${out}/tar && nsenter -t ${pid} -m tar -C /in-tar -cf - . | tar -C ${out}/tar -xf -`),
    'host cp -a via /proc/PID/root (out, unsafe)': () => sh(`cp -a /proc/${pid}/root/in-cp ${out}/cp`),
  };
  const clean = () => {
    sh(`rm -rf /proc/${pid}/root/in-mr /proc/${pid}/root/in-tar /proc/${pid}/root/in-cp ${out}`);
    mkdirSync(out, { recursive: true });
  };
  const samples = Object.fromEntries(Object.keys(rows).map((k) => [k, []]));
  for (let run = -1; run < RUNS; run++) { // run -1: warm-up, not recorded
    clean();
    for (const [name, fn] of Object.entries(rows)) {
      const ms = timed(fn);
      if (run >= 0) samples[name].push(ms);
    }
  }
  clean();
  const base = median(samples['mini-run cp (in)']);
  const baseOut = median(samples['mini-run cp (out)']);
  const result = Object.entries(samples).map(([name, xs]) => ({
    name, medianMs: Math.round(median(xs)), mbPerS: Math.round((MB / (median(xs) / 1000)) * 10) / 10,
    vsMiniRun: Math.round((median(xs) / (name.includes('(in') ? base : baseOut)) * 100) / 100, samples: xs.map(Math.round),
  }));
  if (JSON_OUT) {
    console.log(JSON.stringify({ mb: MB, runs: RUNS, cpus: cpus().length, result }, null, 2));
  } else {
    console.log(`cp of a ${MB} MB tree (${bigCount} × 1 MiB + ${small} × 4 KiB), ${RUNS} runs, medians, ${cpus().length} CPUs\n`);
    console.log('| row | median ms | MB/s | × mini-run cp |\n| --- | ---: | ---: | ---: |');
    for (const r of result) console.log(`| ${r.name.replace(/\|/g, '\\|')} | ${r.medianMs} | ${r.mbPerS} | ${r.vsMiniRun.toFixed(2)} |`);
  }
} finally {
  try { mr('rm', '-f', 'bench'); } catch { /* not created */ }
  rmSync(work, { recursive: true, force: true });
}
