/**
 * `mini-run exec`: one more process in a running container. The engine's part is docker's
 * rules for *what* runs (the runtime, runtime/exec.ts, does the joining):
 *   args  = the command line
 *   env   = the container's environment, then --env-file, then -e (plus TERM with -t, and
 *           HOME of the -u user)
 *   cwd   = -w or the container's working directory
 *   user  = -u (with the container's --group-add), resolved against its *current* /etc/passwd and /etc/group (read
 *           safely through /proc/PID/root), or the container's user
 *   caps  = the container's capabilities, or all of them with --privileged
 */
import { UserError } from '../errors';
import { paths } from '../paths';
import { CAPABILITIES } from '../sys/constants';
import * as runtime from '../runtime';
import type { PendingExec } from '../runtime';
import type { Process, RuntimeSpec } from '../runtime/spec';
import { findContainer, isRunning, runtimeRef, type ContainerRecord } from './container-store';
import { expandEnv, mergeEnv, readEnvFile } from './env';
import { takePrespawnedExec } from './exec-start';
import { lazy } from '../lazy';

const userMod = lazy(() => require('./user') as typeof import('./user'));

export interface ExecOptions {
  container: string;
  command: string[];
  interactive: boolean;
  tty: boolean;
  detach: boolean;
  env: string[];
  envFiles: string[];
  workdir?: string;
  user?: string;
  privileged: boolean;
}

/** Run the command in the container; returns its exit code (0 at once for -d). */
export async function execContainer(o: ExecOptions): Promise<number> {
  // -d: nobody stays to relay a terminal or stdin, so the program gets /dev/null on 0–2
  // (docker keeps a pty open in containerd for `exec -dt`; without a shim we cannot).
  const terminal = o.tty && !o.detach;
  const plan = { interactive: o.interactive && !o.detach, detach: o.detach };
  // The CLI may have started the exec process already (exec-start.ts).
  let pending = await takePrespawnedExec({ terminal, ...plan });
  let rec: ContainerRecord;
  let proc: Process;
  let read: { bundle: string; spec: RuntimeSpec };
  try {
    if (o.command.length === 0) throw new UserError('"mini-run exec" requires at least 2 arguments: CONTAINER COMMAND [ARG...]', 1);
    if (o.tty && o.interactive && !o.detach && !process.stdin.isTTY) throw new UserError('the input device is not a TTY', 1);
    rec = findContainer(o.container);
    checkRunning(rec);
    // Start the exec process first: Node's boot (~45 ms) overlaps with building its orders.
    pending ??= runtime.spawnExec(runtimeRef(rec.id), { terminal, ...plan });
    const bundle = paths.container(rec.id);
    read = { bundle, spec: runtime.loadSpec(bundle) };
    proc = buildExecProcess(rec, o, terminal, read.spec);
  } catch (err) {
    await pending?.abandon();
    throw err;
  }
  return runExec(rec, proc, plan, pending, read);
}

async function runExec(rec: ContainerRecord, proc: Process, plan: { interactive: boolean; detach: boolean }, pending: PendingExec, read: { bundle: string; spec: RuntimeSpec }): Promise<number> {
  // (the runtime takes the config.json read here for the seccomp profile: read once per exec)
  const started = await runtime.exec(runtimeRef(rec.id), proc, plan, pending, read);
  if (plan.detach) return 0;
  return (await started.wait()).exitCode;
}

function checkRunning(rec: ContainerRecord): void {
  if (rec.state.Status === 'paused' && isRunning(rec)) {
    throw new UserError(`container ${rec.id} is paused, unpause the container before exec`, 1);
  }
  if (!isRunning(rec)) throw new UserError(`container ${rec.id} is not running`, 1);
}

/** The OCI `process` of the exec, from the container's config.json and the flags. */
export function buildExecProcess(rec: ContainerRecord, o: ExecOptions, terminal: boolean, spec: RuntimeSpec = runtime.loadSpec(paths.container(rec.id))): Process {
  const base = spec.process;

  let user = base.user;
  let home: string | null = null;
  if (o.user !== undefined) {
    // The container's files *now* (it may have run adduser), not the image's; the container's
    // --group-add joins this user too (as Docker's exec: getUser reads HostConfig.GroupAdd).
    const ref = runtimeRef(rec.id);
    const { resolveUser } = userMod(); // only for -u
    try {
      const u = resolveUser(o.user, runtime.readContainerFile(ref, '/etc/passwd'), runtime.readContainerFile(ref, '/etc/group'), rec.hostConfig.GroupAdd ?? []);
      user = { uid: u.uid, gid: u.gid, additionalGids: u.additionalGids };
      home = u.home;
    } catch (e) {
      // docker: "unable to find user nobody2: no matching entries in passwd file", exit 126
      if (e instanceof UserError) throw new UserError(e.message, 126);
      throw e;
    }
  }

  const workdir = o.workdir ?? base.cwd;
  if (!workdir.startsWith('/')) throw new UserError(`the working directory '${workdir}' is invalid, it needs to be an absolute path`, 1);

  const fromFiles = o.envFiles.flatMap(readEnvFile).map(expandEnv).filter((e): e is string => e !== null);
  const fromFlags = o.env.map(expandEnv).filter((e): e is string => e !== null);
  const asked = [...fromFiles, ...fromFlags];
  const defaults: string[] = [];
  // The container's HOME is its own user's; another user gets theirs (unless -e says).
  if (home !== null && !asked.some((e) => e.startsWith('HOME='))) defaults.push(`HOME=${home}`);
  const env = mergeEnv(base.env ?? [], defaults, asked);
  if (terminal && !env.some((e) => e.startsWith('TERM='))) env.push('TERM=xterm');

  const caps = o.privileged ? [...CAPABILITIES] : base.capabilities?.bounding ?? [];
  return {
    terminal,
    user,
    args: o.command,
    env,
    cwd: workdir,
    noNewPrivileges: base.noNewPrivileges, // as docker: the container's setting holds for exec too
    rlimits: base.rlimits, //                 and so do its --ulimit limits
    capabilities: o.privileged
      ? { bounding: caps, effective: caps, permitted: caps, inheritable: [] }
      : base.capabilities ?? { bounding: [], effective: [], permitted: [], inheritable: [] },
  };
}
