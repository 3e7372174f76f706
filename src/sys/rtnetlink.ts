/**
 * The link, address and route requests mini-run sends (rtnetlink(7)), each the message the
 * `ip` command in its comment would send. Messages and sockets: sys/netlink.ts.
 */
import { NLM_F_CREATE, NLM_F_EXCL, encodeAttrs, nlIPv4, nlMac, nlString, nlU16, nlU32, type Attr, type RouteSocket } from './netlink';

// <linux/rtnetlink.h>
const RTM_NEWLINK = 16, RTM_DELLINK = 17, RTM_GETLINK = 18, RTM_NEWADDR = 20, RTM_NEWROUTE = 24;
// <linux/if_link.h>, <linux/veth.h>, <linux/if_addr.h>
const IFLA_ADDRESS = 1, IFLA_IFNAME = 3, IFLA_LINK = 5, IFLA_MASTER = 10, IFLA_LINKINFO = 18, IFLA_NET_NS_FD = 28;
const IFLA_INFO_KIND = 1, IFLA_INFO_DATA = 2, VETH_INFO_PEER = 1;
// <linux/if_link.h>: IFLA_MACVLAN_MODE (u32, MACVLAN_MODE_* bits), IFLA_IPVLAN_MODE (u16)
const IFLA_MACVLAN_MODE = 1, IFLA_IPVLAN_MODE = 1;
const MACVLAN_MODES: Record<string, number> = { private: 1, vepa: 2, bridge: 4, passthru: 8 };
const IPVLAN_MODES: Record<string, number> = { l2: 0, l3: 1, l3s: 2 };
const IFA_ADDRESS = 1, IFA_LOCAL = 2, IFA_BROADCAST = 4;
const RTA_OIF = 4, RTA_GATEWAY = 5;
const AF_UNSPEC = 0, AF_INET = 2, IFF_UP = 0x1;
const RT_TABLE_MAIN = 254, RTPROT_BOOT = 3, RT_SCOPE_UNIVERSE = 0, RTN_UNICAST = 1;

/** struct ifinfomsg { u8 family, pad; u16 type; i32 index; u32 flags, change; } — which link, and which flags to change. */
function ifinfomsg(index = 0, flags = 0, change = 0): Buffer {
  const b = Buffer.alloc(16);
  b.writeUInt8(AF_UNSPEC, 0);
  b.writeInt32LE(index, 4);
  b.writeUInt32LE(flags, 8);
  b.writeUInt32LE(change, 12);
  return b;
}

const CREATE = 'NLM_F_CREATE|NLM_F_EXCL';

/** The index of link `name` in the socket's namespace (RTM_GETLINK by name; ENODEV if there is none). */
export function linkIndex(sock: RouteSocket, name: string): number {
  const [reply] = sock.request(RTM_GETLINK, 0, ifinfomsg(), [{ type: IFLA_IFNAME, value: nlString(name) }],
    { name: 'RTM_GETLINK', shows: `{IFLA_IFNAME "${name}"}`, ip: `ip link show ${name}` });
  if (!reply || reply.length < 16) throw new Error(`RTM_GETLINK ${name}: no link in the answer`);
  return reply.readInt32LE(4);
}

/**
 * A veth pair: `host` in the socket's namespace, its peer created directly in the namespace
 * `peer.nsFd` refers to (IFLA_NET_NS_FD), with its name and MAC address.
 */
