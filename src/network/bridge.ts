/**
 * Attaching a container to a bridge, and detaching it.
 *
 * A network namespace starts with only `lo`. To connect it, we make a **veth pair** — two
 * virtual interfaces joined like the two ends of a cable: a packet sent into one comes out of
 * the other. One end stays on the host and is plugged into the **bridge** (a virtual switch,
 * `mini-run0`, whose own address 10.88.0.1 is the containers' gateway); the other end is
 * created directly inside the container's namespace and named `eth0`. The container gets an
 * address of the bridge's subnet and a default route via the gateway; the host routes its
 * packets on (ip_forward) and masquerades them (see firewall.ts).
 *
 * When the container's last process exits, the kernel deletes its network namespace and,
 * with it, the veth end inside — which destroys the pair. We still delete the host end
 * explicitly (synchronously, so a restart can reuse its name at once).
 *
 * All of it is netlink requests (sys/rtnetlink.ts), the messages `ip link add …`, `ip addr add …`
 * and `ip route add …` send: on a socket of the host's for the host's side, and on one made
 * inside the container's network namespace for eth0's address and route.
 */
import { closeSync, readFileSync, writeFileSync } from 'node:fs';
import { traceNote } from '../sys/trace';
import { NetlinkError, RouteSocket, openNetnsOf, routeSocketIn } from '../sys/netlink';
import { addAddress, addBridge, addDefaultRoute, addVethPair, deleteLink, linkIndex, setLinkUp } from '../sys/rtnetlink';
import { UserError } from '../errors';
import { allocateAddress, macForAddress, parseSubnet } from './ipam';
import * as fw from './firewall';
import { processAlive, readHostNetState, sweepHasWork, withNetLock, type HostNetState, type Lease } from './host-state';
import type { PortBinding } from './ports';

/** The default bridge (MINI_RUN_BRIDGE may name another, e.g. for an isolated test; it must start with mr-). */
export const DEFAULT_BRIDGE = process.env.MINI_RUN_BRIDGE?.startsWith('mr-') ? process.env.MINI_RUN_BRIDGE : 'mini-run0';
export const DEFAULT_SUBNET = process.env.MINI_RUN_BRIDGE_SUBNET ?? '10.88.0.0/16';
export const DEFAULT_GATEWAY = process.env.MINI_RUN_BRIDGE_GATEWAY ?? '10.88.0.1';

export interface NetworkDef { name: string; bridge: string; subnet: string; gateway: string; internal?: boolean; persistent?: boolean; ipRange?: string; driver?: 'bridge' | 'macvlan' | 'ipvlan'; options?: Record<string, string> }

export const DEFAULT_NETWORK: NetworkDef = { name: 'bridge', bridge: DEFAULT_BRIDGE, subnet: DEFAULT_SUBNET, gateway: DEFAULT_GATEWAY };
/** The environment set the default bridge's address (an isolated test): the config file's pools do not apply. */
export const DEFAULT_ADDRESS_FROM_ENV = process.env.MINI_RUN_BRIDGE_SUBNET !== undefined;

export interface Endpoint {
  network: string;
  bridge: string;
  ip: string;
  prefixLen: number;
  gateway: string;
  mac: string;
  hostVeth: string;
  ports: PortBinding[];
}

export interface AttachRequest {
  root: string;
  containerId: string;
  pid: number;
  net: NetworkDef;
  ip?: string;
  mac?: string;
  ports: PortBinding[];
  monitor: { pid: number; startTime: string };
  /** For the embedded DNS of user networks. */
  names?: string[];
  /** The embedded DNS's resolvers for this container's other questions (Lease.upstreams). */
  upstreams?: string[];
  /** `network connect`: one more interface (ifname, e.g. eth1) beside the others; no default route. */
  extra?: { ifname: string; hostVeth: string };
}

const IP_FORWARD = '/proc/sys/net/ipv4/ip_forward';
const routeLocalnet = (bridge: string) => `/proc/sys/net/ipv4/conf/${bridge}/route_localnet`;

