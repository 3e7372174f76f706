import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { isoTime } from '../../src/utc-time';

// isoTime: what Date's toISOString() writes, without its time-zone load (src/utc-time.ts).
describe('isoTime', () => {
  it('writes what toISOString writes, for now and for times from year 0 to 9999', () => {
    const times = [Date.now(), 0, 1, 999, 1000, -1, Date.UTC(2000, 1, 29, 23, 59, 59, 999), Date.UTC(9999, 11, 31, 23, 59, 59, 999),
      new Date('0000-01-01T00:00:00.000Z').getTime(), new Date('0099-12-31T12:00:00.005Z').getTime()];
    for (let i = 0; i < 2000; i++) times.push(Math.floor(Math.random() * 253402300800000)); // 1970 … 9999
    for (const t of times) expect([t, isoTime(t)]).toEqual([t, new Date(t).toISOString()]);
    expect(isoTime()).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });
  it('leaves years outside 0–9999 and an invalid time to toISOString (a RangeError for the latter)', () => {
    const far = new Date('+010000-01-01T00:00:00.000Z').getTime();
    expect(isoTime(far)).toBe('+010000-01-01T00:00:00.000Z');
    expect(isoTime(new Date('-000001-06-01T00:00:00.000Z').getTime())).toBe('-000001-06-01T00:00:00.000Z');
    expect(() => isoTime(NaN)).toThrow(RangeError);
  });
  it('takes a Date as well as ms, writes what its toISOString writes and leaves it unchanged', () => {
    const times = [Date.now(), 0, -1, Date.UTC(2000, 1, 29, 23, 59, 59, 999), Date.UTC(9999, 11, 31, 23, 59, 59, 999),
      new Date('0000-01-01T00:00:00.000Z').getTime(), new Date('+010000-01-01T00:00:00.000Z').getTime()];
    for (let i = 0; i < 200; i++) times.push(Math.floor(Math.random() * 253402300800000));
    for (const t of times) {
      const d = new Date(t);
      expect([t, isoTime(d)]).toEqual([t, d.toISOString()]);
      expect(d.getTime()).toBe(t);
    }
    expect(() => isoTime(new Date(NaN))).toThrow(RangeError);
  });
  it('is the one way src/ writes a time: no other file calls toISOString', () => {
    const src = resolve(__dirname, '..', '..', 'src');
    const files = (dir: string): string[] => readdirSync(dir).flatMap((n) => {
      const p = join(dir, n);
      return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
    });
    const callers = files(src).filter((f) => /\.toISOString\s*\(/.test(readFileSync(f, 'utf8'))).map((f) => relative(src, f));
    expect(callers).toEqual(['utc-time.ts']);
  });
});