export function addVethPair(sock: RouteSocket, host: string, peer: { name: string; mac: string; nsFd: number; pid: number }): void {
  // VETH_INFO_PEER holds a whole link description: the peer's own struct ifinfomsg, then its attributes.
  const peerLink = Buffer.concat([ifinfomsg(), encodeAttrs([
    { type: IFLA_IFNAME, value: nlString(peer.name) },
    { type: IFLA_ADDRESS, value: nlMac(peer.mac) },
    { type: IFLA_NET_NS_FD, value: nlU32(peer.nsFd) },
  ])]);
  const attrs: Attr[] = [
    { type: IFLA_IFNAME, value: nlString(host) },
    {
      type: IFLA_LINKINFO, value: [
        { type: IFLA_INFO_KIND, value: nlString('veth') },
        { type: IFLA_INFO_DATA, value: [{ type: VETH_INFO_PEER, value: peerLink }] },
      ],
    },
  ];
  sock.request(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, ifinfomsg(), attrs, {
    name: 'RTM_NEWLINK',
    shows: `{IFLA_IFNAME "${host}", IFLA_LINKINFO {kind "veth", VETH_INFO_PEER {IFLA_IFNAME "${peer.name}", IFLA_ADDRESS ${peer.mac}, IFLA_NET_NS_FD ${peer.nsFd} /* /proc/${peer.pid}/ns/net */}}} ${CREATE}`,
    ip: `ip link add ${host} type veth peer name ${peer.name} address ${peer.mac} netns ${peer.pid}`,
  });
}

/**
 * A macvlan or ipvlan sub-interface of the host's link `parent`, created directly in the
 * namespace `into.nsFd` refers to under its final name. IFLA_LINK is the parent's index in the
 * socket's (the host's) namespace: the kernel looks it up there, then creates the link in the
 * target namespace — it never exists on the host. `mac`: macvlan only (an ipvlan link has its
 * parent's MAC).
 */
export function addSubinterface(sock: RouteSocket, kind: 'macvlan' | 'ipvlan', name: string, parent: { name: string; index: number }, mode: string,
  into: { nsFd: number; pid: number; mac?: string }): void {
  const code = kind === 'macvlan' ? MACVLAN_MODES[mode] : IPVLAN_MODES[mode];
  if (code === undefined) throw new Error(`unknown ${kind} mode ${mode}`);
  const modeAttr: Attr = kind === 'macvlan' ? { type: IFLA_MACVLAN_MODE, value: nlU32(code) } : { type: IFLA_IPVLAN_MODE, value: nlU16(code) };
  const attrs: Attr[] = [
    { type: IFLA_IFNAME, value: nlString(name) },
    { type: IFLA_LINK, value: nlU32(parent.index) },
    ...(into.mac ? [{ type: IFLA_ADDRESS, value: nlMac(into.mac) }] : []),
    { type: IFLA_NET_NS_FD, value: nlU32(into.nsFd) },
    { type: IFLA_LINKINFO, value: [{ type: IFLA_INFO_KIND, value: nlString(kind) }, { type: IFLA_INFO_DATA, value: [modeAttr] }] },
  ];
  const modeName = kind === 'macvlan' ? 'IFLA_MACVLAN_MODE' : 'IFLA_IPVLAN_MODE';
  sock.request(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, ifinfomsg(), attrs, {
    name: 'RTM_NEWLINK',
    shows: `{IFLA_IFNAME "${name}", IFLA_LINK ${parent.index} /* ${parent.name} */${into.mac ? `, IFLA_ADDRESS ${into.mac}` : ''}, IFLA_NET_NS_FD ${into.nsFd} /* /proc/${into.pid}/ns/net */, IFLA_LINKINFO {kind "${kind}", ${modeName} ${mode}}} ${CREATE}`,
    ip: `ip link add ${name} link ${parent.name}${into.mac ? ` address ${into.mac}` : ''} netns ${into.pid} type ${kind} mode ${mode}`,
  });
}

/** A bridge (a virtual switch) with its own MAC address. */
export function addBridge(sock: RouteSocket, name: string, mac: string): void {
  sock.request(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, ifinfomsg(), [
    { type: IFLA_IFNAME, value: nlString(name) },
    { type: IFLA_ADDRESS, value: nlMac(mac) },
    { type: IFLA_LINKINFO, value: [{ type: IFLA_INFO_KIND, value: nlString('bridge') }] },
  ], {
    name: 'RTM_NEWLINK',
    shows: `{IFLA_IFNAME "${name}", IFLA_ADDRESS ${mac}, IFLA_LINKINFO {kind "bridge"}} ${CREATE}`,
    ip: `ip link add ${name} address ${mac} type bridge`,
  });
}

