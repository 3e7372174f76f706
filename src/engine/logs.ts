/**
 * `logs`: what the supervisor wrote to the container's json-file log, with docker's filters.
 */
import { existsSync, statSync, watchFile, unwatchFile } from 'node:fs';
import { paths } from '../paths';
import { UserError } from '../errors';
import { writeOut } from '../stdio';
import { logPath, readLogEntries, type LogEntry } from '../shim/json-log';
import { findContainer, isRunning, loadContainer } from './container-store';

export interface LogsOptions { follow: boolean; tail?: string; timestamps: boolean; since?: string; until?: string }

/** Docker accepts RFC 3339 times, Unix timestamps, and durations relative to now (10m, 1h30m). */
export function parseTimeArg(value: string, flag: string, now = Date.now()): number {
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
  const rel = /^(\d+(?:\.\d+)?(?:ns|us|ms|s|m|h))+$/.test(value);
  if (rel) {
    const unit: Record<string, number> = { ns: 1e-6, us: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
    let ms = 0;
    for (const m of value.matchAll(/(\d+(?:\.\d+)?)(ns|us|ms|s|m|h)/g)) ms += Number(m[1]) * unit[m[2]];
    return now - ms;
  }
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw new UserError(`invalid value for "${flag}": failed to parse value as time or duration: "${value}"`, 1);
  return t;
}

function select(entries: LogEntry[], o: LogsOptions): LogEntry[] {
  let out = entries;
  if (o.since) { const t = parseTimeArg(o.since, 'since'); out = out.filter((e) => Date.parse(e.time) >= t); }
  if (o.until) { const t = parseTimeArg(o.until, 'until'); out = out.filter((e) => Date.parse(e.time) <= t); }
  if (o.tail !== undefined && o.tail !== 'all') {
    const n = Number(o.tail);
    if (!Number.isInteger(n) || n < 0) throw new UserError(`invalid value for "tail": ${o.tail}`, 1);
    out = n === 0 ? [] : out.slice(-n);
  }
  return out;
}

/**
 * The entries, each on the stream it came from, in their order: consecutive entries of one
 * stream in one write of up to 64 kB (stdio.ts: no stream objects for a plain `logs`).
 */
function print(entries: LogEntry[], timestamps: boolean): void {
  let fd: 1 | 2 = 1;
  let text = '';
  for (const e of entries) {
    const to = e.dropped || e.stream !== 'stdout' ? 2 : 1;
    if (to !== fd || text.length > 65536) { // (a long log in pieces, not one more copy of it)
      writeOut(fd, text);
      fd = to;
      text = '';
    }
    // (a dropped entry is not the program's output: mini-run's note that the log could not take some of it)
    const d = e.dropped;
    text += d ? `mini-run: ${d.lines} line(s) of output were lost between ${d.from} and ${d.to}: the log could not be written (${d.error})\n`
      : timestamps ? `${e.time} ${e.log}` : e.log;
  }
  writeOut(fd, text);
}

export async function showLogs(ref: string, o: LogsOptions): Promise<void> {
  const rec = findContainer(ref);
  if (rec.hostConfig.LogConfig.Type === 'none') throw new UserError('configured logging driver does not support reading', 1);
  const file = logPath(paths.container(rec.id), rec.id);
  const entries = readLogEntries(file);
  print(select(entries, o), o.timestamps);
  if (!o.follow) return;
  // Follow: print new entries as the file grows, until the container stops.
  let seen = entries.length;
  await new Promise<void>((resolve) => {
    const check = () => {
      const all = existsSync(file) ? readLogEntries(file) : [];
      if (all.length < seen) seen = 0; // rotated under us
      print(all.slice(seen), o.timestamps);
      seen = all.length;
      let running = false;
      try { running = isRunning(loadContainer(rec.id)) || loadContainer(rec.id).state.Status === 'restarting'; } catch { running = false; }
      if (!running) {
        unwatchFile(file, check);
        clearInterval(timer);
        resolve();
      }
    };
    watchFile(file, { interval: 100 }, check);
    const timer = setInterval(check, 250);
    if (existsSync(file)) statSync(file);
  });
}
