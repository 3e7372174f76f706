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
 * MINI_RUN_ROOT says otherwise. Every namespace goes when the command ends, so for now only
 * commands whose containers end with them work rootless (see REFUSED_ROOTLESS in
 * engine/rootless-run.ts for what `run` refuses, with exit 125).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import { findRange } from '../engine/subid';
import { findOnPath } from '../fsutil';

/** Commands that work rootless (inside the user's namespace). */
export const ROOTLESS_COMMANDS = new Set(['run', 'ps', 'rm', 'images', 'pull', 'rmi', 'inspect', 'logs']);

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
 * The `unshare` command line that re-runs `argv` in the user's namespace, or the one line
 * saying what is missing. Pure but for the files it is handed.
 */
export function rootlessCommand(o: {
  user: string; uid: number; subuid: string; subgid: string; unshare: string | null; newuidmap: string | null;
  node: string; script: string; argv: string[];
}): { file: string; args: string[] } | { missing: string } {
  const u = findRange(o.subuid, o.user, o.uid);
  const g = findRange(o.subgid, o.user, o.uid);
  if (!u || !g) return { missing: `${o.user} has no range in ${!u ? '/etc/subuid' : '/etc/subgid'} (\`mini-run doctor\` says what to do)` };
  if (!o.newuidmap) return { missing: 'newuidmap/newgidmap are not installed (`mini-run doctor` says what to do)' };
  if (!o.unshare) return { missing: 'unshare (util-linux) is not installed' };
  return {
    file: o.unshare,
    args: [
      '--map-root-user', `--map-users=${u.start},1,${u.count}`, `--map-groups=${g.start},1,${g.count}`,
      '--mount', '--propagation', 'private', '--pid', '--fork', '--mount-proc',
      '--', o.node, o.script, ...o.argv,
    ],
  };
}

/**
 * Re-run this command in the user's own user namespace and exit with its status. Returns
 * only when it could not (the one line of what is missing is then the caller's to print).
 * `stateRootGiven`: the command line has --root (global-options.ts givenGlobalOptions).
 */
export function rerunRootless(argv: string[], stateRootGiven: boolean): string {
  const uid = process.geteuid?.() ?? 0;
  let user = String(uid);
  try { user = userInfo().username; } catch { /* no passwd entry: ranges may name the uid */ }
  const cmd = rootlessCommand({
    user, uid, subuid: readOrEmpty('/etc/subuid'), subgid: readOrEmpty('/etc/subgid'),
    unshare: findTool('unshare'), newuidmap: findTool('newuidmap') && findTool('newgidmap'),
    node: process.execPath, script: process.argv[1], argv,
  });
  if ('missing' in cmd) return cmd.missing;
  const env: NodeJS.ProcessEnv = { ...process.env, [ROOTLESS_ENV]: '1' };
  // The user's own state root, unless --root (either form) or MINI_RUN_ROOT names one: the
  // environment must not say one root while the flag says another.
  if (!stateRootGiven && !env.MINI_RUN_ROOT) env.MINI_RUN_ROOT = rootlessStateRoot();
  // Signals from the terminal reach the whole process group (the container's program too);
  // this parent only waits for the status.
  for (const s of ['SIGINT', 'SIGQUIT', 'SIGHUP', 'SIGTERM'] as const) process.on(s, () => { /* the child decides */ });
  const r = spawnSync(cmd.file, cmd.args, { stdio: 'inherit', env });
  if (r.error) return `cannot start ${cmd.file}: ${r.error.message}`;
  process.exit(r.status ?? 128 + (r.signal ? (require('node:os').constants.signals[r.signal] ?? 0) : 0));
}
