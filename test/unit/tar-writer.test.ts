/**
 * The layer writer (export, commit, build) keeps what the tree had: GNU tar extracts from it
 * the same listing as from the tree itself — hard links as links, file capabilities and user
 * xattrs, long names, big owners — and mini-run's own reader unpacks it the same way.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeSync, constants, fstatSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, statSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { setStateRoot } from '../../src/paths';
import { TarWriter } from '../../src/image/tar-writer';
import { writeTree } from '../../src/engine/export';
import { unpackLayer, layerFsDir } from '../../src/image/layer-store';
import { gnuExtract, listTree, makeCorpusTree } from '../helpers/tar-corpus';
import { digest } from '../fixtures/tar-writer';

let work: string;
let archive: string;
beforeAll(() => {
  work = mkdtempSync('/tmp/mr-test-tarwriter-');
  mkdirSync(join(work, 'src'));
  makeCorpusTree(join(work, 'src'));
  archive = join(work, 'out.tar');
  const out = openSync(archive, 'w', 0o600);
  const dir = openSync(join(work, 'src'), constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    const tar = new TarWriter(out);
    writeTree(tar, dir, '', fstatSync(dir).dev);
    tar.finish();
  } finally {
    closeSync(dir);
    closeSync(out);
  }
});
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
  setStateRoot(null);
});

describe('TarWriter keeps hard links, xattrs and file capabilities', () => {
  it('GNU tar extracts exactly the source tree from what it wrote', () => {
    const source = listTree(join(work, 'src'));
    expect(source['sub/hl-c'].hardlinks).toBe('hl-a');
    expect(Object.keys(source['ping-like'].xattrs ?? {})).toEqual(['security.capability']);
    mkdirSync(join(work, 'gnu'));
    gnuExtract(archive, join(work, 'gnu'));
    expect(listTree(join(work, 'gnu'))).toEqual(source);
    // one body for the three names of the hard-linked inode
    const names = execFileSync('tar', ['-tvf', archive], { encoding: 'utf8' });
    expect(names.split('\n').filter((l) => l.includes(' link to ./hl-a') || l.includes(' link to hl-a'))).toHaveLength(2);
  });

  it('mini-run unpacks it to the same tree', async () => {
    const root = mkdtempSync('/tmp/mr-test-tarwriter-store-');
    try {
      setStateRoot(root);
      const diffId = digest(readFileSync(archive));
      await unpackLayer({ source: { file: archive, offset: 0, size: statSync(archive).size }, diffId });
      expect(listTree(layerFsDir(diffId))).toEqual(listTree(join(work, 'src')));
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
