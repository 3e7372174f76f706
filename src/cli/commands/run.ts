/**
 * `mini-run run [OPTIONS] IMAGE [COMMAND] [ARG...]` — docker's flags, docker's defaults.
 */
import type { Argv, CommandModule, Options } from 'yargs';
import { UserError } from '../../errors';
import type { RunOptions } from '../../engine/run-options';
import { listOption, PARSER_CONFIG } from '../args';
import { parseResourceFlags, RESOURCE_FLAGS } from '../resource-flags';
import { exitWhenFlushed } from '../exit-flushed';
import { lazy } from '../../lazy';

const progress = lazy(() => require('../progress') as typeof import('../progress'));
const attach = lazy(() => require('../../engine/attach') as typeof import('../../engine/attach'));
const ports = lazy(() => require('../../network/ports') as typeof import('../../network/ports'));
const securityOpts = lazy(() => require('../../engine/security-opts') as typeof import('../../engine/security-opts'));
const ulimitsMod = lazy(() => require('../../engine/ulimits') as typeof import('../../engine/ulimits'));
const deviceFlags = lazy(() => require('../../engine/device-flags') as typeof import('../../engine/device-flags'));
const storageOpts = lazy(() => require('../../engine/storage-opts') as typeof import('../../engine/storage-opts'));
const blkioFlags = lazy(() => require('../../engine/blkio-flags') as typeof import('../../engine/blkio-flags'));
const healthMod = lazy(() => require('../../engine/health') as typeof import('../../engine/health'));

