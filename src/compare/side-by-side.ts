/**
 * Two outputs side by side, like `diff -y`: the lines are lined up by their longest common
 * subsequence, so one extra line on one side does not make every later line "different".
 *
 *   left column │ mark │ right column
 *
 * Marks: ' ' same line, '|' the line differs, '<' only on the left, '>' only on the right.
 * Pure functions (no I/O), so the unit tests can feed them strings.
 */

export type Mark = ' ' | '|' | '<' | '>';
export interface Row { left: string; right: string; mark: Mark }

/** Longest common subsequence table: cell [i][j] = LCS length of a[i..] and b[j..]. */
function lcsTable(a: readonly string[], b: readonly string[]): Uint32Array[] {
  const t = Array.from({ length: a.length + 1 }, () => new Uint32Array(b.length + 1));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      t[i][j] = a[i] === b[j] ? t[i + 1][j + 1] + 1 : Math.max(t[i + 1][j], t[i][j + 1]);
    }
  }
  return t;
}

/** Above this many lines the LCS table gets big: pair lines by position instead. */
const MAX_ALIGNED_LINES = 3000;

/** Line the two outputs up. A run of removed lines next to a run of added ones pairs up as '|'. */
export function alignLines(a: readonly string[], b: readonly string[]): Row[] {
  if (a.length > MAX_ALIGNED_LINES || b.length > MAX_ALIGNED_LINES) {
    const rows: Row[] = [];
    for (let i = 0; i < Math.max(a.length, b.length); i++) rows.push(pair(a[i], b[i]));
    return rows;
  }
  const t = lcsTable(a, b);
  const rows: Row[] = [];
  let onlyA: string[] = [];
  let onlyB: string[] = [];
  const flush = () => {
    for (let k = 0; k < Math.max(onlyA.length, onlyB.length); k++) rows.push(pair(onlyA[k], onlyB[k]));
    onlyA = [];
    onlyB = [];
  };
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      flush();
      rows.push({ left: a[i], right: b[j], mark: ' ' });
      i++;
      j++;
    } else if (j >= b.length || (i < a.length && t[i + 1][j] >= t[i][j + 1])) {
      onlyA.push(a[i++]);
    } else {
      onlyB.push(b[j++]);
    }
  }
  flush();
  return rows;
}

function pair(l: string | undefined, r: string | undefined): Row {
  if (l === undefined) return { left: '', right: r ?? '', mark: '>' };
  if (r === undefined) return { left: l, right: '', mark: '<' };
  return { left: l, right: r, mark: l === r ? ' ' : '|' };
}

/** Cut (or pad) a string to exactly `width` characters; a cut line ends with '…'. */
export function fit(s: string, width: number): string {
  const clean = s.replace(/\t/g, '  ').replace(/[\x00-\x08\x0b-\x1f\x7f]/g, '?');
  const chars = [...clean];
  if (chars.length > width) return chars.slice(0, Math.max(0, width - 1)).join('') + '…';
  return clean + ' '.repeat(width - chars.length);
}

/** Render rows under two titles in `width` terminal columns. */
export function renderSideBySide(rows: readonly Row[], titles: [string, string], width: number): string {
  const col = Math.max(10, Math.floor((width - 3) / 2)); // 3 = " X " gutter around the mark
  const line = (l: string, m: string, r: string) => `${fit(l, col)} ${m} ${fit(r, col)}`.trimEnd() + '\n';
  let out = line(titles[0], ' ', titles[1]);
  out += line('─'.repeat(col), ' ', '─'.repeat(col));
  for (const r of rows) out += line(r.left, r.mark, r.right);
  return out;
}

/** Split a program's output into lines (a final newline does not make an empty last line). */
export function toLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** The terminal's width (COLUMNS when not a terminal, e.g. in a pipe), 100 when unknown. */
export function terminalWidth(): number {
  const fromEnv = Number(process.env.COLUMNS);
  return process.stdout.columns || (Number.isInteger(fromEnv) && fromEnv > 20 ? fromEnv : 100);
}
