/** Every command of the CLI, one module each (or one per group). */
import type { CommandModule } from 'yargs';

type Commands = CommandModule<any, any>[];

/**
 * Which module holds each top-level command, in the order `mini-run --help` lists them. A
 * module is loaded only when one of its words is typed (`ps` loads ps.ts, not the 24 others
 * and what they import); `--help` and unknown words load them all.
 */
const MODULES: Array<[words: string[], load: () => Commands]> = [
  [['run'], () => [require('./run').runCommand]],
  [['rm'], () => [require('./rm').rmCommand]],
  [['create', 'start', 'stop', 'kill', 'restart', 'wait', 'rename', 'attach'], () => require('./containers').containerCommands],
  [['logs'], () => [require('./logs').logsCommand]],
  [['inspect'], () => [require('./inspect').inspectCommand]],
  [['ps'], () => [require('./ps').psCommand]],
  [['exec'], () => [require('./exec').execCommand]],
  [['load', 'images', 'rmi', 'image', 'tag', 'push', 'save', 'history'], () => require('./images').imageCommands],
  [['pull'], () => [require('./pull').pullCommand]],
  [['login', 'logout'], () => require('./registry').registryCommands],
  [['pause', 'unpause'], () => { const m = require('./pause'); return [m.pauseCommand, m.unpauseCommand]; }],
  [['stats'], () => [require('./stats').statsCommand]],
  [['update'], () => [require('./update').updateCommand]],
  [['events'], () => [require('./events').eventsCommand]],
  [['top'], () => [require('./top').topCommand]],
  [['port'], () => [require('./port').portCommand]],
  [['network', 'info'], () => { const m = require('./network'); return [m.networkCommand, m.infoCommand]; }],
  [['cp'], () => [require('./cp').cpCommand]],
  [['diff'], () => [require('./diff').diffCommand]],
  [['commit'], () => [require('./commit').commitCommand]],
  [['export', 'import'], () => { const m = require('./export'); return [m.exportCommand, m.importCommand]; }],
  [['compare'], () => [require('./compare').compareCommand]],
  [['explain'], () => [require('./explain').explainCommand]],
  [['doctor'], () => [require('./doctor').doctorCommand]],
  [['build'], () => [require('./build').buildCommand]],
  [['version'], () => [require('./version').versionCommand]],
  [['search'], () => [require('./search').searchCommand]],
  [['completion'], () => [require('./completion').completionCommand]],
];

/** Every top-level command (not the management groups). */
function topLevel(): Commands {
  return MODULES.flatMap(([, load]) => load());
}

/**
 * `container ls|rm|start|…`: docker's management-command spelling of the container commands.
 * Each subcommand is the top-level command of the same name (`container ls` is `ps`).
 */
function containerGroup(all: CommandModule<any, any>[]): CommandModule {
  const byName = (n: string) => all.find((c) => String(c.command).split(' ')[0] === n);
  const subs: CommandModule<any, any>[] = [];
  for (const c of all) {
    const name = String(c.command).split(' ')[0];
    if (['run', 'create', 'start', 'stop', 'kill', 'restart', 'wait', 'rename', 'attach', 'logs', 'inspect', 'exec', 'pause', 'unpause', 'stats', 'top', 'rm', 'cp', 'diff', 'commit', 'export', 'update'].includes(name)) subs.push(c);
  }
  // `container ls`, also spelled `container list` and `container ps` (docker's aliases).
  const ps = byName('ps');
  if (ps) subs.push({ ...ps, command: 'ls', aliases: ['list', 'ps'] });
  subs.push(require('./system').containerPruneCommand);
  return {
    command: 'container <command>',
    describe: 'Manage containers',
    builder: (y) => {
      for (const c of subs) y.command(c as CommandModule);
      return y.demandCommand(1, 'mini-run container: a subcommand is needed (ls, run, rm, start, stop, logs, inspect…)');
    },
    handler: () => undefined,
  };
}

const GROUP_MODULES: Array<[words: string[], load: () => Commands]> = [
  [['container'], () => [containerGroup(topLevel())]],
  [['system'], () => [require('./system').systemCommand]],
  [['volume'], () => [require('./volume').volumeCommand]],
  [['lessons', 'lesson'], () => { const m = require('./lessons'); return [m.lessonsCommand, m.lessonCommand]; }],
];

/** All commands, as `mini-run --help` lists them. */
export function allCommands(): Commands {
  return [...topLevel(), ...GROUP_MODULES.flatMap(([, load]) => load())];
}

/** The words that name a command or a command group (what `commandsFor` knows without loading anything). */
export const COMMAND_WORDS: ReadonlySet<string> = new Set([...MODULES, ...GROUP_MODULES].flatMap(([words]) => words));

/** The commands to register for the typed word: only its own module's, or all for anything else. */
export function commandsFor(word: string | undefined): Commands {
  const hit = word === undefined ? undefined : [...MODULES, ...GROUP_MODULES].find(([words]) => words.includes(word));
  return hit ? hit[1]() : allCommands();
}
