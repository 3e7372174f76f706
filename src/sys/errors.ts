import { lazy } from '../lazy';

const os = lazy(() => require('node:os') as typeof import('node:os'));
/**
 * SysError: a failed libc call, with the call, the arguments that matter and the errno name.
 * The CLI prints `err.message` as one line, e.g.
 *   mount("overlay", "/var/lib/mini-run/containers/3f2a…/rootfs"): EINVAL (Invalid argument)
 */
/** errno -> name, made at the first failed call (node:os is not loaded by commands that make none). */
let errnoNames: Map<number, string> | null = null;
function errnoTable(): Map<number, string> {
  if (errnoNames === null) {
    errnoNames = new Map();
    const { constants } = os();
    for (const [name, value] of Object.entries(constants.errno)) {
      if (!errnoNames.has(value)) errnoNames.set(value, name);
    }
  }
  return errnoNames;
}

const descriptions: Record<string, string> = {
  EPERM: 'Operation not permitted',
  ENOENT: 'No such file or directory',
  ESRCH: 'No such process',
  EINTR: 'Interrupted system call',
  EIO: 'Input/output error',
  EBADF: 'Bad file descriptor',
  ECHILD: 'No child processes',
  EAGAIN: 'Resource temporarily unavailable',
  ENOMEM: 'Cannot allocate memory',
  EACCES: 'Permission denied',
  EFAULT: 'Bad address',
  EBUSY: 'Device or resource busy',
  EEXIST: 'File exists',
  EXDEV: 'Invalid cross-device link',
  ENODEV: 'No such device',
  ENOTDIR: 'Not a directory',
  EISDIR: 'Is a directory',
  EINVAL: 'Invalid argument',
  EMFILE: 'Too many open files',
  ENOTTY: 'Inappropriate ioctl for device',
  ENOSPC: 'No space left on device',
  EROFS: 'Read-only file system',
  ENAMETOOLONG: 'File name too long',
  ENOSYS: 'Function not implemented',
  ENOTEMPTY: 'Directory not empty',
  ELOOP: 'Too many levels of symbolic links',
  ENODATA: 'No data available',
  EOPNOTSUPP: 'Operation not supported',
  ENOEXEC: 'Exec format error',
  E2BIG: 'Argument list too long',
  ENETUNREACH: 'Network is unreachable',
  EADDRINUSE: 'Address already in use',
  EADDRNOTAVAIL: 'Cannot assign requested address',
  ENOBUFS: 'No buffer space available',
};

export function errnoName(errno: number): string {
  return errnoTable().get(errno) ?? `errno ${errno}`;
}

export function errnoDescription(errno: number): string {
  const name = errnoName(errno);
  return descriptions[name] ?? name;
}

export class SysError extends Error {
  readonly call: string;
  readonly args: string;
  readonly errno: number;
  readonly code: string;

  constructor(call: string, args: string, errno: number) {
    const code = errnoName(errno);
    super(`${call}(${args}): ${code} (${errnoDescription(errno)})`);
    this.name = 'SysError';
    this.call = call;
    this.args = args;
    this.errno = errno;
    this.code = code;
  }
}
