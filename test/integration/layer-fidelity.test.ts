/**
 * Layer fidelity end to end: a filesystem with hard links, file capabilities, user xattrs,
 * odd modes, long names and big owners goes through `import` → `create` → `export`, and
 * through `commit` (the layer writer `build` reuses) → `export`, and through `push` → `pull`
 * and `save` → `load` into fresh stores, and comes out as GNU tar extracts the original:
 * nothing turned into copies, no capability or xattr dropped.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { mr, removeRoot, tempRoot, removeAllContainers, mountsMentioning } from '../helpers/cli';
import { gnuExtract, listTree, makeCorpusTree } from '../helpers/tar-corpus';
import { startRegistry } from '../fixtures/registry';

let root: string;
let work: string;
const m = (...args: string[]) => mr(root, args);
let original: ReturnType<typeof listTree>;

beforeAll(() => {
  root = tempRoot('fidelity');
  work = tempRoot('fidelitywork');
  mkdirSync(join(work, 'src'));
  makeCorpusTree(join(work, 'src'));
  // GNU tar's posix format with xattrs: the archive holds everything the corpus has.
  execFileSync('tar', ['-C', join(work, 'src'), '--format=posix', '--xattrs', '--xattrs-include=*', '-cf', join(work, 'corpus.tar'), '.']);
  mkdirSync(join(work, 'gnu'));
  gnuExtract(join(work, 'corpus.tar'), join(work, 'gnu'));
  original = listTree(join(work, 'gnu'));
  // the corpus really has what this test is about
  expect(original['hl-b'].hardlinks).toBe('hl-a');
  expect(original['sub/hl-c'].hardlinks).toBe('hl-a');
  expect(Object.keys(original['ping-like'].xattrs ?? {})).toContain('security.capability');
  expect(original['with-xattr'].xattrs).toEqual({ 'user.mr-test': Buffer.from('kept').toString('hex') });
});

afterAll(() => {
  expect(removeAllContainers(root)).toEqual([]);
  expect(mountsMentioning(root)).toEqual([]);
  removeRoot(root);
  removeRoot(work);
});

/** Export a container and list what GNU tar extracts from it. */
function exportedListing(container: string, name: string): ReturnType<typeof listTree> {
  const tar = join(work, `${name}.tar`);
  const r = m('export', '-o', tar, container);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  const dir = join(work, name);
  mkdirSync(dir);
  gnuExtract(tar, dir);
  return listTree(dir);
}

describe('hard links, xattrs and file capabilities survive', () => {
  it('import → create → export gives back what GNU tar extracts from the original', () => {
    const imp = m('import', join(work, 'corpus.tar'), 'mr-fidelity:v1');
    expect(imp.stderr).toBe('');
    expect(imp.status).toBe(0);
    expect(m('create', '--name', 'fid1', 'mr-fidelity:v1', '/none').status).toBe(0);
    expect(exportedListing('fid1', 'export1')).toEqual(original);
  });

  it('commit writes a layer that keeps them (files a process wrote in the container)', () => {
    expect(m('create', '--name', 'fid2', 'mr-fidelity:v1', '/none').status).toBe(0);
    const id = JSON.parse(m('inspect', 'fid2').stdout)[0].Id as string;
    // What a process in the container would leave in its writable layer: a copy with `cp -a`.
    const upper = join(root, 'containers', id, 'upper');
    execFileSync('cp', ['-a', join(work, 'src'), join(upper, 'added')]);
    const c = m('commit', 'fid2', 'mr-fidelity:v2');
    expect(c.stderr).toBe('');
    expect(c.status).toBe(0);
    expect(m('create', '--name', 'fid3', 'mr-fidelity:v2', '/none').status).toBe(0);
    const listing = exportedListing('fid3', 'export3');
    const added = Object.fromEntries(Object.entries(listing).filter(([k]) => k.startsWith('added/')).map(([k, v]) =>
      [k.slice('added/'.length), v.hardlinks ? { ...v, hardlinks: v.hardlinks.slice('added/'.length) } : v]));
    const { ...expected } = original;
    expect(added).toEqual(expected);
  });

  it('push → pull and save → load into fresh stores give the same filesystem', async () => {
    const reg = await startRegistry();
    const roots = [tempRoot('fidelity-pull'), tempRoot('fidelity-load')];
    try {
      const ref = `${reg.host}/mr-fidelity/app:v2`;
      expect(m('tag', 'mr-fidelity:v2', ref).status).toBe(0);
      const push = m('push', ref);
      expect(push.stderr).toBe('');
      expect(push.status).toBe(0);
      const pulled = mr(roots[0], ['pull', '-q', ref]);
      expect(pulled.stderr).toBe('');
      expect(pulled.status).toBe(0);
      const saved = join(work, 'saved.tar');
      expect(m('save', '-o', saved, 'mr-fidelity:v2').status).toBe(0);
      const loaded = mr(roots[1], ['load', '-i', saved]);
      expect(loaded.stderr).toBe('');
      expect(loaded.status).toBe(0);
      const want = exportedListing('fid3', 'export-before');
      for (const [i, [r, image]] of [[roots[0], ref], [roots[1], 'mr-fidelity:v2']].entries()) {
        expect(mr(r, ['create', '--name', 'fid', image, '/none']).status).toBe(0);
        const tar = join(work, `copy-${i}.tar`);
        expect(mr(r, ['export', '-o', tar, 'fid']).status).toBe(0);
        const dir = join(work, `copy-${i}`);
        mkdirSync(dir);
        gnuExtract(tar, dir);
        expect(listTree(dir)).toEqual(want);
        expect(removeAllContainers(r)).toEqual([]);
        expect(mountsMentioning(r)).toEqual([]);
      }
    } finally {
      for (const r of roots) removeRoot(r);
      await reg.stop();
    }
  });
});
