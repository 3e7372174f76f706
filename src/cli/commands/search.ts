/** `mini-run search [--limit N] [--filter …] [--no-trunc] [--format …] TERM` (docker's columns). */
import type { Argv, CommandModule } from 'yargs';
import { UserError } from '../../errors';
import { listOption } from '../args';

export const searchCommand: CommandModule<object, any> = {
  command: 'search <term>',
  describe: 'Search Docker Hub for images (REGISTRY/TERM: that registry\'s catalog; without Docker Hub, the mirror\'s)',
  builder: (y: Argv) => y
    .option('limit', { type: 'number', default: 25, describe: 'Max number of search results' })
    .option('filter', { alias: 'f', type: 'string', describe: 'Filter output based on conditions provided (is-official=, is-automated=, stars=)' })
    .option('no-trunc', { type: 'boolean', describe: "Don't truncate output" })
    .option('format', { type: 'string', describe: 'Pretty-print search using a Go template' }),
  handler: async (a) => {
    const limit = Number(a.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new UserError(`limit ${a.limit} is outside the range of [1, 100]`, 1);
    const { searchImages, searchFilter } = await import('../../image/search');
    const keep = searchFilter(listOption(a.filter));
    const results = (await searchImages(String(a.term), limit, (line) => process.stderr.write(`mini-run: ${line}\n`))).filter(keep);
    if (a.format !== undefined) {
      const { renderFormat } = await import('../format');
      process.stdout.write(renderFormat(String(a.format), results, { header: { Name: 'NAME', Description: 'DESCRIPTION', StarCount: 'STARS', IsOfficial: 'OFFICIAL', IsAutomated: 'AUTOMATED' } }));
      return;
    }
    const { formatTable, ellipsis } = await import('../format');
    const rows = [['NAME', 'DESCRIPTION', 'STARS', 'OFFICIAL']];
    for (const r of results) {
      const description = r.Description.replace(/\s*\n\s*/g, ' ');
      rows.push([r.Name, a['no-trunc'] ? description : ellipsis(description, 45), String(r.StarCount), r.IsOfficial ? '[OK]' : '']);
    }
    process.stdout.write(formatTable(rows));
  },
};
