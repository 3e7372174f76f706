/**
 * /dev: a small tmpfs with only the devices a program needs, as docker gives.
 *
 * The host's /dev has disks, the console, kernel memory… none of that belongs in a container.
 * We mount an empty tmpfs on /dev and create the standard nodes with mknod(2).
 */
import { symlinkSync, unlinkSync, existsSync, chmodSync } from 'node:fs';
import { S_IFCHR } from '../sys/constants';
import { mknod } from '../sys/libc';
import { resolveInRoot } from './secure-join';

/** The nodes docker creates: name, major, minor (all mode 0666, owned by root). */
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
  for (const [name, major, minor] of DEFAULT_DEVICES) {
    const p = `${dev}/${name}`;
    mknod(p, S_IFCHR | 0o666, major, minor);
    chmodSync(p, 0o666); // mknod's mode is filtered by the umask
  }
  for (const [name, target] of DEFAULT_DEV_LINKS) {
    const p = `${dev}/${name}`;
    if (existsSync(p)) unlinkSync(p);
    symlinkSync(target, p);
  }
}
