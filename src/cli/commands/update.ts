/**
 * `mini-run update [OPTIONS] CONTAINER [CONTAINER...]`: change the limits and the restart
 * policy of containers, running or stopped (src/engine/update.ts). Like docker: each name is
 * printed as given once done, then the warnings; each failure is one line, exit 1 if any failed.
 */
import type { CommandModule } from 'yargs';
import { UserError } from '../../errors';
import { SysError } from '../../sys/errors';
import { forEachRef } from '../args';
import { parseResourceFlags, RESOURCE_FLAGS } from '../resource-flags';
import type { UpdateRequest } from '../../engine/update';
import { parseRestartPolicy } from './run';

type Args = { containers: string[] } & Record<string, unknown>;

export function toUpdateRequest(a: Args): UpdateRequest {
  return {
    ...parseResourceFlags(a),
    restart: a.restart === undefined ? undefined : parseRestartPolicy(String(a.restart)),
  };
}

export const updateCommand: CommandModule<object, Args> = {
  command: 'update <containers..>',
  describe: 'Update configuration of one or more containers',
  builder: (y) => y.usage('Usage: mini-run update [OPTIONS] CONTAINER [CONTAINER...]').options({
    ...RESOURCE_FLAGS,
    restart: { type: 'string', describe: 'Restart policy to apply when a container exits' },
  }) as never,
  handler: async (a) => {
    const req = toUpdateRequest(a);
    const { updateContainer, hasChanges } = await import('../../engine/update');
    if (!hasChanges(req)) throw new UserError('you must provide one or more flags when using this command', 1);
    const warnings: string[] = [];
    await forEachRef(a.containers, (ref) => {
      warnings.push(...updateContainer(ref, req));
      process.stdout.write(`${ref}\n`);
    }, (e) => e instanceof UserError || e instanceof SysError);
    // Docker prints the daemon's warnings on stdout, after the names.
    if (warnings.length) process.stdout.write([...new Set(warnings)].join('\n') + '\n');
  },
};
