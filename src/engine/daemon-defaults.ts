/**
 * The config file's container defaults, applied as dockerd applies its daemon.json ones:
 * `dns` / `dns-search` stand in when run has no --dns / --dns-search, and `default-ulimits`
 * sit under the container's own --ulimit (a --ulimit of the same name wins). Like Docker's,
 * they reach the container (its resolv.conf, its spec's process.rlimits) but not its
 * HostConfig: `inspect` shows what the user asked for. `bip` and `default-address-pools`
 * give the default bridge its address (defaultNetwork) and user networks their subnets.
 */
import { UserError } from '../errors';
import { configFile, loadDaemonConfig, type DaemonConfig } from '../image/registry/config';
import type { NetworkDef } from '../network/bridge';
import type { Subnet } from '../network/ipam';
import { lazy } from '../lazy';

// The default bridge's address (a bridged run's, at the attach) and the config's default-ulimits only.
const ipam = lazy(() => require('../network/ipam') as typeof import('../network/ipam'));
const ulimits = lazy(() => require('./ulimits') as typeof import('./ulimits'));
const bridgeMod = lazy(() => require('../network/bridge') as typeof import('../network/bridge'));
const userNetworks = lazy(() => require('../network/user-networks') as typeof import('../network/user-networks'));

export type Rlimit = { type: string; soft: number; hard: number };

/** The container's rlimits: the config's defaults, then its own --ulimit ones over them. */
export function rlimitsWithDefaults(own: Rlimit[] | undefined, config: DaemonConfig): Rlimit[] {
  const defaults = Object.entries(config['default-ulimits'] ?? {}).map(([name, u]) => {
    const where = `the configuration file ${configFile()} is invalid: "default-ulimits.${name}"`;
    if (u.Name !== undefined && u.Name !== name) throw new UserError(`${where}: its Name is "${u.Name}"`, 125);
    try {
      return ulimits().parseUlimit(`${name}=${u.Soft}:${u.Hard}`);
    } catch (e) {
      // parseUlimit speaks of the --ulimit flag; here the value came from the file
      throw new UserError(`${where}: ${(e as Error).message.replace(/^invalid argument .*? flag: /, '')}`, 125);
    }
  });
  const mine = own ?? [];
  return [...defaults.filter((d) => !mine.some((m) => m.type === d.type)), ...mine];
}

/** resolv.conf's nameservers and search domains: the flags, else the config's, else none (the host's). */
export function dnsWithDefaults(dns: string[] | undefined, dnsSearch: string[] | undefined, config: Pick<DaemonConfig, 'dns' | 'dns-search'>): { dns: string[]; dnsSearch: string[] } {
  return {
    dns: dns?.length ? dns : config.dns ?? [],
    dnsSearch: dnsSearch?.length ? dnsSearch : config['dns-search'] ?? [],
  };
}

/** The default bridge's own address (its gateway) and subnet. */
export interface BridgeAddress { subnet: string; gateway: string }

/**
 * Which address the default bridge has, in dockerd's order: the config file's `bip`; else (no
 * bip) the address the bridge has now, if it exists — dockerd keeps docker0's; else the first
 * free subnet of `default-address-pools`; else 10.88.0.0/16. MINI_RUN_BRIDGE_SUBNET (a test's
 * isolated bridge) stands for "the bridge as it is" and the built-in default.
 */
export function defaultBridgeAddress(config: DaemonConfig, o: { existing?: BridgeAddress; fromEnv: boolean; builtIn: BridgeAddress; used: () => Subnet[] }): BridgeAddress {
  if (config.bip) {
    const [gateway] = config.bip.split('/');
    return { subnet: ipam().formatSubnet(ipam().parseSubnet(config.bip)), gateway };
  }
  if (o.fromEnv) return o.builtIn;
  if (o.existing) return o.existing;
  const pools = config['default-address-pools'];
  if (!pools?.length) return o.builtIn;
  const free = ipam().firstFreeSubnet(pools, o.used());
  if (!free) throw new UserError(`could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network (the configuration file ${configFile()}'s "default-address-pools")`, 125);
  return { subnet: ipam().formatSubnet(free), gateway: ipam().intToIp(free.base + 1) };
}

let chosen: NetworkDef | null = null;

/** The default network ("bridge", on mini-run0) with the address the config file gives it; one object per process. */
export function defaultNetwork(): NetworkDef {
  if (chosen) return chosen;
  // (the bridge's module and the user networks' loaded here: `run` loads this module, a `--network none` one needs neither)
  const { bridgeAddress, DEFAULT_ADDRESS_FROM_ENV, DEFAULT_NETWORK } = bridgeMod();
  const { usedSubnets } = userNetworks();
  const address = defaultBridgeAddress(loadDaemonConfig(), {
    existing: bridgeAddress(DEFAULT_NETWORK.bridge), fromEnv: DEFAULT_ADDRESS_FROM_ENV,
    builtIn: { subnet: DEFAULT_NETWORK.subnet, gateway: DEFAULT_NETWORK.gateway }, used: () => usedSubnets(),
  });
  chosen = address.subnet === DEFAULT_NETWORK.subnet && address.gateway === DEFAULT_NETWORK.gateway ? DEFAULT_NETWORK : { ...DEFAULT_NETWORK, ...address };
  return chosen;
}

/** `network create`'s subnet choices from the config file: its pools, and the default bridge's subnet to keep clear of. */
export function networkCreateDefaults(): { pools?: { base: string; size: number }[]; reserved: string[] } {
  return { pools: loadDaemonConfig()['default-address-pools'], reserved: [defaultNetwork().subnet] };
}
