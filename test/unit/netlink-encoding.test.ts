/**
 * Netlink attributes as the kernel reads them (sys/netlink.ts): a 4-byte header (length with
 * the header, type), the value, padding to 4 bytes that the length does not count; nested
 * attributes are attributes inside a value. And the broadcast address `brd +` would set.
 */
import { describe, expect, it } from 'vitest';
import { decodeAttrs, encodeAttrs, NetlinkError, nlIPv4, nlMac, nlString, nlU32 } from '../../src/sys/netlink';
import { broadcastOf } from '../../src/sys/rtnetlink';

describe('netlink attributes', () => {
  it('a string attribute: length counts header and NUL, not the padding', () => {
    const b = encodeAttrs([{ type: 3 /* IFLA_IFNAME */, value: nlString('eth0') }]);
    expect([...b]).toEqual([9, 0, 3, 0, 0x65, 0x74, 0x68, 0x30, 0, 0, 0, 0]);
  });

  it('nested attributes, as a veth peer is inside IFLA_LINKINFO', () => {
    const b = encodeAttrs([{ type: 18, value: [{ type: 1, value: nlString('veth') }, { type: 2, value: [{ type: 1, value: nlU32(7) }] }] }]);
    // outer 4 + kind (4 + 5 → 12 with padding) + data (4 + 8)
    expect(b.readUInt16LE(0)).toBe(4 + 12 + 12);
    expect(b.readUInt16LE(2)).toBe(18);
    const inner = decodeAttrs(b, 4, b.readUInt16LE(0));
    expect(inner.get(1)!.toString('latin1')).toBe('veth\0');
    expect(decodeAttrs(inner.get(2)!).get(1)!.readUInt32LE(0)).toBe(7);
  });

  it('addresses in network order', () => {
    expect([...nlIPv4('10.88.0.2')]).toEqual([10, 88, 0, 2]);
    expect([...nlMac('02:42:0a:58:00:02')]).toEqual([2, 0x42, 10, 0x58, 0, 2]);
  });

  it('brd +: all host bits set', () => {
    expect(broadcastOf('10.88.0.2', 16)).toBe('10.88.255.255');
    expect(broadcastOf('10.251.0.7', 24)).toBe('10.251.0.255');
    expect(broadcastOf('192.168.5.9', 30)).toBe('192.168.5.11');
    expect(broadcastOf('10.0.0.1', 32)).toBe('10.0.0.1');
    expect(broadcastOf('200.1.2.3', 8)).toBe('200.255.255.255');
  });

  it('a refusal reads as the ip command that failed and the kernel\'s reason', () => {
    expect(new NetlinkError('ip link add mr-1 type veth peer name eth0', 17, '').message).toBe('ip link add mr-1 type veth peer name eth0 failed: File exists');
    expect(new NetlinkError('ip route add default via 10.9.0.1 dev eth0', 101, 'Nexthop has invalid gateway').message)
      .toBe('ip route add default via 10.9.0.1 dev eth0 failed: Network is unreachable (Nexthop has invalid gateway)');
  });
});
