/** `mini-run system boot`: what the boot-time systemd unit runs. */
import type { CommandModule } from 'yargs';

const bootCommand: CommandModule = {
  command: 'boot',
  describe: 'Start the containers whose restart policy is always or unless-stopped (run at host boot)',
  handler: async () => {
    const { bootContainers } = await import('../../engine/boot');
    const { started, failed } = await bootContainers();
    for (const n of started) process.stdout.write(`started ${n}\n`);
    for (const f of failed) process.stderr.write(`mini-run: ${f.name}: ${f.error}\n`);
    if (failed.length) process.exitCode = 1;
  },
};

const pruneCommand: CommandModule = {
  command: 'prune',
  describe: 'Clean up what crashed runs left: stale containers, network addresses, rules and the idle bridge',
  handler: async () => {
    const { sweepStaleContainers } = await import('../../engine/cleanup');
    const cleaned = sweepStaleContainers();
    process.stdout.write(`Cleaned ${cleaned.length} stale container(s); network state swept\n`);
  },
};

export const systemCommand: CommandModule = {
  command: 'system <command>',
  describe: 'Manage mini-run itself',
  builder: (y) => y.command(bootCommand).command(pruneCommand).demandCommand(1, 'mini-run system: a subcommand is needed (boot, prune)'),
  handler: () => undefined,
};
