#!/usr/bin/env node
/**
 * Writes scripts/cli-bundle-parts.json: which modules of dist/ the CLI bundle holds (see
 * scripts/bundle.mjs). The CLI loads its modules lazily, so what a command needs is only known
 * by running it: this runs, in a scratch state root, the read commands (ps, images, logs) and
 * `run --rm --network none mini-run/busybox true`, each with a hook that lists the modules of
 * dist/ in Node's module cache at exit. "read": what the read commands load (in
 * dist/cli-bundle.js, which every command loads); "inspect": what `inspect` loads beyond that;
 * "spawn": what `run` has loaded beyond both when it spawns the container's init (the hook
 * notes them when the init's SIGCHLD listener is added, runtime/spawn-child.ts), so the spawn
 * reads only that small file first; "run": what `run` loads beyond all three (in
 * dist/cli-bundle-run.js, read after the spawn); "bridge": what `run --rm` on the default bridge loads
 * beyond all four (network/bridge, sys/netlink…: dist/cli-bundle-bridge.js, read at the attach).
 * A module in none loads from its own file, so a stale list costs
 * time, never correctness. Run it as root after changing what these commands load, then
 * `npm run build`.
 *
 *     sudo node scripts/record-cli-parts.mjs
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const TOP = join(dirname(fileURLToPath(import.meta.url)), '..');
const DIST = join(TOP, 'dist') + '/';
const scratch = mkdtempSync(join(tmpdir(), 'mr-record-parts-'));
const hook = join(scratch, 'hook.cjs');
writeFileSync(hook, `const ours = () => Object.keys(require.cache).filter((f) => f.startsWith(${JSON.stringify(DIST)})).map((f) => f.slice(${DIST.length})).join('\\n');
let spawned = false;
process.on('newListener', (event) => {
  if (event !== 'SIGCHLD' || spawned) return;
  spawned = true;
  require('node:fs').writeFileSync(process.env.MR_RECORD_OUT + '.spawn', ours());
});
process.on('exit', () => require('node:fs').writeFileSync(process.env.MR_RECORD_OUT, ours()));\n`);

/** The modules of dist/ that `mini-run ARGS` loaded (by the time it spawned the init: `atSpawn`). */
function modulesOf(...args) {
  return modulesLoaded(false, ...args);
}
function modulesLoaded(atSpawn, ...args) {
  const out = join(scratch, 'modules');
  rmSync(out + '.spawn', { force: true });
  const r = spawnSync(process.execPath, ['-r', hook, join(TOP, 'bin/mini-run'), '--root', join(scratch, 'root'), ...args],
    { encoding: 'utf8', env: { ...process.env, MR_RECORD_OUT: out } });
  if (r.status !== 0) throw new Error(`mini-run ${args.join(' ')}: exit ${r.status}: ${r.stderr.trim()}`);
  return readFileSync(atSpawn ? out + '.spawn' : out, 'utf8').split('\n').filter((key) => key && !['compile-cache.js', 'fnv1a.js'].includes(key) && !key.endsWith('-bundle.js') && !key.startsWith('cli-bundle'));
}

try {
  modulesOf('run', '-d', '--name', 'mr-record-parts', '--network', 'none', 'mini-run/busybox', 'sleep', '600'); // (a running container, as the bench's)
  // Each module goes in the first part that loads it: `listed` grows by each part in turn.
  const listed = new Set();
  const part = (keys) => keys.filter((key) => {
    if (listed.has(key)) return false;
    listed.add(key);
    return true;
  }).sort();
  const read = part([...modulesOf('ps'), ...modulesOf('images'), ...modulesOf('logs', 'mr-record-parts')]);
  // (twice: the steady state, after the first start filled the state root's caches, e.g. the compiled seccomp filter)
  modulesOf('run', '--rm', '--network', 'none', 'mini-run/busybox', 'true');
  // (layered: inspect loads most of what run loads on the way to a container record, so its list
  // comes first and run's is what run loads beyond both — ps reads neither file, inspect one, run two)
  const inspect = part(modulesOf('inspect', 'mr-record-parts'));
  const spawn = part(modulesLoaded(true, 'run', '--rm', '--network', 'none', 'mini-run/busybox', 'true'));
  const run = part(modulesOf('run', '--rm', '--network', 'none', 'mini-run/busybox', 'true'));
  // on the default bridge (twice: the first makes the bridge and our chains, the next finds them idle, as most runs do)
  modulesOf('run', '--rm', 'mini-run/busybox', 'true');
  const bridge = part(modulesOf('run', '--rm', 'mini-run/busybox', 'true'));
  const parts = JSON.parse(readFileSync(join(TOP, 'scripts/cli-bundle-parts.json'), 'utf8'));
  writeFileSync(join(TOP, 'scripts/cli-bundle-parts.json'), JSON.stringify({ '//': parts['//'], read, inspect, spawn, run, bridge }, null, 1) + '\n');
  console.log(`scripts/cli-bundle-parts.json: ${read.length} modules for the read commands, ${inspect.length} more for inspect, ${spawn.length} more for run's spawn of the init, ${run.length} more for the rest of run, ${bridge.length} more for a run on the default bridge`);
} finally {
  spawnSync(process.execPath, [join(TOP, 'bin/mini-run'), '--root', join(scratch, 'root'), 'rm', '-f', 'mr-record-parts'], { stdio: 'ignore' });
  spawnSync(process.execPath, [join(TOP, 'bin/mini-run'), '--root', join(scratch, 'root'), 'system', 'prune', '-f'], { stdio: 'ignore' });
  rmSync(scratch, { recursive: true, force: true });
}
