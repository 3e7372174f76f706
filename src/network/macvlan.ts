/**
 * macvlan and ipvlan networks (`network create -d macvlan|ipvlan -o parent=IFACE`): no bridge
 * and no NAT. Each container gets a sub-interface of a host interface (the "parent") as its
 * eth0, with an address of the parent's own L2 segment:
 *
 *   macvlan  a MAC address of its own per container: to the LAN it looks like one more machine
 *            plugged into the switch. In `bridge` mode (the default) the kernel also switches
 *            between the sub-interfaces of one parent, so containers reach each other.
 *   ipvlan   every container shares the parent's MAC (for switches that allow one MAC per
 *            port, or Wi-Fi); `l2` mode switches by IP between siblings, `l3` routes.
 *
 * Lesson: the host itself cannot reach its macvlan children through the parent — the kernel
 * hands a frame from a sub-interface either to a sibling or out of the parent's wire, never up
 * the parent's own stack (and frames arriving on the parent for a child's MAC go to the child).
 * To talk to them, the host needs a macvlan sub-interface of its own.
 *
 * The sub-interface is made by netlink requests (sys/rtnetlink.ts, as the bridge's veth): one
 * RTM_NEWLINK on the host's socket creates it as eth0 right inside the container's network
 * namespace (IFLA_LINK: the parent; IFLA_NET_NS_FD: the namespace), so it never exists on the
 * host and disappears with the namespace; a socket made in the namespace then sets its address,
 * brings it up and adds the default route via the network's gateway. Addresses are
 * leased like a bridge's (host-state.ts), keyed by the network's `Bridge` name (no device has
 * that name for these drivers), so `network rm` still sees active endpoints.
 */
import { closeSync, existsSync, readFileSync } from 'node:fs';
import { NetlinkError, RouteSocket, openNetnsOf, routeSocketIn } from '../sys/netlink';
import { addAddress, addDefaultRoute, addSubinterface, linkIndex, setLinkUp } from '../sys/rtnetlink';
import { UserError } from '../errors';
import { allocateAddress, macForAddress, parseSubnet } from './ipam';
import { withNetLock, type Lease } from './host-state';
import type { AttachRequest, Endpoint, NetworkDef } from './bridge';

export type SubinterfaceDriver = 'macvlan' | 'ipvlan';

const MODES: Record<SubinterfaceDriver, { option: string; modes: string[]; default: string }> = {
  macvlan: { option: 'macvlan_mode', modes: ['bridge', 'private', 'vepa', 'passthru'], default: 'bridge' },
  ipvlan: { option: 'ipvlan_mode', modes: ['l2', 'l3', 'l3s'], default: 'l2' },
};

/** `-o parent=IF [-o macvlan_mode=…|ipvlan_mode=…]`, checked as Docker checks them (exit 1). */
export function checkSubinterfaceOptions(driver: SubinterfaceDriver, opts: Record<string, string>): Record<string, string> {
  const { option, modes, default: mode } = MODES[driver];
  for (const k of Object.keys(opts)) {
    if (k !== 'parent' && k !== option) throw new UserError(`unrecognized ${driver} option: ${k} (${driver} takes parent and ${option})`, 1);
  }
  const parent = opts.parent;
  if (!parent) throw new UserError(`-o parent=IFACE is needed: the host interface whose segment the containers join (mini-run makes no dummy parent)`, 1);
  if (!/^[A-Za-z0-9_.:-]{1,15}$/.test(parent)) throw new UserError(`invalid parent interface name: ${parent}`, 1);
  if (!existsSync(`/sys/class/net/${parent}`)) throw new UserError(`-o parent interface was not found on the host: ${parent}`, 1);
  const m = opts[option] ?? mode;
  if (!modes.includes(m)) throw new UserError(`requested ${driver} mode '${m}' is not valid, '${modes.join("', '")}' are supported`, 1);
  return { parent, [option]: m };
}

/** Give the container with init `pid` an eth0 that is a macvlan/ipvlan sub-interface of the network's parent. */
export function attachSubinterface(req: AttachRequest & { net: NetworkDef & { driver: SubinterfaceDriver; options: Record<string, string> } }): Endpoint {
  const { net } = req;
  const subnet = parseSubnet(net.subnet);
  const parent = net.options.parent;
  if (!existsSync(`/sys/class/net/${parent}`)) throw new UserError(`the parent interface ${parent} of network ${net.name} is gone from the host`, 125);
  const lease = withNetLock((s) => {
    // A previous life of this container (restart) may still hold its lease.
    s.leases = s.leases.filter((l) => !(l.containerId === req.containerId && l.root === req.root && l.bridge === net.bridge));
    const taken = new Set(s.leases.filter((l) => l.bridge === net.bridge).map((l) => l.ip));
    const ip = allocateAddress(subnet, net.gateway, taken, req.ip, net.ipRange ? parseSubnet(net.ipRange) : undefined);
    const l: Lease = { ip, network: net.name, bridge: net.bridge, root: req.root, containerId: req.containerId, hostVeth: '', monitor: req.monitor, dnat: [], names: req.names ?? [], upstreams: [] };
    s.leases.push(l);
    return l;
  });
  const mode = net.driver === 'macvlan' ? net.options.macvlan_mode ?? 'bridge' : net.options.ipvlan_mode ?? 'l2';
  // macvlan: a MAC of its own (passthru takes the parent's: the kernel gives it at creation);
  // ipvlan: always the parent's.
  const ownMac = net.driver === 'macvlan' && mode !== 'passthru';
  const mac = req.mac ?? macForAddress(lease.ip);
  let nsFd = -1;
  let host: RouteSocket | null = null;
  let inside: RouteSocket | null = null;
  try {
    // The container's network namespace, held open: every request below acts on this one.
    nsFd = openNetnsOf(req.pid);
    // Made by the host's socket (the parent is the host's) right inside the container's
    // namespace, under its final name: it never exists on the host, and goes with the namespace.
    host = RouteSocket.open();
    try {
      addSubinterface(host, net.driver, 'eth0', { name: parent, index: linkIndex(host, parent) }, mode, { nsFd, pid: req.pid, mac: ownMac ? mac : undefined });
    } catch (e) {
      if (e instanceof NetlinkError) throw new UserError(`cannot create a ${net.driver} sub-interface of ${parent}: ${e.message}`, 125);
      throw e;
    }
    host.close();
    host = null;
    // Inside the namespace (a socket made there): address, up, default route via the network's gateway.
    inside = routeSocketIn(nsFd, `/proc/${req.pid}/ns/net`);
    const link = { name: 'eth0', index: linkIndex(inside, 'eth0') };
    addAddress(inside, link, lease.ip, subnet.prefix);
    setLinkUp(inside, 'eth0');
    addDefaultRoute(inside, net.gateway, link);
    inside.close();
    inside = null;
    closeSync(nsFd);
    nsFd = -1;
    const shownMac = ownMac ? mac : net.driver === 'macvlan' ? readFileSync(`/sys/class/net/${parent}/address`, 'utf8').trim() : '';
    return { network: net.name, bridge: net.bridge, ip: lease.ip, prefixLen: subnet.prefix, gateway: net.gateway, mac: shownMac, hostVeth: '', ports: [] };
  } catch (err) {
    host?.close();
    inside?.close();
    if (nsFd >= 0) closeSync(nsFd);
    withNetLock((s) => { s.leases = s.leases.filter((l) => l !== lease && !(l.ip === lease.ip && l.containerId === req.containerId)); });
    throw err instanceof UserError ? err : new UserError(`network setup failed: ${(err as Error).message}`, 125);
  }
}
