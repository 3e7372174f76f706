/**
 * When a cgroup around mini-run itself runs out (issue 21): a pids cgroup (every thread is a
 * task there, and Node has seven before our first line runs) and a memory cgroup. mini-run
 * ends with exit 0, or with one line naming the limit and exit 125 — never a hang — or, out of
 * memory, killed by the kernel (137: no process can say more). Either way nothing is left: no
 * container, mount, cgroup or process, and the next `ps -a` works.
 *
 * The cgroups are the test's own (mr-lim-…, removed after). Each command runs under a generous
 * timeout; a timeout fails the test (that is the hang this file is about).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, leaksFor, mr, removeRoot, tempRoot, until } from '../helpers/cli';

const IMG = 'mini-run/busybox';
const TIMEOUT = 30_000; // a start takes < 1 s here; half a minute is a hang
let root: string;

/** Where a controller's cgroups live: v1 its own hierarchy, v2 the unified one (if the controller is enabled there), else null. */
function controllerRoot(controller: 'pids' | 'memory'): string | null {
  if (existsSync(`/sys/fs/cgroup/${controller}/cgroup.procs`)) return `/sys/fs/cgroup/${controller}`;
  try {
    if (readFileSync('/sys/fs/cgroup/cgroup.subtree_control', 'utf8').split(/\s+/).includes(controller)) return '/sys/fs/cgroup';
  } catch { /* no unified hierarchy at /sys/fs/cgroup */ }
  return null;
}

const PIDS = controllerRoot('pids');
const MEMORY = controllerRoot('memory');
if (!PIDS) console.log('exhausted-limits-cgroup: pids cases skipped (no pids controller: neither /sys/fs/cgroup/pids nor pids in the unified hierarchy\'s subtree_control)');
if (!MEMORY) console.log('exhausted-limits-cgroup: memory case skipped (no memory controller: neither /sys/fs/cgroup/memory nor memory in the unified hierarchy\'s subtree_control)');

beforeAll(() => {
  root = tempRoot('limcg');
  const r = mr(root, ['run', '--rm', '--network', 'none', IMG, 'true']); // builds the built-in image, outside any limit
  if (r.status !== 0) throw new Error(`first run failed: ${r.stderr}`);
});

afterAll(() => {
  expect(leaksFor(root)).toEqual([]);
  removeRoot(root);
});

/**
 * `mini-run run --rm … true` started inside a new cgroup CG (the shell moves itself in, then
 * becomes mini-run), CG set up by `limit`; CG removed after, once empty.
 */
