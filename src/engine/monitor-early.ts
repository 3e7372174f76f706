/**
 * A detached supervisor's first act: spawn the container's init before loading anything else.
 *
 * `run -d` used to be three Node starts in a row: the CLI, then the supervisor (which loaded
 * the supervisor, the engine's records, zod, the network code…), and only then the init. The
 * init needs nothing from the container to boot (see engine/run-start.ts), only its shape: a
 * new PID namespace or not, a terminal or not, stdin or not. That shape is in the container's
 * config.json and record, which the command that started us has already written: read those
 * few fields here, spawn the init, and let it boot while the supervisor loads.
 *
 * This is only a guess made early: the runtime checks the init against the validated spec
 * before it uses it, and the supervisor checks the pipes against the validated record (a
 * mismatch throws the early init away and spawns one the normal way). Anything unusual — a
 * user namespace, a PID namespace joined by path, a file that does not read as expected —
 * means no early init.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { paths } from '../paths';
import { spawnInit } from '../runtime/spawn-init';
import { containerPipes, closePipes, type ContainerPipes } from '../shim/pipes';
import type { EarlyInit } from './run-start';

/** The fields of config.json and container.json the init's spawn depends on. */
export interface EarlyShape { newPidNamespace: boolean; terminal: boolean; openStdin: boolean }

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The init's shape from the bundle's config.json and the record's config, or null to spawn none early. */
export function earlyShape(spec: unknown, record: unknown): EarlyShape | null {
  if (!isObject(spec) || !isObject(spec.process) || !isObject(spec.linux) || !Array.isArray(spec.linux.namespaces)) return null;
  if (!isObject(record) || !isObject(record.config)) return null;
  const namespaces = spec.linux.namespaces as unknown[];
  if (!namespaces.every((n) => isObject(n) && typeof n.type === 'string')) return null;
  const ns = namespaces as Json[];
  // A user namespace starts through userns-exec; a PID namespace by path is joined at spawn:
  // both are left to the runtime's own spawn.
  if (ns.some((n) => n.type === 'user' || (n.type === 'pid' && n.path !== undefined))) return null;
  const terminal = spec.process.terminal === true;
  const { Tty, OpenStdin } = record.config;
  if (typeof Tty !== 'boolean' || typeof OpenStdin !== 'boolean' || Tty !== terminal) return null;
  return { newPidNamespace: ns.some((n) => n.type === 'pid'), terminal, openStdin: OpenStdin };
}

/** The init's shape from container `id`'s files, or null to spawn none early. */
export function shapeFromFiles(id: string): EarlyShape | null {
  try {
    const dir = paths.container(id);
    return earlyShape(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')), JSON.parse(readFileSync(join(dir, 'container.json'), 'utf8')));
  } catch {
    return null; // the supervisor reads them again, validated, and says what is wrong
  }
}

/** How `run -d` hands the supervisor the shape it guessed from its flags (shapeFromFlag reads it). */
export function earlyInitFlag(shape: EarlyShape): string {
  return `--early-init=${shape.newPidNamespace ? 'pid' : 'nopid'},${shape.terminal ? 'tty' : 'notty'},${shape.openStdin ? 'stdin' : 'nostdin'}`;
}

/** The shape `run -d` guessed from its flags (`--early-init=pid,tty,stdin`, see lifecycle.ts), or null. */
export function shapeFromFlag(argv: readonly string[]): EarlyShape | null {
  const arg = argv.find((a) => a.startsWith('--early-init='));
  const m = arg && /^--early-init=(no)?pid,(no)?tty,(no)?stdin$/.exec(arg);
  return m ? { newPidNamespace: m[1] === undefined, terminal: m[2] === undefined, openStdin: m[3] === undefined } : null;
}

export const sameShape = (a: EarlyShape, b: EarlyShape): boolean =>
  a.newPidNamespace === b.newPidNamespace && a.terminal === b.terminal && a.openStdin === b.openStdin;

/** An init spawned early, and the shape it was spawned for. */
export type ShapedInit = EarlyInit & { shape: EarlyShape };

/** Spawn an init of this shape now; null if that failed. */
export function spawnEarly(shape: EarlyShape): ShapedInit | null {
  let pipes: ContainerPipes | null = null;
  try {
    pipes = containerPipes(shape.terminal, shape.openStdin);
    const init = spawnInit({ newPidNamespace: shape.newPidNamespace, terminal: shape.terminal, interactive: shape.openStdin, stdio: pipes.stdio });
    return { init, pipes, shape };
  } catch {
    // Not fatal (e.g. out of file descriptors): the supervisor spawns it the normal way and
    // reports a failure there, in one line.
    if (pipes) closePipes(pipes);
    return null;
  }
}

/** Throw an early init away (it does not fit, or there is no container to start). */
export async function abandonEarly(early: EarlyInit): Promise<void> {
  await early.init.abandon();
  closePipes(early.pipes);
}

/** The container's files exist: keep the early init if they agree with it, else spawn one that does (or none). */
export async function settleEarly(id: string, early: ShapedInit | null): Promise<EarlyInit | null> {
  const shape = shapeFromFiles(id);
  if (early && shape && sameShape(early.shape, shape)) return early;
  if (early) await abandonEarly(early);
  return shape ? spawnEarly(shape) : null;
}
