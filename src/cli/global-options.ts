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