/** Link `name` up; with `master`, plugged into that bridge first (IFLA_MASTER: the bridge's index). */
export function setLinkUp(sock: RouteSocket, name: string, master?: { name: string; index: number }): void {
  const attrs: Attr[] = [{ type: IFLA_IFNAME, value: nlString(name) }];
  if (master) attrs.push({ type: IFLA_MASTER, value: nlU32(master.index) });
  sock.request(RTM_NEWLINK, 0, ifinfomsg(0, IFF_UP, IFF_UP), attrs, {
    name: 'RTM_NEWLINK',
    shows: `{IFLA_IFNAME "${name}"${master ? `, IFLA_MASTER ${master.index} /* ${master.name} */` : ''}, ifi_flags IFF_UP, ifi_change IFF_UP}`,
    ip: `ip link set ${name}${master ? ` master ${master.name}` : ''} up`,
  });
}

/** Delete link `name` (a veth takes its peer with it). */
export function deleteLink(sock: RouteSocket, name: string): void {
  sock.request(RTM_DELLINK, 0, ifinfomsg(), [{ type: IFLA_IFNAME, value: nlString(name) }],
    { name: 'RTM_DELLINK', shows: `{IFLA_IFNAME "${name}"}`, ip: `ip link del ${name}` });
}

/**
 * An IPv4 address on a link: IFA_LOCAL (the interface's own address) and IFA_ADDRESS (the same,
 * on a link that is not point-to-point), and the subnet's broadcast address, as `brd +` gives.
 */
export function addAddress(sock: RouteSocket, link: { name: string; index: number }, address: string, prefix: number): void {
  const b = Buffer.alloc(8); // struct ifaddrmsg { u8 family, prefixlen, flags, scope; u32 index; }
  b.writeUInt8(AF_INET, 0);
  b.writeUInt8(prefix, 1);
  b.writeUInt8(RT_SCOPE_UNIVERSE, 3);
  b.writeUInt32LE(link.index, 4);
  const brd = broadcastOf(address, prefix);
  sock.request(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, b, [
    { type: IFA_LOCAL, value: nlIPv4(address) },
    { type: IFA_ADDRESS, value: nlIPv4(address) },
    { type: IFA_BROADCAST, value: nlIPv4(brd) },
  ], {
    name: 'RTM_NEWADDR',
    shows: `{ifa_index ${link.index} /* ${link.name} */, ifa_prefixlen ${prefix}, IFA_LOCAL ${address}, IFA_ADDRESS ${address}, IFA_BROADCAST ${brd}} ${CREATE}`,
    ip: `ip addr add ${address}/${prefix} brd + dev ${link.name}`,
  });
}

/** The subnet's broadcast address: all host bits set. */
export function broadcastOf(address: string, prefix: number): string {
  const n = address.split('.').reduce((a, x) => (a * 256) + Number(x), 0);
  const host = prefix >= 32 ? 0 : 2 ** (32 - prefix) - 1;
  const brd = (n - (n % (host + 1))) + host;
  return [24, 16, 8, 0].map((s) => Math.floor(brd / 2 ** s) % 256).join('.');
}

/** The default route (0.0.0.0/0) via `gateway` on `link`, in the main table. */
export function addDefaultRoute(sock: RouteSocket, gateway: string, link: { name: string; index: number }): void {
  const r = Buffer.alloc(12); // struct rtmsg { u8 family, dst_len, src_len, tos, table, protocol, scope, type; u32 flags; }
  r.writeUInt8(AF_INET, 0);
  r.writeUInt8(RT_TABLE_MAIN, 4);
  r.writeUInt8(RTPROT_BOOT, 5);
  r.writeUInt8(RT_SCOPE_UNIVERSE, 6);
  r.writeUInt8(RTN_UNICAST, 7);
  sock.request(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, r, [
    { type: RTA_GATEWAY, value: nlIPv4(gateway) },
    { type: RTA_OIF, value: nlU32(link.index) },
  ], {
    name: 'RTM_NEWROUTE',
    shows: `{rtm_dst_len 0, rtm_table RT_TABLE_MAIN, RTA_GATEWAY ${gateway}, RTA_OIF ${link.index} /* ${link.name} */} ${CREATE}`,
    ip: `ip route add default via ${gateway} dev ${link.name}`,
  });
}
