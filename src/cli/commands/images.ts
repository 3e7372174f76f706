/**
 * Image commands: `load`, `images` (`image ls`), `rmi` (`image rm`), `image inspect`.
 */
import type { Argv, CommandModule } from 'yargs';
import { UserError } from '../../errors';
import {
  familiarName, findImage, imageConfigFile, layerDirs, listImages,
} from '../../image/store';
import { splitRepoTag, parseReference, formatReference, repositoryName } from '../../image/reference';
import type { StoredImage } from '../../image/image-index';
import { formatTable, humanSize, renderTemplate, timeAgo } from '../format';

const shortId = (id: string) => id.replace(/^sha256:/, '').slice(0, 12);

// ---------------------------------------------------------------------- load

interface LoadArgs { input?: string; quiet?: boolean }

/** docker exits 1 when a load fails (125 is for `run`'s own errors). */
async function load(args: LoadArgs): Promise<void> {
  try {
    await loadImages(args);
  } catch (e) {
    if (e instanceof UserError && e.exitCode === 125) throw new UserError(e.message, 1);
    throw e;
  }
}

async function loadImages(args: LoadArgs): Promise<void> {
  const { loadArchiveFile, loadArchiveStream } = await import('../../image/archive'); // the unpacker: only for load
  let loaded;
  if (args.input) {
    loaded = await loadArchiveFile(args.input);
  } else {
    if (process.stdin.isTTY) throw new UserError('requested load from stdin, but stdin is a terminal: use -i FILE or pipe an archive in');
    loaded = await loadArchiveStream(process.stdin, 'stdin');
  }
  if (args.quiet) return;
  for (const l of loaded) {
    for (const m of l.movedTags) {
      process.stdout.write(`The image ${familiarName(m.tag)} already exists, renaming the old one with ID ${m.fromId} to empty string\n`);
    }
    if (l.tags.length) for (const t of l.tags) process.stdout.write(`Loaded image: ${familiarName(t)}\n`);
    else process.stdout.write(`Loaded image ID: ${l.image.id}\n`);
  }
}

const loadBuilder = (y: Argv) => y
  .option('input', { alias: 'i', type: 'string', describe: 'Read from tar archive file, instead of STDIN' })
  .option('quiet', { alias: 'q', type: 'boolean', describe: 'Suppress the load output' });

export const loadCommand: CommandModule<object, LoadArgs> = {
  command: 'load',
  describe: 'Load an image from a tar archive (OCI layout or docker save) or STDIN',
  builder: loadBuilder as any,
  handler: load,
};

// -------------------------------------------------------------------- images

interface ImagesArgs { repository?: string; quiet?: boolean; 'no-trunc'?: boolean; digests?: boolean; format?: string; all?: boolean }

function matchesRepository(img: StoredImage, filter: string): string[] {
  // `images alpine` lists every tag of alpine; `images alpine:3` only that tag.
  const hasTag = filter.lastIndexOf(':') > filter.lastIndexOf('/');
  const r = parseReference(filter);
  return img.repoTags.filter((t) => (hasTag ? t === formatReference(r) : t.startsWith(repositoryName(r) + ':')));
}

function images(args: ImagesArgs): void {
  const all = listImages();
  const rows: Array<{ img: StoredImage; repository: string; tag: string; digest: string }> = [];
  for (const img of all) {
    const tags = args.repository ? matchesRepository(img, args.repository) : img.repoTags;
    if (args.repository && !tags.length) continue;
    const digest = img.repoDigests[0]?.split('@')[1] ?? '<none>';
    if (!tags.length) rows.push({ img, repository: '<none>', tag: '<none>', digest });
    for (const t of tags) rows.push({ img, ...splitRepoTag(t), digest });
  }
  const id = (img: StoredImage) => (args['no-trunc'] ? img.id : shortId(img.id));
  if (args.quiet) {
    const seen = new Set<string>();
    for (const r of rows) if (!seen.has(r.img.id)) { seen.add(r.img.id); process.stdout.write(id(r.img) + '\n'); }
    return;
  }
  if (args.format) {
    for (const r of rows) {
      process.stdout.write(renderTemplate(args.format, {
        ID: id(r.img), Repository: r.repository, Tag: r.tag, Digest: r.digest,
        CreatedSince: timeAgo(r.img.created), CreatedAt: r.img.created ?? '', Size: humanSize(r.img.size),
      }) + '\n');
    }
    return;
  }
  const header = ['REPOSITORY', 'TAG', ...(args.digests ? ['DIGEST'] : []), 'IMAGE ID', 'CREATED', 'SIZE'];
  process.stdout.write(formatTable([header, ...rows.map((r) => [
    r.repository, r.tag, ...(args.digests ? [r.digest] : []), id(r.img), timeAgo(r.img.created), humanSize(r.img.size),
  ])]));
}

const imagesBuilder = (y: Argv) => y
  .positional('repository', { type: 'string', describe: 'Only images of this repository[:tag]' })
  .option('quiet', { alias: 'q', type: 'boolean', describe: 'Only show image IDs' })
  .option('all', { alias: 'a', type: 'boolean', describe: 'Show all images (same as the default here: there are no intermediate images)' })
  .option('no-trunc', { type: 'boolean', describe: "Don't truncate output" })
  .option('digests', { type: 'boolean', describe: 'Show digests' })
  .option('format', { type: 'string', describe: 'Format output using a Go-template subset, e.g. "{{.Repository}}:{{.Tag}}"' });

