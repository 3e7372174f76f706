/**
 * Image config + `run` flags → the OCI runtime config.json. Docker's rules for what wins:
 *   args     = (--entrypoint or image Entrypoint) + (command line args or image Cmd)
 *   env      = image Env, then --env-file, then -e; plus PATH, HOSTNAME, HOME (and TERM with -t)
 *   cwd      = -w or image WorkingDir or /
 *   user     = -u or image User, names resolved from the image's /etc/passwd and /etc/group
 */
import { cpus as hostCpus } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../errors';
import { paths } from '../paths';
import { LOWERDIR_BASE_ANNOTATION, NO_PIVOT_ANNOTATION, type RuntimeSpec, type Mount } from '../runtime/spec';
import { DOCKER_DEFAULT_CAPS } from '../runtime/default-caps';
import { CAPABILITIES } from '../sys/constants';
import { cgroupName, cpusToQuota, detectCgroupVersion, parentName } from '../runtime/cgroups';
import type { ImageConfig } from '../image/store';
import { LayeredFiles } from '../image/layered-file';
import { resolveUser } from './user';
import { expandEnv, mergeEnv, readEnvFile } from './env';
import type { RunOptions } from './run-options';
import { seccompForContainer } from './seccomp-profile';
import type { UsernsRemap } from './userns-remap';
import { isRootless } from './rootless-run';
import { lazy } from '../lazy';

// --device, --device-cgroup-rule and --privileged's host devices only.
const deviceFlags = lazy(() => require('./device-flags') as typeof import('./device-flags'));
// Rootless on cgroup v2 only (rootlessCgroupParent).
const delegation = lazy(() => require('../runtime/cgroups/delegation') as typeof import('../runtime/cgroups/delegation'));

export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
export const INIT_PATH_IN_CONTAINER = '/sbin/mini-init';
export { INIT_BINARY } from './run-start';
import { INIT_BINARY } from './run-start';

/** Docker's masked and read-only paths. */
export const MASKED_PATHS = [
  '/proc/asound', '/proc/acpi', '/proc/interrupts', '/proc/kcore', '/proc/keys', '/proc/latency_stats',
  '/proc/timer_list', '/proc/timer_stats', '/proc/sched_debug', '/proc/scsi', '/sys/firmware',
  '/sys/devices/virtual/powercap',
];
export const READONLY_PATHS = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

/**
 * The device cgroup's rules (runtime/cgroups/devices.ts), as the Docker engine (20.10, runc
 * 1.1) sets them: nothing, then mknod of any node (so unpacking an image with device nodes
 * works) and read/write of the standard devices only — null, zero, full, random, urandom,
 * tty, console, ptmx, tun, and the container's own ptys (136:*).
 */
export const DEFAULT_DEVICE_RULES: ReadonlyArray<NonNullable<NonNullable<RuntimeSpec['linux']['resources']>['devices']>[number]> = [
  { allow: false, access: 'rwm' },
  { allow: true, type: 'c', access: 'm' },
  { allow: true, type: 'b', access: 'm' },
  ...([[1, 3], [1, 5], [1, 7], [1, 8], [1, 9], [5, 0], [5, 1], [5, 2], [10, 200]] as const)
    .map(([major, minor]) => ({ allow: true, type: 'c' as const, major, minor, access: 'rwm' })),
  { allow: true, type: 'c', major: 136, access: 'rwm' },
];

export function normalizeCap(name: string): string {
  const up = name.toUpperCase();
  return up === 'ALL' ? 'ALL' : up.startsWith('CAP_') ? up : `CAP_${up}`;
}

export function computeCapabilities(o: Pick<RunOptions, 'privileged' | 'capAdd' | 'capDrop'>): string[] {
  if (o.privileged) return [...CAPABILITIES];
  const add = o.capAdd.map(normalizeCap);
  const drop = o.capDrop.map(normalizeCap);
  for (const c of [...add, ...drop]) {
    if (c !== 'ALL' && !CAPABILITIES.includes(c)) throw new UserError(`unknown capability: "${c}"`, 125);
  }
  let caps = drop.includes('ALL') ? [] : [...DOCKER_DEFAULT_CAPS];
  caps = add.includes('ALL') ? [...CAPABILITIES] : [...new Set([...caps, ...add])];
  return caps.filter((c) => !drop.includes(c) || add.includes(c));
}

