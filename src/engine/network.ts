/**
 * The engine's side of networking: which network a container is on (from its record), its
 * host ports reserved by the userland proxy before it starts, its eth0 set up at the
 * runtime's onNamespaces hook (the init has its namespaces but the program has not started),
 * and all of it undone after the exit.
 */
import { join, resolve } from 'node:path';
import { paths } from '../paths';
import { UserError } from '../errors';
import { writeFileAtomic } from '../fsutil';
import { attachContainer, detachContainer, DEFAULT_NETWORK, sweepNetwork, type Endpoint, type NetworkDef } from '../network/bridge';
import { PortProxy } from '../network/proxy';
import { exposedBindings, portsMap, type PortBinding } from '../network/ports';
import { inSubnet, parseSubnet } from '../network/ipam';
import { ContainerNetwork } from '../network/schema';
import { findNetwork, toNetworkDef } from '../network/user-networks';
import { EmbeddedDns } from '../network/dns';
import { leasesOf } from '../network/bridge';
import { applyDnsOptions, containerResolvConf } from './etc-files';
import type { RunOptions } from './run-options';
import type { ImageConfig } from '../image/store';
import { hostsFile } from './etc-files';
import { processStartTime, type ContainerRecord } from './container-store';

export { ContainerNetwork };

/** Is this network mode one that gets a veth on a bridge (the default one or a user network)? */
export function usesBridge(mode: string): boolean {
  return mode !== 'none' && mode !== 'host' && !mode.startsWith('container:') && mode !== '';
}

export function isUserNetwork(mode: string): boolean {
  return usesBridge(mode) && mode !== 'bridge' && mode !== 'default';
}

export function networkDef(mode: string): NetworkDef {
  if (!isUserNetwork(mode)) return DEFAULT_NETWORK;
  const n = findNetwork(mode);
  if (!n) throw new UserError(`network ${mode} not found`, 125);
  return toNetworkDef(n);
}

export const stateRootKey = () => resolve(paths.root());

/** What the supervisor holds for one life of a container: the proxy, then the endpoint. */
export class ContainerNetworking {
  private proxy: PortProxy | null = null;
  private dns: EmbeddedDns | null = null;
  private ports: PortBinding[] = [];
  endpoint: Endpoint | null = null;

  constructor(private readonly rec: ContainerRecord) {}

  get active(): boolean {
    return usesBridge(this.rec.hostConfig.NetworkMode);
  }

  /** Before the start: reserve the host ports (the proxy listens on them). */
  async prepare(): Promise<void> {
    if (!this.active) return;
    networkDef(this.rec.hostConfig.NetworkMode);
    const wanted = this.rec.network.ports;
    if (wanted.length) {
      this.proxy = new PortProxy();
      this.ports = await this.proxy.listen(wanted);
    }
  }

  /** At onNamespaces (synchronous): eth0, address, route, DNAT rules; /etc/hosts gets our address. */
  attach(pid: number): Endpoint | null {
    if (!this.active) return null;
    const rec = this.rec;
    const net = networkDef(rec.hostConfig.NetworkMode);
    const user = isUserNetwork(rec.hostConfig.NetworkMode);
    this.endpoint = attachContainer({
      root: stateRootKey(), containerId: rec.id, pid, net,
      ip: rec.network.ip, mac: rec.network.mac, ports: this.ports,
      monitor: { pid: process.pid, startTime: processStartTime(process.pid) ?? '' },
      names: user ? [rec.name, rec.id.slice(0, 12), rec.config.Hostname, ...rec.network.aliases].map((n) => n.toLowerCase()) : [],
    });
    if (this.proxy) this.proxy.target = this.endpoint.ip;
    if (user) {
      // The embedded DNS on the gateway address; the container's resolv.conf points at it.
      const bridge = net.bridge;
      this.dns = new EmbeddedDns((name) => {
        const ips = leasesOf(bridge).filter((l) => l.names.includes(name)).map((l) => l.ip);
        return ips.length ? ips : null;
      });
      this.dns.start(net.gateway);
      const resolv = applyDnsOptions(containerResolvConf(false), rec.network.dns.length ? rec.network.dns : [net.gateway], rec.network.dnsSearch);
      writeFileAtomic(join(paths.container(rec.id), 'resolv.conf'), resolv);
    }
    // Like docker: the container's own name resolves to its address (bind-mounted after this hook).
    writeFileAtomic(join(paths.container(rec.id), 'hosts'), hostsFile({
      self: { ip: this.endpoint.ip, names: [rec.config.Hostname] },
      extra: rec.network.extraHosts, links: resolveLinks(rec),
    }));
    return this.endpoint;
  }

