/**
 * What a container's networking looks like from outside: which modes use a bridge, the
 * connections that are live, and inspect's NetworkSettings. Reads records and the host's lease
 * file only, so `inspect` loads none of the code that makes bridges, rules, DNS or proxies
 * (network.ts, which re-exports these).
 */
import { resolve } from 'node:path';
import { paths } from '../paths';
import { goNilSlice, goStruct } from '../go-values';
import { portsMap } from '../network/ports';
import { readHostNetState } from '../network/host-state';
import { findNetwork, predefinedNetworkId } from '../network/network-records';
import type { ContainerNetwork } from '../network/schema';
import type { ContainerRecord } from './container-store';

export const stateRootKey = () => resolve(paths.root());

/** Is this network mode one that gets a veth on a bridge (the default one or a user network)? */
export function usesBridge(mode: string): boolean {
  return mode !== 'none' && mode !== 'host' && !mode.startsWith('container:') && mode !== '';
}

export function isUserNetwork(mode: string): boolean {
  return usesBridge(mode) && mode !== 'bridge' && mode !== 'default';
}

export function liveConnections(rec: ContainerRecord): ContainerNetwork['connected'] {
  const root = stateRootKey();
  const leases = readHostNetState().leases.filter((l) => l.containerId === rec.id && l.root === root);
  return rec.network.connected.filter((c) => leases.some((l) => l.hostVeth === c.hostVeth && l.ip === c.ip));
}

/** inspect's NetworkSettings, docker-shaped. */
export function networkSettings(rec: ContainerRecord): Record<string, unknown> {
  const mode = rec.hostConfig.NetworkMode;
  const ep = rec.network.endpoint;
  // While it runs, exposed ports that are not published show as {"80/tcp": null}, as Docker's.
  const ports: Record<string, unknown> = ep ? Object.fromEntries(Object.keys(rec.config.ExposedPorts).map((p) => [p, goNilSlice()])) : {};
  for (const [p, list] of Object.entries(portsMap(ep?.ports ?? []))) ports[p] = list.map((b) => goStruct(b));
  const base = { Ports: Object.fromEntries(Object.entries(ports).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))), IPAddress: ep?.ip ?? '', IPPrefixLen: ep?.prefixLen ?? 0, Gateway: ep?.gateway ?? '', MacAddress: ep?.mac ?? '' };
  if (!usesBridge(mode)) return { ...base, Networks: mode.startsWith('container:') ? {} : { [mode]: {} } };
  const netName = isUserNetwork(mode) ? mode : 'bridge';
  const networkId = (name: string) => (name === 'bridge' ? predefinedNetworkId('bridge') : findNetwork(name)?.Id ?? '');
  const extra = Object.fromEntries([
    // connected while stopped: no endpoint until the start (docker shows it with empty addresses too)
    ...rec.network.pending.map((p) => [p.network, {
      Aliases: p.aliases.length ? p.aliases : null, Links: null, NetworkID: networkId(p.network),
      EndpointID: '', Gateway: '', IPAddress: '', IPPrefixLen: 0, MacAddress: '',
    }]),
    ...liveConnections(rec).map((c) => [c.network, {
      Aliases: c.aliases.length ? c.aliases : null, Links: null, NetworkID: networkId(c.network),
      EndpointID: c.hostVeth, Gateway: c.gateway, IPAddress: c.ip, IPPrefixLen: c.prefixLen, MacAddress: c.mac,
    }]),
  ]);
  return {
    ...base,
    Networks: {
      ...extra,
      [netName]: {
        Aliases: rec.network.aliases.length ? rec.network.aliases : null,
        Links: rec.network.links.length ? rec.network.links : null,
        NetworkID: networkId(netName),
        EndpointID: ep ? ep.hostVeth : '',
        Gateway: ep?.gateway ?? '',
        IPAddress: ep?.ip ?? '',
        IPPrefixLen: ep?.prefixLen ?? 0,
        MacAddress: ep?.mac ?? '',
      },
    },
  };
}
