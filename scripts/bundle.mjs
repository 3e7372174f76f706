#!/usr/bin/env node
/**
 * Writes mini-run's bundles: the modules a Node process of ours starts from, in one file (or a
 * few). Run by `npm run build`, after tsc. One job per entry point (JOBS below):
 *   - dist/runtime/init-bundle.js: the container init — runtime/init.js and every module of
 *     dist/ it can require;
 *   - dist/cli-bundle.js (+ cli-bundle-inspect.js, cli-bundle-spawn.js, cli-bundle-run.js, cli-bundle-bridge.js): the
 *     command line — the modules the read commands load (ps, images, logs), and in further files
 *     the further ones of `inspect` (most of them `run` loads too), of `run --rm --network none` up
 *     to its spawn of the container's init, of the rest of that `run`, and of one on the default
 *     bridge (its network attach), as listed in
 *     scripts/cli-bundle-parts.json
 *     (scripts/record-cli-parts.mjs writes it). The CLI's modules
 *     are lazy (a command loads its own, 33 of dist/'s 330 for `ps`), so bundling all 300 it
 *     could require would make `ps` read and deserialize ten times what it runs; any module in
 *     no part loads from its own file, as without a bundle.
 *
 * Why: every `run` starts two Node processes, the CLI and the container's init, and each
 * module they load from its own file costs a resolve, a stat, a source read, a compile-cache
 * read and a vm.Script of its own (docs/perf.md, "session 12: the init's branch" and "session
 * 13: the CLI's modules"). One file of the same code is one of each.
 *
 * How (no bundler dependency: tsc's CommonJS output is regular enough): each module's text is
 * put, unchanged, in a function with Node's module wrapper arguments (exports, require, module,
 * __filename, __dirname — the file's own names, so `native.ts`'s `__dirname` still points where
 * it did). A module's function runs at its first `require`, as with the separate files (V8
 * compiles a function when it first runs, so the others cost only a quick pre-parse). Each runs
 * as a real `Module` entered in Node's module cache under its own file name before it runs: a
 * cycle sees the half-filled exports, as in Node, and a module loaded from its own file (not
 * bundled) that requires a bundled one gets the same instance, and the other way round. What
 * is not bundled is a real `require`: Node's own modules, node_modules, any request this script
 * cannot see as a string, and compile-cache.js (and fnv1a.js), which the entry point loaded
 * before the bundle. The readable modules stay in dist/ (and src/ is the lesson); a bundle is a
 * build product that only its entry point reads (init-main.js, bin/mini-run), and only while it
 * is not older than the job's `entry` (a tsc-only build then runs the separate files).
 *
 *     node scripts/bundle.mjs [DIST]      (DIST defaults to ./dist beside this script's ..)
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const DIST = resolve(process.argv[2] ?? join(HERE, '..', 'dist'));

/** Loaded by every entry point before its bundle: required for real, so there is one instance. */
const EXTERNAL = new Set(['compile-cache.js', 'fnv1a.js']);

