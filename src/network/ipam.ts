/**
 * IP address management, the pure part: subnets as numbers, the next free address, and the
 * MAC address docker derives from an IP (02:42 + the four address bytes — "02" marks a
 * locally administered unicast address, so it never collides with a vendor's real card).
 */
import { UserError } from '../errors';

export interface Subnet { base: number; prefix: number }

export function ipToInt(ip: string): number {
  const parts = ip.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) throw new UserError(`invalid IPv4 address: ${ip}`, 125);
  return parts.reduce((n, p) => n * 256 + Number(p), 0);
}

export function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export function parseSubnet(cidr: string): Subnet {
  const [ip, p] = cidr.split('/');
  const prefix = Number(p);
  if (p === undefined || !Number.isInteger(prefix) || prefix < 8 || prefix > 30) throw new UserError(`invalid subnet ${cidr}: expected a.b.c.d/N with 8 ≤ N ≤ 30`, 125);
  const mask = prefix === 0 ? 0 : (~0 << (32 - prefix)) >>> 0;
  return { base: (ipToInt(ip) & mask) >>> 0, prefix };
}

export function subnetSize(s: Subnet): number {
  return 2 ** (32 - s.prefix);
}

export function inSubnet(s: Subnet, ip: string): boolean {
  const n = ipToInt(ip);
  return n >= s.base && n < s.base + subnetSize(s);
}

export function formatSubnet(s: Subnet): string {
  return `${intToIp(s.base)}/${s.prefix}`;
}

/**
 * The lowest free host address of the subnet (not the network address, not broadcast, not
 * the gateway, not taken), or the asked-for one if it is free.
 */
export function allocateAddress(s: Subnet, gateway: string, taken: ReadonlySet<string>, wanted?: string, range?: Subnet): string {
  if (wanted !== undefined) {
    if (!inSubnet(s, wanted)) throw new UserError(`invalid address ${wanted}: it does not belong to the network's subnet ${formatSubnet(s)}`, 125);
    const n = ipToInt(wanted);
    if (n === s.base || n === s.base + subnetSize(s) - 1 || wanted === gateway) throw new UserError(`address ${wanted} is reserved in ${formatSubnet(s)}`, 125);
    if (taken.has(wanted)) throw new UserError(`Address already in use: ${wanted}`, 125);
    return wanted;
  }
  // --ip-range: only addresses of the range (and of the subnet) are handed out.
  const first = Math.max(s.base + 1, range ? range.base : 0);
  const last = Math.min(s.base + subnetSize(s) - 2, range ? range.base + subnetSize(range) - 1 : Infinity);
  for (let n = first; n <= last; n++) {
    const ip = intToIp(n);
    if (ip !== gateway && !taken.has(ip)) return ip;
  }
  throw new UserError(`no free address left in ${formatSubnet(range ?? s)}`, 125);
}

/** docker's MAC for an address: 02:42:<ip bytes in hex>. */
export function macForAddress(ip: string): string {
  const n = ipToInt(ip);
  return ['02', '42', ...[n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].map((b) => b.toString(16).padStart(2, '0'))].join(':');
}

/**
 * The first subnet of `size` bits cut from the pools (in order) that overlaps none of `used`
 * — how dockerd hands out subnets from its default-address-pools.
 */
export function firstFreeSubnet(pools: readonly { base: string; size: number }[], used: readonly Subnet[]): Subnet | null {
  for (const pool of pools) {
    const base = parseSubnet(pool.base);
    const step = 2 ** (32 - pool.size);
    for (let n = base.base; n < base.base + subnetSize(base); n += step) {
      const cand = { base: n, prefix: pool.size };
      if (!used.some((u) => u.base < cand.base + step && cand.base < u.base + subnetSize(u))) return cand;
    }
  }
  return null;
}
