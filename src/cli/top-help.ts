/**
 * `mini-run`, `mini-run --help`, `mini-run help`: the command list grouped as `docker --help`
 * groups it (Common Commands, Management Commands, then every other command by name), plus a
 * group of mini-run's own for learning. yargs lists commands in one flat block; a Docker user
 * looks for `run` at the top and `container`/`image`/`network`/`volume` together.
 */
import type { CommandModule } from 'yargs';
import { BUILT_IN_OPTIONS, GLOBAL_OPTIONS } from './global-options';

const COMMON = ['run', 'exec', 'ps', 'build', 'pull', 'push', 'images', 'login', 'logout', 'search', 'version', 'info'];
const MANAGEMENT = ['container', 'image', 'network', 'system', 'volume'];
const LEARNING = ['lessons', 'lesson', 'explain', 'compare', 'doctor'];
/** main.ts's global options (one list, global-options.ts), then yargs' --help and --version. */
const GLOBAL_ROWS: ReadonlyArray<readonly [string, string]> = [
  ...Object.values(GLOBAL_OPTIONS).map((o) => [o.usage, o.describe] as const),
  ...BUILT_IN_OPTIONS,
];

export function topLevelHelp(commands: CommandModule<any, any>[], columns = process.stdout.columns || 100): string {
  const describe = new Map<string, string>();
  for (const c of commands) {
    const name = String(c.command).split(' ')[0];
    if (typeof c.describe === 'string') describe.set(name, c.describe);
  }
  const grouped = new Set([...COMMON, ...MANAGEMENT, ...LEARNING]);
  const others = [...describe.keys()].filter((n) => !grouped.has(n)).sort();
  const width = Math.max(...[...describe.keys(), ...GLOBAL_ROWS.map(([o]) => o)].map((n) => n.length)) + 2;
  const row = (name: string, text: string) => `  ${name.padEnd(width)}${wrap(text, Math.max(40, Math.min(columns, 110) - width - 2), width + 2)}`;
  const section = (title: string, names: string[]) =>
    [`${title}:`, ...names.filter((n) => describe.has(n)).map((n) => row(n, describe.get(n)!))].join('\n');
  return [
    'Usage: mini-run [OPTIONS] COMMAND',
    '',
    'A container runtime in TypeScript, for learning how containers work.',
    '',
    section('Common Commands', COMMON),
    '',
    section('Management Commands', MANAGEMENT),
    '',
    section('Learning Commands (mini-run\'s own)', LEARNING),
    '',
    section('Commands', others),
    '',
    'Global Options:',
    ...GLOBAL_ROWS.map(([o, text]) => row(o, text)),
    '',
    "Run 'mini-run COMMAND --help' for more information on a command.",
    '',
  ].join('\n');
}

/** Word-wrap `text` to `width` columns, continuation lines indented by `indent`. */
function wrap(text: string, width: number, indent: number): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  lines.push(line);
  return lines.join('\n' + ' '.repeat(indent));
}
