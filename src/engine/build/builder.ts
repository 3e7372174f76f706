/**
 * `mini-run build`: a Dockerfile, step by step, the way Docker's classic builder does it.
 *
 * The build keeps the image it is making in memory (config + layer list) and turns a step into:
 *   - metadata (ENV, CMD, EXPOSE, LABEL, USER, …): a new config, no layer (history says
 *     `empty_layer`);
 *   - RUN: the image so far is stored, a real mini-run container runs the command on the same
 *     path as `mini-run run`, and its writable layer becomes the next layer with the code
 *     `commit` uses (whiteouts, opaque directories); the container is removed;
 *   - COPY/ADD (and WORKDIR when the directory is missing): the files are staged in a directory
 *     shaped like the container's `/`, owned root:root unless --chown, and that tree is written
 *     as the next layer — no container needed.
 * Images stored for a RUN are intermediate: they are removed at the end (there is no build
 * cache yet), the final one is tagged.
 */
import { chmodSync, closeSync, copyFileSync, lchownSync, linkSync, lstatSync, mkdirSync, openSync, readFileSync, readSync, readdirSync,
  readlinkSync, rmSync, statSync, symlinkSync, utimesSync } from 'node:fs';
import { basename, join, posix } from 'node:path';
import { UserError } from '../../errors';
import { readBlob } from '../../image/content-store';
import { sha256 } from '../../image/digest';
import { MEDIA, type ContainerConfig, type ImageConfigFile } from '../../image/oci-types';
import { newStagingPath } from '../../image/staging';
import { findImage, imageConfigFile, layerDirs, type ImageRecord } from '../../image/store';
import { findMerged } from '../../volume/copy-up';
import { copyXattrs } from '../../image/xattrs';
import { HardLinks } from '../../image/hard-links';
import { mknod } from '../../sys/libc';
import { S_IFIFO } from '../../sys/constants';
import { commitContainer, storeLayerTar, storeWithConfig } from '../commit';
import { TarWriter, writeTree } from '../export';
import { resolveUser } from '../user';
import { BuildContext } from './context';
import { parseDockerfile, type Instruction } from './dockerfile';
import { expand, keyValuePairs, words } from './expand';

export interface BuildOptions {
  contextDir: string;
  /** the Dockerfile's text, and its name for messages */
  dockerfile: { text: string; name: string };
  tags: string[];
  buildArgs: Record<string, string>;
  target?: string;
  labels: Record<string, string>;
  network: string;
  pull: boolean;
  /** where the step lines go (stdout; nothing with -q) */
  say: (line: string) => void;
  /** a RUN's own output (stdout/stderr of the container) is shown unless quiet */
  quiet: boolean;
}

interface Layer { diffId: string; blobDigest: string; size: number; mediaType: string }
interface ImageState { file: ImageConfigFile; layers: Layer[] }
interface Stage { name?: string; index: number; from: Instruction; steps: Instruction[] }

const DEFAULT_SHELL = ['/bin/sh', '-c'];
const short = (id: string) => id.replace(/^sha256:/, '').slice(0, 12);

function stateOf(img: NonNullable<ReturnType<typeof findImage>>): ImageState {
  const file = imageConfigFile(img);
  const manifest = JSON.parse(readBlob(img.manifestDigest).toString('utf8')) as { layers: Array<{ mediaType: string; size: number }> };
  const layers = img.layers.map((diffId, i) => ({
    diffId, blobDigest: img.layerBlobs[i], size: manifest.layers[i]?.size ?? 0, mediaType: manifest.layers[i]?.mediaType ?? MEDIA.ociLayerGzip,
  }));
  return { file, layers };
}

/** Split the instructions into stages at each FROM; ARGs before the first FROM are global. */
function stagesOf(instructions: Instruction[]): { globalArgs: Instruction[]; stages: Stage[] } {
  const globalArgs: Instruction[] = [];
  const stages: Stage[] = [];
  for (const ins of instructions) {
    if (ins.name === 'FROM') {
      const w = words(ins.text);
      const name = w.length === 3 && w[1].toUpperCase() === 'AS' ? w[2].toLowerCase() : undefined;
      if (w.length !== 1 && name === undefined) throw new UserError(`Dockerfile:${ins.line}: FROM requires either one or three arguments (IMAGE [AS NAME])`, 1);
      stages.push({ name, index: stages.length, from: ins, steps: [] });
    } else if (stages.length === 0) globalArgs.push(ins);
    else stages[stages.length - 1].steps.push(ins);
  }
  return { globalArgs, stages };
}

