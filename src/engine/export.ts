/**
 * Writing a directory tree as a tar stream, and `mini-run export`: the merged filesystem of a
 * container as one tar (what `import` turns back into a one-layer image).
 *
 * The walk reaches every entry as `/proc/self/fd/<dir fd>/<name>` with no-follow calls, from a
 * directory fd that is the container's root (cp.ts): nothing the container planted can lead
 * it out. Mount points below the root (/proc, /sys, /dev, volumes) are written as empty
 * directories, as docker's export does: it is the container's own filesystem, not its mounts.
 */
import { closeSync, constants as fsc, fstatSync, lstatSync, openSync, readdirSync, readlinkSync, Stats } from 'node:fs';
import { UserError } from '../errors';
import { containerOwners } from './userns-remap';
import { findContainer } from './container-store';
import { withContainerRoot } from './cp';
import { TarWriter } from '../image/tar-writer';

/** The writer lives in image/tar-writer.ts; re-exported for callers that walk trees here. */
export { TarWriter };

const O_CLOEXEC = 0o2000000;
const fdPath = (fd: number, name?: string) => (name === undefined ? `/proc/self/fd/${fd}` : `/proc/self/fd/${fd}/${name}`);

export interface WalkHooks {
  /** Called for each entry before it is written; return false to skip it (e.g. whiteouts). */
  visit?: (parentFd: number, name: string, rel: string, st: Stats, tar: TarWriter) => boolean;
  /** Called after a directory's own entry, before its children (e.g. the opaque marker). */
  afterDir?: (parentFd: number, name: string, rel: string, tar: TarWriter) => void;
  /** The owners the tar shows for an entry (--userns private: host ids back to the container's). */
  owners?: (st: Stats) => Stats;
}

/** Write the tree below the open directory `dirFd` (entries named `prefix…`), sorted by name. */
export function writeTree(tar: TarWriter, dirFd: number, prefix: string, rootDev: number, hooks: WalkHooks = {}): void {
  const own = hooks.owners ?? ((st: Stats) => st);
  for (const name of readdirSync(fdPath(dirFd)).sort()) {
    const path = fdPath(dirFd, name);
    const rel = prefix + name;
    let st: Stats;
    try { st = lstatSync(path); } catch { continue; } // gone meanwhile
    if (hooks.visit && !hooks.visit(dirFd, name, rel, st, tar)) continue;
    if (st.isSymbolicLink()) {
      tar.entry(rel, own(st), { linkname: readlinkSync(path), xattrsOf: path });
    } else if (st.isDirectory()) {
      const fd = openSync(path, fsc.O_RDONLY | fsc.O_DIRECTORY | fsc.O_NOFOLLOW | O_CLOEXEC);
      try {
        const dst = fstatSync(fd);
        tar.entry(rel, own(dst), { xattrsOf: path });
        hooks.afterDir?.(dirFd, name, rel, tar);
        if (dst.dev === rootDev) writeTree(tar, fd, rel + '/', rootDev, hooks); // a mount point stays empty
      } finally {
        closeSync(fd);
      }
    } else if (st.isFile()) {
      const fd = openSync(path, fsc.O_RDONLY | fsc.O_NOFOLLOW | fsc.O_NONBLOCK | O_CLOEXEC);
      try {
        tar.entry(rel, own(fstatSync(fd)), { content: fd, xattrsOf: path });
      } finally {
        closeSync(fd);
      }
    } else if (!st.isSocket()) {
      tar.entry(rel, own(st), { xattrsOf: path });
    }
  }
}

/** `export CONTAINER [-o FILE]`: the merged filesystem as a tar on `outFd`. */
export function exportContainer(ref: string, outFd: number): void {
  const rec = findContainer(ref);
  withContainerRoot(rec, (rootFd) => {
    const tar = new TarWriter(outFd);
    const dirFd = openSync(fdPath(rootFd), fsc.O_RDONLY | fsc.O_DIRECTORY | O_CLOEXEC);
    try {
      writeTree(tar, dirFd, '', fstatSync(dirFd).dev, { owners: rec.userns && containerOwners(rec.userns) });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EPIPE') throw new UserError('export: the output was closed', 1);
      throw e;
    } finally {
      closeSync(dirFd);
    }
    tar.finish();
  });
}
