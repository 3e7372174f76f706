/**
 * Reading /proc/PID/… safely, the base of every live fact (see live-facts.ts): a process that
 * exits halfway makes its /proc entries vanish (ENOENT/ESRCH), which becomes one clear
 * `ProcessGoneError`; and the mount table parser (/proc/PID/mountinfo, see proc(5)).
 */
import { readFileSync, readlinkSync } from 'node:fs';
import { UserError } from '../errors';

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
export interface MountInfo {
  id: number;
  parentId: number;
  /** The directory of the filesystem that is mounted here ('/' unless a bind mount of a sub-path). */
  root: string;
  /** Where, as the process sees it. */
  mountPoint: string;
  /** Per-mount options (ro/rw, nosuid…). */
  options: string[];
  /** Propagation tags: 'shared:N', 'master:N', … (none = private). */
  optional: string[];
  fstype: string;
  source: string;
  /** Filesystem ("super block") options: for overlay, lowerdir=… upperdir=… workdir=…. */
  superOptions: string[];
}

/** mountinfo escapes space, tab, newline and backslash as \ooo octal. */
function unescapeOctal(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/** Split a super-options string at commas (overlay paths escape their own commas as '\,'). */
function splitOptions(s: string): string[] {
  return s.split(/(?<!\\),/).filter((o) => o !== '');
}

export function parseMountInfo(text: string): MountInfo[] {
  const out: MountInfo[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const f = line.split(' ');
    const dash = f.indexOf('-', 6);
    if (dash < 0 || f.length < dash + 3) continue;
    out.push({
      id: Number(f[0]),
      parentId: Number(f[1]),
      root: unescapeOctal(f[3]),
      mountPoint: unescapeOctal(f[4]),
      options: f[5].split(','),
      optional: f.slice(6, dash),
      fstype: f[dash + 1],
      source: unescapeOctal(f[dash + 2]),
      superOptions: splitOptions(unescapeOctal(f.slice(dash + 3).join(' '))),
    });
  }
  return out;
}

/** The mount table of a process, as it sees it (its mount namespace, relative to its root). */
export function mountInfo(pid: number | 'self'): MountInfo[] {
  return parseMountInfo(readProc(pid, 'mountinfo'));
}
