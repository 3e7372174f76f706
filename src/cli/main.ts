/**
 * mini-run's command line: global options, the list of commands, and the one place where
 * errors become a single line on stderr and a docker-like exit code.
 */
import type { Argv, CommandModule } from 'yargs';
import { setStateRoot } from '../paths';
import { secureStateRoot } from '../state-root';
import { setTraceSink } from '../sys/trace';
import { SysError } from '../sys/errors';
import { UserError } from '../errors';
import { whenStdioMade, writeOut } from '../stdio';
import { PARSER_CONFIG, protectLoneDash, restoreLoneDash } from './args';
import { GLOBAL_OPTIONS, givenGlobalOptions } from './global-options';
// Loaded up front (small, node:fs only): with no file descriptor left, loading it late would fail too.
import { exhaustedLimitMessage } from './resource-errors';

export interface GlobalOptions {
  root?: string;
  trace?: boolean;
  debug?: boolean;
}

/** The mount point of the filesystem that holds `path` (the longest mount point above it). */
function filesystemOf(path: string): string {
  const { parseMountInfo } = require('../sys/mountinfo') as typeof import('../sys/mountinfo');
  const { readFileSync } = require('node:fs') as typeof import('node:fs');
  let best = '/';
  try {
    for (const m of parseMountInfo(readFileSync('/proc/self/mountinfo', 'utf8'))) {
      const mp = m.mountPoint;
      if ((path === mp || path.startsWith(mp.endsWith('/') ? mp : mp + '/')) && mp.length > best.length) best = mp;
    }
  } catch { /* no /proc: say / */ }
  return best;
}

/**
 * A write that failed because the disk is full: one line that names the filesystem and says
 * what to do (every command that must write ends here; the ones that read or free do not write).
 */
function outOfSpaceMessage(err: unknown): string | null {
  const { isOutOfSpace } = require('../fsutil') as typeof import('../fsutil');
  if (!isOutOfSpace(err)) return null;
  const { stateRoot } = require('../paths') as typeof import('../paths');
  const e = err as NodeJS.ErrnoException;
  const path = typeof e.path === 'string' && e.path.startsWith('/') ? e.path : stateRoot();
  const quota = e.code === 'EDQUOT' || /EDQUOT|quota/i.test(e.message ?? '');
  return `${quota ? 'disk quota exceeded' : 'no space left on device'} on the filesystem at ${filesystemOf(path)} (it holds ${stateRoot()}): see what uses it with 'mini-run system df', free space with 'mini-run container prune' or 'mini-run image prune'`;
}

/** The command line as typed (for hints in error messages). */
let typedArgv: string[] = [];

/** Print one line for an error and exit with its code (125 unless the error says otherwise). */
export function fail(err: unknown, debug = false): never {
  const e = err as Error;
  let full = exhaustedLimitMessage(err);
  try {
    full ??= outOfSpaceMessage(err);
  } catch { /* its helpers could not be loaded (no descriptor left?): the plain message below */ }
  // (an exhausted limit is 125, as any daemon-side failure — unless the error says otherwise: exec's spawn says 126)
  const given = (err as { exitCode?: unknown } | null)?.exitCode;
  const code = full ? (typeof given === 'number' ? given : 125) : err instanceof UserError ? err.exitCode : 125;
  let msg = full ?? (err instanceof UserError || err instanceof SysError ? e.message : `${e?.message ?? String(err)}`);
  // Run as a normal user, the first thing to fail is the state root or a namespace: say why.
  const errno = (err as NodeJS.ErrnoException)?.code ?? (err instanceof SysError ? err.code : undefined);
  if (!full && (errno === 'EACCES' || errno === 'EPERM') && process.getuid?.() !== 0) {
    msg = `${msg}: mini-run needs root (try: sudo mini-run ${typedArgv.join(' ')})`;
  }
  process.exitCode = code; // (a closed stderr ends with this code too: stdio.ts's EPIPE exit)
  writeOut(2, `mini-run: ${msg}\n`);
  if (debug && e?.stack) writeOut(2, e.stack + '\n');
  process.exit(code);
}

