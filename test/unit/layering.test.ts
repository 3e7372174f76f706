/**
 * The arrows go one way: cli → engine → runtime → sys, with image/, network/, volume/ beside
 * the engine and the supervisor (shim/) below it. A learner reading src/runtime/ never has to
 * open the engine, and the supervisor reports to the engine only through the interface it is
 * given (engine/monitor.ts), as containerd's shim does. This test reads every import in src/.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const SRC = resolve(__dirname, '..', '..', 'src');

/** Which top-level folders each folder may import (top-level files like errors.ts are shared by all). */
const ALLOWED: Record<string, string[]> = {
  sys: ['sys'],
  runtime: ['runtime', 'sys'],
  shim: ['shim', 'runtime', 'sys'],
  runc: ['runc', 'runtime', 'sys'],
  image: ['image', 'sys'],
  network: ['network', 'sys'],
  volume: ['volume', 'image', 'sys'],
  engine: ['engine', 'image', 'network', 'volume', 'shim', 'runtime', 'sys'],
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return sourceFiles(p);
    return p.endsWith('.ts') ? [p] : [];
  });
}

/** Relative module specifiers: static imports/exports, import(), require(). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found = new Set<string>();
  for (const m of text.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|\brequire\s*\(\s*|^import\s+)'(\.{1,2}\/[^']+)'/gm)) found.add(m[1]);
  return [...found];
}

/** The top-level folder of a path under src/, or null for a top-level file (errors.ts, paths.ts…). */
function folderOf(path: string): string | null {
  const parts = relative(SRC, path).split('/');
  if (parts.length > 1) return parts[0];
  return existsSync(path) && statSync(path).isDirectory() ? parts[0] : null; // '../runtime' is runtime/index.ts
}

describe('module layering (src/)', () => {
  const edges = sourceFiles(SRC).flatMap((file) =>
    importsOf(file).map((spec) => ({ file: relative(SRC, file), from: folderOf(file), to: folderOf(resolve(dirname(file), spec)), spec })));

  it('finds the imports it checks (the parser sees the tree)', () => {
    expect(edges.filter((e) => e.from === 'shim' && e.to === 'runtime').length).toBeGreaterThan(0);
    expect(edges.filter((e) => e.from === 'engine' && e.to === 'shim').length).toBeGreaterThan(0);
  });

  for (const [folder, allowed] of Object.entries(ALLOWED)) {
    it(`${folder}/ imports only ${allowed.join(', ')} and the shared top-level files`, () => {
      const upward = edges.filter((e) => e.from === folder && e.to !== null && !allowed.includes(e.to));
      expect(upward.map((e) => `${e.file} → ${e.spec}`)).toEqual([]);
    });
  }

  it('the shared top-level files import no folder but sys/', () => {
    const bad = edges.filter((e) => e.from === null && e.to !== null && e.to !== 'sys');
    expect(bad.map((e) => `${e.file} → ${e.spec}`)).toEqual([]);
  });
});
