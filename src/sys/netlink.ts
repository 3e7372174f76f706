/**
 * Netlink: how a program talks to the kernel's networking (rtnetlink(7), netlink(7)).
 *
 * `ip link add …`, `ip addr add …`, `ip route add …` are netlink clients: each builds one
 * message and sends it on an AF_NETLINK socket; the kernel answers with an "error" message
 * whose code is 0 (done) or -errno. mini-run sends the same messages itself — no `ip`
 * process to start (a few ms each on a container's start).
 *
 * A message is a 16-byte header (struct nlmsghdr: length, type, flags, sequence number, port
 * id), a fixed struct for its family (struct ifinfomsg for links, ifaddrmsg for addresses,
 * rtmsg for routes), then attributes: TLVs (u16 length, u16 type, value, padded to 4 bytes),
 * which nest (a veth's peer is a whole link description inside IFLA_LINKINFO).
 *
 * A netlink socket acts on the network namespace it was **created** in. To configure a
 * container's interfaces, the calling thread joins the container's namespace (setns), creates
 * the socket, and goes back at once (routeSocketIn): the socket keeps working on the container's
 * namespace. setns(CLONE_NEWNET) changes only the calling thread, so this runs synchronously on
 * the main thread.
 *
 * Every request is one `--trace` line: the message, the kernel's answer, and the `ip` command
 * that sends the same message.
 */
import { closeSync, fstatSync, openSync, statSync } from 'node:fs';
import { close, netlinkRouteSocket, recvQuiet, sendQuiet, setns } from './libc';
import { CLONE } from './constants';
import { errnoDescription, errnoName } from './errors';
import { traceEnabled, traceNetlink } from './trace';

// <linux/netlink.h>
export const NLM_F_REQUEST = 0x1, NLM_F_ACK = 0x4, NLM_F_EXCL = 0x200, NLM_F_CREATE = 0x400;
const NLMSG_ERROR = 2, NLM_F_CAPPED = 0x100, NLM_F_ACK_TLVS = 0x200, NLMSGERR_ATTR_MSG = 1;
const HEADER = 16;

/** A request the kernel refused: the errno, and its own sentence when it gave one (extended ACK). */
export class NetlinkError extends Error {
  constructor(readonly request: string, readonly errno: number, readonly kernelMessage: string) {
    super(`${request} failed: ${errnoDescription(errno)}${kernelMessage ? ` (${kernelMessage})` : ''}`);
    this.name = 'NetlinkError';
  }
  get code(): string { return errnoName(this.errno); }
}

/** An attribute: a type and a value, or attributes nested inside. */
export interface Attr { type: number; value: Buffer | Attr[] }

const align4 = (n: number) => (n + 3) & ~3;

export function encodeAttrs(attrs: readonly Attr[]): Buffer {
  const parts: Buffer[] = [];
  for (const a of attrs) {
    const value = Buffer.isBuffer(a.value) ? a.value : encodeAttrs(a.value);
    const head = Buffer.alloc(4);
    head.writeUInt16LE(4 + value.length, 0); // the length counts the header, not the padding
    head.writeUInt16LE(a.type, 2);
    parts.push(head, value, Buffer.alloc(align4(value.length) - value.length));
  }
  return Buffer.concat(parts);
}

/** Attribute values. */
export const nlString = (s: string) => Buffer.from(`${s}\0`, 'latin1');
export function nlU32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0, 0);
  return b;
}
export function nlU16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(n, 0);
  return b;
}
export const nlIPv4 = (address: string) => Buffer.from(address.split('.').map(Number));
export const nlMac = (mac: string) => Buffer.from(mac.split(':').map((h) => parseInt(h, 16)));

/** The attributes of a received message, from `offset` on (type → value; nested ones stay raw). */
export function decodeAttrs(buf: Buffer, offset = 0, end = buf.length): Map<number, Buffer> {
  const out = new Map<number, Buffer>();
  while (offset + 4 <= end) {
    const len = buf.readUInt16LE(offset);
    if (len < 4 || offset + len > end) break;
    out.set(buf.readUInt16LE(offset + 2) & 0x3fff, buf.subarray(offset + 4, offset + len)); // without NLA_F_NESTED / NLA_F_NET_BYTEORDER
    offset += align4(len);
  }
  return out;
}

/** What a request is, for its trace line and its error: the message's name, its contents, the `ip` command it equals. */
export interface Described { name: string; shows: string; ip: string }

/** A NETLINK_ROUTE socket in one network namespace. */
export class RouteSocket {
  private seq = 0;
  private readonly answer = Buffer.alloc(65536);

  private constructor(private fd: number) {}