/** Our rules for a bridge (while it has containers). */
function addRulesOf(bridge: string, b: HostNetState['bridges'][string], freshChains = false): void {
  fw.addBridgeRules({ bridge, subnet: b.subnet, internal: b.internal }, freshChains);
  b.rules = true;
  // Published ports on 127.0.0.1 by DNAT (firewall.ts, "Localhost"): loopback sources allowed on this bridge only.
  if (!b.internal && fw.detectFirewall().kind !== 'none') {
    const was = readFileSync(routeLocalnet(bridge), 'utf8').trim();
    if (was !== '1') {
      writeFileSync(routeLocalnet(bridge), '1');
      b.routeLocalnetWas = was;
    }
  }
}

/**
 * The rules on the host were installed by an earlier mini-run (another set of rules): take
 * ours out exactly as that version made them, and put the current set back from the state
 * (chains, every bridge's rules, every lease's DNAT). Established connections keep their NAT
 * (it lives in conntrack).
 */
function reinstallRules(s: HostNetState): void {
  traceNote(`network: rules of version ${s.rulesVersion ?? 1} on the host; reinstalling version ${fw.RULES_VERSION}`);
  for (const [bridge, b] of Object.entries(s.bridges)) if (b.rules) fw.removeBridgeRules({ bridge, subnet: b.subnet, internal: b.internal });
  for (const l of s.leases) fw.removeDnats(l.dnat);
  fw.removeBase();
  const fresh = fw.installBase();
  s.rulesVersion = fw.RULES_VERSION;
  for (const [bridge, b] of Object.entries(s.bridges)) if (b.rules) addRulesOf(bridge, b, fresh);
  for (const l of s.leases) fw.addDnats(l.dnat);
}

/** Our rules for a bridge go, and route_localnet is set back (a user network's bridge stays). */
function removeRulesOf(bridge: string, b: HostNetState['bridges'][string]): void {
  if (b.rules) fw.removeBridgeRules({ bridge, subnet: b.subnet, internal: b.internal });
  b.rules = false;
  if (b.routeLocalnetWas !== undefined) {
    try { writeFileSync(routeLocalnet(bridge), b.routeLocalnetWas); } catch { /* the bridge is gone, and the setting with it */ }
    b.routeLocalnetWas = undefined;
  }
}

/** Our netlink socket on the host (this process's network namespace), made at its first use. */
let hostSocket: RouteSocket | null = null;
function host(): RouteSocket {
  return (hostSocket ??= RouteSocket.open());
}

/** Delete the host's link `name` if it is there (a leftover veth, an idle bridge). */
function deleteHostLink(name: string): void {
  if (!linkExists(name)) return;
  try {
    deleteLink(host(), name);
  } catch (e) {
    if (!(e instanceof NetlinkError)) throw e; // gone meanwhile (ENODEV): what we wanted
  }
}

/**
 * Is there an interface NAME in our network namespace? /proc/self/net/dev lists them (one
 * "NAME: counters…" line each): a file read, where `ip link show` would be a process.
 */
function linkExists(name: string): boolean {
  return readFileSync('/proc/self/net/dev', 'utf8').split('\n').some((l) => l.trimStart().startsWith(`${name}:`));
}

export function hostVethName(containerId: string): string {
  return `mr-${containerId.slice(0, 8)}`; // 11 characters: interface names are at most 15
}

/** The bridge exists, has its gateway address, is up; our rules for it are in place. */
function ensureBridge(s: HostNetState, net: NetworkDef): void {
  if (s.baseInstalled && s.rulesVersion !== fw.RULES_VERSION) reinstallRules(s);
  let freshChains = false;
  if (!s.baseInstalled) {
    freshChains = fw.installBase();
    s.baseInstalled = true;
    s.firewall = fw.detectFirewall().kind;
    s.rulesVersion = fw.RULES_VERSION;
  }
  const made = createBridgeLink(s, net);
  const entry = s.bridges[net.bridge];
  // An idle bridge keeps its rules (releaseIdle); if its link was deleted by hand meanwhile, the
  // new link lacks route_localnet: put its rules in again.
  if (made && entry.rules) removeRulesOf(net.bridge, entry);
  entry.internal = net.internal === true;
  if (!entry.rules) addRulesOf(net.bridge, entry, freshChains);
  // Routing between the bridge and the host's other interfaces needs forwarding on.
  if (!net.internal && readFileSync(IP_FORWARD, 'utf8').trim() === '0') {
    writeFileSync(IP_FORWARD, '1');
    s.ipForwardSetByUs = true;
    traceNote('net.ipv4.ip_forward was 0: set to 1 (set back by system prune / network prune once no container uses the network)');
  }
}

