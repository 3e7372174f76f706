/**
 * A time as Date's toISOString() writes it (`2026-12-06T07:21:05.123Z`), from the UTC fields.
 *
 * Why not toISOString itself: V8's first toISOString() in a process loads the time-zone data
 * (ICU reads /etc/localtime and follows its links) although the result is UTC — ≈ 1–2 ms, and
 * `run` writes its first time (the record's Created) on its critical path. The getUTC* fields
 * need no time zone. Years outside 0–9999 (never now) and an invalid time (a RangeError, as
 * toISOString's) go to toISOString.
 *
 * The one way src/ writes a time: a record's, an event's, a log line's, and the CLI's views of
 * them. `time` is ms since the epoch (Date.now()'s) or a Date (read, not changed).
 */
export function isoTime(time: number | Date = Date.now()): string {
  const d = typeof time === 'number' ? new Date(time) : time;
  const y = d.getUTCFullYear();
  if (!(y >= 0 && y <= 9999)) return d.toISOString();
  return `${pad(y, 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}T${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}.${pad(d.getUTCMilliseconds(), 3)}Z`;
}

const pad = (n: number, width: number): string => String(n).padStart(width, '0');