export interface BuildInput {
  id: string;
  opts: RunOptions;
  image: ImageConfig;
  layerDirs: string[]; // bottom → top
  layerLinks: string[]; // short names, bottom → top
  containerDir: string;
  /** Binds, volumes and tmpfs mounts (engine/volumes.ts), mounted after the standard ones. */
  userMounts?: Mount[];
  /** --userns private: the host ranges the container's uids and gids stand for (userns-remap.ts). */
  userns?: UsernsRemap;
  /** Block I/O limits, already resolved to device numbers (engine/blkio-flags.ts). */
  blockIO?: NonNullable<RuntimeSpec['linux']['resources']>['blockIO'];
}

/** What cannot work in a user namespace of its own, refused as dockerd refuses it under userns-remap. */
export function checkUsernsCompatible(opts: RunOptions): void {
  const clash = opts.privileged ? 'privileged mode' : opts.pidMode === 'host' ? '--pid host' : opts.network === 'host' ? '--network host'
    : opts.mountNsMode === 'host' ? '--mount-ns host' : null;
  if (clash) throw new UserError(`${clash} is incompatible with user namespaces: run the container with --userns host`, 125);
}

export function resolveArgs(opts: RunOptions, image: ImageConfig): string[] {
  const entrypoint = opts.entrypoint !== undefined ? (opts.entrypoint === '' ? [] : [opts.entrypoint]) : image.Entrypoint ?? [];
  const cmd = opts.command.length > 0 ? opts.command : opts.entrypoint !== undefined ? [] : image.Cmd ?? [];
  const args = [...entrypoint, ...cmd];
  if (args.length === 0) throw new UserError('no command specified', 125);
  return args;
}

/**
 * /sys: a sysfs of the container's own network namespace. Rootless with --network host there is
 * none of its own, and the kernel lets only the owner of the host's network namespace (host root)
 * mount a sysfs of it: the host's /sys is bound read-only instead, as runc and podman do rootless.
 */