/**
 * The default bridge is asked for another address than it has (the config file's "bip"
 * changed). dockerd re-addresses docker0 when it starts; mini-run has no daemon start, so an
 * idle bridge is made anew here, and one with containers on it stays as it is until they stop.
 */
function readdressIdleBridge(s: HostNetState, net: NetworkDef, entry: HostNetState['bridges'][string]): void {
  const now = `${entry.gateway}/${parseSubnet(entry.subnet).prefix}`;
  const wanted = `${net.gateway}/${parseSubnet(net.subnet).prefix}`;
  const users = s.leases.filter((l) => l.bridge === net.bridge).length;
  if (users) {
    throw new UserError(`the bridge ${net.bridge} has the address ${now} and ${users} container${users > 1 ? 's' : ''} on it, not ${wanted} as configured ("bip"): ` +
      `stop ${users > 1 ? 'them' : 'it'} (mini-run ps --filter network=bridge) and the bridge is made anew with ${wanted}, or set "bip" back to ${now}`, 125);
  }
  traceNote(`network: ${net.bridge} has ${now}, the configuration asks for ${wanted}: no container on it, making it anew`);
  removeRulesOf(net.bridge, entry);
  deleteHostLink(net.bridge);
  delete s.bridges[net.bridge];
}

/** The address a bridge was made with (the host state's record), if it exists. */
export function bridgeAddress(bridge: string): { subnet: string; gateway: string } | undefined {
  const b = readHostNetState().bridges[bridge];
  return b && { subnet: b.subnet, gateway: b.gateway };
}

/** The bridge device with the gateway address, up, and its entry in the host state. True when the link was made now. */
export function createBridgeLink(s: HostNetState, net: NetworkDef): boolean {
  const had = s.bridges[net.bridge];
  if (had && !had.persistent && (had.subnet !== net.subnet || had.gateway !== net.gateway)) readdressIdleBridge(s, net, had);
  const made = !linkExists(net.bridge);
  if (made) {
    const prefix = parseSubnet(net.subnet).prefix;
    // A MAC of its own, set explicitly: otherwise a bridge takes the lowest MAC of its ports, and
    // changes it as veths come and go — leaving the containers' ARP entries for the gateway stale
    // (their packets to it vanish until the entry expires). Derived like a container's from the
    // gateway address, which no container is ever given.
    const mac = macForAddress(net.gateway);
    try {
      addBridge(host(), net.bridge, mac);
      addAddress(host(), { name: net.bridge, index: linkIndex(host(), net.bridge) }, net.gateway, prefix);
      setLinkUp(host(), net.bridge);
    } catch (e) {
      deleteHostLink(net.bridge);
      throw new UserError(`cannot create the bridge ${net.bridge}: ${(e as Error).message} (is the kernel's bridge module available? --network none runs without networking)`, 125);
    }
  }
  s.bridges[net.bridge] ??= { subnet: net.subnet, gateway: net.gateway, rules: false, internal: net.internal === true, persistent: net.persistent === true };
  return made;
}

/** `network rm`: the bridge of a user network goes (refused while containers use it). */
export function removeBridge(bridge: string): void {
  withNetLock((s) => {
    sweepDeadLeases(s);
    if (s.leases.some((l) => l.bridge === bridge)) throw new UserError(`error while removing network: it has active endpoints`, 1);
    const entry = s.bridges[bridge];
    if (entry) removeRulesOf(bridge, entry);
    deleteHostLink(bridge);
    delete s.bridges[bridge];
  });
}

export function ensureUserBridge(net: NetworkDef): void {
  withNetLock((s) => { createBridgeLink(s, net); });
}

/** Undo one lease: its DNAT rules, its host veth, the lease itself. */
function dropLease(s: HostNetState, lease: Lease): void {
  fw.removeDnats(lease.dnat);
  deleteHostLink(lease.hostVeth);
  s.leases = s.leases.filter((l) => l !== lease);
}

/**
 * What stays of the host while no container uses it. A user network's bridge keeps its link
 * (until `network rm`) and loses its rules. The default bridge keeps everything — its link, its
 * rules, our chains and ip_forward — as Docker keeps docker0: the next container then only adds
 * its veth and address (no bridge to make, no iptables process). `giveBack` (`system prune`,
 * `network prune`) removes an idle default bridge too and, with no lease left anywhere, our
 * chains, and sets ip_forward back.
 */