class Build {
  private readonly context: BuildContext;
  private readonly intermediate = new Set<string>();
  private stepNo = 0;
  private totalSteps = 0;

  constructor(private readonly o: BuildOptions) {
    this.context = new BuildContext(o.contextDir);
  }

  async run(): Promise<string> {
    const df = parseDockerfile(this.o.dockerfile.text, this.o.dockerfile.name);
    const { globalArgs, stages } = stagesOf(df.instructions);
    let last = stages.length - 1;
    if (this.o.target !== undefined) {
      last = stages.findIndex((s) => s.name === this.o.target!.toLowerCase());
      if (last < 0) throw new UserError(`failed to reach build target ${this.o.target} in Dockerfile`, 1);
    }
    const globals = new Map<string, string>();
    for (const a of globalArgs) for (const [k, v] of keyValuePairs(a.text, df.escape)) {
      const value = this.o.buildArgs[k] ?? (v === undefined ? undefined : expand(v, globals, df.escape));
      if (value !== undefined) globals.set(k, value);
    }
    const needed = stages.slice(0, last + 1);
    const copyFrom = needed.some((s) => s.steps.some((i) => (i.name === 'COPY' || i.name === 'ADD') && i.flags.from !== undefined));
    if (copyFrom) throw new UserError(`${this.o.dockerfile.name}: COPY --from (multi-stage) is not supported yet by mini-run build`, 1);
    // Without COPY --from, only the target stage's own steps matter (earlier stages are skipped, as BuildKit does).
    const stage = needed[last];
    this.totalSteps = globalArgs.length + 1 + stage.steps.length;
    for (const a of globalArgs) this.step(a);
    try {
      let state = await this.from(stage, globals, df.escape);
      const vars = new Map<string, string>();
      const args = new Map<string, string>();
      for (const e of state.file.config?.Env ?? []) { const i = e.indexOf('='); vars.set(e.slice(0, i), e.slice(i + 1)); }
      for (const ins of stage.steps) state = await this.apply(ins, state, vars, args, globals, df.escape);
      if (Object.keys(this.o.labels).length) {
        state = this.metadata(state, { ...cfg(state), Labels: { ...(cfg(state).Labels ?? {}), ...this.o.labels } }, 'LABEL ' + Object.entries(this.o.labels).map(([k, v]) => `${k}=${v}`).join(' '));
      }
      const id = storeWithConfig(state.file, state.layers);
      this.intermediate.delete(id);
      if (stage.steps.length === 0) this.o.say(` ---> ${short(id)}`);
      return id;
    } finally {
      await this.removeIntermediate();
    }
  }

  private step(ins: Instruction): void {
    this.stepNo++;
    this.o.say(`Step ${this.stepNo}/${this.totalSteps} : ${ins.original}`);
  }

