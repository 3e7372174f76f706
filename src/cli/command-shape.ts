/**
 * What a command accepts, read from its yargs definition without yargs: its flags (and which
 * take a value) and its subcommands. The builder runs against a recorder that notes
 * `.option()`, `.options()` and `.command()` and answers every other call with itself.
 * (Used by the "did you mean" of unknown commands and by shell completion.)
 */
import type { CommandModule } from 'yargs';

type Command = CommandModule<any, any>;
type OptionDef = { alias?: string | readonly string[]; type?: string; hidden?: boolean; count?: boolean; boolean?: boolean };

export interface CommandShape {
  /** `--memory`, `-m`, … → its long name, and does it take a value (`--memory 64m`) or not (`-d`)? */
  flags: Map<string, { takesValue: boolean; name: string }>;
  subcommands: Command[];
}

/** The command's name and its aliases. */
export function namesOf(c: Command): string[] {
  const aliases = c.aliases === undefined ? [] : Array.isArray(c.aliases) ? c.aliases : [c.aliases];
  return [String(c.command).split(' ')[0], ...aliases];
}

/** Shown in help (yargs hides a command whose describe is false). */
export function isListed(c: Command): boolean {
  return c.describe !== false;
}

export function shapeOf(c: Command): CommandShape {
  const flags: CommandShape['flags'] = new Map();
  const subcommands: Command[] = [];
  const addOption = (name: string, o: OptionDef = {}) => {
    if (o.hidden) return;
    const takesValue = !(o.type === 'boolean' || o.type === 'count' || o.boolean || o.count);
    const aliases = o.alias === undefined ? [] : typeof o.alias === 'string' ? [o.alias] : o.alias;
    for (const n of [name, ...aliases]) flags.set(n.length === 1 ? `-${n}` : `--${n}`, { takesValue, name });
  };
  const recorder: any = new Proxy({}, {
    get: (_t, key) => {
      if (key === 'option') return (name: string, o?: OptionDef) => { addOption(name, o); return recorder; };
      if (key === 'options') return (all: Record<string, OptionDef>) => { for (const [n, o] of Object.entries(all ?? {})) addOption(n, o); return recorder; };
      if (key === 'command') {
        return (c: Command | string, describe?: string, builder?: unknown) => {
          subcommands.push(typeof c === 'string' ? { command: c, describe, builder } as Command : c);
          return recorder;
        };
      }
      return () => recorder;
    },
  });
  try {
    if (typeof c.builder === 'function') c.builder(recorder);
    else if (c.builder && typeof c.builder === 'object') recorder.options(c.builder);
  } catch { /* a builder that needs real yargs: what was recorded so far */ }
  return { flags, subcommands };
}
