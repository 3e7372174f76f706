/**
 * `mini-run network ls|inspect` (the default bridge for now) and `mini-run info` (which
 * packet filter the host uses, the bridge, the addresses in use).
 */
import type { CommandModule } from 'yargs';
import { UserError } from '../../errors';

async function defaultNetworkView() {
  const { DEFAULT_NETWORK, leasesOf } = await import('../../network/bridge');
  const { detectFirewall } = await import('../../network/firewall');
  const leases = leasesOf(DEFAULT_NETWORK.name);
  return {
    Name: DEFAULT_NETWORK.name, Id: DEFAULT_NETWORK.bridge, Driver: 'bridge', Scope: 'local', Internal: false,
    IPAM: { Driver: 'default', Config: [{ Subnet: DEFAULT_NETWORK.subnet, Gateway: DEFAULT_NETWORK.gateway }] },
    Options: { 'com.docker.network.bridge.name': DEFAULT_NETWORK.bridge, 'org.mini-run.firewall': detectFirewall().kind },
    Containers: Object.fromEntries(leases.map((l) => [l.containerId, { IPv4Address: `${l.ip}/${DEFAULT_NETWORK.subnet.split('/')[1]}`, EndpointID: l.hostVeth, Root: l.root }])),
  };
}

const ls: CommandModule = {
  command: 'ls',
  aliases: ['list'],
  describe: 'List networks',
  handler: async () => {
    process.stdout.write('NETWORK ID     NAME      DRIVER    SCOPE\n');
    for (const [id, name, driver] of [['mini-run0', 'bridge', 'bridge'], ['host', 'host', 'host'], ['none', 'none', 'null']]) {
      process.stdout.write(`${id.padEnd(15)}${name.padEnd(10)}${driver.padEnd(10)}local\n`);
    }
  },
};

const inspect: CommandModule<object, { network: string[] }> = {
  command: 'inspect <network..>',
  describe: 'Display detailed information on one or more networks',
  handler: async (a) => {
    const out = [];
    for (const n of a.network) {
      if (n !== 'bridge' && n !== 'mini-run0') throw new UserError(`network ${n} not found`, 1);
      out.push(await defaultNetworkView());
    }
    process.stdout.write(JSON.stringify(out, null, 4) + '\n');
  },
};

export const networkCommand: CommandModule = {
  command: 'network <command>',
  describe: 'Manage networks',
  builder: (y) => y.command(ls).command(inspect).demandCommand(1, 'mini-run network: a subcommand is needed (ls, inspect)'),
  handler: () => undefined,
};

export const infoCommand: CommandModule = {
  command: 'info',
  describe: 'Display system-wide information',
  handler: async () => {
    const { detectFirewall } = await import('../../network/firewall');
    const { DEFAULT_NETWORK, leasesOf } = await import('../../network/bridge');
    const { paths } = await import('../../paths');
    const { detectCgroupVersion } = await import('../../runtime/cgroups');
    const fw = detectFirewall();
    const lines = [
      `Root Dir: ${paths.root()}`,
      `Cgroup Version: ${detectCgroupVersion()}`,
      `Default Bridge: ${DEFAULT_NETWORK.bridge} (${DEFAULT_NETWORK.subnet}, gateway ${DEFAULT_NETWORK.gateway})`,
      `Firewall Backend: ${fw.kind} (${fw.detail})`,
      `Addresses In Use: ${leasesOf().length}`,
    ];
    process.stdout.write(lines.join('\n') + '\n');
  },
};
