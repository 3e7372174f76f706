/**
 * `mini-run exec [OPTIONS] CONTAINER COMMAND [ARG...]` — run a command in a running container.
 */
import type { Argv, CommandModule, Options } from 'yargs';
import { listOption, PARSER_CONFIG, scanLeadingFlags } from '../args';
import { exitWhenFlushed } from '../exit-flushed';

/** The flags of `exec`, in one table: yargs reads it, and so does main.ts's command splitter. */
export const EXEC_FLAGS: Record<string, Options> = {
  detach: { alias: 'd', type: 'boolean', describe: 'Detached mode: run command in the background' },
  interactive: { alias: 'i', type: 'boolean', describe: 'Keep STDIN open even if not attached' },
  tty: { alias: 't', type: 'boolean', describe: 'Allocate a pseudo-TTY' },
  env: { alias: 'e', type: 'string', describe: 'Set environment variables (KEY=VALUE or KEY)' },
  'env-file': { type: 'string', describe: 'Read in a file of environment variables' },
  workdir: { alias: 'w', type: 'string', describe: 'Working directory inside the container' },
  user: { alias: 'u', type: 'string', describe: 'Username or UID (format: <name|uid>[:<group|gid>])' },
  privileged: { type: 'boolean', describe: 'Give extended privileges to the command' },
};

/**
 * A quick look at `exec`'s flags (before CONTAINER) for what the exec process's spawn depends
 * on: -t, -i, -d. The CLI uses it to start that process before yargs has even loaded; the full
 * parse decides, and a different answer throws the early one away (engine/exec-start.ts).
 */
export function scanExecShape(tokens: readonly string[]): { terminal: boolean; interactive: boolean; detach: boolean } | null {
  const seen = scanLeadingFlags(tokens, EXEC_FLAGS);
  if (seen === null) return null;
  const detach = seen.has('detach');
  // As engine/exec.ts derives them: a detached exec has no terminal and no stdin.
  return { terminal: seen.has('tty') && !detach, interactive: seen.has('interactive') && !detach, detach };
}

/**
 * The handler's arguments for the plainest command line, `[--root DIR] exec CONTAINER -- CMD…`
 * (as main.ts's markCommandStart hands it on: no flag of exec's, the `--` put after CONTAINER),
 * without loading the parser: what quick-parse.ts (and yargs) give for it (unit quick-parse
 * compares the two). null: anything else, which the parser reads.
 */
export function plainExecArgs(argv: readonly string[]): Record<string, unknown> | null {
  let i = 0;
  const globals: Record<string, unknown> = {};
  if (argv[0] === '--root') {
    if (argv.length < 2 || argv[1].startsWith('-')) return null;
    globals.root = argv[1];
    i = 2;
  }
  const container = argv[i + 1];
  if (argv[i] !== 'exec' || container === undefined || container.startsWith('-') || argv[i + 2] !== '--') return null;
  const command = argv.slice(i + 3);
  return { _: ['exec'], ...(command.length ? { '--': command } : {}), ...globals, container, $0: 'mini-run' }; // (no command: yargs sets no `--`)
}

type ExecArgs = { container: string; '--'?: (string | number)[] } & Record<string, unknown>;

const last = (v: unknown): string | undefined => (v === undefined ? undefined : Array.isArray(v) ? String(v[v.length - 1]) : String(v));

export const execCommand: CommandModule<object, ExecArgs> = {
  command: 'exec <container>',
  describe: 'Execute a command in a running container',
  builder: (y: Argv) =>
    y.usage('Usage: mini-run exec [OPTIONS] CONTAINER COMMAND [ARG...]')
      .parserConfiguration({ ...PARSER_CONFIG, 'populate--': true })
      .options(EXEC_FLAGS)
      .positional('container', { type: 'string', describe: 'container name or id' }) as unknown as Argv<ExecArgs>,
  handler: async (a) => {
    const { execContainer } = await import('../../engine/exec');
    const code = await execContainer({
      container: String(a.container),
      command: (a['--'] ?? []).map(String),
      interactive: !!a.interactive,
      tty: !!a.tty,
      detach: !!a.detach,
      env: listOption(a.env),
      envFiles: listOption(a['env-file']),
      workdir: last(a.workdir),
      user: last(a.user),
      privileged: !!a.privileged,
    });
    // The program's status is known and every relay has finished: exit as soon as our output
    // has left, without waiting for Node to tear its heap down (exit-flushed.ts).
    await exitWhenFlushed(code);
  },
};
