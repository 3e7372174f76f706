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
 * Every step's result goes into the build cache (image/build-cache.ts) under its parent image
 * and the step (for COPY/ADD with a hash of the files read): the next build with the same
 * parent and step reuses it (`---> Using cache`) unless --no-cache, so a fully cached build
 * gives the same image id again. Images stored for a RUN are intermediate: their records are
 * removed at the end (the cache keeps their layers), the final one is tagged.
 *
 * Multi-stage: `FROM … AS name` starts a stage; `COPY --from=name|index|image` reads another
 * stage's or an image's files; only the stages the target needs are built (as BuildKit does).
 */
import { chmodSync, closeSync, copyFileSync, lchownSync, linkSync, lstatSync, mkdirSync, openSync, readFileSync, readSync, readdirSync,
  readlinkSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync, constants as fsc, createWriteStream } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { basename, join, posix } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { UserError } from '../../errors';
import { isoTime } from '../../utc-time';
import { send, TransportError } from '../../image/registry/transport';
import { isGzipFile } from '../../image/archive';
import { readBlob } from '../../image/content-store';
import { digestOf, hashingTee, newHash, sha256 } from '../../image/digest';
import { ImageConfigFile, MEDIA, hostArchitecture, parseJson, type ContainerConfig } from '../../image/oci-types';
import { newStagingPath } from '../../image/staging';
import { findImage, imageConfigFile, layerDirs, type ImageRecord } from '../../image/store';
import { findMerged } from '../../volume/copy-up';
import { copyXattrs, keptXattr } from '../../image/xattrs';
import { HardLinks } from '../../image/hard-links';
import { mknod } from '../../sys/libc';
import { S_IFIFO, SIGNALS } from '../../sys/constants';
import { cacheKey, lookupCache, storeCache } from '../../image/build-cache';
import { commitContainer, storeLayerTar, storeWithConfig } from '../commit';
import { TarWriter, writeTree } from '../export';
import { unpackTarFile } from '../cp-stream';
import { resolveUser } from '../user';
import { BuildContext } from './context';
import { contextTree, hashSources, imageTree, resolveSources, type SourceTree } from './sources';
import { parseDockerfile, type Instruction } from './dockerfile';
import { expand, expandPairs, keyValuePairs, shellWord, shellWords, words } from './expand';

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
  /** --no-cache: run every step (the results still go into the cache for the next build) */
  noCache?: boolean;
}

interface Layer { diffId: string; blobDigest: string; size: number; mediaType: string }
/** The image being built: its config, its layers, and the config's exact JSON (whose digest is its id). */
interface ImageState { file: ImageConfigFile; layers: Layer[]; raw: string }
interface Stage { name?: string; index: number; from: Instruction; steps: Instruction[] }

const DEFAULT_SHELL = ['/bin/sh', '-c'];
const CANCEL_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
const SIGNAL_NUMBER: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 };
const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const short = (id: string) => id.replace(/^sha256:/, '').slice(0, 12);

const idOf = (s: ImageState) => sha256(Buffer.from(s.raw));
const mk = (file: ImageConfigFile, layers: Layer[]): ImageState => ({ file, layers, raw: JSON.stringify(file) });

