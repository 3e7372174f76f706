/**
 * Container logs in docker's `json-file` format: one JSON object per line of output,
 *
 *   {"log":"hello\n","stream":"stdout","time":"2026-11-22T12:34:56.123456789Z"}
 *
 * in ROOT/containers/<id>/<id>-json.log. With `--log-opt max-size=10m` the file is rotated
 * when it would grow past the size: <id>-json.log → .1 → .2 …, keeping `max-file` files in all.
 */
import { closeSync, existsSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { parseBytes } from '../engine/units';

export interface LogEntry { log: string; stream: 'stdout' | 'stderr'; time: string }

export function logPath(containerDir: string, id: string): string {
  return join(containerDir, `${id}-json.log`);
}

/** RFC 3339 with nanoseconds, like docker's (we have microseconds; the rest is zeros). */
export function nanoTime(now = Date.now(), micros = 0): string {
  const iso = new Date(now).toISOString(); // …:56.123Z
  return `${iso.slice(0, 23)}${String(micros).padStart(3, '0')}000Z`;
}

export interface LogOptions { maxSize: number | null; maxFile: number }

export function parseLogOptions(opts: Record<string, string>): LogOptions {
  for (const k of Object.keys(opts)) {
    if (k !== 'max-size' && k !== 'max-file') throw new Error(`unknown log opt '${k}' for json-file log driver`);
  }
  const maxSize = opts['max-size'] && opts['max-size'] !== '-1' ? parseBytes(opts['max-size'], '--log-opt max-size') : null;
  const maxFile = opts['max-file'] ? Number(opts['max-file']) : 1;
  if (!Number.isInteger(maxFile) || maxFile < 1) throw new Error(`invalid value for max-file: ${opts['max-file']}`);
  if (maxFile > 1 && maxSize === null) throw new Error("max-file cannot be set without max-size");
  return { maxSize, maxFile };
}

/** Appends output to the log, line by line per stream, rotating when asked. */
export class JsonLogWriter {
  private fd: number;
  private size: number;
  private partial: Record<'stdout' | 'stderr', string> = { stdout: '', stderr: '' };

  constructor(private readonly path: string, private readonly opts: LogOptions) {
    this.fd = openSync(path, 'a', 0o640);
    this.size = statSync(path).size;
  }

  /** Output from the container: complete lines are logged now, a trailing partial line waits. */
  write(stream: 'stdout' | 'stderr', chunk: Buffer | string): void {
    const text = this.partial[stream] + chunk.toString();
    const lines = text.split(/(?<=\n)/);
    const last = lines[lines.length - 1];
    this.partial[stream] = last.endsWith('\n') ? '' : last;
    for (const line of last.endsWith('\n') ? lines : lines.slice(0, -1)) this.append(stream, line);
    // A very long line without newline is still logged, in pieces (docker cuts at 16 KiB).
    if (this.partial[stream].length >= 16384) {
      this.append(stream, this.partial[stream]);
      this.partial[stream] = '';
    }
  }

  /** Log what is left of unterminated lines (the program exited without a final newline). */
  flush(): void {
    for (const stream of ['stdout', 'stderr'] as const) {
      if (this.partial[stream]) this.append(stream, this.partial[stream]);
      this.partial[stream] = '';
    }
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
  }

  private append(stream: 'stdout' | 'stderr', log: string): void {
    const line = JSON.stringify({ log, stream, time: nanoTime() }) + '\n';
    const bytes = Buffer.byteLength(line);
    if (this.opts.maxSize !== null && this.size > 0 && this.size + bytes > this.opts.maxSize) this.rotate();
    writeSync(this.fd, line);
    this.size += bytes;
  }

  private rotate(): void {
    closeSync(this.fd);
    const keep = this.opts.maxFile;
    if (keep <= 1) {
      rmSync(this.path, { force: true });
    } else {
      rmSync(`${this.path}.${keep - 1}`, { force: true });
      for (let i = keep - 2; i >= 1; i--) {
        if (existsSync(`${this.path}.${i}`)) renameSync(`${this.path}.${i}`, `${this.path}.${i + 1}`);
      }
      renameSync(this.path, `${this.path}.1`);
    }
    this.fd = openSync(this.path, 'a', 0o640);
    this.size = 0;
  }
}

/** Every entry of a container's log, oldest first (rotated files included). Bad lines are skipped. */
export function readLogEntries(path: string): LogEntry[] {
  const files: string[] = [];
  for (let i = 20; i >= 1; i--) if (existsSync(`${path}.${i}`)) files.push(`${path}.${i}`);
  if (existsSync(path)) files.push(path);
  const out: LogEntry[] = [];
  for (const f of files) {
    for (const line of readFileSync(f, 'utf8').split('\n')) {
      if (!line) continue;
      try {
        const e = JSON.parse(line) as LogEntry;
        if (typeof e.log === 'string' && (e.stream === 'stdout' || e.stream === 'stderr')) out.push(e);
      } catch {
        /* a line cut by a crash: skip it */
      }
    }
  }
  return out;
}
