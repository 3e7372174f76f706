/**
 * The container's mounts: /proc, /dev, /dev/pts, /dev/shm, /dev/mqueue, /sys, binds…
 *
 * Each entry of config.json's `mounts` becomes one mount(2) on a path resolved *inside* the
 * rootfs (see secure-join.ts). Options are the words `mount -o` knows: flags (`nosuid`,
 * `ro`, `bind`…) become MS_* bits and the rest is passed to the filesystem as data.
 */
import { closeSync, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { MS } from '../sys/constants';
import { mount } from '../sys/libc';
import type { Mount } from './spec';
import { resolveInRoot } from './secure-join';

/** mount -o words that are flags, not filesystem data. */
const FLAG_WORDS: Record<string, { set?: number; clear?: number }> = {
  ro: { set: MS.RDONLY }, rw: { clear: MS.RDONLY },
  nosuid: { set: MS.NOSUID }, suid: { clear: MS.NOSUID },
  nodev: { set: MS.NODEV }, dev: { clear: MS.NODEV },
  noexec: { set: MS.NOEXEC }, exec: { clear: MS.NOEXEC },
  noatime: { set: MS.NOATIME }, relatime: { set: MS.RELATIME }, strictatime: { set: MS.STRICTATIME },
  bind: { set: MS.BIND }, rbind: { set: MS.BIND | MS.REC },
  private: { set: MS.PRIVATE }, rprivate: { set: MS.PRIVATE | MS.REC },
  slave: { set: MS.SLAVE }, rslave: { set: MS.SLAVE | MS.REC },
};

export interface ParsedOptions { flags: number; data: string; bind: boolean; readonly: boolean }

export function parseMountOptions(options: readonly string[] = []): ParsedOptions {
  let flags = 0;
  const data: string[] = [];
  for (const o of options) {
    const f = FLAG_WORDS[o];
    if (f) {
      if (f.set) flags |= f.set;
      if (f.clear) flags &= ~f.clear;
    } else {
      data.push(o);
    }
  }
  return { flags, data: data.join(','), bind: (flags & MS.BIND) !== 0, readonly: (flags & MS.RDONLY) !== 0 };
}

/** Make sure the mount point exists inside the rootfs: a directory, or a file for a file bind. */
function ensureMountpoint(target: string, asFile: boolean): void {
  try {
    statSync(target);
    return;
  } catch {
    /* create it */
  }
  if (asFile) {
    mkdirSync(dirname(target), { recursive: true });
    closeSync(openSync(target, 'a'));
  } else {
    mkdirSync(target, { recursive: true });
  }
}

/** Perform one config.json mount inside `rootfs` (the host path of the container's root). */
export function mountOne(rootfs: string, m: Mount): void {
  const target = resolveInRoot(rootfs, m.destination);
  const o = parseMountOptions(m.options);
  if (o.bind) {
    const source = m.source ?? '';
    ensureMountpoint(target, !statSync(source).isDirectory());
    // A bind mount ignores most flags on the first call: bind first, then remount to apply
    // ro/nosuid/nodev/noexec to the new mount (the kernel's two-step rule for bind mounts).
    mount(source, target, null, MS.BIND | (o.flags & MS.REC), null);
    const extra = o.flags & (MS.RDONLY | MS.NOSUID | MS.NODEV | MS.NOEXEC);
    if (extra) mount(null, target, null, MS.BIND | MS.REMOUNT | extra, null);
    return;
  }
  ensureMountpoint(target, false);
  mount(m.source ?? m.type ?? 'none', target, m.type ?? null, o.flags, o.data || null);
}
