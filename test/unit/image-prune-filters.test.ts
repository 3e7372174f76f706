/**
 * `image prune --filter`, as dockerd reads it: until (created strictly before), label=K[=V],
 * label!=K[=V], dangling=false as -a; every filter must hold; another key is refused.
 */
import { describe, expect, it } from 'vitest';
import { PRUNE_KEYS, imagePruneWanted, parsePruneFilters } from '../../src/cli/image-prune-filters';
import type { StoredImage } from '../../src/image/image-index';

const now = Date.parse('2026-12-05T04:00:00Z');
const f = (...v: string[]) => parsePruneFilters(v, now);

describe('image prune --filter', () => {
  it('until: an RFC 3339 time, Unix seconds or a duration back from now; created strictly before it', () => {
    expect(f('until=24h').matches('2026-12-04T03:59:59Z', {})).toBe(true);
    expect(f('until=24h').matches('2026-12-04T04:00:00Z', {})).toBe(false);
    expect(f('until=2026-12-01T00:00:00Z').matches('2026-11-30T23:59:59.5Z', {})).toBe(true);
    expect(f(`until=${Date.parse('2026-12-01T00:00:00Z') / 1000}`).matches('2026-12-01T00:00:01Z', {})).toBe(false);
    expect(f('until=1h').matches(undefined, {})).toBe(true); // no time: Go's zero time, before any until
  });

  it('label=K, label=K=V, label!=K, label!=K=V; all of them must hold', () => {
    const labels = { team: 'blue', tier: 'db' };
    expect(f('label=team').matches(undefined, labels)).toBe(true);
    expect(f('label=team=red').matches(undefined, labels)).toBe(false);
    expect(f('label!=team=red').matches(undefined, labels)).toBe(true);
    expect(f('label!=tier').matches(undefined, labels)).toBe(false);
    expect(f('label=team=blue', 'label=tier=db').matches(undefined, labels)).toBe(true);
    expect(f('label=team=blue', 'until=1h').matches('2026-12-05T03:30:00Z', labels)).toBe(false);
    expect(f('label=team').needsLabels).toBe(true);
    expect(f('until=1h').needsLabels).toBe(false);
  });

  it('dangling=false takes tagged images too (as -a); other keys and bad values: one line, exit 1', () => {
    expect(f('dangling=false').all).toBe(true);
    expect(f('dangling=true').all).toBe(false);
    expect(() => f('bogus=1')).toThrow(/^Invalid filter 'bogus'$/);
    expect(() => f('dangling=maybe')).toThrow(/^Invalid filter 'dangling=maybe'$/);
    expect(() => f('until=soon')).toThrow(/^failed to parse value as time or duration: "soon"$/);
    let code: number | undefined;
    try { f('bogus'); } catch (e) { code = (e as { exitCode: number }).exitCode; }
    expect(code).toBe(1);
  });

  it('each prune takes its own keys, as dockerd: containers and networks until and label; volumes label and all', () => {
    const keys = (kind: keyof typeof PRUNE_KEYS, ...v: string[]) => parsePruneFilters(v, now, PRUNE_KEYS[kind]);
    expect(keys('container', 'until=1h', 'label=a', 'label!=b').matches('2026-12-05T02:00:00Z', { a: '1' })).toBe(true);
    expect(() => keys('container', 'dangling=true')).toThrow(/^Invalid filter 'dangling'$/);
    expect(() => keys('network', 'all=true')).toThrow(/^Invalid filter 'all'$/);
    expect(() => keys('volume', 'until=1h')).toThrow(/^Invalid filter 'until'$/);
    expect(keys('volume', 'all=true').all).toBe(true);
    expect(keys('volume', 'all=0').all).toBe(false);
    expect(() => keys('volume', 'all=maybe')).toThrow(/^Invalid filter 'all=maybe'$/);
    expect(() => keys('image', 'all=true')).toThrow(/^Invalid filter 'all'$/);
  });
});

describe('imagePruneWanted: the one rule image prune and system prune apply', () => {
  const img = (created: string, labels: Record<string, string>) => ({ created, labels } as unknown as StoredImage);
  const labelsOf = (i: StoredImage) => (i as unknown as { labels: Record<string, string> }).labels;

  it('reads an image\'s labels only when a label filter asks, and applies until and label together', () => {
    const read: StoredImage[] = [];
    const counting = (i: StoredImage) => { read.push(i); return labelsOf(i); };
    const byTime = imagePruneWanted(f('until=1h'), counting);
    expect([byTime(img('2026-12-05T02:00:00Z', {})), byTime(img('2026-12-05T03:30:00Z', {}))]).toEqual([true, false]);
    expect(read).toEqual([]);
    const both = imagePruneWanted(f('until=1h', 'label=team=blue'), counting);
    expect([
      both(img('2026-12-05T02:00:00Z', { team: 'blue' })), both(img('2026-12-05T02:00:00Z', { team: 'red' })),
      both(img('2026-12-05T03:30:00Z', { team: 'blue' })),
    ]).toEqual([true, false, false]);
    expect(read.length).toBe(3);
  });
});
