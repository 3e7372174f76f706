/**
 * The embedded DNS server of user networks (docker's is at 127.0.0.11 inside each container;
 * ours listens on the network's gateway address, which is the bridge's own address on the
 * host — every container on the network reaches it, no extra process needed).
 *
 * Every supervisor of a container on the network opens it with SO_REUSEADDR, so the server
 * lives as long as any container of the network: the kernel hands each query to one of the
 * open sockets, and they all read the same host-wide leases. Names of the network's
 * containers (name, id, aliases) are answered with all their addresses, rotated between
 * answers (round-robin, as with docker's shared --network-alias); everything else is
 * forwarded to the asking container's upstream resolvers (its --dns servers, else the config
 * file's dns), or the host's own when it has none. Whichever supervisor's socket the kernel
 * hands the query to, the upstreams are the asker's: they are looked up by its address.
 */
import * as dgram from 'node:dgram';
import { readFileSync } from 'node:fs';

export interface Question { id: number; name: string; qtype: number; qclass: number; end: number; rd: boolean }

/** The first question of a query (names without compression, which is what queries use). */
export function parseQuery(msg: Buffer): Question | null {
  if (msg.length < 12 || msg.readUInt16BE(4) < 1) return null;
  const labels: string[] = [];
  let i = 12;
  while (i < msg.length) {
    const len = msg[i];
    if (len === 0) { i++; break; }
    if (len > 63 || i + 1 + len > msg.length) return null;
    labels.push(msg.toString('latin1', i + 1, i + 1 + len));
    i += 1 + len;
  }
  if (i + 4 > msg.length) return null;
  return { id: msg.readUInt16BE(0), name: labels.join('.').toLowerCase(), qtype: msg.readUInt16BE(i), qclass: msg.readUInt16BE(i + 2), end: i + 4, rd: (msg[2] & 1) === 1 };
}

/** An authoritative answer with these IPv4 addresses (none: NOERROR, empty — e.g. for AAAA). */
export function buildAnswer(query: Buffer, q: Question, ips: string[], rcode = 0): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16BE(q.id, 0);
  header.writeUInt16BE(0x8400 | (q.rd ? 0x0100 : 0) | 0x0080 | rcode, 2); // QR AA (RD) RA
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(ips.length, 6);
  const question = query.subarray(12, q.end);
  const answers = ips.map((ip) => {
    const rr = Buffer.alloc(16);
    rr.writeUInt16BE(0xc00c, 0); // the name: a pointer to the question's
    rr.writeUInt16BE(1, 2); // A
    rr.writeUInt16BE(1, 4); // IN
    rr.writeUInt32BE(0, 6); // TTL 0: ask again, so round-robin works
    rr.writeUInt16BE(4, 10);
    ip.split('.').forEach((b, k) => rr.writeUInt8(Number(b), 12 + k));
    return rr;
  });
  return Buffer.concat([header, question, ...answers]);
}

/** Rotate a list by n (round-robin over the addresses of a shared alias). */
export function rotate<T>(list: readonly T[], n: number): T[] {
  if (list.length === 0) return [];
  const k = n % list.length;
  return [...list.slice(k), ...list.slice(0, k)];
}

export function hostResolvers(): string[] {
  try {
    return readFileSync('/etc/resolv.conf', 'utf8').split('\n').map((l) => /^\s*nameserver\s+(\d+\.\d+\.\d+\.\d+)/.exec(l)?.[1]).filter((x): x is string => !!x);
  } catch {
    return [];
  }
}

export class EmbeddedDns {
  private sock: dgram.Socket | null = null;
  private counter = 0;

  /** lookup(name, from) → the addresses for a name of the network (as seen by the asking address), or null if it is not one. */
  /**
   * `allowed(from)`: whether this asker gets any answer at all. The server listens on the
   * gateway address, which the host and its other networks can reach too; answering them would
   * list a network's names to outsiders and make an open resolver (forwarding for anyone).
   */
  constructor(
    private readonly lookup: (name: string, from: string) => string[] | null,
    private readonly allowed: (from: string) => boolean,
    /** The asker's own upstream resolvers; empty: the host's. */
    private readonly upstreamsOf: (from: string) => string[] = () => [],
  ) {}

  start(address: string, port = 53): void {
    const sock = dgram.createSocket({ type: 'udp4', reuseAddr: true });
    sock.on('error', () => { try { sock.close(); } catch { /* closed */ } this.sock = null; });
    sock.on('message', (msg, rinfo) => this.answer(msg, rinfo));
    sock.bind({ address, port });
    sock.unref();
    this.sock = sock;
  }

  private answer(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    const q = parseQuery(msg);
    if (!q || !this.sock || !this.allowed(rinfo.address)) return; // not asked by one of ours: silence
    const ips = this.lookup(q.name, rinfo.address);
    if (ips !== null) {
      const answer = q.qtype === 1 || q.qtype === 255 ? rotate(ips, this.counter++) : [];
      this.sock.send(buildAnswer(msg, q, answer), rinfo.port, rinfo.address);
      return;
    }
    this.forward(msg, rinfo);
  }

  /** Not one of ours: ask the asker's upstreams (or the host's resolvers), relay the first reply. */
  private forward(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    const own = this.upstreamsOf(rinfo.address);
    const servers = own.length ? own : hostResolvers();
    const q = parseQuery(msg)!;
    if (servers.length === 0) {
      this.sock?.send(buildAnswer(msg, q, [], 2 /* SERVFAIL */), rinfo.port, rinfo.address);
      return;
    }
    const up = dgram.createSocket('udp4');
    const timer = setTimeout(() => up.close(), 5000);
    up.on('error', () => { clearTimeout(timer); try { up.close(); } catch { /* closed */ } });
    up.on('message', (reply) => {
      clearTimeout(timer);
      up.close();
      this.sock?.send(reply, rinfo.port, rinfo.address);
    });
    for (const s of servers) up.send(msg, 53, s);
  }

  close(): void {
    try { this.sock?.close(); } catch { /* closed */ }
    this.sock = null;
  }
}
