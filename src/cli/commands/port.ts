/** `mini-run port CONTAINER [PRIVATE_PORT[/PROTO]]`: the published ports, docker's format. */
import type { CommandModule } from 'yargs';
import { UserError } from '../../errors';

export const portCommand: CommandModule<object, { container: string; port?: string }> = {
  command: 'port <container> [port]',
  describe: 'List port mappings or a specific mapping for the container',
  handler: async (a) => {
    const { findContainer } = await import('../../engine/container-store');
    const { sweepStaleContainers } = await import('../../engine/cleanup');
    const { formatPortLines } = await import('../../network/ports');
    sweepStaleContainers();
    const rec = findContainer(a.container);
    let ports = rec.network.endpoint?.ports ?? [];
    if (a.port !== undefined) {
      const [p, proto = 'tcp'] = String(a.port).split('/');
      ports = ports.filter((b) => String(b.containerPort) === p && b.proto === proto);
      if (!ports.length) throw new UserError(`Error: No public port '${p}/${proto}' published for ${a.container}`, 1);
      process.stdout.write(ports.map((b) => `${b.hostIp}:${b.hostPort}\n`).join(''));
      return;
    }
    process.stdout.write(formatPortLines(ports).map((l) => l + '\n').join(''));
  },
};
