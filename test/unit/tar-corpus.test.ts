/**
 * Every valid tar reads: archives written by independent tools (GNU tar in five formats,
 * bsdtar, busybox tar, Python's tarfile, Go's archive/tar, node-tar) from one tree holding long names ('/' at
 * position 100, beyond 255), long link targets, a hard-link group across directories, odd
 * modes, a FIFO, Korean and spaced names, big owners, a file capability, a user xattr and a
 * sparse file (GNU's old 'S' type and the PAX 0.0, 0.1 and 1.0 sparse formats).
 * Each archive unpacked as a layer must list exactly as GNU tar's own extraction of it.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { setStateRoot } from '../../src/paths';
import { unpackLayer, layerFsDir } from '../../src/image/layer-store';
import { gnuExtract, listTree, makeCorpusTree, slashAt100, WRITERS } from '../helpers/tar-corpus';
import { digest } from '../fixtures/tar-writer';
import { readFileSync } from 'node:fs';

let work: string;
let root: string;
beforeAll(() => {
  work = mkdtempSync('/tmp/mr-test-corpus-');
  mkdirSync(join(work, 'src'));
  makeCorpusTree(join(work, 'src'));
});
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
  if (root) rmSync(root, { recursive: true, force: true });
  setStateRoot(null);
});
beforeEach(() => {
  if (root) rmSync(root, { recursive: true, force: true });
  root = mkdtempSync('/tmp/mr-test-corpus-store-');
  setStateRoot(root);
});

describe('archives from independent writers unpack as GNU tar extracts them', () => {
  for (const w of WRITERS) {
    if (!w.available) console.warn(`tar corpus: skipping ${w.name}: ${w.missing ?? 'its program is not installed'}`);
    it.skipIf(!w.available)(w.name, async () => {
      const slug = w.name.replace(/[^a-z0-9]+/gi, '-');
      const archive = join(work, `${slug}.tar`);
      w.write(join(work, 'src'), archive);
      const gnu = join(work, `${slug}.gnu`);
      mkdirSync(gnu);
      gnuExtract(archive, gnu);
      const tar = readFileSync(archive);
      const diffId = digest(tar);
      await unpackLayer({ source: { file: archive, offset: 0, size: statSync(archive).size }, diffId });
      const ours = listTree(layerFsDir(diffId));
      const theirs = listTree(gnu);
      expect(ours).toEqual(theirs);
      // the archive really held the hard part (formats that can carry it)
      if (!/ustar|v7/i.test(w.name)) expect(Object.keys(ours)).toContain(slashAt100(126));
      expect(ours['sub/hl-c'].hardlinks).toBe('hl-a');
      if (/GNU tar.*posix|bsdtar --format pax|Go archive\/tar pax/.test(w.name)) {
        expect(Object.keys(ours['ping-like'].xattrs ?? {})).toContain('security.capability');
      }
      // a --sparse archive holds the 3 MiB file's data only, not its holes
      if (w.name.includes('--sparse')) expect(tar.length).toBeLessThan(1 << 20);
    });
  }
});
