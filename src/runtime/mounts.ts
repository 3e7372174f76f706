/**
 * The container's mounts: /proc, /dev, /dev/pts, /dev/shm, /dev/mqueue, /sys, binds…
 *
 * Each entry of config.json's `mounts` becomes one mount(2) onto a target opened *inside* the
 * rootfs (see mount-target.ts). Options are the words `mount -o` knows: flags (`nosuid`,
 * `ro`, `bind`…) become MS_* bits and the rest is passed to the filesystem as data.
 */
import { statSync } from 'node:fs';
import { UserError } from '../errors';
import { MS } from '../sys/constants';
import { close, mount } from '../sys/libc';
import type { Mount } from './spec';
import { fdPath, isSymlinkInRoot, openInRoot, openMountTarget } from './mount-target';

/** mount -o words that are flags, not filesystem data. */
const FLAG_WORDS: Record<string, { set?: number; clear?: number }> = {
  ro: { set: MS.RDONLY }, rw: { clear: MS.RDONLY },
  nosuid: { set: MS.NOSUID }, suid: { clear: MS.NOSUID },
  nodev: { set: MS.NODEV }, dev: { clear: MS.NODEV },
  noexec: { set: MS.NOEXEC }, exec: { clear: MS.NOEXEC },
  noatime: { set: MS.NOATIME }, relatime: { set: MS.RELATIME }, strictatime: { set: MS.STRICTATIME },
  bind: { set: MS.BIND }, rbind: { set: MS.BIND | MS.REC },
};

/**
 * mount -o words that change how mount events propagate (shared subtrees). They cannot go with
 * the mount itself: mount(2) given MS_SHARED & co. *only* changes the type of what is already
 * mounted at the target. So they are applied by a second call, once the mount is there.
 */
const PROPAGATION_WORDS: Record<string, number> = {
  private: MS.PRIVATE, rprivate: MS.PRIVATE | MS.REC,
  slave: MS.SLAVE, rslave: MS.SLAVE | MS.REC,
  shared: MS.SHARED, rshared: MS.SHARED | MS.REC,
  unbindable: MS.UNBINDABLE, runbindable: MS.UNBINDABLE | MS.REC,
};

export interface ParsedOptions { flags: number; data: string; bind: boolean; readonly: boolean; propagation: number }

export function parseMountOptions(options: readonly string[] = []): ParsedOptions {
  let flags = 0;
  let propagation = 0;
  const data: string[] = [];
  for (const o of options) {
    const f = FLAG_WORDS[o];
    if (PROPAGATION_WORDS[o] !== undefined) {
      propagation = PROPAGATION_WORDS[o]; // the last one wins, as with mount(8)
    } else if (f) {
      if (f.set) flags |= f.set;
      if (f.clear) flags &= ~f.clear;
    } else {
      data.push(o);
    }
  }
  return { flags, data: data.join(','), bind: (flags & MS.BIND) !== 0, readonly: (flags & MS.RDONLY) !== 0, propagation };
}

/**
 * Perform one config.json mount inside `rootfs` (the host path of the container's root;
 * `rootFd` an O_PATH fd of it). The target is opened inside the root and mounted onto by fd
 * (see mount-target.ts): an image's symlink can never send it to the host.
 */
export function mountOne(rootFd: number, rootfs: string, m: Mount): void {
  const o = parseMountOptions(m.options);
  if ((m.type === 'proc' || m.type === 'sysfs') && isSymlinkInRoot(rootFd, m.destination)) {
    // runc's rule since CVE-2019-19921: /proc must be the real thing, or the masks and
    // read-only paths set later on it would land wherever the link leads
    throw new UserError(`mount destination ${m.destination} is a symbolic link in the image: filesystem "${m.type}" must be mounted on an ordinary directory`, 125);
  }
  const source = m.source ?? '';
  const asFile = o.bind && !statSync(source).isDirectory(); // the source is the host's: a path is fine
  const target = openMountTarget(rootFd, rootfs, m.destination, asFile ? 'file' : 'dir');
  try {
    if (!o.bind) {
      mount(m.source ?? m.type ?? 'none', fdPath(target), m.type ?? null, o.flags, o.data || null);
    } else {
      // A bind mount ignores most flags on the first call: bind first, then remount to apply
      // ro/nosuid/nodev/noexec to the new mount (the kernel's two-step rule for bind mounts).
      mount(source, fdPath(target), null, MS.BIND | (o.flags & MS.REC), null);
      const extra = o.flags & (MS.RDONLY | MS.NOSUID | MS.NODEV | MS.NOEXEC);
      if (extra) changeMounted(rootFd, m.destination, MS.BIND | MS.REMOUNT | extra);
    }
    if (o.propagation) changeMounted(rootFd, m.destination, o.propagation);
  } finally {
    close(target);
  }
}

/**
 * mount(2) with no source on what is now mounted at `destination`: a remount or a propagation
 * change. `target` still holds the directory *under* the new mount: open the destination again
 * (inside the root again) to reach the mount itself.
 */
function changeMounted(rootFd: number, destination: string, flags: number): void {
  const mounted = openInRoot(rootFd, destination);
  try {
    mount(null, fdPath(mounted), null, flags, null);
  } finally {
    close(mounted);
  }
}