/** `commands`: only the typed command's module's by default (see commands/index.ts); tests give their own. */
export function buildParser(argv: string[], given?: CommandModule<any, any>[]): Argv<GlobalOptions> {
  // Loaded here, not at the top: `run` spawns the container's init before these (see main()).
  const yargs = require('yargs/yargs') as typeof import('yargs/yargs');
  const commands = given ?? (require('./commands') as typeof import('./commands')).commandsFor(commandWord(argv));
  let parser = yargs(protectLoneDash(argv))
    .scriptName('mini-run')
    .parserConfiguration(PARSER_CONFIG)
    .usage('Usage: $0 [OPTIONS] COMMAND\n\nA container runtime in TypeScript, for learning how containers work.')
    .option('root', { type: GLOBAL_OPTIONS.root.type, describe: GLOBAL_OPTIONS.root.describe, global: true })
    .option('trace', { type: GLOBAL_OPTIONS.trace.type, describe: GLOBAL_OPTIONS.trace.describe, global: true })
    .option('debug', { type: 'boolean', describe: 'print stack traces on errors', global: true, hidden: true })
    .middleware((args) => {
      restoreLoneDash(args);
      setStateRoot(args.root as string | undefined);
      secureStateRoot();
      if (args.trace) setTraceSink(2, 'run');
    })
    .strict()
    .demandCommand(1, NEEDS_COMMAND)
    .help()
    .version(false)
    .wrap(Math.min(110, process.stdout.columns || 100))
    .fail((msg, err, usage) => {
      if (err) fail(err, argv.includes('--debug'));
      // A command mini-run does not have: docker's "unknown command" (exit 1), a suggestion
      // only when one is close, and what to use instead for what mini-run leaves out on purpose.
      const path = commandPath(argv);
      const { unknownCommandMessage } = require('./unknown-command') as typeof import('./unknown-command');
      const unknown = path.length ? unknownCommandMessage(path, commands) : null;
      if (unknown !== null) {
        process.stderr.write(`mini-run: ${unknown}\nSee 'mini-run --help'.\n`);
        process.exit(1);
      }
      // A command group without its subcommand (`mini-run container`): its help, like docker.
      const bareGroup = path.length === 1 && GROUPS.has(path[0]);
      if (msg === NEEDS_COMMAND || /a subcommand is needed/.test(msg) || bareGroup) {
        (usage as unknown as { showHelp(level: string): void }).showHelp('log');
        process.exit(0);
      }
      // `mini-run run` without IMAGE: docker's wording and exit code.
      const missing = /^Not enough non-option arguments: got \d+, need at least (\d+)$/.exec(msg);
      if (missing) {
        process.stderr.write(`mini-run: 'mini-run ${path.join(' ')}' requires at least ${missing[1]} argument${missing[1] === '1' ? '' : 's'}\nSee 'mini-run ${path.join(' ')} --help'.\n`);
        process.exit(1);
      }
      process.stderr.write(`mini-run: ${usageError(msg, argv)}\nSee 'mini-run ${commandPath(argv).join(' ')}${commandPath(argv).length ? ' ' : ''}--help'.\n`);
      process.exit(125);
    }) as unknown as Argv<GlobalOptions>;
  for (const c of commands) parser = parser.command(c as any);
  return parser;
}

const NEEDS_COMMAND = 'a command is needed';

/** The first word that is not a global option: the command (or group) typed, if any. */
export function commandWord(argv: string[]): string | undefined {
  let i = 0;
  for (; i < argv.length && argv[i].startsWith('-'); i++) {
    if (argv[i] === '--root') i++;
    // Anything else before the command (a typo'd flag): yargs' error shows the full command list.
    else if (!['--trace', '--debug'].includes(argv[i]) && !argv[i].startsWith('--root=')) return undefined;
  }
  return argv[i];
}

/** The command words typed (`container ls`), for "See 'mini-run container ls --help'". */
function commandPath(argv: string[]): string[] {
  const words: string[] = [];
  for (let i = 0; i < argv.length && words.length < 2; i++) {
    const t = argv[i];
    if (t === '--') break;
    if (t === '--root') { i++; continue; }
    if (t.startsWith('-')) { if (words.length) break; continue; }
    if (words.length === 1 && !GROUPS.has(words[0])) break;
    words.push(t);
  }
  return words;
}

/** yargs' "Unknown argument: bogus" in docker's words: "unknown flag: --bogus". */
function usageError(msg: string, argv: string[]): string {
  const m = /^Unknown arguments?: (.*)$/.exec(msg);
  if (!m) return msg;
  const names = m[1].split(', ');
  for (const t of argv) {
    if (t === '--') break;
    if (t.startsWith('--') && names.some((n) => t.slice(2).split('=')[0] === n)) return `unknown flag: ${t.split('=')[0]}`;
    if (/^-[^-]/.test(t)) {
      const letter = [...t.slice(1)].find((c) => names.includes(c));
      if (letter) return `unknown shorthand flag: '${letter}' in ${t}`;
    }
  }
  return `unknown argument${names.length > 1 ? 's' : ''}: ${names.join(' ')}`;
}

/** Management commands: their subcommand is part of the command's name. */
const GROUPS = new Set(['container', 'image', 'network', 'volume', 'system']);

