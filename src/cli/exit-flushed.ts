/**
 * Leaving a command early, once its result is known, without waiting for Node to tear its heap
 * down (run's and exec's CLI: ≈ 10–30 ms) — but never before our own output has left.
 *
 * process.stdout and process.stderr are synchronous only for files and terminals; on a pipe
 * (`mini-run run img cat big | less`) a write that does not fit is queued and finished by the
 * event loop, and process.exit() would drop what is still queued.
 *
 * When it is safe, the process then ends with _exit(2) instead of process.exit(), skipping
 * Node's own exit (closing libuv's handles and the environment, atexit and OpenSSL cleanup) on
 * the path from the container's exit to the CLI being reaped; docs/perf.md "the CLI's exit".
 */
import { lazy } from '../lazy';
import { stdioMaybeMade } from '../stdio';

const libcMod = lazy(() => require('../sys/libc') as typeof import('../sys/libc'));

/** Exit with `code` as soon as everything written to stdout and stderr so far has left. */
export async function exitWhenFlushed(code: number): Promise<never> {
  await Promise.all([flushed(1), flushed(2)]);
  exitAtOnce(code);
  process.exit(code);
}

/**
 * End now with _exit(2) when nothing Node would still do at exit is needed; else return (the
 * caller exits normally). What a normal exit does that _exit does not, and why each is safe:
 * - the 'exit' listeners (the compile cache's saves): run here first, as process.exit would;
 * - writes still queued on stdout/stderr: checked empty after the listeners;
 * - restoring a terminal's modes (uv_tty_reset_mode): only when no fd 0–2 is a terminal;
 * - a profile or coverage Node writes at exit (--cpu-prof, NODE_V8_COVERAGE): then never;
 * - koffi not loaded yet (a command that made no system call): loading it would cost more.
 * Locks (flock) and fds are released by the kernel either way; the trace is written synchronously.
 */
function exitAtOnce(code: number): void {
  if (!libcModuleLoaded()) return;
  const libc = libcMod();
  if (!libc.libcLoaded() || !safeToSkipNodeExit(libc.isatty)) return;
  const proc = process as NodeJS.Process & { _exiting?: boolean };
  process.exitCode = code;
  // As process.exit does: once _exiting is set, a later process.exit() does not emit 'exit' again.
  proc._exiting = true;
  process.emit('exit', code);
  if (!drained(1) || !drained(2)) return;
  libc.exitNow(code);
}

/** (isatty: libc's, not node:tty's, whose module loads node:net and its streams: ≈ 4 ms) */
function safeToSkipNodeExit(isatty: (fd: number) => boolean): boolean {
  if ([0, 1, 2].some((fd) => isatty(fd))) return false;
  if (process.env.NODE_V8_COVERAGE) return false;
  const flags = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)];
  return !flags.some((f) => /^--(cpu|heap)-prof|^--prof\b|^--diagnostic-dir/.test(f));
}

/** Was src/sys/libc.ts loaded by this process already? (Do not load it only to ask.) */
function libcModuleLoaded(): boolean {
  try {
    return require.cache[require.resolve('../sys/libc')] !== undefined;
  } catch {
    return false;
  }
}

/**
 * (A stream never made — stdio.ts knows — has nothing queued: it is not made only to be asked,
 * which would load the stream modules, and node:net for a pipe, ≈ 4 ms at the end of a `run`.)
 */
function madeStream(fd: 1 | 2): NodeJS.WriteStream | null {
  if (!stdioMaybeMade(fd)) return null;
  return fd === 1 ? process.stdout : process.stderr;
}

function drained(fd: 1 | 2): boolean {
  const s = madeStream(fd);
  return !s || s.destroyed || s.writableLength === 0;
}

/** Resolves once every write queued on stdout (1) or stderr (2) so far has been handed to the kernel. */
function flushed(fd: 1 | 2): Promise<void> {
  const stream = madeStream(fd);
  if (!stream || stream.writableLength === 0 || stream.destroyed) return Promise.resolve();
  // A write's callback runs after every earlier write's (in order). An error (EPIPE: the reader
  // left) calls it too, and main.ts's error handler exits.
  return new Promise((resolve) => stream.write('', () => resolve()));
}
