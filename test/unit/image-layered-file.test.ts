/** readLayeredFile shows a file as the overlay of the layers would, without mounting. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mknod, lsetxattr } from '../../src/sys/libc';
import { S_IFCHR } from '../../src/sys/constants';
import { LayeredFiles, readLayeredFile } from '../../src/image/layered-file';
import { resolveMerged } from '../../src/volume/copy-up';

let dir: string;
let bottom: string, middle: string, top: string;
const put = (layer: string, p: string, content: string) => {
  mkdirSync(join(layer, p, '..'), { recursive: true });
  writeFileSync(join(layer, p), content);
};

beforeAll(() => {
  dir = mkdtempSync('/tmp/mr-test-layered-');
  [bottom, middle, top] = ['bottom', 'middle', 'top'].map((n) => join(dir, n));
  for (const l of [bottom, middle, top]) mkdirSync(l);
  put(bottom, 'etc/passwd', 'bottom passwd');
  put(bottom, 'etc/group', 'bottom group');
  put(bottom, 'etc/shadow', 'bottom shadow');
  put(bottom, 'opaque/old', 'old');
  put(bottom, 'real/file', 'via symlink');
  put(middle, 'etc/group', 'middle group');
  mknod(join(middle, 'etc/shadow'), S_IFCHR, 0, 0); // whiteout: deleted in the middle layer
  mkdirSync(join(middle, 'opaque'));
  lsetxattr(join(middle, 'opaque'), 'trusted.overlay.opaque', Buffer.from('y'));
  put(middle, 'opaque/new', 'new');
  put(bottom, 'notopaque/old', 'old, shown');
  mkdirSync(join(middle, 'notopaque'));
  lsetxattr(join(middle, 'notopaque'), 'trusted.overlay.opaque', Buffer.from('yes')); // only "y" makes it opaque
  symlinkSync('/real', join(middle, 'link'));
  symlinkSync('/etc', join(top, 'hostlink'));
  put(top, 'etc/passwd', 'top passwd');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const read = (p: string) => readLayeredFile([bottom, middle, top], p)?.toString() ?? null;

describe('readLayeredFile', () => {
  it('takes the file from the topmost layer that has it', () => {
    expect(read('/etc/passwd')).toBe('top passwd');
    expect(read('/etc/group')).toBe('middle group');
  });
  it('honours whiteouts', () => {
    expect(read('/etc/shadow')).toBeNull();
  });
  it('honours opaque directories', () => {
    expect(read('/opaque/old')).toBeNull();
    expect(read('/opaque/new')).toBe('new');
  });
  it('a value of trusted.overlay.opaque other than "y" hides nothing (a longer one too)', () => {
    expect(read('/notopaque/old')).toBe('old, shown');
  });
  it('one LayeredFiles reads several files of the same view (what it learnt of a path serves the next read)', () => {
    const files = new LayeredFiles([bottom, middle, top]);
    expect(['/etc/passwd', '/etc/group', '/etc/shadow', '/opaque/old', '/etc/passwd'].map((p) => files.read(p)?.toString() ?? null))
      .toEqual(['top passwd', 'middle group', null, null, 'top passwd']);
  });
  it('resolves symlinks inside the image, never on the host', () => {
    expect(read('/link/file')).toBe('via symlink');
    expect(read('/hostlink/hostname')).toBeNull(); // /etc/hostname exists on the host, not in the image
    expect(read('/../../../etc/hostname')).toBeNull();
  });
  it('returns null for a missing file or a directory', () => {
    expect(read('/nope')).toBeNull();
    expect(read('/etc')).toBeNull();
  });
});

// One walk (image/layered-file.ts resolveInView) serves the file reader and copy-up/build's resolveMerged.
describe('resolveMerged (copy-up, build sources): the same walk', () => {
  const resolve = (p: string) => resolveMerged([top, middle, bottom], p)?.join('/') ?? null;
  it('follows symlinks inside the image: an absolute target starts at the image root', () => {
    expect(resolve('/link/file')).toBe('real/file');
    expect(resolve('/hostlink/passwd')).toBe('etc/passwd');
  });
  it('cannot climb out of the image (CVE-2021-30465 class: a path that leads to the host)', () => {
    expect(resolve('/../../../etc/passwd')).toBe('etc/passwd');
    expect(resolve('/hostlink/../../../hostlink/passwd')).toBe('etc/passwd');
    expect(resolve('/hostlink/hostname')).toBeNull(); // on the host, not in the image
  });
  it('a component below a file fails, ".." too (ENOTDIR, as the kernel), in both readers', () => {
    expect(resolve('/etc/passwd/x')).toBeNull();
    expect(resolve('/etc/passwd/../group')).toBeNull();
    expect(read('/etc/passwd/../group')).toBeNull();
    expect(resolve('/etc/shadow')).toBeNull(); // deleted by the whiteout
  });
});
