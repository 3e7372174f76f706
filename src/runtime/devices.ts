/**
 * /dev: a small tmpfs with only the devices a program needs, as docker gives.
 *
 * The host's /dev has disks, the console, kernel memory… none of that belongs in a container.
 * We mount an empty tmpfs on /dev and put the standard devices in it.
 *
 * A device node is only a name for (type, major, minor): whoever can open `b 253:0` reads the
 * host's disk. Container root keeps CAP_MKNOD (docker's default) and images may ship device
 * nodes, so something must stop such nodes from opening: the device cgroup
 * (cgroups/devices.ts), as in Docker. On top of it, the root overlay and this /dev tmpfs are
 * mounted `nodev`, and each allowed device is a *bind mount* of the host's node — a mount of
 * its own, without `nodev`. (Volumes and binds are not nodev, as in Docker: the cgroup holds.)
 */
import { chmodSync, chownSync, closeSync, constants as fsc, existsSync, fstatSync, lstatSync, openSync, readdirSync, symlinkSync } from 'node:fs';
import { posix } from 'node:path';
import { MS, S_IFBLK, S_IFCHR, S_IFIFO } from '../sys/constants';
import { close, dup2, makedev, mknod, mount } from '../sys/libc';
import { SysError } from '../sys/errors';
import { unlinkIfThere } from '../remove-layout';
import type { LinuxDevice } from './spec';
import { fdPath, O_PATH, openInRoot, openMountTarget } from './mount-target';

/** The devices docker gives every container: name, major, minor (all mode 0666). */
export const DEFAULT_DEVICES: ReadonlyArray<readonly [string, number, number]> = [
  ['null', 1, 3],
  ['zero', 1, 5],
  ['full', 1, 7],
  ['random', 1, 8],
  ['urandom', 1, 9],
  ['tty', 5, 0],
];

/** The standard symlinks: the process's own fds, and ptmx into the container's devpts. */
export const DEFAULT_DEV_LINKS: ReadonlyArray<readonly [string, string]> = [
  ['fd', '/proc/self/fd'],
  ['stdin', '/proc/self/fd/0'],
  ['stdout', '/proc/self/fd/1'],
  ['stderr', '/proc/self/fd/2'],
  ['ptmx', 'pts/ptmx'], // new ptys come from the container's own devpts instance
  ['core', '/proc/kcore'],
];

/**
 * Fill the fresh /dev tmpfs. Every name is made in the directory held by fd, with calls that
 * never follow a link in their last component (a bind-mounted or image /dev may hold
 * `null -> /etc/shadow`; runc skips a user-bound /dev altogether, and so does init.ts).
 * Returns an O_PATH fd of the null device made (the caller closes it).
 */
export function createDevices(rootFd: number, replaced: ReadonlySet<string> = new Set()): number | null {
  const dev = openInRoot(rootFd, '/dev', fsc.O_DIRECTORY);
  let nullFd: number | null = null;
  try {
    const entry = (name: string) => `${fdPath(dev)}/${name}`;
    for (const [name] of DEFAULT_DEVICES) {
      if (replaced.has(`/dev/${name}`)) continue; // --device gives its own node there
      unlinkIfThere(entry(name));
      // a mount point for the device: created here, never opened through a link
      closeSync(openSync(entry(name), fsc.O_CREAT | fsc.O_EXCL | fsc.O_NOFOLLOW | fsc.O_WRONLY, 0o666));
      const node = openSync(entry(name), O_PATH | fsc.O_NOFOLLOW);
      try {
        mount(`/dev/${name}`, fdPath(node), null, MS.BIND, null);
      } finally {
        closeSync(node);
      }
      // the null device, held for the masks (masked-paths.ts): whatever later covers /dev
      if (name === 'null') nullFd = openSync(entry(name), O_PATH | fsc.O_NOFOLLOW | O_CLOEXEC);
    }
    // /dev/core only where the kernel has /proc/kcore (as runc); it is masked anyway
    const links = DEFAULT_DEV_LINKS.filter(([name]) => name !== 'core' || existsSync('/proc/kcore'));
    for (const [name, target] of links) {
      unlinkIfThere(entry(name));
      symlinkSync(target, entry(name));
    }
    return nullFd;
  } finally {
    close(dev);
  }
}

const O_CLOEXEC = 0o2000000;

/**
 * The spec's own devices (`--device`): mknod(2) of each node inside the root, in its parent
 * directory held by fd. The filesystems here are mounted nodev, so each node then gets a bind
 * mount of itself without nodev — the device cgroup decides what opens.
 * In a user namespace of its own (`--userns private`) the kernel refuses mknod of a device
 * (EPERM: only root of the host's user namespace may name devices): the host's node with
 * that number is bind-mounted instead, as runc does — its mode and owner are the host's.
 */
