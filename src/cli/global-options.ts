/**
 * The options every command takes (before or after its name), in one list: main.ts gives them
 * to yargs, top-help.ts lists them under "Global Options". No imports: main.ts loads this on
 * every command.
 */
export const GLOBAL_OPTIONS = {
  root: { usage: '--root DIR', type: 'string', describe: 'state directory (default $MINI_RUN_ROOT or /var/lib/mini-run)' },
  trace: { usage: '--trace', type: 'boolean', describe: 'print every syscall, cgroup write and command to stderr' },
} as const;

/** The help lines of yargs' own options, shown beside the ones above. */
export const BUILT_IN_OPTIONS: ReadonlyArray<readonly [string, string]> = [
  ['-h, --help', 'print this help'],
  ['-v, --version', 'print version information and quit'],
];

export interface GivenGlobalOptions { root?: string; trace: boolean }

/**
 * The global options typed on a command line, as yargs will read them: before or after the
 * command's name, as `--root DIR` or `--root=DIR`, up to `--` (after it, and after IMAGE once
 * main.ts's markCommandStart has put a `--` there, the words are the container's). Read before
 * yargs loads, e.g. by the rootless re-run (cli/rootless.ts) to know whether a state root was given.
 */
export function givenGlobalOptions(argv: readonly string[]): GivenGlobalOptions {
  const given: GivenGlobalOptions = { trace: false };
  for (let i = 0; i < argv.length; i++) {
    const t = argv[i];
    if (t === '--') break;
    if (!t.startsWith('--')) continue;
    const eq = t.indexOf('=');
    const name = t.slice(2, eq < 0 ? undefined : eq);
    if (!Object.prototype.hasOwnProperty.call(GLOBAL_OPTIONS, name)) continue;
    const option = GLOBAL_OPTIONS[name as keyof typeof GLOBAL_OPTIONS];
    if (option.type === 'boolean') { given.trace = given.trace || name === 'trace'; continue; }
    const value = eq < 0 ? argv[++i] : t.slice(eq + 1);
    if (value !== undefined && name === 'root') given.root = value; // the last one wins, as in yargs
  }
  return given;
}
