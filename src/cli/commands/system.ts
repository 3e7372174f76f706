/** `mini-run system boot|install-boot|uninstall-boot|df|prune`, and `container prune`. */
import type { Argv, CommandModule } from 'yargs';
import { UserError } from '../../errors';
import { listOption } from '../args';

/** Docker's confirmation prompt: only a "y" on stdin goes ahead. */
async function confirm(question: string): Promise<boolean> {
  process.stdout.write(question);
  const { readFileSync } = await import('node:fs');
  let answer = '';
  try { answer = readFileSync(0, 'utf8').split('\n')[0].trim(); } catch { /* no stdin */ }
  return /^y(es)?$/i.test(answer);
}

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

const installBootCommand: CommandModule<object, { 'unit-dir'?: string; print?: boolean }> = {
  command: 'install-boot',
  describe: 'Install the systemd unit that runs "mini-run system boot" at host start, naming this node and mini-run by path',
  builder: ((y: Argv) => y
    .option('unit-dir', { type: 'string', describe: 'Directory for the unit (default /etc/systemd/system)' })
    .option('print', { type: 'boolean', describe: 'Print the unit instead of installing it' })) as any,
  handler: async (a) => {
    const { currentBootUnit, installBootUnit } = await import('../boot-unit');
    if (a.print) { process.stdout.write(currentBootUnit()); return; }
    for (const line of installBootUnit(a['unit-dir'])) process.stdout.write(line + '\n');
  },
};

const uninstallBootCommand: CommandModule<object, { 'unit-dir'?: string }> = {
  command: 'uninstall-boot',
  describe: 'Disable and remove the unit install-boot wrote',
  builder: ((y: Argv) => y.option('unit-dir', { type: 'string', describe: 'Directory of the unit (default /etc/systemd/system)' })) as any,
  handler: async (a) => {
    const { uninstallBootUnit } = await import('../boot-unit');
    for (const line of uninstallBootUnit(a['unit-dir'])) process.stdout.write(line + '\n');
  },
};

/** What `system prune` is about to remove, in Docker's words and order. */
export function systemPruneWarning(o: { all: boolean; volumes: boolean }): string {
  const items = [
    'all stopped containers',
    'all networks not used by at least one container',
    // as mini-run's `volume prune` and Docker's CLI since 23: anonymous volumes only
    ...(o.volumes ? ['all anonymous volumes not used by at least one container'] : []),
    o.all ? 'all images without at least one container associated to them' : 'all dangling images',
    o.all ? 'all build cache' : 'unused build cache',
  ];
  return `WARNING! This will remove:\n${items.map((i) => `  - ${i}\n`).join('')}\nAre you sure you want to continue? [y/N] `;
}

const pruneCommand: CommandModule<object, { force?: boolean; all?: boolean; volumes?: boolean; filter?: string[] }> = {
  command: 'prune',
  describe: 'Clean up what crashed runs left (network addresses, rules) and the idle default bridge with its rules; with -f (or a "y") also remove stopped containers, unused networks, dangling images (and with --volumes, unused anonymous volumes)',
  builder: ((y: Argv) => y
    .option('force', { alias: 'f', type: 'boolean', describe: 'Do not prompt for confirmation' })
    .option('all', { alias: 'a', type: 'boolean', describe: 'Remove all unused images, not just dangling ones' })
    .option('volumes', { type: 'boolean', describe: 'Prune anonymous volumes' })
    .option('filter', { type: 'string', array: true, describe: 'Provide filter values (e.g. "until=24h", "label=KEY[=VALUE]", "label!=KEY[=VALUE]")' })) as any,
  handler: async (a) => {
    // The same filters for each kind, as Docker's CLI passes them to each prune (so each kind's
    // keys: until and label for all but volumes, which take label only). Said before anything goes.
    const { imagePruneWanted, parsePruneFilters, PRUNE_KEYS } = await import('../image-prune-filters');
    const filterValues = listOption(a.filter);
    if (a.volumes && filterValues.some((f) => f.split('=')[0] === 'until')) throw new UserError('The "until" filter is not supported with "--volumes"', 1);
    const filters = {
      container: parsePruneFilters(filterValues, Date.now(), PRUNE_KEYS.container),
      network: parsePruneFilters(filterValues, Date.now(), PRUNE_KEYS.network),
      image: parsePruneFilters(filterValues, Date.now(), PRUNE_KEYS.image),
      volume: a.volumes ? parsePruneFilters(filterValues, Date.now(), PRUNE_KEYS.volume) : null,
    };
    const { sweepStaleContainers } = await import('../../engine/cleanup');
    const cleaned = sweepStaleContainers({ giveBackNetwork: true });
    process.stdout.write(`Cleaned ${cleaned.length} stale container(s); network state swept\n`);
    // Removing containers and images asks first, like docker (a terminal only: scripts that
    // ran `system prune` for the crash clean-up keep getting just that).
    if (!a.force && !(process.stdin.isTTY && (await confirm(systemPruneWarning({ all: !!a.all, volumes: !!a.volumes }))))) return;
    const { pruneContainers, pruneRuntimeCache } = await import('../../engine/remove');
    const { pruneUnusedNetworks } = await import('./network');
    const { pruneVolumes } = await import('../../engine/volumes');
    const { pruneImages } = await import('../../image/prune');
    const { humanSize } = await import('../format');
    // Docker's order: containers, networks, volumes, images; each list followed by a blank line.
    const c = pruneContainers((rec) => filters.container.matches(rec.created, rec.config.Labels));
    if (c.ids.length) process.stdout.write(`Deleted Containers:\n${c.ids.join('\n')}\n\n`);
    const n = await pruneUnusedNetworks((created, labels) => filters.network.matches(created, labels));
    if (n.length) process.stdout.write(`Deleted Networks:\n${n.join('\n')}\n\n`);
    const v = filters.volume ? pruneVolumes(false, (labels) => filters.volume!.matches(undefined, labels)) : { names: [], bytes: 0 };
    if (v.names.length) process.stdout.write(`Deleted Volumes:\n${v.names.join('\n')}\n\n`);
    const i = pruneImages(!!a.all, imagePruneWanted(filters.image));
    if (i.lines.length) process.stdout.write(`Deleted Images:\n${i.lines.join('\n')}\n\n`);
    // The runtime's compiled seccomp filters are a cache too: counted in the total, compiled again by the next run.
    const cache = pruneRuntimeCache();
    process.stdout.write(`Total reclaimed space: ${humanSize(c.bytes + v.bytes + i.reclaimed + cache)}\n`);
  },
};

