/**
 * Errors of an exhausted host limit, as one line that says which limit and what to do
 * (issue 21): open files (ulimit -n, the host's file table), processes (ulimit -u, pid_max,
 * a pids cgroup), memory (a memory cgroup around mini-run). Null for any other error.
 */
import { closeSync, openSync, readFileSync } from 'node:fs';
import { pidsCgroupLimit } from '../runtime/pids-limit';

export { pidsCgroupLimit };

/** A soft limit of this process from /proc/self/limits ("Max open files"), or null. */
function softLimit(name: string): string | null {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith(name));
    return line ? line.slice(name.length).trim().split(/\s+/)[0] : null;
  } catch {
    return null;
  }
}

/**
 * Is this process out of file descriptors right now? Node's module resolver turns an EMFILE
 * while it looks for a file into "Cannot find module" (the CLI's modules load at first use, so
 * that can be the first thing to hit the limit): one open tells the two apart.
 */
function outOfDescriptors(): boolean {
  try {
    closeSync(openSync('/dev/null', 'r'));
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EMFILE';
  }
}

export function exhaustedLimitMessage(err: unknown): string | null {
  const e = err as NodeJS.ErrnoException | null;
  if (e?.code === 'MODULE_NOT_FOUND') return outOfDescriptors() ? exhaustedLimitMessage(Object.assign(new Error('EMFILE'), { code: 'EMFILE' })) : null;
  // The code, else the message: a spawned tool's failure reads "env: spawnSync env EMFILE".
  const code = e?.code ?? /^(EMFILE|ENFILE|EAGAIN|ENOMEM)\b/.exec(e?.message ?? '')?.[1] ?? /\b(EMFILE|ENFILE)\b/.exec(e?.message ?? '')?.[1];
  const syscall = e?.syscall ?? '';
  switch (code) {
    case 'EMFILE':
      { // (reading the limit needs a free descriptor: by now the failed operation has closed its own)
        const n = softLimit('Max open files');
        return `too many open files: mini-run reached its limit of open files (ulimit -n${n ? ` is ${n}` : ''}); raise it (ulimit -n 4096) and try again`;
      }
    case 'ENFILE':
      return `too many open files on the host (its file table, fs.file-max, is full): close some programs and try again`;
    case 'EAGAIN':
      if (!/spawn|fork|clone/.test(syscall + ' ' + (e?.message ?? ''))) return null;
      {
        const cgroup = pidsCgroupLimit();
        if (cgroup) return `cannot start a process: the pids cgroup mini-run runs in (${cgroup.path}) allows ${cgroup.max} tasks, threads included (pids.max), and they are in use; raise its pids.max or run mini-run outside it`;
        const n = softLimit('Max processes');
        return `cannot start a process: the process limit is reached (ulimit -u${n ? ` is ${n}` : ''}; also kernel.pid_max); stop some processes and try again`;
      }
    case 'ENOMEM':
      return `out of memory: the host or a memory cgroup around mini-run has no memory left for it; free some (stop containers) or raise the limit and try again`;
    default:
      return null;
  }
}
