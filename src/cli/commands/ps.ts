/** `mini-run ps` (and `container ls`): docker's columns, filters and formats. */
import type { Argv, CommandModule } from 'yargs';
import { UserError } from '../../errors';
import { writeOut } from '../../stdio';
import { lazy } from '../../lazy';

const store = lazy(() => require('../../image/store') as typeof import('../../image/store'));

const psBuilder = (y: Argv) => y
  .option('all', { alias: 'a', type: 'boolean', describe: 'Show all containers (default shows just running)' })
  .option('quiet', { alias: 'q', type: 'boolean', describe: 'Only display container IDs' })
  .option('last', { alias: 'n', type: 'number', describe: 'Show n last created containers (includes all states)' })
  .option('latest', { alias: 'l', type: 'boolean', describe: 'Show the latest created container (includes all states)' })
  .option('size', { alias: 's', type: 'boolean', describe: 'Display total file sizes' })
  .option('no-trunc', { type: 'boolean', describe: "Don't truncate output" })
  .option('filter', { alias: 'f', type: 'string', describe: 'Filter output based on conditions provided (id=, name=, label=, status=, ancestor=, exited=)' })
  .option('format', { type: 'string', describe: "Format output using a Go template ('table …' for a header)" });

export const psCommand: CommandModule<object, any> = {
  command: 'ps',
  describe: 'List containers',
  builder: psBuilder,
  handler: async (a) => {
    const { containerRows } = await import('../../engine/ps');
    // (the template engine only for a --format of the user's: ps-view prints the default table and -q)
    const { renderPsTable, formatUsesSize } = await import('../ps-view');
    const filters = a.filter === undefined ? [] : (Array.isArray(a.filter) ? a.filter : [a.filter]).map(String);
    const size = !!a.size || (typeof a.format === 'string' && formatUsesSize(a.format));
    const rows = containerRows({ size });
    // ancestor=IMAGE: the container's image, by name or by id (docker also matches descendants).
    const ancestorMatches = (v: { imageId?: string; image: string }, value: string) => {
      const { findImage } = store();
      const img = findImage(value);
      return v.image === value || (img !== null && img.id === v.imageId) || (v.imageId ?? '').replace('sha256:', '').startsWith(value.replace('sha256:', ''));
    };
    let out: string;
    try {
      const opts = {
        all: !!a.all, quiet: !!a.quiet, noTrunc: !!a['no-trunc'], size, last: a.last, latest: !!a.latest,
        format: a.format, filters, ancestorMatches,
      };
      out = renderPsTable(rows, opts) ?? (await import('../ps-format')).renderPsTemplate(rows, opts);
    } catch (e) {
      throw new UserError((e as Error).message, 1);
    }
    writeOut(1, out.endsWith('\n') || out === '' ? out : out + '\n');
  },
};
