/**
 * A V8 code cache for mini-run's own modules (and its dependencies).
 *
 * Every `run` starts two Node processes (the CLI, then the container's init), and compiling
 * their JavaScript is the largest single cost after Node's own boot (~25 ms measured with
 * --cpu-prof). V8 can save the compiled code of a script and reuse it next time; Node 22 does
 * this with `module.enableCompileCache()`, Node 20 does not, so we do it here: a hook on
 * CommonJS compilation that compiles through vm.Script with V8's cached data, one file per
 * module and content. V8 also checks the V8 version and flags (`cachedDataRejected`), so a
 * stale cache is never used, only replaced.
 * The cache lives outside the package (a root run must not leave root-owned files in a user's
 * checkout, and a global install is read-only): /var/cache/mini-run/v8 for root, else
 * $XDG_CACHE_HOME/mini-run/v8 (~/.cache/mini-run/v8). Root never uses another user's
 * directory (that user could plant compiled code). If it is not writable the hook only reads.
 */
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import { homedir } from 'node:os';
import * as vm from 'node:vm';
import Module = require('node:module');

type CompiledModule = Module & { _compile(content: string, filename: string): unknown };

/** Where compiled code is kept: see the top of this file. */
export function compileCacheDir(): string {
  if (process.getuid?.() === 0) return '/var/cache/mini-run/v8';
  const base = process.env.XDG_CACHE_HOME?.startsWith('/') ? process.env.XDG_CACHE_HOME : join(homedir(), '.cache');
  return join(base, 'mini-run', 'v8');
}
const TOP = join(__dirname, '..'); // the package: dist/ and node_modules/

/** Missing (we make it), or ours and writable by no one else: cached code runs as us. */
function trustedDir(dir: string): boolean {
  try {
    const st = statSync(dir);
    return st.uid === process.getuid?.() && (st.mode & 0o022) === 0;
  } catch {
    return true;
  }
}

export function installCompileCache(): void {
  if (process.env.MINI_RUN_NO_COMPILE_CACHE === '1') return;
  const CACHE_DIR = compileCacheDir();
  if (!trustedDir(CACHE_DIR)) return;
  const proto = Module.prototype as CompiledModule;
  const pending: Array<[string, vm.Script]> = [];
  const original = proto._compile;
  proto._compile = function (this: CompiledModule, content: string, filename: string) {
    if (!filename.startsWith(TOP)) return original.call(this, content, filename);
    // Keyed by path AND content: V8's own check on cached data compares only the source's
    // length, so an edited file of the same length must not find its old cache.
    const file = join(CACHE_DIR, createHash('sha1').update(filename).update('\0').update(content).digest('hex'));
    let cachedData: Buffer | undefined;
    try { cachedData = readFileSync(file); } catch { /* first time */ }
    const script = new vm.Script(Module.wrap(content), { filename, cachedData });
    if (cachedData === undefined || script.cachedDataRejected) pending.push([file, script]);
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
  // lazily while running is included, so the next start skips it too).
  process.once('exit', () => {
    if (pending.length === 0) return;
    try {
      mkdirSync(CACHE_DIR, { recursive: true, mode: 0o755 });
      for (const [file, script] of pending) {
        // temp + rename: a process starting right now reads the old file or the new, never half
        const tmp = `${file}.${process.pid}`;
        writeFileSync(tmp, script.createCachedData());
        renameSync(tmp, file);
      }
    } catch {
      /* read-only install: run without a cache */
    }
  });
}
