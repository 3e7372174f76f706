/**
 * The commands people run (and time) most — `ps`, `images`, `inspect`, `logs`, `run`, `exec` —
 * parsed without loading yargs. yargs and the packages it loads at once for its help screens
 * (cliui, y18n, string-width, wrap-ansi, ansi-styles…) cost ≈ 40 ms of a ≈ 200 ms `ps`; its own
 * parser, yargs-parser, costs ≈ 3 ms. So: read the command's flags from its yargs builder (a
 * recorder stands in for yargs), parse with yargs-parser exactly as yargs would call it, and
 * give the handler the same arguments object yargs would have given it.
 *
 * Anything this does not fully understand is handed to yargs, which then reads it as always:
 * --help, an unknown flag, a missing or extra operand, a value outside a flag's choices, a
 * builder that uses more of yargs than flags and operands. So help and every error message
 * stay yargs' own. test/unit/quick-parse.test.ts parses a list of command lines both ways and
 * checks the two give the same arguments.
 */
import type { CommandModule, Options, PositionalOptions } from 'yargs';
import { GLOBAL_OPTIONS } from './global-options';

/** The commands read here; every other command goes through yargs. */
export const QUICK_WORDS: ReadonlySet<string> = new Set(['ps', 'images', 'inspect', 'logs', 'run', 'exec']);

/** The global options main.ts's buildParser gives yargs (with its hidden --debug), and yargs' own --help. */
const GLOBALS: Record<string, Options> = {
  root: { type: GLOBAL_OPTIONS.root.type },
  trace: { type: GLOBAL_OPTIONS.trace.type },
  debug: { type: 'boolean' },
  help: { type: 'boolean' },
};

/** The option properties understood here (the rest, e.g. coerce or conflicts, only yargs applies). */
const OPTION_KEYS = new Set(['alias', 'type', 'describe', 'default', 'choices', 'array', 'hidden']);

interface YargsParser {
  detailed(args: string[], opts: Record<string, unknown>): { argv: Record<string, unknown>; error: Error | null };
  camelCase(s: string): string;
}

interface Shape {
  options: Record<string, Options>;
  positionals: Record<string, PositionalOptions>;
  config?: Record<string, boolean>;
}

/** What a command's builder declares, read by handing it a recorder instead of yargs (null: more than flags). */
function recordBuilder(builder: unknown): Shape | null {
  if (typeof builder !== 'function') return null;
  const shape: Shape = { options: {}, positionals: {} };
  const y: Record<string, (...a: any[]) => unknown> = {
    option: (name: string, def?: Options) => { shape.options[name] = def ?? {}; return y; },
    options: (table: Record<string, Options>) => { Object.assign(shape.options, table); return y; },
    positional: (name: string, def?: PositionalOptions) => { shape.positionals[name] = def ?? {}; return y; },
    parserConfiguration: (config: Record<string, boolean>) => { shape.config = config; return y; },
    usage: () => y,
    example: () => y,
  };
  try {
    builder(y);
  } catch {
    return null; // it called something the recorder does not have
  }
  return shape;
}

/** The operands of a command string (`inspect <names..>`, `images [repository]`), null if unusual. */
function operandsOf(command: string): Array<{ name: string; required: boolean; variadic: boolean }> | null {
  const out: Array<{ name: string; required: boolean; variadic: boolean }> = [];
  const words = command.trim().split(/\s+/).slice(1);
  for (const [i, w] of words.entries()) {
    const m = /^(<|\[)([a-z]+)(\.\.)?(>|\])$/.exec(w);
    if (!m || (m[1] === '<') !== (m[4] === '>')) return null;
    const variadic = m[3] !== undefined;
    if (variadic && (i !== words.length - 1 || m[1] === '[')) return null;
    out.push({ name: m[2], required: m[1] === '<', variadic });
  }
  // yargs fills required operands first, then optional ones: keep to the simple orders
  if (out.some((o, i) => !o.required && out.slice(i + 1).some((p) => p.required))) return null;
  return out;
}

/**
 * What yargs-parser gives for a command line without a flag of the command's own — only the
 * global `--root DIR`/`--root=DIR`, `--trace`, `--debug` before the command word, and operands
 * after it — built without loading yargs-parser (≈ 2 ms of a `ps`): `_` holds the words, each
 * global flag its value, in the order typed. null for anything else (yargs-parser reads it), or
 * when a flag has a default (yargs-parser would add it). The quick-parse unit test compares the
 * two on its command lines.
 */
