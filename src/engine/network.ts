/**
 * The engine's side of networking: which network a container is on (from its record), its
 * host ports reserved by the userland proxy before it starts, its eth0 set up at the
 * runtime's onNamespaces hook (the init has its namespaces but the program has not started),
 * with eth1… for networks connected while it was stopped, and all of it undone after the exit.
 */
import { join } from 'node:path';
import { paths } from '../paths';
import { UserError } from '../errors';
import { writeFileAtomic } from '../fsutil';
import { attachContainer, deleteContainerLink, detachContainer, freeEthIndex, hostVethName, releaseEndpoint, type Endpoint, type NetworkDef } from '../network/bridge';
import { withStateLock } from '../lock';
import type { PortProxy } from '../network/proxy';
import type { PortBinding } from '../network/ports';
import { inSubnet, parseSubnet } from '../network/ipam';
import type { ContainerNetwork } from '../network/schema';
import type { EmbeddedDns } from '../network/dns';
import { leasesOf } from '../network/bridge';
import { applyDnsOptions, containerResolvConf } from './etc-files';
import { dnsWithDefaults } from './daemon-defaults';
import { loadDaemonConfig, type DaemonConfig } from '../image/registry/config';
import { hostsFile } from './etc-files';
import { writeLinkEnv } from './link-env';
import { defaultNetwork } from './daemon-defaults';
import { isUserNetwork, liveConnections, stateRootKey, usesBridge } from './network-settings';
import { findContainer, isRunning, processStartTime, updateContainer, type ContainerRecord } from './container-store';
import { isRootless } from './rootless-run';
import type { SlirpProcess } from '../network/slirp';
import { lazy } from '../lazy';

export type { ContainerNetwork };
export { isUserNetwork, liveConnections, networkSettings, usesBridge } from './network-settings';

// Modules only some containers need (src/lazy.ts): a container on the default bridge with no
// published port loads none of them — user networks, their DNS, the port proxy, macvlan/ipvlan,
// slirp4netns (rootless).
const userNetworks = lazy(() => require('../network/user-networks') as typeof import('../network/user-networks'));
const proxy = lazy(() => require('../network/proxy') as typeof import('../network/proxy'));
const dnsServer = lazy(() => require('../network/dns') as typeof import('../network/dns'));
const macvlan = lazy(() => require('../network/macvlan') as typeof import('../network/macvlan'));
const slirp = lazy(() => require('../network/slirp') as typeof import('../network/slirp'));
const findNetwork = (ref: string) => userNetworks().findNetwork(ref);
const toNetworkDef: typeof import('../network/user-networks').toNetworkDef = (n) => userNetworks().toNetworkDef(n);

export function networkDef(mode: string): NetworkDef {
  if (!isUserNetwork(mode)) return defaultNetwork();
  const n = findNetwork(mode);
  if (!n) throw new UserError(`network ${mode} not found`, 125);
  return toNetworkDef(n);
}

export { stateRootKey };

/** What the supervisor holds for one life of a container: the proxy, then the endpoint. */
export class ContainerNetworking {
  private proxy: PortProxy | null = null;
  private dns: EmbeddedDns | null = null;
  private ports: PortBinding[] = [];
  /** The network, found once by prepare(). */
  private net: NetworkDef | null = null;
  endpoint: Endpoint | null = null;
  /** Rootless: the default network is slirp4netns's (network/slirp.ts), not the bridge. */
  private slirp: SlirpProcess | null = null;

  constructor(private readonly rec: ContainerRecord) {}

  get active(): boolean {
    return usesBridge(this.rec.hostConfig.NetworkMode);
  }

  private get throughSlirp(): boolean {
    return this.active && isRootless();
  }

