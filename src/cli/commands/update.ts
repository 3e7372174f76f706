/**
 * `mini-run update [OPTIONS] CONTAINER [CONTAINER...]`: change the limits and the restart
 * policy of containers, running or stopped (src/engine/update.ts). Like docker: each name is
 * printed as given once done, then the warnings; each failure is one line, exit 1 if any failed.
 */
import type { CommandModule } from 'yargs';
import { UserError } from '../../errors';
import { SysError } from '../../sys/errors';
import { forEachRef } from '../args';
import { parseBytes } from '../../engine/units';
import { parseBlkioWeight } from '../../engine/blkio-flags';
import type { UpdateRequest } from '../../engine/update';
import { parseRestartPolicy } from './run';

type Args = { containers: string[] } & Record<string, unknown>;

function number(a: Args, flag: string, integer: boolean): number | undefined {
  const v = a[flag];
  if (v === undefined) return undefined;
  const s = String(v);
  const ok = integer ? /^-?\d+$/.test(s) : /^-?\d+(\.\d+)?$/.test(s);
  if (!ok) throw new UserError(`invalid argument "${s}" for "--${flag}" flag: ${integer ? `strconv.ParseInt: parsing "${s}": invalid syntax` : `failed to parse ${s} as a rational number`}`, 125);
  return Number(s);
}

export function toUpdateRequest(a: Args): UpdateRequest {
  const bytes = (flag: string) => {
    const v = a[flag];
    if (v === undefined) return undefined;
    if (String(v) === '-1' && flag === 'memory-swap') return -1;
    return parseBytes(String(v), flag === 'memory' ? '-m, --memory' : `--${flag}`);
  };
  return {
    memory: bytes('memory'),
    memorySwap: bytes('memory-swap'),
    cpus: number(a, 'cpus', false),
    cpuShares: number(a, 'cpu-shares', true),
    pidsLimit: number(a, 'pids-limit', true),
    blkioWeight: parseBlkioWeight(a['blkio-weight']),
    restart: a.restart === undefined ? undefined : parseRestartPolicy(String(a.restart)),
  };
}

export const updateCommand: CommandModule<object, Args> = {
  command: 'update <containers..>',
  describe: 'Update configuration of one or more containers',
  builder: (y) => y.usage('Usage: mini-run update [OPTIONS] CONTAINER [CONTAINER...]').options({
    memory: { alias: 'm', type: 'string', describe: 'Memory limit (e.g. 64m, 1g)' },
    'memory-swap': { type: 'string', describe: "Swap limit equal to memory plus swap: '-1' to enable unlimited swap" },
    cpus: { type: 'string', describe: 'Number of CPUs (e.g. 0.5)' },
    'cpu-shares': { alias: 'c', type: 'string', describe: 'CPU shares (relative weight)' },
    'pids-limit': { type: 'string', describe: 'Tune container pids limit (-1 for unlimited)' },
    'blkio-weight': { type: 'string', describe: 'Block IO (relative weight), between 10 and 1000, or 0 to disable' },
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