export function createSpecDevices(rootFd: number, rootfs: string, devices: readonly LinuxDevice[], devAllowsNodes = false): void {
  for (const d of devices) {
    // a /dev tmpfs without nodev (--privileged) opens its nodes as they are: no mount each
    const bindNeeded = !(devAllowsNodes && d.path.startsWith('/dev/'));
    const parentFd = openMountTarget(rootFd, rootfs, posix.dirname(d.path), 'dir');
    try {
      const path = `${fdPath(parentFd)}/${posix.basename(d.path)}`;
      unlinkIfThere(path);
      try {
        mknod(path, NODE_TYPE[d.type] | 0o600, d.major, d.minor);
      } catch (e) {
        if (!(e instanceof SysError && e.code === 'EPERM' && d.type !== 'p')) throw e;
        bindHostNode(path, d);
        continue;
      }
      const node = openSync(path, O_PATH | fsc.O_NOFOLLOW);
      try {
        // through /proc/self/fd: the very node made above (mode without the umask, owner)
        chmodSync(fdPath(node), d.fileMode ?? 0o666);
        chownSync(fdPath(node), d.uid ?? 0, d.gid ?? 0);
        if (bindNeeded) mount(fdPath(node), fdPath(node), null, MS.BIND, null);
      } finally {
        closeSync(node);
      }
      if (!bindNeeded) continue;
      const mounted = openSync(path, O_PATH | fsc.O_NOFOLLOW);
      try {
        mount(null, fdPath(mounted), null, MS.BIND | MS.REMOUNT | MS.NOSUID | MS.NOEXEC, null); // dev
      } finally {
        closeSync(mounted);
      }
    } finally {
      close(parentFd);
    }
  }
}

/** Bind the host's node for `d` (found by type and number in the host's /dev) onto a new empty file at `path`. */
function bindHostNode(path: string, d: LinuxDevice): void {
  const host = findHostNode(d.type === 'b' ? 'b' : 'c', d.major, d.minor);
  if (host === null) throw new Error(`device ${d.path}: no ${d.type} ${d.major}:${d.minor} node in the host's /dev to bind (a user namespace cannot mknod devices)`);
  // a mount point made here, never opened through a link; the bind keeps the host's node as it is
  closeSync(openSync(path, fsc.O_CREAT | fsc.O_EXCL | fsc.O_NOFOLLOW | fsc.O_WRONLY, 0o600));
  const target = openSync(path, O_PATH | fsc.O_NOFOLLOW);
  try {
    mount(host, fdPath(target), null, MS.BIND, null); // the host's flags, as the default devices' binds
  } finally {
    closeSync(target);
  }
}

/**
 * The host's device node of that type and number (before pivot_root, / is still the host's):
 * /dev walked without following links, as `--device` named the node on the host.
 */
export function findHostNode(type: 'b' | 'c', major: number, minor: number, dir = '/dev', depth = 0): string | null {
  let names: string[];
  try { names = readdirSync(dir); } catch { return null; }
  for (const name of names) {
    const p = `${dir}/${name}`;
    let st;
    try { st = lstatSync(p); } catch { continue; }
    if (st.isDirectory() && depth < 3) {
      const found = findHostNode(type, major, minor, p, depth + 1);
      if (found) return found;
    } else if ((type === 'c' ? st.isCharacterDevice() : st.isBlockDevice()) && st.rdev === makedev(major, minor)) {
      return p;
    }
  }
  return null;
}

/**
 * Inside the new root: every one of fds 0–2 that is a null device (the host's: Node opens it
 * read-only for a stdin nobody feeds) becomes the container's /dev/null, opened read-write —
 * as runc does (reOpenDevNull), so a program may write to its stdin as under Docker. Only a
 * real null device is used: /dev/null that is a link or a file (the user's /dev) is left alone.
 */
export function reopenDevNull(): void {
  let held: number;
  try {
    held = openSync('/dev/null', O_PATH | fsc.O_NOFOLLOW | O_CLOEXEC); // the name itself, never a link's target
  } catch {
    return; // no /dev/null of ours (a bound /dev without one): keep what we have
  }
  let nul = -1;
  try {
    const want = fstatSync(held);
    if (!want.isCharacterDevice()) return; // a link or a file (the user's /dev)
    // Opened again through the held inode, with O_RDWR only: O_NOFOLLOW would stay in the open
    // file's flags, and /proc/PID/fdinfo/0 would show 0500002 where Docker's shows 0100002.
    // Without /proc (a bundle that mounts none) the name is opened once more, never following a link.
    try {
      nul = openSync(fdPath(held), fsc.O_RDWR | fsc.O_NOCTTY | O_CLOEXEC);
    } catch {
      nul = openSync('/dev/null', fsc.O_RDWR | fsc.O_NOFOLLOW | fsc.O_NOCTTY | O_CLOEXEC);
    }
    if (fstatSync(nul).rdev !== want.rdev) return;
    for (let fd = 0; fd <= 2; fd++) {
      let st;
      try { st = fstatSync(fd); } catch { continue; }
      if (st.isCharacterDevice() && st.rdev === want.rdev) dup2(nul, fd);
    }
  } catch {
    // the container's null device would not open: keep the host's, read-only
  } finally {
    if (nul >= 0) closeSync(nul);
    closeSync(held);
  }
}

const NODE_TYPE: Record<LinuxDevice['type'], number> = { c: S_IFCHR, u: S_IFCHR, b: S_IFBLK, p: S_IFIFO };