async function runInside(base: string, name: string, limit: (cg: string) => void) {
  const cg = join(base, name);
  mkdirSync(cg);
  try {
    limit(cg);
    const r = spawnSync('sh', ['-c', `echo $$ > ${cg}/cgroup.procs && exec "$0" "$@"`, process.execPath, BIN, '--root', root, 'run', '--rm', '--network', 'none', IMG, 'true'],
      { encoding: 'utf8', timeout: TIMEOUT, killSignal: 'SIGKILL' });
    // (a killed mini-run's init and supervisor die with it: wait for the cgroup to empty)
    await until(() => readFileSync(join(cg, 'cgroup.procs'), 'utf8').trim() === '', 10_000);
    return { timedOut: (r.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT', status: r.status, signal: r.signal, stderr: r.stderr ?? '' };
  } finally {
    await until(() => { try { rmdirSync(cg); return true; } catch { return !existsSync(cg); } }, 10_000);
  }
}

/** After each case: no container, no mount, cgroup or process of ours, and `ps -a` answers. */
function expectNothingLeft(what: string): void {
  const ps = mr(root, ['ps', '-a', '-q']);
  expect([what, ps.status, ps.stdout, ps.stderr]).toEqual([what, 0, '', '']);
  expect(leaksFor(root), what).toEqual([]);
}

// Node's own line when it cannot make a thread before our code runs (its SIGUSR1 watcher): printed, then Node goes on
const NODE_THREAD_LINE = /^node\[\d+\]: pthread_create: Resource temporarily unavailable$/;
const PIDS_LINE = /^mini-run: cannot start a process: the pids cgroup mini-run runs in \(\/mr-lim-pids-\d+\) allows (\d+) tasks, threads included \(pids\.max\), and they are in use; raise its pids\.max or run mini-run outside it$/;

describe.skipIf(!PIDS)('a pids cgroup around mini-run', () => {
  it('at pids.max 6, 8, 10, 12, 14, 40: exit 0, or one line naming the cgroup and its limit with exit 125 — never a hang — and nothing left', async () => {
    const seen: string[] = [];
    for (const max of [6, 8, 10, 12, 14, 40]) {
      const r = await runInside(PIDS!, `mr-lim-pids-${process.pid}`, (cg) => writeFileSync(join(cg, 'pids.max'), String(max)));
      seen.push(`${max}: ${r.timedOut ? 'TIMED OUT' : r.signal ?? r.status} ${r.stderr.trim().replace(/\n/g, ' / ')}`);
      expect([max, r.timedOut, r.signal], `pids.max ${max}: ${r.stderr}`).toEqual([max, false, null]);
      const lines = r.stderr.split('\n').filter((l) => l !== '');
      if (r.status === 0) {
        expect([max, lines.filter((l) => !NODE_THREAD_LINE.test(l))]).toEqual([max, []]);
      } else {
        // Node's own thread line may come first (before mini-run's code runs); then exactly ours
        expect([max, r.status, lines.slice(0, -1).filter((l) => !NODE_THREAD_LINE.test(l)), lines[lines.length - 1]])
          .toEqual([max, 125, [], expect.stringMatching(PIDS_LINE)]);
        expect(PIDS_LINE.exec(lines[lines.length - 1])![1]).toBe(String(max));
      }
      expectNothingLeft(`pids.max ${max}`);
    }
    console.log(`exhausted-limits-cgroup: ${seen.join(' | ')}`);
    expect(seen[0]).toMatch(/^6: 125 /); // the lowest limit really was too low (the error path ran)
    expect(seen[seen.length - 1]).toMatch(/^40: 0 /); // and a sane one works
  }, 6 * TIMEOUT);
});

describe.skipIf(!MEMORY)('a memory cgroup around mini-run', () => {
  it('at 10 MiB the kernel kills it (137: all a process can give), and nothing is left; at 200 MiB it runs', async () => {
    // node's binary in the page cache before the limit (else its pages are charged to the small cgroup)
    spawnSync(process.execPath, [BIN, '--root', root, 'ps']);
    const limitFile = MEMORY === '/sys/fs/cgroup' ? 'memory.max' : 'memory.limit_in_bytes';
    const seen: string[] = [];
    // `run --rm … true` peaks at ≈ 16–19 MiB here since its init is the C one (one Node process, not
    // two; measured 05:25 with memory.max_usage_in_bytes): at 14 MiB the kernel still kills it, at 16 it
    // runs. 10 MiB leaves a margin on both sides of that line.
    for (const mib of [10, 200]) {
      const r = await runInside(MEMORY!, `mr-lim-mem-${process.pid}`, (cg) => {
        writeFileSync(join(cg, limitFile), String(mib << 20));
        if (MEMORY === '/sys/fs/cgroup') writeFileSync(join(cg, 'memory.swap.max'), '0');
      });
      seen.push(`${mib}M: ${r.timedOut ? 'TIMED OUT' : r.signal ?? r.status} ${r.stderr.trim().replace(/\n/g, ' / ')}`);
      expect([mib, r.timedOut], r.stderr).toEqual([mib, false]);
      if (mib === 10) expect([mib, r.signal, r.status]).toEqual([mib, 'SIGKILL', null]); // what `sh` shows as 137
      else expect([mib, r.status, r.stderr]).toEqual([mib, 0, '']);
      expectNothingLeft(`memory ${mib} MiB`);
    }
    console.log(`exhausted-limits-cgroup: ${seen.join(' | ')}`);
  }, 2 * TIMEOUT + 30_000);
});
