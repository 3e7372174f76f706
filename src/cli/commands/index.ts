/** Every command of the CLI, one module each (or one per group). */
import type { CommandModule } from 'yargs';
import { runCommand } from './run';
import { rmCommand } from './rm';
import { containerCommands } from './containers';
import { psCommand } from './ps';
import { systemCommand, containerPruneCommand } from './system';
import { execCommand } from './exec';
import { imageCommands } from './images';
import { pullCommand } from './pull';
import { registryCommands } from './registry';
import { pauseCommand, unpauseCommand } from './pause';
import { statsCommand } from './stats';
import { topCommand } from './top';
import { portCommand } from './port';
import { networkCommand, infoCommand } from './network';
import { volumeCommand } from './volume';
import { cpCommand } from './cp';
import { diffCommand } from './diff';
import { commitCommand } from './commit';
import { exportCommand, importCommand } from './export';
import { compareCommand } from './compare';
import { lessonsCommand, lessonCommand } from './lessons';
import { explainCommand } from './explain';
import { doctorCommand } from './doctor';
import { buildCommand } from './build';
import { versionCommand } from './version';
import { searchCommand } from './search';

/**
 * `container ls|rm|start|…`: docker's management-command spelling of the container commands.
 * Each subcommand is the top-level command of the same name (`container ls` is `ps`).
 */
function containerGroup(all: CommandModule<any, any>[]): CommandModule {
  const byName = (n: string) => all.find((c) => String(c.command).split(' ')[0] === n);
  const subs: CommandModule<any, any>[] = [];
  for (const c of all) {
    const name = String(c.command).split(' ')[0];
    if (['run', 'create', 'start', 'stop', 'kill', 'restart', 'wait', 'rename', 'attach', 'logs', 'inspect', 'exec', 'pause', 'unpause', 'stats', 'top', 'rm', 'cp', 'diff', 'commit', 'export'].includes(name)) subs.push(c);
  }
  // `container ls`, also spelled `container list` and `container ps` (docker's aliases).
  const ps = byName('ps');
  if (ps) subs.push({ ...ps, command: 'ls', aliases: ['list', 'ps'] });
  subs.push(containerPruneCommand);
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

const topLevel: CommandModule<any, any>[] = [
  runCommand,
  rmCommand,
  ...containerCommands,
  psCommand,
  execCommand,
  ...imageCommands,
  pullCommand,
  ...registryCommands,
  pauseCommand,
  unpauseCommand,
  statsCommand,
  topCommand,
  portCommand,
  networkCommand,
  infoCommand,
  cpCommand,
  diffCommand,
  commitCommand,
  exportCommand,
  importCommand,
  compareCommand,
  explainCommand,
  doctorCommand,
  buildCommand,
  versionCommand,
  searchCommand,
];

export const commands: CommandModule<any, any>[] = [...topLevel, containerGroup(topLevel), systemCommand, volumeCommand, lessonsCommand, lessonCommand];
