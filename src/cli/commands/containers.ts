/**
 * Container commands: create, start, stop, kill, restart, wait, rename, attach, logs, inspect,
 * and the `container …` management spelling of them.
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

const logsCommand: CommandModule<object, any> = {
  command: 'logs <container>',
  describe: 'Fetch the logs of a container',
  builder: (y: Argv) => y
    .option('follow', { alias: 'f', type: 'boolean', describe: 'Follow log output' })
    .option('tail', { alias: 'n', type: 'string', describe: 'Number of lines to show from the end of the logs (or "all")' })
    .option('timestamps', { alias: 't', type: 'boolean', describe: 'Show timestamps' })
    .option('since', { type: 'string', describe: 'Show logs since timestamp or relative (e.g. 42m)' })
    .option('until', { type: 'string', describe: 'Show logs before a timestamp or relative (e.g. 42m)' }),
  handler: async (a) => {
    const { showLogs } = await import('../../engine/logs');
    await showLogs(a.container, { follow: !!a.follow, tail: a.tail, timestamps: !!a.timestamps, since: a.since, until: a.until });
  },
};

const inspectCommand: CommandModule<object, any> = {
  command: 'inspect <names..>',
  describe: 'Return low-level information on containers, images, networks or volumes',
  builder: (y: Argv) => y
    .option('format', { alias: 'f', type: 'string', describe: 'Format the output using a Go template' })
    .option('type', { type: 'string', choices: ['container', 'image', 'network', 'volume'], describe: 'Only look for this type of object' }),
  handler: async (a) => {
    const { sweepStaleContainers } = await import('../../engine/cleanup');
    const { findContainer } = await import('../../engine/container-store');
    const { inspectContainer } = await import('../../engine/inspect');
    const { renderTemplate } = await import('../format');
    sweepStaleContainers();
    const results: unknown[] = [];
    const missing: string[] = [];
    for (const name of a.names as string[]) {
      let found: unknown = null;
      if (a.type === undefined || a.type === 'container') {
        try {
          found = inspectContainer(findContainer(name));
        } catch (e) {
          if (!(e instanceof UserError)) throw e;
          // A record that exists but cannot be read is reported as such, not as "no such object".
          const { listContainerIds, loadContainer } = await import('../../engine/container-store');
          const dir = listContainerIds().find((id) => id === name || (name.length >= 12 && id.startsWith(name)));
          if (dir) loadContainer(dir); // throws the clear one-line error
        }
      }
      if (found === null && (a.type === undefined || a.type === 'image')) {
        const { findImage, inspectImage } = await import('../../image/store') as any;
        const img = findImage(name);
        if (img && typeof inspectImage === 'function') found = inspectImage(img);
      }
      // docker looks for containers, then images, then networks, then volumes.
      if (found === null && (a.type === undefined || a.type === 'network')) {
        const { networkView } = await import('./network');
        try { found = await networkView(name); } catch (e) { if (!(e instanceof UserError)) throw e; }
      }
      if (found === null && (a.type === undefined || a.type === 'volume')) {
        const { readVolume } = await import('../../volume/store');
        const { inspectVolume } = await import('../../engine/volumes');
        const v = readVolume(name);
        if (v) found = inspectVolume(v);
      }
      if (found === null) missing.push(name);
      else results.push(found);
    }
    if (a.format) {
      for (const r of results) process.stdout.write(renderTemplate(a.format, r) + '\n');
    } else {
      process.stdout.write(JSON.stringify(results, null, 4) + '\n');
    }
    if (missing.length) {
      for (const m of missing) process.stderr.write(`Error: No such object: ${m}\n`);
      process.exitCode = 1;
    }
  },
};

export const containerCommands: CommandModule<any, any>[] = [
  createCommand, startCommand, stopCommand, killCommand, restartCommand, waitCommand, renameCommand,
  attachCommand, logsCommand, inspectCommand,
];
