/**
 * The attach protocol, spoken over the supervisor's unix socket (/run/mini-run/<id>.sock).
 *
 * Every message is a frame: a 1-byte type, a 4-byte big-endian length, then the payload —
 * the same idea as docker's stream multiplexing header (stdout and stderr share one
 * connection, so each chunk says which stream it belongs to).
 */
export const FRAME = {
  STDIN: 0, // client → supervisor: bytes for the program's stdin (or the terminal)
  STDOUT: 1, // supervisor → client
  STDERR: 2, // supervisor → client
  RESIZE: 3, // client → supervisor: {"rows":R,"cols":C}
  EXIT: 4, // supervisor → client: {"exitCode":N} — the program ended
  STDIN_EOF: 5, // client → supervisor: no more input
  HELLO: 6, // client → supervisor, first frame: {"stdin":bool}
  ERROR: 7, // supervisor → client: {"message":…,"exitCode":N} — the program could not start
} as const;

export function encodeFrame(type: number, payload: Buffer | string = Buffer.alloc(0)): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const header = Buffer.alloc(5);
  header.writeUInt8(type, 0);
  header.writeUInt32BE(body.length, 1);
  return Buffer.concat([header, body]);
}

export interface Frame { type: number; payload: Buffer }

/** Reassembles frames from a byte stream that may cut them anywhere. */
export class FrameDecoder {
  private buf: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Frame[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const frames: Frame[] = [];
    while (this.buf.length >= 5) {
      const len = this.buf.readUInt32BE(1);
      if (this.buf.length < 5 + len) break;
      frames.push({ type: this.buf.readUInt8(0), payload: this.buf.subarray(5, 5 + len) });
      this.buf = this.buf.subarray(5 + len);
    }
    return frames;
  }
}

export { attachSocketPath } from './sockets';
