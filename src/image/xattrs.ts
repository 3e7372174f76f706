/**
 * Which extended attributes a copy of a file keeps, and copying them: one policy for every
 * path a file travels (a layer's tar, `cp`, volume copy-up, `build`'s COPY).
 *
 * Kept: user.*, trusted.* and security.capability (file capabilities, e.g. ping's
 * cap_net_raw). overlayfs's own trusted.overlay.* never travel: a layer says "deleted" and
 * "opaque" with `.wh.` markers, and a forged trusted.overlay.redirect could make overlay look
 * elsewhere. security.selinux and the like belong to the host's policy, not to the file.
 *
 * Order matters when writing: chown(2) clears security.capability (as it clears set-uid), so
 * the attributes go on after the owner.
 */
import { lgetxattr, llistxattr, lsetxattr } from '../sys/libc';
import { SysError } from '../sys/errors';

/** The xattrs a copy keeps (see above). */
export function keptXattr(name: string): boolean {
  if (name.startsWith('trusted.overlay.')) return false;
  return name.startsWith('user.') || name.startsWith('trusted.') || name === 'security.capability';
}

/** The kept xattrs of `target` (a path, a final symlink not followed; or an open fd), in name order. */
export function readXattrs(path: string | number): Array<[string, Buffer]> {
  const out: Array<[string, Buffer]> = [];
  for (const name of llistxattr(path)) {
    if (!keptXattr(name)) continue;
    const value = lgetxattr(path, name);
    if (value !== null) out.push([name, Buffer.from(value)]);
  }
  return out;
}

/**
 * Set `xattrs` on `path` (a final symlink not followed) or on an open fd. Returns the names the destination
 * file system refused (EOPNOTSUPP: e.g. user.* on a symlink or a file system without xattrs;
 * EPERM), so that the caller can say so; any other failure is thrown.
 */
export function writeXattrs(path: string | number, xattrs: Array<[string, Buffer]>): string[] {
  const refused: string[] = [];
  for (const [name, value] of xattrs) {
    try {
      lsetxattr(path, name, value);
    } catch (e) {
      if (e instanceof SysError && (e.errno === 95 /* EOPNOTSUPP */ || e.code === 'EPERM')) refused.push(name);
      else throw e;
    }
  }
  return refused;
}

/** Copy the kept xattrs of `from` to `to` (both not following a final symlink); the refused names. */
export function copyXattrs(from: string | number, to: string | number, keep: (name: string) => boolean = () => true): string[] {
  return writeXattrs(to, readXattrs(from).filter(([name]) => keep(name)));
}