  private async from(stage: Stage, globals: Map<string, string>, escape: string): Promise<ImageState> {
    this.step(stage.from);
    const ref = expand(words(stage.from.text)[0], globals, escape);
    if (ref.toLowerCase() === 'scratch') {
      return { file: { architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [] }, history: [] }, layers: [] };
    }
    const { resolveImage } = await import('../run');
    const img = await resolveImage(ref, this.o.pull ? 'always' : 'missing');
    const found = findImage(img.id);
    if (!found) throw new UserError(`image ${ref} is gone from the store`, 1);
    const state = stateOf(found);
    this.o.say(` ---> ${short(img.id)}`);
    const triggers = state.file.config?.OnBuild ?? [];
    if (triggers.length) {
      this.o.say(`# Executing ${triggers.length} build trigger${triggers.length > 1 ? 's' : ''}`);
      let s: ImageState = { ...state, file: { ...state.file, config: { ...state.file.config, OnBuild: null } } };
      const vars = new Map<string, string>();
      for (const t of triggers) {
        const ins = parseDockerfile(`FROM scratch\n${t}`, 'ONBUILD').instructions[1];
        s = await this.apply(ins, s, vars, new Map(), globals, escape, false);
      }
      return s;
    }
    return state;
  }

  /** Store the state as an image (a RUN's container is made from it); removed at the end. */
  private materialize(state: ImageState): string {
    const id = storeWithConfig(state.file, state.layers);
    if (findImage(id)?.repoTags.length === 0) this.intermediate.add(id);
    return id;
  }

  private metadata(state: ImageState, config: ContainerConfig, what: string, extra: Partial<ImageConfigFile> = {}): ImageState {
    const now = new Date().toISOString();
    const file: ImageConfigFile = {
      ...state.file, ...extra, created: now, config,
      history: [...(state.file.history ?? []), { created: now, created_by: `/bin/sh -c #(nop)  ${what}`, empty_layer: true }],
    };
    return { file, layers: state.layers };
  }

  private async apply(ins: Instruction, state: ImageState, vars: Map<string, string>, args: Map<string, string>,
    globals: Map<string, string>, escape: string, announce = true): Promise<ImageState> {
    if (announce) this.step(ins);
    const c = cfg(state);
    // Instructions that expand variables see ENV and ARG values (ENV wins).
    const scope = new Map([...args, ...vars]);
    const x = (t: string) => expand(t, scope, escape);
    const at = `${this.o.dockerfile.name}:${ins.line}`;
    let next: ImageState;
    switch (ins.name) {
      case 'ENV': {
        const env = new Map((c.Env ?? []).map((e) => [e.slice(0, e.indexOf('=')), e] as [string, string]));
        // `ENV a=1 b=$a`: every value is expanded with the values from before this line
        const pairs = keyValuePairs(x(ins.text), escape);
        for (const [k, v] of pairs) {
          if (v === undefined) throw new UserError(`${at}: ENV names its value with KEY=VALUE (or KEY VALUE): ${ins.text}`, 1);
          env.set(k, `${k}=${v}`);
          vars.set(k, v);
        }
        next = this.metadata(state, { ...c, Env: [...env.values()] }, `ENV ${pairs.map(([k, v]) => `${k}=${v}`).join(' ')}`);
        break;
      }
      case 'ARG': {
        for (const [k, v] of keyValuePairs(ins.text, escape)) {
          const value = this.o.buildArgs[k] ?? (v !== undefined ? x(v) : globals.get(k));
          if (value !== undefined) args.set(k, value); else args.delete(k);
        }
        next = this.metadata(state, c, `ARG ${ins.text}`);
        next.file.history!.pop(); // ARG is not kept in the image (Docker's classic builder shows no history row for it either)
        break;
      }
      case 'LABEL': {
        const labels = { ...(c.Labels ?? {}) };
        for (const [k, v] of keyValuePairs(x(ins.text), escape)) labels[k] = v ?? '';
        next = this.metadata(state, { ...c, Labels: labels }, `LABEL ${ins.text}`);
        break;
      }
      case 'MAINTAINER':
        next = this.metadata(state, c, `MAINTAINER ${ins.text}`, { author: ins.text });
        break;
      case 'EXPOSE': {
        const ports = { ...(c.ExposedPorts ?? {}) };
        for (const p of words(x(ins.text), escape)) {
          if (!/^\d+(-\d+)?(\/(tcp|udp|sctp))?$/i.test(p)) throw new UserError(`${at}: invalid containerPort: ${p}`, 1);
          ports[p.includes('/') ? p.toLowerCase() : `${p}/tcp`] = {};
        }
        next = this.metadata(state, { ...c, ExposedPorts: ports }, `EXPOSE ${Object.keys(ports).join(' ')}`);
        break;
      }
      case 'VOLUME': {
        const vols = { ...(c.Volumes ?? {}) };
        for (const v of ins.json ?? words(x(ins.text), escape)) vols[v] = {};
        next = this.metadata(state, { ...c, Volumes: vols }, `VOLUME [${(ins.json ?? words(x(ins.text), escape)).map((v) => JSON.stringify(v)).join(',')}]`);
        break;
      }
      case 'USER':
        next = this.metadata(state, { ...c, User: x(ins.text) }, `USER ${x(ins.text)}`);
        break;
      case 'STOPSIGNAL':
        next = this.metadata(state, { ...c, StopSignal: x(ins.text) }, `STOPSIGNAL ${x(ins.text)}`);
        break;
      case 'SHELL':
        next = this.metadata(state, { ...c, Shell: ins.json! }, `SHELL ${JSON.stringify(ins.json)}`);
        break;
      case 'CMD': {
        const cmd = ins.json ?? [...(c.Shell ?? DEFAULT_SHELL), ins.text];
        next = this.metadata(state, { ...c, Cmd: cmd }, `CMD ${JSON.stringify(cmd)}`);
        break;
      }
      case 'ENTRYPOINT': {
        const ep = ins.json ?? [...(c.Shell ?? DEFAULT_SHELL), ins.text];
        // Docker: an ENTRYPOINT resets a CMD inherited from the base image.
        const inheritedCmd = !this.cmdSetHere;
        next = this.metadata(state, { ...c, Entrypoint: ep, ...(inheritedCmd ? { Cmd: null } : {}) }, `ENTRYPOINT ${JSON.stringify(ep)}`);
        break;
      }
      case 'HEALTHCHECK':
        next = this.metadata(state, { ...c, Healthcheck: healthcheck(ins, c, at) }, `HEALTHCHECK ${ins.text}`);
        break;
      case 'ONBUILD': {
        const inner = /^(\S+)/.exec(ins.text)![1].toUpperCase();
        if (['ONBUILD', 'FROM', 'MAINTAINER'].includes(inner)) throw new UserError(`${at}: ${inner} isn't allowed as an ONBUILD trigger`, 1);
        next = this.metadata(state, { ...c, OnBuild: [...(c.OnBuild ?? []), ins.text] }, `ONBUILD ${ins.text}`);
        break;
      }
      case 'WORKDIR': {
        const dir = posix.resolve(c.WorkingDir || '/', x(ins.text));
        const lower = state.layers.length ? layerDirsOf(state) : [];
        const exists = dir === '/' || findMerged(lower, dir.slice(1).split('/')) !== null;
        const withConfig = { ...c, WorkingDir: dir };
        if (exists) next = this.metadata(state, withConfig, `WORKDIR ${dir}`);
        else next = await this.layerFromStage(state, withConfig, `WORKDIR ${dir}`, (stage) => { mkdirSync(join(stage, dir), { recursive: true, mode: 0o755 }); });
        break;
      }
      case 'COPY':
      case 'ADD':
        next = await this.copy(ins, state, x, escape, at);
        break;
      case 'RUN':
        next = await this.runStep(ins, state, args, vars, at);
        break;
      case 'FROM':
      default:
        throw new UserError(`${at}: unexpected ${ins.name}`, 1);
    }
    if (ins.name === 'CMD') this.cmdSetHere = true;
    if (announce && ins.name !== 'RUN' && ins.name !== 'ARG') this.o.say(` ---> ${short(sha256(Buffer.from(JSON.stringify(next.file))))}`);
    return next;
  }

  private cmdSetHere = false;

  private async runStep(ins: Instruction, state: ImageState, args: Map<string, string>, vars: Map<string, string>, at: string): Promise<ImageState> {
    const c = cfg(state);
    const argv = ins.json ?? [...(c.Shell ?? DEFAULT_SHELL), ins.text];
    const imageId = this.materialize(state);
    // Build args reach RUN as environment variables (unless an ENV of the same name is set); they are not kept in the image.
    const argEnv = [...args].filter(([k]) => !vars.has(k)).map(([k, v]) => `${k}=${v}`);
    const { createContainer, runForeground } = await import('../run');
    const { removeContainer } = await import('../remove');
    const opts = runOptions(imageId, argv, argEnv, c, this.o.network);
    const rec = await createContainer(opts);
    this.o.say(` ---> Running in ${short(rec.id)}`);
    let committed: string;
    try {
      const code = await runForeground(rec, opts);
      if (code !== 0) {
        throw new UserError(`The command '${argv.join(' ')}' returned a non-zero code: ${code} (${at})`, code);
      }
      const createdBy = ins.json ? `RUN ${JSON.stringify(ins.json)}` : `${argv.slice(0, -1).join(' ')} ${ins.text}`;
      const withArgs = argEnv.length ? `|${argEnv.length} ${argEnv.join(' ')} ${createdBy}` : createdBy;
      committed = await commitContainer(rec.id, undefined, { changes: [], pause: false, config: c, createdBy: withArgs });
    } finally {
      await removeContainer(rec.id, true, true).catch(() => undefined);
      this.o.say(`Removing intermediate container ${short(rec.id)}`);
    }
    const img = findImage(committed)!;
    if (img.repoTags.length === 0) this.intermediate.add(committed);
    this.o.say(` ---> ${short(committed)}`);
    return stateOf(img);
  }

  /** COPY/ADD: stage the files as they will sit in the container, then write that tree as a layer. */
  private async copy(ins: Instruction, state: ImageState, x: (t: string) => string, escape: string, at: string): Promise<ImageState> {
    const c = cfg(state);
    const list = (ins.json ?? words(ins.text, escape)).map(x);
    if (list.length < 2) throw new UserError(`${at}: ${ins.name} requires at least two arguments, but only one was provided. Destination could not be determined.`, 1);
    const destRaw = list.pop()!;
    let dest = posix.resolve(c.WorkingDir || '/', destRaw);
    const toDir = destRaw.endsWith('/') || list.length > 1 || /[*?[]/.test(list[0]);
    for (const s of list) if (/^https?:\/\//.test(s)) {
      throw new UserError(`${at}: ${ins.name} from a URL (${s}) is not supported by mini-run build yet; download it into the build context and COPY it`, 1);
    }
    const sources = list.flatMap((s) => this.context.sources(s, at));
    if (sources.length > 1 && !toDir) throw new UserError(`${at}: When using ${ins.name} with more than one source file, the destination must be a directory and end with a /`, 1);
    const owner = ins.flags.chown ? this.owner(x(ins.flags.chown), state, at) : { uid: 0, gid: 0 };
    const mode = ins.flags.chmod ? parseInt(ins.flags.chmod, 8) : undefined;
    if (ins.flags.chmod && (Number.isNaN(mode) || mode! > 0o7777)) throw new UserError(`${at}: invalid --chmod=${ins.flags.chmod}: an octal mode is expected`, 1);
    const what = `${ins.name} ${list.join(' ')} in ${dest}${toDir && !dest.endsWith('/') ? '/' : ''}`;
    return this.layerFromStage(state, c, what, async (stage) => {
      const links = new HardLinks();
      for (const rel of sources) {
        const src = join(this.context.dir, rel);
        const st = lstatSync(src);
        let target: string;
        if (st.isDirectory()) target = dest; // a directory copies its contents
        else if (toDir) target = posix.join(dest, basename(rel));
        else target = dest;
        mkdirSync(join(stage, posix.dirname(target)), { recursive: true, mode: 0o755 });
        if (ins.name === 'ADD' && st.isFile() && await isTarArchive(src)) {
          mkdirSync(join(stage, dest), { recursive: true, mode: 0o755 });
          const tar = await import('tar');
          await tar.x({ file: src, cwd: join(stage, dest), preserveOwner: true });
          continue;
        }
        this.copyTree(src, join(stage, target), rel, owner, mode, links);
      }
    });
  }

  /**
   * Copy the context's `src` to the staged `dst`: owner root:root (or --chown), mode as in the
   * context (or --chmod), xattrs (file capabilities too) and hard links kept — within one COPY,
   * later names of an inode are links to its first copy (`links`).
   */
  private copyTree(src: string, dst: string, rel: string, owner: { uid: number; gid: number }, mode: number | undefined, links: HardLinks): void {
    const st = lstatSync(src);
    if (st.isSymbolicLink()) {
      rmSync(dst, { force: true, recursive: true });
      symlinkSync(readlinkSync(src), dst);
    } else if (st.isDirectory()) {
      mkdirSync(dst, { recursive: true });
      for (const name of readdirSync(src)) {
        const childRel = rel === '.' ? name : `${rel}/${name}`;
        if (this.context.ignored(childRel)) continue;
        this.copyTree(join(src, name), join(dst, name), childRel, owner, mode, links);
      }
    } else if (st.isFile()) {
      rmSync(dst, { force: true, recursive: true });
      const first = links.earlier(st);
      if (first) {
        linkSync(first.where, dst); // the staging directory is ours alone: by path
        return;
      }
      copyFileSync(src, dst);
      links.remember(st, dst, lstatSync(dst).ino);
    } else if (st.isFIFO()) {
      rmSync(dst, { force: true, recursive: true });
      mknod(dst, S_IFIFO | 0o600); // as docker's COPY (a tar of the context) keeps it
    } else {
      return; // sockets and devices in the context are not copied
    }
    // Owner first: chown(2) clears set-uid/set-gid bits and file capabilities.
    lchownSync(dst, owner.uid, owner.gid);
    if (!st.isSymbolicLink()) chmodSync(dst, mode ?? st.mode & 0o7777);
    copyXattrs(src, dst);
    if (!st.isSymbolicLink()) utimesSync(dst, st.atime, st.mtime);
  }

  /** --chown=user[:group]: numbers, or names looked up in the image's /etc/passwd and /etc/group. */
  private owner(spec: string, state: ImageState, at: string): { uid: number; gid: number } {
    const lower = layerDirsOf(state);
    // only a regular file: a symlink in the image must not make us read a host file
    const read = (p: string) => { const f = findMerged(lower, p.split('/')); return f?.st.isFile() ? readFileSync(f.host, 'utf8') : null; };
    try {
      const u = resolveUser(spec, read('etc/passwd'), read('etc/group'));
      return { uid: u.uid, gid: u.gid };
    } catch (e) {
      throw new UserError(`${at}: unable to convert uid/gid chown string to host mapping: ${(e as Error).message}`, 1);
    }
  }

  private async layerFromStage(state: ImageState, config: ContainerConfig, what: string, fill: (stage: string) => void | Promise<void>): Promise<ImageState> {
    const stage = newStagingPath('build');
    const tarFile = stage + '.tar';
    mkdirSync(stage, { mode: 0o755 });
    try {
      await fill(stage);
      const out = openSync(tarFile, 'w', 0o600);
      const dirFd = openSync(stage, 'r');
      let diffId: string;
      try {
        const tar = new TarWriter(out, true);
        writeTree(tar, dirFd, '', statSync(stage).dev);
        diffId = tar.finish()!;
      } finally {
        closeSync(dirFd);
        closeSync(out);
      }
      const layer = await storeLayerTar(tarFile, diffId);
      const now = new Date().toISOString();
      const file: ImageConfigFile = {
        ...state.file, created: now, config,
        rootfs: { type: 'layers', diff_ids: [...state.file.rootfs.diff_ids, layer.diffId] },
        history: [...(state.file.history ?? []), { created: now, created_by: `/bin/sh -c #(nop) ${what}` }],
      };
      return { file, layers: [...state.layers, { ...layer, mediaType: MEDIA.ociLayerGzip }] };
    } finally {
      rmSync(stage, { recursive: true, force: true });
      rmSync(tarFile, { force: true });
    }
  }

  private async removeIntermediate(): Promise<void> {
    const { removeImage } = await import('../../image/remove');
    for (const id of this.intermediate) {
      try { removeImage(id, false); } catch { /* still used: kept */ }
    }
  }
}

