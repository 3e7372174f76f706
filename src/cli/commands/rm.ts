/** `mini-run rm [-f] CONTAINER...` */
import type { CommandModule } from 'yargs';
import { forEachRef } from '../args';

type RmArgs = { containers: string[]; force?: boolean; volumes?: boolean };

export const rmCommand: CommandModule<object, RmArgs> = {
  command: 'rm <containers..>',
  describe: 'Remove one or more containers',
  builder: (y) => y
    .option('force', { alias: 'f', type: 'boolean', describe: 'Force the removal of a running container (uses SIGKILL)' })
    .option('volumes', { alias: 'v', type: 'boolean', describe: 'Remove anonymous volumes associated with the container' }) as any,
  handler: async (a) => {
    const { removeContainer } = await import('../../engine/remove');
    await forEachRef(a.containers, async (ref) => {
      process.stdout.write((await removeContainer(ref, !!a.force, !!a.volumes)) + '\n');
    });
  },
};
