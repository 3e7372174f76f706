/**
 * The command line's modules in four files (scripts/bundle.mjs → dist/cli-bundle.js,
 * dist/cli-bundle-inspect.js, dist/cli-bundle-spawn.js, dist/cli-bundle-run.js), bin/mini-run's choice between them and the modules' own files, and the
 * compile cache's record of which bundled modules its code holds. Works on a copy of dist/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const REPO = join(__dirname, '../..');
const built = existsSync(join(REPO, 'dist/cli-bundle.js'));
let top = '';
const dist = () => join(top, 'dist');
/** A module's text as the bundle holds it: every non-ASCII character as its \\uXXXX escape (same meaning). */
const asciiEscaped = (text: string) => text.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
const keysOf = (file: string) => [...readFileSync(file, 'utf8').matchAll(/^\/\/ ---- (\S+)$/gm)].map((m) => m[1]);

/** Bundle the copy's dist/ again. */
function bundle(): void {
  const r = spawnSync(process.execPath, [join(REPO, 'scripts/bundle.mjs'), dist()], { encoding: 'utf8' });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
}

/** The copy's `mini-run --help`, as typed through bin/mini-run's JS part. */
function help(env: NodeJS.ProcessEnv = {}): { status: number | null; stderr: string; stdout: string } {
  const r = spawnSync(process.execPath, [join(top, 'bin/mini-run'), '--help'], { encoding: 'utf8', env: { PATH: process.env.PATH, MINI_RUN_NO_COMPILE_CACHE: '1', ...env } });
  return { status: r.status, stderr: r.stderr, stdout: r.stdout };
}

/** Put a line at the top of the copy's dist/cli/main.js that says where it was loaded from. */
function markMain(mark: string): void {
  const file = join(dist(), 'cli/main.js');
  const line = `process.stderr.write(${JSON.stringify(`${mark} from `)} + __filename + '\\n'); // MARK\n`;
  writeFileSync(file, readFileSync(file, 'utf8').replace(/^"use strict";\n(.*\/\/ MARK\n)?/, () => `"use strict";\n${line}`));
}

