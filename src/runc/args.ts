/**
 * runc's command-line shape: `mini-runc [GLOBAL FLAGS] COMMAND [FLAGS] ARGS…`. Flags may be
 * written `--flag`, `-flag`, `--flag=value` or `--flag value` (runc's CLI library accepts all
 * four, and its clients use them). Kept tiny on purpose: containerd and conmon call the runtime
 * several times per container, so its start-up time counts.
 */
import { UserError } from '../errors';

/** For each flag: does it take a value? Names are without dashes; short aliases map to long names. */
export interface FlagTable {
  values: readonly string[];
  booleans: readonly string[];
  aliases?: Record<string, string>;
}

export interface Parsed {
  flags: Map<string, string[]>;
  /** Everything that is not a flag, in order (after a bare `--`, everything). */
  rest: string[];
}

/**
 * Parse flags from the front of argv. `stopAtFirstArg`: stop at the first non-flag word (for
 * the global flags, which end at the command's name); otherwise flags and arguments may mix.
 */
export function parseFlags(argv: readonly string[], table: FlagTable, stopAtFirstArg: boolean): Parsed {
  const flags = new Map<string, string[]>();
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      rest.push(...argv.slice(i + 1));
      break;
    }
    if (!a.startsWith('-') || a === '-') {
      if (stopAtFirstArg) {
        rest.push(...argv.slice(i));
        break;
      }
      rest.push(a);
      // After the container id of `exec`, the rest is the command line (its flags are its own).
      continue;
    }
    const body = a.replace(/^--?/, '');
    const eq = body.indexOf('=');
    let name = eq >= 0 ? body.slice(0, eq) : body;
    name = table.aliases?.[name] ?? name;
    const add = (v: string) => flags.set(name, [...(flags.get(name) ?? []), v]);
    if (table.values.includes(name)) {
      if (eq >= 0) add(body.slice(eq + 1));
      else if (i + 1 < argv.length) add(argv[++i]);
      else throw new UserError(`flag needs an argument: ${a}`, 1);
    } else if (table.booleans.includes(name)) {
      add(eq >= 0 ? body.slice(eq + 1) : 'true');
    } else {
      throw new UserError(`flag provided but not defined: ${a}`, 1);
    }
  }
  return { flags, rest };
}

export const flagValue = (p: Parsed, name: string): string | undefined => p.flags.get(name)?.at(-1);
export const flagValues = (p: Parsed, name: string): string[] => p.flags.get(name) ?? [];
export const flagSet = (p: Parsed, name: string): boolean => {
  const v = flagValue(p, name);
  return v !== undefined && v !== 'false';
};
