import { describe, expect, it } from 'vitest';
import { formatEvent, progressReporter } from '../../src/cli/progress';

/** A terminal-like sink: what a reporter writes, with a width. */
function sink(columns: number) {
  const chunks: string[] = [];
  return { out: { isTTY: true, columns, write: (s: string) => { chunks.push(s); return true; } } as unknown as NodeJS.WritableStream & { columns: number }, chunks };
}

/** Every row drawn: split at newlines and carriage returns, escape sequences removed. */
function rows(chunks: string[]): string[] {
  return chunks.join('').replace(/\x1b\[[0-9;]*[A-Za-z]/g, '').split(/[\r\n]/);
}

describe('pull progress on a terminal', () => {
  const id = 'c6a83fedfae6';
  const events = [
    { status: 'latest: Pulling from library/alpine' },
    { id, status: 'Pulling fs layer' },
    { id, status: 'Downloading', current: 1_040_000, total: 3_620_000 },
    { id, status: 'Download complete' },
  ];

  it('at 80 columns: byte counts without the bar, no row wider than the terminal', () => {
    const { out, chunks } = sink(80);
    const report = progressReporter(out, true);
    for (const e of events) report(e);
    expect(chunks.join('')).toContain(`${id}: Downloading   1.04MB/3.62MB`);
    expect(chunks.join('')).not.toContain('[=');
    for (const r of rows(chunks)) expect(r.length).toBeLessThanOrEqual(80);
  });

  it('above 110 columns: docker\'s bar', () => {
    expect(formatEvent(events[2], 120)).toBe(`${id}: Downloading [${'='.repeat(14)}>${' '.repeat(35)}]   1.04MB/3.62MB`);
    expect(formatEvent(events[2], 110)).toBe(`${id}: Downloading   1.04MB/3.62MB`);
  });

  it('a layer line longer than the terminal is cut to one row; a long plain line counts the rows it wraps to', () => {
    const { out, chunks } = sink(30);
    const report = progressReporter(out, true);
    report({ id, status: 'Downloading', current: 1, total: 2 }); // row 0, cut
    report({ status: 'x'.repeat(45) });                             // rows 1-2
    report({ id, status: 'Pull complete' });
    const text = chunks.join('');
    expect(chunks[0].length - 1).toBeLessThanOrEqual(29);
    // Back up three rows (two for the wrapped line, one for the layer's own), not two.
    expect(chunks[2]).toBe(`\x1b[3A\x1b[2K\r${id}: Pull complete\x1b[3B\r`);
    expect(text).toContain('x'.repeat(45));
  });

  it('not a terminal: one plain line per status, no byte counts', () => {
    const chunks: string[] = [];
    const report = progressReporter({ write: (s: string) => { chunks.push(s); return true; } } as unknown as NodeJS.WritableStream, false);
    for (const e of events) report(e);
    expect(chunks.join('')).toBe(`latest: Pulling from library/alpine\n${id}: Pulling fs layer\n${id}: Download complete\n`);
  });
});
