#!/usr/bin/env node
/**
 * bench/unpack.mjs — unpacking a plain layer tar into an empty directory:
 *
 *   mini-run's layer reader + LayerWriter (unpackLayer: parse, hash the diff_id, write the files)
 *   GNU tar -xpf --xattrs            (the same archive, same owners/modes/xattrs kept)
 *   the same reader from another build (--before DIST: e.g. main's dist/, to compare a change)
 *
 * The archive is written once by GNU tar (posix format) from real host directories
 * (/usr/share/doc, /usr/include, /usr/lib/python3: many small files, long paths, hard links,
 * symlinks) plus 20 MB of random data. Rounds are interleaved (A, B, C, A, B, C…), each into a
 * fresh directory after `sync`; the page cache is warm for the archive in every row.
 *
 *   sudo node bench/unpack.mjs [--runs 7] [--before /path/to/other/dist]
 *
 * Prints a markdown table (median, p10–p90, MB/s, ratio to GNU tar) for docs/perf.md.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, statSync, existsSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cleanupOnExit, parseArgs, removeScratch } from './lib.mjs';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const o = parseArgs(process.argv.slice(2), 'unpack.mjs',
  'usage: sudo node bench/unpack.mjs [--runs N] [--before DIST]', { runs: 7, before: '' });
const sh = (cmd) => execFileSync('sh', ['-c', cmd], { stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 << 20 }).toString();
const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(s.length * p))]; };

const work = mkdtempSync('/tmp/mr-bench-unpack-');
cleanupOnExit('unpack.mjs', () => removeScratch(work, 'unpack.mjs'));

// --- the archive
const src = join(work, 'src');
mkdirSync(join(src, 'data'), { recursive: true });
for (const d of ['/usr/share/doc', '/usr/include', '/usr/lib/python3']) {
  if (existsSync(d)) sh(`cp -a ${d} ${src}/${d.replaceAll('/', '_')}`);
}
for (let i = 0; i < 20; i++) sh(`head -c 1048576 /dev/urandom > ${src}/data/random-${i}`);
sh(`ln ${src}/data/random-0 ${src}/data/hardlink-0`);
const archive = join(work, 'layer.tar');
sh(`tar -C ${src} --format=posix --xattrs --xattrs-include='*' -cf ${archive} .`);
removeScratch(src, 'unpack.mjs');
const size = statSync(archive).size;
const files = Number(sh(`tar -tf ${archive} | wc -l`).trim());
const diffId = 'sha256:' + sh(`sha256sum ${archive}`).split(' ')[0];
process.stderr.write(`archive: ${(size / 1e6).toFixed(1)} MB, ${files} entries\n`);

/** unpackLayer from a dist/ directory, in a fresh Node process (as `mini-run load` runs it). */
const unpackWith = (dist) => (root) => {
  const code = `
    const { setStateRoot } = require(${JSON.stringify(join(dist, 'paths.js'))});
    const { unpackLayer } = require(${JSON.stringify(join(dist, 'image/layer-store.js'))});
    setStateRoot(process.argv[1]);
    unpackLayer({ source: { file: process.argv[2], offset: 0, size: ${size} }, diffId: process.argv[3] })
      .catch((e) => { console.error(e.message); process.exit(1); });`;
  const r = spawnSync(process.execPath, ['-e', code, root, archive, diffId], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) throw new Error('unpackLayer failed');
};
const rows = [
  ['mini-run unpackLayer (this build)', unpackWith(join(REPO, 'dist'))],
  ...(o.before ? [[`mini-run unpackLayer (${o.before})`, unpackWith(o.before)]] : []),
  ['GNU tar -xpf --xattrs', (dir) => sh(`mkdir -p ${dir} && tar -C ${dir} --numeric-owner --xattrs --xattrs-include='*' -xpf ${archive}`)],
];
const times = rows.map(() => []);
for (let run = 0; run <= o.runs; run++) {           // run 0: warm-up, not counted
  for (const [i, [, fn]] of rows.entries()) {
    const dir = join(work, `out-${run}-${i}`);
    sh('sync');
    const t = process.hrtime.bigint();
    fn(dir);
    const ms = Number(process.hrtime.bigint() - t) / 1e6;
    if (run > 0) times[i].push(ms);
    removeScratch(dir, 'unpack.mjs');
  }
}
const tarMedian = pct(times[rows.length - 1], 0.5);
console.log(`\n${(size / 1e6).toFixed(1)} MB tar, ${files} entries, ${o.runs} interleaved rounds\n`);
console.log('| row | median ms | p10–p90 ms | MB/s | × GNU tar |');
console.log('| --- | ---: | ---: | ---: | ---: |');
for (const [i, [name]] of rows.entries()) {
  const med = pct(times[i], 0.5);
  console.log(`| ${name} | ${med.toFixed(0)} | ${pct(times[i], 0.1).toFixed(0)}–${pct(times[i], 0.9).toFixed(0)} | ${(size / 1e6 / (med / 1000)).toFixed(0)} | ${(med / tarMedian).toFixed(2)} |`);
}
