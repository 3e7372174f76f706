/**
 * The pause process of rootless mini-run (issue 18): namespaces that outlive a command.
 *
 * A rootless command runs inside a user namespace of the user's own (cli/rootless.ts). Made
 * per command, that namespace — and the mount and PID namespaces it owns, where the overlays
 * are mounted and the containers' processes live — would end with the command, and `run -d`
 * could leave nothing running. So, as rootless podman does, one small process holds them:
 *
 *   unshare --map-root-user --map-users… --mount --pid --fork --mount-proc -- mini-init -- sleep infinity
 *
 * mini-init (native/mini-init.c, the init of `run --init`) is PID 1 of that PID namespace. It
 * must be a C program: a detached supervisor of `run -d` is re-parented to it when the command
 * that started it ends, and PID 1 must reap such orphans — Node waits only for children it
 * spawned itself, so a Node PID 1 would keep every dead supervisor as a zombie. `sleep
 * infinity` is its one child: it keeps it there. SIGTERM to mini-init (forwarded to sleep)
 * ends it, and with it every process of the namespace (the kernel kills them when PID 1 dies).
 *
 * Its host PID and start time are kept in $XDG_RUNTIME_DIR/mini-run/pause.pid (else in the
 * state root's runtime/): later commands join it (`nsenter --user --mount --pid --target PID`;
 * the id maps exist already, so no newuidmap). A pause process that is gone (the record's PID
 * with another start time) is started anew; the containers recorded running in the old one
 * died with it, and the engine's sweep finds them so (their supervisors' PID + start time).
 */
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from '../fsutil';
import { processStartTime } from '../sys/proc-stat';
import { lazy } from '../lazy';

const libc = lazy(() => require('../sys/libc') as typeof import('../sys/libc'));

/** Who holds the namespaces: mini-init's PID on the host and its start time (/proc/PID/stat field 22). */
export interface PauseProcess { pid: number; startTime: string }

/** Where the pause process is recorded: $XDG_RUNTIME_DIR/mini-run when that is the user's, else STATEROOT/runtime. */
export function pauseFile(env: NodeJS.ProcessEnv, stateRoot: string, uid: number): string {
  const run = env.XDG_RUNTIME_DIR;
  if (run && run.startsWith('/')) {
    try {
      if (statSync(run).uid === uid) return join(run, 'mini-run', 'pause.pid');
    } catch { /* not there: the state root's */ }
  }
  return join(stateRoot, 'runtime', 'pause.pid');
}

/** "PID STARTTIME" as pause.pid holds it; null for anything else. */
export function parsePauseRecord(text: string): PauseProcess | null {
  const m = /^(\d+) (\d+)\n?$/.exec(text);
  return m ? { pid: Number(m[1]), startTime: m[2] } : null;
}

/** The recorded pause process if it still runs (same PID, same start time), else null. */
export function livePause(file: string): PauseProcess | null {
  let rec: PauseProcess | null;
  try { rec = parsePauseRecord(readFileSync(file, 'utf8')); } catch { return null; }
  return rec && processStartTime(rec.pid) === rec.startTime ? rec : null;
}

/** The `unshare` arguments that make the namespaces and run the pause program in them. */
export function pauseArgs(mapArgs: string[], miniInit: string, sleep: string): string[] {
  return [...mapArgs, '--mount', '--propagation', 'private', '--pid', '--fork', '--mount-proc', '--', miniInit, '--', sleep, 'infinity'];
}

/** The `nsenter` arguments that run `node script argv` in the pause process's namespaces, as their root. */
export function joinArgs(pid: number, node: string, script: string, argv: string[]): string[] {
  // Without --preserve-credentials nsenter becomes uid/gid 0 of the user namespace, as
  // `unshare --map-root-user` made the first command. The mount namespace's /proc is the PID
  // namespace's (--mount-proc above).
  return ['--user', '--mount', '--pid', `--target=${pid}`, '--', node, script, ...argv];
}

const pauseNow = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/**
 * The pause process, started now unless one runs (under a lock, so two commands at once start
 * one). Returns it, or one line saying why it could not start (what unshare said).
 */
export function ensurePause(file: string, unshare: string, args: string[]): PauseProcess | string {
  const running = livePause(file);
  if (running) return running;
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const lockFd = openSync(`${file}.lock`, 'a', 0o600);
  try {
    libc().flockExclusive(lockFd); // released with the fd
    const again = livePause(file);
    if (again) return again;
    const logFile = join(dirname(file), 'pause.log');
    const log = openSync(logFile, 'w', 0o600);
    const child = spawn(unshare, args, { detached: true, stdio: ['ignore', log, log], cwd: '/' });
    closeSync(log);
    child.unref();
    const unsharePid = child.pid;
    if (unsharePid === undefined) return `cannot start ${unshare}`;
    // Wait for the state needed: unshare's child has become mini-init (the maps are written and
    // /proc mounted before unshare execs it); a deadline, not a pause.
    const miniInit = args[args.indexOf('--') + 1];
    const deadline = Date.now() + 30_000;
    for (;;) {
      const stat = (() => { try { return readFileSync(`/proc/${unsharePid}/stat`, 'utf8'); } catch { return ''; } })();
      const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
      if (stat === '' || state === 'Z') {
        const said = (() => { try { return readFileSync(logFile, 'utf8').trim().split('\n').pop() ?? ''; } catch { return ''; } })();
        return `could not start the namespaces of rootless mini-run${said ? `: ${said}` : ''}`;
      }
      let children: string[] = [];
      try { children = readFileSync(`/proc/${unsharePid}/task/${unsharePid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean); } catch { /* gone: seen next round */ }
      const pid = Number(children[0] ?? 0);
      let cmd = '';
      if (pid > 0) try { cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8'); } catch { /* exiting */ }
      const startTime = pid > 0 ? processStartTime(pid) : null;
      if (cmd.startsWith(`${miniInit}\0`) && startTime !== null) {
        const rec = { pid, startTime };
        writeFileAtomic(file, `${pid} ${startTime}\n`, 0o600);
        return rec;
      }
      if (Date.now() > deadline) {
        try { process.kill(unsharePid, 'SIGKILL'); } catch { /* gone */ }
        return 'could not start the namespaces of rootless mini-run: unshare did not start mini-init within 30 s';
      }
      pauseNow(10);
    }
  } finally {
    closeSync(lockFd);
  }
}