/** The flags of `run` (and later `create`), in one table: yargs reads it, and so does the splitter below. */
export const RUN_FLAGS: Record<string, Options> = {
  rm: { type: 'boolean', describe: 'Automatically remove the container when it exits' },
  interactive: { alias: 'i', type: 'boolean', describe: 'Keep STDIN open' },
  tty: { alias: 't', type: 'boolean', describe: 'Allocate a pseudo-TTY' },
  name: { type: 'string', describe: 'Assign a name to the container' },
  env: { alias: 'e', type: 'string', describe: 'Set environment variables (KEY=VALUE or KEY)' },
  'env-file': { type: 'string', describe: 'Read in a file of environment variables' },
  workdir: { alias: 'w', type: 'string', describe: 'Working directory inside the container' },
  user: { alias: 'u', type: 'string', describe: 'Username or UID (format: <name|uid>[:<group|gid>])' },
  entrypoint: { type: 'string', describe: 'Overwrite the default ENTRYPOINT of the image' },
  hostname: { alias: 'h', type: 'string', describe: 'Container host name' },
  pid: { type: 'string', describe: "PID namespace to use ('host' to share the host's)" },
  uts: { type: 'string', describe: "UTS namespace to use ('host' to share the host's)" },
  ipc: { type: 'string', describe: "IPC namespace to use ('host' to share the host's)" },
  userns: { type: 'string', describe: "User namespace: 'private' (container root is a host uid from /etc/subuid) or 'host'; default: the config file's userns-remap" },
  cgroupns: { type: 'string', describe: "Cgroup namespace to use ('host' or 'private'; default private on cgroup v2, host on v1)" },
  'mount-ns': { type: 'string', describe: "Lesson switch: 'host' = no mount namespace (the container's mounts appear on the host; root by chroot)" },
  'no-pivot': { type: 'boolean', describe: 'Lesson switch: enter the root with chroot instead of pivot_root (the host root stays reachable)' },
  network: { alias: 'net', type: 'string', describe: "Network: 'bridge' (mini-run0), 'none' (only lo), 'host', 'container:NAME'", default: 'bridge' },
  publish: { alias: 'p', type: 'string', describe: "Publish a container's port(s) to the host ([ip:][hostPort:]containerPort[/proto])" },
  expose: { type: 'string', describe: 'Expose a port or a range of ports (PORT[-PORT][/PROTO])' },
  'publish-all': { alias: 'P', type: 'boolean', describe: 'Publish all exposed ports to free host ports' },
  ip: { type: 'string', describe: 'IPv4 address (e.g. 10.88.0.50)' },
  'mac-address': { type: 'string', describe: 'Container MAC address (e.g. 02:42:0a:58:00:32)' },
  'network-alias': { alias: 'net-alias', type: 'string', describe: 'Add network-scoped alias for the container' },
  dns: { type: 'string', describe: 'Set custom DNS servers' },
  'dns-search': { type: 'string', describe: 'Set custom DNS search domains' },
  'add-host': { type: 'string', describe: 'Add a custom host-to-IP mapping (host:ip)' },
  link: { type: 'string', describe: 'Add link to another container (NAME[:ALIAS])' },
  init: { type: 'boolean', describe: 'Run an init inside the container that forwards signals and reaps processes' },
  privileged: { type: 'boolean', describe: 'Give extended privileges to this container' },
  'cap-add': { type: 'string', describe: 'Add Linux capabilities' },
  'cap-drop': { type: 'string', describe: 'Drop Linux capabilities' },
  'security-opt': { type: 'string', describe: 'Security options (seccomp=unconfined|PROFILE.json, no-new-privileges)' },
  'group-add': { type: 'string', describe: 'Add additional groups to join' },
  ulimit: { type: 'string', describe: 'Ulimit options (name=soft[:hard], e.g. nofile=1024:2048)' },
  'storage-opt': { type: 'string', describe: 'Storage driver options for the container (size=N needs project quotas: refused where there are none)' },
  device: { type: 'string', describe: 'Add a host device to the container (HOST[:CONTAINER][:PERMS])' },
  'device-cgroup-rule': { type: 'string', describe: "Add a rule to the cgroup allowed devices list ('c 10:229 rwm')" },
  'read-only': { type: 'boolean', describe: "Mount the container's root filesystem as read only" },
  ...RESOURCE_FLAGS, // --memory --memory-swap --cpus --cpu-shares --pids-limit --blkio-weight, shared with update
  'health-cmd': { type: 'string', describe: 'Command to run to check health' },
  'health-interval': { type: 'string', describe: 'Time between running the check (ms|s|m|h) (default 0s)' },
  'health-timeout': { type: 'string', describe: 'Maximum time to allow one check to run (ms|s|m|h) (default 0s)' },
  'health-retries': { type: 'string', describe: 'Consecutive failures needed to report unhealthy' },
  'health-start-period': { type: 'string', describe: 'Start period for the container to initialize before starting health-retries countdown (ms|s|m|h) (default 0s)' },
  'no-healthcheck': { type: 'boolean', describe: 'Disable any container-specified HEALTHCHECK' },
  'device-read-bps': { type: 'string', describe: 'Limit read rate (bytes per second) from a device (/dev/vda:1mb)' },
  'device-write-bps': { type: 'string', describe: 'Limit write rate (bytes per second) to a device (/dev/vda:1mb)' },
  'device-read-iops': { type: 'string', describe: 'Limit read rate (IO per second) from a device (/dev/vda:100)' },
  'device-write-iops': { type: 'string', describe: 'Limit write rate (IO per second) to a device (/dev/vda:100)' },
  pull: { type: 'string', describe: 'Pull image before running ("always", "missing", "never")', default: 'missing' },
  detach: { alias: 'd', type: 'boolean', describe: 'Run container in background and print container ID' },
  'detach-keys': { type: 'string', describe: 'Override the key sequence for detaching a container (run -it; default ctrl-p,ctrl-q)' },
  restart: { type: 'string', describe: 'Restart policy: no, on-failure[:max-retries], always, unless-stopped', default: 'no' },
  'log-driver': { type: 'string', describe: 'Logging driver for the container (json-file, local: json-file lines rotated 20m x 5 as the local driver, none)' },
  'log-opt': { type: 'string', describe: 'Log driver options (json-file: max-size, max-file)' },
  label: { alias: 'l', type: 'string', describe: 'Set meta data on a container (key=value)' },
  'stop-signal': { type: 'string', describe: 'Signal to stop the container' },
  'stop-timeout': { type: 'number', describe: 'Timeout (in seconds) to stop a container' },
  volume: { alias: 'v', type: 'string', describe: 'Bind mount a volume ([SRC:]DST[:ro|rw]; SRC a host path or a volume name)' },
  mount: { type: 'string', describe: 'Attach a filesystem mount (type=bind|volume|tmpfs,source=…,target=…[,readonly])' },
  tmpfs: { type: 'string', describe: 'Mount a tmpfs directory (/path[:size=…,mode=…])' },
  'volumes-from': { type: 'string', describe: 'Mount volumes from the specified container(s) (CONTAINER[:ro|rw])' },
};

