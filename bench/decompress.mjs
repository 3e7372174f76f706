#!/usr/bin/env node
/**
 * bench/decompress.mjs — the decoder alone: the same tar (real host directories, ~100 MB)
 * gzip'd (-6, what umoci writes) and zstd'd (-3, skopeo's default level), decoded to a hash
 * (no disk writes) by
 *
 *   node:zlib gunzip stream        (what gzip layers go through)
 *   mini-run's zstd stage          (src/image/zstd.ts: node:zlib's zstd if this Node has it, else libzstd via koffi)
 *   gzip -dc / zstd -dc > /dev/null (the C tools, for the floor)
 *
 * Rounds are interleaved; prints medians as a markdown table. Needs `npm run build` (dist/) and
 * the zstd CLI.   node bench/decompress.mjs [--runs 5]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const { createZstdDecompress, zstdDecoder } = require(join(REPO, 'dist/image/zstd.js'));
const args = process.argv.slice(2);
const RUNS = Number(args[args.indexOf('--runs') + 1]) || 5;
const work = mkdtempSync('/tmp/mr-bench-decompress-');
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };

try {
  const tar = join(work, 'layer.tar');
  execFileSync('tar', ['--sort=name', '-cf', tar, '-C', '/usr', 'share/doc', 'include', 'lib/python3'], { stdio: 'ignore' });
  execFileSync('sh', ['-c', `gzip -6 -c ${tar} > ${tar}.gz && zstd -q -3 -c ${tar} > ${tar}.zst`]);
  const size = (f) => statSync(f).size;
  const mb = (n) => (n / 1e6).toFixed(1);
  process.stderr.write(`tar ${mb(size(tar))} MB, gzip ${mb(size(`${tar}.gz`))} MB, zstd ${mb(size(`${tar}.zst`))} MB; zstd decoder: ${zstdDecoder()}\n`);
  const want = createHash('sha256').update(execFileSync('cat', [tar], { maxBuffer: 1 << 30 })).digest('hex');

  const viaNode = async (file, stage) => {
    const t = process.hrtime.bigint();
    const h = createHash('sha256');
    await pipeline(createReadStream(file, { highWaterMark: 64 << 10 }), stage, new Writable({ write(c, _e, cb) { h.update(c); cb(); } }));
    if (h.digest('hex') !== want) throw new Error(`${file}: decoded content differs`);
    return Number(process.hrtime.bigint() - t) / 1e6;
  };
  const viaCli = (cmd) => {
    const t = process.hrtime.bigint();
    const r = spawnSync('sh', ['-c', `${cmd} > /dev/null`]);
    if (r.status !== 0) throw new Error(`${cmd} failed`);
    return Number(process.hrtime.bigint() - t) / 1e6;
  };
  const rows = { gunzip: [], zstd: [], gzipCli: [], zstdCli: [] };
  for (let run = 1; run <= RUNS; run++) {
    rows.gunzip.push(await viaNode(`${tar}.gz`, createGunzip()));
    rows.zstd.push(await viaNode(`${tar}.zst`, createZstdDecompress('bench')));
    rows.gzipCli.push(viaCli(`gzip -dc ${tar}.gz`));
    rows.zstdCli.push(viaCli(`zstd -q -dc ${tar}.zst`));
    process.stderr.write(`run ${run}: gunzip ${rows.gunzip.at(-1).toFixed(0)} ms, zstd stage ${rows.zstd.at(-1).toFixed(0)} ms, gzip -dc ${rows.gzipCli.at(-1).toFixed(0)} ms, zstd -dc ${rows.zstdCli.at(-1).toFixed(0)} ms\n`);
  }
  const tarMb = size(tar) / 1e6;
  const row = (name, xs, base) => `| ${name} | ${median(xs).toFixed(0)} | ${(tarMb / (median(xs) / 1000)).toFixed(0)} | ${(median(xs) / median(base)).toFixed(2)} |`;
  console.log(`Tar ${mb(size(tar))} MB → gzip -6 ${mb(size(`${tar}.gz`))} MB, zstd -3 ${mb(size(`${tar}.zst`))} MB; decoded to a sha256 (no disk); medians of ${RUNS} interleaved rounds; zstd decoder: ${zstdDecoder()}.\n`);
  console.log('| decoder | median ms | MB/s (tar) | × node:zlib gunzip |');
  console.log('| --- | ---: | ---: | ---: |');
  console.log(row('node:zlib gunzip stream (gzip layers)', rows.gunzip, rows.gunzip));
  console.log(row(`mini-run's zstd stage (${zstdDecoder()})`, rows.zstd, rows.gunzip));
  console.log(row('`gzip -dc` (C)', rows.gzipCli, rows.gunzip));
  console.log(row('`zstd -dc` (C)', rows.zstdCli, rows.gunzip));
} finally {
  rmSync(work, { recursive: true, force: true });
}
