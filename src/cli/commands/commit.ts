/** `mini-run commit [-m MSG] [-a AUTHOR] [-c CHANGE] CONTAINER [REPO[:TAG]]` */
import type { Argv, CommandModule } from 'yargs';
import { listOption } from '../args';


export const commitCommand: CommandModule<object, any> = {
  command: 'commit <container> [repository]',
  describe: "Create a new image from a container's changes",
  builder: (y: Argv) => y
    .option('message', { alias: 'm', type: 'string', describe: 'Commit message' })
    .option('author', { alias: 'a', type: 'string', describe: 'Author (e.g., "John Hannibal Smith <hannibal@a-team.com>")' })
    .option('change', { alias: 'c', type: 'string', describe: 'Apply Dockerfile instruction to the created image (CMD, ENTRYPOINT, ENV, WORKDIR, EXPOSE, LABEL, USER, VOLUME)' })
    .option('pause', { alias: 'p', type: 'boolean', default: true, describe: 'Pause container during commit' }),
  handler: async (a) => {
    const { commitContainer } = await import('../../engine/commit');
    const id = await commitContainer(String(a.container), a.repository, { message: a.message, author: a.author, changes: listOption(a.change), pause: a.pause !== false });
    process.stdout.write(id + '\n');
  },
};
