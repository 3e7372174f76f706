#!/usr/bin/env node
/**
 * bench/pull.mjs — pull + unpack of a large multi-layer image from a local registry:
 *
 *   mini-run pull                    (download, verify, unpack: one streaming pass per layer)
 *   skopeo copy + umoci unpack       (the independent tools: download to an OCI layout, unpack)
 *   tar -xzf of each layer           (the floor: just gunzip + untar, blobs already on disk)
 *   curl | tar -xzf of each layer    (the same floor with the download: what a pull must at least do)
 *
 * The image is built once (GNU tar layers of real host directories + random data, ~150 MB
 * uncompressed in 6 layers, gzipped by umoci, pushed by skopeo) into a throw-away
 * docker-registry on 127.0.0.1. Each run starts from an empty store / directory.
 * `--before REPO` adds a row for another build of mini-run (a checkout with bin/ and a built
 * dist/, e.g. main before a change), interleaved with this one in every run.
 * `--zstd` adds the same image with zstd layers (recompressed by skopeo, in a registry of its
 * own) and two rows: `mini-run pull` of it (node:zlib's zstd, or libzstd through koffi on
 * Node 20) and `tar --zstd -xf` of its layers.
 *
 *   sudo node bench/pull.mjs [--runs 3] [--keep] [--before /path/to/other/checkout] [--zstd]
 *
 * Prints a markdown table for docs/perf.md. Not part of `npm test`.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync, readdirSync, statSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import net from 'node:net';
import http from 'node:http';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const RUNS = Number(args[args.indexOf('--runs') + 1]) || 3;
const KEEP = args.includes('--keep');
const BEFORE = args.includes('--before') ? resolve(args[args.indexOf('--before') + 1]) : null;
const ZSTD = args.includes('--zstd');
const sh = (cmd, opts = {}) => execFileSync('sh', ['-c', cmd], { stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20, ...opts }).toString();

function freePort() {
  return new Promise((res) => { const s = net.createServer(); s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => res(p)); }); });
}
async function waitUp(url) {
  for (let i = 0; i < 300; i++) {
    const ok = await new Promise((r) => { const q = http.get(url, (x) => { x.resume(); r(true); }); q.on('error', () => r(false)); });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('registry did not start');
}
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
function timed(fn) { const t = process.hrtime.bigint(); fn(); return Number(process.hrtime.bigint() - t) / 1e6; }

const work = mkdtempSync('/tmp/mr-bench-pull-');
let registry = null;
let zstdRegistry = null;
const cleanup = () => {
  for (const r of [registry, zstdRegistry]) if (r && r.exitCode === null) r.kill('SIGTERM'); // the PIDs we started
  if (!KEEP) rmSync(work, { recursive: true, force: true });
};
process.on('SIGINT', () => { cleanup(); process.exit(130); });
process.on('SIGTERM', () => { cleanup(); process.exit(143); });

try {
  // --- the registry
  const port = await freePort();
  writeFileSync(join(work, 'registry.yml'), `version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: ${work}/registry\nhttp:\n  addr: 127.0.0.1:${port}\n`);
  registry = spawn('/usr/bin/docker-registry', ['serve', join(work, 'registry.yml')], { stdio: 'ignore' });
  await waitUp(`http://127.0.0.1:${port}/v2/`);
  const host = `127.0.0.1:${port}`;
  let zhost = null;
  if (ZSTD) {
    // Its own registry: where the gzip blobs are already there, skopeo reuses them instead of recompressing.
    const zport = await freePort();
    writeFileSync(join(work, 'registry-zstd.yml'), `version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: ${work}/registry-zstd\nhttp:\n  addr: 127.0.0.1:${zport}\n`);
    zstdRegistry = spawn('/usr/bin/docker-registry', ['serve', join(work, 'registry-zstd.yml')], { stdio: 'ignore' });
    await waitUp(`http://127.0.0.1:${zport}/v2/`);
    zhost = `127.0.0.1:${zport}`;
  }

  // --- the image: 6 layers (busybox base + real host directories + random data)
  process.stderr.write('building the image… ');
  const bb = join(work, 'base.tar');
  sh(`IMAGE_NAME=bench/base:latest TMPDIR=${work} sh ${REPO}/rootfs/busybox.sh ${bb}`);
  sh(`skopeo copy -q oci-archive:${bb} oci:${work}/layout:big`);
  const tarOpts = '--sort=name --mtime=@1000000000 --owner=0 --group=0 --numeric-owner';
  const sources = [
    ['usr/share/doc', '/usr/share/doc'],
    ['usr/share/man', '/usr/share/man'],
    ['usr/lib/python3', '/usr/lib/python3'],
    ['usr/include', '/usr/include'],
  ];
  for (const [i, [dest, src]] of sources.entries()) {
    const tarFile = join(work, `l${i}.tar`);
    sh(`tar ${tarOpts} --transform 's,^\\.,./${dest},' -C ${src} -cf ${tarFile} .`);
    sh(`umoci raw add-layer --image ${work}/layout:big ${tarFile} && rm ${tarFile}`);
  }
  mkdirSync(join(work, 'rnd/data'), { recursive: true });
  for (let i = 0; i < 20; i++) sh(`head -c 1048576 /dev/urandom > ${work}/rnd/data/random-${i}`);
  sh(`tar ${tarOpts} -C ${work}/rnd -cf ${work}/rnd.tar . && umoci raw add-layer --image ${work}/layout:big ${work}/rnd.tar && rm -rf ${work}/rnd ${work}/rnd.tar`);
  sh(`umoci config --image ${work}/layout:big --config.cmd sh`);
  sh(`skopeo copy -q --dest-tls-verify=false oci:${work}/layout:big docker://${host}/bench/big:latest`);
  const manifest = JSON.parse(sh(`skopeo inspect --raw --tls-verify=false docker://${host}/bench/big:latest`));
  const config = JSON.parse(sh(`skopeo inspect --config --tls-verify=false docker://${host}/bench/big:latest`));
  const compressed = manifest.layers.reduce((n, l) => n + l.size, 0);
  const blobsDir = join(work, 'layout/blobs/sha256');
  let uncompressed = 0;
  for (const l of manifest.layers) uncompressed += Number(sh(`gzip -dc ${blobsDir}/${l.digest.slice(7)} | wc -c`).trim());
  process.stderr.write(`${manifest.layers.length} layers, ${(compressed / 1e6).toFixed(1)} MB gzip, ${(uncompressed / 1e6).toFixed(1)} MB tar\n`);
  let zstdCompressed = 0;
  const zstdFloorBlobs = join(work, 'floor-blobs-zstd');
  let zmanifest = null;
  if (ZSTD) {
    sh(`skopeo copy -q --format oci --dest-compress-format zstd --dest-tls-verify=false oci:${work}/layout:big docker://${zhost}/bench/big:latest`);
    zmanifest = JSON.parse(sh(`skopeo inspect --raw --tls-verify=false docker://${zhost}/bench/big:latest`));
    if (!zmanifest.layers.every((l) => l.mediaType.endsWith('+zstd'))) throw new Error('skopeo did not recompress the layers with zstd');
    zstdCompressed = zmanifest.layers.reduce((n, l) => n + l.size, 0);
    sh(`skopeo copy -q --src-tls-verify=false docker://${zhost}/bench/big:latest oci:${zstdFloorBlobs}:big`);
    process.stderr.write(`zstd: ${(zstdCompressed / 1e6).toFixed(1)} MB\n`);
  }
  rmSync(join(work, 'layout'), { recursive: true, force: true });
  // the layer blobs for the tar -xzf floor, fetched once
  const floorBlobs = join(work, 'floor-blobs');
  sh(`skopeo copy -q --src-tls-verify=false docker://${host}/bench/big:latest oci:${floorBlobs}:big`);

  const rows = { mini: [], before: [], skopeo: [], tar: [], curl: [], miniZstd: [], tarZstd: [] };
  const pull = (repo, root, from = host) => timed(() => {
    const r = spawnSync(process.execPath, [join(repo, 'bin/mini-run'), '--root', root, 'pull', '-q', `${from}/bench/big:latest`], { stdio: ['ignore', 'ignore', 'inherit'] });
    if (r.status !== 0) throw new Error(`mini-run pull (${repo}) failed`);
  });
  for (let run = 1; run <= RUNS; run++) {
    sh('sync');
    const root = join(work, `root-${run}`);
    rows.mini.push(pull(REPO, root));
    rmSync(root, { recursive: true, force: true });
    if (BEFORE) {
      sh('sync');
      rows.before.push(pull(BEFORE, root));
      rmSync(root, { recursive: true, force: true });
    }
    if (ZSTD) {
      sh('sync');
      rows.miniZstd.push(pull(REPO, root, zhost));
      rmSync(root, { recursive: true, force: true });
      sh('sync');
      const zout = join(work, `tar-zstd-${run}`);
      rows.tarZstd.push(timed(() => {
        for (const l of zmanifest.layers) {
          const d = join(zout, l.digest.slice(7, 19));
          mkdirSync(d, { recursive: true });
          sh(`tar --zstd -xf ${zstdFloorBlobs}/blobs/sha256/${l.digest.slice(7)} -C ${d}`);
        }
      }));
      rmSync(zout, { recursive: true, force: true });
    }
    sh('sync');
    const oci = join(work, `oci-${run}`);
    const bundle = join(work, `bundle-${run}`);
    rows.skopeo.push(timed(() => {
      sh(`skopeo copy -q --src-tls-verify=false docker://${host}/bench/big:latest oci:${oci}:big && umoci unpack --image ${oci}:big ${bundle}`);
    }));
    rmSync(oci, { recursive: true, force: true });
    rmSync(bundle, { recursive: true, force: true });
    sh('sync');
    const out = join(work, `tar-${run}`);
    rows.tar.push(timed(() => {
      for (const l of manifest.layers) {
        const d = join(out, l.digest.slice(7, 19));
        mkdirSync(d, { recursive: true });
        sh(`tar -xzf ${floorBlobs}/blobs/sha256/${l.digest.slice(7)} -C ${d}`);
      }
    }));
    rmSync(out, { recursive: true, force: true });
    sh('sync');
    const curlOut = join(work, `curl-${run}`);
    rows.curl.push(timed(() => {
      for (const l of manifest.layers) {
        const d = join(curlOut, l.digest.slice(7, 19));
        mkdirSync(d, { recursive: true });
        execFileSync('bash', ['-o', 'pipefail', '-c', `curl -sf http://${host}/v2/bench/big/blobs/${l.digest} | tar -xzf - -C ${d}`], { stdio: 'ignore' });
      }
    }));
    rmSync(curlOut, { recursive: true, force: true });
    process.stderr.write(`run ${run}: mini-run ${rows.mini.at(-1).toFixed(0)} ms${BEFORE ? `, before ${rows.before.at(-1).toFixed(0)} ms` : ''}${ZSTD ? `, mini-run zstd ${rows.miniZstd.at(-1).toFixed(0)} ms, tar --zstd ${rows.tarZstd.at(-1).toFixed(0)} ms` : ''}, skopeo+umoci ${rows.skopeo.at(-1).toFixed(0)} ms, tar -xzf ${rows.tar.at(-1).toFixed(0)} ms, curl | tar -xzf ${rows.curl.at(-1).toFixed(0)} ms\n`);
  }
  const m = { mini: median(rows.mini), skopeo: median(rows.skopeo), tar: median(rows.tar), curl: median(rows.curl) };
  const mbps = (ms) => (uncompressed / 1e6 / (ms / 1000)).toFixed(0);
  const gzmbps = (ms) => (compressed / 1e6 / (ms / 1000)).toFixed(0);
  console.log(`Image: ${manifest.layers.length} layers, ${(compressed / 1e6).toFixed(1)} MB gzip${ZSTD ? ` / ${(zstdCompressed / 1e6).toFixed(1)} MB zstd` : ''} / ${(uncompressed / 1e6).toFixed(1)} MB tar (${config.rootfs.diff_ids.length} diff_ids); medians of ${RUNS} runs.\n`);
  console.log('| row | median s | MB/s (tar) | MB/s (gzip) | × mini-run |');
  console.log('| --- | ---: | ---: | ---: | ---: |');
  console.log(`| \`mini-run pull\` (download + verify + unpack) | ${(m.mini / 1000).toFixed(2)} | ${mbps(m.mini)} | ${gzmbps(m.mini)} | 1.00 |`);
  if (BEFORE) {
    const b = median(rows.before);
    console.log(`| \`mini-run pull\`, build in ${BEFORE} | ${(b / 1000).toFixed(2)} | ${mbps(b)} | ${gzmbps(b)} | ${(b / m.mini).toFixed(2)} |`);
  }
  if (ZSTD) {
    const z = median(rows.miniZstd);
    const tz = median(rows.tarZstd);
    const zmbps = (ms) => (zstdCompressed / 1e6 / (ms / 1000)).toFixed(0);
    console.log(`| \`mini-run pull\`, the same image with zstd layers | ${(z / 1000).toFixed(2)} | ${mbps(z)} | ${zmbps(z)} (zstd) | ${(z / m.mini).toFixed(2)} |`);
    console.log(`| \`tar --zstd -xf\` of each zstd layer (blobs already local) | ${(tz / 1000).toFixed(2)} | ${mbps(tz)} | ${zmbps(tz)} (zstd) | ${(tz / m.mini).toFixed(2)} |`);
  }
  console.log(`| \`skopeo copy\` + \`umoci unpack\` | ${(m.skopeo / 1000).toFixed(2)} | ${mbps(m.skopeo)} | ${gzmbps(m.skopeo)} | ${(m.skopeo / m.mini).toFixed(2)} |`);
  console.log(`| \`tar -xzf\` of each layer (blobs already local) | ${(m.tar / 1000).toFixed(2)} | ${mbps(m.tar)} | ${gzmbps(m.tar)} | ${(m.tar / m.mini).toFixed(2)} |`);
  console.log(`| \`curl … \\| tar -xzf -\` of each layer (download + unpack, no verification) | ${(m.curl / 1000).toFixed(2)} | ${mbps(m.curl)} | ${gzmbps(m.curl)} | ${(m.curl / m.mini).toFixed(2)} |`);
  console.log(`\nGoal 7 (issue 16): mini-run's throughput over tar -xzf's = ${(m.tar / m.mini).toFixed(2)} (≥ 1.0), over curl | tar's = ${(m.curl / m.mini).toFixed(2)}`);
} finally {
  cleanup();
}