function sysMount(opts: RunOptions): Mount {
  if (opts.network === 'host' && isRootless()) {
    return { destination: '/sys', type: 'bind', source: '/sys', options: ['rbind', 'nosuid', 'noexec', 'nodev', 'ro'] };
  }
  return { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', opts.privileged ? 'rw' : 'ro'] };
}

/**
 * Rootless on cgroup v2: the containers' groups go below the top of the cgroup subtree
 * delegated to the user (runtime/cgroups/delegation.ts), as `TOP/mini-run/mr-<id>`; '' for root,
 * and where nothing is delegated (the runtime then runs a container without limits in the
 * caller's group; limits were refused before: rootless-run.ts).
 */
function rootlessCgroupParent(cgroupV2: boolean): string {
  if (!cgroupV2 || !isRootless()) return '';
  const d = delegation().findDelegation();
  return 'path' in d ? `${d.path}/` : '';
}

export function buildSpec(input: BuildInput): RuntimeSpec {
  const { id, opts, image, containerDir } = input;
  const hostname = opts.hostname ?? id.slice(0, 12);
  const cgroupV2 = detectCgroupVersion() === 2;

  // --- process
  const workdir = opts.workdir ?? (image.WorkingDir || '/');
  if (!workdir.startsWith('/')) throw new UserError(`the working directory '${workdir}' is invalid, it needs to be an absolute path`, 125);
  const userSpec = opts.user ?? image.User ?? '';
  const etc = new LayeredFiles(input.layerDirs); // (the walk down /etc once for both)
  const user = resolveUser(userSpec, etc.read('/etc/passwd')?.toString('utf8') ?? null,
    etc.read('/etc/group')?.toString('utf8') ?? null, opts.groupAdd ?? []);
  const envFromFiles = opts.envFiles.flatMap(readEnvFile);
  let env = mergeEnv(image.Env ?? [], envFromFiles.map(expandEnv).filter((e): e is string => e !== null),
    opts.env.map(expandEnv).filter((e): e is string => e !== null));
  const has = (k: string) => env.some((e) => e.startsWith(k + '='));
  const defaults: string[] = [];
  if (!has('PATH')) defaults.push(`PATH=${DEFAULT_PATH}`);
  defaults.push(`HOSTNAME=${hostname}`);
  if (opts.tty && !has('TERM')) defaults.push('TERM=xterm');
  if (!has('HOME')) defaults.push(`HOME=${user.home}`);
  env = mergeEnv(defaults.filter((d) => d.startsWith('PATH=')), env, defaults.filter((d) => !d.startsWith('PATH=')));
  if (env.filter((e) => e.startsWith('HOSTNAME=')).length === 0) env.push(`HOSTNAME=${hostname}`);

  let args = resolveArgs(opts, image);
  if (opts.init) args = [INIT_PATH_IN_CONTAINER, '--', ...args];

  const caps = computeCapabilities(opts);

  // --- mounts (the overlay root first; the runtime mounts it onto root.path)
  // An image may list the same layer twice (a build's `COPY dir /d/` repeated, two empty
  // layers): overlayfs refuses a lower dir given twice (ELOOP), and only the topmost one counts
  // (whatever the lower copy adds or hides, the upper copy adds or hides again over everything).
  const lowerTopFirst = [...new Set([...input.layerLinks].reverse())].join(':');
  const mounts: Mount[] = [
    { destination: '/', type: 'overlay', source: 'overlay',
      options: [`lowerdir=${lowerTopFirst}`, `upperdir=${join(containerDir, 'upper')}`, `workdir=${join(containerDir, 'work')}`] },
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    // nodev: see runtime/devices.ts — the allowed devices are bind mounts of their own; with
    // --privileged every host device is made right here, so /dev is a plain tmpfs, as Docker's
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', ...(opts.privileged ? [] : ['nodev']), 'strictatime', 'mode=755', 'size=65536k'] },
    { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
    // POSIX shared memory lives in /dev/shm: with --ipc host the container shares the host's
    // (as docker does), else it gets a tmpfs of its own
    opts.ipcMode === 'host'
      ? { destination: '/dev/shm', type: 'bind', source: '/dev/shm', options: ['rbind', 'rprivate', 'nosuid', 'noexec', 'nodev'] }
      : { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    sysMount(opts),
  ];
  // The container's own cgroups at /sys/fs/cgroup: one cgroup2 mount on v2; on v1 (OCI type
  // "cgroup") the runtime binds the container's group of each controller (runtime/cgroup-mount.ts)
  mounts.push({ destination: '/sys/fs/cgroup', type: cgroupV2 ? 'cgroup2' : 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'relatime', opts.privileged ? 'rw' : 'ro'] });
  for (const f of ['resolv.conf', 'hostname', 'hosts']) {
    mounts.push({ destination: `/etc/${f}`, type: 'bind', source: join(containerDir, f), options: ['rbind', 'rprivate'] });
  }
  if (opts.init) {
    mounts.push({ destination: INIT_PATH_IN_CONTAINER, type: 'bind', source: INIT_BINARY, options: ['bind', 'ro'] });
  }
  // A mount of the user's at /dev (-v DIR:/dev, an image's VOLUME /dev) takes the place of
  // everything mounted under /dev (pts, shm, mqueue), as Docker drops its defaults then: nothing
  // is mounted or made inside the user's directory. (The runtime's /dev tmpfs stays, covered:
  // the masks bind its null device, never what the user's /dev calls null.)
  if ((input.userMounts ?? []).some((m) => m.destination === '/dev')) {
    for (let i = mounts.length - 1; i >= 0; i--) if (mounts[i].destination.startsWith('/dev/')) mounts.splice(i, 1);
  }
  mounts.push(...(input.userMounts ?? []));

  // --- namespaces: all private unless asked to share the host's
  const namespaces: RuntimeSpec['linux']['namespaces'] = [];
  // --userns private: first, so that every other namespace is made inside it and owned by it
  // (--network container:NAME: NAME's, the owner of the network namespace it joins)
  if (input.userns) namespaces.push(opts.userNsPath ? { type: 'user', path: opts.userNsPath } : { type: 'user' });
  if (opts.mountNsMode !== 'host') namespaces.push({ type: 'mount' });
  if (opts.pidMode !== 'host') namespaces.push({ type: 'pid' });
  if (opts.utsMode !== 'host') namespaces.push({ type: 'uts' });
  if (opts.ipcMode !== 'host') namespaces.push({ type: 'ipc' });
  // --network container:NAME: join that container's network namespace (the init setns()es into it).
  if (opts.network !== 'host') namespaces.push(opts.networkNsPath ? { type: 'network', path: opts.networkNsPath } : { type: 'network' });
  // docker's default: a cgroup namespace of its own on cgroup v2 hosts, the host's on v1
  if ((opts.cgroupnsMode ?? (cgroupV2 ? 'private' : 'host')) === 'private') namespaces.push({ type: 'cgroup' });

  // --- resources
  const resources: NonNullable<RuntimeSpec['linux']['resources']> = {};
  if (opts.memory !== undefined || opts.memorySwap !== undefined) {
    if (opts.memorySwap !== undefined && opts.memory === undefined) {
      throw new UserError('you should always set the memory limit when using the memoryswap limit, see usage', 125);
    }
    const limit = opts.memory!;
    if (limit < 6 * 1024 * 1024) throw new UserError('minimum memory limit allowed is 6MB', 125);
    let swap = opts.memorySwap ?? limit * 2; // docker: by default as much swap as memory
    if (swap !== -1 && swap < limit) throw new UserError('minimum memoryswap limit should be larger than memory limit, see usage', 125);
    if (swap === -1) swap = -1;
    resources.memory = { limit, swap };
  }
  if (opts.cpus !== undefined) {
    const n = hostCpus().length;
    if (!(opts.cpus > 0) || opts.cpus > n) throw new UserError(`range of CPUs is from 0.01 to ${n}.00, as there are only ${n} CPUs available`, 125);
    resources.cpu = { ...cpusToQuota(opts.cpus) };
  }
  if (opts.cpuShares !== undefined) resources.cpu = { ...resources.cpu, shares: opts.cpuShares };
  if (opts.pidsLimit !== undefined && opts.pidsLimit > 0) resources.pids = { limit: opts.pidsLimit };
  if (input.blockIO) resources.blockIO = input.blockIO;
  // --device: the host's nodes made in the container, each opened up in the device cgroup;
  // --device-cgroup-rule: more rules (later rules win)
  const extraDevices = opts.devices?.length ? deviceFlags().gatherDevices(opts.devices) : { devices: [], rules: [] };
  // --privileged: the host's device nodes too (a --device at the same path wins)
  const given = new Set(extraDevices.devices.map((d) => d.path));
  const devices = [...(opts.privileged ? deviceFlags().hostDevices().filter((d) => !given.has(d.path)) : []), ...extraDevices.devices];
  resources.devices = opts.privileged ? [{ allow: true, access: 'rwm' }]
    : [...DEFAULT_DEVICE_RULES, ...extraDevices.rules, ...(opts.deviceCgroupRules ?? []).map((rule) => deviceFlags().parseDeviceCgroupRule(rule))];

  return {
    ociVersion: '1.2.0',
    process: {
      terminal: opts.tty,
      user: { uid: user.uid, gid: user.gid, additionalGids: user.additionalGids },
      args,
      env,
      cwd: workdir,
      capabilities: { bounding: caps, effective: caps, permitted: caps, inheritable: [] },
      ...(opts.security?.noNewPrivileges ? { noNewPrivileges: true } : {}),
      ...(opts.ulimits?.length ? { rlimits: opts.ulimits } : {}),
    },
    root: { path: 'rootfs', readonly: opts.readOnly },
    hostname,
    mounts,
    annotations: {
      [LOWERDIR_BASE_ANNOTATION]: paths.layerLinks(),
      ...(opts.noPivot || opts.mountNsMode === 'host' ? { [NO_PIVOT_ANNOTATION]: 'true' } : {}),
    },
    linux: {
      namespaces,
      ...(input.userns && !opts.userNsPath ? { uidMappings: input.userns.uidMappings, gidMappings: input.userns.gidMappings } : {}),
      resources,
      cgroupsPath: `/${rootlessCgroupParent(cgroupV2)}${parentName()}/${cgroupName(id)}`,
      maskedPaths: opts.privileged ? [] : MASKED_PATHS,
      readonlyPaths: opts.privileged ? [] : READONLY_PATHS,
      seccomp: seccompForContainer(opts.security?.seccomp ?? { kind: 'default' }, caps, opts.privileged),
      ...(devices.length ? { devices } : {}),
    },
  };
}
