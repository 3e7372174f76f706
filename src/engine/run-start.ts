/**
 * The first moments of `run`, kept light on purpose: check what can be checked without the
 * image, and start the container's init booting.
 *
 * Starting Node takes ~45 ms. The init needs nothing from the container to boot, so `run`
 * spawns it before it even loads the image store and the rest of the engine; creating the
 * container (image, files, config.json, cgroup) then happens while the init boots.
 */
import { existsSync } from 'node:fs';
import { UserError } from '../errors';
import { settleSpawnFailure, spawnInit, type PendingInit } from '../runtime';
import { containerPipes, closePipes, type ContainerPipes } from '../shim/pipes';
import type { RunOptions } from './run-options';
import { nativeBinary, nativeBuildHint } from '../native';
import { initWanted } from '../runtime/init-env';
import { lazy } from '../lazy';

const rootlessRun = lazy(() => require('./rootless-run') as typeof import('./rootless-run'));
const remapUser = lazy(() => require('./remap-user') as typeof import('./remap-user'));

/** The static init for --init, built by `npm run build` (native/). */
export const INIT_BINARY = nativeBinary('mini-init');

/** What `run` and `create` refuse before anything is made. */
export function checkRunnable(opts: RunOptions): void {
  initWanted(); // a MINI_RUN_INIT that names no init: one line, 125, and no container made (docs/init.md)
  if (opts.init && !existsSync(INIT_BINARY)) throw new UserError(`--init needs ${INIT_BINARY}, not built (no C compiler when mini-run was built): ${nativeBuildHint()}`, 125);
  if (opts.autoRemove && opts.restart.Name !== 'no') throw new UserError('Conflicting options: --restart and --rm', 125);
  // without root: what does not work yet, in one line (rootless-run.ts: loaded here, after the
  // init's spawn — it brings the cgroup delegation checks and slirp)
  rootlessRun().refuseUnsupportedRootless(opts);
}

export interface EarlyInit { init: PendingInit; pipes: ContainerPipes }

/** What the init's spawn depends on: everything else can be decided after it is booting. */
export interface InitShape { pidHost: boolean; tty: boolean; interactive: boolean }

let prespawned: (EarlyInit & { shape: InitShape }) | null = null;

/**
 * Spawn the init before the command line is even parsed (the CLI calls this when it sees
 * `run` without -d, from a quick scan of the flags). `startInitEarly` later takes it if the
 * parsed options agree, or throws it away.
 */
export function prespawnInit(shape: InitShape): void {
  if (shape.tty && shape.interactive) return; // `run -it` is supervised apart (run-attached.ts)
  let pipes: ContainerPipes | null = null;
  try {
    pipes = containerPipes(shape.tty, shape.interactive);
    const init = spawnInit({ newPidNamespace: !shape.pidHost, terminal: shape.tty, interactive: shape.interactive, stdio: pipes.stdio });
    prespawned = { init, pipes, shape };
  } catch {
    // Not fatal (e.g. out of file descriptors): the init is spawned again the normal way,
    // where a failure is reported as one line.
    if (pipes) closePipes(pipes);
  }
}

/** For a foreground run: the init, spawned now, and the pipes its output will come through. */
export async function startInitEarly(opts: RunOptions): Promise<EarlyInit | null> {
  const pre = prespawned;
  prespawned = null;
  try {
    // Only `run` attaches our terminal: `create -it` needs none (as Docker's).
    if (opts.tty && opts.interactive && !opts.detach && !process.stdin.isTTY) throw new UserError('the input device is not a TTY', 1);
    checkRunnable(opts);
  } catch (err) {
    if (pre) await abandonEarly(pre);
    throw err;
  }
  // --userns private (or the config's userns-remap): the init starts in a user namespace of its own
  // (remap-user.ts loads here, after prespawnInit: it reads the config file)
  const { remapUserOf } = remapUser();
  const userNamespace = !opts.detach && remapUserOf(opts) !== null;
  if (pre) {
    const s = pre.shape;
    if (!opts.detach && !userNamespace && s.pidHost === (opts.pidMode === 'host') && s.tty === opts.tty && s.interactive === opts.interactive) return pre;
    await abandonEarly(pre);
  }
  // The detached supervisor spawns its own init (`run -d`, and `run -it`: run-attached.ts).
  if (opts.detach || (opts.tty && opts.interactive)) return null;
  const pipes = containerPipes(opts.tty, opts.interactive);
  try {
    const init = spawnInit({ newPidNamespace: opts.pidMode !== 'host', terminal: opts.tty, interactive: opts.interactive, stdio: pipes.stdio, userNamespace });
    return { init, pipes };
  } catch (err) {
    closePipes(pipes);
    await settleSpawnFailure(); // (why the spawn failed — EAGAIN: out of processes — arrives a tick later)
    throw err;
  }
}

/** The container could not be created: stop the init and close its pipes. */
export async function abandonEarly(early: EarlyInit): Promise<void> {
  await early.init.abandon();
  closePipes(early.pipes);
}
