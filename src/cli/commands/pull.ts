/**
 * `mini-run pull [-q] [-a] [--platform os/arch[/variant]] NAME[:TAG|@DIGEST]`
 */
import type { Argv, CommandModule } from 'yargs';
import { UserError } from '../../errors';
import { progressReporter, quietReporter } from '../progress';

interface PullArgs { name: string; quiet?: boolean; 'all-tags'?: boolean; platform?: string }

/** docker exits 1 when a pull fails (125 is for `run`'s own errors). */
export function exitOne(e: unknown): never {
  if (e instanceof UserError && e.exitCode !== 1) throw new UserError(e.message, 1);
  throw e;
}

async function pull(args: PullArgs): Promise<void> {
  try {
    const { pullImage, listTags } = await import('../../image/pull');
    const { parseReference, formatReference, repositoryName } = await import('../../image/reference');
    const report = args.quiet ? quietReporter : progressReporter(process.stdout);
    const r = parseReference(args.name);
    const typedTag = /:[\w][\w.-]*$/.test(args.name.replace(/^[^/]*\//, '')) || args.name.includes('@');
    if (args['all-tags']) {
      if (typedTag) throw new UserError('tag can\'t be used with --all-tags/-a', 1);
      const { tags } = await listTags(args.name);
      if (!tags.length) throw new UserError(`${repositoryName(r)}: the repository has no tags`, 1);
      for (const tag of tags) await pullImage(`${repositoryName(r)}:${tag}`, { platform: args.platform, onEvent: report });
      process.stdout.write(`${repositoryName(r)}\n`);
      return;
    }
    if (!typedTag && !args.quiet) process.stdout.write('Using default tag: latest\n');
    const result = await pullImage(formatReference(r), { platform: args.platform, onEvent: report });
    process.stdout.write(`${result.reference}\n`);
  } catch (e) {
    exitOne(e);
  }
}

export const pullCommand: CommandModule<object, PullArgs> = {
  command: 'pull <name>',
  describe: 'Download an image from a registry',
  builder: ((y: Argv) => y
    .usage('Usage: mini-run pull [OPTIONS] NAME[:TAG|@DIGEST]')
    .positional('name', { type: 'string', describe: 'image reference, e.g. alpine, alpine:3.20, 127.0.0.1:5000/app@sha256:…' })
    .option('all-tags', { alias: 'a', type: 'boolean', describe: 'Download all tagged images in the repository' })
    .option('platform', { type: 'string', describe: 'Pull this platform of a multi-platform image, e.g. linux/arm64' })
    .option('quiet', { alias: 'q', type: 'boolean', describe: 'Suppress verbose output' })) as any,
  handler: pull,
};
