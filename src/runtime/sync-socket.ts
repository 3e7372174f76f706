/**
 * The sync socket between the runtime (parent, on the host) and the container's init.
 *
 * It is fd 3 of the init: a socketpair Node creates for `stdio[3] = 'pipe'`. Messages are
 * JSON lines. The init reads with a *blocking* read(2) — it must not return to Node's event
 * loop, whose threads live in the old namespaces.
 *
 *   init → parent   {"type":"userns", pid}    (only when started in a new user namespace, first thing) its
 *                                              host PID; the parent writes its uid_map/gid_map, then
 *   parent → init   {"type":"continue"}
 *   parent → init   {"type":"start", spec}    after the init is in its cgroup; the validated config.json
 *                                              (+ seccomp: its linux.seccomp compiled by the runtime while
 *                                              the init booted, seccomp-load.ts;
 *                                              + execFifo: `create`, the init waits there before execve;
 *                                              detached: it outlives the parent, no PDEATHSIG)
 *   parent → init   {"type":"exec", pid, process, seccomp?, cgroupProcs, detach}  (`exec`, instead
 *                                              of start) join the cgroup and namespaces of host PID
 *                                              `pid` and start `process` there (exec-init.ts), under
 *                                              the container's filter (compiled, as for start)
 *   init → parent   {"type":"started", pid}   (exec) the program runs: its host PID
 *   init → parent   {"type":"namespaces"}     new namespaces exist (parent may configure them)
 *   parent → init   {"type":"continue"}
 *   init → parent   {"type":"pty", fd}        (-t) the pty master the init opened in the container's
 *                                              devpts; the parent copies it out with pidfd_getfd
 *   parent → init   {"type":"continue"}
 *   init → parent   {"type":"created"}        (with execFifo) all done but execve: `create` returns now,
 *                                              the init blocks until `start` writes the fifo
 *   init → parent   {"type":"error", …}       something failed; the init then exits
 *   (EOF)                                      the socket is close-on-exec: EOF = execve worked
 */
import { closeSync, readSync, writeSync } from 'node:fs';
import type { Process, RuntimeSpec } from './spec';
import type { WireSeccomp } from './seccomp-load';
import { UserError } from '../errors';
import { watchReadable } from '../sys/signal-io';

export type InitMessage =
  | { type: 'start'; bundle: string; spec: RuntimeSpec; seccomp?: WireSeccomp; traceFd?: number; execFifo?: string; detached?: boolean }
  | { type: 'exec'; pid: number; process: Process; seccomp?: WireSeccomp; cgroupProcs: string[]; detach: boolean; traceFd?: number; sessionExec?: string }
  | { type: 'started'; pid: number }
  | { type: 'namespaces' }
  | { type: 'userns'; pid: number }
  | { type: 'created' }
  | { type: 'pty'; fd: number }
  | { type: 'continue' }
  | { type: 'error'; message: string; exitCode: number };

/** Init side: blocking line reads and writes on an inherited fd. */
export class InitSyncSocket {
  private buffered = '';
  private closed = false;
  constructor(private readonly fd: number) {}

  send(msg: InitMessage): void {
    if (this.closed) return;
    writeSync(this.fd, JSON.stringify(msg) + '\n');
  }

  receive(): InitMessage {
    const chunk = Buffer.alloc(4096);
    while (!this.buffered.includes('\n')) {
      const n = readSync(this.fd, chunk, 0, chunk.length, null);
      if (n === 0) throw new Error('runtime closed the sync socket');
      this.buffered += chunk.toString('utf8', 0, n);
    }
    const i = this.buffered.indexOf('\n');
    const line = this.buffered.slice(0, i);
    this.buffered = this.buffered.slice(i + 1);
    return JSON.parse(line) as InitMessage;
  }

  /** The next message, which must be `continue` (the runtime's go-ahead). */
  awaitContinue(): void {
    const m = this.receive();
    if (m.type !== 'continue') throw new Error(`unexpected message ${m.type}`);
  }

  /** (-t) Hand the pty master to the runtime; returns once it has its copy (becomeProgram's callback). */
  handOverPty(masterFd: number): void {
    this.send({ type: 'pty', fd: masterFd });
    this.awaitContinue();
  }

  /** Stop talking: later sends are dropped (the runtime is gone: `create` returned). */
  close(): void {
    this.closed = true;
    try { closeSync(this.fd); } catch { /* closed */ }
  }

  /** Tell the runtime why we failed (if it still listens), then exit: 125, or the UserError's code. */
  failAndExit(err: unknown): never {
    const e = err as Error;
    const exitCode = e instanceof UserError ? e.exitCode : 125;
    try {
      this.send({ type: 'error', message: e.message, exitCode });
    } catch {
      /* the runtime is gone */
    }
    process.exit(exitCode);
  }
}

/**
 * What the parent holds of the child's fd 3: a net.Socket (Node's spawn: userns-exec, exec's
 * process), or the raw fd of our end (spawn-child.ts's posix_spawn), read here with
 * sys/signal-io.ts — no node:net on `run`'s path.
 */
export type SyncEnd = NodeJS.ReadWriteStream & { destroy(): void } | number;

/** Parent side: an async reader of messages on the child's stdio[3]. */
export class ParentSyncSocket {
  /** The bytes of a line not ended yet. */
  private partial: Buffer[] = [];
  private queue: InitMessage[] = [];
  private waiters: Array<(m: InitMessage | null) => void> = [];
  private closed = false;
  private readonly out: { write(data: string | Uint8Array): unknown; destroy(): void };

  constructor(end: SyncEnd) {
    const ended = () => {
      this.closed = true;
      for (const w of this.waiters.splice(0)) w(null);
    };
    if (typeof end === 'number') {
      this.out = watchReadable(end, { data: (d) => this.bytes(d), end: ended });
    } else {
      this.out = end;
      end.on('data', (d: Buffer) => this.bytes(d));
      end.on('end', ended);
      end.on('close', ended);
      end.on('error', ended);
    }
  }

  /** Split into lines on the newline byte (never part of a UTF-8 sequence), each one JSON. */
  private bytes(d: Buffer): void {
    let from = 0;
    for (let i; (i = d.indexOf(10, from)) >= 0; from = i + 1) {
      const line = this.partial.length > 0 ? Buffer.concat([...this.partial.splice(0), d.subarray(from, i)]) : d.subarray(from, i);
      try {
        this.push(JSON.parse(line.toString('utf8')) as InitMessage);
      } catch {
        /* not ours: ignore */
      }
    }
    if (from < d.length) this.partial.push(d.subarray(from));
  }

  private push(m: InitMessage): void {
    const w = this.waiters.shift();
    if (w) w(m);
    else this.queue.push(m);
  }

  send(msg: InitMessage): void {
    this.out.write(JSON.stringify(msg) + '\n');
  }

  /** Raw bytes (the native init's order, init-order.ts). */
  write(bytes: Buffer): void {
    this.out.write(bytes);
  }

  /** Stop listening and close our end (`create` returned: the init keeps its own). */
  destroy(): void {
    this.out.destroy();
  }

  /** The next message, or null when the init closed the socket (execve succeeded, or it died). */
  receive(): Promise<InitMessage | null> {
    const m = this.queue.shift();
    if (m) return Promise.resolve(m);
    if (this.closed) return Promise.resolve(null);
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}
