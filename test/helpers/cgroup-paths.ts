/**
 * Where a process's cgroup is, as a runtime client names it (test helpers shared by
 * mini-runc.test.ts and runc-clients.test.ts).
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** The cgroup a process is in, as the memory controller's (v1) or the unified (v2) line shows it. */
export function cgroupOfProcess(pid: number): string {
  const lines = readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n');
  const memory = lines.find((l) => /^\d+:memory:/.test(l));
  return (memory ?? lines.find((l) => l.startsWith('0::')) ?? '').replace(/^\d+:[^:]*:/, '');
}

/** Directories of cgroup `rel` (e.g. /libpod_parent/libpod-<id>) on this host: v2's one, or one per v1 hierarchy. */
export function cgroupDirs(rel: string): string[] {
  const root = '/sys/fs/cgroup';
  const tops = [root, ...readdirSync(root, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => join(root, e.name))];
  return tops.map((t) => join(t, rel)).filter((d) => existsSync(d));
}
