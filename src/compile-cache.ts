/**
 * A V8 code cache for mini-run's own modules (and its dependencies).
 *
 * Every `run` starts two Node processes (the CLI, then the container's init), and compiling
 * their JavaScript is the largest single cost after Node's own boot (~25 ms measured with
 * --cpu-prof). V8 can save the compiled code of a script and reuse it next time; Node 22 does
 * this with `module.enableCompileCache()`, Node 20 does not, so we do it here: a hook on
 * CommonJS compilation that compiles through vm.Script with V8's cached data, one file per
 * module (its identity checked, see below). V8 also checks the V8 version and flags (`cachedDataRejected`), so a
 * stale cache is never used, only replaced.
 * The cache lives outside the package (a root run must not leave root-owned files in a user's
 * checkout, and a global install is read-only): /var/cache/mini-run/v8 for root, else
 * $XDG_CACHE_HOME/mini-run/v8 or ~/.cache/mini-run/v8 (none without a home of its own). Root never uses another user's
 * directory (that user could plant compiled code). If it is not writable the hook only reads.
 */
import { lstatSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as vm from 'node:vm';
import Module = require('node:module');
import { fnv1a64 } from './fnv1a';

type CompiledModule = Module & { _compile(content: string, filename: string): unknown };

/** Where compiled code is kept (see the top of this file); null: nowhere, run without a cache. */
export function compileCacheDir(): string | null {
  if (process.getuid?.() === 0) return '/var/cache/mini-run/v8';
  const xdg = process.env.XDG_CACHE_HOME;
  const home = process.env.HOME?.startsWith('/') ? process.env.HOME : ownPasswdHome();
  const base = xdg?.startsWith('/') ? xdg : home !== null ? join(home, '.cache') : null;
  return base === null ? null : join(base, 'mini-run', 'v8');
}

/**
 * The passwd entry's home, only when it is a directory this uid owns — never one to be made.
 * The init of a container with a user namespace starts with an empty environment, as the
 * overflow uid ("nobody", home /nonexistent) until its uid map is written: taking that home as
 * it came made /nonexistent/.cache/mini-run on the host.
 */
function ownPasswdHome(): string | null {
  try {
    const home = (require('node:os') as typeof import('node:os')).homedir(); // (node:os loaded only here: root never asks)
    const st = statSync(home);
    return st.isDirectory() && st.uid === process.getuid?.() ? home : null;
  } catch {
    return null;
  }
}
const TOP = join(__dirname, '..'); // the package: dist/ and node_modules/
const TOP_SLASH = TOP + '/';

/** Missing (we make it), or ours and writable by no one else: cached code runs as us. */
function trustedDir(dir: string): boolean {
  try {
    const st = statSync(dir);
    return st.uid === process.getuid?.() && (st.mode & 0o022) === 0;
  } catch {
    return true;
  }
}

/**
 * What must match for a cache file to be used: the module's path and the file's identity
 * (inode, size, change and modification time — a rewrite always moves ctime, which no one can
 * set back; npm's fixed mtimes alone would not do). null when the file cannot be stat'ed.
 */
function identityOf(filename: string, length: number): Buffer | null {
  try {
    const st = statSync(filename);
    return Buffer.from(`${filename}\0${length}\0${st.ino}\0${st.size}\0${st.ctimeMs}\0${st.mtimeMs}\n`);
  } catch {
    return null;
  }
}

/**
 * `./x` or `../x` required from a file of this package (dist/, node_modules/): the file Node
 * would pick — X itself when it is a file, else X.js — found with one or two lstat()s; null
 * for anything else (a directory's index, a symlink), which Node then resolves as always.
 * Node's own walk also reads package.json scopes and realpath()s every answer (≈ 30 % of a
 * `ps` went to resolving ~50 requests). No realpath is needed: the parent's path is already
 * real (Node resolved it), the file is not a symlink (lstat), and npm links whole packages
 * (a linked one's files are outside TOP and never come here), not directories inside one.
 */
function relativeFile(request: string, parentFile: string): string | null {
  if (request.endsWith('/') || request === '.' || request === '..') return null;
  const base = join(dirname(parentFile), request);
  for (const file of [base, base + '.js']) {
    const st = lstatSync(file, { throwIfNoEntry: false });
    if (st?.isFile()) return file;
    if (st?.isSymbolicLink()) return null;
  }
  return null;
}

type Resolver = (request: string, parent: { filename?: string | null } | undefined, isMain: boolean, options?: unknown) => string;

/** The package a bare request names: `zod` of `zod/v4`, `@scope/name` of `@scope/name/x`. */
function packageOf(request: string): string {
  const parts = request.split('/');
  return request.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** What a package.json looks like on disk (inode, size, times): a reinstall changes it. */
function fileIdentity(file: string): string | null {
  const st = lstatSync(file, { throwIfNoEntry: false });
  return st?.isFile() ? `${st.ino}:${st.size}:${st.ctimeMs}:${st.mtimeMs}` : null;
}

/**
 * A package our own modules require by name (`zod`, `yargs-parser`, `koffi`, `tar`) resolves to
 * the same file from every directory of dist/ (dist/ holds no node_modules), but Node resolves
 * it again for each new directory: zod's long "exports" map made that ≈ 1 ms per directory,
 * ≈ 7 ms of a `ps`. So a bare name required from dist/ is resolved once per process.
 * (Relative paths, absolute paths and require.resolve's options go to Node as always.)
 *
 * And once per install: every package we use has an "exports" map, and the first one a process
 * resolves makes Node load its ESM resolver (≈ 3–5 ms of every command: `yargs-parser` for the
 * flags, `koffi` in the init). So the answer for a package in our own node_modules is kept in
 * `storeFile` beside the code cache, with the identity of that package's package.json; it is
 * used while that package.json is the same file (a reinstall or an upgrade changes it) and the
 * answer is still a file. Nothing can come before our own node_modules in Node's search from
 * dist/, so a package found there is found there again; packages found elsewhere (a hoisted
 * install) are resolved by Node every time.
 */
function installResolveCache(storeFile: string | null): void {
  const loader = Module as unknown as { _resolveFilename: Resolver };
  const original = loader._resolveFilename;
  const DIST = join(TOP, 'dist') + '/';
  const OWN_MODULES = join(TOP, 'node_modules') + '/';
  const resolved = new Map<string, string>();
  let stored: Record<string, [string, string]> | null = null; // request -> [file, package.json identity]
  let changed = false;
  const fromStore = (request: string): string | undefined => {
    if (storeFile === null) return undefined;
    if (stored === null) {
      try {
        const parsed: unknown = JSON.parse(readFileSync(storeFile, 'utf8'));
        stored = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? parsed as Record<string, [string, string]> : {};
      } catch {
        stored = {};
      }
    }
    const hit = Object.prototype.hasOwnProperty.call(stored, request) ? stored[request] : undefined;
    if (!Array.isArray(hit) || typeof hit[0] !== 'string' || typeof hit[1] !== 'string') return undefined;
    const pkg = OWN_MODULES + packageOf(request) + '/';
    if (!hit[0].startsWith(pkg) || fileIdentity(pkg + 'package.json') !== hit[1] || fileIdentity(hit[0]) === null) return undefined;
    return hit[0];
  };
  const remember = (request: string, file: string): void => {
    if (storeFile === null || stored === null) return;
    const pkg = OWN_MODULES + packageOf(request) + '/';
    const identity = file.startsWith(pkg) ? fileIdentity(pkg + 'package.json') : null;
    if (identity === null) return;
    stored[request] = [file, identity];
    if (!changed && !leftHost) {
      changed = true;
      saveResolvedNow = () => {
        saveResolvedNow = null;
        try {
          mkdirSync(dirname(storeFile), { recursive: true, mode: 0o755 });
          const tmp = `${storeFile}.${process.pid}`;
          writeFileSync(tmp, JSON.stringify(stored));
          renameSync(tmp, storeFile);
        } catch { /* read-only: resolve anew next time */ }
      };
      process.once('exit', () => saveResolvedNow?.());
    }
  };
  loader._resolveFilename = function (this: unknown, request, parent, isMain, options) {
    const c = request.charCodeAt(0);
    if (options !== undefined || c === 47 /* / */ || !parent?.filename?.startsWith(TOP_SLASH)) {
      return original.call(this, request, parent, isMain, options);
    }
    if (c === 46 /* . */) return relativeFile(request, parent.filename) ?? original.call(this, request, parent, isMain, options);
    if (!parent.filename.startsWith(DIST) || request.startsWith('node:')) return original.call(this, request, parent, isMain, options);
    let file = resolved.get(request);
    if (file === undefined) {
      file = fromStore(request);
      if (file === undefined) {
        file = original.call(this, request, parent, isMain, options);
        remember(request, file);
      }
      resolved.set(request, file);
    }
    return file;
  };
}

/**
 * Node's loader looks for the nearest package.json of every `.js` file it loads (is it an ES
 * module scope?), walking up from the file's directory: for dist/'s 15 directories that is
 * dozens of failed reads and a parse, a few ms of every command. Our own dist/ is CommonJS
 * (tsc's output, under our package.json, which sets no "type"), so its files are read and
 * compiled directly; every other file goes through Node's own handler.
 */
function installDistLoader(): void {
  // `Module._extensions` is deprecated (Node 20 still uses it): unless it has the shape this
  // relies on — a writable '.js' handler, and modules that compile with _compile — every file
  // is left to Node's own loading (test/unit/compile-cache-guard.test.ts).
  const extensions = (Module as unknown as { _extensions?: Record<string, (m: Module, f: string) => void> })._extensions;
  const original = extensions?.['.js'];
  const compiles = typeof (Module.prototype as unknown as { _compile?: unknown })._compile === 'function';
  if (!extensions || typeof original !== 'function' || !compiles) return;
  const DIST = join(TOP, 'dist') + '/';
  const ours = function (this: unknown, module: Module, filename: string) {
    if (!filename.startsWith(DIST)) return original.call(this, module, filename);
    (module as unknown as { _compile(content: string, filename: string, format: string): unknown })._compile(readFileSync(filename, 'utf8'), filename, 'commonjs');
  };
  try {
    extensions['.js'] = ours;
  } catch { /* a frozen table (strict mode throws): Node's own loading */ }
}

export function installCompileCache(): void {
  installDistLoader();
  const CACHE_DIR = process.env.MINI_RUN_NO_COMPILE_CACHE === '1' ? null : compileCacheDir();
  if (CACHE_DIR === null || !trustedDir(CACHE_DIR)) {
    installResolveCache(null);
    return;
  }
  // (one file per package directory: two checkouts or installs never share answers)
  installResolveCache(join(CACHE_DIR, `resolve-${fnv1a64(TOP)}.json`));
  const proto = Module.prototype as CompiledModule;
  const pending: Entry[] = [];
  pendingSaves = pending;
  const original = proto._compile;
  proto._compile = function (this: CompiledModule, content: string, filename: string) {
    if (!filename.startsWith(TOP)) return original.call(this, content, filename);
    // V8's own check on cached data compares only the source's length, so an edited file of
    // the same length must not find its old code. Each module has one cache file (named by a
    // hash of its path, so a rebuild replaces it rather than adding one): its first line is the
    // identity it was made from, then V8's data. Hashing the content instead would cost more
    // than the cache saves (node:crypto alone takes ~6 ms to load).
    const identity = identityOf(filename, content.length);
    if (identity === null) return original.call(this, content, filename);
    const file = join(CACHE_DIR, fnv1a64(filename));
    let cachedData: Buffer | undefined;
    const covered = new Set<number>();
    try {
      // identity line, covered line (a bundle's modules that ran: "0,1,7"; empty for a module), V8's data
      const stored = readFileSync(file);
      const end = stored.indexOf(10, identity.length);
      if (end > 0 && stored.length > end + 1 && stored.subarray(0, identity.length).equals(identity)) {
        cachedData = stored.subarray(end + 1);
        if (end > identity.length) for (const i of stored.toString('latin1', identity.length, end).split(',')) covered.add(Number(i));
      }
    } catch { /* first time */ }
    const script = new vm.Script(Module.wrap(content), { filename, cachedData });
    const entry: Entry = { filename, file, identity, script, covered, saving: cachedData === undefined || script.cachedDataRejected === true };
    if (entry.saving) pending.push(entry);
    lastCompiled = entry;
    const fn = script.runInThisContext({ displayErrors: true }) as (...a: unknown[]) => unknown;
    const mod = this;
    const require = ((id: string) => mod.require(id)) as NodeJS.Require;
    Object.assign(require, {
      resolve: (request: string, options?: { paths?: string[] }) =>
        (Module as unknown as { _resolveFilename(r: string, m: Module, main: boolean, o?: object): string })._resolveFilename(request, mod, false, options),
      main: require.main ?? process.mainModule,
      cache: (Module as unknown as { _cache: object })._cache,
    });
    return fn.call(mod.exports, mod.exports, require, mod, filename, dirname(filename));
  };
  // Save what was compiled afresh, once, when the process is done (the code V8 compiled
  // lazily while running is included, so the next start skips it too) — or earlier, when the
  // process is about to leave the host's filesystem (saveCompileCacheNow).
  saveNow = () => {
    saveNow = null;
    if (pending.length === 0) return;
    try {
      mkdirSync(CACHE_DIR, { recursive: true, mode: 0o755 });
      for (const { file, identity, script, covered } of pending) {
        // temp + rename: a process starting right now reads the old file or the new, never half
        const tmp = `${file}.${process.pid}`;
        writeFileSync(tmp, Buffer.concat([identity, Buffer.from(`${[...covered].join(',')}\n`), script.createCachedData()]));
        renameSync(tmp, file);
      }
    } catch {
      /* read-only install: run without a cache */
    }
    pending.length = 0;
  };
  process.once('exit', () => saveNow?.());
}

/** A script compiled through the cache: where its code goes, and which of a bundle's modules it holds. */
interface Entry { filename: string; file: string; identity: Buffer; script: vm.Script; covered: Set<number>; saving: boolean }
/** The script compiled last (a bundle asks for its own entry while its top level runs). */
let lastCompiled: Entry | null = null;
/** What the exit's save writes (installCompileCache's list). */
let pendingSaves: Entry[] | null = null;

/**
 * For a bundle (scripts/bundle.mjs): call the answer with a module's index when the bundle runs
 * that module. V8 compiles a function when it first runs, and the code cache holds what had
 * been compiled when it was saved; a bundle's cache saved by `ps` would hold none of `run`'s
 * modules, and every `run` after it would compile them again. So the cache file says which
 * modules its code covers, and a process that runs one more saves the file's code again at
 * exit (with the union): after a few different commands the cache holds them all.
 * Without a compile cache (or for a file it did not compile) the answer does nothing.
 */
export function cacheCovers(filename: string): (index: number) => void {
  const entry = lastCompiled;
  if (entry?.filename !== filename) return () => {};
  return (index) => {
    if (entry.covered.has(index)) return;
    entry.covered.add(index);
    if (!entry.saving) {
      entry.saving = true;
      pendingSaves?.push(entry);
    }
  };
}

let saveNow: (() => void) | null = null;
let saveResolvedNow: (() => void) | null = null;
/** Set by saveCompileCacheNow: from then on this process writes no cache file at all. */
let leftHost = false;

/**
 * Write what this process compiled (and resolved) afresh now, and nothing after: for a process
 * about to enter a container's filesystem (exec's process, the container's init), where
 * /var/cache/… at exit would be the container's directory, not ours.
 */
export function saveCompileCacheNow(): void {
  leftHost = true;
  const save = saveNow;
  saveNow = null;
  save?.();
  // The package answers too (installResolveCache): the container's init writes them at exit
  // only when its start fails, which is exactly when it would leave them in the container's
  // filesystem (`diff` would list /var/cache/mini-run, `commit` would keep it).
  const saveResolved = saveResolvedNow;
  saveResolvedNow = null;
  saveResolved?.();
}
