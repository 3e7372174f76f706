/**
 * The last steps before the user's program runs: who it runs as, where, and which file.
 */
import { accessSync, constants as fsc, statSync } from 'node:fs';
import { posix } from 'node:path';
import { setgroups, setresgid, setresuid } from '../sys/libc';
import { UserError } from '../errors';

/** Switch to the container's user. Order matters: groups and gid while still root, uid last. */
export function switchUser(uid: number, gid: number, additionalGids: readonly number[]): void {
  setgroups(additionalGids);
  setresgid(gid);
  setresuid(uid); // after this (for uid ≠ 0) we could no longer change groups
}

/** Find the program like execvp would, in the container's PATH; docker's exit codes on failure. */
export function findExecutable(name: string, env: readonly string[]): string {
  const candidates: string[] = [];
  if (name.includes('/')) {
    candidates.push(name);
  } else {
    const pathVar = env.find((e) => e.startsWith('PATH='))?.slice(5) ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
    for (const dir of pathVar.split(':')) if (dir) candidates.push(posix.join(dir, name));
  }
  let sawNoPermission = false;
  for (const c of candidates) {
    let st;
    try {
      st = statSync(c);
    } catch {
      continue;
    }
    if (st.isDirectory()) {
      if (name.includes('/')) throw new UserError(`exec: "${name}": is a directory`, 126);
      continue;
    }
    try {
      accessSync(c, fsc.X_OK);
      return c;
    } catch {
      sawNoPermission = true;
    }
  }
  if (sawNoPermission) throw new UserError(`exec: "${name}": permission denied`, 126);
  if (name.includes('/')) throw new UserError(`exec: "${name}": stat ${name}: no such file or directory`, 127);
  throw new UserError(`exec: "${name}": executable file not found in $PATH`, 127);
}
