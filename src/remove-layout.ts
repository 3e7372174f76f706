/**
 * Removing a directory whose layout we made ourselves (a container's directory, the runtime's
 * state of one): the unlink(2) and rmdir(2) calls it needs, in order, and nothing else.
 *
 * Why not `rmSync(dir, { recursive: true })`: Node 20 loads its internal rimraf for it and walks
 * the tree with an lstat per entry, a first rmdir that fails, a readdir and a second rmdir per
 * directory (≈ 3–4 ms for a container's 15 entries at the end of every `run --rm`). When the
 * layout is the one we expect, none of that tells us anything new.
 *
 * Anything unexpected — a file the container's program wrote into its upper layer, a log
 * rotated to `-json.log.1`, a leftover of an older version, a name that is a directory where a
 * file was expected, or a symlink where a directory was expected — makes one call fail, and then
 * the general recursive removal (rimraf, as before) takes what is left. So "nothing left"
 * holds exactly as it did, and the fast path only ever removes names listed here.
 *
 * Never through a symlink: unlink and rmdir do not follow the last component of a path, but
 * they do follow the ones before it, and a directory inside a container's upper layer is the
 * container's to make (`ln -s /etc /etc-of-the-host` written where `etc` was: the class of
 * CVE-2018-15664, where a path checked in one step is swapped before the next). So a listed
 * directory with listed entries is opened with O_NOFOLLOW | O_DIRECTORY, and its entries are
 * named through /proc/self/fd/N/NAME: the kernel resolves that to the directory we hold open,
 * whatever its name leads to by now. (Node has no unlinkat(2); this is the same thing.)
 * Mounts are the caller's to detach first (runtime/host-mounts.ts detachMountsUnder): rmdir of
 * a mount point fails (EBUSY), and then the fallback runs, as the removal did before.
 */
import { closeSync, constants as fsc, openSync, rmdirSync, rmSync, unlinkSync } from 'node:fs';

/** What we expect in a directory: its files, then its directories (each with its own layout). */
export interface Layout {
  readonly files?: readonly string[];
  readonly dirs?: Readonly<Record<string, Layout>>;
}

// (libuv adds O_CLOEXEC to every open)
const O_DIR_NOFOLLOW = fsc.O_RDONLY | fsc.O_DIRECTORY | fsc.O_NOFOLLOW;

/**
 * Remove `dir` and everything in it, as `rmSync(dir, { recursive: true, force: true })` does
 * (a missing `dir` is not an error), with only the calls `layout` needs when it matches.
 * Says which way it went: the listed calls alone, or the general removal after them.
 */
export function removeLayout(dir: string, layout: Layout): 'layout' | 'fallback' {
  try {
    removeEntries(dir, layout);
    rmdirQuietly(dir);
    return 'layout';
  } catch {
    rmSync(dir, { recursive: true, force: true });
    return 'fallback';
  }
}

/**
 * Empty and rmdir the listed directories of `at`, then unlink its listed files, in their order
 * (missing ones skipped): the files last, so a caller's last-listed file — a container's
 * record — is the last thing to go, and a removal cut short leaves a container `rm` still finds.
 */
function removeEntries(at: string, layout: Layout): void {
  for (const [name, inner] of Object.entries(layout.dirs ?? {})) {
    if (inner.files?.length || (inner.dirs && Object.keys(inner.dirs).length)) {
      let fd: number;
      try {
        fd = openSync(`${at}/${name}`, O_DIR_NOFOLLOW); // a symlink: ELOOP, and the fallback
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw err;
      }
      try {
        removeEntries(`/proc/self/fd/${fd}`, inner);
      } finally {
        closeSync(fd);
      }
    }
    rmdirQuietly(`${at}/${name}`); // not empty (ENOTEMPTY), a symlink (ENOTDIR), a mount (EBUSY): the fallback
  }
  for (const f of layout.files ?? []) unlinkIfThere(`${at}/${f}`);
}

/**
 * Remove one file if it is there (`rmSync(path, { force: true })` without Node's rimraf: one
 * unlink(2)). A directory at `path` throws, as rmSync's does; a symlink is removed itself, never
 * what it points to.
 */
export function unlinkIfThere(path: string): void {
  try {
    unlinkSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

function rmdirQuietly(path: string): void {
  try {
    rmdirSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}
