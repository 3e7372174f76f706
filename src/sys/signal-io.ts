/**
 * Reading a pipe or socket we own with neither node:net nor a thread: signal-driven I/O.
 * Used for the sync socket of an init started with posix_spawn (runtime/spawn-child.ts,
 * sync-socket.ts) and a container's stdout/stderr pipes (shim/supervisor.ts): node:net and its
 * ≈ 20 stream modules cost ≈ 4–5 ms of `run`'s start (docs/perf.md, sessions 16 and 17), and
 * a wait on libuv's thread pool (session 16's FdReader) starts 4 threads at once, which libuv
 * abort()s on when a pids cgroup refuses one.
 *
 * The kernel facts it rests on:
 * - fcntl(F_SETOWN, our pid) and O_ASYNC in the fd's status flags: the kernel sends us SIGIO
 *   when the fd becomes readable — new data in a pipe or a unix socket, and at EOF too (the
 *   last writer of a pipe closing; a unix socket's peer closing).
 * - Node's process.on('SIGIO') is libuv's signal handler writing to its own pipe, read by the
 *   event loop: no thread. Node unrefs it, so it keeps nothing alive: a timer here does, for
 *   as long as a ref'd watch lasts (as a socket's handle would).
 * - SIGIO is a standard signal: several sent before one is handled arrive as one. So each
 *   drains every watched fd, until poll(2) (timeout 0) says a read would block.
 * - Data that came before O_ASYNC was set sends no signal: a watch drains once when made.
 * - SIGIO's default action ends the process: the listener, once installed, is never removed;
 *   O_ASYNC is cleared before a fd is closed, and on those still watched at 'exit' (Node puts
 *   the default action back when it closes its handles after that).
 * - O_ASYNC belongs to the open file description, so the fds must be close-on-exec (pipe2 and
 *   socketpair make them so): no child may hold a description that signals us.
 * - The fds stay blocking: a read only once poll said it returns now (we are the only reader),
 *   and writes (the sync socket's small messages, read at once by the init) are plain write(2)s.
 */
import { closeSync, readSync, writeSync } from 'node:fs';
import { readableNow, setSignalDriven } from './libc';

/** What a watch calls: each chunk read, in order; then `end` once (EOF, an error, or destroy()). */
export interface ReadHandlers {
  data(chunk: Buffer): void;
  end(err?: Error): void;
}

export interface ReadableWatch {
  readonly fd: number;
  /** Write all of `data` now; false (and `end` with the error, after what is left to read) if it failed. */
  write(data: string | Uint8Array): boolean;
  /** Stop reading, close the fd; `end` comes on the next tick. */
  destroy(): void;
  /** Keep the event loop alive while watching (the default), or not. */
  ref(): void;
  unref(): void;
}

const CHUNK = 64 * 1024;
/** Bytes one fd is drained of in one turn of the event loop before the rest waits for the next: a busy writer starves nothing. */
const BYTES_PER_TURN = 1024 * 1024;

const watches = new Set<FdWatch>();
const buf = Buffer.allocUnsafe(CHUNK);
let installed = false;
let refs = 0;
let keepAlive: NodeJS.Timeout | null = null;

/** Watch `fd` (taken over: closed at EOF, on an error, or by destroy()). */
export function watchReadable(fd: number, handlers: ReadHandlers): ReadableWatch {
  return new FdWatch(fd, handlers);
}

/** Watches open now (tests). */
export function watchCount(): number {
  return watches.size;
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on('SIGIO', () => { for (const w of [...watches]) w.drain(); });
  process.on('exit', () => {
    for (const w of watches) {
      try { setSignalDriven(w.fd, false); } catch { /* closed */ }
    }
  });
}

function retain(): void {
  if (refs++ === 0) (keepAlive ??= setInterval(() => {}, 2 ** 30)).ref();
}

function release(): void {
  if (--refs === 0) keepAlive?.unref();
}

class FdWatch implements ReadableWatch {
  private open = true;
  private refd = true;
  /** A drain cut short at BYTES_PER_TURN goes on at setImmediate. */
  private continuing = false;

  constructor(readonly fd: number, private readonly handlers: ReadHandlers) {
    install(); // the listener before the first signal can be sent
    watches.add(this);
    retain();
    try {
      setSignalDriven(fd, true);
    } catch (err) {
      watches.delete(this);
      release();
      throw err;
    }
    // What came before O_ASYNC sent no signal. Not now: the caller has no watch to hold yet.
    process.nextTick(() => this.drain());
  }

  drain(): void {
    if (!this.open || this.continuing) return;
    for (let total = 0; ;) {
      let n: number;
      try {
        if (!readableNow(this.fd)) return;
        if (total >= BYTES_PER_TURN) {
          this.continuing = true;
          setImmediate(() => { this.continuing = false; this.drain(); });
          return;
        }
        n = readSync(this.fd, buf, 0, CHUNK, null);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EINTR') continue;
        if (code === 'EAGAIN') return; // (someone made it non-blocking): the next signal
        this.finish(err as Error);
        return;
      }
      if (n === 0) {
        this.finish();
        return;
      }
      total += n;
      this.handlers.data(Buffer.from(buf.subarray(0, n))); // a copy: buf is read into again
      if (!this.open) return;
    }
  }

  write(data: string | Uint8Array): boolean {
    if (!this.open) return false;
    const b = typeof data === 'string' ? Buffer.from(data) : data;
    try {
      for (let off = 0; off < b.length;) off += writeSync(this.fd, b, off, b.length - off);
      return true;
    } catch (err) {
      // EPIPE/ECONNRESET: the peer is gone. What it sent before going is still read first.
      process.nextTick(() => { this.drain(); this.finish(err as Error); });
      return false;
    }
  }

  destroy(): void {
    if (!this.open) return;
    this.close();
    process.nextTick(() => this.handlers.end());
  }

  ref(): void {
    if (this.refd || !this.open) return;
    this.refd = true;
    retain();
  }

  unref(): void {
    if (!this.refd || !this.open) return;
    this.refd = false;
    release();
  }

  private finish(err?: Error): void {
    if (!this.open) return;
    this.close();
    this.handlers.end(err);
  }

  private close(): void {
    this.open = false;
    watches.delete(this);
    if (this.refd) release();
    try { setSignalDriven(this.fd, false); } catch { /* closed */ }
    try { closeSync(this.fd); } catch { /* closed */ }
  }
}