function stateOf(img: NonNullable<ReturnType<typeof findImage>>): ImageState {
  const file = imageConfigFile(img);
  const raw = readBlob(img.id).toString('utf8');
  const manifest = JSON.parse(readBlob(img.manifestDigest).toString('utf8')) as { layers: Array<{ mediaType: string; size: number }> };
  const layers = img.layers.map((diffId, i) => ({
    diffId, blobDigest: img.layerBlobs[i], size: manifest.layers[i]?.size ?? 0, mediaType: manifest.layers[i]?.mediaType ?? MEDIA.ociLayerGzip,
  }));
  return { file, layers, raw };
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

/** Per stage: the variables in scope and whether this stage set CMD (an ENTRYPOINT then keeps it). */
interface StageScope { vars: Map<string, string>; args: Map<string, string>; cmdSetHere: boolean; index: number }

class Build {
  private readonly context: BuildContext;
  private readonly intermediate = new Set<string>();
  private readonly results = new Map<number, ImageState>();
  private stages: Stage[] = [];
  private globals = new Map<string, string>();
  private escape = '\\';
  private stepNo = 0;
  private totalSteps = 0;
  /** The signal that cancelled the build, if one came. */
  private cancelledBy: NodeJS.Signals | null = null;
  /** The RUN container running now (killed on cancel). */
  private running: string | null = null;

  constructor(private readonly o: BuildOptions) {
    this.context = new BuildContext(o.contextDir);
  }

  async run(): Promise<string> {
    const df = parseDockerfile(this.o.dockerfile.text, this.o.dockerfile.name);
    this.escape = df.escape;
    const { globalArgs, stages } = stagesOf(df.instructions);
    this.stages = stages;
    let last = stages.length - 1;
    if (this.o.target !== undefined) {
      last = stages.findIndex((s) => s.name === this.o.target!.toLowerCase());
      if (last < 0) throw new UserError(`failed to reach build target ${this.o.target} in Dockerfile`, 1);
    }
    for (const a of globalArgs) for (const [k, v] of keyValuePairs(a.text, df.escape)) {
      const value = this.o.buildArgs[k] ?? (v === undefined ? undefined : expand(v, this.globals, df.escape));
      if (value !== undefined) this.globals.set(k, value);
    }
    // Only the stages the target needs (through FROM <stage> and COPY --from) are built.
    const needed = this.neededStages(last);
    this.totalSteps = globalArgs.length + needed.reduce((n, s) => n + 1 + s.steps.length, 0);
    for (const a of globalArgs) this.step(a);
    try {
      let state: ImageState | undefined;
      for (const stage of needed) {
        state = await this.from(stage);
        const scope: StageScope = { vars: new Map(), args: new Map(), cmdSetHere: false, index: stage.index };
        for (const e of state.file.config?.Env ?? []) { const i = e.indexOf('='); scope.vars.set(e.slice(0, i), e.slice(i + 1)); }
        for (const ins of stage.steps) state = await this.apply(ins, state, scope);
        this.results.set(stage.index, state);
      }
      state = state!;
      if (Object.keys(this.o.labels).length) {
        const c = cfg(state);
        const what = 'LABEL ' + Object.entries(this.o.labels).map(([k, v]) => `${k}=${v}`).join(' ');
        state = await this.cachedMetadata(state, this.metadata(state, { ...c, Labels: { ...(c.Labels ?? {}), ...this.o.labels } }, what));
      }
      this.throwIfCancelled();
      const id = storeWithConfig(state.raw, state.layers);
      this.intermediate.delete(id);
      return id;
    } finally {
      await this.removeIntermediate();
    }
  }

  /** The stage a FROM or COPY --from names (by name, or by index for --from), if it is an earlier stage. */
  private stageNamed(ref: string, before: number, byIndex: boolean): Stage | undefined {
    const lower = ref.toLowerCase();
    const named = this.stages.find((s) => s.index < before && s.name === lower);
    if (named) return named;
    if (byIndex && /^\d+$/.test(ref)) {
      const i = Number(ref);
      if (i >= before) throw new UserError(`${this.o.dockerfile.name}: invalid from flag value ${ref}: refers to current or future build stage`, 1);
      return this.stages[i];
    }
    return undefined;
  }

  private neededStages(last: number): Stage[] {
    const need = new Set<number>();
    const visit = (i: number) => {
      if (need.has(i)) return;
      need.add(i);
      const s = this.stages[i];
      const base = this.stageNamed(expand(words(s.from.text)[0], this.globals, this.escape), i, false);
      if (base) visit(base.index);
      for (const ins of s.steps) {
        if ((ins.name === 'COPY' || ins.name === 'ADD') && ins.flags.from !== undefined) {
          const dep = this.stageNamed(ins.flags.from, i, true);
          if (dep) visit(dep.index);
        }
      }
    };
    visit(last);
    return this.stages.filter((s) => need.has(s.index));
  }

  /** A signal came: kill the RUN container of the moment; the step in progress then fails. */
  cancel(sig: NodeJS.Signals): void {
    if (this.cancelledBy) return;
    this.cancelledBy = sig;
    // Kill the RUN container until it is gone (it may be still starting: then kill fails, retry).
    const killer = setInterval(() => {
      const id = this.running;
      if (!id) { clearInterval(killer); return; }
      void import('../lifecycle').then(({ killContainer }) => killContainer(id)).catch(() => undefined);
    }, 100);
  }

  private throwIfCancelled(): void {
    const sig = this.cancelledBy;
    if (sig) throw new UserError(`build cancelled by ${sig} at step ${this.stepNo}/${this.totalSteps}: nothing of it was tagged (finished steps stay in the cache)`, 128 + SIGNAL_NUMBER[sig]);
  }

  private step(ins: Instruction): void {
    this.throwIfCancelled();
    this.stepNo++;
    this.o.say(`Step ${this.stepNo}/${this.totalSteps} : ${ins.original}`);
  }

  private async from(stage: Stage): Promise<ImageState> {
    this.step(stage.from);
    const ref = expand(words(stage.from.text)[0], this.globals, this.escape);
    let state: ImageState;
    const base = this.stageNamed(ref, stage.index, false);
    if (ref.toLowerCase() === 'scratch') {
      state = mk({ architecture: hostArchitecture(), os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [] }, history: [] }, []);
    } else if (base) state = this.results.get(base.index)!;
    else state = await this.image(ref);
    if (ref.toLowerCase() !== 'scratch') this.o.say(` ---> ${short(idOf(state))}`);
    // Like Docker's builder: a stage whose base sets no PATH gets the default one.
    const env = state.file.config?.Env ?? [];
    if (!env.some((e) => e.startsWith('PATH='))) {
      state = mk({ ...state.file, config: { ...state.file.config, Env: [...env, `PATH=${DEFAULT_PATH}`] } }, state.layers);
    }
    const triggers = state.file.config?.OnBuild ?? [];
    if (triggers.length) {
      this.o.say(`# Executing ${triggers.length} build trigger${triggers.length > 1 ? 's' : ''}`);
      let s = mk({ ...state.file, config: { ...state.file.config, OnBuild: null } }, state.layers);
      const scope: StageScope = { vars: new Map(), args: new Map(), cmdSetHere: false, index: stage.index };
      for (const t of triggers) {
        const ins = parseDockerfile(`FROM scratch\n${t}`, 'ONBUILD').instructions[1];
        s = await this.apply(ins, s, scope, false);
      }
      return s;
    }
    return state;
  }

  private async image(ref: string): Promise<ImageState> {
    const { resolveImage } = await import('../run');
    const img = await resolveImage(ref, this.o.pull ? 'always' : 'missing');
    const found = findImage(img.id);
    if (!found) throw new UserError(`image ${ref} is gone from the store`, 1);
    return stateOf(found);
  }

  /** Store the state as an image (a RUN's container is made from it); the record is removed at the end. */
  private materialize(state: ImageState): string {
    const id = storeWithConfig(state.raw, state.layers);
    if (findImage(id)?.repoTags.length === 0) this.intermediate.add(id);
    return id;
  }

  /**
   * A step through the cache: the result filed under (parent id, step) is reused unless
   * --no-cache; otherwise `make` runs and its result is filed for the next build.
   */
  private async cached(parent: ImageState, step: unknown, make: () => Promise<ImageState>): Promise<ImageState> {
    const key = cacheKey(idOf(parent), step);
    if (!this.o.noCache) {
      const hit = lookupCache(key);
      if (hit) {
        this.o.say(' ---> Using cache');
        return { file: parseJson(ImageConfigFile, hit.config, 'build cache entry'), layers: hit.layers, raw: hit.config };
      }
    }
    const next = await make();
    storeCache({ key, parent: idOf(parent), result: idOf(next), config: next.raw, layers: next.layers, created: isoTime() });
    return next;
  }

  /** A metadata step: what it makes is cheap, but the cached result keeps its old timestamps (same id). */
  private cachedMetadata(parent: ImageState, next: ImageState): Promise<ImageState> {
    const history = next.file.history ?? [];
    const step = ['config', next.file.config ?? {}, next.file.author ?? null, history[history.length - 1]?.created_by ?? null];
    return this.cached(parent, step, async () => next);
  }

  private metadata(state: ImageState, config: ContainerConfig, what: string, extra: Partial<ImageConfigFile> = {}): ImageState {
    const now = isoTime();
    return mk({
      ...state.file, ...extra, created: now, config,
      history: [...(state.file.history ?? []), { created: now, created_by: `/bin/sh -c #(nop)  ${what}`, empty_layer: true }],
    }, state.layers);
  }

  private async apply(ins: Instruction, state: ImageState, scope: StageScope, announce = true): Promise<ImageState> {
    if (announce) this.step(ins);
    const escape = this.escape;
    const { vars, args } = scope;
    const c = cfg(state);
    // Instructions that expand variables see ENV and ARG values (ENV wins).
    const scopeVars = new Map([...args, ...vars]);
    const x = (t: string) => shellWord(t, scopeVars, escape);
    const at = `${this.o.dockerfile.name}:${ins.line}`;
    let next: ImageState;
    const meta = (config: ContainerConfig, what: string, extra: Partial<ImageConfigFile> = {}) =>
      this.cachedMetadata(state, this.metadata(state, config, what, extra));
    switch (ins.name) {
      case 'ENV': {
        const env = new Map((c.Env ?? []).map((e) => [e.slice(0, e.indexOf('=')), e] as [string, string]));
        // `ENV a=1 b=$a`: every value is expanded with the values from before this line
        const pairs = expandPairs(ins.text, scopeVars, escape);
        for (const [k, v] of pairs) {
          if (v === undefined) throw new UserError(`${at}: ENV names its value with KEY=VALUE (or KEY VALUE): ${ins.text}`, 1);
          env.set(k, `${k}=${v}`);
          vars.set(k, v);
        }
        next = await meta({ ...c, Env: [...env.values()] }, `ENV ${pairs.map(([k, v]) => `${k}=${v}`).join(' ')}`);
        break;
      }
      case 'ARG': {
        for (const [k, v] of expandPairs(ins.text, scopeVars, escape)) {
          const value = this.o.buildArgs[k] ?? (v !== undefined ? v : this.globals.get(k));
          if (value !== undefined) args.set(k, value); else args.delete(k);
        }
        next = state; // ARG is not kept in the image (no config change, no history row)
        break;
      }
      case 'LABEL': {
        const labels = { ...(c.Labels ?? {}) };
        for (const [k, v] of expandPairs(ins.text, scopeVars, escape)) labels[k] = v ?? '';
        next = await meta({ ...c, Labels: labels }, `LABEL ${ins.text}`);
        break;
      }
      case 'MAINTAINER':
        next = await meta(c, `MAINTAINER ${ins.text}`, { author: ins.text });
        break;
      case 'EXPOSE': {
        const ports = { ...(c.ExposedPorts ?? {}) };
        for (const p of shellWords(ins.text, scopeVars, escape)) {
          const m = /^(\d+)(?:-(\d+))?(?:\/(tcp|udp|sctp))?$/i.exec(p);
          if (!m || Number(m[2] ?? m[1]) < Number(m[1]) || Number(m[2] ?? m[1]) > 65535) throw new UserError(`${at}: invalid containerPort: ${p}`, 1);
          // a range is every port in it, as Docker records it
          for (let n = Number(m[1]); n <= Number(m[2] ?? m[1]); n++) ports[`${n}/${(m[3] ?? 'tcp').toLowerCase()}`] = {};
        }
        next = await meta({ ...c, ExposedPorts: ports }, `EXPOSE ${Object.keys(ports).join(' ')}`);
        break;
      }
      case 'VOLUME': {
        const vols = { ...(c.Volumes ?? {}) };
        const list = ins.json ?? shellWords(ins.text, scopeVars, escape);
        for (const v of list) vols[v] = {};
        next = await meta({ ...c, Volumes: vols }, `VOLUME [${list.map((v) => JSON.stringify(v)).join(',')}]`);
        break;
      }
      case 'USER':
        next = await meta({ ...c, User: x(ins.text) }, `USER ${x(ins.text)}`);
        break;
      case 'STOPSIGNAL': {
        const sig = x(ins.text);
        if (!isSignal(sig)) throw new UserError(`${at}: Invalid signal: ${sig}`, 1);
        next = await meta({ ...c, StopSignal: sig }, `STOPSIGNAL ${sig}`);
        break;
      }
      case 'SHELL':
        next = await meta({ ...c, Shell: ins.json! }, `SHELL ${JSON.stringify(ins.json)}`);
        break;
      case 'CMD': {
        const cmd = ins.json ?? [...(c.Shell ?? DEFAULT_SHELL), ins.text];
        next = await meta({ ...c, Cmd: cmd }, `CMD ${JSON.stringify(cmd)}`);
        scope.cmdSetHere = true;
        break;
      }
      case 'ENTRYPOINT': {
        const ep = ins.json ?? [...(c.Shell ?? DEFAULT_SHELL), ins.text];
        // Docker: an ENTRYPOINT resets a CMD inherited from the base image.
        next = await meta({ ...c, Entrypoint: ep, ...(scope.cmdSetHere ? {} : { Cmd: null }) }, `ENTRYPOINT ${JSON.stringify(ep)}`);
        break;
      }
      case 'HEALTHCHECK':
        next = await meta({ ...c, Healthcheck: healthcheck(ins, c, at) }, `HEALTHCHECK ${ins.text}`);
        break;
      case 'ONBUILD': {
        const inner = /^(\S+)/.exec(ins.text)![1].toUpperCase();
        if (['ONBUILD', 'FROM', 'MAINTAINER'].includes(inner)) throw new UserError(`${at}: ${inner} isn't allowed as an ONBUILD trigger`, 1);
        next = await meta({ ...c, OnBuild: [...(c.OnBuild ?? []), ins.text] }, `ONBUILD ${ins.text}`);
        break;
      }
      case 'WORKDIR': {
        const dir = posix.resolve(c.WorkingDir || '/', x(ins.text));
        const lower = state.layers.length ? layerDirsOf(state) : [];
        const exists = dir === '/' || findMerged(lower, dir.slice(1).split('/')) !== null;
        const withConfig = { ...c, WorkingDir: dir };
        if (exists) next = await meta(withConfig, `WORKDIR ${dir}`);
        else {
          next = await this.cached(state, ['WORKDIR', dir], () =>
            this.layerFromStage(state, withConfig, `WORKDIR ${dir}`, (stage) => { mkdirSync(join(stage, dir), { recursive: true, mode: 0o755 }); }));
        }
        break;
      }
      case 'COPY':
      case 'ADD':
        next = await this.copy(ins, state, x, scope, at, scopeVars);
        break;
      case 'RUN':
        next = await this.runStep(ins, state, scope, at);
        break;
      case 'FROM':
      default:
        throw new UserError(`${at}: unexpected ${ins.name}`, 1);
    }
    if (announce && ins.name !== 'RUN') this.o.say(` ---> ${short(idOf(next))}`);
    return next;
  }

  private async runStep(ins: Instruction, state: ImageState, scope: StageScope, at: string): Promise<ImageState> {
    const c = cfg(state);
    const argv = ins.json ?? [...(c.Shell ?? DEFAULT_SHELL), ins.text];
    // Build args reach RUN as environment variables (unless an ENV of the same name is set); they are not kept in the image.
    const argEnv = [...scope.args].filter(([k]) => !scope.vars.has(k)).map(([k, v]) => `${k}=${v}`);
    const createdBy = ins.json ? `RUN ${JSON.stringify(ins.json)}` : `${argv.slice(0, -1).join(' ')} ${ins.text}`;
    const withArgs = argEnv.length ? `|${argEnv.length} ${argEnv.join(' ')} ${createdBy}` : createdBy;
    const next = await this.cached(state, ['RUN', withArgs], async () => {
      const imageId = this.materialize(state);
      const { createContainer, runForeground } = await import('../run');
      const { removeContainer } = await import('../remove');
      const opts = runOptions(imageId, argv, argEnv, c, this.o.network);
      const rec = await createContainer(opts);
      this.o.say(` ---> Running in ${short(rec.id)}`);
      let committed: string;
      this.running = rec.id;
      try {
        this.throwIfCancelled(); // (a signal while it was being created)
        const code = await runForeground(rec, opts, undefined, undefined, this.o.quiet);
        this.running = null;
        this.throwIfCancelled();
        if (code !== 0) {
          throw new UserError(`The command '${argv.join(' ')}' returned a non-zero code: ${code} (${at})`, code);
        }
        committed = await commitContainer(rec.id, undefined, { changes: [], pause: false, config: c, createdBy: withArgs });
      } finally {
        this.running = null;
        await removeContainer(rec.id, true, true).catch(() => undefined);
        this.o.say(`Removing intermediate container ${short(rec.id)}`);
      }
      const img = findImage(committed)!;
      if (img.repoTags.length === 0) this.intermediate.add(committed);
      return stateOf(img);
    });
    this.o.say(` ---> ${short(idOf(next))}`);
    return next;
  }

  /** Where COPY --from reads: an earlier stage (by name or index), else an image. */
  private async fromTree(ref: string, scope: StageScope): Promise<{ tree: SourceTree; id: string }> {
    const stage = this.stageNamed(ref, scope.index, true);
    const state = stage ? this.results.get(stage.index) : await this.image(ref);
    if (!state) throw new UserError(`${this.o.dockerfile.name}: stage ${ref} was not built`, 1);
    return { tree: imageTree(stage ? `stage ${ref}` : `image ${ref}`, layerDirsOf(state)), id: idOf(state) };
  }

  /** COPY/ADD: stage the files as they will sit in the container, then write that tree as a layer. */
  private async copy(ins: Instruction, state: ImageState, x: (t: string) => string, scope: StageScope, at: string, vars: Map<string, string>): Promise<ImageState> {
    const c = cfg(state);
    const escape = this.escape;
    const list = ins.json ? ins.json.map(x) : shellWords(ins.text, vars, escape);
    if (list.length < 2) throw new UserError(`${at}: ${ins.name} requires at least two arguments, but only one was provided. Destination could not be determined.`, 1);
    const destRaw = list.pop()!;
    const dest = posix.resolve(c.WorkingDir || '/', destRaw);
    const toDir = destRaw.endsWith('/') || list.length > 1 || /[*?[]/.test(list[0]);
    const from = ins.flags.from !== undefined ? await this.fromTree(x(ins.flags.from), scope) : null;
    if (from && ins.name === 'ADD') throw new UserError(`${at}: ADD does not support --from; use COPY --from`, 1);
    const tree = from?.tree ?? contextTree(this.context);
    const urls = ins.name === 'ADD' ? list.filter((s) => /^https?:\/\//i.test(s)) : [];
    if (ins.name === 'COPY' && list.some((s) => /^https?:\/\//i.test(s))) throw new UserError(`${at}: source can't be a URL for COPY`, 1);
    const sources = list.filter((s) => !urls.includes(s))
      .flatMap((s) => resolveSources(tree, s, at, from ? () => false : (rel) => this.context.ignored(rel)));
    if (sources.length + urls.length > 1 && !toDir) throw new UserError(`${at}: When using ${ins.name} with more than one source file, the destination must be a directory and end with a /`, 1);
    // root:root unless --chown; from another stage or image the files keep their owners (the
    // classic builder's rule), only a directory the copy creates is root's
    const owner = ins.flags.chown ? this.owner(x(ins.flags.chown), state, at) : from ? null : { uid: 0, gid: 0 };
    const mode = ins.flags.chmod ? parseInt(ins.flags.chmod, 8) : undefined;
    if (ins.flags.chmod && (Number.isNaN(mode) || mode! > 0o7777)) throw new UserError(`${at}: invalid --chmod=${ins.flags.chmod}: an octal mode is expected`, 1);
    const what = `${ins.name} ${list.join(' ')} in ${dest}${toDir && !dest.endsWith('/') ? '/' : ''}`;
    const downloads = newStagingPath('build-add');
    mkdirSync(downloads, { mode: 0o700 });
    try {
      // URLs are fetched every time (their content is part of the cache key, as Docker checksums it)
      const fetched: Downloaded[] = [];
      for (const url of urls) fetched.push(await download(url, downloads, at));
      const step = [ins.name, list, dest, toDir, owner, mode ?? null, from?.id ?? null, hashSources(tree, sources),
        fetched.map((f) => [f.url, f.sha256, f.mtime])];
      return await this.cached(state, step, () => this.layerFromStage(state, c, what, async (stage) => {
        const links = new HardLinks();
        for (const named of sources) {
          // A source that is a symlink is followed (inside the tree), as Docker's classic builder
          // does; links inside a copied directory stay links.
          const rel = tree.stat(named)!.isSymbolicLink() ? tree.follow(named) : named;
          if (rel === null) throw new UserError(`${at}: COPY failed: ${named}: the symbolic link points to nothing in the ${tree.label}`, 1);
          const st = tree.stat(rel)!;
          let target: string;
          if (st.isDirectory()) target = dest; // a directory copies its contents
          else if (toDir) target = posix.join(dest, basename(named));
          else target = dest;
          mkdirSync(join(stage, posix.dirname(target)), { recursive: true, mode: 0o755 });
          // Docker makes the directories it creates on the way owned by the --chown owner
          // (those the image has keep theirs: keepExistingDirs)
          if (owner) for (let d = posix.dirname(target); d !== '/' && d !== '.'; d = posix.dirname(d)) lchownSync(join(stage, d), owner.uid, owner.gid);
          if (ins.name === 'ADD' && st.isFile() && await isTarArchive(tree.host(rel))) {
            mkdirSync(join(stage, dest), { recursive: true, mode: 0o755 });
            // the project's own tar reader (not node-tar): owners, hard links and xattrs kept
            const destFd = openSync(join(stage, dest), fsc.O_RDONLY | fsc.O_DIRECTORY);
            try {
              await unpackTarFile(tree.host(rel), isGzipFile(tree.host(rel)), destFd, `${at}: ADD ${named}`, (m) => this.o.say(` ---> warning: ${m}`));
            } finally {
              closeSync(destFd);
            }
            continue;
          }
          copyTree(tree, rel, join(stage, target), owner, mode, links, true);
        }
        for (const f of fetched) {
          // a URL's file: named after the URL's last path component when the destination is a directory
          const target = toDir ? posix.join(dest, f.name) : dest;
          mkdirSync(join(stage, posix.dirname(target)), { recursive: true, mode: 0o755 });
          copyFileSync(f.file, join(stage, target));
          chmodSync(join(stage, target), mode ?? 0o600);
          lchownSync(join(stage, target), owner?.uid ?? 0, owner?.gid ?? 0);
          if (f.mtime) utimesSync(join(stage, target), f.mtime / 1000, f.mtime / 1000);
        }
      }));
    } finally {
      rmSync(downloads, { recursive: true, force: true });
    }
  }

  /** --chown=user[:group]: numbers, or names looked up in the image's /etc/passwd and /etc/group. */
  private owner(spec: string, state: ImageState, at: string): { uid: number; gid: number } {
    const lower = layerDirsOf(state);
    // only a regular file: a symlink in the image must not make us read a host file
    const read = (p: string) => { const f = findMerged(lower, p.split('/')); return f?.st.isFile() ? readFileSync(f.host, 'utf8') : null; };
    try {
      // --chown=NAME means NAME:NAME, as in Docker (the group is looked up by the same name)
      const u = resolveUser(spec.includes(':') ? spec : `${spec}:${spec}`, read('etc/passwd'), read('etc/group'));
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
      keepExistingDirs(stage, state.layers.length ? layerDirsOf(state) : []);
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
      const now = isoTime();
      const file: ImageConfigFile = {
        ...state.file, created: now, config,
        rootfs: { type: 'layers', diff_ids: [...state.file.rootfs.diff_ids, layer.diffId] },
        history: [...(state.file.history ?? []), { created: now, created_by: `/bin/sh -c #(nop) ${what}` }],
      };
      return mk(file, [...state.layers, { ...layer, mediaType: MEDIA.ociLayerGzip }]);
    } finally {
      rmSync(stage, { recursive: true, force: true });
      rmSync(tarFile, { force: true });
    }
  }

  private async removeIntermediate(): Promise<void> {
    const { removeImage } = await import('../../image/remove');
    for (const id of this.intermediate) {
      try { removeImage(id, false, { keepBuildCache: true }); } catch { /* still used: kept */ }
    }
  }
}

const join2 = (base: string, name: string) => (base === '' || base === '.' ? name : `${base}/${name}`);

/**
 * Copy `rel` of the tree to `dst` (a host path in the staging dir): owner `owner` (null: the
 * source's own, but a top directory the copy creates is root's), mode kept unless --chmod,
 * xattrs (file capabilities too) and hard links kept — within one COPY, later names of an
 * inode are links to its first copy (`links`).
 */
function copyTree(tree: SourceTree, rel: string, dst: string, owner: { uid: number; gid: number } | null, mode: number | undefined,
  links: HardLinks, top = false): void {
  const st = tree.stat(rel);
  if (!st) return;
  if (st.isSymbolicLink()) {
    rmSync(dst, { force: true, recursive: true });
    symlinkSync(readlinkSync(tree.host(rel)), dst);
  } else if (st.isDirectory()) {
    mkdirSync(dst, { recursive: true });
    for (const name of tree.list(rel)) copyTree(tree, join2(rel, name), join(dst, name), owner, mode, links);
  } else if (st.isFile()) {
    rmSync(dst, { force: true, recursive: true });
    const first = links.earlier(st);
    if (first) {
      linkSync(first.where, dst); // the staging directory is ours alone: by path
      return;
    }
    copyFileSync(tree.host(rel), dst);
    links.remember(st, dst, lstatSync(dst).ino);
  } else if (st.isFIFO()) {
    rmSync(dst, { force: true, recursive: true });
    mknod(dst, S_IFIFO | 0o600); // as docker's COPY (a tar of the context) keeps it
  } else {
    return; // sockets and devices are not copied
  }
  const own = owner ?? (top && st.isDirectory() ? { uid: 0, gid: 0 } : { uid: st.uid, gid: st.gid });
  // Owner first: chown(2) clears set-uid/set-gid bits and file capabilities.
  lchownSync(dst, own.uid, own.gid);
  // a directory copies its contents: the directory it goes into is made 0755 (Docker's
  // MkdirAll), not given the source directory's mode
  if (!st.isSymbolicLink()) chmodSync(dst, mode ?? (top && st.isDirectory() ? 0o755 : st.mode & 0o7777));
  copyXattrs(tree.host(rel), dst, keptXattr);
  if (!st.isSymbolicLink()) utimesSync(dst, st.atime, st.mtime);
}

/**
 * A directory of the staged layer that the image already has keeps the image's mode, owner and
 * time (a COPY into /tmp must not turn /tmp's 1777 into 0755): the layer then says "unchanged",
 * as the diff of a container's writable layer would.
 */
function keepExistingDirs(stage: string, lowerTopFirst: string[]): void {
  const walk = (parts: string[]) => {
    for (const ent of readdirSync(join(stage, ...parts), { withFileTypes: true })) {
      if (!ent.isDirectory()) continue;
      const p = [...parts, ent.name];
      const img = findMerged(lowerTopFirst, p);
      if (img?.st.isDirectory()) {
        const host = join(stage, ...p);
        chmodSync(host, img.st.mode & 0o7777);
        lchownSync(host, img.st.uid, img.st.gid);
        utimesSync(host, img.st.atime, img.st.mtime);
      }
      walk(p);
    }
  };
  if (lowerTopFirst.length) walk([]);
}

interface Downloaded { url: string; file: string; name: string; sha256: string; mtime: number | null }

/**
 * ADD <url>: fetch it (plain HTTP(S) GET, redirects followed) into `dir`; Docker's one-line errors.
 * Through the registry transport: the same proxies, and TLS trusts the user's extra CAs
 * (NODE_EXTRA_CA_CERTS, image/registry/extra-cas.ts) as pulls do.
 */
async function download(url: string, dir: string, at: string): Promise<Downloaded> {
  const name = decodeURIComponent(new URL(url).pathname.split('/').pop() ?? '');
  const failed = (e: unknown) => {
    if (e instanceof UserError) return e;
    const raw = e instanceof TransportError ? e.raw ?? e : (e as Error);
    return new UserError(`${at}: ADD failed: Get "${url}": ${raw.message}`, 1);
  };
  let res: IncomingMessage;
  try {
    res = await send(url);
  } catch (e) {
    throw failed(e);
  }
  if ((res.statusCode ?? 0) < 200 || (res.statusCode ?? 0) > 299) {
    res.resume();
    throw new UserError(`${at}: ADD failed: failed to GET ${url} with status ${res.statusCode} ${res.statusMessage ?? ''}`.trimEnd(), 1);
  }
  const file = join(dir, `url-${sha256(Buffer.from(url)).slice(7, 19)}`);
  const hash = newHash();
  try {
    await pipeline(res, hashingTee(hash), createWriteStream(file, { mode: 0o600 }));
  } catch (e) {
    throw failed(e);
  }
  const lm = res.headers['last-modified'];
  const mtime = lm && !Number.isNaN(Date.parse(lm)) ? Date.parse(lm) : null;
  return { url, file, name: name || 'index.html', sha256: digestOf(hash), mtime };
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

/** A signal as Docker's ParseSignal takes it: a number above 0, or a name with or without SIG. */
function isSignal(sig: string): boolean {
  if (/^\d+$/.test(sig)) return Number(sig) > 0;
  const name = sig.toUpperCase().replace(/^SIG/, '');
  return `SIG${name}` in SIGNALS || /^RT(MIN|MAX)([+-]\d+)?$/.test(name);
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
  // Go durations, as Docker parses them: `30s`, `1m30s`, `1.5h`, `500ms`
  const UNIT_NS: Record<string, number> = { ns: 1, us: 1e3, 'µs': 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };
  const ns = (v: string | undefined) => {
    if (v === undefined) return undefined;
    if (!/^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(v)) throw new UserError(`${at}: invalid duration ${v}: a number with a unit (ms, s, m, h), as 30s or 1m30s`, 1);
    let total = 0;
    for (const d of v.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) total += Number(d[1]) * UNIT_NS[d[2]];
    return Math.round(total);
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

/**
 * Build, and stop cleanly on SIGINT/SIGTERM/SIGHUP (Ctrl-C, as docker build's cancel): the RUN
 * container of the moment is killed and removed, the intermediate images go, the cache entries
 * of the finished steps stay; the build fails with 128+signal.
 */
export async function build(o: BuildOptions): Promise<string> {
  const b = new Build(o);
  const handlers = CANCEL_SIGNALS.map((sig) => {
    const h = () => b.cancel(sig);
    process.on(sig, h);
    return [sig, h] as const;
  });
  try {
    return await b.run();
  } finally {
    for (const [sig, h] of handlers) process.off(sig, h);
  }
}
