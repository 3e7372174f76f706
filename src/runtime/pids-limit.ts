/**
 * The pids cgroups around this process (v1: the `pids` hierarchy; v2: the unified one). Every
 * thread is a task there, and Node has seven (main, four V8 workers, a timer and a signal watcher) before it runs a line of JavaScript.
 *
 * Why the runtime cares: a Node child (the container's init) that cannot make its threads at
 * start-up may wait for them forever, before any JavaScript runs (Node 20's platform waits for
 * the workers it failed to create) — so it never answers on its sync socket. The kernel counts
 * every fork/clone it refused in the cgroup whose pids.max was hit (pids.events, "max N"): a
 * count that grows while we wait for the init means we are out of tasks, not slow.
 */
import { readFileSync } from 'node:fs';

interface PidsCgroup { path: string; dir: string }

/** This process's pids cgroup and its ancestors up to (not including) the root, nearest first. */
function pidsCgroupsAround(procSelfCgroup = '/proc/self/cgroup', mountRoot = '/sys/fs/cgroup'): PidsCgroup[] {
  let lines: string[];
  try { lines = readFileSync(procSelfCgroup, 'utf8').split('\n'); } catch { return []; }
  const v1 = lines.find((l) => /^\d+:([^:]*,)?pids(,[^:]*)?:/.test(l));
  const v2 = lines.find((l) => l.startsWith('0::'));
  const [base, own] = v1 ? [`${mountRoot}/pids`, v1.split(':')[2]] : v2 ? [mountRoot, v2.slice(3)] : [null, null];
  const out: PidsCgroup[] = [];
  if (base === null || own === null) return out;
  for (let path = own; path !== '' && path !== '/'; path = path.slice(0, path.lastIndexOf('/'))) out.push({ path, dir: `${base}${path}` });
  return out;
}

/** The nearest pids cgroup around us with a limit (pids.max a number), or null. */
export function pidsCgroupLimit(procSelfCgroup?: string, mountRoot?: string): { path: string; max: number } | null {
  for (const cg of pidsCgroupsAround(procSelfCgroup, mountRoot)) {
    try {
      const max = readFileSync(`${cg.dir}/pids.max`, 'utf8').trim();
      if (/^\d+$/.test(max)) return { path: cg.path, max: Number(max) };
    } catch { /* not there: look further up */ }
  }
  return null;
}

/** How many forks/clones the pids cgroups around us have refused so far (pids.events "max"). */
export function refusedTasks(): number {
  let n = 0;
  for (const cg of pidsCgroupsAround()) {
    try { n += Number(/^max (\d+)$/m.exec(readFileSync(`${cg.dir}/pids.events`, 'utf8'))?.[1] ?? 0); } catch { /* none */ }
  }
  return n;
}

/**
 * Resolves once the pids cgroups around us refuse a task beyond `since` (refusedTasks() taken
 * before the child was spawned), rejecting with EAGAIN as a failed clone would; checked every
 * 100 ms until stop(). Nothing to watch (no pids cgroup with a limit): never fires.
 */
export function watchRefusedTasks(since: number): { refused: Promise<never>; stop(): void } {
  let timer: NodeJS.Timeout | undefined;
  const refused = new Promise<never>((_, reject) => {
    if (pidsCgroupLimit() === null) return;
    timer = setInterval(() => {
      if (refusedTasks() <= since) return;
      clearInterval(timer);
      reject(outOfTasks());
    }, 100);
  });
  refused.catch(() => { /* seen by whoever races it */ });
  return { refused, stop: () => clearInterval(timer) };
}

/** The error of a task the pids cgroup refused (the CLI names the cgroup and its limit). */
export function outOfTasks(): Error {
  return Object.assign(new Error('clone EAGAIN: the pids cgroup refused a task while the container init was starting'), { code: 'EAGAIN', syscall: 'clone' });
}
