/**
 * Reading and writing cgroupfs: the whole cgroup API is files. Every write goes through
 * `writeCgroupFile` so that `--trace` shows it (`write PATH ← VALUE`).
 *
 * A "fake" cgroupfs (a plain directory tree, used by unit tests) behaves like the kernel here,
 * except that rmdir of a plain directory fails while it still holds files; `removeCgroupDir`
 * deletes the plain files first in that case, which the kernel does by itself.
 */
import { closeSync, existsSync, openSync, readFileSync, readdirSync, rmdirSync, statfsSync, unlinkSync, writeSync, mkdirSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { join } from 'node:path';
import { SysError } from '../../sys/errors';
import { q, traceNote, traceSyscall, traceWrite } from '../../sys/trace';
import { UserError } from '../../errors';

const CGROUP_SUPER_MAGIC = 0x27e0eb;
const CGROUP2_SUPER_MAGIC = 0x63677270;

/** Is `dir` on a real cgroup filesystem (v1 or v2)? False for a test's fake tree. */
export function isKernelCgroupfs(dir: string): boolean {
  try {
    const t = Number(statfsSync(dir).type);
    return t === CGROUP_SUPER_MAGIC || t === CGROUP2_SUPER_MAGIC;
  } catch {
    return false;
  }
}

export function errnoOf(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

function sysErrorFrom(call: string, args: string, err: unknown): Error {
  const code = errnoOf(err);
  const n = code ? (osConstants.errno as Record<string, number>)[code] : undefined;
  return n !== undefined ? new SysError(call, args, n) : (err as Error);
}

/**
 * Write one value to a cgroup control file, traced. One write(2) per value: the kernel parses
 * each write separately, so a value must never be split.
 */
export function writeCgroupFile(path: string, value: string): void {
  traceWrite(path, value);
  let fd: number;
  try {
    // 'w' = O_WRONLY|O_CREAT|O_TRUNC: on cgroupfs the file exists (O_CREAT is a no-op);
    // on a fake tree it creates the file so the test can read what we wrote.
    fd = openSync(path, 'w');
  } catch (err) {
    throw sysErrorFrom('open', `${q(path)}, O_WRONLY`, err);
  }
  try {
    writeSync(fd, value);
  } catch (err) {
    throw sysErrorFrom('write', `${q(path)}, ${q(value)}`, err);
  } finally {
    closeSync(fd);
  }
}

/** Read a control file, or null if it does not exist (cgroup gone, controller absent). */
export function readCgroupFile(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const c = errnoOf(err);
    if (c === 'ENOENT' || c === 'ENODEV' || c === 'ENOTDIR') return null;
    throw sysErrorFrom('read', q(path), err);
  }
}

/** `key value` lines (memory.events, cpu.stat, memory.oom_control) → a map. */
export function readKeyed(path: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const line of (readCgroupFile(path) ?? '').split('\n')) {
    const [k, v] = line.trim().split(/\s+/);
    if (k && v !== undefined && /^-?\d+$/.test(v)) m.set(k, Number(v));
  }
  return m;
}

export function readNumber(path: string): number | null {
  const s = readCgroupFile(path);
  if (s === null) return null;
  const n = Number(s.trim());
  return Number.isFinite(n) ? n : null;
}

/** The pids in a cgroup.procs file ([] if the cgroup is gone). */
export function readProcs(path: string): number[] {
  return (readCgroupFile(path) ?? '')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => /^\d+$/.test(l))
    .map(Number);
}

/** mkdir a cgroup. Returns false if it already existed. ENOENT (parent vanished) is rethrown raw. */
export function makeCgroupDir(path: string): boolean {
  try {
    mkdirSync(path, 0o755);
    traceSyscall('mkdir', `${q(path)}, 0755`, 0);
    return true;
  } catch (err) {
    const c = errnoOf(err);
    if (c === 'EEXIST') return false;
    if (c === 'ENOENT') throw err;
    throw sysErrorFrom('mkdir', q(path), err);
  }
}

/** Sleep without giving the event loop a turn (the runtime's cgroup code is synchronous). */
export function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * rmdir a cgroup. Returns 'removed' | 'gone' | the errno that stopped it (EBUSY: processes
 * still inside; ENOTEMPTY: child cgroups). On cgroupfs rmdir works although the directory
 * "contains" control files: they are not real files.
 */
