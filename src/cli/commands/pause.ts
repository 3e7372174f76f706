/**
 * `mini-run pause CONTAINER...` / `mini-run unpause CONTAINER...`: freeze / thaw every process
 * of each container (cgroup freezer, see src/engine/pause.ts). Like docker: each name is
 * printed as given once done, each failure is one line on stderr, exit 1 if any failed.
 */
import type { CommandModule } from 'yargs';
import { UserError } from '../../errors';
import { SysError } from '../../sys/errors';

type Args = { containers: string[] };

async function forEach(refs: string[], action: (ref: string) => unknown): Promise<void> {
  let failed = false;
  for (const ref of refs) {
    try {
      action(ref);
      process.stdout.write(`${ref}\n`);
    } catch (e) {
      if (!(e instanceof UserError) && !(e instanceof SysError)) throw e;
      process.stderr.write(`mini-run: ${e.message}\n`);
      failed = true;
    }
  }
  if (failed) process.exitCode = 1;
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