  /** Before the start: reserve the host ports (the proxy listens on them). */
  async prepare(): Promise<void> {
    if (!this.active) return;
    if (this.throughSlirp) return this.reserveForSlirp();
    this.net = networkDef(this.rec.hostConfig.NetworkMode);
    if (this.rec.network.links.length) writeLinkEnv(this.rec, linkedContainers(this.rec));
    const wanted = this.rec.network.ports;
    if (wanted.length) {
      this.proxy = new (proxy().PortProxy)();
      this.ports = await this.proxy.listen(wanted);
    }
  }

  /** At onNamespaces (synchronous): eth0, address, route, DNAT rules; /etc/hosts gets our address. */
  attach(pid: number): Endpoint | null {
    if (!this.active) return null;
    if (this.throughSlirp) return this.attachSlirp(pid);
    const rec = this.rec;
    const net = this.net ?? networkDef(rec.hostConfig.NetworkMode);
    const user = isUserNetwork(rec.hostConfig.NetworkMode);
    const request = {
      root: stateRootKey(), containerId: rec.id, pid, net,
      ip: rec.network.ip, mac: rec.network.mac, ports: this.ports,
      monitor: { pid: process.pid, startTime: processStartTime(process.pid) ?? '' },
      names: user ? containerNames(rec, rec.network.aliases) : [],
      upstreams: user ? dnsOf(rec).dns : [],
    };
    // macvlan/ipvlan (network/macvlan.ts): a sub-interface of the parent, no bridge, no embedded DNS.
    const sub = net.driver === 'macvlan' || net.driver === 'ipvlan' ? net.driver : null;
    this.endpoint = sub ? macvlan().attachSubinterface({ ...request, net: { ...net, driver: sub, options: net.options ?? {} } }) : attachContainer(request);
    if (this.proxy) this.proxy.target = this.endpoint.ip;
    if (rec.network.pending.length) this.attachPending(pid);
    if (user && !sub) {
      // The embedded DNS on the gateway address; the container's resolv.conf points at it.
      const bridge = net.bridge;
      // Only this network's containers are answered: a source inside its subnet, not the host's own gateway address.
      const subnet = parseSubnet(net.subnet);
      const gateway = net.gateway;
      this.dns = new (dnsServer().EmbeddedDns)((name, from) => dnsLookup(bridge, name, from), (from) => from !== gateway && inSubnet(subnet, from), (from) => dnsUpstreams(bridge, from));
      this.dns.start(net.gateway);
      // As docker's: the nameserver stays the embedded DNS even with --dns (those servers become
      // its upstreams, in the lease), so the network's names resolve whatever --dns says.
      const resolv = applyDnsOptions(containerResolvConf(false), [net.gateway], dnsOf(rec).dnsSearch);
      writeFileAtomic(join(paths.container(rec.id), 'resolv.conf'), resolv);
    }
    // Like docker: the container's own name resolves to its address (bind-mounted after this hook).
    writeFileAtomic(join(paths.container(rec.id), 'hosts'), hostsFile({
      self: { ip: this.endpoint.ip, names: [rec.config.Hostname] },
      extra: rec.network.extraHosts, links: resolveLinks(rec),
    }));
    return this.endpoint;
  }

  /**
   * Rootless, before the start: the host ports are reserved as root's are (a listening socket of
   * ours, with Docker's 'port is already allocated' line), and a port left open (-p 8080, -P) is
   * the kernel's pick, as Docker's. slirp4netns binds them itself later: attachSlirp hands each
   * over (our socket closed at once — close(2) is synchronous — then slirp's add_hostfwd).
   */
  private async reserveForSlirp(): Promise<void> {
    const wanted = this.rec.network.ports;
    if (!wanted.length) return;
    this.proxy = new (proxy().PortProxy)(); // target stays null: nothing is served, the ports are only held
    this.ports = await this.proxy.listen(wanted);
  }

