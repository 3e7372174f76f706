/** `inspect NAME…`: containers, images, networks or volumes as docker shows them (JSON or -f template). */
import type { Argv, CommandModule } from 'yargs';
import { UserError } from '../../errors';
import { writeOut } from '../../stdio';

export const inspectCommand: CommandModule<object, any> = {
  command: 'inspect <names..>',
  describe: 'Return low-level information on containers, images, networks or volumes',
  builder: (y: Argv) => y
    .option('format', { alias: 'f', type: 'string', describe: 'Format the output using a Go template' })
    .option('type', { type: 'string', choices: ['container', 'image', 'network', 'volume'], describe: 'Only look for this type of object' }),
  handler: async (a) => {
    const { sweepStaleContainers } = await import('../../engine/cleanup');
    const { findContainer } = await import('../../engine/container-store');
    const { inspectContainer } = await import('../../engine/inspect');
    sweepStaleContainers();
    const items: Array<{ doc: unknown } | { error: string }> = [];
    for (const name of a.names as string[]) {
      let found: unknown = null;
      if (a.type === undefined || a.type === 'container') {
        try {
          found = inspectContainer(findContainer(name));
        } catch (e) {
          if (!(e instanceof UserError)) throw e;
          // A record that exists but cannot be read is reported as such, not as "no such object".
          const { listContainerIds, loadContainer } = await import('../../engine/container-store');
          const dir = listContainerIds().find((id) => id === name || (name.length >= 12 && id.startsWith(name)));
          if (dir) loadContainer(dir); // throws the clear one-line error
        }
      }
      if (found === null && (a.type === undefined || a.type === 'image')) {
        const { findImage } = await import('../../image/store');
        const img = findImage(name);
        if (img) found = (await import('./images')).inspectImage(img);
      }
      // docker looks for containers, then images, then networks, then volumes.
      if (found === null && (a.type === undefined || a.type === 'network')) {
        const { networkView } = await import('./network');
        try { found = await networkView(name); } catch (e) { if (!(e instanceof UserError)) throw e; }
      }
      if (found === null && (a.type === undefined || a.type === 'volume')) {
        const { readVolume } = await import('../../volume/store');
        const { inspectVolume } = await import('../../engine/volumes');
        const v = readVolume(name);
        if (v) found = inspectVolume(v);
      }
      items.push(found === null ? { error: `Error: No such object: ${name}` } : { doc: found });
    }
    if (a.format) {
      (await import('../format')).writeInspectFormat(a.format, items); // (the template engine only for -f)
      return;
    }
    writeOut(1, JSON.stringify(items.flatMap((i) => ('doc' in i ? [i.doc] : [])), null, 4) + '\n');
    const errors = items.flatMap((i) => ('error' in i ? [i.error] : []));
    for (const e of errors) writeOut(2, e + '\n');
    if (errors.length) process.exitCode = 1;
  },
};
