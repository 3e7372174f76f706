/**
 * Running a helper command (`ip`, `tar`, `iptables`…), traced like a syscall.
 */
import type { SpawnSyncOptionsWithStringEncoding, SpawnSyncReturns } from 'node:child_process';
import { traceCommand } from './trace';
import { UserError } from '../errors';
import { lazy } from '../lazy';

const childProcess = lazy(() => require('node:child_process') as typeof import('node:child_process'));

/**
 * node:child_process, loaded at the first command run: the network and image modules that import
 * this file are loaded by every `run` (a `--network none` one runs no command), and the module
 * costs ≈ 2 ms to load (docs/perf.md, "session 14: the last ms of run").
 */
const spawnSync = (file: string, args: string[], options: SpawnSyncOptionsWithStringEncoding): SpawnSyncReturns<string> =>
  childProcess().spawnSync(file, args, options);

export interface CommandResult { status: number; stdout: string; stderr: string }

/** Run argv synchronously; throws a UserError naming the command when it fails (unless allowFailure). */
export function runCommand(argv: readonly string[], opts: { input?: string | Buffer; allowFailure?: boolean; cwd?: string } = {}): CommandResult {
  traceCommand(argv);
  const r = spawnSync(argv[0], argv.slice(1), { input: opts.input, cwd: opts.cwd, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.error) throw new UserError(`${argv[0]}: ${(r.error as NodeJS.ErrnoException).code === 'ENOENT' ? 'command not found' : r.error.message}`);
  const result = { status: r.status ?? 128 + 9, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  if (result.status !== 0 && !opts.allowFailure) {
    const detail = result.stderr.trim().split('\n').pop() ?? '';
    throw new UserError(`${argv.join(' ')} failed (exit ${result.status})${detail ? `: ${detail}` : ''}`);
  }
  return result;
}
