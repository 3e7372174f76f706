/**
 * Rootless mini-run (issue 18): a normal user's command runs again, unchanged, inside a user
 * namespace of the user's own — as `podman unshare` does — where it is root:
 *
 *   uid 0 inside      = the user (files it writes are the user's on the host)
 *   uids 1..COUNT     = the user's /etc/subuid range (gids likewise from /etc/subgid)
 *
 * The kernel lets an unprivileged process write only its own id into uid_map; the range is
 * written by newuidmap/newgidmap (set-uid root, Debian's `uidmap`), which check /etc/subuid.
 * util-linux `unshare` drives them (--map-users/--map-groups) and adds, owned by that user
 * namespace: a mount namespace (overlay and pivot_root work in it since Linux 5.11, and
 * every mount vanishes with it), and a PID namespace with its own /proc (the runtime's
 * unshare(CLONE_NEWPID)/setns back needs a PID namespace it owns).
 *
 * State lives under $XDG_DATA_HOME/mini-run (~/.local/share/mini-run) unless --root or
 * MINI_RUN_ROOT says otherwise. Containers live in namespaces held by a pause process
 * (cli/rootless-pause.ts) that outlives the command: `run` (-d too), `create`, `start` and
 * `restart` start it when it is not running, and every rootless command joins it when it is.
 * A command that finds none and starts nothing (ps, images…) runs in namespaces of its own,
 * made for it and gone with it. What `run` still refuses: engine/rootless-run.ts (exit 125).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { constants, homedir, userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { nativeBinary, nativeBuildHint } from '../native';
import { findRange } from '../engine/subid';
import { findOnPath } from '../fsutil';
import { nodeChildEnv } from '../sys/node-env';
import { ensurePause, joinArgs, livePause, pauseArgs, pauseFile } from './rootless-pause';

/** Commands that work rootless (inside the user's namespace). */
export const ROOTLESS_COMMANDS = new Set([
  'run', 'create', 'start', 'restart', 'exec', 'stop', 'kill', 'wait', 'port',
  'ps', 'rm', 'images', 'pull', 'rmi', 'inspect', 'logs',
]);

/** Commands that start a container: they start the pause process when none runs (the others only join one). */
export const STARTS_PAUSE = new Set(['run', 'create', 'start', 'restart']);

/** Set in the re-run: the directory the user ran the command in (entering a mount namespace goes to its /). */
export const ROOTLESS_CWD_ENV = 'MINI_RUN_ROOTLESS_CWD';

/** Set inside: this process is mini-run re-run in the user's own user namespace. */
export const ROOTLESS_ENV = 'MINI_RUN_ROOTLESS';

function readOrEmpty(file: string): string {
  try { return readFileSync(file, 'utf8'); } catch { return ''; }
}

const findTool = (cmd: string): string | null => findOnPath(cmd, ['/usr/bin', '/bin', '/usr/sbin', '/sbin']);

/** Where a rootless user's state lives: $XDG_DATA_HOME/mini-run, else ~/.local/share/mini-run. */
export function rootlessStateRoot(env: NodeJS.ProcessEnv = process.env, home = homedir()): string {
  const data = env.XDG_DATA_HOME && env.XDG_DATA_HOME.startsWith('/') ? env.XDG_DATA_HOME : join(home, '.local', 'share');
  return join(data, 'mini-run');
}

/**
 * Where a rootless user's runtime files go (the supervisors' attach sockets: MINI_RUN_RUNDIR):
 * $XDG_RUNTIME_DIR/mini-run when that directory is the user's, else /tmp/mini-run-UID — short
 * enough for a socket's path (108 bytes), and made here 0700; one another user made first
 * (a name squatted in the shared /tmp) is refused.
 */
export function rootlessRunDir(env: NodeJS.ProcessEnv, uid: number): string | { missing: string } {
  const xdg = env.XDG_RUNTIME_DIR;
  if (xdg && xdg.startsWith('/')) {
    try {
      const st = statSync(xdg);
      if (st.isDirectory() && st.uid === uid) return join(xdg, 'mini-run');
    } catch { /* not there: /tmp's */ }
  }
  const dir = `/tmp/mini-run-${uid}`;
  try { mkdirSync(dir, 0o700); } catch (e) { if ((e as NodeJS.ErrnoException).code !== 'EEXIST') return { missing: `cannot make ${dir}: ${(e as Error).message}` }; }
  const st = lstatSync(dir);
  if (!st.isDirectory() || st.uid !== uid || (st.mode & 0o077) !== 0) {
    return { missing: `${dir} is not a directory of yours alone (0700): remove it, or set XDG_RUNTIME_DIR to one` };
  }
  return dir;
}

/** The id maps for `unshare` (--map-users/--map-groups, done by newuidmap/newgidmap), or what is missing. */
function mapArgs(o: { user: string; uid: number; subuid: string; subgid: string; unshare: string | null; newuidmap: string | null }): string[] | { missing: string } {
  const u = findRange(o.subuid, o.user, o.uid);
  const g = findRange(o.subgid, o.user, o.uid);
  if (!u || !g) return { missing: `${o.user} has no range in ${!u ? '/etc/subuid' : '/etc/subgid'} (\`mini-run doctor\` says what to do)` };
  if (!o.newuidmap) return { missing: 'newuidmap/newgidmap are not installed (`mini-run doctor` says what to do)' };
  if (!o.unshare) return { missing: 'unshare (util-linux) is not installed' };
  return ['--map-root-user', `--map-users=${u.start},1,${u.count}`, `--map-groups=${g.start},1,${g.count}`];
}

