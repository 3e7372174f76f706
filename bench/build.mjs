#!/usr/bin/env node
/**
 * Build benchmark: `mini-run build` vs `docker build` (the classic builder, DOCKER_BUILDKIT=0)
 * of the same small Dockerfile corpus from the same base image (mini-run/busybox, saved by
 * mini-run and loaded into Docker), cold (--no-cache) and fully cached.
 *
 *   sudo node bench/build.mjs [--runs N (default 5)] [--json] [--bin PATH]
 *
 * Docker: the engine `docker` reaches (DOCKER_HOST, or test/helpers/engines.mjs start). Without
 * one, only mini-run's rows are printed (and the reason).
 *
 * Method: each sample is one spawnSync() of the whole corpus (the Dockerfiles one after the
 * other) timed with process.hrtime.bigint(). Rounds are interleaved (mini-run cold, Docker cold,
 * mini-run cached, Docker cached, per round) so a slow moment on the machine hits them alike;
 * one untimed warm-up round first. Medians are reported, with Docker/mini-run ratios.
 *
 * Everything it creates lives under one temp dir (/tmp/mr-bench-build-*): mini-run's state root
 * and the contexts; Docker images are tagged mr-bench-build-<pid>-* and removed at the end.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cleanupOnExit, parseArgs, removeScratch } from './lib.mjs';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const opts = parseArgs(process.argv.slice(2), 'build bench',
  'usage: node bench/build.mjs [--runs N (default 5)] [--json] [--bin path/to/mini-run]',
  { runs: 5, json: false, bin: join(REPO, 'bin', 'mini-run') });
const log = (...a) => (opts.json ? console.error(...a) : console.log(...a));

const scratch = mkdtempSync('/tmp/mr-bench-build-');
const root = join(scratch, 'root');
const TAG = `mr-bench-build-${process.pid}`;
const dockerEnv = { ...process.env, DOCKER_BUILDKIT: '0' };

/** The corpus: the notes' web image, a COPY-heavy one, a RUN-heavy one, a multi-stage one. */
const CORPUS = {
  web: {
    Dockerfile: 'FROM mini-run/busybox\nRUN mkdir -p /www && echo built > /www/built.txt\nCOPY index.html /www/\nEXPOSE 80\nCMD ["httpd", "-f", "-p", "80", "-h", "/www"]\n',
    'index.html': '<h1>web v1</h1>\n',
  },
  copies: {
    Dockerfile: 'FROM mini-run/busybox\nENV APP=/app\nWORKDIR /app\nCOPY src/ ./src/\nCOPY conf /etc/app/\nRUN ls -R /app > /app/listing\n',
    ...Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`src/m${i % 10}/f${i}.txt`, `file ${i}\n`.repeat(50)])),
    'conf/app.conf': 'x=1\n',
  },
  runs: {
    Dockerfile: 'FROM mini-run/busybox\n' + Array.from({ length: 5 }, (_, i) => `RUN echo step${i} > /step${i}\n`).join('') + 'CMD ["sh"]\n',
  },
  stages: {
    Dockerfile: 'FROM mini-run/busybox AS build\nRUN mkdir /out && echo bin > /out/app\nFROM mini-run/busybox\nCOPY --from=build /out/app /usr/local/bin/app\nCMD ["cat", "/usr/local/bin/app"]\n',
  },
};

function sh(argv, env) {
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', env: env ?? process.env, maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`${argv.join(' ')}: exit ${r.status}: ${(r.stderr || r.stdout).trim().split('\n').pop()}`);
  return r.stdout;
}

const contexts = Object.entries(CORPUS).map(([name, files]) => {
  const dir = join(scratch, name);
  for (const [p, body] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, p)), { recursive: true });
    writeFileSync(join(dir, p), body);
  }
  chmodSync(dir, 0o755);
  return { name, dir };
});

const mini = (args) => [process.execPath, opts.bin, '--root', root, ...args];
const builders = {
  'mini-run': (ctx, cold) => mini(['build', '-q', '--network', 'none', ...(cold ? ['--no-cache'] : []), '-t', `${TAG}-${ctx.name}`, ctx.dir]),
  docker: (ctx, cold) => ['docker', 'build', '-q', '--network', 'none', ...(cold ? ['--no-cache'] : []), '-t', `${TAG}-${ctx.name}`, ctx.dir],
};

const answers = () => { const r = spawnSync('docker', ['info', '--format', '{{.ServerVersion}}'], { encoding: 'utf8', timeout: 15_000, env: dockerEnv }); return r.status === 0 && r.stdout.trim() !== ''; };
let docker = answers();
if (!docker && !process.env.DOCKER_HOST) { // the tests' engine (test/helpers/engines.mjs start)
  process.env.DOCKER_HOST = dockerEnv.DOCKER_HOST = 'unix:///tmp/mr-dockerd/docker.sock';
  docker = answers();
}
if (!docker) log('docker: no engine answers (`docker info` failed): only mini-run rows');

cleanupOnExit('build bench', () => {
  if (docker) {
    const tags = spawnSync('docker', ['images', '--format', '{{.Repository}}:{{.Tag}}'], { encoding: 'utf8' }).stdout.split('\n').filter((t) => t.startsWith(TAG));
    if (tags.length) spawnSync('docker', ['rmi', '-f', ...tags], { stdio: 'ignore' });
  }
  removeScratch(scratch, 'build bench');
});

// The same base image in both engines.
sh(mini(['run', '--rm', '--network', 'none', 'mini-run/busybox', 'true']));
if (docker) {
  sh(mini(['save', '-o', join(scratch, 'busybox.tar'), 'mini-run/busybox']));
  sh(['docker', 'load', '-i', join(scratch, 'busybox.tar')]);
}

/** The whole corpus once; elapsed ms. */
function corpus(who, cold) {
  const t0 = process.hrtime.bigint();
  for (const ctx of contexts) sh(builders[who](ctx, cold), who === 'docker' ? dockerEnv : process.env);
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

const rows = [];
for (const who of ['mini-run', ...(docker ? ['docker'] : [])]) for (const cold of [true, false]) rows.push({ who, cold, samples: [] });
log(`build bench: ${contexts.length} Dockerfiles (${contexts.map((c) => c.name).join(', ')}), ${opts.runs} interleaved rounds after one warm-up`);
for (let round = 0; round <= opts.runs; round++) {
  for (const row of rows) {
    const ms = corpus(row.who, row.cold);
    if (round > 0) row.samples.push(ms);
  }
  if (round > 0) log(`  round ${round}: ${rows.map((r) => `${r.who} ${r.cold ? 'cold' : 'cached'} ${Math.round(r.samples.at(-1))} ms`).join(', ')}`);
}

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const n = s.length; return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2; };
const result = rows.map((r) => ({ who: r.who, mode: r.cold ? 'cold (--no-cache)' : 'cached', medianMs: Math.round(median(r.samples)), samples: r.samples.map(Math.round) }));
for (const r of result) {
  const other = result.find((o) => o.who === 'docker' && o.mode === r.mode);
  r.dockerOverMiniRun = other && r.who === 'mini-run' ? +(other.medianMs / r.medianMs).toFixed(2) : undefined;
}
if (opts.json) console.log(JSON.stringify({ corpus: contexts.map((c) => c.name), runs: opts.runs, result }, null, 2));
else {
  log('\n| builder | corpus | median | docker / mini-run |\n|---|---|---:|---:|');
  for (const r of result) log(`| ${r.who} | ${r.mode} | ${r.medianMs} ms | ${r.dockerOverMiniRun ?? ''} |`);
}
