/**
 * Pull (and push) progress, drawn like docker's CLI draws its JSON messages:
 *
 *   on a terminal: one line per layer, rewritten in place as its status changes, never wider
 *   than the terminal; the bar only above 110 columns, as docker:
 *     c6a83fedfae6: Downloading [=======>                                           ]  1.04MB/3.62MB
 *     c6a83fedfae6: Downloading  1.04MB/3.62MB                      (80 columns)
 *   otherwise: one plain line per status change, without the byte counts (a log file
 *   should not get a line per 100 ms of download).
 */
import type { PullEvent, PullReporter } from '../image/pull';
import { humanSize } from './columns';

const BAR_WIDTH = 50;
/** docker draws the bar only on a terminal wider than 110 columns (its jsonmessage package). */
const BAR_MIN_COLUMNS = 111;

/**
 * docker's progress: "[====>     ]  1.04MB/3.62MB" with the bar, " 1.04MB/3.62MB" without
 * (narrow terminals), the size alone when the total is unknown.
 */
export function progressBar(current: number, total: number, withBar = true): string {
  if (!(total > 0)) return humanSize(current);
  const numbers = `${humanSize(current).padStart(8)}/${humanSize(total)}`;
  if (!withBar) return numbers;
  const filled = Math.max(0, Math.min(BAR_WIDTH, Math.floor((current / total) * BAR_WIDTH)));
  const bar = filled >= BAR_WIDTH ? '='.repeat(BAR_WIDTH) + '>' : '='.repeat(filled) + '>' + ' '.repeat(BAR_WIDTH - filled - 1);
  return `[${bar}] ${numbers}`;
}

/** One event as a line; `columns` (a terminal's width) adds the byte counts, and the bar if wide enough. */
export function formatEvent(e: PullEvent, columns?: number): string {
  const progress = columns !== undefined && e.current !== undefined && e.total !== undefined
    ? ' ' + progressBar(e.current, e.total, columns >= BAR_MIN_COLUMNS) : '';
  return `${e.id ? `${e.id}: ` : ''}${e.status}${progress}`;
}

/** The terminal's width now (it may be resized while we draw); 80 when it does not say. */
function columnsOf(out: { columns?: number }): number {
  return out.columns && out.columns > 0 ? out.columns : 80;
}

/** A reporter writing to `out` (stdout for `pull`, stderr during `run`). */
export function progressReporter(out: NodeJS.WritableStream & { isTTY?: boolean; columns?: number }, tty = !!out.isTTY): PullReporter {
  if (!tty) {
    return (e) => {
      if (e.current !== undefined && (e.status === 'Downloading' || e.status === 'Extracting' || e.status === 'Pushing')) return;
      out.write(formatEvent(e) + '\n');
    };
  }
  // Lines are redrawn by moving the cursor up N rows, so N must count rows, not lines: a layer's
  // line is cut to fit one row (a wrapped line would take two and every later redraw lands one
  // row off), and a plain line that wraps counts for the rows it takes.
  const lines = new Map<string, number>(); // layer id → its row (0 = first row we drew)
  let rows = 0;
  return (e) => {
    const columns = columnsOf(out);
    const text = formatEvent(e, columns);
    if (!e.id) {
      out.write(text + '\n');
      rows += Math.max(1, Math.ceil(text.length / columns));
      return;
    }
    const fitted = text.length >= columns ? text.slice(0, columns - 1) : text;
    const at = lines.get(e.id);
    if (at === undefined) {
      lines.set(e.id, rows++);
      out.write(fitted + '\n');
      return;
    }
    // Up to the layer's row, clear it, write, back down (ESC[nA / ESC[2K / ESC[nB).
    const up = rows - at;
    out.write(`\x1b[${up}A\x1b[2K\r${fitted}\x1b[${up}B\r`);
  };
}

export const quietReporter: PullReporter = () => undefined;
