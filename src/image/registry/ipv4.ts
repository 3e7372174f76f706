/** IPv4 arithmetic for the config file's addresses (insecure-registries CIDRs, bip, address pools): no zod. */

export function ipv4(s: string): number {
  return s.split('.').reduce((n, p) => (n << 8) + (Number(p) & 255), 0) >>> 0;
}

export function inCidr(ip: string, net: string, bits: number): boolean {
  if (bits <= 0) return true;
  const mask = bits >= 32 ? 0xffffffff : (~((1 << (32 - bits)) - 1)) >>> 0;
  return ((ipv4(ip) & mask) >>> 0) === ((ipv4(net) & mask) >>> 0);
}
