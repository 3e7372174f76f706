/**
 * `mini-run network create|ls|inspect|rm|prune|connect|disconnect` and `mini-run info` (which packet filter the
 * host uses, the bridge, the addresses in use).
 */
import type { Argv, CommandModule } from 'yargs';
import { UserError } from '../../errors';
import { listOption } from '../args';

/** docker's `network inspect` shape, for a predefined network (bridge, host, none) or a user network. */
export async function networkView(ref: string): Promise<Record<string, unknown>> {
  const { leasesOf } = await import('../../network/bridge');
  const DEFAULT_NETWORK = (await import('../../engine/daemon-defaults')).defaultNetwork();
  const { detectFirewall } = await import('../../network/firewall');
  const { findNetwork, findPredefined, predefinedNetworkId } = await import('../../network/user-networks');
  const { listContainers, isRunning } = await import('../../engine/container-store');
  const { resolve } = await import('node:path');
  const { paths } = await import('../../paths');
  const root = resolve(paths.root());
  const containers = listContainers();
  const names = new Map(containers.map((c) => [c.id, c.name]));
  const predefined = ref === DEFAULT_NETWORK.bridge ? 'bridge' : findPredefined(ref);
  const user = predefined ? null : findNetwork(ref);
  if (!user && !predefined) throw new UserError(`network ${ref} not found`, 1);
  const common = { Scope: 'local', EnableIPv6: false };
  const flags = { Attachable: false, Ingress: false, ConfigFrom: { Network: '' }, ConfigOnly: false };
  if (predefined === 'host' || predefined === 'none') {
    // No addresses of their own: the containers that run in the host's namespace, or with only lo.
    const members = containers.filter((c) => c.hostConfig.NetworkMode === predefined && isRunning(c) && c.state.Status === 'running');
    return {
      Name: predefined, Id: predefinedNetworkId(predefined), Created: '', ...common, Driver: predefined === 'host' ? 'host' : 'null',
      IPAM: { Driver: 'default', Options: null, Config: [] }, Internal: false, ...flags,
      Containers: Object.fromEntries(members.map((c) => [c.id, { Name: c.name, EndpointID: '', MacAddress: '', IPv4Address: '', IPv6Address: '' }])),
      Options: {}, Labels: {},
    };
  }
  const def = user
    ? { name: user.Name, id: user.Id, bridge: user.Bridge, subnet: user.Subnet, gateway: user.Gateway, ipRange: user.IPRange, gatewayListed: user.GatewayListed, internal: user.Internal, created: user.Created, labels: user.Labels }
    : { name: 'bridge', id: predefinedNetworkId('bridge'), bridge: DEFAULT_NETWORK.bridge, subnet: DEFAULT_NETWORK.subnet, gateway: DEFAULT_NETWORK.gateway, ipRange: undefined, gatewayListed: true, internal: false, created: '', labels: {} };
  const prefix = def.subnet.split('/')[1];
  return {
    Name: def.name, Id: def.id, Created: def.created, ...common, Driver: user?.Driver ?? 'bridge',
    IPAM: { Driver: 'default', Options: user ? {} : null, Config: [{ Subnet: def.subnet, ...(def.ipRange ? { IPRange: def.ipRange } : {}), ...(def.gatewayListed ? { Gateway: def.gateway } : {}) }] },
    Internal: def.internal, ...flags,
    Containers: Object.fromEntries(leasesOf(def.bridge).filter((l) => l.root === root).map((l) => [l.containerId, {
      Name: names.get(l.containerId) ?? '', EndpointID: l.hostVeth, IPv4Address: `${l.ip}/${prefix}`, IPv6Address: '',
    }])),
    Options: user && user.Driver !== 'bridge' ? user.Options : { 'com.docker.network.bridge.name': def.bridge, 'org.mini-run.firewall': detectFirewall().kind },
    Labels: def.labels,
  };
}