  /**
   * Rootless: tap0 through slirp4netns (started now, while the init waits), -p as its host
   * forwards, resolv.conf naming its DNS forwarder (unless --dns), /etc/hosts our address.
   */
  private attachSlirp(pid: number): Endpoint {
    const rec = this.rec;
    const dir = paths.container(rec.id);
    const { addHostForward, SLIRP, startSlirp } = slirp();
    this.slirp = startSlirp(pid, dir);
    this.proxy?.close(); // the reserved ports, given to slirp4netns right below
    this.proxy = null;
    const ports = this.ports.map((p) => addHostForward(this.slirp!, p));
    const dns = dnsOf(rec);
    writeFileAtomic(join(dir, 'resolv.conf'), applyDnsOptions(containerResolvConf(false), dns.dns.length ? dns.dns : [SLIRP.dns], dns.dnsSearch));
    writeFileAtomic(join(dir, 'hosts'), hostsFile({ self: { ip: SLIRP.ip, names: [rec.config.Hostname] }, extra: rec.network.extraHosts }));
    this.endpoint = { network: 'bridge', bridge: 'slirp4netns', ip: SLIRP.ip, prefixLen: SLIRP.prefixLen, gateway: SLIRP.gateway, mac: '', hostVeth: '', ports };
    return this.endpoint;
  }

  /** Networks connected while the container was stopped: eth1, eth2, … now, recorded as connected. */
  private attachPending(pid: number): void {
    const rec = this.rec;
    const connected: ContainerNetwork['connected'] = [];
    rec.network.pending.forEach((p, i) => {
      const net = resolveNetworkRef(p.network, 125);
      const k = i + 1;
      const hostVeth = `${hostVethName(rec.id)}-${k}`;
      const endpoint = attachContainer({
        root: stateRootKey(), containerId: rec.id, pid, net, ip: p.ip, ports: [],
        monitor: { pid: process.pid, startTime: processStartTime(process.pid) ?? '' },
        names: net !== defaultNetwork() ? containerNames(rec, p.aliases) : [],
        upstreams: net !== defaultNetwork() ? dnsOf(rec).dns : [],
        extra: { ifname: `eth${k}`, hostVeth },
      });
      connected.push({ ...endpoint, ifname: `eth${k}`, aliases: p.aliases, ...(p.ip !== undefined ? { requestedIp: p.ip } : {}) });
    });
    updateContainer(rec.id, (r) => {
      r.network.connected = connected;
      r.network.pending = [];
    });
  }

  /** After the exit (or a failed start): everything undone. */
  detach(): void {
    this.dns?.close();
    this.dns = null;
    this.proxy?.close();
    this.proxy = null;
    if (this.slirp) slirp().stopSlirp(this.slirp);
    this.slirp = null;
    if (this.active && !isRootless()) detachContainer(stateRootKey(), this.rec.id);
    this.endpoint = null;
  }
}

/**
 * The embedded DNS's answer: names of containers on any network the asking container is on
 * (it may be connected to several: `network connect`), or of this network if the asker is unknown.
 */
/**
 * The container's resolvers and search domains: its --dns/--dns-search, else the config file's
 * (read now, as dockerd applies its daemon.json at start). A config made unreadable since the
 * container was created leaves the flags alone, rather than failing the start.
 */
function dnsOf(rec: ContainerRecord): { dns: string[]; dnsSearch: string[] } {
  let config: Pick<DaemonConfig, 'dns' | 'dns-search'> = {};
  try { config = loadDaemonConfig(); } catch { /* checked at create; keep the flags */ }
  return dnsWithDefaults(rec.network.dns, rec.network.dnsSearch, config);
}

/** The upstream resolvers of the container at this address on this bridge (none: the host's). */
export function dnsUpstreams(bridge: string, from: string): string[] {
  return leasesOf().find((l) => l.bridge === bridge && l.ip === from)?.upstreams ?? [];
}

export function dnsLookup(bridge: string, name: string, from: string): string[] | null {
  const all = leasesOf();
  const me = all.find((l) => l.bridge === bridge && l.ip === from);
  const bridges = new Set(me ? all.filter((l) => l.containerId === me.containerId && l.root === me.root).map((l) => l.bridge) : [bridge]);
  const ips = all.filter((l) => bridges.has(l.bridge) && l.names.includes(name)).map((l) => l.ip);
  return ips.length ? [...new Set(ips)] : null;
}

