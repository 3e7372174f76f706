/**
 * The last steps before the user's program runs: its terminal or stdio, its privileges, who
 * it runs as, where, and which file. The container's init (init.ts) and `exec` (exec-init.ts)
 * both end with becomeProgram(): same rules for a container's first process and a later one.
 */
import { accessSync, closeSync, constants as fsc, readFileSync, statSync, writeFileSync } from 'node:fs';
import { posix } from 'node:path';
import { chdir, clearCloexec, closeRangeCloexec, defaultIgnoredSignals, dup2, execve, setgroups, setNoNewPrivs, setresgid, setresuid, setrlimit, setsid } from '../sys/libc';
import { RLIMITS } from '../sys/constants';
import { SysError, errnoDescription } from '../sys/errors';
import { traceNote } from '../sys/trace';
import { UserError } from '../errors';
import type { Process } from './spec';
import { openContainerPty, becomeTerminalSession } from './terminal-init';
import { applyProcessCapabilities, keepCapabilitiesAcrossUserSwitch, limitBoundingSet } from './capabilities';
import { installSeccomp, type CompiledSeccomp } from './seccomp-load';

/**
 * From here on we are inside the container (namespaces, root) and become `p`: never returns.
 * `handOverMaster` gives the pty master to the runtime (-t) and returns once it has its copy.
 * `seccomp` is the container's compiled syscall filter, if it has one. `beforeExec` runs last,
 * when only execve is left (`create` parks there until `start`).
 */
export function becomeProgram(p: Process, handOverMaster: (masterFd: number) => void, seccomp: CompiledSeccomp | null = null, beforeExec?: () => void): never {
  const { program, env } = prepareProgram(p, handOverMaster, seccomp);
  beforeExec?.();
  // The program starts with every signal at its default, as from any shell: Node's ignored
  // SIGPIPE/SIGXFSZ would survive execve (exec's programs get this from libuv's spawn).
  defaultIgnoredSignals();
  traceNote(`exec ${program} as PID ${process.pid} (in its PID namespace)`);
  try {
    execve(program, p.args, env);
  } catch (e) {
    // e.g. ENOEXEC (a script without #!, a binary for another machine): docker says 126
    if (e instanceof SysError) throw new UserError(`exec ${program}: ${errnoDescription(e.errno).toLowerCase()}`, 126);
    throw e;
  }
}

/**
 * Everything becomeProgram does up to execve: terminal, no_new_privs, seccomp, capabilities,
 * user, working directory, fds. Returns the program's path and environment. The exec-init
 * (exec-init.ts) uses it and then starts the program as its child instead of becoming it.
 */
export function prepareProgram(p: Process, handOverMaster: (masterFd: number) => void, seccomp: CompiledSeccomp | null,
  o: { terminalSessionInChild?: boolean } = {}): { program: string; env: string[] } {
  // 1. The terminal or the inherited stdio become fds 0, 1, 2 of the program. Either way in a
  //    session of its own: without -t it has *no* controlling terminal, so the caller's
  //    terminal is not its /dev/tty (ENXIO) and TIOCSTI cannot push keystrokes into it.
  if (p.terminal) {
    const pty = openContainerPty(); // /dev/ptmx of the container's own devpts
    handOverMaster(pty.masterFd);
    closeSync(pty.masterFd); // the program must not hold the master: only the runtime does
    if (o.terminalSessionInChild) {
      // A detached exec (exec-init.ts): the program's own process makes the session and takes
      // the terminal (native/session-exec); we only leave the caller's session and pass it on.
      setsid();
      for (const fd of [0, 1, 2]) dup2(pty.slaveFd, fd);
    } else {
      becomeTerminalSession(pty.slaveFd);
    }
  } else {
    setsid();
    // Node opens even 0–2 close-on-exec: clear it, or the program gets EBADF on stdout.
    for (const fd of [0, 1, 2]) clearCloexec(fd);
  }

  // 2. no_new_privs: execve can never raise privileges again (setuid bits, file caps). Without
  //    it the kernel loads a seccomp filter only for CAP_SYS_ADMIN, which we still hold now:
  //    then the filter goes in here, and must allow the few calls left before execve.
  if (p.noNewPrivileges) setNoNewPrivs();
  if (seccomp && !p.noNewPrivileges) installSeccomp(seccomp);

  // Resource limits (--ulimit), while still root: raising a hard limit needs CAP_SYS_RESOURCE.
  applyRlimits(p.rlimits ?? []);

  // 3. Privileges: shrink the capability bounding set, switch user (keeping the permitted set:
  //    switching from uid 0 would empty it, and the effective set is empty until step 5).
  limitBoundingSet(p.capabilities?.bounding ?? []);
  keepCapabilitiesAcrossUserSwitch();
  switchUser(p.user.uid, p.user.gid, p.user.additionalGids ?? []);

  // 4. Working directory (as the user, without capabilities: it may not be allowed in) and the
  //    program itself.
  try {
    chdir(p.cwd);
  } catch (e) {
    // docker (runc): "chdir to cwd ("/x") set in config.json failed: …", exit 126
    if (e instanceof SysError) throw new UserError(`chdir to cwd ("${p.cwd}") set in config.json failed: ${errnoDescription(e.errno).toLowerCase()}`, 126);
    throw e;
  }
  const env = p.env ?? [];
  const program = findExecutable(p.args[0], env);

  // 5. The capability sets the spec asks for, and the ambient ones (capabilities.ts).
  applyProcessCapabilities(p.capabilities ?? {});

  // 6. No fd of ours may reach the program (the sync socket closes on exec: that is the
  //    runtime's signal that execve succeeded). The filter as late as possible; then execve.
  closeRangeCloexec(3);
  if (seccomp && p.noNewPrivileges) installSeccomp(seccomp);
  return { program, env };
}

/**
 * process.oomScoreAdj → /proc/self/oom_score_adj (kept by fork and execve). Read while /proc is
 * still the host's. Raising it is always allowed; lowering it below what we have needs
 * CAP_SYS_RESOURCE (which root lacks on some hosts, this one too).
 */
export function applyOomScoreAdj(value: number | undefined): void {
  if (value === undefined) return;
  try {
    writeFileSync('/proc/self/oom_score_adj', String(value));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM') {
      const now = readFileSync('/proc/self/oom_score_adj', 'utf8').trim();
      throw new UserError(`cannot set process.oomScoreAdj to ${value}: lowering it below ${now} needs CAP_SYS_RESOURCE, which mini-run does not have here`, 125);
    }
    throw e;
  }
}

/** setrlimit(2) for each of the spec's `process.rlimits`, with a clear error when refused. */
function applyRlimits(rlimits: NonNullable<Process['rlimits']>): void {
  for (const r of rlimits) {
    const resource = RLIMITS[r.type];
    if (resource === undefined) throw new UserError(`unknown rlimit type ${r.type}`, 125);
    try {
      setrlimit(resource, r.type, r.soft, r.hard);
    } catch (e) {
      if (e instanceof SysError && e.code === 'EPERM') {
        throw new UserError(`cannot set ${r.type} to ${r.soft}:${r.hard}: raising a hard limit needs CAP_SYS_RESOURCE, which mini-run does not have here`, 125);
      }
      throw e;
    }
  }
}

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