/** For `run`/`create`/`exec`, mark where the container's own command starts (see splitAtImage). */
export function markCommandStart(argv: string[]): string[] {
  const globalsWithValue = new Set(['--root']);
  let i = 0;
  while (i < argv.length && argv[i].startsWith('-')) i += globalsWithValue.has(argv[i]) ? 2 : 1;
  if (!['exec', 'container', 'run', 'create'].includes(argv[i])) return argv;
  const { splitAtImage } = require('./args') as typeof import('./args');
  // exec: the first word after the flags is CONTAINER (not IMAGE); the command follows it.
  if (argv[i] === 'exec') {
    const { EXEC_FLAGS } = require('./commands/exec') as typeof import('./commands/exec');
    return [...argv.slice(0, i + 1), ...splitAtImage(argv.slice(i + 1), EXEC_FLAGS)];
  }
  if (argv[i] === 'container' && (argv[i + 1] === 'run' || argv[i + 1] === 'create' || argv[i + 1] === 'exec')) {
    return [...argv.slice(0, i + 1), ...markCommandStart(argv.slice(i + 1))];
  }
  if (argv[i] !== 'run' && argv[i] !== 'create') return argv;
  // (run-scan's table: the same names, aliases and types as commands/run.ts RUN_FLAGS, without loading it before the init's spawn)
  const { RUN_FLAG_SHAPES } = require('./run-scan') as typeof import('./run-scan');
  return [...argv.slice(0, i + 1), ...splitAtImage(argv.slice(i + 1), RUN_FLAG_SHAPES)];
}

/**
 * `run` in the foreground: start the container's init (a second Node process, ~45 ms to boot)
 * before we even load yargs and parse the command line, so the two boots overlap. The parsed
 * options take it or throw it away (engine/run-start.ts).
 */
function prespawnForRun(argv: string[]): void {
  let i = 0;
  while (i < argv.length && argv[i].startsWith('-')) i += argv[i] === '--root' ? 2 : 1;
  if (argv[i] !== 'run') return;
  if (argv.slice(0, i).includes('--trace')) setTraceSink(2, 'run'); // so its syscalls are shown too
  const end = argv.indexOf('--', i + 1);
  const { scanInitShape, scanDetachedShape } = require('./run-scan') as typeof import('./run-scan'); // (not commands/run: its flag parsers and the cgroup code)
  const flags = argv.slice(i + 1, end < 0 ? undefined : end);
  const shape = scanInitShape(flags);
  if (shape) require('../engine/run-start').prespawnInit(shape);
  // `run -d`: the container's supervisor (a Node of its own, which spawns the init) boots now,
  // not after the parse and the engine's load (engine/supervisor-launch.ts).
  const detached = scanDetachedShape(flags);
  if (detached !== undefined && process.getuid?.() === 0 && process.env.MINI_RUN_ROOTLESS !== '1') { // (rootless: -d is refused)
    setStateRoot(givenGlobalOptions(argv).root); // (the parse sets the same again)
    require('../engine/supervisor-launch').prelaunchSupervisor(detached);
  }
}

/** `exec`: start the exec process before yargs loads and the container is looked up (engine/exec-start.ts). */
function prespawnForExec(argv: string[]): void {
  let i = 0;
  while (i < argv.length && argv[i].startsWith('-')) i += argv[i] === '--root' ? 2 : 1;
  if (argv[i] !== 'exec') return;
  if (argv.slice(0, i).includes('--trace')) setTraceSink(2, 'run'); // its fd 4 is the trace then
  const end = argv.indexOf('--', i + 1);
  const { scanExecShape } = require('./commands/exec') as typeof import('./commands/exec');
  const shape = scanExecShape(argv.slice(i + 1, end < 0 ? undefined : end));
  if (shape) require('../engine/exec-start').prespawnExec(shape);
}

/**
 * What needs no parsing: `--version`, a bare `mini-run` (the help) and `mini-run help [COMMAND]`.
 */
function handledBeforeParse(argv: string[]): boolean {
  let i = 0;
  while (i < argv.length && argv[i].startsWith('-') && argv[i] !== '--version' && argv[i] !== '-v') i += argv[i] === '--root' ? 2 : 1;
  const word = argv[i];
  if (argv[0] === '__complete') { // what the completion scripts ask at each TAB (commands/completion.ts)
    (require('./commands/completion') as typeof import('./commands/completion')).printCompletions(argv.slice(1));
    return true;
  }
  if (word === '--version' || word === '-v') {
    const { miniRunVersion } = require('./commands/version') as typeof import('./commands/version');
    process.stdout.write(`mini-run version ${miniRunVersion()}\n`);
    return true;
  }
  if (word === undefined || (word === 'help' && i === argv.length - 1)) {
    // the whole list, grouped as docker's (top-help.ts); `mini-run run --help` stays yargs'
    const { allCommands } = require('./commands') as typeof import('./commands');
    const { topLevelHelp } = require('./top-help') as typeof import('./top-help');
    process.stdout.write(topLevelHelp(allCommands()));
    return true;
  }
  if (word === 'help') {
    buildParser([...argv.slice(i + 1), '--help']).parse();
    return true;
  }
  return false;
}