const create: CommandModule<object, any> = {
  command: 'create <name>',
  describe: 'Create a network',
  builder: (y) => y
    .option('driver', { alias: 'd', type: 'string', default: 'bridge', describe: 'Driver to manage the Network (bridge, macvlan, ipvlan)' })
    .option('opt', { alias: 'o', type: 'string', describe: 'Set driver specific options (macvlan/ipvlan: parent=IFACE, macvlan_mode=bridge|private|vepa|passthru, ipvlan_mode=l2|l3|l3s)' })
    .option('subnet', { type: 'string', describe: 'Subnet in CIDR format (default: a free 10.89.N.0/24, or from the config file\'s default-address-pools)' })
    .option('gateway', { type: 'string', describe: 'IPv4 Gateway for the subnet' })
    .option('ip-range', { type: 'string', describe: 'Allocate container ip from a sub-range' })
    .option('internal', { type: 'boolean', describe: 'Restrict external access to the network' })
    .option('label', { type: 'string', describe: 'Set metadata on a network' }),
  handler: async (a) => {
    const { createNetwork } = await import('../../network/user-networks');
    const { networkCreateDefaults } = await import('../../engine/daemon-defaults');
    const { keyValues } = await import('./run');
    const rec = createNetwork(String(a.name), {
      ...networkCreateDefaults(),
      driver: a.driver, subnet: a.subnet, gateway: a.gateway, ipRange: a['ip-range'], internal: !!a.internal,
      labels: keyValues(listOption(a.label), '--label'), options: keyValues(listOption(a.opt), '--opt'),
    });
    process.stdout.write(rec.Id + '\n');
  },
};

const ls: CommandModule<object, any> = {
  command: 'ls',
  aliases: ['list'],
  describe: 'List networks',
  builder: (y) => y
    .option('quiet', { alias: 'q', type: 'boolean', describe: 'Only display network IDs' })
    .option('format', { type: 'string', describe: "Format output using a Go template ('table …', 'json', or a template per network)" })
    .option('no-trunc', { type: 'boolean', describe: 'Do not truncate the output' })
    .option('filter', { alias: 'f', type: 'string', array: true, describe: "Provide filter values (e.g. 'driver=bridge'; driver, name, id, label, scope, type, dangling)" }),
  handler: async (a) => {
    const { listNetworks, PREDEFINED_NETWORKS, predefinedNetworkId } = await import('../../network/user-networks');
    const { networkTemplateData } = await import('../network-format');
    const filterValues = listOption(a.filter);
    const filters = filterValues.length ? (await import('../network-filters')).parseNetworkFilters(filterValues) : null;
    const inUse = filters?.has('dangling') ? await networksInUse() : new Set<string>();
    // Docker's order: by name.
    const rows = [
      ...PREDEFINED_NETWORKS.map(([name, driver]) => ({ id: predefinedNetworkId(name), name, driver, internal: false, labels: {}, created: '', predefined: true })),
      ...listNetworks().map((n) => ({ id: n.Id, name: n.Name, driver: n.Driver, internal: n.Internal, labels: n.Labels, created: n.Created, predefined: false })),
    ].sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
    const { networkMatches } = await import('../network-filters');
    const shown = filters ? rows.filter((n) => networkMatches({ ...n, inUse: inUse.has(n.name) }, filters)) : rows;
    const data = shown.map((n) => networkTemplateData(n, !!a['no-trunc']));
    if (a.quiet) {
      process.stdout.write(data.map((r) => r.ID + '\n').join(''));
      return;
    }
    const { renderListFormat } = await import('../format');
    const { NETWORK_HEADERS } = await import('../network-format');
    // a template that does not fit: one line, exit 1, as docker's client
    process.stdout.write(renderListFormat(a.format ?? 'table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}', data, NETWORK_HEADERS, '*network.networkContext'));
  },
};

const inspect: CommandModule<object, { network: string[]; format?: string }> = {
  command: 'inspect <network..>',
  describe: 'Display detailed information on one or more networks',
  builder: (y) => y.option('format', { alias: 'f', type: 'string' }) as any,
  handler: async (a) => {
    const views = [];
    for (const n of a.network) views.push(await networkView(n));
    if (a.format) {
      (await import('../format')).writeInspectFormat(a.format, views.map((doc) => ({ doc })));
      return;
    }
    process.stdout.write(JSON.stringify(views, null, 4) + '\n');
  },
};

