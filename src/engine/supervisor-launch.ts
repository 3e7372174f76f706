/**
 * Spawning a container's detached supervisor (engine/monitor-main.ts), kept apart from
 * lifecycle.ts so that `run -d` can do it before the engine, zod and the rest load.
 *
 * `run -d` is three Node starts in a row: the CLI, the supervisor, the container's init. The
 * supervisor needs nothing from the command line but the container's id, the state root and
 * the init's shape (a guess it checks against the files later, monitor-early.ts). So the CLI
 * launches it at the same point where a foreground `run` spawns its init (cli/main.ts), before
 * it parses the command line; its Node boots while the CLI loads the engine and creates the
 * container, then it waits for `go` on its fd 3.
 */
import type { ChildProcess, SpawnOptions } from 'node:child_process';
import { join } from 'node:path';
import { UserError } from '../errors';
import { stateRoot } from '../paths';
import { nodeChildEnv } from '../sys/node-env';
import { traceFd, traceNote } from '../sys/trace';
import { newContainerId } from './names';
import { earlyInitFlag, sameShape, type EarlyShape } from './monitor-early';
import { lazy } from '../lazy';

const childProcess = lazy(() => require('node:child_process') as typeof import('node:child_process'));

/** node:child_process, loaded at a launch (`run -d`, `start`): every `run` loads this module, a foreground one launches nothing. */
const spawn = (file: string, args: string[], options: SpawnOptions): ChildProcess =>
  childProcess().spawn(file, args, options);

const SHIM_MAIN = join(__dirname, 'monitor-main.js');

/** The init's shape a supervisor launched before its container exists spawns ahead (monitor-early.ts). */
export type EarlyInitShape = EarlyShape;

/** A detached supervisor started; `go` once its container exists, or `cancel`. */
export interface SupervisorLaunch {
  /** The container is created: the supervisor starts it; resolves with the program's PID. */
  go(): Promise<number>;
  /** The container could not be created: the supervisor (and its early init) exit. */
  cancel(): void;
}

/**
 * Spawn the detached supervisor of container `id`. With `beforeCreate`, `run -d` does so before
 * it creates the container: the supervisor's Node boots (and spawns an init of that shape)
 * while the container's files are written, then waits for `go` on its fd 3 (monitor-main.ts).
 */
export function launchSupervisor(id: string, opts: { restarting?: boolean; awaitAttach?: boolean; beforeCreate?: EarlyInitShape | null } = {}): SupervisorLaunch {
  const tfd = traceFd();
  const early = opts.beforeCreate;
  const flags = [
    ...(opts.awaitAttach ? ['--await-attach'] : []),
    ...(early !== undefined ? ['--after-create'] : []),
    ...(early ? [earlyInitFlag(early)] : []),
  ];
  const child = spawn(process.execPath, [SHIM_MAIN, id, ...flags], {
    detached: true, // a new session: no terminal, and our Ctrl-C does not reach it
    stdio: ['ignore', 'ignore', 'ignore', 'pipe', tfd !== null ? tfd : 'ignore'],
    // NODE_EXTRA_CA_CERTS moved aside: Node would parse the CA file at the supervisor's start (sys/node-env.ts).
    env: { ...nodeChildEnv(process.env), MINI_RUN_ROOT: stateRoot() },
    cwd: '/',
  });
  const ready = child.stdio[3] as import('node:net').Socket;
  let text = '';
  ready.setEncoding('utf8');
  ready.on('data', (d: string) => (text += d));
  const closed = new Promise<void>((resolve) => { ready.on('close', () => resolve()); ready.on('error', () => resolve()); });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const letGo = () => {
    child.unref();
    ready.unref?.();
  };
  // Launched before the container exists: until `go`, it must not keep this command alive
  // (a command that ends without creating the container closes fd 3: the supervisor exits).
  if (early !== undefined) letGo();
  return {
    cancel() {
      ready.destroy(); // EOF on its fd 3: it abandons its early init and exits
      letGo();
    },
    async go() {
      if (early !== undefined) {
        child.ref();
        ready.ref?.();
        ready.write('g');
      }
      await Promise.race([closed, exited]);
      letGo();
      let msg: { ok: boolean; pid?: number; message?: string; exitCode?: number };
      try {
        msg = JSON.parse(text.trim().split('\n')[0] ?? '');
      } catch {
        throw new UserError(`the container's supervisor exited before starting it${opts.restarting ? ' (restart)' : ''}`);
      }
      if (!msg.ok) throw new UserError(msg.message ?? 'could not start the container', msg.exitCode ?? 125);
      traceNote(`supervisor PID ${child.pid} runs container ${id.slice(0, 12)} (PID ${msg.pid})`);
      return msg.pid!;
    },
  };
}

/** A supervisor `run -d` launched before its command line was parsed, and what it was launched with. */
interface Prelaunched { id: string; launch: SupervisorLaunch; shape: EarlyInitShape | null; root: string; traced: boolean }

let prelaunched: Prelaunched | null = null;

/**
 * `run -d`, seen by a quick scan of the flags (cli/main.ts): launch the supervisor of a new
 * container id now, with the init's shape the flags suggest (null: none early).
 */
export function prelaunchSupervisor(shape: EarlyInitShape | null): void {
  const id = newContainerId();
  try {
    prelaunched = { id, launch: launchSupervisor(id, { beforeCreate: shape }), shape, root: stateRoot(), traced: traceFd() !== null };
  } catch {
    prelaunched = null; // not fatal (e.g. out of processes): run -d launches it the normal way and says why
  }
}

/**
 * The supervisor launched early, if it was launched as `run -d` would launch it now (same
 * state root, trace or not, init shape); one that does not fit is told to exit.
 */
export function takePrelaunched(want: EarlyInitShape | null): { id: string; launch: SupervisorLaunch } | null {
  const pre = prelaunched;
  prelaunched = null;
  if (!pre) return null;
  const fits = pre.shape === null || want === null ? pre.shape === want : sameShape(pre.shape, want);
  if (fits && pre.root === stateRoot() && pre.traced === (traceFd() !== null)) return pre;
  pre.launch.cancel();
  return null;
}