/** `--restart no|on-failure[:N]|always|unless-stopped` (docker's spelling and errors). */
export function parseRestartPolicy(value: string): RunOptions['restart'] {
  const [name, count] = value.split(':');
  if (name === 'no' || name === 'always' || name === 'unless-stopped') {
    if (count !== undefined) throw new UserError(`invalid restart policy format: maximum retry count cannot be used with restart policy '${name}'`, 125);
    return { Name: name, MaximumRetryCount: 0 };
  }
  if (name === 'on-failure') {
    const n = count === undefined ? 0 : Number(count);
    if (!Number.isInteger(n) || n < 0) throw new UserError(`invalid restart policy format: maximum retry count must be an integer`, 125);
    return { Name: 'on-failure', MaximumRetryCount: n };
  }
  throw new UserError(`invalid restart policy format: unknown policy '${value}'`, 125);
}

/** KEY=VALUE words (labels, log options) into an object; `KEY` alone means an empty value. */
export function keyValues(words: string[], flag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const w of words) {
    const i = w.indexOf('=');
    if (i === 0) throw new UserError(`invalid argument "${w}" for "${flag}" flag: key cannot be empty`, 125);
    if (i < 0) out[w] = '';
    else out[w.slice(0, i)] = w.slice(i + 1);
  }
  return out;
}

// splitAtImage lives in cli/args.ts (exec uses it too, without loading this module).
export { splitAtImage } from '../args';

// The quick scans before the parse live in cli/run-scan.ts (which does not load this module).
export { scanInitShape, scanDetachedShape } from '../run-scan';

type RunArgs = { image: string; '--'?: (string | number)[] } & Record<string, unknown>;


function namespaceMode(v: unknown, flag: string): string | undefined {
  if (v === undefined || v === '' || v === 'private') return undefined;
  if (v === 'host') return 'host';
  throw new UserError(`invalid --${flag}: '${v}' (mini-run supports 'host' or the default private namespace)`, 125);
}

function usernsMode(v: unknown): 'host' | 'private' | undefined {
  if (v === undefined) return undefined;
  if (v === 'host' || v === 'private') return v;
  throw new UserError(`invalid --userns: '${v}': must be 'host' or 'private'`, 125);
}

function cgroupnsMode(v: unknown): 'host' | 'private' | undefined {
  if (v === undefined || v === '') return undefined;
  if (v === 'host' || v === 'private') return v;
  throw new UserError(`invalid --cgroupns: '${v}': must be 'host' or 'private'`, 125);
}

/** Pull progress for `run`/`create`, on stderr (loaded only if a pull happens). */
let pullProgress: ((e: Parameters<NonNullable<RunOptions['onPullEvent']>>[0]) => void) | undefined;
function showPullEvent(e: Parameters<NonNullable<RunOptions['onPullEvent']>>[0]): void {
  pullProgress ??= progress().progressReporter(process.stderr);
  pullProgress(e);
}

/** --detach-keys, refused before anything is created when Docker would refuse it. */
function checkedDetachKeys(v: unknown): string | undefined {
  if (v === undefined) return undefined;
  const { parseDetachKeys } = attach();
  parseDetachKeys(String(v));
  return String(v);
}