/**
 * The `unshare` command line that re-runs `argv` in namespaces of its own (gone with it), or
 * the one line saying what is missing. Pure but for the files it is handed.
 */
export function rootlessCommand(o: {
  user: string; uid: number; subuid: string; subgid: string; unshare: string | null; newuidmap: string | null;
  node: string; script: string; argv: string[];
}): { file: string; args: string[] } | { missing: string } {
  const maps = mapArgs(o);
  if (!Array.isArray(maps)) return maps;
  return {
    file: o.unshare!,
    args: [...maps, '--mount', '--propagation', 'private', '--pid', '--fork', '--mount-proc', '--', o.node, o.script, ...o.argv],
  };
}

/**
 * The command line that runs `argv` in the pause process's namespaces (cli/rootless-pause.ts),
 * starting that process first when `start` and none runs; null when none runs and `start` is
 * false (the caller then makes namespaces of its own); one line when something is missing.
 */
function pausedCommand(o: {
  user: string; uid: number; subuid: string; subgid: string; unshare: string | null; newuidmap: string | null;
  nsenter: string | null; miniInit: string; sleep: string | null; file: string; start: boolean; node: string; script: string; argv: string[];
}): { file: string; args: string[] } | { missing: string } | null {
  let pause = livePause(o.file);
  if (!pause && !o.start) return null;
  if (!o.nsenter) return { missing: 'nsenter (util-linux) is not installed' };
  if (!pause) {
    const maps = mapArgs(o);
    if (!Array.isArray(maps)) return maps;
    if (!existsSync(o.miniInit)) return { missing: `rootless mini-run needs native/build/mini-init (it holds the namespaces containers live in); to add it: ${nativeBuildHint()}` };
    if (!o.sleep) return { missing: 'sleep (coreutils) is not installed' };
    const started = ensurePause(o.file, o.unshare!, pauseArgs(maps, o.miniInit, o.sleep));
    if (typeof started === 'string') return { missing: started };
    pause = started;
  }
  return { file: o.nsenter, args: joinArgs(pause.pid, o.node, o.script, o.argv) };
}

/**
 * Re-run this command in the user's own user namespace and exit with its status. Returns
 * only when it could not (the one line of what is missing is then the caller's to print).
 * `stateRootGiven`: the command line's --root (global-options.ts givenGlobalOptions); `command`: its name.
 */
export function rerunRootless(argv: string[], stateRootGiven: string | undefined, command: string): string {
  const uid = process.geteuid?.() ?? 0;
  let user = String(uid);
  try { user = userInfo().username; } catch { /* no passwd entry: ranges may name the uid */ }
  const env: NodeJS.ProcessEnv = { ...nodeChildEnv(process.env), [ROOTLESS_ENV]: '1', [ROOTLESS_CWD_ENV]: process.cwd() };
  // The user's own state root, unless --root (either form) or MINI_RUN_ROOT names one: the
  // environment must not say one root while the flag says another.
  if (stateRootGiven === undefined && !env.MINI_RUN_ROOT) env.MINI_RUN_ROOT = rootlessStateRoot();
  const stateRoot = resolve(stateRootGiven ?? env.MINI_RUN_ROOT!);
  const ids = {
    user, uid, subuid: readOrEmpty('/etc/subuid'), subgid: readOrEmpty('/etc/subgid'),
    unshare: findTool('unshare'), newuidmap: findTool('newuidmap') && findTool('newgidmap'),
  };
  const self = { node: process.execPath, script: process.argv[1], argv };
  const cmd = pausedCommand({
    ...ids, ...self, nsenter: findTool('nsenter'), miniInit: nativeBinary('mini-init'), sleep: findTool('sleep'),
    file: pauseFile(process.env, stateRoot, uid), start: STARTS_PAUSE.has(command),
  }) ?? rootlessCommand({ ...ids, ...self });
  if ('missing' in cmd) return cmd.missing;
  if (!env.MINI_RUN_RUNDIR) {
    const runDir = rootlessRunDir(env, uid);
    if (typeof runDir !== 'string') return runDir.missing;
    env.MINI_RUN_RUNDIR = runDir;
  }
  // Signals from the terminal reach the whole process group (the container's program too);
  // this parent only waits for the status.
  for (const s of ['SIGINT', 'SIGQUIT', 'SIGHUP', 'SIGTERM'] as const) process.on(s, () => { /* the child decides */ });
  const r = spawnSync(cmd.file, cmd.args, { stdio: 'inherit', env });
  if (r.error) return `cannot start ${cmd.file}: ${r.error.message}`;
  process.exit(r.status ?? 128 + (r.signal ? (constants.signals[r.signal] ?? 0) : 0));
}

/** In the re-run: back to the directory the user ran the command in (relative paths in its arguments). */
export function enterRootlessCwd(): void {
  const cwd = process.env[ROOTLESS_CWD_ENV];
  if (cwd === undefined) return;
  delete process.env[ROOTLESS_CWD_ENV];
  try { process.chdir(cwd); } catch { /* not there in these namespaces: stay at / */ }
}
