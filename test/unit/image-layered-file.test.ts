/** readLayeredFile shows a file as the overlay of the layers would, without mounting. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mknod, lsetxattr } from '../../src/sys/libc';
import { S_IFCHR } from '../../src/sys/constants';
import { LayeredFiles, readLayeredFile } from '../../src/image/layered-file';

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
