/**
 * Staging directories under ROOT/tmp: every download or unpack happens there first and is
 * renamed into the store only when complete and verified (same filesystem → rename is atomic).
 * A failure removes the staging dir; a killed process leaves one behind, named with its pid,
 * which the next load sweeps away.
 */
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from '../sys/random';
import { paths } from '../paths';

export function newStagingPath(kind: string): string {
  mkdirSync(paths.tmp(), { recursive: true, mode: 0o700 });
  return join(paths.tmp(), `${kind}-${process.pid}-${randomBytes(6).toString('hex')}`);
}

export function makeStagingDir(kind: string): string {
  const p = newStagingPath(kind);
  mkdirSync(p, { mode: 0o700 });
  return p;
}

export function removeStaging(p: string): void {
  rmSync(p, { recursive: true, force: true });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Remove staging leftovers of processes that died (crash, kill -9) before cleaning up. */
export function sweepStaleStaging(): void {
  let names: string[];
  try {
    names = readdirSync(paths.tmp());
  } catch {
    return;
  }
  for (const name of names) {
    const m = /^[a-z]+-(\d+)-[0-9a-f]+/.exec(name);
    if (m && Number(m[1]) !== process.pid && !alive(Number(m[1]))) removeStaging(join(paths.tmp(), name));
  }
}
