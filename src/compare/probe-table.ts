/**
 * The `compare --probe` table: probe | mini-run | OTHER | same/different | reason, each cell
 * word-wrapped inside its column so the table fits the terminal.
 */
import type { ProbeResult } from './probes';

/** Break text into lines of at most `width` characters, at spaces when possible. */
export function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  for (const para of text.split('\n')) {
    let line = '';
    for (const word of para.split(' ')) {
      let w = word;
      while (w.length > width) { // a word longer than the column: cut it
        if (line) { out.push(line); line = ''; }
        out.push(w.slice(0, width));
        w = w.slice(width);
      }
      if (!line) line = w;
      else if (line.length + 1 + w.length <= width) line += ' ' + w;
      else { out.push(line); line = w; }
    }
    out.push(line);
  }
  return out;
}

/** At most this many lines of a value in the table (long lists such as mounts are cut). */
const MAX_VALUE_LINES = 4;

function valueCell(items: string[], width: number): string[] {
  const w = wrap(items.join(', ') || '(nothing)', width);
  if (w.length <= MAX_VALUE_LINES) return w;
  return [...w.slice(0, MAX_VALUE_LINES - 1), `… (${items.length} items)`];
}

export function verdict(r: ProbeResult): string {
  if (r.same) return 'same';
  return 'different';
}

function reasonText(r: ProbeResult): string {
  if (r.same) return '';
  return r.reason ?? 'unexplained: not a difference mini-run knows about';
}

/** The whole table as text, `width` columns wide. */
export function renderProbeTable(results: readonly ProbeResult[], otherTitle: string, width: number): string {
  const nameW = Math.max(5, ...results.map((r) => r.name.length));
  const verdictW = 'different'.length;
  const free = Math.max(45, width - nameW - verdictW - 4 * 3);
  const valueW = Math.floor(free * 0.27);
  const reasonW = free - 2 * valueW;
  const widths = [nameW, valueW, valueW, verdictW, reasonW];
  const rowText = (cells: string[][]) => {
    const height = Math.max(...cells.map((c) => c.length));
    let s = '';
    for (let i = 0; i < height; i++) {
      s += cells.map((c, k) => (c[i] ?? '').padEnd(widths[k])).join(' │ ').replace(/[ │]+$/, '') + '\n'; // no border after the last filled cell
    }
    return s;
  };
  let out = rowText([['probe'], ['mini-run'], [otherTitle], ['same?'], ['reason when different']]);
  out += widths.map((w) => '─'.repeat(w)).join('─┼─') + '\n';
  for (const r of results) {
    out += rowText([[r.name], valueCell(r.mini, valueW), valueCell(r.other, valueW), [verdict(r)], wrap(reasonText(r), reasonW)]);
  }
  return out;
}

/** "9 probes: 6 same, 3 different (3 explained, 0 unexplained)" */
export function probeSummary(results: readonly ProbeResult[]): string {
  const same = results.filter((r) => r.same).length;
  const diff = results.length - same;
  const unexplained = results.filter((r) => !r.same && !r.reason).length;
  return `${results.length} probes: ${same} same, ${diff} different (${diff - unexplained} explained, ${unexplained} unexplained)`;
}
