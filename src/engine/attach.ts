/**
 * `attach`: connect our terminal (or stdin/stdout) to a running container's supervisor.
 * With a terminal, the detach keys (Ctrl-P Ctrl-Q by default) leave it running.
 */
import * as net from 'node:net';
import { UserError } from '../errors';
import { FRAME, FrameDecoder, attachSocketPath, encodeFrame } from '../shim/attach-protocol';
import { findContainer, isRunning } from './container-store';
import { sweepStaleContainers } from './cleanup';
import { setRawTerminal } from '../runtime/terminal';

/** Docker's --detach-keys: "ctrl-p,ctrl-q", "ctrl-a,x"… → the bytes to watch for. */
export function parseDetachKeys(spec: string): Buffer {
  const bytes: number[] = [];
  for (const key of spec.split(',')) {
    const k = key.trim().toLowerCase();
    const ctrl = /^ctrl-(.)$/.exec(k);
    if (ctrl) {
      const c = ctrl[1];
      if (c >= 'a' && c <= 'z') bytes.push(c.charCodeAt(0) - 96);
      else if (c === '@') bytes.push(0);
      else if ('[\\]^_'.includes(c)) bytes.push('[\\]^_'.indexOf(c) + 27);
      else throw new UserError(`invalid detach keys: ${spec}`, 1);
    } else if (k.length === 1) {
      bytes.push(k.charCodeAt(0));
    } else {
      throw new UserError(`invalid detach keys: ${spec}`, 1);
    }
  }
  return Buffer.from(bytes);
}

export interface AttachOptions {
  stdin: boolean;
  detachKeys: string;
  /** `start -a`, `run -it`: the supervisor waits for us to start the program. */
  starting?: boolean;
  /**
   * Say "read escape sequence" when the keys detach: Docker's `attach` does (and exits 1); its
   * `run -it` and `start -ai` leave silently (and exit 0).
   */
  sayDetached?: boolean;
}

/** Attach to a running container; resolves with its exit code, or null when we detached. */
export async function attachContainer(ref: string, o: AttachOptions): Promise<number | null> {
  sweepStaleContainers();
  const rec = findContainer(ref);
  if (!o.starting && !isRunning(rec)) throw new UserError(`You cannot attach to a stopped container, start it first`, 1);
  if (rec.state.Status === 'paused') throw new UserError(`You cannot attach to a paused container, unpause it first`, 1);
  const sock = net.createConnection(attachSocketPath(rec.id));
  await new Promise<void>((resolve, reject) => {
    sock.once('connect', () => resolve());
    sock.once('error', (e) => reject(new UserError(`cannot attach to ${ref}: ${(e as Error).message}`, 1)));
  });
  const tty = rec.config.Tty; // the container has a terminal: watch our input for the detach keys
  const rawMode = tty && process.stdin.isTTY === true;
  const useStdin = o.stdin && rec.config.OpenStdin;
  const keys = parseDetachKeys(o.detachKeys);
  const resize = () => sock.write(encodeFrame(FRAME.RESIZE, JSON.stringify({ rows: process.stdout.rows, cols: process.stdout.columns })));
  // Our size before the hello: a supervisor waiting for us (`start -a`, `run -it`) makes the
  // container's terminal at this size when the hello arrives.
  if (rawMode) resize();
  sock.write(encodeFrame(FRAME.HELLO, JSON.stringify({ stdin: useStdin })));
  return new Promise((resolve, reject) => {
    let exitCode: number | null = null;
    let startError: UserError | null = null;
    let detached = false;
    const decoder = new FrameDecoder();
    sock.on('data', (chunk: Buffer) => {
      for (const f of decoder.push(chunk)) {
        if (f.type === FRAME.STDOUT) process.stdout.write(f.payload);
        else if (f.type === FRAME.STDERR) process.stderr.write(f.payload);
        else if (f.type === FRAME.EXIT) exitCode = JSON.parse(f.payload.toString()).exitCode;
        else if (f.type === FRAME.ERROR) {
          const e = JSON.parse(f.payload.toString());
          startError = new UserError(e.message, e.exitCode);
        }
      }
    });
    let matched = 0;
    const onInput = (d: Buffer) => {
      if (tty) {
        // Watch for the detach sequence; the keys themselves are not sent.
        const out: number[] = [];
        for (const b of d) {
          if (b === keys[matched]) {
            matched++;
            if (matched === keys.length) {
              detached = true;
              sock.end();
              return;
            }
          } else {
            if (matched) out.push(...keys.subarray(0, matched));
            matched = 0;
            out.push(b);
          }
        }
        if (out.length) sock.write(encodeFrame(FRAME.STDIN, Buffer.from(out)));
      } else {
        sock.write(encodeFrame(FRAME.STDIN, d));
      }
    };
    if (useStdin) {
      if (rawMode) setRawTerminal();
      process.stdin.on('data', onInput);
      process.stdin.on('end', () => sock.write(encodeFrame(FRAME.STDIN_EOF)));
      process.stdin.resume();
    }
    if (rawMode) process.on('SIGWINCH', resize);
    sock.on('close', () => {
      // (while the terminal is still raw: "\r\n" reaches the screen as typed, as Docker's)
      if (detached && o.sayDetached !== false) process.stderr.write('read escape sequence\r\n');
      if (useStdin) {
        process.stdin.off('data', onInput);
        if (rawMode) process.stdin.setRawMode(false);
        process.stdin.pause();
      }
      process.off('SIGWINCH', resize);
      if (startError) reject(startError);
      else resolve(detached ? null : exitCode);
    });
    sock.on('error', () => undefined);
  });
}
