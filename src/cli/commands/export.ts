/** `mini-run export [-o FILE] CONTAINER` and `mini-run import [-c CHANGE] [-m MSG] FILE|- [REPO[:TAG]]`. */
import type { Argv, CommandModule } from 'yargs';
import { UserError } from '../../errors';
import { listOption } from '../args';


export const exportCommand: CommandModule<object, any> = {
  command: 'export <container>',
  describe: "Export a container's filesystem as a tar archive",
  builder: (y: Argv) => y.option('output', { alias: 'o', type: 'string', describe: 'Write to a file, instead of STDOUT' }),
  handler: async (a) => {
    const { openSync, closeSync, renameSync, rmSync } = await import('node:fs');
    const { resolve } = await import('node:path');
    if (!a.output && process.stdout.isTTY) throw new UserError('cowardly refusing to save to a terminal. Use the -o flag or redirect', 1);
    const { sweepStaleContainers } = await import('../../engine/cleanup');
    const { exportContainer } = await import('../../engine/export');
    sweepStaleContainers();
    if (!a.output) {
      exportContainer(String(a.container), 1);
      return;
    }
    // Into a temporary file beside the target, renamed when complete: no half-written archive.
    const target = resolve(String(a.output));
    const tmp = `${target}.mini-run-${process.pid}`;
    const fd = openSync(tmp, 'w', 0o644);
    try {
      exportContainer(String(a.container), fd);
      closeSync(fd);
      renameSync(tmp, target);
    } catch (e) {
      try { closeSync(fd); } catch { /* closed */ }
      rmSync(tmp, { force: true });
      throw e;
    }
  },
};

export const importCommand: CommandModule<object, any> = {
  command: 'import <file> [repository]',
  describe: 'Import the contents from a tarball to create a filesystem image',
  builder: (y: Argv) => y
    .option('change', { alias: 'c', type: 'string', describe: 'Apply Dockerfile instruction to the created image' })
    .option('message', { alias: 'm', type: 'string', describe: 'Set commit message for imported image' }),
  handler: async (a) => {
    const { importImage } = await import('../../engine/commit');
    const file = a.file === true || a.file === '' ? '-' : String(a.file); // yargs reads a lone '-' as true
    process.stdout.write(await importImage(file, a.repository, listOption(a.change), a.message) + '\n');
  },
};
