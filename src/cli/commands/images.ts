/**
 * Image commands: `load`, `images` (`image ls`), `rmi` (`image rm`), `image inspect`.
 */
import type { Argv, CommandModule } from 'yargs';
import { UserError } from '../../errors';
import { writeOut } from '../../stdio';
import type * as StoreModule from '../../image/store';
import type * as ReferenceModule from '../../image/reference';
import type * as FormatModule from '../format';
import type { StoredImage } from '../../image/image-index';
import { pullCommand } from './pull';
import { lazy } from '../../lazy';

// Loaded when a command needs them, not when the CLI starts: `run` must not wait for the
// image store's and the template engine's code before it can spawn the container's init.
const store = lazy(() => require('../../image/store') as typeof StoreModule);
const ref = lazy(() => require('../../image/reference') as typeof ReferenceModule);
const fmt = lazy(() => require('../format') as typeof FormatModule);
const imageIndex = lazy(() => require('../../image/image-index') as typeof import('../../image/image-index'));
const psFormat = lazy(() => require('../ps-format') as typeof import('../ps-format'));
const columns = lazy(() => require('../columns') as typeof import('../columns'));
const buildModule = lazy(() => require('./build') as typeof import('./build'));

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
      process.stdout.write(`The image ${store().familiarName(m.tag)} already exists, renaming the old one with ID ${m.fromId} to empty string\n`);
    }
    if (l.tags.length) for (const t of l.tags) process.stdout.write(`Loaded image: ${store().familiarName(t)}\n`);
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

interface ImagesArgs { repository?: string; quiet?: boolean; 'no-trunc'?: boolean; digests?: boolean; format?: string; all?: boolean; filter?: string | string[] }

/** `images --filter`: dangling=, reference=PATTERN (values alternatives), label=K[=V] (every one must hold), as dockerd's. */
function parseFilters(v: string | string[] | undefined): { dangling?: boolean; references: RegExp[]; labels: Array<[string, string | undefined]> } {
  const out: { dangling?: boolean; references: RegExp[]; labels: Array<[string, string | undefined]> } = { references: [], labels: [] };
  for (const f of v === undefined ? [] : Array.isArray(v) ? v : [v]) {
    const eq = f.indexOf('=');
    const key = eq === -1 ? f : f.slice(0, eq);
    const value = eq === -1 ? '' : f.slice(eq + 1);
    if (key === 'dangling') {
      if (!['true', 'false', '1', '0'].includes(value)) throw new UserError(`Invalid filter 'dangling=${value}'`, 1);
      out.dangling = value === 'true' || value === '1';
    } else if (key === 'reference') {
      const glob = value.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]');
      out.references.push(new RegExp(`^${glob}$`));
    } else if (key === 'label') {
      const at = value.indexOf('=');
      out.labels.push(at === -1 ? [value, undefined] : [value.slice(0, at), value.slice(at + 1)]);
    } else {
      throw new UserError(`Invalid filter '${key}'`, 1);
    }
  }
  return out;
}

function matchesRepository(img: StoredImage, filter: string): string[] {
  // `images alpine` lists every tag of alpine; `images alpine:3` only that tag.
  const hasTag = filter.lastIndexOf(':') > filter.lastIndexOf('/');
  const r = ref().parseReference(filter);
  return img.repoTags.filter((t) => (hasTag ? t === ref().formatReference(r) : t.startsWith(ref().repositoryName(r) + ':')));
}

/** Column titles of `images --format 'table …'`, as docker's CLI names them. */
const IMAGE_HEADERS: Record<string, unknown> = {
  Containers: 'CONTAINERS', CreatedAt: 'CREATED AT', CreatedSince: 'CREATED', Digest: 'DIGEST', ID: 'IMAGE ID', Repository: 'REPOSITORY',
  SharedSize: 'SHARED SIZE', Size: 'SIZE', Tag: 'TAG', UniqueSize: 'UNIQUE SIZE', VirtualSize: 'SIZE', // (docker's title for both sizes)
};

