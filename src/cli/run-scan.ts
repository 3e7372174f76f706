/**
 * The quick look at `run`'s flags that the CLI takes before it parses anything (cli/main.ts
 * prespawnForRun): which init to spawn ahead, or which supervisor to launch for `-d`. Only the
 * flags' names, aliases and whether they take a value are needed, so this module has its own
 * copy of that much of commands/run.ts RUN_FLAGS (test/unit/exec-shape.test.ts checks that the
 * two agree): loading run.ts would bring its flag parsers and the cgroup code before the init's
 * spawn, on the critical path of every foreground `run`.
 */
import type { Options } from 'yargs';
import { scanLeadingFlags } from './args';

/** commands/run.ts RUN_FLAGS, names, aliases and types only. */
export const RUN_FLAG_SHAPES: Record<string, Options> = {
  rm: { type: 'boolean' },
  interactive: { alias: 'i', type: 'boolean' },
  tty: { alias: 't', type: 'boolean' },
  name: { type: 'string' },
  env: { alias: 'e', type: 'string' },
  'env-file': { type: 'string' },
  workdir: { alias: 'w', type: 'string' },
  user: { alias: 'u', type: 'string' },
  entrypoint: { type: 'string' },
  hostname: { alias: 'h', type: 'string' },
  pid: { type: 'string' },
  uts: { type: 'string' },
  ipc: { type: 'string' },
  userns: { type: 'string' },
  cgroupns: { type: 'string' },
  'mount-ns': { type: 'string' },
  'no-pivot': { type: 'boolean' },
  network: { alias: 'net', type: 'string' },
  publish: { alias: 'p', type: 'string' },
  expose: { type: 'string' },
  'publish-all': { alias: 'P', type: 'boolean' },
  ip: { type: 'string' },
  'mac-address': { type: 'string' },
  'network-alias': { alias: 'net-alias', type: 'string' },
  dns: { type: 'string' },
  'dns-search': { type: 'string' },
  'add-host': { type: 'string' },
  link: { type: 'string' },
  init: { type: 'boolean' },
  privileged: { type: 'boolean' },
  'cap-add': { type: 'string' },
  'cap-drop': { type: 'string' },
  'security-opt': { type: 'string' },
  'group-add': { type: 'string' },
  ulimit: { type: 'string' },
  'storage-opt': { type: 'string' },
  device: { type: 'string' },
  'device-cgroup-rule': { type: 'string' },
  'read-only': { type: 'boolean' },
  memory: { alias: 'm', type: 'string' },
  'memory-swap': { type: 'string' },
  cpus: { type: 'string' },
  'cpu-shares': { alias: 'c', type: 'string' },
  'pids-limit': { type: 'string' },
  'blkio-weight': { type: 'string' },
  'health-cmd': { type: 'string' },
  'health-interval': { type: 'string' },
  'health-timeout': { type: 'string' },
  'health-retries': { type: 'string' },
  'health-start-period': { type: 'string' },
  'no-healthcheck': { type: 'boolean' },
  'device-read-bps': { type: 'string' },
  'device-write-bps': { type: 'string' },
  'device-read-iops': { type: 'string' },
  'device-write-iops': { type: 'string' },
  pull: { type: 'string' },
  detach: { alias: 'd', type: 'boolean' },
  'detach-keys': { type: 'string' },
  restart: { type: 'string' },
  'log-driver': { type: 'string' },
  'log-opt': { type: 'string' },
  label: { alias: 'l', type: 'string' },
  'stop-signal': { type: 'string' },
  'stop-timeout': { type: 'number' },
  volume: { alias: 'v', type: 'string' },
  mount: { type: 'string' },
  tmpfs: { type: 'string' },
  'volumes-from': { type: 'string' },
};

/**
 * A quick look at `run`'s flags (before IMAGE) for what the init's spawn depends on: -t, -i,
 * --pid host, and -d (no early init then). The CLI uses it to start the init before yargs
 * has even loaded; the full parse decides everything else.
 */
export function scanInitShape(tokens: readonly string[]): { pidHost: boolean; tty: boolean; interactive: boolean } | null {
  const seen = scanLeadingFlags(tokens, RUN_FLAG_SHAPES);
  // -d, and --userns (the init then starts the normal way, in its user namespace): no early init.
  if (seen === null || seen.has('detach') || seen.has('userns')) return null;
  return { pidHost: seen.get('pid') === 'host', tty: seen.has('tty'), interactive: seen.has('interactive') };
}

/**
 * The same quick look for `run -d`: the init shape its supervisor can spawn ahead (null: none
 * early, as engine/run.ts detachedInitShape decides after the parse), or undefined when this is
 * not a plain `run -d` (then nothing is launched before the parse). --trace after `run` also
 * means later: the supervisor must get the trace's descriptor, which the parse sets up.
 */
export function scanDetachedShape(tokens: readonly string[]): { newPidNamespace: boolean; terminal: boolean; openStdin: boolean } | null | undefined {
  const seen = scanLeadingFlags(tokens, RUN_FLAG_SHAPES);
  if (seen === null || seen.get('detach') !== true || seen.has('trace') || seen.has('root')) return undefined;
  const pid = seen.get('pid');
  if (seen.get('userns') === 'private' || (pid !== undefined && pid !== 'host')) return null;
  return { newPidNamespace: pid !== 'host', terminal: seen.has('tty'), openStdin: seen.has('interactive') };
}
