/**
 * `mini-run pause CONTAINER...` / `mini-run unpause CONTAINER...`: freeze / thaw every process
 * of each container (cgroup freezer, see src/engine/pause.ts). Like docker: each name is
 * printed as given once done, each failure is one line on stderr, exit 1 if any failed.
 */
import type { CommandModule } from 'yargs';
import { UserError } from '../../errors';
import { SysError } from '../../sys/errors';
import { forEachRef } from '../args';

type Args = { containers: string[] };

/** Each name printed once done; a SysError (the freezer refused) is a failure of that one too. */
function forEach(refs: string[], action: (ref: string) => unknown): Promise<void> {
  return forEachRef(refs, (ref) => {
    action(ref);
    process.stdout.write(`${ref}\n`);
  }, (e) => e instanceof UserError || e instanceof SysError);
}

export const pauseCommand: CommandModule<object, Args> = {
  command: 'pause <containers..>',
  describe: 'Pause all processes within one or more containers',
  handler: async (a) => {
    const { pauseContainer } = await import('../../engine/pause');
    await forEach(a.containers, pauseContainer);
  },
};

export const unpauseCommand: CommandModule<object, Args> = {
  command: 'unpause <containers..>',
  describe: 'Unpause all processes within one or more containers',
  handler: async (a) => {
    const { unpauseContainer } = await import('../../engine/pause');
    await forEach(a.containers, unpauseContainer);
  },
};
