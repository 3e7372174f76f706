/** `mini-run diff CONTAINER`: A/C/D lines, from the container's writable layer. */
import type { CommandModule } from 'yargs';

export const diffCommand: CommandModule<object, any> = {
  command: 'diff <container>',
  describe: "Inspect changes to files or directories on a container's filesystem",
  handler: async (a) => {
    const { containerChanges } = await import('../../engine/diff');
    for (const c of containerChanges(String(a.container))) process.stdout.write(`${c.kind} ${c.path}\n`);
  },
};
