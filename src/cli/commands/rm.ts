/** `mini-run rm [-f] CONTAINER...` */
import type { CommandModule } from 'yargs';
import { UserError } from '../../errors';

type RmArgs = { containers: string[]; force?: boolean; volumes?: boolean };

export const rmCommand: CommandModule<object, RmArgs> = {
  command: 'rm <containers..>',
  describe: 'Remove one or more containers',
  builder: (y) => y
    .option('force', { alias: 'f', type: 'boolean', describe: 'Force the removal of a running container (uses SIGKILL)' })
    .option('volumes', { alias: 'v', type: 'boolean', describe: 'Remove anonymous volumes associated with the container' }) as any,
  handler: async (a) => {
    const { removeContainer } = await import('../../engine/remove');
    let failed = false;
    for (const ref of a.containers) {
      try {
        process.stdout.write((await removeContainer(ref, !!a.force, !!a.volumes)) + '\n');
      } catch (e) {
        if (!(e instanceof UserError)) throw e;
        process.stderr.write(`mini-run: ${e.message}\n`);
        failed = true;
      }
    }
    if (failed) process.exitCode = 1;
  },
};
