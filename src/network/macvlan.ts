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
 * The sub-interface is made on the host under a temporary mr- name, moved into the container's
 * network namespace and renamed eth0 there; it disappears with the namespace. Addresses are
 * leased like a bridge's (host-state.ts), keyed by the network's `Bridge` name (no device has
 * that name for these drivers), so `network rm` still sees active endpoints.
 */
import { existsSync } from 'node:fs';
import { runCommand } from '../sys/command';
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

function ipIn(pid: number, lines: string[]): void {
  const r = runCommand(['nsenter', `--net=/proc/${pid}/ns/net`, 'ip', '-batch', '-'], { input: lines.join('\n') + '\n', allowFailure: true });
  if (r.status !== 0) throw new UserError(`in the container's network namespace, ip -batch failed: ${r.stderr.trim().split('\n')[0]}`, 125);
}

/** Give the container with init `pid` an eth0 that is a macvlan/ipvlan sub-interface of the network's parent. */
export function attachSubinterface(req: AttachRequest & { net: NetworkDef & { driver: SubinterfaceDriver; options: Record<string, string> } }): Endpoint {
  const { net } = req;
  const subnet = parseSubnet(net.subnet);
  const parent = net.options.parent;
  if (!existsSync(`/sys/class/net/${parent}`)) throw new UserError(`the parent interface ${parent} of network ${net.name} is gone from the host`, 125);
  const temp = `mr-mv${req.containerId.slice(0, 8)}`;
  const lease = withNetLock((s) => {
    // A previous life of this container (restart) may still hold its lease.
    s.leases = s.leases.filter((l) => !(l.containerId === req.containerId && l.root === req.root && l.bridge === net.bridge));
    const taken = new Set(s.leases.filter((l) => l.bridge === net.bridge).map((l) => l.ip));
    const ip = allocateAddress(subnet, net.gateway, taken, req.ip, net.ipRange ? parseSubnet(net.ipRange) : undefined);
    const l: Lease = { ip, network: net.name, bridge: net.bridge, root: req.root, containerId: req.containerId, hostVeth: '', monitor: req.monitor, dnat: [], names: req.names ?? [], upstreams: [] };
    s.leases.push(l);
    return l;
  });
  const mac = req.mac ?? macForAddress(lease.ip);
  try {
    runCommand(['ip', 'link', 'del', temp], { allowFailure: true });
    const mode = net.driver === 'macvlan' ? ['mode', net.options.macvlan_mode ?? 'bridge'] : ['mode', net.options.ipvlan_mode ?? 'l2'];
    const made = runCommand(['ip', 'link', 'add', temp, 'link', parent, 'type', net.driver, ...mode], { allowFailure: true });
    if (made.status !== 0) throw new UserError(`cannot create a ${net.driver} sub-interface of ${parent}: ${made.stderr.trim()}`, 125);
    const moved = runCommand(['ip', 'link', 'set', temp, 'netns', String(req.pid)], { allowFailure: true });
    if (moved.status !== 0) throw new UserError(`cannot move ${temp} into the container: ${moved.stderr.trim()}`, 125);
    ipIn(req.pid, [
      `link set ${temp} name eth0`,
      ...(net.driver === 'macvlan' ? [`link set eth0 address ${mac}`] : []),
      `addr add ${lease.ip}/${subnet.prefix} brd + dev eth0`,
      'link set eth0 up',
      `route add default via ${net.gateway} dev eth0`,
    ]);
    const shownMac = net.driver === 'macvlan' ? mac : '';
    return { network: net.name, bridge: net.bridge, ip: lease.ip, prefixLen: subnet.prefix, gateway: net.gateway, mac: shownMac, hostVeth: '', ports: [] };
  } catch (err) {
    runCommand(['ip', 'link', 'del', temp], { allowFailure: true });
    withNetLock((s) => { s.leases = s.leases.filter((l) => l !== lease && !(l.ip === lease.ip && l.containerId === req.containerId)); });
    throw err instanceof UserError ? err : new UserError(`network setup failed: ${(err as Error).message}`, 125);
  }
}
