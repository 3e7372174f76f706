/**
 * `mini-run stats [OPTIONS] [CONTAINER...]`: a live table of what containers use, like
 * `docker stats` — running containers by default, `-a` for all, `--no-stream` for one table.
 * The numbers and why they are computed that way: src/engine/stats.ts.
 */
import type { CommandModule } from 'yargs';
import { UserError } from '../../errors';
import { renderFormat } from '../format';
import { DEFAULT_STATS_FORMAT, STATS_HEADERS, statsRow, type StatsRow } from '../stats-format';
import { PARSER_CONFIG } from '../args';

type StatsArgs = { containers?: string[]; all?: boolean; 'no-stream'?: boolean; format?: string; 'no-trunc'?: boolean };

/** Clear the screen and move the cursor home, as docker does before each redraw on a terminal. */
const CLEAR = '\x1b[2J\x1b[H';
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Rows → text for `--format` (table [TEMPLATE] | json | TEMPLATE), with docker's formatter rules. */
export function renderStats(format: string | undefined, rows: StatsRow[]): string {
  const f = format === undefined || format === '' || format === 'table' ? DEFAULT_STATS_FORMAT : format;
  try {
    return renderFormat(f, rows, { header: STATS_HEADERS, strict: true });
  } catch (e) {
    throw new UserError((e as Error).message, 1); // a bad template: one line, exit 1, like docker
  }
}

export const statsCommand: CommandModule<object, StatsArgs> = {
  command: 'stats [containers..]',
  describe: 'Display a live stream of container(s) resource usage statistics',
  builder: (y) =>
    y
      // docker's flags are literally --no-stream and --no-trunc: not "--stream" negated.
      .parserConfiguration(PARSER_CONFIG)
      .option('all', { alias: 'a', type: 'boolean', describe: 'Show all containers (default shows just running)' })
      .option('no-stream', { type: 'boolean', describe: 'Disable streaming stats and only pull the first result' })
      .option('format', { type: 'string', describe: 'Format output using a custom template: "table", "table TEMPLATE", "json" or a Go template' })
      .option('no-trunc', { type: 'boolean', describe: 'Do not truncate output' }) as any,
  handler: async (a) => {
    const { findContainer, listContainers, loadContainer, isRunning } = await import('../../engine/container-store');
    const { sampleContainer, statsEntry } = await import('../../engine/stats');
    type Sample = ReturnType<typeof sampleContainer>;

    // Named containers must all exist (docker fails at once); they are shown even when stopped.
    const named = (a.containers ?? []).map((ref) => ({ ref, id: findContainer(ref).id }));
    const targets = (): { label: string; rec: ReturnType<typeof loadContainer> }[] => {
      if (named.length) {
        const out = [];
        for (const n of named) {
          try { out.push({ label: n.ref, rec: loadContainer(n.id) }); } catch { /* removed meanwhile */ }
        }
        return out;
      }
      return listContainers()
        .filter((r) => a.all || isRunning(r))
        .sort((x, y) => y.created.localeCompare(x.created))
        .map((rec) => ({ label: rec.id.slice(0, 12), rec }));
    };
    const sampleAll = () => targets().map((t) => ({ label: t.label, sample: sampleContainer(t.rec) }));
    const table = (prev: Map<string, Sample>, cur: { label: string; sample: Sample }[]) =>
      renderStats(a.format, cur.map((c) => statsRow(statsEntry(prev.get(c.sample.id), c.sample), c.label, !!a['no-trunc'])));
    const remember = (cur: { sample: Sample }[]) => new Map(cur.map((c) => [c.sample.id, c.sample]));

    renderStats(a.format, []); // a bad --format fails now, not after the first sample

    // CPU % needs two readings: the first line comes ~0.5 s after the start, like docker's.
    let prev = remember(sampleAll());
    await sleep(500);
    if (a['no-stream']) {
      process.stdout.write(table(prev, sampleAll()));
      return;
    }
    process.stdout.on('error', () => process.exit(0)); // e.g. `| head`: the reader went away
    const tty = process.stdout.isTTY;
    for (;;) {
      const started = Date.now();
      const cur = sampleAll();
      process.stdout.write((tty ? CLEAR : '') + table(prev, cur));
      prev = remember(cur);
      await sleep(Math.max(0, 1000 - (Date.now() - started)));
    }
  },
};
