/**
 * The host user a `--userns private` test names in its config file (userns-remap: mr-…): the
 * first run makes it, with ranges in /etc/subuid and /etc/subgid; the test removes both at the end.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

export const linesOf = (file: string): string[] => (existsSync(file) ? readFileSync(file, 'utf8').split('\n') : []);

/** The user's range start in /etc/subuid (or /etc/subgid); throws when it has none. */
export function rangeStart(user: string, file = '/etc/subuid'): number {
  const line = linesOf(file).find((l) => l.startsWith(`${user}:`));
  if (!line) throw new Error(`${user} has no line in ${file}`);
  return Number(line.split(':')[1]);
}

/**
 * Remove the user and its ranges (usermod --del-subuids/--del-subgids, userdel drops its group).
 * Returns what is still there (lines of passwd, group, subuid, subgid): [] when all went.
 */
export function removeRemapUser(user: string): string[] {
  const sub = linesOf('/etc/subuid').find((l) => l.startsWith(`${user}:`));
  const subg = linesOf('/etc/subgid').find((l) => l.startsWith(`${user}:`));
  const range = (l: string) => { const [, s, n] = l.split(':'); return `${s}-${Number(s) + Number(n) - 1}`; };
  if (sub || subg) spawnSync('usermod', [...(sub ? ['--del-subuids', range(sub)] : []), ...(subg ? ['--del-subgids', range(subg)] : []), user]);
  spawnSync('userdel', [user]);
  return ['/etc/passwd', '/etc/group', '/etc/subuid', '/etc/subgid'].flatMap((f) => linesOf(f).filter((l) => l.startsWith(`${user}:`)).map((l) => `${f}: ${l}`));
}
