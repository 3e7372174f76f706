/**
 * The network part of a new container's record, from `run`/`create`'s flags: its own module so
 * that a container without a bridge (`--network none`, host, container:…) is created without
 * loading engine/network.ts and the bridge, firewall, DNS and slirp code behind it (≈ 130 kB of
 * `run`'s bundle part; docs/perf.md, "session 14: the last ms of run"). A bridged one loads
 * them here, as before.
 */
import { UserError } from '../errors';
import { exposedBindings, exposedPortsOf } from '../network/ports';
import type { ContainerNetwork } from '../network/schema';
import { checkContainerNetwork } from '../network/schema-check';
import type { ImageConfig } from '../image/store';
import type { RunOptions } from './run-options';
import { isUserNetwork, usesBridge } from './network-settings';
import { findContainer, isRunning } from './container-store';
import { isRootless } from './rootless-run';
import { lazy } from '../lazy';

/** zod, only to say what is wrong with what the generated check refused (lazy.ts). */
const schemas = lazy(() => require('../network/schema') as typeof import('../network/schema'));
const os = lazy(() => require('node:os') as typeof import('node:os'));
const networkMod = lazy(() => require('./network') as typeof import('./network'));
const ipam = lazy(() => require('../network/ipam') as typeof import('../network/ipam'));

/** At create: the record's network part from the flags (and -P from the image's EXPOSE); resolves container:NAME and the default hostname of host and container modes. */
export function networkRecordFor(opts: RunOptions, image: ImageConfig): ContainerNetwork {
  if (opts.network.startsWith('container:')) {
    const other = findContainer(opts.network.slice('container:'.length));
    if (!isRunning(other)) throw new UserError(`cannot join network of a non running container: ${other.name}`, 125);
    if (opts.hostname !== undefined) throw new UserError('conflicting options: hostname and the network mode', 125);
    opts.networkNsPath = `/proc/${other.state.Pid}/ns/net`;
    // as docker: the record names the other container by its full id, and its hostname is ours
    opts.network = `container:${other.id}`;
    opts.hostname = other.config.Hostname;
  }
  if (opts.network === 'host') opts.hostname ??= os().hostname(); // the host's network, the host's name
  const ports = [...(opts.publish ?? []), ...(opts.publishAll ? exposedBindings(exposedPortsOf(image.ExposedPorts, opts.expose ?? [])) : [])];
  // a user network must exist (rootless: slirp4netns's network, nothing of the host's bridge to look up)
  const net = usesBridge(opts.network) && !isRootless() ? networkMod().networkDef(opts.network) : null;
  if (opts.ip !== undefined && net) {
    const { inSubnet, parseSubnet } = ipam();
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
  const part = {
    ports, ip: opts.ip, mac: opts.macAddress?.toLowerCase(), aliases: opts.networkAliases ?? [], links: opts.links ?? [], extraHosts: opts.addHosts ?? [],
    dns: opts.dns ?? [], dnsSearch: opts.dnsSearch ?? [],
  };
  // the generated check fills the defaults as zod would (schema-compile.ts); zod only to say what is wrong
  return (checkContainerNetwork(part) as ContainerNetwork | undefined)
    ?? schemas().ContainerNetwork.parse(part);
}
