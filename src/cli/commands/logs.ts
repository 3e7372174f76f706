/** `logs CONTAINER`: what a container wrote, from its json-file log. */
import type { Argv, CommandModule } from 'yargs';

export const logsCommand: CommandModule<object, any> = {
  command: 'logs <container>',
  describe: 'Fetch the logs of a container',
  builder: (y: Argv) => y
    .option('follow', { alias: 'f', type: 'boolean', describe: 'Follow log output' })
    .option('tail', { alias: 'n', type: 'string', describe: 'Number of lines to show from the end of the logs (or "all")' })
    .option('timestamps', { alias: 't', type: 'boolean', describe: 'Show timestamps' })
    .option('since', { type: 'string', describe: 'Show logs since timestamp or relative (e.g. 42m)' })
    .option('until', { type: 'string', describe: 'Show logs before a timestamp or relative (e.g. 42m)' }),
  handler: async (a) => {
    const { showLogs } = await import('../../engine/logs');
    await showLogs(a.container, { follow: !!a.follow, tail: a.tail, timestamps: !!a.timestamps, since: a.since, until: a.until });
  },
};
