/** `events`' own parsing and printing: Docker's time arguments, filters and default line. */
import { describe, expect, it } from 'vitest';
import { eventFilter, eventLine, parseEventTime } from '../../src/cli/commands/events';
import type { EventRecord } from '../../src/events';

const ev = (o: Partial<EventRecord> & { attrs?: Record<string, string> }): EventRecord => ({
  Type: o.Type ?? 'container', Action: o.Action ?? 'start', Actor: { ID: o.Actor?.ID ?? 'ab'.repeat(32), Attributes: o.attrs ?? { image: 'busybox', name: 'web' } },
  scope: 'local', time: 1764873960, timeNano: 1764873960123456789,
});

describe('events', () => {
  it('reads times as Docker does: Unix seconds, RFC 3339 or a date, a duration before now', () => {
    const now = Date.parse('2026-12-04T18:00:00Z');
    expect(parseEventTime('1764873960.5', '--since', now)).toBe(1764873960500);
    expect(parseEventTime('2026-12-04T17:00:00Z', '--since', now)).toBe(now - 3_600_000);
    expect(parseEventTime('2026-12-04', '--since', now)).toBe(Date.parse('2026-12-04T00:00:00Z'));
    expect(parseEventTime('1h30m', '--since', now)).toBe(now - 5_400_000);
    expect(() => parseEventTime('soon', '--until', now)).toThrow(/failed to parse value as time or duration: "soon"/);
  });

  it('prints Docker\'s line: nanosecond time, type, action, id, attributes sorted', () => {
    expect(eventLine(ev({}))).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z container start (ab){32} \(image=busybox, name=web\)$/);
  });

  it('filters: values of one key are alternatives, different keys must all match; unknown keys refused', () => {
    const f = eventFilter(['event=start', 'event=die', 'container=web']);
    expect(f(ev({ Action: 'die' }))).toBe(true);
    expect(f(ev({ Action: 'create' }))).toBe(false);
    expect(f(ev({ attrs: { name: 'db' } }))).toBe(false);
    expect(eventFilter(['container=abab'])(ev({}))).toBe(true); // an id prefix
    expect(eventFilter(['type=network'])(ev({}))).toBe(false);
    expect(() => eventFilter(['bogus=1'])).toThrow(/Invalid filter 'bogus'/);
  });
});