export function toRunOptions(a: RunArgs): RunOptions {
  // The flag parsers load here, not at the top: main.ts loads this module for RUN_FLAGS before it
  // starts the container's init, and they bring zod (≈ 20–40 ms on a busy host) with them.
  // (--ulimit, --device, --device-cgroup-rule and --storage-opt's parsers: only when given)
  const { parsePublish } = ports();
  const { parseSecurityOpts } = securityOpts();
  const { parseThrottle } = blkioFlags();
  const { parseHealthDuration } = healthMod();
  const network = String(a.network ?? 'bridge') === 'default' ? 'bridge' : String(a.network ?? 'bridge');
  if (network === '' || network === 'container:') throw new UserError(`invalid --network "${network}"`, 125);
  // bridge, or a user network (checked by the engine): both get a veth on a bridge.
  const bridged = network !== 'none' && network !== 'host' && !network.startsWith('container:');
  const netOnly = (flag: string) => {
    if (a[flag] !== undefined && !bridged) throw new UserError(`conflicting options: --${flag} needs a bridge network, not --network ${network}`, 125);
  };
  for (const f of ['publish', 'ip', 'mac-address', 'link', 'network-alias']) netOnly(f);
  if (a['publish-all'] && !bridged) throw new UserError(`conflicting options: --publish-all needs a bridge network, not --network ${network}`, 125);
  for (const h of listOption(a['add-host'])) {
    if (!/^[^:]+:\d{1,3}(\.\d{1,3}){3}$/.test(h)) throw new UserError(`invalid argument "${h}" for "--add-host" flag: expected HOST:IP`, 125);
  }
  const { blkioWeight, ...limits } = parseResourceFlags(a);
  const num = (k: string) => {
    const v = a[k];
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || Number.isNaN(v)) throw new UserError(`invalid argument "${v}" for "--${k}" flag`, 125);
    return v;
  };
  const pull = String(a.pull ?? 'missing');
  if (pull !== 'missing' && pull !== 'always' && pull !== 'never') {
    throw new UserError(`invalid pull option: '${pull}': must be one of "always", "missing" or "never"`, 125);
  }
  const logDriver = a['log-driver'] === undefined ? undefined : String(a['log-driver']);
  if (logDriver !== undefined && logDriver !== 'json-file' && logDriver !== 'local' && logDriver !== 'none') {
    throw new UserError(`logger: no log driver named '${logDriver}' is registered (mini-run has json-file, local and none)`, 125);
  }
  return {
    image: a.image,
    pull,
    onPullEvent: showPullEvent,
    command: (a['--'] ?? []).map(String),
    name: a.name as string | undefined,
    autoRemove: !!a.rm,
    interactive: !!a.interactive,
    tty: !!a.tty,
    env: listOption(a.env),
    envFiles: listOption(a['env-file']),
    workdir: a.workdir as string | undefined,
    user: a.user as string | undefined,
    entrypoint: a.entrypoint as string | undefined,
    hostname: a.hostname as string | undefined,
    pidMode: namespaceMode(a.pid, 'pid'),
    utsMode: namespaceMode(a.uts, 'uts'),
    ipcMode: namespaceMode(a.ipc, 'ipc'),
    cgroupnsMode: cgroupnsMode(a.cgroupns),
    usernsMode: usernsMode(a.userns),
    mountNsMode: namespaceMode(a['mount-ns'], 'mount-ns') as 'host' | undefined,
    noPivot: !!a['no-pivot'],
    network,
    publish: listOption(a.publish).flatMap(parsePublish),
    publishAll: !!a['publish-all'],
    expose: listOption(a.expose),
    ip: a.ip as string | undefined,
    macAddress: a['mac-address'] as string | undefined,
    networkAliases: listOption(a['network-alias']),
    dns: listOption(a.dns),
    dnsSearch: listOption(a['dns-search']),
    addHosts: listOption(a['add-host']),
    links: listOption(a.link),
    init: !!a.init,
    privileged: !!a.privileged,
    capAdd: listOption(a['cap-add']),
    capDrop: listOption(a['cap-drop']),
    securityOpt: listOption(a['security-opt']),
    security: parseSecurityOpts(listOption(a['security-opt'])),
    groupAdd: listOption(a['group-add']),
    ulimits: listOption(a.ulimit).map((u) => ulimitsMod().parseUlimit(u)),
    devices: listOption(a.device).map((d) => deviceFlags().parseDeviceFlag(d)),
    storageOpt: a['storage-opt'] === undefined ? {} : storageOpts().parseStorageOpts(listOption(a['storage-opt'])),
    deviceCgroupRules: listOption(a['device-cgroup-rule']).map((r) => (deviceFlags().parseDeviceCgroupRule(r), r)),
    readOnly: !!a['read-only'],
    ...limits,
    health: {
      cmd: a['health-cmd'] === undefined ? undefined : String(a['health-cmd']),
      interval: a['health-interval'] === undefined ? undefined : parseHealthDuration(String(a['health-interval']), 'health-interval'),
      timeout: a['health-timeout'] === undefined ? undefined : parseHealthDuration(String(a['health-timeout']), 'health-timeout'),
      startPeriod: a['health-start-period'] === undefined ? undefined : parseHealthDuration(String(a['health-start-period']), 'health-start-period'),
      retries: a['health-retries'] === undefined ? undefined : (() => {
        const s = String(a['health-retries']);
        if (!/^-?\d+$/.test(s)) throw new UserError(`invalid argument "${s}" for "--health-retries" flag: strconv.ParseInt: parsing "${s}": invalid syntax`, 125);
        return Number(s);
      })(),
      none: !!a['no-healthcheck'],
    },
    blkio: {
      BlkioWeight: blkioWeight ?? 0,
      BlkioDeviceReadBps: listOption(a['device-read-bps']).map((v) => parseThrottle(v, 'device-read-bps')),
      BlkioDeviceWriteBps: listOption(a['device-write-bps']).map((v) => parseThrottle(v, 'device-write-bps')),
      BlkioDeviceReadIOps: listOption(a['device-read-iops']).map((v) => parseThrottle(v, 'device-read-iops')),
      BlkioDeviceWriteIOps: listOption(a['device-write-iops']).map((v) => parseThrottle(v, 'device-write-iops')),
    },
    detach: !!a.detach,
    detachKeys: checkedDetachKeys(a['detach-keys']),
    restart: parseRestartPolicy(String(a.restart ?? 'no')),
    logDriver: logDriver as RunOptions['logDriver'],
    logOpts: keyValues(listOption(a['log-opt']), '--log-opt'),
    labels: keyValues(listOption(a.label), '--label'),
    stopSignal: a['stop-signal'] as string | undefined,
    stopTimeout: num('stop-timeout'),
    volumes: listOption(a.volume),
    mounts: listOption(a.mount),
    tmpfs: listOption(a.tmpfs),
    volumesFrom: listOption(a['volumes-from']),
  };
}

export const runCommand: CommandModule<object, RunArgs> = {
  command: 'run <image>',
  describe: 'Create and run a new container from an image',
  builder: (y: Argv) =>
    y.usage('Usage: mini-run run [OPTIONS] IMAGE [COMMAND] [ARG...]')
      .parserConfiguration({ ...PARSER_CONFIG, 'populate--': true })
      .options(RUN_FLAGS)
      .positional('image', { type: 'string', describe: 'image to run' }) as unknown as Argv<RunArgs>,
  handler: async (a) => {
    const opts = toRunOptions(a);
    // Start the container's init booting first, then load the rest of the engine (run-start.ts).
    const { startInitEarly } = await import('../../engine/run-start');
    const early = await startInitEarly(opts);
    const { runContainer } = await import('../../engine/run');
    const code = await runContainer(opts, early);
    process.exitCode = code;
    // A foreground run ends here: the container is recorded (or removed) and every relay has
    // finished. Exit as soon as our output has left, without waiting for Node to tear its heap
    // down (≈ 10 ms; exit-flushed.ts); `run -d` and `run -it` end as before.
    if (!opts.detach && !(opts.tty && opts.interactive)) await exitWhenFlushed(code);
  },
};