const rm: CommandModule<object, { network: string[] }> = {
  command: 'rm <network..>',
  aliases: ['remove'],
  describe: 'Remove one or more networks',
  handler: async (a) => {
    const { removeNetwork } = await import('../../network/user-networks');
    const { sweepStaleContainers } = await import('../../engine/cleanup');
    sweepStaleContainers();
    let failed = false;
    for (const n of a.network) {
      try {
        removeNetwork(n);
        process.stdout.write(n + '\n');
      } catch (e) {
        failed = true;
        process.stderr.write(`Error response from daemon: ${(e as Error).message}\n`);
      }
    }
    if (failed) process.exitCode = 1;
  },
};

const prune: CommandModule<object, any> = {
  command: 'prune',
  describe: 'Remove all unused networks (and the idle default bridge with its rules)',
  builder: (y) => y.option('force', { alias: 'f', type: 'boolean' })
    .option('filter', { type: 'string', array: true, describe: 'Provide filter values (e.g. "until=24h", "label=KEY[=VALUE]", "label!=KEY[=VALUE]")' }),
  handler: async (a) => {
    const { parsePruneFilters, PRUNE_KEYS } = await import('../image-prune-filters');
    const filter = parsePruneFilters(listOption(a.filter), Date.now(), PRUNE_KEYS.network);
    const { sweepStaleContainers } = await import('../../engine/cleanup');
    sweepStaleContainers({ giveBackNetwork: true });
    const removed = await pruneUnusedNetworks((created, labels) => filter.matches(created, labels));
    if (removed.length) process.stdout.write(`Deleted Networks:\n${removed.map((n) => n + '\n').join('')}`);
  },
};

/**
 * The user networks in use — one rule for `network ls -f dangling=` and for the prunes, so the
 * two cannot drift: a container has an address on the network's bridge (running), or a
 * container in any state is set to join it (its --network, or a connect waiting for its start).
 */
async function networksInUse(): Promise<Set<string>> {
  const { listNetworks } = await import('../../network/user-networks');
  const { leasesOf } = await import('../../network/bridge');
  const { listContainers } = await import('../../engine/container-store');
  const joining = new Set(listContainers().flatMap((c) => [c.hostConfig.NetworkMode, ...c.network.pending.map((p) => p.network)]));
  return new Set(listNetworks().filter((n) => joining.has(n.Name) || leasesOf(n.Bridge).length > 0).map((n) => n.Name));
}

/** User networks not in use (`network prune`, `system prune`): removed, their names returned. */
export async function pruneUnusedNetworks(wanted: (created: string, labels: Record<string, string>) => boolean = () => true): Promise<string[]> {
  const { listNetworks, removeNetwork } = await import('../../network/user-networks');
  const inUse = await networksInUse();
  return listNetworks().filter((n) => !inUse.has(n.Name) && wanted(n.Created, n.Labels)).map((n) => removeNetwork(n.Name).Name);
}

const connect: CommandModule<object, any> = {
  command: 'connect <network> <container>',
  describe: 'Connect a container to a network (a stopped one: at its next start)',
  builder: (y) => y
    .option('alias', { type: 'string', describe: 'Add network-scoped alias for the container' })
    .option('ip', { type: 'string', describe: 'IPv4 address' }),
  handler: async (a) => {
    const { connectNetwork } = await import('../../engine/network');
    const { sweepStaleContainers } = await import('../../engine/cleanup');
    sweepStaleContainers();
    try {
      connectNetwork(String(a.network), String(a.container), { aliases: listOption(a.alias), ip: a.ip });
    } catch (e) {
      if (!(e instanceof UserError)) throw e;
      process.stderr.write(`Error response from daemon: ${e.message}\n`);
      process.exitCode = e.exitCode;
    }
  },
};