  /** In the calling thread's network namespace (the host's, for the CLI). */
  static open(): RouteSocket {
    return new RouteSocket(netlinkRouteSocket());
  }

  /**
   * Send one message (`NLM_F_REQUEST|NLM_F_ACK` and `flags`) with the family header `body` and
   * `attrs`, wait for the kernel's answer; the messages it sent before its ACK (a GET's reply).
   * A refusal throws a NetlinkError naming the `ip` command it equals and the kernel's reason.
   */
  request(type: number, flags: number, body: Buffer, attrs: readonly Attr[], what: Described): Buffer[] {
    const seq = ++this.seq;
    const payload = Buffer.concat([body, encodeAttrs(attrs)]);
    const msg = Buffer.alloc(HEADER + payload.length);
    msg.writeUInt32LE(msg.length, 0);
    msg.writeUInt16LE(type, 4);
    msg.writeUInt16LE(NLM_F_REQUEST | NLM_F_ACK | flags, 6);
    msg.writeUInt32LE(seq, 8);
    // port id 0: the kernel's (it fills in ours on the answer)
    payload.copy(msg, HEADER);
    sendQuiet(this.fd, msg);
    const replies: Buffer[] = [];
    for (;;) {
      const n = recvQuiet(this.fd, this.answer);
      for (let off = 0; off + HEADER <= n;) {
        const len = this.answer.readUInt32LE(off);
        if (len < HEADER || off + len > n) break;
        const m = this.answer.subarray(off, off + len);
        off += align4(len);
        if (m.readUInt32LE(8) !== seq) continue; // not the answer to this request
        if (m.readUInt16LE(4) !== NLMSG_ERROR) { replies.push(Buffer.from(m.subarray(HEADER))); continue; }
        const errno = -m.readInt32LE(HEADER);
        const text = errno === 0 ? '' : extAckMessage(m);
        if (traceEnabled()) traceNetlink(`${what.name} ${what.shows} = ${errno === 0 ? 0 : `-1 ${errnoName(errno)}${text ? ` "${text}"` : ''}`} (${what.ip})`);
        if (errno !== 0) throw new NetlinkError(what.ip, errno, text);
        return replies;
      }
    }
  }

  close(): void {
    if (this.fd < 0) return;
    close(this.fd);
    this.fd = -1;
  }
}

/**
 * The kernel's sentence in an error answer (NLMSGERR_ATTR_MSG), if NETLINK_EXT_ACK gave one:
 * after struct nlmsgerr { int error; struct nlmsghdr msg; } — and our request's payload, unless
 * NETLINK_CAP_ACK left it out (NLM_F_CAPPED).
 */
function extAckMessage(m: Buffer): string {
  const flags = m.readUInt16LE(6);
  if (!(flags & NLM_F_ACK_TLVS)) return '';
  let at = HEADER + 4 + HEADER;
  if (!(flags & NLM_F_CAPPED)) at += align4(m.readUInt32LE(HEADER + 4) - HEADER);
  const msg = decodeAttrs(m, at).get(NLMSGERR_ATTR_MSG);
  return msg ? msg.toString('latin1').replace(/\0.*$/s, '') : '';
}

/**
 * The network namespace of process `pid`, held open: the same namespace for every request that
 * follows, whatever happens to the process meanwhile (a pid alone could be reused by another
 * process). Refused when it is the caller's own namespace — a process that shares the host's
 * network must never have the host's interfaces configured as if they were a container's.
 * Throws a NetlinkError-like one-line error when the process is gone.
 */
export function openNetnsOf(pid: number): number {
  const path = `/proc/${pid}/ns/net`;
  let fd: number;
  try {
    fd = openSync(path, 'r'); // O_CLOEXEC: Node's default
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? '';
    throw new Error(`cannot open ${path}: the process ${pid} is gone (${code})`);
  }
  const theirs = fstatSync(fd), ours = statSync('/proc/thread-self/ns/net');
  if (theirs.ino === ours.ino && theirs.dev === ours.dev) {
    closeSync(fd);
    throw new Error(`process ${pid} is in this host's own network namespace, not a container's: refusing to configure it`);
  }
  return fd;
}

/**
 * A route socket inside the network namespace `nsFd` refers to: this thread joins it, creates
 * the socket and comes back (always) — the socket stays in the container's namespace.
 */
export function routeSocketIn(nsFd: number, what: string): RouteSocket {
  const own = openSync('/proc/thread-self/ns/net', 'r');
  try {
    setns(nsFd, CLONE.NEWNET, what);
    try {
      return RouteSocket.open();
    } finally {
      setns(own, CLONE.NEWNET, 'back to our own');
    }
  } finally {
    closeSync(own);
  }
}
