/**
 * applyLayer (layer-apply.ts) in a worker thread of its own, one per big layer being pulled
 * (layer-store.ts decides which).
 *
 * Why: a layer is tens of thousands of small files, and each costs a few system calls
 * (open, write, fchown, fchmod, futimes, close…). Node runs synchronous fs calls on the
 * calling thread, so three layers pulled "at once" on the main thread still wrote their files
 * one after the other: the main thread was the bottleneck of a pull (busy ~95 % of the time,
 * half of it in open(2)). A thread per layer lets the kernel work on the layers side by side,
 * with gunzip and both sha256s off the main thread too.
 *
 * The main thread only reads the source (the registry's response or the file) and hands the
 * bytes over; at most FLOW_BYTES are in flight, so a fast download does not pile up in memory.
 * Everything that decides what is kept — digest checks, the commit under the state lock,
 * removing the staging directory on failure — stays with the caller, on the main thread.
 */
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { Worker as WorkerType } from 'node:worker_threads';
import { UserError } from '../errors';
import { traceFd, traceRole } from '../sys/trace';
import { applyLayer, unpackFailure, type ApplyOptions, type ApplyResult } from './layer-apply';
import type { SentError, WorkerStart } from './unpack-worker';
import { lazy } from '../lazy';

const workerThreads = lazy(() => require('node:worker_threads') as typeof import('node:worker_threads'));

const FLOW_BYTES = 8 << 20;
const WORKER_FILE = join(__dirname, 'unpack-worker.js');

/**
 * A worker thread runs compiled JavaScript: under the test runner (TypeScript sources) the
 * layer is applied on the calling thread, with the same code.
 */
export function layerThreadsAvailable(): boolean {
  return __filename.endsWith('.js');
}

function received(e: SentError): Error {
  if (e.userExit !== undefined) return new UserError(e.message, e.userExit);
  const err = new Error(e.message) as NodeJS.ErrnoException;
  if (e.code !== undefined) err.code = e.code;
  if (e.syscall !== undefined) err.syscall = e.syscall;
  if (e.errno !== undefined) err.errno = e.errno;
  if (e.stack !== undefined) err.stack = e.stack;
  return err;
}

/** applyLayer, on a worker thread when there is one to start, else here. */
export function applyLayerThreaded(input: Readable, opts: ApplyOptions): Promise<ApplyResult> {
  if (!layerThreadsAvailable()) return applyLayer(input, opts);
  const { Worker } = workerThreads();
  const start: WorkerStart = { opts, traceFd: traceFd(), traceRole: traceRole() };
  const worker: WorkerType = new Worker(WORKER_FILE, { workerData: start });

  return new Promise<ApplyResult>((resolve, reject) => {
    let inFlight = 0;
    let inputError: unknown = null;
    let settled = false;
    const finish = (err: unknown, result?: ApplyResult) => {
      if (settled) return;
      settled = true;
      input.off('data', onData);
      if (err !== null) input.destroy(); // the worker gave up: stop the download too
      // The answer was its last message (or it died): end the thread.
      void worker.terminate();
      if (err !== null) reject(err);
      else resolve(result!);
    };
    const onData = (chunk: Buffer) => {
      // A copy of exactly these bytes, moved (not copied again) to the worker.
      const bytes = new Uint8Array(chunk.length);
      bytes.set(chunk);
      inFlight += bytes.length;
      worker.postMessage({ chunk: bytes }, [bytes.buffer]);
      if (inFlight > FLOW_BYTES) input.pause();
    };
    worker.on('message', (m: { consumed?: number; done?: ApplyResult; failed?: SentError }) => {
      if (m.consumed !== undefined) {
        inFlight -= m.consumed;
        if (inFlight <= FLOW_BYTES / 2 && input.isPaused() && inputError === null) input.resume();
      } else if (m.done) {
        finish(null, m.done);
      } else if (m.failed) {
        // A failure of the source is reported as the source said it (as on one thread).
        finish(inputError !== null ? unpackFailure(inputError, opts.label, opts.compression) : received(m.failed));
      }
    });
    worker.on('error', (e) => finish(e));
    worker.on('exit', (code) => finish(new Error(`the layer unpack thread exited (code ${code}) before it finished`)));
    input.on('data', onData);
    input.once('end', () => worker.postMessage({ end: true }));
    input.on('error', (e) => {
      if (inputError !== null || settled) return;
      inputError = e;
      worker.postMessage({ abort: true });
    });
  });
}