const dfCommand: CommandModule<object, { verbose?: boolean; format?: string }> = {
  command: 'df',
  describe: 'Show disk usage: images, containers, volumes (works on a full disk)',
  builder: ((y: Argv) => y.option('verbose', { alias: 'v', type: 'boolean', describe: 'Show detailed information on space usage: each image, container (its writable layer) and volume' })
    .option('format', { type: 'string', describe: "Format output using a Go template ('table …', 'json', or a template per row: {{.Type}} {{.TotalCount}} {{.Active}} {{.Size}} {{.Reclaimable}}; with -v one template on {{.Images}} {{.Containers}} {{.Volumes}} {{.BuildCache}})" })) as any,
  handler: async (a) => {
    // (docker's -v with `table` or no template prints its four sections; `raw` is its own listing)
    const verboseTemplate = a.verbose && a.format !== undefined && a.format.trim() !== '' && a.format.trim() !== 'table';
    if (verboseTemplate && a.format!.trim() === 'raw') throw new UserError('system df: --format raw with --verbose is not supported', 125);
    const { diskUsage } = await import('../../engine/disk-usage');
    const { dfFormat, dfSummary, dfVerbose, dfVerboseFormat } = await import('../df-format');
    const u = diskUsage();
    if (verboseTemplate) {
      // one template on the whole disk-usage object, its lists with ps's and volume ls's placeholders
      const { containerRows } = await import('../../engine/ps');
      const { listVolumes, volumeData } = await import('../../volume/store');
      const r = dfVerboseFormat(u, {
        containers: new Map(containerRows().map((c) => [c.id, c])),
        volumes: new Map(listVolumes().map((v) => [v.Name, { Driver: v.Driver, Labels: v.Labels, Mountpoint: volumeData(v.Name) }])),
      }, a.format!);
      process.stdout.write(r.out);
      if (r.error !== undefined) throw new UserError(r.error, 1);
      return;
    }
    if (a.format !== undefined && !a.verbose) { process.stdout.write(dfFormat(u.rows, a.format)); return; }
    // (as Docker's CLI: -v prints the four sections instead of the summary)
    process.stdout.write(a.verbose ? dfVerbose({ ...u, buildCacheSize: u.rows.find((r) => r.type === 'Build Cache')?.size ?? 0 }) : dfSummary(u.rows));
  },
};

/** `container prune`: remove all stopped containers. */
export const containerPruneCommand: CommandModule<object, { force?: boolean; filter?: string[] }> = {
  command: 'prune',
  describe: 'Remove all stopped containers',
  builder: ((y: Argv) => y.option('force', { alias: 'f', type: 'boolean', describe: 'Do not prompt for confirmation' })
    .option('filter', { type: 'string', array: true, describe: 'Provide filter values (e.g. "until=24h", "label=KEY[=VALUE]", "label!=KEY[=VALUE]")' })) as any,
  handler: async (a) => {
    const { parsePruneFilters, PRUNE_KEYS } = await import('../image-prune-filters');
    const filter = parsePruneFilters(listOption(a.filter), Date.now(), PRUNE_KEYS.container);
    if (!a.force && !(await confirm('WARNING! This will remove all stopped containers.\nAre you sure you want to continue? [y/N] '))) return;
    const { pruneContainers, pruneRuntimeCache } = await import('../../engine/remove');
    const { humanSize } = await import('../format');
    const r = pruneContainers((rec) => filter.matches(rec.created, rec.config.Labels));
    if (r.ids.length) process.stdout.write(`Deleted Containers:\n${r.ids.join('\n')}\n\n`);
    process.stdout.write(`Total reclaimed space: ${humanSize(r.bytes)}\n`);
  },
};

export const systemCommand: CommandModule = {
  command: 'system <command>',
  describe: 'Manage mini-run itself',
  builder: (y) => y.command(bootCommand).command(installBootCommand).command(uninstallBootCommand).command(dfCommand).command(pruneCommand).demandCommand(1, 'mini-run system: a subcommand is needed (boot, install-boot, uninstall-boot, df, prune)'),
  handler: () => undefined,
};