function releaseIdle(s: HostNetState, giveBack: boolean): void {
  for (const [bridge, b] of Object.entries(s.bridges)) {
    if (s.leases.some((l) => l.bridge === bridge)) continue;
    if (!b.persistent && !giveBack) continue; // the default bridge stays ready, rules and all
    removeRulesOf(bridge, b);
    if (b.persistent) continue; // a user network's bridge stays until `network rm`
    deleteHostLink(bridge);
    delete s.bridges[bridge];
  }
  if (s.leases.length > 0 || !giveBack) return;
  if (s.baseInstalled) {
    fw.removeBase();
    s.baseInstalled = false;
    s.firewall = undefined;
    s.rulesVersion = undefined;
  }
  if (s.ipForwardSetByUs) {
    writeFileSync(IP_FORWARD, '0');
    s.ipForwardSetByUs = false;
    traceNote('net.ipv4.ip_forward set back to 0');
  }
}

/** Leases whose supervisor died (a crash): undo them. */
function sweepDeadLeases(s: HostNetState): number {
  const dead = s.leases.filter((l) => !processAlive(l.monitor));
  for (const l of dead) {
    traceNote(`network: ${l.ip} of container ${l.containerId.slice(0, 12)} was left by a dead supervisor; releasing`);
    dropLease(s, l);
  }
  return dead.length;
}

/** Give the container with init PID `pid` its eth0 on the network. Synchronous: called before the program starts. */
export function attachContainer(req: AttachRequest): Endpoint {
  const subnet = parseSubnet(req.net.subnet);
  const hostVeth = req.extra?.hostVeth ?? hostVethName(req.containerId);
  const ifname = req.extra?.ifname ?? 'eth0';
  const lease = withNetLock((s) => {
    sweepDeadLeases(s);
    // A previous life of this container (restart) may still hold its leases.
    if (!req.extra) for (const l of s.leases.filter((x) => x.containerId === req.containerId && x.root === req.root)) dropLease(s, l);
    ensureBridge(s, req.net);
    const taken = new Set(s.leases.filter((l) => l.bridge === req.net.bridge).map((l) => l.ip));
    const ip = allocateAddress(subnet, req.net.gateway, taken, req.ip, req.net.ipRange ? parseSubnet(req.net.ipRange) : undefined);
    const l: Lease = { ip, network: req.net.name, bridge: req.net.bridge, root: req.root, containerId: req.containerId, hostVeth, monitor: req.monitor, dnat: [], names: req.names ?? [], upstreams: req.upstreams ?? [] };
    s.leases.push(l);
    return l;
  });
  const mac = req.mac ?? macForAddress(lease.ip);
  let nsFd = -1;
  let inside: RouteSocket | null = null;
  try {
    deleteHostLink(hostVeth);
    // The container's network namespace, held open: every request below acts on this one
    // namespace, even if the process exits meanwhile (then its pid could name another's).
    nsFd = openNetnsOf(req.pid);
    // One end on the host, the other created right inside the container's namespace as eth0
    // (ethN for connect); the host end plugged into the bridge.
    addVethPair(host(), hostVeth, { name: ifname, mac, nsFd, pid: req.pid });
    setLinkUp(host(), hostVeth, { name: req.net.bridge, index: linkIndex(host(), req.net.bridge) });
    // Inside the namespace (a socket made there): address, up, default route via the bridge's address.
    inside = routeSocketIn(nsFd, `/proc/${req.pid}/ns/net`);
    const link = { name: ifname, index: linkIndex(inside, ifname) };
    addAddress(inside, link, lease.ip, subnet.prefix); // with the broadcast address, as Docker sets it
    setLinkUp(inside, ifname);
    if (!req.net.internal && !req.extra) addDefaultRoute(inside, req.net.gateway, link);
    inside.close();
    inside = null;
    closeSync(nsFd);
    nsFd = -1;
    const ports = req.ports;
    const dnat: fw.Dnat[] = ports.map((p) => ({
      proto: p.proto, hostIp: p.hostIp, hostPort: p.hostPort, dest: lease.ip, destPort: p.containerPort, bridge: req.net.bridge,
      tag: `mr-${req.containerId.slice(0, 12)}`,
    }));
    // Record the rules before adding them: a crash in between leaves nothing the sweep does not know.
    // (No ports: the lease was recorded with no rules already.)
    if (dnat.length) {
      withNetLock((s) => {
        const l = s.leases.find((x) => x.ip === lease.ip && x.containerId === req.containerId);
        if (l) l.dnat = dnat;
      });
    }
    fw.addDnats(dnat);
    return { network: req.net.name, bridge: req.net.bridge, ip: lease.ip, prefixLen: subnet.prefix, gateway: req.net.gateway, mac, hostVeth, ports };
  } catch (err) {
    inside?.close();
    if (nsFd >= 0) closeSync(nsFd);
    if (req.extra) releaseEndpoint(req.root, req.containerId, hostVeth);
    else detachContainer(req.root, req.containerId);
    throw err instanceof UserError ? err : new UserError(`network setup failed: ${(err as Error).message}`, 125);
  }
}

