#!/usr/bin/env node
/**
 * Writes dist/runtime/init-bundle.js: the container init's modules (runtime/init.js and every
 * module of dist/ it requires, directly or not) in ONE file. Run by `npm run build`, after tsc.
 *
 * Why: every `run` starts a second Node for the container's init, and its boot is one of the
 * two branches `run` waits for (docs/perf.md, "session 12: the init's branch"). Loading 23
 * small files costs a resolve, a stat, a compile-cache read and a compile each; one file of the
 * same code boots ≈ 10 ms sooner and takes less CPU from the CLI beside it.
 *
 * How (no bundler dependency: tsc's CommonJS output is regular enough): each module's text is
 * put, unchanged, in a function with Node's module wrapper arguments (exports, require, module,
 * __filename, __dirname — the file's own names, so `native.ts`'s `__dirname` still points where
 * it did), and a tiny `require` loads them in Node's order (cached before it runs: a cycle sees
 * the half-filled exports, as in Node). What stays a real `require`: Node's own modules, koffi
 * (node_modules), any request this script cannot see as a string, and `EXTERNAL` below —
 * compile-cache.js, which init-main.js loaded before the bundle and whose state must be the one
 * instance. The readable modules stay in dist/ (and src/ is the lesson); the bundle is a build
 * product only init-main.js reads.
 *
 *     node scripts/bundle-init.mjs [DIST]      (DIST defaults to ./dist beside this script's ..)
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const DIST = resolve(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..', 'dist'));
const ENTRY = 'runtime/init.js';
const OUT = 'runtime/init-bundle.js';
/** Loaded by init-main.js before the bundle: required for real, so there is one instance. */
const EXTERNAL = new Set(['compile-cache.js', 'fnv1a.js']);

/** `require("./x")` / `require('../y')` as tsc writes them (imports and lazy requires alike). */
const REQUIRE = /\brequire\((["'])(\.\.?\/[^"']+)\1\)/g;

const modules = new Map(); // key (path in dist/) -> { index, source, deps: Map(request -> key) }
function add(key) {
  if (modules.has(key)) return;
  const source = readFileSync(join(DIST, key), 'utf8');
  const mod = { index: modules.size, source, deps: new Map() };
  modules.set(key, mod);
  for (const [, , request] of source.matchAll(REQUIRE)) {
    let file = join(dirname(join(DIST, key)), request);
    if (!file.endsWith('.js')) file += '.js';
    if (!existsSync(file)) throw new Error(`bundle-init: ${key} requires ${request}: no ${file}`);
    const dep = relative(DIST, file);
    if (dep.startsWith('..')) throw new Error(`bundle-init: ${key} requires ${request}, outside dist/`);
    if (EXTERNAL.has(dep)) continue;
    mod.deps.set(request, dep);
    add(dep);
  }
}
add(ENTRY);

const parts = [
  `'use strict';
// A BUILD PRODUCT (scripts/bundle-init.mjs, run by \`npm run build\`): do not edit, read the
// modules it is made of instead (src/runtime/init.ts and what it imports). The container init's
// ${modules.size} modules of dist/ in one file, so its Node loads one file instead of ${modules.size}
// (docs/perf.md, session 12). init-main.js requires it through the compile cache.
const { join } = require('node:path');
const DIST = join(__dirname, ${JSON.stringify(relative(dirname(join(DIST, OUT)), DIST) || '.')});
const outer = require;
const loaded = [];
function load(i, deps, fn, key) {
  const filename = join(DIST, key);
  const module = { exports: {}, filename, loaded: false };
  loaded[i] = module;
  const dir = join(filename, '..');
  const req = (request) => {
    const dep = deps[request];
    if (dep !== undefined) return (loaded[dep] ?? MODULES[dep]()).exports;
    // not bundled: Node's own modules, node_modules, compile-cache.js — a real require, from
    // where the module's file is
    return outer(request.startsWith('.') ? join(dir, request) : request);
  };
  fn.call(module.exports, module.exports, req, module, filename, dir);
  module.loaded = true;
  return module;
}
`,
];
const keys = [...modules.keys()];
for (const [key, mod] of modules) {
  const deps = Object.fromEntries([...mod.deps].map(([request, dep]) => [request, modules.get(dep).index]));
  parts.push(`// ---- ${key}
function m${mod.index}(exports, require, module, __filename, __dirname) {
${mod.source.replace(/\n?$/, '\n')}}
`);
  mod.depsText = JSON.stringify(deps);
}
parts.push(`const MODULES = [
${keys.map((key) => { const m = modules.get(key); return `  () => load(${m.index}, ${m.depsText}, m${m.index}, ${JSON.stringify(key)}),`; }).join('\n')}
];
module.exports = MODULES[0]().exports;
`);

const out = join(DIST, OUT);
const tmp = `${out}.${process.pid}`;
writeFileSync(tmp, parts.join(''));
renameSync(tmp, out);
