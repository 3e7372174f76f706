/**
 * `mini-run build [-t NAME[:TAG]]... [-f FILE] [--build-arg K=V]... [--target STAGE] PATH|-`
 * (also `image build`): an image from a Dockerfile, with the classic builder's output.
 */
import type { Argv, CommandModule } from 'yargs';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { UserError } from '../../errors';
import { listOption } from '../args';
import { keyValues } from './run';

export const buildCommand: CommandModule<object, any> = {
  command: 'build <path>',
  describe: 'Build an image from a Dockerfile',
  builder: (y: Argv) => y
    .positional('path', { type: 'string', describe: 'the build context (a directory), or - for a Dockerfile on stdin' })
    .option('tag', { alias: 't', type: 'string', describe: 'Name and optionally a tag in the "name:tag" format' })
    .option('file', { alias: 'f', type: 'string', describe: "Name of the Dockerfile (default: 'PATH/Dockerfile')" })
    .option('build-arg', { type: 'string', describe: 'Set build-time variables' })
    .option('target', { type: 'string', describe: 'Set the target build stage to build' })
    .option('label', { type: 'string', describe: 'Set metadata for an image' })
    .option('no-cache', { type: 'boolean', describe: 'Do not use cache when building the image' })
    .option('pull', { type: 'boolean', describe: 'Always attempt to pull a newer version of the image' })
    .option('quiet', { alias: 'q', type: 'boolean', describe: 'Suppress the build output and print image ID on success' })
    .option('network', { type: 'string', default: 'bridge', describe: 'Set the networking mode for the RUN instructions during build' })
    .option('progress', { type: 'string', choices: ['auto', 'plain', 'tty'], describe: 'Type of progress output (the classic builder\'s lines in every mode)' })
    .option('iidfile', { type: 'string', describe: 'Write the image ID to the file' })
    .option('rm', { type: 'boolean', default: true, describe: 'Remove intermediate containers after a successful build (always)' })
    .option('force-rm', { type: 'boolean', describe: 'Always remove intermediate containers (always)' }),
  handler: async (a) => {
    const { build } = await import('../../engine/build/builder');
    const { tagImage } = await import('../../image/tag');
    const quiet = !!a.quiet;
    const say = (line: string) => { if (!quiet) process.stdout.write(line + '\n'); };
    const path = String(a.path);
    let contextDir: string;
    let dockerfile: { text: string; name: string };
    let emptyContext: string | null = null;
    if (path === '-') {
      // `build - < Dockerfile`: the Dockerfile on stdin, no context.
      emptyContext = mkdtempSync('/tmp/mr-build-ctx-');
      contextDir = emptyContext;
      dockerfile = { text: readFileSync(0, 'utf8'), name: 'Dockerfile' };
    } else {
      contextDir = resolve(path);
      if (!existsSync(contextDir) || !statSync(contextDir).isDirectory()) throw new UserError(`unable to prepare context: path "${path}" not found`, 1);
      const file = a.file ? (isAbsolute(a.file) ? a.file : resolve(a.file)) : join(contextDir, 'Dockerfile');
      if (a.file === '-') dockerfile = { text: readFileSync(0, 'utf8'), name: 'Dockerfile' };
      else {
        if (!existsSync(file)) throw new UserError(`unable to prepare context: unable to evaluate symlinks in Dockerfile path: lstat ${file}: no such file or directory`, 1);
        dockerfile = { text: readFileSync(file, 'utf8'), name: a.file ? String(a.file) : 'Dockerfile' };
      }
    }
    const tags = listOption(a.tag);
    const { normalizeReference } = await import('../../image/reference');
    for (const t of tags) {
      try { normalizeReference(t); } catch { throw new UserError(`invalid argument "${t}" for "-t, --tag" flag: invalid reference format`, 125); }
    }
    try {
      const id = await build({
        contextDir, dockerfile, tags,
        buildArgs: keyValues(listOption(a.buildArg), '--build-arg'),
        target: a.target, labels: keyValues(listOption(a.label), '--label'),
        network: String(a.network), pull: !!a.pull, say, quiet, noCache: !!a.noCache,
      });
      for (const t of tags) tagImage(id, t);
      if (quiet) process.stdout.write(id + '\n');
      else {
        say(`Successfully built ${id.replace(/^sha256:/, '').slice(0, 12)}`);
        const { familiarName } = await import('../../image/reference');
        for (const t of tags) say(`Successfully tagged ${familiarName(normalizeReference(t))}`);
      }
      if (a.iidfile) writeFileSync(String(a.iidfile), id);
    } finally {
      if (emptyContext) rmSync(emptyContext, { recursive: true, force: true });
    }
  },
};