  /** After the exit (or a failed start): everything undone. */
  detach(): void {
    this.dns?.close();
    this.dns = null;
    this.proxy?.close();
    this.proxy = null;
    if (this.active) detachContainer(stateRootKey(), this.rec.id);
    this.endpoint = null;
  }
}

/** --link NAME[:ALIAS] on the default bridge: hosts lines for the linked containers' addresses. */
export function resolveLinks(rec: ContainerRecord): { ip: string; names: string[] }[] {
  if (!rec.network.links.length) return [];
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { findContainer } = require('./container-store') as typeof import('./container-store');
  return rec.network.links.map((l) => {
    const [name, alias] = l.split(':');
    const other = findContainer(name);
    const ip = other.network.endpoint?.ip;
    if (!ip) throw new UserError(`Cannot link to ${name}: the container is not running on a bridge network`, 125);
    return { ip, names: [...new Set([alias ?? name, name, other.config.Hostname])] };
  });
}

/** Crash clean-up hook for the stale sweep and `system prune`. */
export function sweepNetworkQuietly(): void {
  try {
    sweepNetwork();
  } catch {
    /* the network state is host-wide; a failure here must not stop the container command */
  }
}

export function releaseContainerNetwork(id: string): void {
  try {
    detachContainer(stateRootKey(), id);
  } catch {
    /* nothing held */
  }
}

/** At create: the record's network part from the flags (and -P from the image's EXPOSE); resolves container:NAME. */
export function networkRecordFor(opts: RunOptions, image: ImageConfig): ContainerNetwork {
  if (opts.network.startsWith('container:')) {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const { findContainer, isRunning } = require('./container-store') as typeof import('./container-store');
    const other = findContainer(opts.network.slice('container:'.length));
    if (!isRunning(other)) throw new UserError(`cannot join network of a non running container: ${other.name}`, 125);
    opts.networkNsPath = `/proc/${other.state.Pid}/ns/net`;
  }
  const ports = [...(opts.publish ?? []), ...(opts.publishAll ? exposedBindings(image.ExposedPorts) : [])];
  const net = usesBridge(opts.network) ? networkDef(opts.network) : null; // a user network must exist
  if (opts.ip !== undefined && net) {
    const s = parseSubnet(net.subnet);
    if (!inSubnet(s, opts.ip)) throw new UserError(`invalid --ip ${opts.ip}: not in the subnet ${net.subnet} of network ${net.name}`, 125);
  }
  if ((opts.networkAliases ?? []).length && !isUserNetwork(opts.network)) {
    throw new UserError('network-scoped alias is supported only for containers in user defined networks', 125);
  }
  if ((opts.links ?? []).length && isUserNetwork(opts.network)) {
    throw new UserError('--link is supported only on the default bridge; containers on a user network find each other by name', 125);
  }
  if (opts.macAddress !== undefined && !/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/i.test(opts.macAddress)) throw new UserError(`invalid --mac-address ${opts.macAddress}`, 125);
  return ContainerNetwork.parse({
    ports, ip: opts.ip, mac: opts.macAddress?.toLowerCase(), aliases: opts.networkAliases ?? [], links: opts.links ?? [], extraHosts: opts.addHosts ?? [],
    dns: opts.dns ?? [], dnsSearch: opts.dnsSearch ?? [],
  });
}

/** inspect's NetworkSettings, docker-shaped. */
export function networkSettings(rec: ContainerRecord): Record<string, unknown> {
  const mode = rec.hostConfig.NetworkMode;
  const ep = rec.network.endpoint;
  const base = { Ports: portsMap(ep?.ports ?? []), IPAddress: ep?.ip ?? '', IPPrefixLen: ep?.prefixLen ?? 0, Gateway: ep?.gateway ?? '', MacAddress: ep?.mac ?? '' };
  if (!usesBridge(mode)) return { ...base, Networks: mode.startsWith('container:') ? {} : { [mode]: {} } };
  const netName = isUserNetwork(mode) ? mode : 'bridge';
  return {
    ...base,
    Networks: {
      [netName]: {
        Aliases: rec.network.aliases.length ? rec.network.aliases : null,
        Links: rec.network.links.length ? rec.network.links : null,
        NetworkID: isUserNetwork(mode) ? findNetwork(mode)?.Id ?? '' : DEFAULT_NETWORK.bridge,
        EndpointID: ep ? ep.hostVeth : '',
        Gateway: ep?.gateway ?? '',
        IPAddress: ep?.ip ?? '',
        IPPrefixLen: ep?.prefixLen ?? 0,
        MacAddress: ep?.mac ?? '',
      },
    },
  };
}