export const imagesCommand: CommandModule<object, ImagesArgs> = {
  command: 'images [repository]',
  describe: 'List images',
  builder: imagesBuilder as any,
  handler: images,
};

// ----------------------------------------------------------------------- rmi

interface RmiArgs { images: string[]; force?: boolean }

async function rmi(args: RmiArgs): Promise<void> {
  const { removeImage } = await import('../../image/remove');
  const errors: string[] = [];
  for (const ref of args.images) {
    try {
      for (const line of removeImage(ref, !!args.force)) process.stdout.write(line + '\n');
    } catch (e) {
      if (!(e instanceof UserError)) throw e;
      errors.push(e.message);
    }
  }
  if (errors.length) {
    for (const m of errors.slice(0, -1)) process.stderr.write(`mini-run: ${m}\n`);
    throw new UserError(errors[errors.length - 1], 1);
  }
}

const rmiBuilder = (y: Argv) => y
  .positional('images', { type: 'string', array: true, describe: 'Images (name[:tag], id or id prefix)' })
  .option('force', { alias: 'f', type: 'boolean', describe: 'Force removal of the image' });

export const rmiCommand: CommandModule<object, RmiArgs> = {
  command: 'rmi <images..>',
  describe: 'Remove one or more images',
  builder: rmiBuilder as any,
  handler: rmi,
};

// ------------------------------------------------------------------- inspect

/** docker's `image inspect` document for one image. */
export function inspectImage(img: StoredImage): Record<string, unknown> {
  const cfg = imageConfigFile(img);
  const c = cfg.config ?? {};
  return {
    Id: img.id,
    RepoTags: img.repoTags.map(familiarName),
    RepoDigests: img.repoDigests.map(familiarName),
    Parent: '',
    Comment: '',
    Created: cfg.created ?? '',
    DockerVersion: '',
    Author: cfg.author ?? '',
    Config: {
      Hostname: '',
      Domainname: '',
      User: c.User ?? '',
      AttachStdin: false,
      AttachStdout: false,
      AttachStderr: false,
      ExposedPorts: c.ExposedPorts ?? undefined,
      Tty: false,
      OpenStdin: false,
      StdinOnce: false,
      Env: c.Env ?? null,
      Cmd: c.Cmd ?? null,
      Healthcheck: c.Healthcheck ?? undefined,
      ArgsEscaped: c.ArgsEscaped ?? undefined,
      Image: '',
      Volumes: c.Volumes ?? null,
      WorkingDir: c.WorkingDir ?? '',
      Entrypoint: c.Entrypoint ?? null,
      OnBuild: c.OnBuild ?? null,
      Labels: c.Labels ?? null,
      StopSignal: c.StopSignal ?? undefined,
      Shell: c.Shell ?? undefined,
    },
    Architecture: cfg.architecture,
    Variant: cfg.variant ?? undefined,
    Os: cfg.os,
    Size: img.size,
    GraphDriver: {
      Data: { LowerDir: layerDirs(img).reverse().join(':') },
      Name: 'overlay',
    },
    RootFS: { Type: 'layers', Layers: img.layers },
    Metadata: { LastTagTime: img.lastTagTime ?? '0001-01-01T00:00:00Z' },
  };
}

interface InspectArgs { images: string[]; format?: string }

function inspect(args: InspectArgs): void {
  const docs: Record<string, unknown>[] = [];
  const missing: string[] = [];
  for (const ref of args.images) {
    const img = findImage(ref);
    if (img) docs.push(inspectImage(img));
    else missing.push(ref);
  }
  if (args.format) {
    for (const d of docs) process.stdout.write(renderTemplate(args.format, d) + '\n');
  } else {
    process.stdout.write(JSON.stringify(docs, null, 4) + '\n');
  }
  if (missing.length) {
    for (const m of missing) process.stderr.write(`Error: No such image: ${m}\n`);
    process.exitCode = 1;
  }
}

const inspectBuilder = (y: Argv) => y
  .positional('images', { type: 'string', array: true })
  .option('format', { alias: 'f', type: 'string', describe: 'Format output using a Go-template subset, e.g. "{{.Id}}" or "{{json .Config}}"' });

// --------------------------------------------------------------------- image

/** `image ls|list|rm|remove|load|inspect`: docker's management-command spelling. */
export const imageCommand: CommandModule = {
  command: 'image <command>',
  describe: 'Manage images',
  builder: (y: Argv) => y
    .command({ ...imagesCommand, command: 'ls [repository]', aliases: ['list'] } as unknown as CommandModule)
    .command({ ...rmiCommand, command: 'rm <images..>', aliases: ['remove'] } as unknown as CommandModule)
    .command(loadCommand as unknown as CommandModule)
    .command({ command: 'inspect <images..>', describe: 'Display detailed information on one or more images', builder: inspectBuilder as any, handler: inspect as any } as CommandModule)
    .demandCommand(1, 'mini-run image: a subcommand is needed (ls, rm, load, inspect)'),
  handler: () => undefined,
};

export const imageCommands: CommandModule<any, any>[] = [loadCommand, imagesCommand, rmiCommand, imageCommand];
