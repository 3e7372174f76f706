/**
 * Pull (and push) progress, drawn like docker's CLI draws its JSON messages:
 *
 *   on a terminal: one line per layer, rewritten in place as its status changes
 *     c6a83fedfae6: Downloading [=======>                                           ]  1.04MB/3.62MB
 *   otherwise: one plain line per status change, without the byte counts (a log file
 *   should not get a line per 100 ms of download).
 */
import type { PullEvent, PullReporter } from '../image/pull';
import { humanSize } from './format';

const BAR_WIDTH = 50;

/** docker's progress bar: "[====>     ]  1.04MB/3.62MB". */
export function progressBar(current: number, total: number): string {
  if (!(total > 0)) return humanSize(current);
  const filled = Math.max(0, Math.min(BAR_WIDTH, Math.floor((current / total) * BAR_WIDTH)));
  const bar = filled >= BAR_WIDTH ? '='.repeat(BAR_WIDTH) + '>' : '='.repeat(filled) + '>' + ' '.repeat(BAR_WIDTH - filled - 1);
  return `[${bar}] ${humanSize(current).padStart(8)}/${humanSize(total)}`;
}

export function formatEvent(e: PullEvent, withBar: boolean): string {
  const bar = withBar && e.current !== undefined && e.total !== undefined ? ' ' + progressBar(e.current, e.total) : '';
  return `${e.id ? `${e.id}: ` : ''}${e.status}${bar}`;
}

/** A reporter writing to `out` (stdout for `pull`, stderr during `run`). */
export function progressReporter(out: NodeJS.WritableStream & { isTTY?: boolean }, tty = !!out.isTTY): PullReporter {
  if (!tty) {
    return (e) => {
      if (e.current !== undefined && (e.status === 'Downloading' || e.status === 'Extracting' || e.status === 'Pushing')) return;
      out.write(formatEvent(e, false) + '\n');
    };
  }
  const lines = new Map<string, number>(); // layer id → its line number (0 = first line we drew)
  let count = 0;
  return (e) => {
    const text = formatEvent(e, true);
    if (!e.id) {
      out.write(text + '\n');
      count++;
      return;
    }
    const at = lines.get(e.id);
    if (at === undefined) {
      lines.set(e.id, count++);
      out.write(text + '\n');
      return;
    }
    // Up to the layer's line, clear it, write, back down (ESC[nA / ESC[2K / ESC[nB).
    const up = count - at;
    out.write(`\x1b[${up}A\x1b[2K\r${text}\x1b[${up}B\r`);
  };
}

export const quietReporter: PullReporter = () => undefined;
