/**
 * The worker thread that applies one layer (started by unpack-thread.ts). The main thread
 * sends the compressed bytes as they arrive; this thread decompresses, hashes and writes the
 * files (layer-apply.ts) and answers with the two digests, or with the error.
 *
 * Messages in:  { chunk: Uint8Array } · { end: true } · { abort: true }
 * Messages out: { consumed: n } (flow control) · { done: ApplyResult } · { failed: SentError }
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Readable } from 'node:stream';
import { UserError } from '../errors';
import { setTraceSink } from '../sys/trace';
import { applyLayer, type ApplyOptions } from './layer-apply';

/** An error crossing the thread boundary: what the main thread needs to rebuild it. */
export interface SentError { message: string; userExit?: number; code?: string; syscall?: string; errno?: number; stack?: string }

export interface WorkerStart { opts: ApplyOptions; traceFd: number | null; traceRole: string }

function send(e: unknown): SentError {
  if (e instanceof UserError) return { message: e.message, userExit: e.exitCode };
  const err = e as NodeJS.ErrnoException;
  return { message: err?.message ?? String(e), code: err?.code, syscall: err?.syscall, errno: err?.errno, stack: err?.stack };
}

const port = parentPort!;
const start = workerData as WorkerStart;
// --trace: this thread's system calls (mknod of whiteouts, xattrs) go to the same fd.
if (start.traceFd !== null) setTraceSink(start.traceFd, start.traceRole);

const input = new Readable({ read() { /* fed by messages */ } });
port.on('message', (m: { chunk?: Uint8Array; end?: true; abort?: true }) => {
  if (m.chunk) input.push(Buffer.from(m.chunk.buffer, m.chunk.byteOffset, m.chunk.byteLength));
  else if (m.end) input.push(null);
  else if (m.abort) input.destroy(new Error('the layer stream was stopped'));
});

// The answer is the last message; the main thread then ends this thread (terminate), so the
// answer never races the thread's exit.
applyLayer(input, start.opts, (n) => port.postMessage({ consumed: n })).then(
  (done) => port.postMessage({ done }),
  (e: unknown) => port.postMessage({ failed: send(e) }),
);
