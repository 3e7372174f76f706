/** Small helpers for parsed yargs arguments, shared by the commands. */
import { UserError } from '../errors';

/** A repeatable option (`-e A -e B`) as a list of strings: yargs gives undefined, one value, or an array. */
export function listOption(v: unknown): string[] {
  return v === undefined ? [] : (Array.isArray(v) ? v : [v]).map(String);
}

/**
 * Run `fn` for every container named; report each failure as one line (docker's style) and
 * exit 1 if any failed. `reported` tells which errors are such failures (the rest are thrown).
 */
export async function forEachRef(
  refs: string[], fn: (ref: string) => Promise<void> | void,
  reported: (e: unknown) => boolean = (e) => e instanceof UserError,
): Promise<void> {
  let failed = false;
  for (const ref of refs) {
    try {
      await fn(ref);
    } catch (e) {
      if (!reported(e)) throw e;
      process.stderr.write(`mini-run: ${(e as Error).message}\n`);
      failed = true;
    }
  }
  if (failed) process.exitCode = 1;
}
