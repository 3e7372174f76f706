/**
 * The first moment of `exec`, kept light on purpose (like run-start.ts for `run`): start the
 * exec process booting before the command line is parsed and the container looked up.
 *
 * Starting Node takes ~45 ms, and the exec process needs nothing from the container to boot:
 * it waits on its sync socket for its orders (whose namespaces to join, what to run). The CLI
 * spawns it from a quick scan of the flags; `execContainer` takes it if the parsed options
 * agree, or throws it away. (A container with a user namespace of its own needs an exec
 * process started inside that namespace: the runtime replaces this one then.)
 */
import { prespawnExec as spawnEarly, type PendingExec } from '../runtime';

/** What the exec process's spawn depends on. */
export interface ExecShape { terminal: boolean; interactive: boolean; detach: boolean }

let prespawned: { pending: PendingExec; shape: ExecShape } | null = null;

/** Called by the CLI when it sees `exec` (not for --help). Not fatal: on failure exec spawns the normal way. */
export function prespawnExec(shape: ExecShape): void {
  try {
    prespawned = { pending: spawnEarly(shape), shape };
  } catch {
    prespawned = null;
  }
}

/** The early exec process if it was started for this shape; otherwise (it differs) it is stopped. */
export async function takePrespawnedExec(shape: ExecShape): Promise<PendingExec | null> {
  const pre = prespawned;
  prespawned = null;
  if (!pre) return null;
  const s = pre.shape;
  if (s.terminal === shape.terminal && s.interactive === shape.interactive && s.detach === shape.detach) return pre.pending;
  await pre.pending.abandon();
  return null;
}
