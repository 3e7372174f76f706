/**
 * The container's root filesystem: an overlay of the image's layers.
 *
 *   lowerdir = the image layers, read-only, top first (shared by every container of the image)
 *   upperdir = this container's writable layer (what `diff` and `commit` will read)
 *   workdir  = overlayfs's scratch space (same filesystem as upperdir)
 *
 * The kernel limits mount(2)'s option string to one page (4096 bytes). Absolute layer paths
 * are ~90 bytes each, so ~40 layers would hit it. Instead we chdir into the directory of short
 * symlinks (`ROOT/layers/l/<10 chars>`) and pass *relative* names: ~11 bytes per layer, so even
 * 100+ layers fit. (Relative paths in mount options are resolved against the caller's cwd.)
 */
import { MS } from '../sys/constants';
import { chdir, mount } from '../sys/libc';
import type { Mount } from './spec';

/** Stop mount events from propagating between the container and the host, in both directions. */
export function makeRootPrivate(): void {
  // systemd makes `/` shared; without this, the mounts we make below would also appear on the
  // host (and the host's later mounts inside the container).
  mount(null, '/', null, MS.REC | MS.PRIVATE, null);
}

/** Mount the overlay described by config.json's first mount (destination "/") onto `rootfs`. */
export function mountOverlayRoot(rootfs: string, m: Mount, lowerdirBase: string | undefined): void {
  const data = (m.options ?? []).join(',');
  if (lowerdirBase) chdir(lowerdirBase); // relative lowerdir names resolve from here
  mount('overlay', rootfs, 'overlay', MS.NODEV, data);
}

/** When the root is a plain directory (not a mount), pivot_root needs it to be a mount point. */
export function bindRootOntoItself(rootfs: string): void {
  mount(rootfs, rootfs, null, MS.BIND | MS.REC, null);
}

/** Remount the root read-only (`--read-only`), after every other mount is in place. */
export function remountRootReadonly(): void {
  mount(null, '/', null, MS.BIND | MS.REMOUNT | MS.RDONLY, null);
}