/** Requests inside the network namespace of process `pid` (held open meanwhile), on a socket made there. */
function insideNetns<T>(pid: number, fn: (sock: RouteSocket) => T): T {
  const nsFd = openNetnsOf(pid);
  let sock: RouteSocket | null = null;
  try {
    sock = routeSocketIn(nsFd, `/proc/${pid}/ns/net`);
    return fn(sock);
  } finally {
    sock?.close();
    closeSync(nsFd);
  }
}

/** `network connect`: the first ethN (N ≥ 1) the container's namespace does not have yet. */
export function freeEthIndex(pid: number): number {
  try {
    return insideNetns(pid, (sock) => {
      let k = 1;
      while (linkPresent(sock, `eth${k}`)) k++;
      return k;
    });
  } catch (e) {
    throw e instanceof UserError ? e : new UserError(`cannot look into the container's network namespace: ${(e as Error).message}`, 1);
  }
}

function linkPresent(sock: RouteSocket, name: string): boolean {
  try {
    linkIndex(sock, name);
    return true;
  } catch (e) {
    if (e instanceof NetlinkError && e.code === 'ENODEV') return false;
    throw e;
  }
}

/** `network disconnect`: the container's end of a veth goes (and the pair with it); a container gone meanwhile has none. */
export function deleteContainerLink(pid: number, ifname: string): void {
  try {
    insideNetns(pid, (sock) => deleteLink(sock, ifname));
  } catch { /* the process or the link is gone already: nothing left to delete */ }
}

/** Undo attachContainer: rules, veth, address (the idle default bridge and our chains stay: releaseIdle). */
export function detachContainer(root: string, containerId: string): void {
  withNetLock((s) => {
    for (const l of s.leases.filter((x) => x.containerId === containerId && x.root === root)) dropLease(s, l);
    sweepDeadLeases(s);
    releaseIdle(s, false);
  });
}

/** `network disconnect`: one interface's lease, veth and rules (the rest of the container stays attached). */
export function releaseEndpoint(root: string, containerId: string, hostVeth: string): void {
  withNetLock((s) => {
    for (const l of s.leases.filter((x) => x.containerId === containerId && x.root === root && x.hostVeth === hostVeth)) dropLease(s, l);
    sweepDeadLeases(s);
    releaseIdle(s, false);
  });
}

/**
 * Crash clean-up: leases of dead supervisors. With `giveBack` (`system prune`, `network prune`)
 * also the idle default bridge and, with no lease left, our chains and ip_forward (releaseIdle).
 */
export function sweepNetwork(opts: { giveBack?: boolean } = {}): void {
  const giveBack = opts.giveBack === true;
  // A first look without the lock (the file is replaced atomically): usually there is nothing
  // to do, and a read-only command should not queue behind a container's network setup.
  if (!sweepHasWork(readHostNetState(), giveBack)) return;
  withNetLock((s) => {
    sweepDeadLeases(s);
    releaseIdle(s, giveBack);
  });
}

/** Addresses in use (on one bridge), read without the lock (the file is replaced atomically). */
export function leasesOf(bridge?: string): Lease[] {
  return readHostNetState().leases.filter((l) => bridge === undefined || l.bridge === bridge);
}

/** Subnets the host state knows (for choosing a free one). */
export function knownSubnets(): string[] {
  return Object.values(readHostNetState().bridges).map((b) => b.subnet);
}