const disconnect: CommandModule<object, any> = {
  command: 'disconnect <network> <container>',
  describe: 'Disconnect a container from a network',
  builder: (y) => y.option('force', { alias: 'f', type: 'boolean', describe: 'Force the container to disconnect from a network' }),
  handler: async (a) => {
    const { disconnectNetwork } = await import('../../engine/network');
    try {
      disconnectNetwork(String(a.network), String(a.container), !!a.force);
    } catch (e) {
      if (!(e instanceof UserError)) throw e;
      process.stderr.write(`Error response from daemon: ${e.message}\n`);
      process.exitCode = e.exitCode;
    }
  },
};

export const networkCommand: CommandModule = {
  command: 'network <command>',
  describe: 'Manage networks',
  builder: (y) => y.command(create).command(ls).command(inspect).command(rm).command(prune).command(connect).command(disconnect)
    .demandCommand(1, 'mini-run network: a subcommand is needed (create, ls, inspect, rm, prune, connect, disconnect)'),
  handler: () => undefined,
};

/**
 * `info --format`'s data: docker's field names for what mini-run knows (no daemon: the server
 * version is mini-run's own, live restore is always on, counts come from the state root).
 */
async function infoData(rootDir: string, cgroupVersion: string, loggingDriver: string): Promise<Record<string, unknown>> {
  const os = await import('node:os');
  const { listContainers, isRunning } = await import('../../engine/container-store');
  const { listImages } = await import('../../image/store');
  const { miniRunVersion } = await import('./version');
  const containers = listContainers();
  const running = containers.filter((c) => c.state.Status === 'running' && isRunning(c)).length;
  const paused = containers.filter((c) => c.state.Status === 'paused').length;
  return {
    Containers: containers.length, ContainersRunning: running, ContainersPaused: paused, ContainersStopped: containers.length - running - paused,
    Images: listImages().length, LoggingDriver: loggingDriver, CgroupVersion: cgroupVersion, KernelVersion: os.release(),
    OSType: 'linux', Architecture: os.machine(), NCPU: os.availableParallelism(), MemTotal: os.totalmem(),
    DockerRootDir: rootDir, Name: os.hostname(), ServerVersion: miniRunVersion(), LiveRestoreEnabled: true,
  };
}

export const infoCommand: CommandModule<object, { format?: string }> = {
  command: 'info',
  describe: 'Display system-wide information',
  builder: ((y: Argv) => y.option('format', { alias: 'f', type: 'string', describe: 'Format the output using a Go template: {{.ServerVersion}}, {{.DockerRootDir}}, {{json .}}…' })) as any,
  handler: async (a) => {
    if (a.format !== undefined) {
      const { paths } = await import('../../paths');
      const { detectCgroupVersion } = await import('../../runtime/cgroups');
      const { loadDaemonConfig } = await import('../../image/registry/config');
      const data = await infoData(paths.root(), String(detectCgroupVersion()), loadDaemonConfig()['log-driver'] ?? 'json-file');
      const { renderOneFormat } = await import('../format');
      process.stdout.write(renderOneFormat(a.format, data, 'system.dockerInfo'));
      return;
    }
    const { detectFirewall } = await import('../../network/firewall');
    const { leasesOf } = await import('../../network/bridge');
    const DEFAULT_NETWORK = (await import('../../engine/daemon-defaults')).defaultNetwork();
    const { loadDaemonConfig } = await import('../../image/registry/config');
    const { paths } = await import('../../paths');
    const { detectCgroupVersion } = await import('../../runtime/cgroups');
    const fw = detectFirewall();
    const lines = [
      `Root Dir: ${paths.root()}`,
      `Cgroup Version: ${detectCgroupVersion()}`,
      `Default Bridge: ${DEFAULT_NETWORK.bridge} (${DEFAULT_NETWORK.subnet}, gateway ${DEFAULT_NETWORK.gateway})`,
      `Firewall Backend: ${fw.kind} (${fw.detail})`,
      `Logging Driver: ${loadDaemonConfig()['log-driver'] ?? 'json-file'}`,
      // dockerd's live-restore: containers keep running while the daemon is away. mini-run has no daemon.
      'Live Restore Enabled: true',
      `Addresses In Use: ${leasesOf().length}`,
    ];
    process.stdout.write(lines.join('\n') + '\n');
  },
};
