/** Every command of the CLI, one module each (or one per group). */
import type { CommandModule } from 'yargs';
import { runCommand } from './run';
import { rmCommand } from './rm';
import { imageCommands } from './images';

export const commands: CommandModule<any, any>[] = [
  runCommand,
  rmCommand,
  ...imageCommands,
];
