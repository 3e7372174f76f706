/**
 * `exec` asked through the front door (shim/exec-server.ts, native/mini-run-front.c): the
 * supervisor of container `id` runs it with the same code as the Node CLI's `exec`
 * (engine/exec.ts's buildExecProcess, the runtime's spawnExec and exec: the same exec process,
 * seccomp filter, capabilities, environment, errors), the program's stdio being the caller's
 * own stdin/stdout/stderr, received over the socket.
 *
 * Anything this cannot answer exactly as the CLI would — another state root or container (a
 * stale name link), not running or paused (the CLI's error lines), a user namespace of its own,
 * a terminal on the caller's side — is null: the caller runs the Node CLI, nothing was started.
 */
import { stateRoot, paths } from '../paths';
import { UserError } from '../errors';
import * as runtime from '../runtime';
import type { FrontExec, FrontExecRequest } from '../shim/exec-server';
import { isatty } from '../sys/libc';
import { loadContainer, isRunning, runtimeRef } from './container-store';
import { buildExecProcess } from './exec';

export function execFromFront(id: string, req: FrontExecRequest, stdio: readonly [number, number, number]): FrontExec | null {
  if (req.root !== stateRoot()) return null;
  let rec;
  try { rec = loadContainer(id); } catch { return null; }
  // As findContainer: the full id, or the name (its id prefixes the front never sends here).
  if (req.container !== rec.id && req.container !== rec.name) return null;
  if (rec.state.Status !== 'running' || !isRunning(rec) || rec.userns) return null;
  if (stdio.some((fd) => isatty(fd))) return null;
  const ref = runtimeRef(rec.id);
  const bundle = paths.container(rec.id);
  const plan = { interactive: req.interactive, detach: false };
  let spec, proc, pending: runtime.PendingExec;
  try {
    spec = runtime.loadSpec(bundle);
    proc = buildExecProcess(rec, { container: req.container, command: req.args, interactive: req.interactive, tty: false, detach: false, env: [], envFiles: [], privileged: false }, false, spec);
    pending = runtime.spawnExec(ref, { terminal: false, ...plan, stdio }); // the caller's fds as the program's 0–2
  } catch {
    return null; // the CLI meets the same and says it
  }
  const result = (async () => {
    try {
      // (proxySignals: the client's signals come over the socket; the supervisor's are its own)
      const started = await runtime.exec(ref, proc, { ...plan, proxySignals: false }, pending, { bundle, spec });
      return { exitCode: (await started.wait()).exitCode };
    } catch (err) {
      await pending.abandon().catch(() => undefined);
      // as cli/main.ts's fail(): a UserError's code, else 125
      return { exitCode: err instanceof UserError ? err.exitCode : 125, message: (err as Error).message };
    }
  })();
  return { pid: pending.pid, result };
}