/** `require("./x")` / `require('../y')` as tsc writes them (imports and lazy requires alike). */
const REQUIRE = /\brequire\((["'])(\.\.?\/[^"']+)\1\)/g;

/** Module `key`'s relative requests of dist/ files: request -> key (as Node picks: X.js, or X/index.js). */
function depsOf(key, source) {
  const deps = new Map();
  for (const [, , request] of source.matchAll(REQUIRE)) {
    const base = join(dirname(join(DIST, key)), request);
    const file = [base, `${base}.js`, join(base, 'index.js')].find((f) => f.endsWith('.js') && existsSync(f));
    if (file === undefined) throw new Error(`bundle: ${key} requires ${request}: no such file in ${DIST}`);
    const dep = relative(DIST, file);
    if (dep.startsWith('..')) throw new Error(`bundle: ${key} requires ${request}, outside dist/`);
    if (!EXTERNAL.has(dep)) deps.set(request, dep);
  }
  return deps;
}

/** Every module of dist/ `entry` can require, directly or not (the entry first). */
function closure(entry) {
  const seen = new Set();
  const add = (key) => {
    if (seen.has(key)) return;
    seen.add(key);
    for (const dep of depsOf(key, readFileSync(join(DIST, key), 'utf8')).values()) add(dep);
  };
  add(entry);
  return [...seen];
}

/**
 * The CLI's files, from scripts/cli-bundle-parts.json: its "read" modules in cli-bundle.js (with
 * cli/main.js first), each further list NAME in cli-bundle-NAME.js (modules since removed are
 * left out, and a module listed twice goes in its first list).
 */
function cliLayout() {
  const listed = JSON.parse(readFileSync(join(HERE, 'cli-bundle-parts.json'), 'utf8'));
  const taken = new Set();
  const present = (keys) => keys.filter((key) => existsSync(join(DIST, key)) && !EXTERNAL.has(key) && !taken.has(key) && taken.add(key));
  const names = Object.keys(listed).filter((name) => name !== '//' && name !== 'read');
  return {
    files: ['cli-bundle.js', ...names.map((name) => `cli-bundle-${name}.js`)],
    parts: [present(['cli/main.js', ...listed.read]), ...names.map((name) => present(listed[name]))],
  };
}

const JOBS = [
  {
    entry: 'runtime/init.js',
    layout: () => ({ files: ['runtime/init-bundle.js'], parts: [closure('runtime/init.js')] }),
    about: "The container init's modules (src/runtime/init.ts and what it imports); init-main.js\n// requires this file",
  },
  {
    entry: 'cli/main.js',
    layout: cliLayout,
    about: "The command line's modules (src/cli/main.ts and what it imports): those of the read\n// commands here, further ones of `inspect` (and `run`) in cli-bundle-inspect.js, of `run` up\n// to the init's spawn in cli-bundle-spawn.js, of the rest of `run` in cli-bundle-run.js,\n// of a run on the default bridge in cli-bundle-bridge.js; bin/mini-run requires this file",
  },
];

/** How the file `from` requires `to` (both paths in dist/): './x.js' or '../x.js'. */
function requestFor(from, to) {
  const r = relative(dirname(from), to);
  return r.startsWith('..') ? r : `./${r}`;
}

/**
 * The text with every non-ASCII character written as its \uXXXX escape: in comments, strings,
 * regular expressions and names alike an escape means the same character (no module reads its
 * own raw template text; after a backslash it would not, so that stops the build). An ASCII
 * file is read into a one-byte string by Node's fast path: a hundred `…`/`≈` in comments made
 * the 300 kB read bundle a two-byte string, ≈ 2 ms more to read and twice the bytes to scan
 * (docs/perf.md, "session 14: the read commands").
 */
function ascii(text) {
  if (/\\[^\x00-\x7f]/.test(text)) throw new Error('bundle: a non-ASCII character after a backslash (write it as \\uXXXX in the source)');
  return text.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** One part's modules: [{request: key index}, function] each, in the order of `keys`. */
function partTable(keys, index) {
  return keys.map((key) => {
    const source = readFileSync(join(DIST, key), 'utf8');
    const deps = Object.fromEntries([...depsOf(key, source)].map(([request, dep]) => [request, index.get(dep) ?? dep]));
    return `// ---- ${key}
[${JSON.stringify(deps)}, function (exports, require, module, __filename, __dirname) {
${ascii(source).replace(/\n?$/, '\n')}}],
`;
  });
}

function header(job, file) {
  return `'use strict';
// A BUILD PRODUCT (scripts/bundle.mjs, run by \`npm run build\`): do not edit, read the modules
// it is made of instead. ${job.about} through the compile cache (docs/perf.md, sessions 12 and 13).
`;
}

/** The compile cache keeps the code of the modules that ran; cacheCovers makes it save again when one more runs. */
function coverageLine(file) {
  return `const covered = require(${JSON.stringify(requestFor(file, 'compile-cache.js'))}).cacheCovers(__filename);\n`;
}

function writeJob(job) {
  const { files, parts } = job.layout();
  const keys = parts.flat();
  const index = new Map(keys.map((key, i) => [key, i]));
  const where = keys.map((key) => parts.findIndex((p) => p.includes(key)));
  const [main, ...more] = files;
  const texts = [];
  texts.push(`${header(job, main)}const Module = require('node:module');
const { join } = require('node:path');
const DIST = join(__dirname, ${JSON.stringify(relative(dirname(join(DIST, main)), DIST) || '.')});
${coverageLine(main)}/** The bundled modules' paths in dist/, and which file holds each (0: this one). */
const KEYS = ${JSON.stringify(keys)};
const WHERE = ${JSON.stringify(where)};
const FILES = ${JSON.stringify([null, ...more.map((f) => requestFor(main, f))])};
const parts = [];
/** Node's node_modules search list, per directory (the same for every module of one directory). */
const PATHS = new Map();
/** Bundled module i: from Node's module cache when it ran already (from the bundle or its own file), else run now. */
function load(i, parent) {
  const filename = DIST + '/' + KEYS[i]; // (KEYS are normalised paths: no path.join needed)
  const cached = Module._cache[filename];
  if (cached !== undefined) return cached.exports;
  const part = parts[WHERE[i]] ??= require(FILES[WHERE[i]]);
  const first = WHERE.indexOf(WHERE[i]);
  const [deps, fn] = part.modules[i - first];
  part.covered(i - first);
  const dir = filename.slice(0, filename.lastIndexOf('/'));
  const module = new Module(filename, parent);
  module.filename = filename;
  let paths = PATHS.get(dir);
  if (paths === undefined) PATHS.set(dir, paths = Module._nodeModulePaths(dir));
  module.paths = paths;
  Module._cache[filename] = module;
  const req = (request) => {
    const dep = deps[request];
    return typeof dep === 'number' ? load(dep, module) : module.require(request);
  };
  req.resolve = (request, options) => Module._resolveFilename(request, module, false, options);
  req.cache = Module._cache;
  req.main = process.mainModule;
  try {
    fn.call(module.exports, module.exports, req, module, filename, dir);
  } catch (e) {
    delete Module._cache[filename]; // as Node: a module that threw is loaded again next time
    throw e;
  }
  module.loaded = true;
  return module.exports;
}
parts[0] = { covered, modules: [
${partTable(parts[0], index).join('')}] };
module.exports = load(0, module);
`);
  more.forEach((file, n) => {
    texts.push(`${header(job, file)}${coverageLine(file)}module.exports = { covered, modules: [
${partTable(parts[n + 1], index).join('')}] };
`);
  });
  files.forEach((file, n) => {
    const out = join(DIST, file);
    const tmp = `${out}.${process.pid}`;
    writeFileSync(tmp, texts[n]);
    renameSync(tmp, out);
  });
}

for (const job of JOBS) writeJob(job);
