/**
 * Lets Node's own require() load src/'s .ts files in a test: vitest.config.ts names this file
 * in `setupFiles`, so it runs in each test file's worker before the file. Modules in src/ load
 * others at their first use with require() inside a function (src/lazy.ts: the state lock's
 * sys/libc, the schemas beside the readers of their files, …), and vitest transforms imports,
 * not require(): without this, `require('./config-schema')` finds no config-schema.js next to
 * src/image/registry/config.ts. The file is transpiled (types dropped) to CommonJS, as tsc
 * builds dist/. Only this process: the CLI a test spawns (bin/mini-run) runs dist/'s JS.
 */
import Module from 'node:module';
import { readFileSync } from 'node:fs';
import ts from 'typescript';

type Loader = (m: { _compile(code: string, filename: string): void }, filename: string) => void;

const extensions = (Module as unknown as { _extensions: Record<string, Loader> })._extensions;
extensions['.ts'] ??= (m, filename) => {
  const out = ts.transpileModule(readFileSync(filename, 'utf8'), {
    fileName: filename,
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
  });
  m._compile(out.outputText, filename);
};