function images(args: ImagesArgs): void {
  // the records alone (image/store.ts would bring the OCI document shapes and zod, for a list)
  const all = imageIndex().listImageRecords();
  const filters = parseFilters(args.filter);
  const rows: Array<{ img: StoredImage; repository: string; tag: string; digest: string }> = [];
  // The DIGEST of a row is the RepoDigest of that row's repository (an image may be in several).
  const digestFor = (img: StoredImage, tag?: string) => {
    const repo = tag ? tag.slice(0, tag.lastIndexOf(':')) : null;
    const d = (repo ? img.repoDigests.find((x) => x.startsWith(repo + '@')) : img.repoDigests[0]);
    return d?.split('@')[1] ?? '<none>';
  };
  for (const img of all) {
    if (filters.dangling !== undefined && (img.repoTags.length === 0) !== filters.dangling) continue;
    if (filters.labels.length) {
      const labels = store().imageConfig(img).Labels ?? {};
      if (!filters.labels.every(([k, val]) => k in labels && (val === undefined || labels[k] === val))) continue;
    }
    let tags = args.repository ? matchesRepository(img, args.repository) : img.repoTags;
    if (args.repository && !tags.length) continue;
    if (filters.references.length) {
      tags = tags.filter((t) => filters.references.some((re) => re.test(ref().familiarName(t)) || re.test(ref().splitRepoTag(t).repository)));
      if (!tags.length) continue;
    }
    if (!tags.length) rows.push({ img, repository: '<none>', tag: '<none>', digest: digestFor(img) });
    for (const t of tags) rows.push({ img, ...ref().splitRepoTag(t), digest: digestFor(img, t) });
  }
  const id = (img: StoredImage) => (args['no-trunc'] ? img.id : shortId(img.id));
  if (args.quiet) {
    const seen = new Set<string>();
    let out = '';
    for (const r of rows) if (!seen.has(r.img.id)) { seen.add(r.img.id); out += id(r.img) + '\n'; }
    writeOut(1, out);
    return;
  }
  if (args.format) {
    // `table …` gets docker's header row and aligned columns; anything else, a line per image.
    // Docker's image list leaves Containers and SharedSize uncounted (-1): its CLI prints N/A for
    // them and for UniqueSize; VirtualSize is the size with units.HumanSize's 4 digits.
    const { goTimeString } = psFormat();
    const items = rows.map((r) => ({
      Containers: 'N/A', CreatedAt: goTimeString(r.img.created ?? ''), CreatedSince: fmt().timeAgo(r.img.created), Digest: r.digest,
      ID: id(r.img), Repository: r.repository, SharedSize: 'N/A', Size: fmt().humanSize(r.img.size), Tag: r.tag,
      UniqueSize: 'N/A', VirtualSize: fmt().humanSize(r.img.size, 4),
    }));
    writeOut(1, fmt().renderListFormat(args.format, items, IMAGE_HEADERS, '*formatter.imageContext'));
    return;
  }
  const header = ['REPOSITORY', 'TAG', ...(args.digests ? ['DIGEST'] : []), 'IMAGE ID', 'CREATED', 'SIZE'];
  // (columns.ts, not format.ts: the table without --format needs no template engine)
  const cols = columns();
  writeOut(1, cols.formatTable([header, ...rows.map((r) => [
    r.repository, r.tag, ...(args.digests ? [r.digest] : []), id(r.img), cols.timeAgo(r.img.created), cols.humanSize(r.img.size),
  ])]));
}

