/**
 * The container's environment as docker builds it: --env-file lines, `-e NAME` taken from our
 * own environment, later lists overriding earlier ones by name. Used by `run` (spec-builder.ts)
 * and by `exec`, which needs nothing else of the spec builder.
 */
import { readFileSync } from 'node:fs';
import { UserError } from '../errors';

/** KEY=VALUE lines of an --env-file (docker's format: no quotes processing, # comments). */
export function readEnvFile(file: string): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UserError(`open ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (e as Error).message}`, 125);
  }
  return text.split('\n').map((l) => l.replace(/\r$/, '')).filter((l) => l.trim() && !l.trimStart().startsWith('#'));
}

/** `-e NAME` (no '=') takes the value from our own environment, or is dropped if unset. */
export function expandEnv(entry: string): string | null {
  if (entry.includes('=')) return entry;
  const v = process.env[entry];
  return v === undefined ? null : `${entry}=${v}`;
}

export function mergeEnv(...lists: string[][]): string[] {
  const map = new Map<string, string>();
  for (const list of lists) for (const e of list) {
    const i = e.indexOf('=');
    map.set(i < 0 ? e : e.slice(0, i), e);
  }
  return [...map.values()];
}
