/**
 * Resolving a path *inside* a container's root filesystem, from the host.
 *
 * Before pivot_root the runtime still sees the host's `/`. If the image has
 * `/etc/hosts -> /../../root/.ssh/authorized_keys`, a naive `join(rootfs, '/etc/hosts')` followed
 * by a bind mount would follow that symlink *on the host* and mount over a host file. So every
 * path the runtime creates or mounts onto is resolved component by component, with symlinks
 * interpreted as if `rootfs` were `/` (what the container itself would see), and `..` never
 * climbing above it. (runc had CVEs of exactly this kind; this is the idea of "securejoin".)
 */
import { lstatSync, readlinkSync } from 'node:fs';
import { posix } from 'node:path';

const MAX_SYMLINKS = 40;

/** Host path of `unsafePath` as seen inside `root`; never outside `root`. */
export function resolveInRoot(root: string, unsafePath: string): string {
  const pending = unsafePath.split('/').filter((c) => c !== '' && c !== '.');
  const resolved: string[] = [];
  let links = 0;
  while (pending.length > 0) {
    const part = pending.shift()!;
    if (part === '..') {
      resolved.pop(); // at the root, `..` stays at the root
      continue;
    }
    const hostPath = posix.join(root, ...resolved, part);
    let isLink = false;
    try {
      isLink = lstatSync(hostPath).isSymbolicLink();
    } catch {
      // Does not exist (yet): the rest is taken literally, to be created inside root.
    }
    if (!isLink) {
      resolved.push(part);
      continue;
    }
    if (++links > MAX_SYMLINKS) throw new Error(`too many symbolic links resolving ${unsafePath} in ${root}`);
    const target = readlinkSync(hostPath);
    if (target.startsWith('/')) resolved.length = 0; // absolute: from the container's root
    pending.unshift(...target.split('/').filter((c) => c !== '' && c !== '.'));
  }
  return posix.join(root, ...resolved);
}