const imagesBuilder = (y: Argv) => y
  .positional('repository', { type: 'string', describe: 'Only images of this repository[:tag]' })
  .option('quiet', { alias: 'q', type: 'boolean', describe: 'Only show image IDs' })
  .option('all', { alias: 'a', type: 'boolean', describe: 'Show all images (same as the default here: there are no intermediate images)' })
  .option('no-trunc', { type: 'boolean', describe: "Don't truncate output" })
  .option('digests', { type: 'boolean', describe: 'Show digests' })
  .option('format', { type: 'string', describe: 'Format output using a Go-template subset, e.g. "{{.Repository}}:{{.Tag}}"' })
  .option('filter', { alias: 'f', type: 'string', describe: 'Filter output: dangling=true|false, reference=PATTERN' });

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
  const cfg = store().imageConfigFile(img);
  const c = cfg.config ?? {};
  return {
    Id: img.id,
    RepoTags: img.repoTags.map((t) => store().familiarName(t)),
    RepoDigests: img.repoDigests.map((t) => store().familiarName(t)),
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
      Data: { LowerDir: store().layerDirs(img).reverse().join(':') },
      Name: 'overlay2', // Docker's name for this layout (one overlayfs lower directory per layer)
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
    const img = store().findImage(ref);
    if (img) docs.push(inspectImage(img));
    else missing.push(ref);
  }
  if (args.format) {
    fmt().writeInspectFormat(args.format, docs.map((doc) => ({ doc })));
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


// ------------------------------------------------------- tag, push, save, history, prune

export const tagCommand: CommandModule<object, { source: string; target: string }> = {
  command: 'tag <source> <target>',
  describe: 'Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE',
  builder: ((y: Argv) => y.positional('source', { type: 'string' }).positional('target', { type: 'string' })) as any,
  handler: async (a) => {
    const { tagImage } = await import('../../image/tag');
    tagImage(a.source, a.target);
  },
};

export const pushCommand: CommandModule<object, { name: string; quiet?: boolean }> = {
  command: 'push <name>',
  describe: 'Upload an image to a registry',
  builder: ((y: Argv) => y.positional('name', { type: 'string', describe: 'NAME[:TAG]' })
    .option('quiet', { alias: 'q', type: 'boolean', describe: 'Suppress verbose output' })) as any,
  handler: async (a) => {
    const { pushImage } = await import('../../image/push');
    const { progressReporter, quietReporter } = await import('../progress');
    try {
      const r = await pushImage(a.name, a.quiet ? quietReporter : progressReporter(process.stdout));
      if (a.quiet) process.stdout.write(`${store().familiarName(r.tag)}\n`);
    } catch (e) {
      throw e instanceof UserError ? new UserError(e.message, 1) : e;
    }
  },
};

export const saveCommand: CommandModule<object, { images: string[]; output?: string }> = {
  command: 'save <images..>',
  describe: 'Save images to a tar archive (an OCI layout that is also a docker-save archive)',
  builder: ((y: Argv) => y.positional('images', { type: 'string', array: true })
    .option('output', { alias: 'o', type: 'string', describe: 'Write to a file, instead of STDOUT' })) as any,
  handler: async (a) => {
    const { saveImages } = await import('../../image/save');
    if (!a.output && process.stdout.isTTY) throw new UserError('cowardly refusing to save to a terminal. Use the -o flag or redirect', 1);
    await saveImages(a.images, a.output ? { file: a.output } : { stream: process.stdout });
  },
};

interface HistoryArgs { image: string; quiet?: boolean; 'no-trunc'?: boolean; human?: boolean; format?: string }

export const historyCommand: CommandModule<object, HistoryArgs> = {
  command: 'history <image>',
  describe: 'Show the history of an image',
  builder: ((y: Argv) => y.positional('image', { type: 'string' })
    .option('quiet', { alias: 'q', type: 'boolean', describe: 'Only show image IDs' })
    .option('no-trunc', { type: 'boolean', describe: "Don't truncate output" })
    .option('human', { alias: 'H', type: 'boolean', default: true, describe: 'Print sizes and dates in human readable format' })
    .option('format', { type: 'string', describe: 'Format output using a Go-template subset' })) as any,
  handler: async (a) => {
    const { imageHistory } = await import('../../image/history');
    const img = store().findImage(a.image);
    if (!img) throw new UserError(`No such image: ${a.image}`, 1);
    const rows = imageHistory(img);
    const id = (x: string) => (x === '<missing>' || a['no-trunc'] ? x : shortId(x));
    if (a.quiet) {
      for (const r of rows) process.stdout.write(id(r.id) + '\n');
      return;
    }
    const by = (s: string) => {
      const t = s.replace(/\s+/g, ' ');
      return a['no-trunc'] || t.length <= 45 ? t : t.slice(0, 44) + '…';
    };
    const size = (n: number) => (a.human === false ? String(n) : fmt().humanSize(n));
    const created = (c?: string) => (a.human === false ? c ?? '' : fmt().timeAgo(c));
    if (a.format) {
      const items = rows.map((r) => ({ Comment: r.comment, CreatedAt: r.created ?? '', CreatedBy: by(r.createdBy), CreatedSince: fmt().timeAgo(r.created), ID: id(r.id), Size: size(r.size) }));
      process.stdout.write(fmt().renderListFormat(a.format, items, { Comment: 'COMMENT', CreatedAt: 'CREATED AT', CreatedBy: 'CREATED BY', CreatedSince: 'CREATED', ID: 'IMAGE', Size: 'SIZE' }, '*image.historyContext'));
      return;
    }
    process.stdout.write(fmt().formatTable([['IMAGE', 'CREATED', 'CREATED BY', 'SIZE', 'COMMENT'],
      ...rows.map((r) => [id(r.id), created(r.created), by(r.createdBy), size(r.size), r.comment])]));
  },
};

async function confirm(question: string): Promise<boolean> {
  process.stdout.write(question);
  const { createInterface } = await import('node:readline');
  const rl = createInterface({ input: process.stdin });
  const answer = await new Promise<string>((res) => { rl.once('line', res); rl.once('close', () => res('')); });
  rl.close();
  return /^y(es)?$/i.test(answer.trim());
}

export const pruneCommand: CommandModule<object, { all?: boolean; force?: boolean; filter?: string | string[] }> = {
  command: 'prune',
  describe: 'Remove unused images',
  builder: ((y: Argv) => y
    .option('all', { alias: 'a', type: 'boolean', describe: 'Remove all unused images, not just dangling ones' })
    .option('filter', { type: 'string', describe: 'Provide filter values (e.g. "until=24h", "label=KEY[=VALUE]", "label!=KEY[=VALUE]")' })
    .option('force', { alias: 'f', type: 'boolean', describe: 'Do not prompt for confirmation' })) as any,
  handler: async (a) => {
    // a bad filter is said before the question (docker's daemon refuses it after): nothing goes either way
    const { imagePruneWanted, parsePruneFilters } = await import('../image-prune-filters');
    const filter = parsePruneFilters(a.filter === undefined ? [] : Array.isArray(a.filter) ? a.filter : [a.filter]);
    a.all = a.all || filter.all;
    const warning = a.all
      ? 'WARNING! This will remove all images without at least one container associated to them.\n'
      : 'WARNING! This will remove all dangling images.\n';
    if (!a.force && !(await confirm(`${warning}Are you sure you want to continue? [y/N] `))) return;
    const { pruneImages } = await import('../../image/prune');
    const { lines, reclaimed } = pruneImages(!!a.all, imagePruneWanted(filter));
    if (lines.length) process.stdout.write(`Deleted Images:\n${lines.join('\n')}\n\n`);
    process.stdout.write(`Total reclaimed space: ${fmt().humanSize(reclaimed)}\n`);
  },
};

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
    .command(tagCommand as unknown as CommandModule)
    .command(pushCommand as unknown as CommandModule)
    .command(saveCommand as unknown as CommandModule)
    .command(historyCommand as unknown as CommandModule)
    .command(pruneCommand as unknown as CommandModule)
    .command(pullCommand as unknown as CommandModule)
    .command({ command: 'build <path>', describe: 'Build an image from a Dockerfile', builder: (yy: Argv) => (buildModule().buildCommand.builder as (y: Argv) => Argv)(yy), handler: (a: any) => buildModule().buildCommand.handler(a) } as unknown as CommandModule)
    .demandCommand(1, 'mini-run image: a subcommand is needed (ls, rm, load, inspect, tag, pull, push, save, history, prune, build)'),
  handler: () => undefined,
};

export const imageCommands: CommandModule<any, any>[] = [loadCommand, imagesCommand, rmiCommand, imageCommand, tagCommand, pushCommand, saveCommand, historyCommand];