/** The connected networks whose lease still exists (a life of the container ended: they went with it). */
/**
 * The container has exited: the networks it was connected to become pending again, to be
 * attached at its next start with the same aliases (and the --ip asked for, if any), as docker
 * keeps a container's networks across restarts. Their leases are released with the rest.
 */
export function keepConnectionsForNextStart(r: ContainerRecord): void {
  const again = r.network.connected
    .filter((c) => !r.network.pending.some((p) => p.network === c.network))
    .map((c) => ({ network: c.network, aliases: c.aliases, ...(c.requestedIp !== undefined ? { ip: c.requestedIp } : {}) }));
  r.network.pending = [...again, ...r.network.pending];
  r.network.connected = [];
}

function primaryNetworkName(rec: ContainerRecord): string {
  const mode = rec.hostConfig.NetworkMode;
  return isUserNetwork(mode) ? findNetwork(mode)?.Name ?? mode : 'bridge';
}

function resolveNetworkRef(ref: string, exitCode = 1): NetworkDef {
  if (ref === 'bridge' || ref === defaultNetwork().bridge) return defaultNetwork();
  if (ref === 'host' || ref === 'none') throw new UserError(`container cannot be disconnected from host network or connected to host network`, exitCode);
  const n = findNetwork(ref);
  if (!n) throw new UserError(`network ${ref} not found`, exitCode);
  if (n.Driver !== 'bridge') throw new UserError(`network ${n.Name} is a ${n.Driver} network: mini-run attaches ${n.Driver} networks with run --network only, not connect`, exitCode);
  return toNetworkDef(n);
}

/** The names the embedded DNS answers for a container on a user network. */
function containerNames(rec: ContainerRecord, aliases: readonly string[]): string[] {
  return [rec.name, rec.id.slice(0, 12), rec.config.Hostname, ...aliases].map((n) => n.toLowerCase());
}

/** `network connect [--alias A] [--ip X] NETWORK CONTAINER`: one more veth (ethN) in the running container. */
export function connectNetwork(netRef: string, containerRef: string, o: { aliases?: string[]; ip?: string } = {}): void {
  // Under the state lock: two connects of one container must not pick the same ethN, nor lose a record update.
  withStateLock(() => connectLocked(netRef, containerRef, o));
}

function connectLocked(netRef: string, containerRef: string, o: { aliases?: string[]; ip?: string }): void {
  const net = resolveNetworkRef(netRef);
  const rec = findContainer(containerRef);
  const user = net !== defaultNetwork();
  if (!usesBridge(rec.hostConfig.NetworkMode)) throw new UserError('container sharing network namespace with another container or host cannot be connected to any other network', 1);
  if ((o.aliases ?? []).length && !user) throw new UserError('network-scoped alias is supported only for containers in user defined networks', 1);
  const running = isRunning(rec);
  const live = running ? liveConnections(rec) : [];
  if (primaryNetworkName(rec) === net.name || live.some((c) => c.network === net.name) || (!running && rec.network.pending.some((p) => p.network === net.name))) {
    throw new UserError(`endpoint with name ${rec.name} already exists in network ${net.name}`, 1);
  }
  if (o.ip !== undefined && !inSubnet(parseSubnet(net.subnet), o.ip)) throw new UserError(`invalid IP address ${o.ip}: not in the subnet ${net.subnet} of network ${net.name}`, 1);
  if (!running) {
    // Stopped (or created): attached at the next start, like docker.
    updateContainer(rec.id, (r) => {
      r.network.pending = [...r.network.pending, { network: net.name, aliases: o.aliases ?? [], ...(o.ip !== undefined ? { ip: o.ip } : {}) }];
    });
    return;
  }
  const pid = rec.state.Pid;
  const k = freeEthIndex(pid);
  const hostVeth = `${hostVethName(rec.id)}-${k}`; // 13 characters
  const aliases = o.aliases ?? [];
  const endpoint = attachContainer({
    root: stateRootKey(), containerId: rec.id, pid, net, ip: o.ip, ports: [],
    monitor: rec.monitor ?? { pid: process.pid, startTime: processStartTime(process.pid) ?? '' },
    names: user ? containerNames(rec, aliases) : [],
    upstreams: user ? dnsOf(rec).dns : [],
    extra: { ifname: `eth${k}`, hostVeth },
  });
  updateContainer(rec.id, (r) => {
    r.network.connected = [...live.filter((c) => c.hostVeth !== hostVeth), { ...endpoint, ifname: `eth${k}`, aliases, ...(o.ip !== undefined ? { requestedIp: o.ip } : {}) }];
  });
}

