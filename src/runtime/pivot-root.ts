/**
 * Entering the container's root: pivot_root, or plain chroot.
 *
 * chroot only changes where path lookup starts; the old root stays mounted and reachable (a
 * process with CAP_SYS_CHROOT can climb out: chroot into a subdirectory while its working
 * directory stays outside, then `cd ..` past the root). pivot_root moves the old root *off* `/`
 * so it can be unmounted: afterwards, nothing of the host's filesystem is in the container's
 * mount table, and there is nowhere to climb to.
 *
 * The `pivot_root(".", ".")` form (as runc does) needs no put_old directory: the old root ends
 * up mounted on top of the new one at ".", and a lazy unmount of "." detaches it.
 */
import { MNT } from '../sys/constants';
import { chdir, chroot, pivotRoot, umount2 } from '../sys/libc';

export function enterRoot(rootfs: string): void {
  chdir(rootfs);
  pivotRoot('.', '.');
  umount2('.', MNT.DETACH); // the host's old root: gone from this mount namespace
  chdir('/');
}

/**
 * chroot(2) only — what `--no-pivot` and `--mount-ns host` get (pivot_root needs a mount
 * namespace of our own: in the host's it would swap the *host's* root). The host's whole mount
 * table stays behind the container's `/`; lesson 2 climbs out through it.
 */
export function chrootInto(rootfs: string): void {
  chdir(rootfs);
  chroot('.');
  chdir('/');
}
