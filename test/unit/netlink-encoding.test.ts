/**
 * Netlink attributes as the kernel reads them (sys/netlink.ts): a 4-byte header (length with
 * the header, type), the value, padding to 4 bytes that the length does not count; nested
 * attributes are attributes inside a value. And the broadcast address `brd +` would set.
 */
import { describe, expect, it } from 'vitest';
import { decodeAttrs, encodeAttrs, NetlinkError, nlIPv4, nlMac, nlString, nlU32 } from '../../src/sys/netlink';
import { addSubinterface, broadcastOf } from '../../src/sys/rtnetlink';
import type { Attr, Described, RouteSocket } from '../../src/sys/netlink';

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

  it('a macvlan or ipvlan sub-interface: made right in the container\'s namespace, its mode as the driver reads it', () => {
    const sent: { type: number; flags: number; attrs: Buffer; what: Described }[] = [];
    const sock = { request: (type: number, flags: number, _body: Buffer, attrs: readonly Attr[], what: Described) => { sent.push({ type, flags, attrs: encodeAttrs(attrs), what }); return []; } } as unknown as RouteSocket;
    addSubinterface(sock, 'macvlan', 'eth0', { name: 'mr-vp1', index: 41 }, 'bridge', { nsFd: 23, pid: 4242, mac: '02:42:c0:a8:fb:0a' });
    addSubinterface(sock, 'ipvlan', 'eth0', { name: 'mr-vp1', index: 41 }, 'l3', { nsFd: 23, pid: 4242 });
    expect(() => addSubinterface(sock, 'macvlan', 'eth0', { name: 'mr-vp1', index: 41 }, 'l2', { nsFd: 23, pid: 4242 })).toThrow(/unknown macvlan mode l2/);
    const [mv, iv] = sent.map((m) => ({ ...m, a: decodeAttrs(m.attrs) }));
    expect([mv.type, mv.flags]).toEqual([16 /* RTM_NEWLINK */, 0x400 | 0x200 /* NLM_F_CREATE|NLM_F_EXCL */]);
    expect(mv.a.get(3)!.toString('latin1')).toBe('eth0\0'); // IFLA_IFNAME
    expect(mv.a.get(5)!.readUInt32LE(0)).toBe(41); // IFLA_LINK: the parent's index on the host
    expect([...mv.a.get(1)!]).toEqual([2, 0x42, 0xc0, 0xa8, 0xfb, 0x0a]); // IFLA_ADDRESS
    expect(mv.a.get(28)!.readUInt32LE(0)).toBe(23); // IFLA_NET_NS_FD
    const info = (m: typeof mv) => decodeAttrs(m.a.get(18)!); // IFLA_LINKINFO
    expect(info(mv).get(1)!.toString('latin1')).toBe('macvlan\0');
    expect([...decodeAttrs(info(mv).get(2)!).get(1)!]).toEqual([4, 0, 0, 0]); // IFLA_MACVLAN_MODE: MACVLAN_MODE_BRIDGE, u32
    expect(iv.a.has(1)).toBe(false); // ipvlan: the parent's MAC
    expect(info(iv).get(1)!.toString('latin1')).toBe('ipvlan\0');
    expect([...decodeAttrs(info(iv).get(2)!).get(1)!]).toEqual([1, 0]); // IFLA_IPVLAN_MODE: IPVLAN_MODE_L3, u16
    expect(mv.what.ip).toBe('ip link add eth0 link mr-vp1 address 02:42:c0:a8:fb:0a netns 4242 type macvlan mode bridge');
    expect(iv.what.ip).toBe('ip link add eth0 link mr-vp1 netns 4242 type ipvlan mode l3');
  });

  it('a refusal reads as the ip command that failed and the kernel\'s reason', () => {
    expect(new NetlinkError('ip link add mr-1 type veth peer name eth0', 17, '').message).toBe('ip link add mr-1 type veth peer name eth0 failed: File exists');
    expect(new NetlinkError('ip route add default via 10.9.0.1 dev eth0', 101, 'Nexthop has invalid gateway').message)
      .toBe('ip route add default via 10.9.0.1 dev eth0 failed: Network is unreachable (Nexthop has invalid gateway)');
  });
});