/**
 * `ps`, `images`, `inspect`, `logs`, `run`, `exec` without loading yargs when the command line
 * is plain (quick-parse.ts): the same steps as buildParser's middleware, then the handler.
 * null: yargs reads it (help, errors, anything unusual).
 */
function runQuickly(argv: string[]): Promise<unknown> | null {
  const word = commandWord(argv);
  if (word === undefined) return null;
  if (word === 'exec') {
    // `exec C CMD…` without flags: its arguments need no parser at all (commands/exec.ts)
    const { plainExecArgs, execCommand } = require('./commands/exec') as typeof import('./commands/exec');
    const args = plainExecArgs(argv);
    if (args) return handleQuickly(args, execCommand);
  }
  const { QUICK_WORDS, quickParse } = require('./quick-parse') as typeof import('./quick-parse');
  if (!QUICK_WORDS.has(word)) return null;
  const { commandsFor } = require('./commands') as typeof import('./commands');
  const command = commandsFor(word).find((c) => typeof c.command === 'string' && c.command.split(' ')[0] === word);
  const args = command && quickParse(protectLoneDash(argv), word, command, PARSER_CONFIG);
  if (!command || !args) return null;
  return handleQuickly(args, command);
}

/** The same steps as buildParser's middleware, then the command's handler. */
function handleQuickly(args: Record<string, unknown>, command: CommandModule<any, any>): Promise<unknown> {
  restoreLoneDash(args);
  setStateRoot(args.root as string | undefined);
  secureStateRoot();
  if (args.trace) setTraceSink(2, 'run');
  return Promise.resolve(command.handler(args as any));
}

/** The commands that start or enter a container (they need namespaces, mounts and cgroups). */
const STARTS_CONTAINERS = new Set(['run', 'create', 'start', 'restart', 'exec', 'build', 'lesson']);

/**
 * Rootless mini-run (issue 18): a normal user's command runs again inside the user's own user
 * namespace (cli/rootless.ts). A command that starts containers and does not work rootless
 * yet (build, lesson) gets one line saying so and what to type instead (exit 125), before
 * anything is spawned or made — not the first EPERM of a namespace call.
 */
function refuseRootless(argv: string[]): void {
  if (process.getuid?.() === 0 || argv.includes('--help')) return;
  const path = commandPath(argv);
  const word = path[0] !== undefined && GROUPS.has(path[0]) ? path[1] : path[0];
  // What works rootless runs again inside the user's own user namespace (cli/rootless.ts);
  // rerunRootless returns only when the user lacks what it needs (no subuid range…).
  const { ROOTLESS_COMMANDS, rerunRootless } = require('./rootless') as typeof import('./rootless');
  if (word !== undefined && ROOTLESS_COMMANDS.has(word)) {
    const missing = rerunRootless(argv, givenGlobalOptions(markCommandStart(argv)).root, word);
    if (STARTS_CONTAINERS.has(word)) {
      process.stderr.write(`mini-run: ${word} without root: ${missing}; or try: sudo mini-run ${argv.join(' ')}\n`);
      process.exit(125);
    }
    return; // ps, images…: as before, they say they need root when they meet the state root
  }
  if (word === undefined || !STARTS_CONTAINERS.has(word)) return;
  process.stderr.write(`mini-run: ${word} needs root: rootless mini-run (without sudo) is not available yet, see "Rootless" in docs/security.md (try: sudo mini-run ${argv.join(' ')})\n`);
  process.exit(125);
}

export function main(rawArgv: string[]): void {
  // `mini-run logs x | head`: a closed pipe on our output is the reader's choice, not an error.
  // (attached when a stream is first made: the read commands write without one, see stdio.ts)
  for (const fd of [1, 2] as const) {
    whenStdioMade(fd, (stream) => stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw e;
    }));
  }
  typedArgv = rawArgv;
  let argv: string[];
  try {
    if (process.env.MINI_RUN_ROOTLESS_CWD !== undefined) (require('./rootless') as typeof import('./rootless')).enterRootlessCwd();
    if (handledBeforeParse(rawArgv)) return;
    refuseRootless(rawArgv);
    argv = markCommandStart(rawArgv);
    prespawnForRun(argv);
    prespawnForExec(argv);
  } catch (err) {
    // (these load modules at first use: with no descriptor left, that is where it shows)
    fail(err, rawArgv.includes('--debug'));
  }
  Promise.resolve()
    .then(() => runQuickly(argv) ?? buildParser(argv).parseAsync())
    .catch((err) => fail(err, argv.includes('--debug')));
}
