/**
 * Leaving a command early, once its result is known, without waiting for Node to tear its heap
 * down (run's and exec's CLI: ≈ 10–30 ms) — but never before our own output has left.
 *
 * process.stdout and process.stderr are synchronous only for files and terminals; on a pipe
 * (`mini-run run img cat big | less`) a write that does not fit is queued and finished by the
 * event loop, and process.exit() would drop what is still queued.
 */

/** Exit with `code` as soon as everything written to stdout and stderr so far has left. */
export async function exitWhenFlushed(code: number): Promise<never> {
  await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
  process.exit(code);
}

/** Resolves once every write queued on `stream` so far has been handed to the kernel. */
function flushed(stream: NodeJS.WriteStream): Promise<void> {
  if (stream.writableLength === 0 || stream.destroyed) return Promise.resolve();
  // A write's callback runs after every earlier write's (in order). An error (EPIPE: the reader
  // left) calls it too, and main.ts's error handler exits.
  return new Promise((resolve) => stream.write('', () => resolve()));
}
