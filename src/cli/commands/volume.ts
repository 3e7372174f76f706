/** `mini-run volume create|ls|inspect|rm|prune` — docker's volume commands. */
import type { Argv, CommandModule } from 'yargs';
import { UserError } from '../../errors';
import { listOption } from '../args';


const createCmd: CommandModule<object, any> = {
  command: 'create [volume]',
  describe: 'Create a volume',
  builder: (y: Argv) => y
    .option('name', { type: 'string', describe: 'Specify volume name (the same as the argument)' })
    .option('label', { type: 'string', describe: 'Set metadata for a volume (key=value)' })
    .option('driver', { alias: 'd', type: 'string', default: 'local', describe: "Volume driver name (only 'local')" }),
  handler: async (a) => {
    if (a.driver !== 'local') throw new UserError(`create: volume driver "${a.driver}" is not supported: only "local"`, 1);
    if (a.name !== undefined && a.volume !== undefined && String(a.name) !== String(a.volume)) {
      throw new UserError('conflicting options: cannot specify a volume-name through both --name and as a positional arg', 1);
    }
    const { createVolume } = await import('../../volume/store');
    const { keyValues } = await import('./run');
    const { volume } = createVolume(a.volume ?? a.name ?? null, keyValues(listOption(a.label), '--label'));
    process.stdout.write(volume.Name + '\n');
  },
};

/** Column titles of `volume ls --format 'table …'`, as docker's CLI names them; `{{.Label "k"}}` is titled k. */
const VOLUME_HEADERS: Record<string, unknown> = {
  Availability: 'AVAILABILITY', Driver: 'DRIVER', Group: 'GROUP', Labels: 'LABELS', Links: 'LINKS', Mountpoint: 'MOUNTPOINT',
  Name: 'VOLUME NAME', Scope: 'SCOPE', Size: 'SIZE', Status: 'STATUS',
};
Object.defineProperty(VOLUME_HEADERS, 'Label', { enumerable: false, value: (k: unknown) => String(k) });

const lsCmd: CommandModule<object, any> = {
  command: 'ls',
  aliases: ['list'],
  describe: 'List volumes',
  builder: (y: Argv) => y
    .option('quiet', { alias: 'q', type: 'boolean', describe: 'Only display volume names' })
    .option('filter', { alias: 'f', type: 'string', describe: 'Filter output (dangling=true|false, name=…, label=…)' })
    .option('format', { type: 'string', describe: 'Format output using a Go template' }),
  handler: async (a) => {
    const { listVolumes } = await import('../../volume/store');
    const { volumeUsers } = await import('../../engine/volumes');
    const users = volumeUsers();
    let vols = listVolumes();
    for (const f of listOption(a.filter)) {
      const i = f.indexOf('=');
      const key = i < 0 ? f : f.slice(0, i);
      const value = i < 0 ? '' : f.slice(i + 1);
      if (key === 'dangling') {
        const want = value === 'true' || value === '1';
        vols = vols.filter((v) => !users.has(v.Name) === want);
      } else if (key === 'name') {
        vols = vols.filter((v) => v.Name.includes(value));
      } else if (key === 'label') {
        const [k, val] = value.split('=', 2);
        vols = vols.filter((v) => k in v.Labels && (val === undefined || v.Labels[k] === val));
      } else if (key === 'driver') {
        vols = vols.filter((v) => v.Driver === value);
      } else {
        throw new UserError(`invalid filter '${key}'`, 1);
      }
    }
    if (a.quiet) {
      for (const v of vols) process.stdout.write(v.Name + '\n');
    } else if (a.format) {
      const { renderListFormat } = await import('../format');
      const { volumeData } = await import('../../volume/store');
      // docker's volumeContext: keys in its order for json; what only cluster volumes have is N/A
      const items = vols.map((v) => {
        const item = {
          Availability: 'N/A', Driver: v.Driver, Group: 'N/A', Labels: Object.entries(v.Labels).map(([k, x]) => `${k}=${x}`).join(','),
          Links: 'N/A', Mountpoint: volumeData(v.Name), Name: v.Name, Scope: 'local', Size: 'N/A', Status: 'N/A',
        };
        Object.defineProperty(item, 'Label', { enumerable: false, value: (k: string) => v.Labels[k] ?? '' });
        return item;
      });
      process.stdout.write(renderListFormat(a.format, items, VOLUME_HEADERS, '*formatter.volumeContext'));
    } else {
      process.stdout.write(`${'DRIVER'.padEnd(10)}VOLUME NAME\n`);
      for (const v of vols) process.stdout.write(`${v.Driver.padEnd(10)}${v.Name}\n`);
    }
  },
};

