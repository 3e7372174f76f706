/**
 * zod only where a JSON is read.
 *
 * zod takes ≈ 14 ms to load, and `run`, `ps`, `images`, `inspect` and `logs` need none of it:
 * their records go through the plain checks that schema-compile.ts generates from the schemas,
 * or a missing file means the defaults. So each schema lives in its own module beside the one
 * that reads its file (`events-schema.ts` beside events.ts, `volume-schema.ts` beside
 * volume/store.ts, `registry/config-schema.ts` beside registry/config.ts, …), and that reader
 * names it once, with its imports at the top of the file:
 *
 *   import type { VolumeRecord } from (its schema module);     // types only: erased, loads nothing
 *   import { lazySchemas } from (this module);
 *   const schemas = lazySchemas(() => require(SCHEMA) as typeof import(SCHEMA));  // SCHEMA: './volume-schema'
 *
 * and calls `schemas().VolumeRecord.safeParse(…)` where the file is read (or where a generated
 * check said no and zod is to say why). The `require` stays in the reader because a path is
 * resolved from the module that asks for it.
 *
 * test/integration/zod-lazy.test.ts runs those commands with a Module._load hook and fails if
 * one loads zod. (A unit test that reaches such a require() from src/ calls test/helpers/ts-require.ts.)
 */
export function lazySchemas<T>(load: () => T): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= load());
}