export function removeCgroupDir(path: string, fake: boolean): 'removed' | 'gone' | string {
  if (fake && existsSync(path)) {
    for (const e of readdirSync(path, { withFileTypes: true })) if (e.isFile()) unlinkSync(join(path, e.name));
  }
  try {
    rmdirSync(path);
    traceSyscall('rmdir', q(path), 0);
    return 'removed';
  } catch (err) {
    const c = errnoOf(err) ?? 'EIO';
    if (c === 'ENOENT') return 'gone';
    traceSyscall('rmdir', q(path), `-1 ${c}`);
    return c;
  }
}

/**
 * rmdir mini-run's parent cgroup if no container's cgroup is left in it (the last container's
 * exit takes it away). On the kernel's cgroupfs the rmdir itself is the test: a cgroup with a
 * child cgroup (another container) or a process cannot be removed (EBUSY), so nothing is listed
 * first and a parent still in use is left quietly, as before. A fake tree (plain directories,
 * tests) has real files that removeCgroupDir unlinks: there the parent is listed first
 * (`inUse`), as it always was.
 */
export function removeParentIfUnused(path: string, fake: boolean, inUse: () => boolean): void {
  if (fake) {
    if (existsSync(path) && !inUse()) removeCgroupDir(path, fake);
    return;
  }
  try {
    rmdirSync(path);
    traceSyscall('rmdir', q(path), 0);
  } catch (err) {
    const c = errnoOf(err) ?? 'EIO';
    if (c === 'ENOENT' || c === 'EBUSY' || c === 'ENOTEMPTY') return; // gone already, or still in use
    traceSyscall('rmdir', q(path), `-1 ${c}`);
  }
}

/**
 * Remove a container cgroup, retrying while the kernel still counts exiting processes (EBUSY
 * for a short while after SIGKILL: the tasks are dying but not yet detached from the cgroup).
 * `killAll` is called whenever processes remain (one may have forked after the last kill).
 */
export function removeWithRetry(path: string, fake: boolean, pids: () => number[], killAll: () => void, timeoutMs = 5000): void {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = removeCgroupDir(path, fake);
    if (r === 'removed' || r === 'gone') return;
    const left = pids();
    if (r !== 'EBUSY' || Date.now() > deadline) {
      throw new UserError(`cannot remove cgroup ${path}: ${r}${left.length ? ` (processes still inside: ${left.join(' ')})` : ''}`);
    }
    if (left.length > 0) killAll();
    sleepMs(20);
  }
}

/** SIGKILL every pid listed (ignoring ones already gone). */
export function killPids(pids: number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
      traceSyscall('kill', `${pid}, SIGKILL`, 0);
    } catch {
      /* already exited */
    }
  }
}

/** Container ids must make a safe directory name (no '/', no '..'). */
export function checkContainerId(id: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/.test(id)) throw new UserError(`invalid container id for a cgroup name: ${q(id)}`);
}

/**
 * Poll `done()` until it is true or `timeoutMs` has passed; returns whether it became true.
 * Starts at 1 ms and backs off to 16 ms: a freeze normally completes within a few ms, so the
 * first polls are cheap and quick, and a slow one does not spin the CPU. `everyRound` runs
 * after each unsuccessful poll (v1 uses it to nudge the freezer again).
 */
export function pollUntil(done: () => boolean, timeoutMs: number, everyRound?: (elapsedMs: number) => void): boolean {
  const start = Date.now();
  let wait = 1;
  for (;;) {
    if (done()) return true;
    const elapsed = Date.now() - start;
    if (elapsed >= timeoutMs) return false;
    everyRound?.(elapsed);
    sleepMs(Math.min(wait, Math.max(1, timeoutMs - elapsed)));
    wait = Math.min(wait * 2, 16);
  }
}

/** Sum of `key=value` fields per device line (v2 io.stat: `8:0 rbytes=… wbytes=… rios=…`). */
export function sumKeyedFields(text: string | null, keys: readonly string[]): Record<string, number> {
  const out: Record<string, number> = Object.fromEntries(keys.map((k) => [k, 0]));
  for (const line of (text ?? '').split('\n')) {
    for (const field of line.trim().split(/\s+/).slice(1)) {
      const eq = field.indexOf('=');
      if (eq < 0) continue;
      const k = field.slice(0, eq);
      const v = Number(field.slice(eq + 1));
      if (k in out && Number.isFinite(v)) out[k] += v;
    }
  }
  return out;
}
