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
import { symlinkSync, unlinkSync, existsSync, closeSync, openSync } from 'node:fs';
import { MS } from '../sys/constants';
import { mount } from '../sys/libc';
import { resolveInRoot } from './secure-join';

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

export function createDevices(rootfs: string): void {
  const dev = resolveInRoot(rootfs, '/dev');
  for (const [name] of DEFAULT_DEVICES) {
    const p = `${dev}/${name}`;
    closeSync(openSync(p, 'a', 0o666)); // a mount point for the device
    mount(`/dev/${name}`, p, null, MS.BIND, null);
  }
  for (const [name, target] of DEFAULT_DEV_LINKS) {
    const p = `${dev}/${name}`;
    if (existsSync(p)) unlinkSync(p);
    symlinkSync(target, p);
  }
}
