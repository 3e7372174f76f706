/**
 * Layer fidelity end to end: a filesystem with hard links, file capabilities, user xattrs,
 * odd modes, long names and big owners goes through `import` → `create` → `export`, and
 * through `commit` (the layer writer `build` reuses) → `export`, and through `push` → `pull`
 * and `save` → `load` into fresh stores, and comes out as GNU tar extracts the original:
 * nothing turned into copies, no capability or xattr dropped. The same for the paths that copy
 * files one by one: `cp -a` into and out of a container, volume copy-up, `build`'s COPY.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
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
  expect(original['with-xattr'].xattrs).toEqual({
    'trusted.mr-test': Buffer.from('kept too').toString('hex'), 'user.mr-test': Buffer.from('kept').toString('hex'),
  });
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

/** The entries below `prefix` (a hard-link group named from there too). */
function below(listing: ReturnType<typeof listTree>, prefix: string): ReturnType<typeof listTree> {
  return Object.fromEntries(Object.entries(listing).filter(([k]) => k.startsWith(prefix)).map(([k, v]) =>
    [k.slice(prefix.length), v.hardlinks ? { ...v, hardlinks: v.hardlinks.slice(prefix.length) } : v]));
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
    expect(below(exportedListing('fid3', 'export3'), 'added/')).toEqual(original);
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

  it('cp -a into a container and back out keeps them, and so does a commit of what cp put there', () => {
    expect(m('create', '--name', 'fidcp', 'mr-fidelity:v1', '/none').status).toBe(0);
    const into = m('cp', '-a', join(work, 'src'), 'fidcp:/copied');
    expect(into.stderr).toBe('');
    expect(into.status).toBe(0);
    const out = m('cp', '-a', 'fidcp:/copied', join(work, 'cp-out'));
    expect(out.stderr).toBe('');
    expect(out.status).toBe(0);
    expect(listTree(join(work, 'cp-out'))).toEqual(original);
    expect(m('commit', 'fidcp', 'mr-fidelity:cp').status).toBe(0);
    expect(m('create', '--name', 'fidcp2', 'mr-fidelity:cp', '/none').status).toBe(0);
    expect(below(exportedListing('fidcp2', 'export-cp'), 'copied/')).toEqual(original);
  });

  it('cp without -a drops file capabilities on the host, as it drops set-uid (user xattrs stay)', () => {
    expect(m('create', '--name', 'fidplain', 'mr-fidelity:v1', '/none').status).toBe(0);
    const dir = join(work, 'cp-plain');
    mkdirSync(dir);
    for (const f of ['ping-like', 'mode-4755', 'with-xattr']) expect(m('cp', `fidplain:/${f}`, dir).status).toBe(0);
    const got = listTree(dir);
    expect(got['ping-like'].xattrs).toBeUndefined();
    expect(got['mode-4755'].mode).toBe('755');
    expect(got['with-xattr'].xattrs).toEqual(original['with-xattr'].xattrs);
  });

  it('volume copy-up gives the named volume what the image has there', () => {
    // an image with the corpus under /data, by GNU tar
    const nest = join(work, 'nest');
    mkdirSync(nest);
    execFileSync('cp', ['-a', join(work, 'src'), join(nest, 'data')]);
    execFileSync('tar', ['-C', nest, '--format=posix', '--xattrs', '--xattrs-include=*', '-cf', join(work, 'nest.tar'), '.']);
    expect(m('import', join(work, 'nest.tar'), 'mr-fidelity:data').status).toBe(0);
    const c = m('create', '--name', 'fidvol', '-v', 'mr-fid-vol:/data', 'mr-fidelity:data', '/none');
    expect(c.stderr).toBe('');
    expect(c.status).toBe(0);
    const mountpoint = JSON.parse(m('volume', 'inspect', 'mr-fid-vol').stdout)[0].Mountpoint as string;
    expect(listTree(mountpoint)).toEqual(original);
  });

  it("build's COPY keeps them (owners root:root, as COPY without --chown gives)", () => {
    const ctx = join(work, 'ctx');
    mkdirSync(ctx);
    execFileSync('cp', ['-a', join(work, 'src'), join(ctx, 'tree')]);
    writeFileSync(join(ctx, 'Dockerfile'), 'FROM mr-fidelity:v1\nCOPY tree /built/\n');
    const b = m('build', '-q', '-t', 'mr-fidelity:built', ctx);
    expect(b.stderr).toBe('');
    expect(b.status).toBe(0);
    expect(m('create', '--name', 'fidbuilt', 'mr-fidelity:built', '/none').status).toBe(0);
    const rootOwned = Object.fromEntries(Object.entries(original).map(([k, v]) => [k, { ...v, owner: '0:0' }]));
    expect(below(exportedListing('fidbuilt', 'export-built'), 'built/')).toEqual(rootOwned);
  });

  it("build's ADD of a local tar (plain and gzip) unpacks it with the archive's owners, hard links and xattrs, as Docker's ADD", () => {
    const ctx = join(work, 'ctx-add');
    mkdirSync(ctx);
    execFileSync('cp', [join(work, 'corpus.tar'), join(ctx, 'corpus.tar')]);
    execFileSync('sh', ['-c', `gzip -c '${join(work, 'corpus.tar')}' > '${join(ctx, 'corpus.tgz')}'`]);
    writeFileSync(join(ctx, 'Dockerfile'), 'FROM mr-fidelity:v1\nADD corpus.tar /added/\nADD corpus.tgz /added-gz/\n');
    const b = m('build', '-q', '-t', 'mr-fidelity:added', ctx);
    expect(b.stderr).toBe('');
    expect(b.status).toBe(0);
    expect(m('create', '--name', 'fidadded', 'mr-fidelity:added', '/none').status).toBe(0);
    const listing = exportedListing('fidadded', 'export-added');
    expect(below(listing, 'added/')).toEqual(original);
    expect(below(listing, 'added-gz/')).toEqual(original);
  });
});
