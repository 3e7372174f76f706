/**
 * User-defined networks (`network create NAME`): one bridge each (`mr-br-<hash>`), a subnet
 * of its own, and names answered by the embedded DNS. Their definitions belong to the state
 * root (ROOT/network/networks.json, under the state lock); the bridge device is created at
 * `network create` and stays until `network rm`, like docker's.
 */
import { randomBytes } from '../sys/random';
import { resolve } from 'node:path';
import { paths } from '../paths';
import { withStateLock } from '../lock';
import { writeFileAtomic } from '../fsutil';
import { UserError } from '../errors';
import { runCommand } from '../sys/command';
import { firstFreeSubnet, formatSubnet, inSubnet, intToIp, parseSubnet, subnetSize, type Subnet } from './ipam';
import { checkSubinterfaceOptions } from './macvlan';
import { recordEvent } from '../events';
import { findNetwork, listNetworks, networksFile, RESERVED, type NetworkRecord } from './network-records';
import { DEFAULT_NETWORK, ensureUserBridge, knownSubnets, leasesOf, removeBridge, type NetworkDef } from './bridge';
import { lazy } from '../lazy';
import { isoTime } from '../utc-time';

const crypto = lazy(() => require('node:crypto') as typeof import('node:crypto'));

export { listNetworks, RESERVED, PREDEFINED_NETWORKS, predefinedNetworkId, findPredefined, findNetwork } from './network-records';
export type { NetworkRecord } from './network-records';

function saveNetworks(list: NetworkRecord[]): void {
  writeFileAtomic(networksFile(), JSON.stringify(list, null, 2) + '\n');
}

export function toNetworkDef(n: NetworkRecord): NetworkDef {
  return { name: n.Name, bridge: n.Bridge, subnet: n.Subnet, gateway: n.Gateway, internal: n.Internal, persistent: true, ...(n.IPRange ? { ipRange: n.IPRange } : {}), driver: n.Driver, options: n.Options };
}

function overlaps(a: Subnet, b: Subnet): boolean {
  return a.base < b.base + subnetSize(b) && b.base < a.base + subnetSize(a);
}

/** Subnets in use on this host: ours (every root), the default bridge's, and the host's routes. */
function ourSubnets(reserved: string[] = []): Subnet[] {
  return [DEFAULT_NETWORK.subnet, ...reserved, ...listNetworks().map((n) => n.Subnet)].map((c) => parseSubnet(c));
}

export function usedSubnets(reserved: string[] = []): Subnet[] {
  const routes = runCommand(['ip', '-o', '-4', 'route', 'show'], { allowFailure: true }).stdout.split('\n')
    .map((l) => l.split(' ')[0]).filter((d) => /^\d+\.\d+\.\d+\.\d+\/\d+$/.test(d));
  return [DEFAULT_NETWORK.subnet, ...reserved, ...knownSubnets(), ...listNetworks().map((n) => n.Subnet), ...routes]
    .map((c) => { try { return parseSubnet(c); } catch { return null; } }).filter((s): s is Subnet => s !== null);
}

export interface CreateNetworkOptions {
  subnet?: string; gateway?: string; ipRange?: string; internal?: boolean; driver?: string; labels?: Record<string, string>; options?: Record<string, string>;
  /** Where a subnet is taken from when none is given (the config file's default-address-pools). */
  pools?: { base: string; size: number }[];
  /** Subnets to keep clear of besides those in use (the default bridge's configured one). */
  reserved?: string[];
}

/** User networks' subnets without default-address-pools: 10.89.N.0/24. */
const DEFAULT_POOLS = [{ base: '10.89.0.0/16', size: 24 }];

export function createNetwork(name: string, o: CreateNetworkOptions): NetworkRecord {
  const driver = o.driver ?? 'bridge';
  if (driver !== 'bridge' && driver !== 'macvlan' && driver !== 'ipvlan') throw new UserError(`plugin "${o.driver}" not found: mini-run has the bridge, macvlan and ipvlan drivers`, 1);
  // macvlan/ipvlan: the parent must exist; the subnet is the parent's segment, which the host's
  // own routes may well cover (only other mini-run networks count as a clash).
  const options = driver === 'bridge' ? {} : checkSubinterfaceOptions(driver, o.options ?? {});
  if (driver === 'bridge' && o.options && Object.keys(o.options).length) throw new UserError(`the bridge driver takes no -o options in mini-run (${Object.keys(o.options).join(', ')})`, 1);
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(name)) throw new UserError(`invalid network name "${name}"`, 1);
  if (RESERVED.has(name)) throw new UserError(`network name ${name} is reserved`, 1);
  return withStateLock(() => {
    if (findNetwork(name)?.Name === name) throw new UserError(`network with name ${name} already exists`, 1);
    let subnet: Subnet;
    if (o.subnet) {
      subnet = parseSubnet(o.subnet);
      const clash = (driver === 'bridge' ? usedSubnets(o.reserved) : ourSubnets(o.reserved)).find((u) => overlaps(u, subnet));
      if (clash) throw new UserError(`invalid pool request: Pool overlaps with other one on this address space (${formatSubnet(clash)})`, 1);
    } else {
      const found = firstFreeSubnet(o.pools?.length ? o.pools : DEFAULT_POOLS, usedSubnets(o.reserved));
      if (!found) throw new UserError('could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network', 1);
      subnet = found;
    }
    const range = o.ipRange ? parseSubnet(o.ipRange) : null;
    if (range && (!inSubnet(subnet, intToIp(range.base)) || range.prefix < subnet.prefix)) throw new UserError(`no matching subnet for range ${o.ipRange}`, 1);
    // Docker's default gateway is the first address it hands out: of the range, if one is given.
    const gateway = o.gateway ?? intToIp(Math.max(subnet.base + 1, range?.base ?? 0));
    if (!inSubnet(subnet, gateway)) throw new UserError(`no matching subnet for gateway ${gateway}`, 1);
    const id = randomBytes(32).toString('hex');
    // (node:crypto only here, at `network create`: `run` reads network records without hashing)
    const { createHash } = crypto();
    const bridge = `${driver === 'bridge' ? 'mr-br' : 'mr-mv'}-${createHash('sha256').update(`${resolve(paths.root())}\0${id}`).digest('hex').slice(0, 8)}`;
    const rec: NetworkRecord = {
      Name: name, Id: id, Created: isoTime(), Driver: driver, Options: options, Subnet: formatSubnet(subnet), Gateway: gateway,
      ...(o.ipRange ? { IPRange: o.ipRange } : {}), GatewayListed: !o.subnet || !!o.gateway, Internal: !!o.internal, Bridge: bridge, Labels: o.labels ?? {},
    };
    if (driver === 'bridge') ensureUserBridge(toNetworkDef(rec));
    saveNetworks([...listNetworks(), rec]);
    recordEvent('network', 'create', id, { name, type: driver });
    return rec;
  });
}

export function removeNetwork(ref: string): NetworkRecord {
  if (RESERVED.has(ref)) throw new UserError(`${ref} is a pre-defined network and cannot be removed`, 1);
  return withStateLock(() => {
    const n = findNetwork(ref);
    if (!n) throw new UserError(`network ${ref} not found`, 1);
    if (leasesOf(n.Bridge).length) throw new UserError(`error while removing network: network ${n.Name} id ${n.Id} has active endpoints`, 1);
    removeBridge(n.Bridge);
    saveNetworks(listNetworks().filter((x) => x.Id !== n.Id));
    recordEvent('network', 'destroy', n.Id, { name: n.Name, type: n.Driver });
    return n;
  });
}
