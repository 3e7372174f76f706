/**
 * `mini-run completion bash|zsh|fish`: the shell script that completes mini-run command lines,
 * and `mini-run __complete WORD… CURRENT`, what the script asks at each TAB (see ../completion.ts).
 */
import type { CommandModule } from 'yargs';
import { UserError } from '../../errors';
import { SHELL_SCRIPTS, type ContainerName, type NameSource } from '../completion';
import { lazy } from '../../lazy';

const containerStore = lazy(() => require('../../engine/container-store') as typeof import('../../engine/container-store'));
const imageStore = lazy(() => require('../../image/store') as typeof import('../../image/store'));
const volumeStore = lazy(() => require('../../volume/store') as typeof import('../../volume/store'));
const userNetworks = lazy(() => require('../../network/user-networks') as typeof import('../../network/user-networks'));
const paths = lazy(() => require('../../paths') as typeof import('../../paths'));
const commandIndex = lazy(() => require('./index') as typeof import('./index'));
const completion = lazy(() => require('../completion') as typeof import('../completion'));

export const completionCommand: CommandModule<object, { shell: keyof typeof SHELL_SCRIPTS }> = {
  command: 'completion <shell>',
  describe: 'Print the shell completion script (bash, zsh or fish)',
  builder: (y) => y
    .usage('Usage: mini-run completion bash|zsh|fish\n\nbash: source <(mini-run completion bash)   zsh: source <(mini-run completion zsh)   fish: mini-run completion fish | source')
    .positional('shell', { type: 'string', describe: 'the shell to complete for: bash, zsh or fish' }) as any,
  handler: (a) => {
    if (!Object.hasOwn(SHELL_SCRIPTS, a.shell)) throw new UserError(`invalid argument "${a.shell}" for "mini-run completion": bash, zsh or fish`, 125);
    process.stdout.write(SHELL_SCRIPTS[a.shell]);
  },
};

/** Each list read on its own: a store that cannot be read (not root, no state root yet) gives no names. */
function quietly<T>(read: () => T[]): T[] {
  try {
    return read();
  } catch {
    return [];
  }
}

/** Names from the state root, read only (nothing is created or locked: completion runs at every TAB). */
export const storeNames: NameSource = {
  containers: () => quietly(() => {
    const { listContainers, isRunning } = containerStore();
    return listContainers().map((r): ContainerName => ({
      name: r.name,
      state: !isRunning(r) ? 'stopped' : r.state.Status === 'paused' ? 'paused' : 'running',
    }));
  }),
  images: () => quietly(() => {
    const { listImages, familiarName } = imageStore();
    return listImages().flatMap((i) => i.repoTags.map(familiarName));
  }),
  volumes: () => quietly(() => volumeStore().listVolumes().map((v) => v.Name)),
  networks: () => quietly(() => userNetworks().listNetworks().map((n) => n.Name)),
};

/** `mini-run [--root DIR] __complete WORD… CURRENT`: one candidate a line (none: the shell completes files). */
export function printCompletions(words: string[]): void {
  const { setStateRoot } = paths();
  const { allCommands } = commandIndex();
  const { complete } = completion();
  // --root typed before the command names the state root to read names from
  for (let i = 0; i < words.length - 1; i++) {
    if (words[i] === '--root' && i + 1 < words.length - 1) setStateRoot(words[i + 1]);
    else if (words[i].startsWith('--root=')) setStateRoot(words[i].slice('--root='.length));
  }
  const out = complete(words, allCommands(), storeNames);
  if (out.length) process.stdout.write(out.join('\n') + '\n');
}
