/**
 * A module loaded where it is used, not where it is imported: `lazy(load)` returns a function
 * that calls `load` the first time and then returns what it gave.
 *
 * Why: start-up. Every module an `import` at the top of a file names is loaded (read, compiled,
 * run) when that file is, whether or not this command uses it — and `run` starts a Node process
 * for the CLI whose every millisecond shows (docs/perf.md). So a module needed only on one branch
 * (node:child_process where a process is spawned, sys/libc where the state lock is taken, zod
 * where a file's record fails its generated check, …) is named once at the top of the file that
 * uses it, types only in the import:
 *
 *   import { lazy } from (this module);
 *   const childProcess = lazy(() => require('node:child_process') as typeof import('node:child_process'));
 *
 * and `childProcess().spawn(…)` where it runs. The `require` stays in the module that uses it
 * because a relative path is resolved from the module that asks for it (and scripts/bundle.mjs
 * finds a module's dependencies in its own relative require calls). Node caches a required
 * module too; `lazy` keeps the result so that a hot path does not go through require() again.
 *
 * zod only where a JSON is read: zod takes ≈ 14 ms to load, and `run`, `ps`, `images`,
 * `inspect` and `logs` need none of it — their records go through the plain checks that
 * schema-compile.ts generates from the schemas, or a missing file means the defaults. So each
 * schema lives in its own module beside the one that reads its file (`events-schema.ts` beside
 * events.ts, `volume-schema.ts` beside volume/store.ts, `registry/config-schema.ts` beside
 * registry/config.ts, …), and that reader has `const schemas = lazy(() => require(SCHEMA) as
 * typeof import(SCHEMA))` and calls `schemas().VolumeRecord.safeParse(…)` where the file is read
 * (or where a generated check said no and zod is to say why). test/integration/zod-lazy.test.ts
 * runs those commands with a Module._load hook and fails if one loads zod.
 *
 * (Tests: vitest transforms imports, not require(); test/helpers/ts-require.ts, a setup file of
 * every test, lets Node's require() load src/'s .ts files.)
 */
export function lazy<T>(load: () => T): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= load());
}
