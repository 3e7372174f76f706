/**
 * The supervisor's attach socket: `attach`, `start -a` and `run -d` followed by `attach` connect
 * here to see the program's output as it happens and to type into it.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import * as net from 'node:net';
import { FRAME, FrameDecoder, attachSocketPath, encodeFrame } from './attach-protocol';

interface Client { sock: net.Socket; stdin: boolean }

export class AttachServer {
  private server: net.Server | null = null;
  private clients = new Set<Client>();
  private helloSeen: () => void = () => undefined;
  /** Resolves when the first client has said hello (`start -a` waits for it before starting). */
  readonly firstClient = new Promise<void>((resolve) => (this.helloSeen = resolve));
  onInput: (d: Buffer) => void = () => undefined;
  onInputEnd: () => void = () => undefined;
  onResize: (rows: number, cols: number) => void = () => undefined;
  /** The last size a client asked for: a terminal made after it (`start -a`, `run -it`) starts at it. */
  size: { rows: number; cols: number } | null = null;

  constructor(private readonly id: string) {}

  get path(): string {
    return attachSocketPath(this.id);
  }

  listen(): Promise<void> {
    mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
    rmSync(this.path, { force: true }); // a socket file left by a killed supervisor
    this.server = net.createServer((sock) => this.accept(sock));
    return new Promise((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.path, () => resolve());
    });
  }

  private accept(sock: net.Socket): void {
    const client: Client = { sock, stdin: false };
    const decoder = new FrameDecoder();
    sock.on('data', (chunk: Buffer) => {
      for (const f of decoder.push(chunk)) {
        if (f.type === FRAME.HELLO) {
          try { client.stdin = !!JSON.parse(f.payload.toString()).stdin; } catch { /* defaults */ }
          this.clients.add(client);
          this.helloSeen();
        } else if (f.type === FRAME.STDIN && client.stdin) {
          this.onInput(f.payload);
        } else if (f.type === FRAME.STDIN_EOF && client.stdin) {
          this.onInputEnd();
        } else if (f.type === FRAME.RESIZE) {
          try {
            const { rows, cols } = JSON.parse(f.payload.toString());
            if (rows > 0 && cols > 0) {
              this.size = { rows, cols };
              this.onResize(rows, cols);
            }
          } catch { /* ignore a bad frame */ }
        }
      }
    });
    const drop = () => this.clients.delete(client);
    sock.on('close', drop);
    sock.on('error', drop);
  }

  broadcast(stream: 'stdout' | 'stderr', data: Buffer): void {
    const frame = encodeFrame(stream === 'stdout' ? FRAME.STDOUT : FRAME.STDERR, data);
    for (const c of this.clients) c.sock.write(frame);
  }

  /** The program ended: tell every client its exit code, then hang up. */
  exit(exitCode: number): void {
    const frame = encodeFrame(FRAME.EXIT, JSON.stringify({ exitCode }));
    for (const c of this.clients) c.sock.end(frame);
    this.clients.clear();
  }

  /** The program could not start: tell every client why, then hang up. */
  error(message: string, exitCode: number): void {
    const frame = encodeFrame(FRAME.ERROR, JSON.stringify({ message, exitCode }));
    for (const c of this.clients) c.sock.end(frame);
    this.clients.clear();
  }

  close(): void {
    this.server?.close();
    this.server = null;
    rmSync(this.path, { force: true });
  }
}
