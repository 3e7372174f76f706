/**
 * Reading /proc/PID/… safely, the base of every live fact (see live-facts.ts): a process that
 * exits halfway makes its /proc entries vanish (ENOENT/ESRCH), which becomes one clear
 * `ProcessGoneError`. The mount table parser itself is src/sys/mountinfo.ts.
 */
import { readFileSync, readlinkSync } from 'node:fs';
import { UserError } from '../errors';
import { parseMountInfo, type MountInfo } from '../sys/mountinfo';

export { parseMountInfo, type MountInfo };

/** The process went away while we were reading about it. */
export class ProcessGoneError extends UserError {
  constructor(readonly pid: number) {
    super(`process ${pid} is gone (it exited while its /proc entries were being read)`, 1);
    this.name = 'ProcessGoneError';
  }
}

/** Turn a /proc read error into a clear one-line error. */
function procError(pid: number, what: string, err: unknown): Error {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ESRCH') return new ProcessGoneError(pid);
  if (code === 'EACCES' || code === 'EPERM') {
    return new UserError(`cannot read ${what}: permission denied (reading another process's namespaces and mounts needs root)`, 1);
  }
  return new UserError(`cannot read ${what}: ${(err as Error).message}`, 1);
}

export function readProc(pid: number | 'self', file: string): string {
  const path = `/proc/${pid}/${file}`;
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw procError(typeof pid === 'number' ? pid : process.pid, path, err);
  }
}

export function readProcLink(pid: number | 'self', file: string): string {
  const path = `/proc/${pid}/${file}`;
  try {
    return readlinkSync(path);
  } catch (err) {
    throw procError(typeof pid === 'number' ? pid : process.pid, path, err);
  }
}

// ---------------------------------------------------------------------------- mounts

/** One line of /proc/PID/mountinfo (see proc(5)). */
/** The mount table of a process, as it sees it (its mount namespace, relative to its root). */
export function mountInfo(pid: number | 'self'): MountInfo[] {
  return parseMountInfo(readProc(pid, 'mountinfo'));
}
