/** Small helpers for parsed yargs arguments, shared by the commands. */
import type { Options } from 'yargs';
import { UserError } from '../errors';

/**
 * How every command's arguments are read (yargs replaces, not merges, a parser configuration,
 * so each command that needs one more setting spreads this one):
 * - a word stays the string typed: `stop 0413` names an id prefix, not the number 413
 *   (options declared `type: 'number'` are still numbers);
 * - docker has --no-trunc, --no-stream, --no-stdin as flags of their own, not negations.
 */
export const PARSER_CONFIG = { 'boolean-negation': false, 'parse-numbers': false, 'parse-positional-numbers': false } as const;

/*
 * A lone `-` (stdin/stdout, as in `cp CTR:/f -` or `export -o -`) is read by yargs as a flag
 * with no name and becomes `true`. So it is swapped for a placeholder before parsing and swapped
 * back after. The placeholder holds a NUL, which no command-line argument can contain.
 */
const DASH_PLACEHOLDER = '\0-';

export function protectLoneDash(argv: readonly string[]): string[] {
  return argv.map((a) => (a === '-' ? DASH_PLACEHOLDER : a));
}

/** Undo protectLoneDash in parsed arguments (values, lists, `_` and `--`), in place. */
export function restoreLoneDash(parsed: Record<string, unknown>): void {
  const back = (v: unknown): unknown =>
    v === DASH_PLACEHOLDER ? '-' : Array.isArray(v) ? v.map(back) : v;
  for (const key of Object.keys(parsed)) parsed[key] = back(parsed[key]);
}

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

/**
 * Everything after IMAGE belongs to the container's command, even if it looks like a flag
 * (`run img ls -la`). yargs cannot stop there by itself, so we find IMAGE using the flag
 * table (which flags take a value) and put `--` after it.
 */
export function splitAtImage(tokens: readonly string[], flags: Record<string, Options>): string[] {
  const takesValue = new Map<string, boolean>();
  for (const [name, def] of Object.entries(flags)) {
    const aliases = def.alias === undefined ? [] : Array.isArray(def.alias) ? def.alias : [def.alias];
    for (const n of [name, ...aliases]) takesValue.set(n, def.type !== 'boolean');
  }
  for (const g of ['root']) takesValue.set(g, true);
  for (const g of ['trace', 'debug', 'help']) takesValue.set(g, false);
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t === '--') return [...tokens];
    if (t.startsWith('--')) {
      const name = t.slice(2).split('=')[0].replace(/^no-/, '');
      if (!t.includes('=') && takesValue.get(name)) i++;
      continue;
    }
    if (t.startsWith('-') && t.length > 1) {
      // a cluster of short flags: -it, -e X, -eX, -itw /dir
      for (let j = 1; j < t.length; j++) {
        if (takesValue.get(t[j])) {
          if (j === t.length - 1) i++;
          break;
        }
      }
      continue;
    }
    return [...tokens.slice(0, i + 1), '--', ...tokens.slice(i + 1)];
  }
  return [...tokens];
}

/**
 * The flags before the first operand (IMAGE, CONTAINER), by long name, with their value (true
 * for a boolean); null for -h/--help. A quick look the CLI takes before yargs has loaded (to start
 * a container's init or an exec process early); the full parse decides everything after.
 */
export function scanLeadingFlags(tokens: readonly string[], flags: Record<string, Options>): Map<string, string | true> | null {
  const longName = new Map<string, string>(); // short letter -> long name
  const takesValue = new Set<string>();
  for (const [name, def] of Object.entries(flags)) {
    const aliases = def.alias === undefined ? [] : Array.isArray(def.alias) ? def.alias : [def.alias];
    for (const a of aliases) longName.set(a, name);
    if (def.type !== 'boolean') for (const n of [name, ...aliases]) takesValue.add(n);
  }
  const seen = new Map<string, string | true>();
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t === '--' || !t.startsWith('-') || t === '-') break; // the operand: the flags are over
    if (t.startsWith('--')) {
      const [name, inline] = t.slice(2).split('=', 2);
      if (name === 'help') return null;
      seen.set(name, inline ?? (takesValue.has(name) ? tokens[++i] : undefined) ?? true);
      continue;
    }
    for (let j = 1; j < t.length; j++) { // a cluster of short flags: -it, -e X, -eX
      const c = t[j];
      const name = longName.get(c);
      if (name === undefined && c === 'h') return null; // -h is help unless the table names it (run's --hostname)
      if (takesValue.has(c)) {
        seen.set(name ?? c, (j < t.length - 1 ? t.slice(j + 1) : tokens[++i]) ?? true);
        break;
      }
      seen.set(name ?? c, true);
    }
  }
  return seen;
}