describe.skipIf(!built)('the CLI bundle', () => {
  beforeAll(() => {
    top = mkdtempSync(join(tmpdir(), 'mr-test-cli-bundle-'));
    cpSync(join(REPO, 'dist'), dist(), { recursive: true });
    mkdirSync(join(top, 'bin'));
    cpSync(join(REPO, 'bin/mini-run'), join(top, 'bin/mini-run'));
    cpSync(join(REPO, 'package.json'), join(top, 'package.json'));
    symlinkSync(join(REPO, 'node_modules'), join(top, 'node_modules'));
  });
  afterAll(() => rmSync(top, { recursive: true, force: true }));

  it("holds cli/main.js and the read commands' modules, inspect's, run's up to the init's spawn and the rest of run's in three more files, each text unchanged but for \\u escapes", () => {
    const read = keysOf(join(REPO, 'dist/cli-bundle.js'));
    const inspect = keysOf(join(REPO, 'dist/cli-bundle-inspect.js'));
    const spawn = keysOf(join(REPO, 'dist/cli-bundle-spawn.js'));
    const run = [...inspect, ...spawn, ...keysOf(join(REPO, 'dist/cli-bundle-run.js'))]; // run loads all three
    // what the spawn needs comes first, in a small file; the engine's bulk (the container record,
    // cgroups, the runtime's start) only after it
    for (const key of ['engine/run-start.js', 'runtime/spawn-init.js', 'runtime/spawn-child.js']) expect(spawn).toContain(key);
    for (const key of ['runtime/container.js', 'runtime/cgroups/index.js', 'engine/run.js']) expect(spawn).not.toContain(key);
    expect(read[0]).toBe('cli/main.js');
    for (const key of ['cli/commands/index.js', 'cli/commands/ps.js', 'cli/commands/images.js', 'paths.js']) expect(read).toContain(key);
    for (const key of ['cli/commands/run.js', 'engine/run-start.js', 'runtime/spawn-init.js', 'runtime/index.js']) expect(run).toContain(key);
    expect(inspect).toContain('cli/commands/inspect.js');
    expect(read.filter((key) => run.includes(key))).toEqual([]); // each module in one place
    expect(new Set(run).size).toBe(run.length);
    for (const key of [...read, ...run]) expect(existsSync(join(REPO, 'dist', key))).toBe(true);
    expect([...read, ...run]).not.toContain('compile-cache.js'); // one instance, shared with bin/mini-run
    expect(readFileSync(join(REPO, 'dist/cli-bundle.js'), 'utf8')).toContain('A BUILD PRODUCT (scripts/bundle.mjs');
    const text = ['cli-bundle.js', 'cli-bundle-inspect.js', 'cli-bundle-spawn.js', 'cli-bundle-run.js'].map((f) => readFileSync(join(REPO, 'dist', f), 'utf8')).join('');
    for (const key of [...read, ...run]) expect(text).toContain(asciiEscaped(readFileSync(join(REPO, 'dist', key), 'utf8').trimEnd()));
    expect(text).not.toMatch(/[^\x00-\x7f]/); // (read into a one-byte string: Node's fast path)
  });

  it('a module runs once whether the bundle or its own file is required first; bundled ones are read from no file of their own', () => {
    const r = spawnSync(process.execPath, ['-e', `
      const Module = require('node:module');
      const seen = [];
      const real = Module.prototype.load;
      Module.prototype.load = function (filename) { seen.push(filename); return real.apply(this, arguments); };
      const D = ${JSON.stringify(join(REPO, 'dist'))};
      const trace = require(D + '/sys/trace.js');          // its own file first (not bundled here: a real load)
      const cli = require(D + '/cli-bundle.js');            // cli/main.js from the bundle
      const paths = require(D + '/paths.js');               // bundled, and run already by cli/main.js
      const ps = require(D + '/cli/commands/ps.js');        // bundled, not run yet, required by its path: Node loads its file
      cli.buildParser(['ps']);                               // cli/commands/index.js from the bundle: its require('./ps') finds that instance
      const index = require.cache[D + '/cli/commands/index.js'].exports;
      const out = {
        main: cli === require(D + '/cli/main.js'),
        paths: paths === require.cache[D + '/paths.js'].exports,
        trace: require.cache[D + '/sys/trace.js'].exports === trace,
        ps: typeof ps.psCommand === 'object' && index.commandsFor('ps').some((c) => c === ps.psCommand),
        seen: seen.filter((f) => f.startsWith(D + '/')).map((f) => f.slice(D.length + 1)).sort(),
      };
      process.stdout.write(JSON.stringify(out));
    `], { encoding: 'utf8', env: { PATH: process.env.PATH, MINI_RUN_NO_COMPILE_CACHE: '1' } });
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    // (compile-cache.js and fnv1a.js are never bundled: the entry point loads them first)
    expect(out).toEqual({ main: true, paths: true, trace: true, ps: true, seen: ['cli-bundle.js', 'cli/commands/ps.js', 'compile-cache.js', 'fnv1a.js', 'sys/trace.js'] });
  });

  it('bin/mini-run runs the bundle when it is as new as cli/main.js, and the files when tsc rewrote them since or there is none', () => {
    const own = help();
    expect(own.status).toBe(0);
    markMain('A');
    bundle(); // the bundle now holds mark A
    let r = help();
    expect(r.stderr).toBe(`A from ${join(dist(), 'cli/main.js')}\n`); // the bundle names the module by its own file
    expect(r.stdout).toBe(own.stdout); // --help unchanged
    expect(r.status).toBe(0);
    // as npm installs a package: every file written anew, cli/main.js a moment after the bundle
    const written = statSync(join(dist(), 'cli-bundle.js')).mtime;
    const moment = new Date(written.getTime() + 2000);
    utimesSync(join(dist(), 'cli/main.js'), moment, moment);
    expect(help().stderr).toBe(`A from ${join(dist(), 'cli/main.js')}\n`);
    // tsc alone (no bundle step) rewrote cli/main.js: the files, never the older bundle
    markMain('B');
    const later = new Date(Date.now() + 3600_000);
    utimesSync(join(dist(), 'cli/main.js'), later, later);
    r = help();
    expect(r.stderr).toBe(`B from ${join(dist(), 'cli/main.js')}\n`);
    expect(r.stdout).toBe(own.stdout);
    // no bundle at all: the files
    rmSync(join(dist(), 'cli-bundle.js'));
    utimesSync(join(dist(), 'cli/main.js'), new Date(), new Date());
    r = help();
    expect(r.stderr).toBe(`B from ${join(dist(), 'cli/main.js')}\n`);
    expect(r.status).toBe(0);
  });

  it("the compile cache saves a bundle's code again when a process runs a module it does not hold yet, and only then", () => {
    cpSync(join(REPO, 'dist/cli/main.js'), join(dist(), 'cli/main.js')); // (no mark)
    bundle();
    const file = join(dist(), 'cli-bundle.js');
    // (run as the test's user: root's cache is /var/cache/mini-run/v8; the copy's files are named by the copy's path, removed below)
    const { compileCacheDir } = require(join(REPO, 'dist/compile-cache.js')) as typeof import('../../src/compile-cache');
    const { fnv1a64 } = require(join(REPO, 'dist/fnv1a.js')) as { fnv1a64(s: string): string };
    const dir = compileCacheDir();
    if (dir === null) return; // no cache here: nothing to check (no home)
    const cacheFile = join(dir, fnv1a64(file));
    const loadWith = (modules: string[]) => {
      const r = spawnSync(process.execPath, ['-e', `
        require(${JSON.stringify(join(dist(), 'compile-cache.js'))}).installCompileCache();
        const cli = require(${JSON.stringify(file)});
        for (const word of ${JSON.stringify(modules)}) cli.buildParser([word]); // loads the command's module from the bundle
      `], { encoding: 'utf8' });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
    };
    const covered = () => readFileSync(cacheFile).toString('latin1').split('\n')[1].split(',').map(Number).sort((a, b) => a - b);
    try {
      rmSync(cacheFile, { force: true });
      loadWith([]);
      const first = covered();
      expect(first).toContain(0); // cli/main.js
      const keys = keysOf(file);
      const ps = keys.indexOf('cli/commands/ps.js');
      expect(first).not.toContain(ps);
      loadWith(['ps']); // one module more: saved again, with it
      const second = covered();
      expect(second).toEqual([...new Set([...first, ps, ...second])].sort((a, b) => a - b));
      expect(second).toContain(ps);
      const before = statSync(cacheFile);
      loadWith(['ps']); // nothing new: not written again
      const after = statSync(cacheFile);
      expect([after.ino, after.mtimeMs]).toEqual([before.ino, before.mtimeMs]);
    } finally {
      rmSync(cacheFile, { force: true });
      for (const f of ['cli-bundle-inspect.js', 'cli-bundle-spawn.js', 'cli-bundle-run.js']) rmSync(join(dir, fnv1a64(join(dist(), f))), { force: true });
    }
  });
});
