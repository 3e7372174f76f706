/**
 * Container logs in docker's `json-file` format: one JSON object per line of output,
 *
 *   {"log":"hello\n","stream":"stdout","time":"2026-11-22T12:34:56.123456789Z"}
 *
 * in ROOT/containers/<id>/<id>-json.log. With `--log-opt max-size=10m` the file is rotated
 * when it would grow past the size: <id>-json.log → .1 → .2 …, keeping `max-file` files in all.
 */
import { closeSync, existsSync, ftruncateSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { isoTime } from '../utc-time';

export interface LogEntry { log: string; stream: 'stdout' | 'stderr'; time: string; dropped?: DroppedLines }

/**
 * Lines the log could not take (the disk was full, over quota, failing). The writer keeps
 * going without them and, once it can write again, records how many were lost and when — in
 * the log itself, as an entry with `dropped` that `logs` reports on stderr.
 */
export interface DroppedLines { lines: number; from: string; to: string; error: string }

export function logPath(containerDir: string, id: string): string {
  return join(containerDir, `${id}-json.log`);
}

/** RFC 3339 with nanoseconds, like docker's (we have microseconds; the rest is zeros). */
export function nanoTime(now = Date.now(), micros = 0): string {
  const iso = isoTime(now); // …:56.123Z
  return `${iso.slice(0, 23)}${String(micros).padStart(3, '0')}000Z`;
}

/** Rotation: past maxSize bytes (null: never) the file moves to .1, keeping maxFile files (engine/log-options.ts parses docker's --log-opt). */
export interface LogOptions { maxSize: number | null; maxFile: number }

/** Appends output to the log, line by line per stream, rotating when asked. */
export class JsonLogWriter {
  private fd: number;
  private size: number;
  private partial: Record<'stdout' | 'stderr', string> = { stdout: '', stderr: '' };
  private dropped: DroppedLines | null = null;

  /** `onWriteFailure` is told once per run of failed writes (the supervisor reports it). */
  constructor(private readonly path: string, private readonly opts: LogOptions, private readonly onWriteFailure: (err: Error) => void = () => undefined) {
    this.fd = openSync(path, 'a', 0o640);
    this.size = statSync(path).size;
  }

  /** Lines lost so far and not yet recorded in the log (null when none). */
  get droppedLines(): DroppedLines | null {
    return this.dropped;
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

  /** Never throws: a log that cannot be written must not stop the supervisor. */
  close(): void {
    this.flush();
    if (this.dropped) this.writeDroppedNote();
    try { if (this.fd >= 0) closeSync(this.fd); } catch { /* closed */ }
    this.fd = -1;
  }

  private append(stream: 'stdout' | 'stderr', log: string): void {
    const time = nanoTime();
    // Lines were lost: say so first, where they were lost (if that fails too, this line goes as well).
    if (this.dropped && !this.writeDroppedNote()) return this.drop(time);
    const line = JSON.stringify({ log, stream, time }) + '\n';
    if (!this.writeLine(line)) this.drop(time);
  }

  /** Write one whole line or nothing: a short write on a full disk is cut back off. */
  private writeLine(line: string): boolean {
    const data = Buffer.from(line);
    try {
      if (this.opts.maxSize !== null && this.size > 0 && this.size + data.length > this.opts.maxSize) this.rotate();
      if (this.fd < 0) this.fd = openSync(this.path, 'a', 0o640);
      const n = writeSync(this.fd, data);
      if (n !== data.length) {
        const err = Object.assign(new Error('ENOSPC: no space left on device, write (short)'), { code: 'ENOSPC' });
        try { ftruncateSync(this.fd, this.size); } catch { /* the cut line is skipped by readers */ }
        throw err;
      }
      this.size += n;
      this.failing = false;
      return true;
    } catch (err) {
      if (!this.failing) this.onWriteFailure(err as Error);
      this.failing = true;
      this.lastError = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      return false;
    }
  }

  private lastError = '';
  private failing = false;

  private drop(time: string): void {
    if (this.dropped) {
      this.dropped.lines++;
      this.dropped.to = time;
    } else {
      this.dropped = { lines: 1, from: time, to: time, error: this.lastError };
    }
  }

  /** Record the lost lines in the log; true once written. */
  private writeDroppedNote(): boolean {
    const note = JSON.stringify({ log: '', stream: 'stderr', time: nanoTime(), dropped: this.dropped }) + '\n';
    if (!this.writeLine(note)) return false;
    this.dropped = null;
    return true;
  }

  private rotate(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
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
        if (typeof e.log === 'string' && (e.stream === 'stdout' || e.stream === 'stderr')) out.push(validDropped(e));
      } catch {
        /* a line cut by a crash: skip it */
      }
    }
  }
  return out;
}

/** Keep a `dropped` note only if it has the shape the writer gives it. */
function validDropped(e: LogEntry): LogEntry {
  const d = e.dropped;
  if (d === undefined) return e;
  if (typeof d === 'object' && d !== null && Number.isInteger(d.lines) && typeof d.from === 'string' && typeof d.to === 'string' && typeof d.error === 'string') return e;
  const { dropped: _bad, ...rest } = e;
  return rest;
}
