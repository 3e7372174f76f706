/** `mini-run top CONTAINER [ps OPTIONS]`: the container's processes as the host's `ps` shows them. */
import type { CommandModule } from 'yargs';
import { PARSER_CONFIG } from '../args';

type TopArgs = { container: string; psArgs?: (string | number)[] };

/** docker prints `top` through a tabwriter with minwidth 20 and padding 3 (wider than its tables). */
export function formatTopTable(rows: string[][]): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => { if (i < r.length - 1) widths[i] = Math.max(widths[i] ?? 0, c.length); });
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(Math.max(widths[i] + 3, 20)))).join('').trimEnd() + '\n').join('');
}

export const topCommand: CommandModule<object, TopArgs> = {
  command: 'top <container> [psArgs..]',
  describe: 'Display the running processes of a container ([ps OPTIONS] default: -ef)',
  // Everything after the container goes to ps: `top web -ef`, `top web aux`, `top web -o pid,comm`.
  builder: (y) => y.parserConfiguration({ ...PARSER_CONFIG, 'unknown-options-as-args': true }).strict(false) as any,
  handler: async (a) => {
    const { containerTop } = await import('../../engine/top');
    const psArgs = (a.psArgs ?? []).map(String);
    const top = containerTop(a.container, psArgs.length ? psArgs : ['-ef']);
    process.stdout.write(formatTopTable([top.titles, ...top.processes]));
  },
};