function cfg(state: ImageState): ContainerConfig {
  return state.file.config ?? {};
}

/** The host directories of the layers so far, top first (for reading files of the image being built). */
function layerDirsOf(state: ImageState): string[] {
  const img = { layers: state.layers.map((l) => l.diffId) } as unknown as ImageRecord;
  return [...layerDirs(img)].reverse();
}

async function isTarArchive(file: string): Promise<boolean> {
  const fd = openSync(file, 'r');
  try {
    const b = Buffer.alloc(512);
    const n = readSync(fd, b, 0, 512, 0);
    if (n >= 2 && b[0] === 0x1f && b[1] === 0x8b) return true; // gzip: tar.gz
    return n >= 262 && b.toString('latin1', 257, 262) === 'ustar';
  } finally {
    closeSync(fd);
  }
}

function healthcheck(ins: Instruction, c: ContainerConfig, at: string): unknown {
  if (/^none$/i.test(ins.text)) return { Test: ['NONE'] };
  const m = /^CMD\s+([\s\S]*)$/i.exec(ins.text);
  if (!m) throw new UserError(`${at}: HEALTHCHECK must be NONE or CMD …`, 1);
  let test: string[];
  try {
    const j = JSON.parse(m[1]);
    test = Array.isArray(j) ? ['CMD', ...j] : ['CMD-SHELL', m[1]];
  } catch { test = ['CMD-SHELL', m[1]]; }
  const ns = (v: string | undefined) => {
    if (v === undefined) return undefined;
    const d = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(v);
    if (!d) throw new UserError(`${at}: invalid duration ${v}`, 1);
    return Math.round(Number(d[1]) * { ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 }[d[2] as 'ms' | 's' | 'm' | 'h']);
  };
  const f = ins.flags;
  void c;
  return {
    Test: test,
    ...(f.interval ? { Interval: ns(f.interval) } : {}),
    ...(f.timeout ? { Timeout: ns(f.timeout) } : {}),
    ...(f['start-period'] ? { StartPeriod: ns(f['start-period']) } : {}),
    ...(f.retries ? { Retries: Number(f.retries) } : {}),
  };
}

function runOptions(image: string, command: string[], env: string[], c: ContainerConfig, network: string): import('../run-options').RunOptions {
  return {
    image, pull: 'never', command, entrypoint: '', env, envFiles: [],
    workdir: c.WorkingDir || undefined, user: c.User || undefined,
    autoRemove: false, interactive: false, tty: false, detach: false,
    network, init: false, privileged: false, capAdd: [], capDrop: [], readOnly: false,
    restart: { Name: 'no', MaximumRetryCount: 0 }, logOpts: {}, labels: {},
  };
}

export async function build(o: BuildOptions): Promise<string> {
  return new Build(o).run();
}