/** `network disconnect [-f] NETWORK CONTAINER`: its ethN, address and DNS names go. */
export function disconnectNetwork(netRef: string, containerRef: string, force = false): void {
  withStateLock(() => disconnectLocked(netRef, containerRef, force));
}

function disconnectLocked(netRef: string, containerRef: string, force: boolean): void {
  let net: NetworkDef;
  try {
    net = resolveNetworkRef(netRef);
  } catch (e) {
    if (force && (e as Error).message.includes('not found')) {
      // a network removed since a stopped container was connected to it: forget it
      const rec = findContainer(containerRef);
      updateContainer(rec.id, (r) => { r.network.pending = r.network.pending.filter((p) => p.network !== netRef); });
      return;
    }
    throw e;
  }
  const rec = findContainer(containerRef);
  if (!isRunning(rec) && rec.network.pending.some((p) => p.network === net.name)) {
    updateContainer(rec.id, (r) => { r.network.pending = r.network.pending.filter((p) => p.network !== net.name); });
    return;
  }
  const live = liveConnections(rec);
  const c = live.find((x) => x.network === net.name);
  if (!c) {
    if (isRunning(rec) && primaryNetworkName(rec) === net.name) {
      throw new UserError(`container ${rec.name} was started on network ${net.name}: mini-run disconnects only networks added with network connect`, 1);
    }
    throw new UserError(`container ${rec.id} is not connected to network ${net.name}`, 1);
  }
  // Deleting the container's end destroys the pair; the host end and the lease go with releaseEndpoint.
  if (isRunning(rec)) deleteContainerLink(rec.state.Pid, c.ifname);
  releaseEndpoint(stateRootKey(), rec.id, c.hostVeth);
  updateContainer(rec.id, (r) => { r.network.connected = live.filter((x) => x !== c); });
}

/** --link NAME[:ALIAS]: the linked containers (running on the bridge) and their addresses. */
function linkedContainers(rec: ContainerRecord): { alias: string; name: string; child: ContainerRecord; ip: string }[] {
  return rec.network.links.map((l) => {
    const [name, alias] = l.split(':');
    const child = findContainer(name);
    const ip = child.network.endpoint?.ip;
    if (!ip) throw new UserError(`Cannot link to ${name}: the container is not running on a bridge network`, 125);
    return { alias: alias ?? name, name, child, ip };
  });
}

/** --link NAME[:ALIAS] on the default bridge: hosts lines for the linked containers' addresses. */
export function resolveLinks(rec: ContainerRecord): { ip: string; names: string[] }[] {
  return linkedContainers(rec).map((l) => ({ ip: l.ip, names: [...new Set([l.alias, l.name, l.child.config.Hostname])] }));
}

export function releaseContainerNetwork(id: string): void {
  try {
    detachContainer(stateRootKey(), id);
  } catch {
    /* nothing held */
  }
}

// (networkRecordFor: engine/network-record.ts, which a `--network none` run loads without this module)
export { networkRecordFor } from './network-record';
