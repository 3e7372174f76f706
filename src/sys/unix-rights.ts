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
 * The calls themselves are sys/libc.ts's (traced, errors naming the errno); this file builds and
 * reads the structs.
 */
import { addressOf as address, close, dupCloexec, getStatusFlags, peerCredentials, recvAsync, recvmsgAsync, setReceiveTimeout, setStatusFlags } from './libc';

const SOL_SOCKET = 1, SCM_RIGHTS = 1, O_NONBLOCK = 0o4000;
const MSG_WAITALL = 0x100, MSG_CTRUNC = 0x8, MSG_CMSG_CLOEXEC = 0x40000000;

/** The uid of the process on the other end of a connected unix socket (as of its connect), or null. */
export function peerUid(fd: number): number | null {
  try { return peerCredentials(fd).uid; } catch { return null; }
}

const closeQuietly = (fd: number) => { try { close(fd); } catch { /* closed already */ } };

export interface FramedRequest { fds: number[]; payload: Buffer }

/**
 * Read one request from the connected socket `fd`: `magic` (4 bytes) + u32 little-endian length
 * + that many bytes, with up to `maxFds` descriptors on its first byte. null (and every
 * descriptor received closed) when it is not that: garbage, too long, cut short, or not whole
 * within `timeoutMs`. The socket itself stays open and as it was (non-blocking) for its owner.
 */
export async function readFramedRequest(fd: number, magic: string, maxPayload: number, maxFds: number, timeoutMs: number): Promise<FramedRequest | null> {
  let dup: number;
  try { dup = dupCloexec(fd); } catch { return null; }
  // The duplicate shares the open file description (and so its O_NONBLOCK flag) with libuv's fd;
  // libuv does not read it meanwhile (the server pauses on connect), and the flag is put back.
  let flags = -1;
  const fds: number[] = [];
  try {
    flags = getStatusFlags(dup);
    setStatusFlags(dup, flags & ~O_NONBLOCK);
    setReceiveTimeout(dup, timeoutMs);

    const head = Buffer.alloc(8);
    const iov = Buffer.alloc(16); // struct iovec { void *base; size_t len; } (64-bit layout)
    iov.writeBigUInt64LE(address(head), 0);
    iov.writeBigUInt64LE(8n, 8);
    const space = 16 + ((maxFds * 4 + 7) & ~7); // CMSG_SPACE(maxFds * sizeof(int)): a 16-byte cmsghdr + ints, 8-aligned
    const control = Buffer.alloc(space);
    // struct msghdr, x86_64/arm64 layout (56 bytes): name 0, namelen 8, iov 16, iovlen 24,
    // control 32, controllen 40, flags 48. A 32-bit host would need other offsets.
    const msg = Buffer.alloc(56);
    msg.writeBigUInt64LE(address(iov), 16);
    msg.writeBigUInt64LE(1n, 24);
    msg.writeBigUInt64LE(address(control), 32);
    msg.writeBigUInt64LE(BigInt(space), 40);
    let got = -1;
    try { got = await recvmsgAsync(dup, msg, MSG_WAITALL | MSG_CMSG_CLOEXEC); } catch { return null; }
    // Whatever descriptors came are ours now, whatever else is wrong: collect them to close.
    // struct cmsghdr { size_t cmsg_len; int cmsg_level; int cmsg_type; } (16 bytes) + data, 8-aligned.
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
    if (size > 0 && (await recvAsync(dup, payload, MSG_WAITALL).catch(() => -1)) !== size) return null;
    const out = { fds: fds.slice(), payload };
    fds.length = 0; // handed over: the caller closes them
    return out;
  } catch {
    return null; // a failed fcntl/setsockopt (named in the trace): fail closed
  } finally {
    for (const f of fds) closeQuietly(f);
    if (flags >= 0) try { setStatusFlags(dup, flags); } catch { /* closing anyway */ }
    closeQuietly(dup);
  }
}
