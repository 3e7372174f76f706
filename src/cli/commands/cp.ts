/** `mini-run cp [-a] [-L] SRC_PATH CONTAINER:DEST_PATH` and `cp CONTAINER:SRC_PATH DEST_PATH`. */
import type { Argv, CommandModule } from 'yargs';

export const cpCommand: CommandModule<object, any> = {
  command: 'cp <src> <dest>',
  describe: 'Copy files/folders between a container and the local filesystem',
  builder: (y: Argv) => y
    .usage('Usage: mini-run cp [OPTIONS] CONTAINER:SRC_PATH DEST_PATH\n       mini-run cp [OPTIONS] SRC_PATH CONTAINER:DEST_PATH')
    .option('archive', { alias: 'a', type: 'boolean', describe: 'Archive mode (copy all uid/gid information)' })
    .option('follow-link', { alias: 'L', type: 'boolean', describe: 'Always follow symbol link in SRC_PATH' }),
  handler: async (a) => {
    const { sweepStaleContainers } = await import('../../engine/cleanup');
    const { copy } = await import('../../engine/cp');
    sweepStaleContainers();
    copy(String(a.src), String(a.dest), { archive: !!a.archive, followLink: !!a['follow-link'] }, (m) => process.stderr.write(`mini-run cp: ${m}\n`));
  },
};