const inspectCmd: CommandModule<object, any> = {
  command: 'inspect <names..>',
  describe: 'Display detailed information on one or more volumes',
  builder: (y: Argv) => y.option('format', { alias: 'f', type: 'string', describe: 'Format the output using a Go template' }),
  handler: async (a) => {
    const { readVolume } = await import('../../volume/store');
    const { inspectVolume } = await import('../../engine/volumes');
    const found: unknown[] = [];
    let failed = false;
    for (const n of a.names as string[]) {
      const v = readVolume(n);
      if (v) found.push(inspectVolume(v));
      else { process.stderr.write(`Error: No such volume: ${n}\n`); failed = true; }
    }
    // docker's volume inspect renders a volume.Volume struct, not a map: its error names the type
    if (a.format) (await import('../format')).writeInspectFormat(a.format, found.map((doc) => ({ doc, goType: 'volume.Volume' })));
    else process.stdout.write(JSON.stringify(found, null, 4) + '\n');
    if (failed) process.exitCode = 1;
  },
};

const rmCmd: CommandModule<object, any> = {
  command: 'rm <names..>',
  aliases: ['remove'],
  describe: 'Remove one or more volumes',
  builder: (y: Argv) => y.option('force', { alias: 'f', type: 'boolean', describe: 'Do not fail when a volume does not exist' }),
  handler: async (a) => {
    const { removeVolume } = await import('../../engine/volumes');
    let failed = false;
    for (const n of a.names as string[]) {
      try {
        removeVolume(n, !!a.force);
        process.stdout.write(n + '\n');
      } catch (e) {
        if (!(e instanceof UserError)) throw e;
        process.stderr.write(`Error response from daemon: ${e.message}\n`);
        failed = true;
      }
    }
    if (failed) process.exitCode = 1;
  },
};

const pruneCmd: CommandModule<object, any> = {
  command: 'prune',
  describe: 'Remove unused local volumes (anonymous ones; all unused with -a)',
  builder: (y: Argv) => y
    .option('force', { alias: 'f', type: 'boolean', describe: 'Do not prompt for confirmation' })
    .option('all', { alias: 'a', type: 'boolean', describe: 'Remove all unused volumes, not just anonymous ones' })
    .option('filter', { type: 'string', array: true, describe: 'Provide filter values (e.g. "label=KEY[=VALUE]", "label!=KEY[=VALUE]", "all=true")' }),
  handler: async (a) => {
    // a bad filter is said before the question: nothing goes either way
    const { parsePruneFilters, PRUNE_KEYS } = await import('../image-prune-filters');
    const filter = parsePruneFilters(listOption(a.filter), Date.now(), PRUNE_KEYS.volume);
    if (!a.force) {
      process.stdout.write('WARNING! This will remove anonymous local volumes not used by at least one container.\nAre you sure you want to continue? [y/N] ');
      const { readFileSync } = await import('node:fs');
      let answer = '';
      try { answer = readFileSync(0, 'utf8').split('\n')[0].trim(); } catch { /* no stdin */ }
      if (!/^y(es)?$/i.test(answer)) return;
    }
    const { pruneVolumes } = await import('../../engine/volumes');
    const { humanSize } = await import('../format');
    const r = pruneVolumes(!!a.all || filter.all, (labels) => filter.matches(undefined, labels));
    if (r.names.length) process.stdout.write(`Deleted Volumes:\n${r.names.join('\n')}\n\n`);
    process.stdout.write(`Total reclaimed space: ${humanSize(r.bytes)}\n`);
  },
};

export const volumeCommand: CommandModule = {
  command: 'volume <command>',
  describe: 'Manage volumes',
  builder: (y) => {
    for (const c of [createCmd, lsCmd, inspectCmd, rmCmd, pruneCmd]) y.command(c);
    return y.demandCommand(1, 'mini-run volume: a subcommand is needed (create, ls, inspect, rm, prune)');
  },
  handler: () => undefined,
};
