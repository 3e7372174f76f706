/**
 * Receiving open file descriptors over a unix socket (SCM_RIGHTS), and asking the kernel who is
 * on the other end (SO_PEERCRED) — what Node's `net` module has no API for.
 *
 * Used by the supervisor's exec front door (shim/exec-server.ts): `mini-run exec` (the C front,
 * native/mini-run-front.c) sends its stdin/stdout/stderr with its request, so the program the
 * supervisor starts writes straight into the caller's pipes and files, as `docker exec`'s does
 * through containerd's shim.
 *
 * The request is read with a *blocking* recvmsg on libuv's thread pool (koffi's `.async`), on a
 * duplicate of the accepted socket made blocking, with a receive timeout: a client that sends
 * half a request holds one pool thread for at most that long, never the supervisor's event loop.
 */
/* eslint-disable @typescript-eslint/no-require-imports */
type Fn = ((...args: unknown[]) => any) & { async: (...args: unknown[]) => void };

const SOL_SOCKET = 1, SO_PEERCRED = 17, SO_RCVTIMEO = 20, SCM_RIGHTS = 1;
const F_DUPFD_CLOEXEC = 1030, F_GETFL = 3, F_SETFL = 4, O_NONBLOCK = 0o4000;
const MSG_WAITALL = 0x100, MSG_CTRUNC = 0x8, MSG_CMSG_CLOEXEC = 0x40000000;

let lib: { koffi: typeof import('koffi'); fcntl: Fn; close: Fn; getsockopt: Fn; setsockopt: Fn; recvmsg: Fn; recv: Fn; isatty: Fn } | null = null;
function c() {
  if (lib) return lib;
  const koffi = require('koffi') as typeof import('koffi');
  const l = koffi.load('libc.so.6');
  return (lib = {
    koffi,
    // (fcntl is variadic; every use here passes one int, which this prototype passes the same way)
    fcntl: l.func('int fcntl(int fd, int cmd, int arg)') as Fn,
    close: l.func('int close(int fd)') as Fn,
    getsockopt: l.func('int getsockopt(int fd, int level, int name, _Out_ void *val, _Inout_ uint32_t *len)') as Fn,
    setsockopt: l.func('int setsockopt(int fd, int level, int name, const void *val, uint32_t len)') as Fn,
    recvmsg: l.func('long recvmsg(int fd, void *msg, int flags)') as Fn,
    recv: l.func('long recv(int fd, void *buf, size_t len, int flags)') as Fn,
    isatty: l.func('int isatty(int fd)') as Fn,
  });
}

/** The uid of the process on the other end of a connected unix socket (as of its connect), or null. */
export function peerUid(fd: number): number | null {
  const cred = Buffer.alloc(12); // struct ucred { pid_t pid; uid_t uid; gid_t gid; }
  const len = [12];
  if (c().getsockopt(fd, SOL_SOCKET, SO_PEERCRED, cred, len) !== 0) return null;
  return cred.readUInt32LE(4);
}

export function closeFd(fd: number): void {
  c().close(fd);
}

export function isTerminal(fd: number): boolean {
  return c().isatty(fd) === 1;
}

/** A close-on-exec duplicate of `fd` numbered 3 or above (or -1). */
export function dupCloexec(fd: number): number {
  return Number(c().fcntl(fd, F_DUPFD_CLOEXEC, 3));
}

const callAsync = (f: Fn, ...args: unknown[]): Promise<number> =>
  new Promise((resolve) => f.async(...args, (err: unknown, r: unknown) => resolve(err ? -1 : Number(r))));

export interface FramedRequest { fds: number[]; payload: Buffer }

/**
 * Read one request from the connected socket `fd`: `magic` (4 bytes) + u32 little-endian length
 * + that many bytes, with up to `maxFds` descriptors on its first byte. null (and every
 * descriptor received closed) when it is not that: garbage, too long, cut short, or not whole
 * within `timeoutMs`. The socket itself stays open and as it was (non-blocking) for its owner.
 */
export async function readFramedRequest(fd: number, magic: string, maxPayload: number, maxFds: number, timeoutMs: number): Promise<FramedRequest | null> {
  const l = c();
  const dup = dupCloexec(fd);
  if (dup < 0) return null;
  // The duplicate shares the open file description (and so its O_NONBLOCK flag) with libuv's fd;
  // libuv does not read it meanwhile (the server pauses on connect), and the flag is put back.
  const flags = Number(l.fcntl(dup, F_GETFL, 0));
  const fds: number[] = [];
  try {
    if (flags < 0 || Number(l.fcntl(dup, F_SETFL, flags & ~O_NONBLOCK)) !== 0) return null;
    const tv = Buffer.alloc(16); // struct timeval { long tv_sec; long tv_usec; }
    tv.writeBigInt64LE(BigInt(Math.floor(timeoutMs / 1000)), 0);
    tv.writeBigInt64LE(BigInt((timeoutMs % 1000) * 1000), 8);
    if (l.setsockopt(dup, SOL_SOCKET, SO_RCVTIMEO, tv, 16) !== 0) return null;

    const head = Buffer.alloc(8);
    const iov = Buffer.alloc(16); // struct iovec { void *base; size_t len; }
    iov.writeBigUInt64LE(BigInt(l.koffi.address(head)), 0);
    iov.writeBigUInt64LE(8n, 8);
    const space = 16 + ((maxFds * 4 + 7) & ~7); // CMSG_SPACE(maxFds * sizeof(int))
    const control = Buffer.alloc(space);
    const msg = Buffer.alloc(56); // struct msghdr (x86_64/arm64 layout)
    msg.writeBigUInt64LE(BigInt(l.koffi.address(iov)), 16);
    msg.writeBigUInt64LE(1n, 24);
    msg.writeBigUInt64LE(BigInt(l.koffi.address(control)), 32);
    msg.writeBigUInt64LE(BigInt(space), 40);
    const got = await callAsync(l.recvmsg, dup, msg, MSG_WAITALL | MSG_CMSG_CLOEXEC);
    // Whatever descriptors came are ours now, whatever else is wrong: collect them to close.
    const controlLen = Number(msg.readBigUInt64LE(40));
    for (let off = 0; got > 0 && off + 16 <= controlLen;) {
      const len = Number(control.readBigUInt64LE(off));
      if (len < 16) break;
      if (control.readInt32LE(off + 8) === SOL_SOCKET && control.readInt32LE(off + 12) === SCM_RIGHTS) {
        for (let p = off + 16; p + 4 <= off + len && p + 4 <= controlLen; p += 4) fds.push(control.readInt32LE(p));
      }
      off += (len + 7) & ~7;
    }
    if (got !== 8 || (msg.readInt32LE(48) & MSG_CTRUNC) !== 0 || head.toString('latin1', 0, 4) !== magic) return null;
    const size = head.readUInt32LE(4);
    if (size > maxPayload || fds.length > maxFds) return null;
    const payload = Buffer.alloc(size);
    if (size > 0 && (await callAsync(l.recv, dup, payload, size, MSG_WAITALL)) !== size) return null;
    const out = { fds: fds.slice(), payload };
    fds.length = 0; // handed over: the caller closes them
    return out;
  } finally {
    for (const f of fds) l.close(f);
    if (flags >= 0) l.fcntl(dup, F_SETFL, flags);
    l.close(dup);
  }
}
/* eslint-enable @typescript-eslint/no-require-imports */
