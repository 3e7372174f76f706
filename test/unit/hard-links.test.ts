/**
 * Re-making hard links in a copy (cp, volume copy-up, build's COPY): the later name becomes a
 * link to the first copy — and only to it. A destination someone else can write to (a running
 * container's root) may swap the first copy's name or a directory above it for a symlink or
 * another file between the two names; the link must then not be made to what was planted
 * (CWE-59, link following: a hard link to a host file reached through a planted symlink).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { closeSync, existsSync, lstatSync, mkdirSync, mkdtempSync, openSync, renameSync, rmSync, symlinkSync, unlinkSync, writeFileSync, linkSync } from 'node:fs';
import { join } from 'node:path';
import { HardLinks, linkToEarlier } from '../../src/image/hard-links';

let dir: string;
let src: string;
let top: string;
let topFd: number;
beforeEach(() => {
  dir = mkdtempSync('/tmp/mr-test-hardlinks-');
  src = join(dir, 'src');
  top = join(dir, 'top');
  mkdirSync(join(src, 'sub'), { recursive: true });
  writeFileSync(join(src, 'a'), 'one inode\n');
  linkSync(join(src, 'a'), join(src, 'sub', 'b'));
  mkdirSync(join(top, 'd'), { recursive: true });
  topFd = openSync(top, 'r');
});
afterEach(() => {
  closeSync(topFd);
  rmSync(dir, { recursive: true, force: true });
});

/** The first name copied to top/d/a, recorded as a copy does. */
function firstCopy(links: HardLinks) {
  writeFileSync(join(top, 'd', 'a'), 'one inode\n');
  links.remember(lstatSync(join(src, 'a')), 'd/a', lstatSync(join(top, 'd', 'a')).ino);
  return links.earlier(lstatSync(join(src, 'sub', 'b')))!;
}

describe('hard links in a copy', () => {
  it('the later name of a multiply-linked file is a link to its first copy', () => {
    const links = new HardLinks();
    const first = firstCopy(links);
    expect(first.where).toBe('d/a');
    expect(linkToEarlier(topFd, first, join(top, 'b'))).toBe(true);
    expect(lstatSync(join(top, 'b')).ino).toBe(lstatSync(join(top, 'd', 'a')).ino);
    expect(lstatSync(join(top, 'b')).nlink).toBe(2);
  });

  it('a file with one name, or a directory, is never looked up', () => {
    const links = new HardLinks();
    writeFileSync(join(src, 'single'), 'x');
    links.remember(lstatSync(join(src, 'single')), 'single', 1);
    expect(links.earlier(lstatSync(join(src, 'single')))).toBeUndefined();
    expect(links.earlier(lstatSync(join(src, 'sub')))).toBeUndefined();
  });

  it('refuses when the first copy was swapped for a symlink to a host file (CWE-59)', () => {
    const links = new HardLinks();
    const first = firstCopy(links);
    const hostLinks = lstatSync('/etc/passwd').nlink;
    unlinkSync(join(top, 'd', 'a'));
    symlinkSync('/etc/passwd', join(top, 'd', 'a'));
    expect(linkToEarlier(topFd, first, join(top, 'b'))).toBe(false);
    expect(existsSync(join(top, 'b'))).toBe(false);
    expect(lstatSync('/etc/passwd').nlink).toBe(hostLinks); // no new name for the host's file
  });

  it('refuses when a directory above it was swapped for a symlink (CWE-59)', () => {
    const links = new HardLinks();
    const first = firstCopy(links);
    renameSync(join(top, 'd'), join(dir, 'elsewhere')); // same inode, now outside the copy
    symlinkSync(join(dir, 'elsewhere'), join(top, 'd'));
    expect(linkToEarlier(topFd, first, join(top, 'b'))).toBe(false);
    expect(existsSync(join(top, 'b'))).toBe(false);
  });
});
