/** Helpers for tests of the image store: throw-away roots, and "nothing was stored" checks. */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { tempRoot } from './cli';

const list = (p: string) => (existsSync(p) ? readdirSync(p) : []);

/** A factory of temp roots that remembers them, for removal in afterAll. */
export function rootFactory(tag: string): { newRoot: () => string; roots: string[] } {
  const roots: string[] = [];
  return {
    roots,
    newRoot: () => {
      const r = tempRoot(tag);
      roots.push(r);
      return r;
    },
  };
}

/** After a refused load or pull: no image, blob, layer or staging file may be left. */
export function expectNothingStored(root: string): void {
  expect(list(join(root, 'images'))).toEqual([]);
  expect(list(join(root, 'blobs/sha256'))).toEqual([]);
  expect(list(join(root, 'layers')).filter((x) => x !== 'l')).toEqual([]);
  expect(list(join(root, 'tmp'))).toEqual([]);
}
