/**
 * The resource flags `run`/`create` and `update` share — one table (names, types, help text as
 * Docker's) and one parser (Docker's values and error messages), so the two commands cannot drift.
 */
import type { Options } from 'yargs';
import { UserError } from '../errors';
import { parseBytes } from '../engine/units';
import { parseBlkioWeight } from '../engine/blkio-flags';
import type { UpdateRequest } from '../engine/update';

export const RESOURCE_FLAGS: Record<string, Options> = {
  memory: { alias: 'm', type: 'string', describe: 'Memory limit (e.g. 64m, 1g)' },
  'memory-swap': { type: 'string', describe: "Swap limit equal to memory plus swap: '-1' to enable unlimited swap" },
  cpus: { type: 'string', describe: 'Number of CPUs (e.g. 0.5)' },
  'cpu-shares': { alias: 'c', type: 'string', describe: 'CPU shares (relative weight)' },
  'pids-limit': { type: 'string', describe: 'Tune container pids limit (-1 for unlimited)' },
  'blkio-weight': { type: 'string', describe: 'Block IO (relative weight), between 10 and 1000, or 0 to disable' },
};

/** The limits these flags give: update's request without its restart policy (one shape for both commands). */
export type ResourceFlagValues = Omit<UpdateRequest, 'restart'>;

/** A decimal (--cpus) or an integer flag, refused in the words of Docker's CLI (Go's strconv). */
function numberFlag(a: Record<string, unknown>, flag: string, integer: boolean): number | undefined {
  const v = a[flag];
  if (v === undefined) return undefined;
  const s = String(v);
  const ok = integer ? /^-?\d+$/.test(s) : /^-?\d+(\.\d+)?$/.test(s);
  if (!ok) throw new UserError(`invalid argument "${s}" for "--${flag}" flag: ${integer ? `strconv.ParseInt: parsing "${s}": invalid syntax` : `failed to parse ${s} as a rational number`}`, 125);
  return Number(s);
}

function bytesFlag(a: Record<string, unknown>, flag: string): number | undefined {
  const v = a[flag];
  if (v === undefined) return undefined;
  if (flag === 'memory-swap' && String(v) === '-1') return -1;
  return parseBytes(String(v), flag === 'memory' ? '-m, --memory' : `--${flag}`);
}

/** The values of the resource flags given (absent: undefined). */
export function parseResourceFlags(a: Record<string, unknown>): ResourceFlagValues {
  return {
    memory: bytesFlag(a, 'memory'),
    memorySwap: bytesFlag(a, 'memory-swap'),
    cpus: numberFlag(a, 'cpus', false),
    cpuShares: numberFlag(a, 'cpu-shares', true),
    pidsLimit: numberFlag(a, 'pids-limit', true),
    blkioWeight: parseBlkioWeight(a['blkio-weight']),
  };
}
