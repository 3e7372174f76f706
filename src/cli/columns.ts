/**
 * docker's CLI column helpers: human sizes ("4.26MB"), relative times ("2 hours ago"), widths
 * and ellipsis as go-runewidth counts them, and Go's tabwriter as docker sets it up. Apart from
 * format.ts so that a table without --format (`ps`) does not load the template engine.
 */

const SIZE_UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB'];

/** docker's units.HumanSizeWithPrecision(n, 3): decimal units, 3 significant digits (units.HumanSize: 4). */
export function humanSize(bytes: number, precision = 3): string {
  let size = bytes;
  let i = 0;
  while (size >= 1000 && i < SIZE_UNITS.length - 1) {
    size /= 1000;
    i++;
  }
  return `${Number(size.toPrecision(precision))}${SIZE_UNITS[i]}`;
}

/** docker's units.HumanDuration: "Less than a second", "About a minute", "3 hours", "2 weeks"… */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < 1) return 'Less than a second';
  if (seconds === 1) return '1 second';
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.floor(seconds / 60);
  if (minutes === 1) return 'About a minute';
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.round(ms / 3_600_000);
  if (hours === 1) return 'About an hour';
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.floor(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.floor(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24 / 30)} months`;
  return `${Math.floor(ms / 3_600_000 / 24 / 365)} years`;
}

/** "2 hours ago" for an ISO timestamp; "N/A" when unknown (docker shows that for created=0). */
export function timeAgo(iso: string | undefined, now = Date.now()): string {
  const t = iso ? Date.parse(iso) : NaN;
  if (!Number.isFinite(t) || t <= 0) return 'N/A';
  return `${humanDuration(Math.max(0, now - t))} ago`;
}

/**
 * Columns aligned like Go's tabwriter as docker configures it (minwidth 10, padding 3):
 * every column but the last is padded to its widest cell + 3, and at least 10.
 */
export function formatTable(rows: string[][]): string {
  if (!rows.length) return '';
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => { widths[i] = Math.max(widths[i] ?? 0, c.length); });
  return rows
    .map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(Math.max(widths[i] + 3, 10)))).join('').trimEnd())
    .join('\n') + '\n';
}

/**
 * docker's `--format` escapes: the CLI turns a typed `\t` and `\n` (backslash + letter, as the
 * shell passes them) into a tab and a newline before parsing the template. Docker replaces them
 * everywhere; here only in the text between actions, because inside `{{ }}` a Go string literal
 * already understands `"\t"`, and a real newline there would be a syntax error.
 */
export function expandFormatEscapes(format: string): string {
  return format.split(/(\{\{[\s\S]*?\}\})/).map((part, i) => (i % 2 ? part : part.replace(/\\t/g, '\t').replace(/\\n/g, '\n'))).join('');
}


/**
 * Screen columns taken by a string, as go-runewidth (used by docker's tabwriter) counts them:
 * East Asian wide characters and most emoji take 2, combining marks 0, the rest 1.
 */
export function displayWidth(s: string): number {
  let w = 0;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (/\p{Mn}|\p{Me}|\u200b/u.test(ch)) continue;
    const wide = (c >= 0x1100 && c <= 0x115f) || (c >= 0x2e80 && c <= 0xa4cf && c !== 0x303f) || (c >= 0xac00 && c <= 0xd7a3)
      || (c >= 0xf900 && c <= 0xfaff) || (c >= 0xfe30 && c <= 0xfe4f) || (c >= 0xff00 && c <= 0xff60) || (c >= 0xffe0 && c <= 0xffe6)
      || (c >= 0x1f300 && c <= 0x1f64f) || (c >= 0x1f900 && c <= 0x1f9ff) || (c >= 0x20000 && c <= 0x3fffd);
    w += wide ? 2 : 1;
  }
  return w;
}

/**
 * docker's Ellipsis: cut `s` to `max` screen columns, the last one being "…". docker ps uses it
 * for COMMAND (20) and MOUNTS (15): `docker-entrypoint.sh nginx` → `docker-entrypoint.s…`.
 */
export function ellipsis(s: string, max: number): string {
  if (max <= 0) return '';
  const chars = [...s];
  if (max === 1) return chars[0] ?? '';
  if (displayWidth(s) <= max) return s;
  let out = '';
  let w = 0;
  for (const ch of chars) {
    const cw = displayWidth(ch);
    if (w + cw > max - 1) break;
    out += ch;
    w += cw;
  }
  return out + '…';
}

/**
 * Go's text/tabwriter as docker sets it up (minwidth 10, padding 3, spaces): the input is lines
 * of tab-*terminated* cells. Cells of one column in consecutive lines form a block padded to the
 * widest cell + 3 (at least 10 columns); the text after a line's last tab is not part of any
 * column and is not padded. Unlike formatTable, nothing is trimmed: this is byte for byte what
 * `docker ps --format 'table …'` prints.
 */
export function tabwrite(text: string, minWidth = 10, padding = 3): string {
  const lines = text.split('\n').map((l) => l.split('\t'));
  const out: string[] = [];
  const widths: number[] = [];
  const writeLines = (from: number, to: number) => {
    for (let i = from; i < to; i++) {
      out.push(lines[i].map((cell, j) => (j < widths.length ? cell + ' '.repeat(Math.max(0, widths[j] - displayWidth(cell))) : cell)).join(''));
    }
  };
  // Elastic tabstops: find the next block of lines that have a cell in column `widths.length`,
  // size it, then lay out the columns to its right inside the same block.
  const format = (line0: number, line1: number) => {
    const column = widths.length;
    let start = line0;
    for (let i = line0; i < line1; i++) {
      if (column >= lines[i].length - 1) continue;
      writeLines(start, i);
      let width = minWidth;
      let end = i;
      for (; end < line1 && column < lines[end].length - 1; end++) width = Math.max(width, displayWidth(lines[end][column]) + padding);
      widths.push(width);
      format(i, end);
      widths.pop();
      start = end;
      i = end; // line `end` has no cell in this column, so it needs no check (as in Go)
    }
    writeLines(start, line1);
  };
  format(0, lines.length);
  return out.join('\n');
}
