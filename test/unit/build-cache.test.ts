/**
 * The build cache's bookkeeping (src/image/build-cache.ts) on a throw-away state root: entries
 * are found by key, a broken or forged entry is a miss and goes away, `rmi` removes the chain
 * that led to an image up to where another chain branches off, and prune keeps only the chains
 * that lead to an image still in the store. (Builds that use it: test/integration/build.test.ts.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setStateRoot } from '../../src/paths';
import { cacheKey, forgetChainOf, listCache, lookupCache, pruneCache, storeCache, type CacheEntry } from '../../src/image/build-cache';
import { sha256 } from '../../src/image/digest';

const root = mkdtempSync('/tmp/mr-test-buildcache-');
beforeAll(() => setStateRoot(root));
afterAll(() => { setStateRoot(null); rmSync(root, { recursive: true, force: true }); });

const dir = () => join(root, 'build-cache');
const keys = () => listCache().map((e) => e.key).sort();

/** An entry for `step` on `parent` whose result is a config naming `name` (no layers). */
function entry(parent: string, step: string, name: string): CacheEntry {
  const config = JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Env: [`STEP=${name}`] }, rootfs: { type: 'layers', diff_ids: [] } });
  return { key: cacheKey(parent, step), parent, result: sha256(config), config, layers: [], created: new Date().toISOString() };
}

describe('build cache', () => {
  it('the key depends on the parent and on the step; an entry is found by its key', () => {
    const base = sha256('base');
    expect(cacheKey(base, ['RUN', 'a'])).not.toBe(cacheKey(base, ['RUN', 'b']));
    expect(cacheKey(base, ['RUN', 'a'])).not.toBe(cacheKey(sha256('other'), ['RUN', 'a']));
    const e = entry(base, 'found', 'x');
    storeCache(e);
    expect(lookupCache(e.key)).toEqual(e);
    expect(lookupCache(cacheKey(base, 'missing'))).toBeNull();
    rmSync(dir(), { recursive: true });
  });

  it('a broken entry, or one whose config does not hash to its result, is a miss and is removed', () => {
    const good = entry(sha256('base'), 'forged', 'x');
    storeCache(good);
    const path = join(dir(), `${good.key}.json`);
    writeFileSync(path, JSON.stringify({ ...good, config: good.config.replace('STEP=x', 'STEP=evil') }));
    expect(lookupCache(good.key)).toBeNull();
    expect(existsSync(path)).toBe(false);
    writeFileSync(path, '{ not json');
    expect(lookupCache(good.key)).toBeNull();
    expect(existsSync(path)).toBe(false);
  });

  it('an entry naming a layer that is gone is a miss (and is removed)', () => {
    const e = { ...entry(sha256('base'), 'layered', 'l'), layers: [{ diffId: sha256('no-such-layer'), blobDigest: sha256('no-such-blob'), size: 1, mediaType: 'x' }] };
    storeCache(e);
    expect(lookupCache(e.key)).toBeNull();
    expect(readdirSync(dir()).filter((n) => n.startsWith(e.key))).toEqual([]);
  });

  it('rmi: the chain that led to the image goes, up to a parent another chain builds on or that is an image', () => {
    rmSync(dir(), { recursive: true, force: true });
    const base = sha256('busybox');
    const e1 = entry(base, 'ENV', '1');
    const e2 = entry(e1.result, 'COPY', '2');
    const e3 = entry(e2.result, 'RUN', '3');            // -> image A
    const e4 = entry(e1.result, 'RUN other', '4');      // -> image B, branches off after e1
    for (const e of [e1, e2, e3, e4]) storeCache(e);
    forgetChainOf(e3.result, new Set([base, e4.result]));
    expect(keys()).toEqual([e1.key, e4.key].sort());
    forgetChainOf(e4.result, new Set([base]));
    expect(keys()).toEqual([]);
  });

  it('prune keeps the chains leading to an image in the store, and drops the rest (a failed build) and broken files', () => {
    rmSync(dir(), { recursive: true, force: true });
    const base = sha256('busybox');
    const e1 = entry(base, 'ENV', '1');
    const e2 = entry(e1.result, 'RUN', '2');            // -> image A
    const failed = entry(base, 'RUN fails later', 'f'); // a build that stopped after this step
    for (const e of [e1, e2, failed]) storeCache(e);
    writeFileSync(join(dir(), `${'0'.repeat(64)}.json`), 'garbage');
    expect(pruneCache(new Set([base, e2.result]))).toBe(2);
    expect(keys()).toEqual([e1.key, e2.key].sort());
    expect(pruneCache(new Set([base]))).toBe(2);
    expect(readdirSync(dir())).toEqual([]);
  });
});
