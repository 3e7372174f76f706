/**
 * Mount targets held as file descriptors opened *inside* the container's root.
 *
 * Before pivot_root the init still sees the host's `/`, and the rootfs comes from an image
 * someone else wrote. If `/etc/hosts` in the image is a symlink to `/root/.ssh/authorized_keys`
 * and the runtime calls mount("…/hosts", "ROOTFS/etc/hosts"), the kernel follows the link *on
 * the host* (CVE-2015-3627 class). Checking the path first and mounting by name afterwards is
 * not enough either: another container sharing a volume can swap a directory for a symlink in
 * between (CVE-2021-30465, runc's symlink-exchange race).
 *
 * So every destination is opened with openat2(RESOLVE_IN_ROOT) relative to an fd of the rootfs:
 * the kernel itself treats that fd as `/` for the whole walk — absolute links and `..` stay
 * inside, magic links (/proc/PID/root…) are refused — and hands back an O_PATH fd of the very
 * inode found. The mount then goes onto `/proc/self/fd/N`, which names that inode and nothing
 * else, however the path changes afterwards. Missing directories are made one at a time, each
 * in a parent directory we hold by fd.
 */
import { closeSync, constants as fsc, fstatSync, mkdirSync, openSync } from 'node:fs';
import { posix } from 'node:path';
import { SysError } from '../sys/errors';
import { close, openat2, RESOLVE } from '../sys/libc';
import { resolveInRoot } from './secure-join';

export const O_PATH = 0o10000000;
const O_CLOEXEC = 0o2000000;
const IN_ROOT = RESOLVE.IN_ROOT | RESOLVE.NO_MAGICLINKS;

/** The name under which the kernel finds exactly the inode `fd` holds (mount(2) takes a path). */
export function fdPath(fd: number): string {
  return `/proc/self/fd/${fd}`;
}

/** An O_PATH fd of the rootfs: the `/` every destination is resolved from. */
export function openRoot(rootfs: string): number {
  return openSync(rootfs, O_PATH | fsc.O_DIRECTORY | O_CLOEXEC);
}

/** O_PATH fd of `path` as the container would see it from `rootFd` (symlinks followed inside). */
export function openInRoot(rootFd: number, path: string, flags = 0): number {
  const rel = path.replace(/^\/+/, '') || '.';
  return openat2(rootFd, rel, O_PATH | O_CLOEXEC | flags, IN_ROOT);
}

const isErrno = (err: unknown, code: string) => err instanceof SysError && err.code === code;

/**
 * Open the mount point for `destination`, creating what is missing inside the root: the
 * directories on the way, and the last component as a directory or (for a bind of a file)
 * an empty file. Returns an O_PATH fd; the caller mounts onto fdPath(fd) and closes it.
 */
export function openMountTarget(rootFd: number, rootfs: string, destination: string, kind: 'dir' | 'file'): number {
  // Where the container's own symlinks lead (a dangling link's target is created, as runc
  // does); resolved again below by the kernel at every step, so a swap meanwhile cannot
  // lead out of the root.
  const parts = posix.relative(rootfs, resolveInRoot(rootfs, destination)).split('/').filter((p) => p !== '');
  for (let i = 0; i < parts.length; i++) {
    const sub = parts.slice(0, i + 1).join('/');
    try {
      close(openInRoot(rootFd, sub));
      continue;
    } catch (err) {
      if (!isErrno(err, 'ENOENT')) throw err;
    }
    const parent = openInRoot(rootFd, parts.slice(0, i).join('/'), fsc.O_DIRECTORY);
    const name = `${fdPath(parent)}/${parts[i]}`; // one plain name in a directory we hold
    try {
      if (kind === 'file' && i === parts.length - 1) {
        // O_EXCL|O_NOFOLLOW: never opens what is already there, link or not
        closeSync(openSync(name, fsc.O_CREAT | fsc.O_EXCL | fsc.O_NOFOLLOW | fsc.O_WRONLY | O_CLOEXEC, 0o644));
      } else {
        mkdirSync(name, 0o755); // mkdir(2) never follows a link in its last component
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    } finally {
      close(parent);
    }
  }
  return openInRoot(rootFd, parts.join('/'));
}

/** True when `destination` itself (not what it points to) is a symlink in the image. */
export function isSymlinkInRoot(rootFd: number, destination: string): boolean {
  let fd: number;
  try {
    fd = openInRoot(rootFd, destination, fsc.O_NOFOLLOW);
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return false;
    throw err;
  }
  try {
    return fstatSync(fd).isSymbolicLink();
  } finally {
    close(fd);
  }
}
