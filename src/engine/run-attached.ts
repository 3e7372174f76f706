/**
 * `run -it` in the foreground, the way Docker's client does it: the container runs under its own
 * detached supervisor (as for `run -d`), and this command attaches to it (as `attach` does).
 *
 * Why not supervise it here, as a plain foreground `run` does? The supervisor is the parent of
 * the container's PID 1: if it exited, the container would go with it. A command that attaches
 * instead can leave whenever the user types the detach keys (Ctrl-P Ctrl-Q, or --detach-keys):
 * the container goes on, and `attach` finds it again later.
 *
 * The supervisor waits for us before it starts the program (`--await-attach`), so a program that
 * exits at once loses no output, and our terminal's size is the one it starts with.
 */
import type { RunOptions } from './run-options';
import { createContainer } from './run';
import { startDetached } from './lifecycle';
import { attachContainer } from './attach';
import { removeContainerDir } from './container-store';
import { sweepStaleContainers } from './cleanup';

export const DEFAULT_DETACH_KEYS = 'ctrl-p,ctrl-q';

/** A foreground run with a terminal and stdin: the only kind the detach keys can reach (as Docker's). */
export function isDetachableRun(opts: Pick<RunOptions, 'tty' | 'interactive' | 'detach'>): boolean {
  return opts.tty && opts.interactive && !opts.detach;
}

/**
 * Create, start under a detached supervisor, attach; the program's exit code, or 0 once detached
 * (silently, as Docker's `run -it`). A closed terminal (SIGHUP) ends this command, not the
 * container: Docker's leaves it running too.
 */
export async function runAttached(opts: RunOptions): Promise<number> {
  sweepStaleContainers();
  const rec = await createContainer(opts);
  try {
    await startDetached(rec.id, { awaitAttach: true });
  } catch (err) {
    if (opts.autoRemove) removeContainerDir(rec.id);
    throw err;
  }
  // A program that cannot start rejects with its error (127, 126…), already recorded (or, with
  // --rm, removed) by the supervisor.
  const code = await attachContainer(rec.id, { stdin: true, detachKeys: opts.detachKeys ?? DEFAULT_DETACH_KEYS, starting: true, sayDetached: false });
  return code ?? 0;
}
