/**
 * The event journal behind `mini-run events`: what happened to containers, images, networks
 * and volumes, one JSON line each in ROOT/events.jsonl, in Docker's event shape
 * (`Type`, `Action`, `Actor.ID`, `Actor.Attributes`, `time`, `timeNano`).
 *
 * Docker's daemon keeps its events in memory and streams them; mini-run has no daemon, so
 * every command that changes something appends its line (O_APPEND: a line written by one
 * write(2) is never interleaved with another's), and `events` reads — and follows — the file.
 * The journal is kept short: past MAX_BYTES the older half goes, as Docker keeps the last 256.
 * Recording an event never makes the command itself fail.
 */
import { appendFileSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { paths } from './paths';
import { lazy } from './lazy';

export type EventType = 'container' | 'image' | 'network' | 'volume';

// The schema (zod) lives in events-schema.ts, loaded only by readEvents: a command that only
// records its events (every `run`) does not load zod for them (lazy.ts).
export type { EventRecord } from './events-schema';
import type { EventRecord } from './events-schema';
const schemas = lazy(() => require('./events-schema') as typeof import('./events-schema'));

const MAX_BYTES = 1 << 20;

export const eventsFile = () => join(paths.root(), 'events.jsonl');

/** Append one event. Best effort: a full disk or a read-only root loses the event, not the command. */
export function recordEvent(type: EventType, action: string, id: string, attributes: Record<string, string> = {}): void {
  const nowMs = Date.now();
  const ev: EventRecord = {
    ...(type === 'container' || type === 'image' ? { status: action, id, ...(attributes.image ? { from: attributes.image } : {}) } : {}),
    Type: type, Action: action, Actor: { ID: id, Attributes: attributes }, scope: 'local',
    time: Math.floor(nowMs / 1000), timeNano: nowMs * 1e6 + Number(process.hrtime.bigint() % 1_000_000n),
  };
  try {
    const file = eventsFile();
    appendFileSync(file, JSON.stringify(ev) + '\n', { mode: 0o600 });
    if (statSync(file).size > MAX_BYTES) trimJournal(file);
  } catch { /* best effort */ }
}

function trimJournal(file: string): void {
  const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
  writeFileSync(file, lines.slice(Math.floor(lines.length / 2)).join('\n') + '\n', { mode: 0o600 });
}

/** Events from byte `offset` on (the journal read from where the last read stopped); bad lines skipped. */
export function readEvents(offset = 0): { events: EventRecord[]; end: number } {
  let text: string;
  try {
    text = readFileSync(eventsFile(), 'utf8');
  } catch {
    return { events: [], end: 0 };
  }
  const buf = Buffer.from(text);
  if (offset > buf.length) offset = 0; // trimmed meanwhile
  const chunk = buf.subarray(offset).toString('utf8');
  const complete = chunk.lastIndexOf('\n') + 1; // a line still being written waits for the next read
  const events: EventRecord[] = [];
  const schema = schemas().EventRecord;
  for (const line of chunk.slice(0, complete).split('\n')) {
    if (!line) continue;
    try {
      const r = schema.safeParse(JSON.parse(line));
      if (r.success) events.push(r.data);
    } catch { /* a torn line */ }
  }
  return { events, end: offset + Buffer.byteLength(chunk.slice(0, complete)) };
}
