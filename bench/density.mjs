#!/usr/bin/env node
// bench/density.mjs — how many containers, and what each running one costs.
//
// Starts N detached `sleep` containers (default 50) one after another with `mini-run run -d`,
// reports the start time per container (median, p90) and the memory that mini-run keeps alive
// per running container: the proportional set size (PSS, /proc/PID/smaps_rollup) of each
// container's supervisor (shim). PSS splits shared pages (the node binary, libraries) between
// the processes that share them, so it is what one more container really costs.
// The container's own program (sleep) is not counted: it is the user's, not the runtime's.
// Beside it: podman's conmon, when podman is installed (never installed by this bench).
//
//   sudo node bench/density.mjs [--count 50] [--json]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

const args = process.argv.slice(2);
const count = Number(args[args.indexOf('--count') + 1] || 0) || 50;
const asJson = args.includes('--json');
const BIN = resolve(new URL('..', import.meta.url).pathname, 'bin', 'mini-run');
const root = mkdtempSync('/tmp/mr-bench-density-');
const mr = (...a) => spawnSync(process.execPath, [BIN, '--root', root, ...a], { encoding: 'utf8' });

function pssKb(pid) {
  try {
    return Number(/^Pss:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))[1]);
  } catch {
    return NaN;
  }
}
const ppid = (pid) => Number(/PPid:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(s.length * p))]; };

const result = { count, startMs: {}, pssPerContainerKb: {}, note: '' };
try {
  if (mr('run', '--rm', 'mini-run/busybox', 'true').status !== 0) throw new Error('warm-up run failed');
  const times = [];
  const ids = [];
  for (let i = 0; i < count; i++) {
    const t0 = process.hrtime.bigint();
    const r = mr('run', '-d', 'mini-run/busybox', 'sleep', '3600');
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    if (r.status !== 0) throw new Error(`run -d #${i} failed: ${r.stderr.trim()}`);
    ids.push(r.stdout.trim());
  }
  const shims = ids.map((id) => {
    const pid = Number(mr('inspect', '-f', '{{.State.Pid}}', id).stdout.trim());
    return ppid(pid);
  });
  const pss = shims.map(pssKb);
  result.startMs = { median: +median(times).toFixed(1), p90: +pct(times, 0.9).toFixed(1), first: +times[0].toFixed(1), last: +times[times.length - 1].toFixed(1) };
  result.pssPerContainerKb = { median: median(pss), p90: pct(pss, 0.9), total: pss.reduce((a, b) => a + b, 0) };
  const podman = spawnSync('podman', ['--version'], { encoding: 'utf8' });
  result.note = podman.status === 0 ? 'podman installed: compare with conmon by hand (not automated yet)' : 'podman not installed: no conmon row';
  mr('rm', '-f', ...ids);
} finally {
  rmSync(root, { recursive: true, force: true });
}

if (asJson) {
  console.log(JSON.stringify(result, null, 2));
} else {
  console.log(`density bench: ${count} detached 'sleep' containers`);
  console.log(`start (run -d) per container: median ${result.startMs.median} ms, p90 ${result.startMs.p90} ms (first ${result.startMs.first}, last ${result.startMs.last})`);
  console.log(`PSS of the supervisor per running container: median ${(result.pssPerContainerKb.median / 1024).toFixed(1)} MiB, p90 ${(result.pssPerContainerKb.p90 / 1024).toFixed(1)} MiB, all ${count}: ${(result.pssPerContainerKb.total / 1024).toFixed(0)} MiB`);
  console.log(`target: ≤ 15 MB PSS per running container → ${result.pssPerContainerKb.median / 1024 <= 15 ? 'PASS' : 'FAIL'}`);
  console.log(result.note);
}
