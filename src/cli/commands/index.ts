/** Every command of the CLI, one module each (or one per group). */
import type { CommandModule } from 'yargs';
import { runCommand } from './run';
import { rmCommand } from './rm';
import { containerCommands } from './containers';
import { imageCommands } from './images';
import { pullCommand } from './pull';
import { registryCommands } from './registry';

export const commands: CommandModule<any, any>[] = [
  runCommand,
  rmCommand,
  ...containerCommands,
  ...imageCommands,
  pullCommand,
  ...registryCommands,
];
