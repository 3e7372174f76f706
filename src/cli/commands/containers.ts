/**
 * Container commands: create, start, stop, kill, restart, wait, rename, attach (logs and inspect
 * have modules of their own: they read, and need none of run's flag tables).
 */
import type { Argv, CommandModule } from 'yargs';
import { UserError } from '../../errors';
import { forEachRef as forEach } from '../args';
import { RUN_FLAGS, toRunOptions } from './run';

const createCommand: CommandModule<object, any> = {
  command: 'create <image>',
  describe: 'Create a new container (without starting it)',
  builder: (y: Argv) => y.usage('Usage: mini-run create [OPTIONS] IMAGE [COMMAND] [ARG...]').parserConfiguration({ 'populate--': true, 'boolean-negation': false }).options(RUN_FLAGS),
  handler: async (a) => {
    const { createContainer } = await import('../../engine/run');
    const { sweepStaleContainers } = await import('../../engine/cleanup');
    sweepStaleContainers();
    const rec = await createContainer({ ...toRunOptions(a as unknown as Parameters<typeof toRunOptions>[0]), detach: false }); // not -d: Config.Attach* as docker create records them
    // Nobody supervises a created container until `start`: with this process named as its
    // supervisor, the next command's sweep would take it for a crashed start (and remove a --rm one).
    const { updateContainer } = await import('../../engine/container-store');
    updateContainer(rec.id, (r) => { r.monitor = null; });
    process.stdout.write(rec.id + '\n');
  },
};

const startCommand: CommandModule<object, any> = {
  command: 'start <containers..>',
  describe: 'Start one or more stopped containers',
  builder: (y: Argv) => y
    .option('attach', { alias: 'a', type: 'boolean', describe: "Attach STDOUT/STDERR and forward signals" })
    .option('interactive', { alias: 'i', type: 'boolean', describe: "Attach container's STDIN" })
    .option('detach-keys', { type: 'string', default: 'ctrl-p,ctrl-q', describe: 'Override the key sequence for detaching a container' }),
  handler: async (a) => {
    const { startContainer } = await import('../../engine/lifecycle');
    if (a.attach || a.interactive) {
      if (a.containers.length > 1) throw new UserError('you cannot start and attach multiple containers at once', 1);
      const { attachContainer } = await import('../../engine/attach');
      // Attach first, then start: the supervisor waits for us, so no output is missed.
      const rec = await startContainer(a.containers[0], { awaitAttach: true });
      const code = await attachContainer(rec.id, { stdin: !!a.interactive, detachKeys: a['detach-keys'], starting: true, sayDetached: false });
      if (code !== null) process.exitCode = code; // detached: 0 and no message, as Docker's start -ai
      return;
    }
    await forEach(a.containers, async (ref) => {
      await startContainer(ref);
      process.stdout.write(ref + '\n');
    });
  },
};

const stopCommand: CommandModule<object, any> = {
  command: 'stop <containers..>',
  describe: 'Stop one or more running containers (StopSignal, then SIGKILL after a grace period)',
  builder: (y: Argv) => y
    .option('time', { alias: 't', type: 'number', describe: 'Seconds to wait before killing the container' })
    .option('signal', { alias: 's', type: 'string', describe: 'Signal to send to the container' }),
  handler: async (a) => {
    const { stopContainer } = await import('../../engine/lifecycle');
    await forEach(a.containers, async (ref) => {
      await stopContainer(ref, a.time, a.signal);
      process.stdout.write(ref + '\n');
    });
  },
};

const killCommand: CommandModule<object, any> = {
  command: 'kill <containers..>',
  describe: 'Kill one or more running containers',
  builder: (y: Argv) => y.option('signal', { alias: 's', type: 'string', default: 'KILL', describe: 'Signal to send to the container' }),
  handler: async (a) => {
    const { killContainer, waitStopped } = await import('../../engine/lifecycle');
    await forEach(a.containers, async (ref) => {
      const rec = killContainer(ref, a.signal);
      if (/^(SIG)?KILL$|^9$/i.test(a.signal)) await waitStopped(rec.id, 5000);
      process.stdout.write(ref + '\n');
    });
  },
};

const restartCommand: CommandModule<object, any> = {
  command: 'restart <containers..>',
  describe: 'Restart one or more containers',
  builder: (y: Argv) => y.option('time', { alias: 't', type: 'number', describe: 'Seconds to wait before killing the container' }),
  handler: async (a) => {
    const { restartContainer } = await import('../../engine/lifecycle');
    await forEach(a.containers, async (ref) => {
      await restartContainer(ref, a.time);
      process.stdout.write(ref + '\n');
    });
  },
};

const waitCommand: CommandModule<object, any> = {
  command: 'wait <containers..>',
  describe: 'Block until one or more containers stop, then print their exit codes',
  handler: async (a) => {
    const { waitContainer } = await import('../../engine/lifecycle');
    await forEach(a.containers, async (ref) => {
      process.stdout.write(`${await waitContainer(ref)}\n`);
    });
  },
};

const renameCommand: CommandModule<object, any> = {
  command: 'rename <container> <newName>',
  describe: 'Rename a container',
  handler: async (a) => {
    const { renameContainer } = await import('../../engine/lifecycle');
    renameContainer(a.container, String(a.newName));
  },
};

const attachCommand: CommandModule<object, any> = {
  command: 'attach <container>',
  describe: "Attach local standard input, output, and error streams to a running container",
  builder: (y: Argv) => y
    .option('detach-keys', { type: 'string', default: 'ctrl-p,ctrl-q', describe: 'Override the key sequence for detaching a container' })
    .option('no-stdin', { type: 'boolean', describe: 'Do not attach STDIN' }),
  handler: async (a) => {
    const { attachContainer } = await import('../../engine/attach');
    const code = await attachContainer(a.container, { stdin: !a['no-stdin'] && !a.noStdin, detachKeys: a['detach-keys'] });
    process.exitCode = code ?? 1; // detached: docker's attach exits 1 after "read escape sequence"
  },
};

export const containerCommands: CommandModule<any, any>[] = [
  createCommand, startCommand, stopCommand, killCommand, restartCommand, waitCommand, renameCommand,
  attachCommand,
];
