/**
 * /sys/fs/cgroup inside a container on a cgroup-v1 host, the way runc builds it.
 *
 * On v2 it is one `cgroup2` mount (with a cgroup namespace, the container's own group shows
 * as its root). On v1 each controller is a hierarchy of its own, so the runtime builds the
 * directory by hand: a tmpfs, and in it one directory per controller holding a bind mount of
 * the container's OWN cgroup in that hierarchy. The program then reads its limits where it
 * expects them (/sys/fs/cgroup/memory/memory.limit_in_bytes) and sees nobody else's groups.
 * Co-mounted controllers (cpu,cpuacct) get a symlink for each name, as on the host.
 */
import { constants as fsc, existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { MS } from '../sys/constants';
import { close, mount } from '../sys/libc';
import type { Mount } from './spec';
import { fdPath, openInRoot, openMountTarget } from './mount-target';
import { parseMountOptions } from './mounts';

const HOST_CGROUP_ROOT = '/sys/fs/cgroup';

/**
 * `cgroupFile` is /proc/self/cgroup as the init read it BEFORE any cgroup namespace (inside
 * one, every path would read "/"): lines like `4:memory:/mini-run/mr-<id>`.
 */
export function mountCgroupV1(rootFd: number, rootfs: string, m: Mount, cgroupFile: string): void {
  const { readonly } = parseMountOptions(m.options);
  const locked = MS.NOSUID | MS.NODEV | MS.NOEXEC;
  const mountPoint = openMountTarget(rootFd, rootfs, m.destination, 'dir'); // inside the root
  try {
    mount('tmpfs', fdPath(mountPoint), 'tmpfs', locked, 'mode=755');
  } finally {
    close(mountPoint);
  }
  // From here on everything is made in that fresh tmpfs, held by fd.
  const tmpfs = openInRoot(rootFd, m.destination, fsc.O_DIRECTORY);
  try {
    fillCgroupDir(fdPath(tmpfs), readonly, cgroupFile);
  } finally {
    close(tmpfs);
  }
}

function fillCgroupDir(target: string, readonly: boolean, cgroupFile: string): void {
  const locked = MS.NOSUID | MS.NODEV | MS.NOEXEC;
  for (const line of cgroupFile.split('\n')) {
    const [, controllers, path] = line.split(':');
    // "0::/…" is the (empty) v2 tree of a hybrid host; "name=systemd" holds no controller
    if (!controllers || controllers.startsWith('name=') || path === undefined) continue;
    const source = join(HOST_CGROUP_ROOT, controllers, path);
    if (!existsSync(source)) continue; // a hierarchy mounted elsewhere: leave it out
    const dir = join(target, controllers);
    mkdirSync(dir);
    mount(source, dir, null, MS.BIND, null);
    mount(null, dir, null, MS.BIND | MS.REMOUNT | locked | (readonly ? MS.RDONLY : 0), null);
    if (controllers.includes(',')) {
      for (const name of controllers.split(',')) symlinkSync(controllers, join(target, name));
    }
  }
  // the tmpfs itself is read-only for the program too (no new directories in it)
  mount(null, target, null, MS.REMOUNT | locked | MS.RDONLY, 'mode=755');
}
