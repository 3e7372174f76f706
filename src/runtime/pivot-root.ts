/**
 * pivot_root: swap the process's root for the container's, then throw the old one away.
 *
 * chroot only changes where path lookup starts; the old root stays mounted and reachable (a
 * process with CAP_SYS_CHROOT can climb out). pivot_root moves the old root *off* `/` so it can
 * be unmounted: afterwards, nothing of the host's filesystem is in the container's mount table.
 *
 * The `pivot_root(".", ".")` form (as runc does) needs no put_old directory: the old root ends
 * up mounted on top of the new one at ".", and a lazy unmount of "." detaches it.
 */
import { MNT } from '../sys/constants';
import { chdir, pivotRoot, umount2 } from '../sys/libc';

export function enterRoot(rootfs: string): void {
  chdir(rootfs);
  pivotRoot('.', '.');
  umount2('.', MNT.DETACH); // the host's old root: gone from this mount namespace
  chdir('/');
}
