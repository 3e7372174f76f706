/**
 * Hard links in a copy: one inode with several names (st_nlink > 1) must stay one inode in
 * the copy — a tree copied name by name otherwise turns `hl-a`, `hl-b`, `sub/hl-c` into three
 * files (three times the space, and a write to one no longer shows in the others).
 *
 * As GNU `cp -a` does: remember where the first name of each multiply-linked source inode
 * (st_dev, st_ino) was copied to, and make each later name a link to that copy.
 */
import { closeSync, constants as fsc, linkSync, lstatSync, unlinkSync, type Stats } from 'node:fs';
import { posix } from 'node:path';
import { openat2, RESOLVE } from '../sys/libc';

const O_PATH = 0o10000000;
const O_CLOEXEC = 0o2000000;

interface FirstCopy { where: string; ino: number }

export class HardLinks {
  private readonly first = new Map<string, FirstCopy>();

  /** Where an earlier name of `src`'s inode was copied to (as given to remember), or undefined. */
  earlier(src: Stats): FirstCopy | undefined {
    return src.isFile() && src.nlink > 1 ? this.first.get(`${src.dev}:${src.ino}`) : undefined;
  }

  /** `src` (a source file) was copied to `where`, whose inode is `destIno`. */
  remember(src: Stats, where: string, destIno: number): void {
    if (src.isFile() && src.nlink > 1) this.first.set(`${src.dev}:${src.ino}`, { where, ino: destIno });
  }
}

/**
 * Link the earlier copy `first.where` (a path relative to the open directory `topFd`, the
 * copy's top) as `newPath`. The walk to it is done by the kernel below `topFd` with no
 * symlink followed (RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS) and the name must be a regular file
 * with the copy's inode number: in a tree someone else can write to (a running container's),
 * a name or directory swapped for a symlink cannot make this a link to a file outside the
 * copy's top (at worst, to another file the writer made below it, which it could write anyway).
 * Returns false when the copy is not there any more (the caller copies the file instead).
 */
export function linkToEarlier(topFd: number, first: FirstCopy, newPath: string): boolean {
  const dir = posix.dirname(first.where);
  let dirFd: number;
  try {
    dirFd = openat2(topFd, dir, O_PATH | fsc.O_DIRECTORY | O_CLOEXEC, RESOLVE.BENEATH | RESOLVE.NO_SYMLINKS | RESOLVE.NO_MAGICLINKS);
  } catch {
    return false;
  }
  try {
    const old = `/proc/self/fd/${dirFd}/${posix.basename(first.where)}`;
    let st: Stats;
    try { st = lstatSync(old); } catch { return false; }
    if (!st.isFile() || st.ino !== first.ino) return false;
    linkSync(old, newPath); // link(2) never follows a final symlink
    if (lstatSync(newPath).ino === first.ino) return true;
    unlinkSync(newPath); // swapped between the check and the link: not ours to link
    return false;
  } finally {
    closeSync(dirFd);
  }
}
