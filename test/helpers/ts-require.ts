/**
 * Lets Node's own require() load src/'s .ts files in a unit test. A module that loads its
 * schema only where a JSON is read (src/lazy-schema.ts) calls require() for it, and vitest
 * transforms imports, not require(): without this, `require('./config-schema')` finds no
 * config-schema.js next to src/image/registry/config.ts. The file is transpiled (types
 * dropped) to CommonJS, as tsc builds dist/.
 */
import Module from 'node:module';
import { readFileSync } from 'node:fs';
import ts from 'typescript';

type Loader = (m: { _compile(code: string, filename: string): void }, filename: string) => void;

export function allowTsRequire(): void {
  const extensions = (Module as unknown as { _extensions: Record<string, Loader> })._extensions;
  extensions['.ts'] ??= (m, filename) => {
    const out = ts.transpileModule(readFileSync(filename, 'utf8'), {
      fileName: filename,
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
    });
    m._compile(out.outputText, filename);
  };
}
