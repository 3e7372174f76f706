/**
 * `mini-run events [--since T] [--until T] [--filter KEY=VALUE] [--format T]`: what happened to
 * containers, images and networks, in Docker's lines:
 *   2026-12-04T18:46:00.123456789Z container start 1f2e… (image=busybox, name=web)
 * Without --until it keeps following the journal (src/events.ts) until Ctrl-C, as Docker's
 * does; without --since it shows only what happens from now on.
 */
import type { CommandModule } from 'yargs';
import { UserError } from '../../errors';
import { listOption } from '../args';
import type { EventRecord } from '../../events';
import { isoTime } from '../../utc-time';

type Args = { since?: string; until?: string; filter?: unknown; format?: string };

/** Docker's time arguments: RFC 3339 (or a date), Unix seconds (fractions allowed), or a duration before now (10m, 1h30m). */
export function parseEventTime(value: string, flag: string, now = Date.now()): number {
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v) * 1000;
  const dur = /^((\d+(\.\d+)?)(h|m|s|ms))+$/.test(v) ? [...v.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)] : null;
  if (dur) return now - dur.reduce((ms, [, n, u]) => ms + Number(n) * { h: 3_600_000, m: 60_000, s: 1000, ms: 1 }[u as 'h']!, 0);
  const t = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T00:00:00Z` : v);
  if (Number.isNaN(t)) throw new UserError(`invalid value for "${flag}": failed to parse value as time or duration: "${value}"`, 125);
  return t;
}

const FILTER_KEYS = ['container', 'event', 'image', 'network', 'type', 'label', 'volume'];

/** --filter KEY=VALUE (several values of one key: any; different keys: all), as Docker's events filters. */
export function eventFilter(filters: string[]): (e: EventRecord) => boolean {
  const wanted = new Map<string, string[]>();
  for (const f of filters) {
    const i = f.indexOf('=');
    if (i < 1) throw new UserError(`bad format of filter (expected name=value)`, 125);
    const key = f.slice(0, i);
    if (!FILTER_KEYS.includes(key)) throw new UserError(`Error response from daemon: Invalid filter '${key}'`, 1);
    wanted.set(key, [...(wanted.get(key) ?? []), f.slice(i + 1)]);
  }
  const matchId = (id: string, name: string | undefined, v: string) => id === v || (v.length >= 1 && /^[0-9a-f]+$/.test(v) && id.startsWith(v)) || name === v;
  return (e) => [...wanted].every(([key, values]) => values.some((v) => {
    const a = e.Actor.Attributes;
    switch (key) {
      case 'type': return e.Type === v;
      case 'event': return e.Action === v;
      case 'container': return (e.Type === 'container' && matchId(e.Actor.ID, a.name, v)) || (a.container !== undefined && a.container.startsWith(v));
      case 'image': return a.image === v || (e.Type === 'image' && (e.Actor.ID === v || a.name === v));
      case 'network': return e.Type === 'network' && matchId(e.Actor.ID, a.name, v);
      case 'volume': return e.Type === 'volume' && matchId(e.Actor.ID, a.name, v);
      default: return v.includes('=') ? a[v.slice(0, v.indexOf('='))] === v.slice(v.indexOf('=') + 1) : a[v] !== undefined;
    }
  }));
}

/** Docker's default line: time with nanoseconds, type, action, actor id, attributes sorted by key. */
export function eventLine(e: EventRecord): string {
  const iso = isoTime(Math.floor(e.timeNano / 1e6)).replace(/\.\d{3}Z$/, '');
  const nanos = String(e.timeNano % 1e9).padStart(9, '0');
  const attrs = Object.keys(e.Actor.Attributes).sort().map((k) => `${k}=${e.Actor.Attributes[k]}`).join(', ');
  return `${iso}.${nanos}Z ${e.Type} ${e.Action} ${e.Actor.ID}${attrs ? ` (${attrs})` : ''}`;
}

export const eventsCommand: CommandModule<object, Args> = {
  command: 'events',
  describe: 'Get real time events from the server',
  builder: (y) => y.usage('Usage: mini-run events [OPTIONS]')
    .option('since', { type: 'string', describe: 'Show all events created since timestamp' })
    .option('until', { type: 'string', describe: 'Stream events until this timestamp' })
    .option('filter', { alias: 'f', type: 'string', describe: 'Filter output based on conditions provided (container=, event=, image=, network=, type=)' })
    .option('format', { type: 'string', describe: 'Format the output using the given Go template' }) as never,
  handler: async (a) => {
    const { readEvents } = await import('../../events');
    const now = Date.now();
    const since = a.since === undefined ? null : parseEventTime(String(a.since), '--since', now);
    const until = a.until === undefined ? null : parseEventTime(String(a.until), '--until', now);
    const keep = eventFilter(listOption(a.filter));
    const render = a.format === undefined ? eventLine : await (async () => {
      const { renderFormat } = await import('../format');
      const fmt = String(a.format);
      return (e: EventRecord) => renderFormat(fmt, [e]).replace(/\n$/, '');
    })();
    const inWindow = (e: EventRecord) => {
      const ms = e.timeNano / 1e6;
      return (since === null || ms >= since) && (until === null || ms <= until);
    };
    const show = (events: EventRecord[]) => {
      const out = events.filter((e) => inWindow(e) && keep(e)).map((e) => render(e) + '\n').join('');
      if (out) process.stdout.write(out);
    };
    let { events, end } = readEvents();
    if (since !== null) show(events);
    // --until in the past: done. Otherwise follow the journal (until the --until time, or Ctrl-C).
    while (until === null || Date.now() <= until) {
      await new Promise((r) => setTimeout(r, 200));
      ({ events, end } = readEvents(end));
      show(events);
    }
  },
};
