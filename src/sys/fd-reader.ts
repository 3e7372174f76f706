/**
 * Reading a pipe or socket we own without node:net: the sync socket of an init started with
 * posix_spawn (runtime/spawn-child.ts) and a container's stdout/stderr pipes (shim/supervisor.ts).
 * node:net and the 17 stream modules it loads cost ≈ 4 ms of `run`'s start (docs/perf.md,
 * session 16); what these fds need is a few events, which this gives: 'data' (Buffer, or text
 * after setEncoding), 'end' (EOF), 'error', 'close' (after either, or destroy()).
 *
 * How: poll(2) for POLLIN waits on libuv's thread pool (koffi's `.async`), and once the fd is
 * readable read(2) runs here, on the event loop — a blocking fd read only when poll said it
 * will not block (we are its only reader). A pending poll keeps the event loop alive, as a
 * socket's handle does. Each reader polls an eventfd of its own beside its fd:
 * - destroy() writes it, so the poll returns, and only then are the fds closed: a fd is never
 *   closed (its number free to be reused by someone else) while a poll on it is pending, and a
 *   read runs only on a fd this reader still owns;
 * - at the process's exit every pending poll is woken the same way: libuv joins its pool's
 *   threads at exit, and a thread still in poll(2) would hang the exit.
 */
import { EventEmitter } from 'node:events';
import { closeSync, readSync, writeSync } from 'node:fs';
import type { StringDecoder } from 'node:string_decoder';
import { pollfds, pollIn, wakeFd } from './libc';

const CHUNK = 64 * 1024;
/** Reads in a row before the next poll goes through the pool again (others' turn on the loop). */
const READS_PER_TURN = 16;

/** Readers with a poll pending on the pool: woken at exit. */
const polling = new Set<FdReader>();
let exitHookInstalled = false;

export class FdReader extends EventEmitter {
  private readonly wake: number;
  private readonly fds: Buffer;
  private readonly buf = Buffer.allocUnsafe(CHUNK);
  private decoder: StringDecoder | null = null;
  private pending = false;
  private destroyed = false;
  private closed = false;

  /** Takes `fd` over (it is closed with the reader). Blocking or not, as it comes. */
  constructor(readonly fd: number) {
    super();
    this.wake = wakeFd();
    this.fds = pollfds(fd, this.wake);
    if (!exitHookInstalled) {
      exitHookInstalled = true;
      process.on('exit', () => { for (const r of polling) r.signalWake(); });
    }
    // The first poll on the next tick, not now: the pool's threads may not exist yet, and
    // spawn-init.ts makes this reader between unshare(CLONE_NEWPID) and its setns back, where
    // no thread can be created (clone(CLONE_THREAD) is EINVAL; libuv would abort).
    process.nextTick(() => this.arm());
  }

  setEncoding(encoding: 'utf8'): this {
    const { StringDecoder: Decoder } = require('node:string_decoder') as typeof import('node:string_decoder');
    this.decoder = new Decoder(encoding);
    return this;
  }

  /**
   * Write all of `data` now (the sync socket's messages, far below a socket's buffer; the peer
   * reads each at once). A failure (EPIPE: the peer is gone) is an 'error' event, as a socket's.
   */
  write(data: string | Uint8Array): boolean {
    if (this.destroyed) return false;
    const b = typeof data === 'string' ? Buffer.from(data) : data;
    try {
      for (let off = 0; off < b.length;) off += writeSync(this.fd, b, off, b.length - off);
      return true;
    } catch (err) {
      process.nextTick(() => this.fail(err as Error));
      return false;
    }
  }

  /** Stop reading and close the fd (once a pending poll has returned). */
  destroy(): this {
    if (this.destroyed) return this;
    this.destroyed = true;
    if (this.pending) this.signalWake();
    else this.close();
    return this;
  }

  private signalWake(): void {
    const one = Buffer.alloc(8);
    one.writeUInt8(1, 0); // (a u64 counter: 1 in little-endian)
    try { writeSync(this.wake, one); } catch { /* closed: the poll has returned */ }
  }

  private arm(): void {
    if (this.destroyed) { this.close(); return; }
    this.pending = true;
    polling.add(this);
    try {
      pollIn(this.fds, -1, (ready) => this.polled(ready));
    } catch (err) { // koffi's queue is full
      this.pending = false;
      polling.delete(this);
      process.nextTick(() => this.fail(err as Error));
    }
  }

  private polled(ready: number): void {
    this.pending = false;
    polling.delete(this);
    if (this.destroyed) { this.close(); return; }
    if (ready === -4 /* EINTR */) { this.arm(); return; }
    if (ready < 0) { this.fail(Object.assign(new Error(`poll: errno ${-ready}`), { errno: -ready })); return; }
    this.readAvailable();
  }

  /** Read what is there (poll said so), a few times in a row while more is, then poll again. */
  private readAvailable(): void {
    for (let i = 0; i < READS_PER_TURN && !this.destroyed; i++) {
      let n: number;
      try {
        n = readSync(this.fd, this.buf, 0, CHUNK, null);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN' || code === 'EINTR') break; // (a non-blocking fd, a signal): poll again
        this.fail(err as Error);
        return;
      }
      if (n === 0) {
        const rest = this.decoder?.end();
        if (rest) this.emit('data', rest);
        this.emit('end');
        this.destroy();
        return;
      }
      const chunk = Buffer.from(this.buf.subarray(0, n)); // (a copy: the buffer is read into again)
      this.emit('data', this.decoder ? this.decoder.write(chunk) : chunk);
      if (this.destroyed) return;
      if (pollIn(this.fds.subarray(0, 8), 0) <= 0) break;
    }
    this.arm();
  }

  private fail(err: Error): void {
    if (this.closed) return;
    if (this.listenerCount('error') > 0) this.emit('error', err);
    this.destroy();
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const fd of [this.fd, this.wake]) {
      try { closeSync(fd); } catch { /* closed */ }
    }
    process.nextTick(() => this.emit('close'));
  }
}