function withoutFlags(argv: readonly string[], table: Record<string, Options>): Record<string, unknown> | null {
  if (Object.values(table).some((def) => 'default' in def)) return null;
  const args: Record<string, unknown> = { _: [] };
  const words: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const t = argv[i];
    if (t === '' || t === '-') return null;
    if (!t.startsWith('-')) { words.push(t); continue; }
    if (words.length > 0 || t === '--') return null; // a flag after the command word, or `--`: yargs-parser
    if (t === '--trace' || t === '--debug') {
      if (t.slice(2) in args) return null;
      args[t.slice(2)] = true;
    } else if (t === '--root' || t.startsWith('--root=')) {
      const value = t === '--root' ? argv[++i] : t.slice('--root='.length);
      if ('root' in args || value === undefined || value === '' || value.startsWith('-')) return null;
      args.root = value;
    } else {
      return null;
    }
  }
  args._ = words;
  return args;
}

/**
 * The arguments yargs would hand `cmd`'s handler for `argv` (the whole command line, the word
 * included, as main.ts gives it to yargs), or null when yargs must read it.
 * `topConfig` is the parser configuration set on the top level (main.ts's PARSER_CONFIG).
 */
export function quickParse(argv: readonly string[], word: string, cmd: CommandModule<any, any>, topConfig: Record<string, boolean>): Record<string, unknown> | null {
  if (typeof cmd.command !== 'string' || cmd.command.split(' ')[0] !== word) return null;
  const shape = recordBuilder(cmd.builder);
  const operands = operandsOf(cmd.command);
  if (!shape || !operands) return null;
  const config = shape.config ?? topConfig;
  // yargs turns operands that look like numbers into numbers unless these are off (PARSER_CONFIG turns them off)
  if (config['parse-positional-numbers'] !== false || config['parse-numbers'] !== false) return null;

  const table: Record<string, Options> = { ...GLOBALS, ...shape.options };
  if (Object.keys(shape.options).some((k) => k in GLOBALS)) return null;
  const parserOpts = {
    alias: {} as Record<string, string[]>, boolean: [] as string[], string: [] as string[], number: [] as string[],
    array: [] as string[], default: {} as Record<string, unknown>,
  };
  for (const [name, def] of Object.entries(table)) {
    if (Object.keys(def).some((k) => !OPTION_KEYS.has(k))) return null;
    const aliases = def.alias === undefined ? [] : ([] as string[]).concat(def.alias);
    if (aliases.length) parserOpts.alias[name] = aliases;
    if (def.type === 'boolean') parserOpts.boolean.push(name);
    else if (def.type === 'string') parserOpts.string.push(name);
    else if (def.type === 'number') parserOpts.number.push(name);
    else if (def.type !== undefined) return null;
    if (def.array) parserOpts.array.push(name);
    if ('default' in def) parserOpts.default[name] = def.default;
  }
  for (const [name, def] of Object.entries(shape.positionals)) {
    if (name in table || Object.keys(def).some((k) => !['type', 'describe', 'array'].includes(k)) || (def.type ?? 'string') !== 'string') return null;
  }

  const plain = config['populate--'] ? null : withoutFlags(argv, table);
  let args: Record<string, unknown>;
  if (plain !== null) {
    args = plain;
  } else {
    const Parser = require('yargs-parser') as YargsParser;
    // as yargs calls it: `--` always collected apart, then merged into `_` unless the command keeps it
    const parsed = Parser.detailed([...argv], { ...parserOpts, configuration: { 'parse-positional-numbers': false, ...config, 'populate--': true } });
    if (parsed.error) return null;
    args = parsed.argv;

    // every key must be a known flag (by any of its names, dashed or camelCase): else yargs says "unknown flag"
    const known = new Set(['_', '--']);
    for (const [name, def] of Object.entries(table)) {
      for (const n of [name, ...(def.alias === undefined ? [] : ([] as string[]).concat(def.alias))]) known.add(n).add(Parser.camelCase(n));
    }
    if (Object.keys(args).some((k) => !known.has(k)) || 'help' in args) return null;
  }
  for (const [name, def] of Object.entries(table)) {
    if (def.choices && name in args && ([] as unknown[]).concat(args[name]).some((v) => v !== undefined && !(def.choices as unknown[]).includes(v))) return null;
  }
  if (!config['populate--'] && '--' in args) {
    if ((args['--'] as unknown[]).length) return null;
    delete args['--'];
  }

  // the operands: `_` is [word, ...operands]; yargs moves them to their names
  const words = (args._ as unknown[]).map(String);
  if (words[0] !== word) return null;
  const rest = words.slice(1);
  if (rest.some((w) => w.startsWith('-'))) return null;
  for (const op of operands) {
    if (op.variadic) {
      if (op.required && rest.length === 0) return null;
      args[op.name] = rest.splice(0);
    } else if (rest.length) {
      args[op.name] = rest.shift();
    } else if (op.required) {
      return null;
    }
  }
  if (rest.length) return null; // an extra operand: yargs' "Unknown argument"
  args._ = [word];
  args.$0 = 'mini-run';
  return args;
}
