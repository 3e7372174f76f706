#!/usr/bin/env node
/**
 * Where a command's CPU goes, from `node --cpu-prof` profiles: the median self time (ms, idle
 * left out) per category over every profile in each directory given, so two builds can be set
 * side by side (GC, compiling through the code cache, node:path, Node's CommonJS loader, zod, …).
 *
 *   for i in 1 2 3 4 5 6; do node --cpu-prof --cpu-prof-dir=/tmp/prof-a A/bin/mini-run run --rm --network none mini-run/busybox true; done
 *   node bench/cpu-profile-summary.mjs /tmp/prof-a /tmp/prof-b
 *
 * (`--cpu-prof` changes no V8 flag, so the compile cache is used as without it; drop the first
 * profile of a fresh build, which compiles everything once.)
 *
 * `--after-spawn`: only what comes after the first child process is spawned (for `run`: the
 * CLI's own work while the container's init boots on the other core), plus the ten largest
 * self times there by function (file:function).
 */
import { readFileSync, readdirSync } from 'node:fs';

const CATEGORIES = {
  'garbage collector': /^\(garbage collector\)$/,
  'node:vm': /^node:vm$/,
  'node:path': /^node:path$/,
  'CJS loader': /^node:internal\/modules\/cjs\/loader$/,
  'package_json_reader': /package_json_reader/,
  readFileUtf8: /^readFileUtf8$/,
  'compile-cache': /compile-cache\.js$/,
  zod: /node_modules\/zod\//,
  'all (no idle)': /./,
};
const afterSpawn = process.argv.includes('--after-spawn');
const dirs = process.argv.slice(2).filter((a) => a !== '--after-spawn');
const top = new Map(); // 'dir\0file:function' -> [ms per profile]
if (dirs.length === 0) { console.error('usage: node bench/cpu-profile-summary.mjs PROFILE_DIR...'); process.exit(2); }
const median = (xs) => { const s = [...xs].sort((x, y) => x - y); return s[s.length >> 1]; };
console.log(`| self ms (median) | ${dirs.join(' | ')} |\n| --- |${dirs.map(() => ' ---: |').join('')}`);
const perDir = dirs.map((dir) => {
  const per = Object.fromEntries(Object.keys(CATEGORIES).map((k) => [k, []]));
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.cpuprofile'))) {
    const p = JSON.parse(readFileSync(`${dir}/${f}`, 'utf8'));
    const byId = new Map(p.nodes.map((n) => [n.id, n]));
    const self = Object.fromEntries(Object.keys(CATEGORIES).map((k) => [k, 0]));
    const parent = new Map();
    for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
    // (the first sample inside child_process's spawn, or ChildProcess.spawn's caller; since session
    // 14 the init is spawned by runtime/spawn-child.ts's spawnChild, through posix_spawn)
    const spawning = (id) => { for (let n = id; n !== undefined; n = parent.get(n)) { const f = byId.get(n).callFrame; if ((/^node:(internal\/)?child_process$/.test(f.url) && /spawn/i.test(f.functionName)) || f.functionName === 'spawnChild') return true; } return false; };
    let from = 0;
    if (afterSpawn) { from = p.samples.findIndex(spawning); if (from < 0) continue; }
    const fnSelf = new Map();
    for (let i = from; i < p.samples.length; i++) {
      const frame = byId.get(p.samples[i]).callFrame;
      const where = frame.url || frame.functionName;
      if (where === '(idle)') continue;
      const ms = (p.timeDeltas[i + 1] ?? 0) / 1000;
      for (const [k, re] of Object.entries(CATEGORIES)) if (re.test(where)) self[k] += ms;
      const fn = `${(frame.url || '').replace(/^.*\/(dist|node_modules)\//, '')}:${frame.functionName || '(anonymous)'}`;
      fnSelf.set(fn, (fnSelf.get(fn) ?? 0) + ms);
    }
    for (const [fn, ms] of fnSelf) { const key = `${dir}\0${fn}`; if (!top.has(key)) top.set(key, []); top.get(key).push(ms); }
    for (const k of Object.keys(CATEGORIES)) per[k].push(self[k]);
  }
  return per;
});
for (const k of Object.keys(CATEGORIES)) console.log(`| ${k} | ${perDir.map((per) => per[k].length ? median(per[k]).toFixed(1) : '-').join(' | ')} |`);
console.log(`| profiles | ${perDir.map((per) => per['all (no idle)'].length).join(' | ')} |`);
if (afterSpawn) {
  for (const [d, dir] of dirs.entries()) {
    const n = perDir[d]['all (no idle)'].length;
    // (mean over the profiles: a function absent from one counts 0 there)
    const rows = [...top].filter(([key]) => key.startsWith(`${dir}\0`)).map(([key, ms]) => [key.slice(dir.length + 1), ms.reduce((a, b) => a + b, 0) / n]).sort((a, b) => b[1] - a[1]).slice(0, 10);
    console.log(`\n${dir}, after the spawn, the ten largest self times (mean ms):\n| function | ms |\n| --- | ---: |`);
    for (const [fn, ms] of rows) console.log(`| ${fn} | ${ms.toFixed(1)} |`);
  }
}
