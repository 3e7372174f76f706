/**
 * Live facts about a process, read straight from the kernel: /proc/PID/…, cgroupfs, sysfs and
 * the process's network namespace. Nothing here looks at mini-run's records, so what these
 * functions return is what the kernel really applied — `explain` and the lessons show it next
 * to what was asked for.
 *
 * Every reader is small and cheap (a few file reads, at most a couple of `ip` commands) and
 * safe against a process that exits halfway: reading /proc/PID/… of a process that is gone
 * fails with ENOENT/ESRCH, which becomes one clear `ProcessGoneError`.
 *
 * The CLI runs on the host, so "the host's" namespaces are the CLI's own (/proc/self/ns/*).
 */
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { basename, isAbsolute, join } from 'node:path';
import { UserError } from '../errors';
import { paths } from '../paths';
import { CAPABILITIES } from '../sys/constants';
import { runCommand } from '../sys/command';
import { DEFAULT_MOUNTPOINT, detectCgroupVersion } from '../runtime/cgroups/detect';
import { readCgroupFile, readNumber } from '../runtime/cgroups/cgroupfs';
import { detectFirewall } from '../network/firewall';

// ------------------------------------------------------------------------- reading /proc

/** The process went away while we were reading about it. */
export class ProcessGoneError extends UserError {
  constructor(readonly pid: number) {
    super(`process ${pid} is gone (it exited while its /proc entries were being read)`, 1);
    this.name = 'ProcessGoneError';
  }
}

/** Turn a /proc read error into a clear one-line error. */
function procError(pid: number, what: string, err: unknown): Error {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ESRCH') return new ProcessGoneError(pid);
  if (code === 'EACCES' || code === 'EPERM') {
    return new UserError(`cannot read ${what}: permission denied (reading another process's namespaces and mounts needs root)`, 1);
  }
  return new UserError(`cannot read ${what}: ${(err as Error).message}`, 1);
}

function readProc(pid: number | 'self', file: string): string {
  const path = `/proc/${pid}/${file}`;
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw procError(typeof pid === 'number' ? pid : process.pid, path, err);
  }
}

function readProcLink(pid: number | 'self', file: string): string {
  const path = `/proc/${pid}/${file}`;
  try {
    return readlinkSync(path);
  } catch (err) {
    throw procError(typeof pid === 'number' ? pid : process.pid, path, err);
  }
}

// ------------------------------------------------------------------------- namespaces

export type NsType = 'mnt' | 'uts' | 'ipc' | 'pid' | 'net' | 'cgroup' | 'user' | 'time';
export const NS_TYPES: readonly NsType[] = ['mnt', 'uts', 'ipc', 'pid', 'net', 'cgroup', 'user', 'time'];

export interface NamespaceFact {
  type: NsType;
  /** What /proc/PID/ns/TYPE points to, e.g. 'uts:[4026532301]' (the namespace's inode). */
  inside: string;
  /** The same link of the host (the CLI's own namespace). */
  host: string;
  /** Same inode: the process sees the host's namespace of this type. */
  shared: boolean;
}

/**
 * Each namespace of the process next to the host's. Two processes are in the same namespace
 * exactly when their /proc/PID/ns/TYPE links name the same inode. Types the kernel lacks
 * (e.g. `time` before 5.6) are left out.
 */
export function namespaceFacts(pid: number): NamespaceFact[] {
  const facts: NamespaceFact[] = [];
  for (const type of NS_TYPES) {
    let host: string;
    try {
      host = readlinkSync(`/proc/self/ns/${type}`);
    } catch {
      continue; // this kernel has no such namespace type
    }
    const inside = readProcLink(pid, `ns/${type}`);
    facts.push({ type, inside, host, shared: inside === host });
  }
  return facts;
}

/**
 * The process's PID as each PID namespace it is in sees it, outermost (the host's) first: the
 * `NSpid` line of /proc/PID/status. A container's init shows `NSpid: 29671 1`.
 */
export function pidsByNamespace(pid: number): number[] {
  const m = /^NSpid:\s*(.+)$/m.exec(readProc(pid, 'status'));
  return m ? m[1].trim().split(/\s+/).map(Number) : [pid];
}

// ----------------------------------------------------------------------- capabilities

export interface CapabilityFacts {
  /** What the process may use right now (CapEff), by name, in the kernel's bit order. */
  effective: string[];
  /** The ceiling (CapBnd): nothing outside it can ever be gained, even by a setuid binary. */
  bounding: string[];
  /** CapEff as /proc/PID/status shows it, e.g. '00000000a80425fb'. */
  effectiveHex: string;
}

/** The names of the bits set in a capability mask ('cap_N' for a bit this table does not know). */
export function decodeCapabilityMask(hex: string): string[] {
  const mask = BigInt(`0x${hex}`);
  const names: string[] = [];
  for (let bit = 0; bit < 64; bit++) {
    if (mask & (1n << BigInt(bit))) names.push(CAPABILITIES[bit] ?? `cap_${bit}`);
  }
  return names;
}

/** The process's capability sets, decoded from /proc/PID/status (CapEff, CapBnd). */
export function capabilityFacts(pid: number): CapabilityFacts {
  const status = readProc(pid, 'status');
  const field = (name: string): string => {
    const m = new RegExp(`^${name}:\\s*([0-9a-f]+)$`, 'm').exec(status);
    if (!m) throw new UserError(`/proc/${pid}/status has no ${name} line`, 1);
    return m[1];
  };
  const effectiveHex = field('CapEff');
  return { effective: decodeCapabilityMask(effectiveHex), bounding: decodeCapabilityMask(field('CapBnd')), effectiveHex };
}

// ---------------------------------------------------------------------------- mounts

/** One line of /proc/PID/mountinfo (see proc(5)). */
export interface MountInfo {
  id: number;
  parentId: number;
  /** The directory of the filesystem that is mounted here ('/' unless a bind mount of a sub-path). */
  root: string;
  /** Where, as the process sees it. */
  mountPoint: string;
  /** Per-mount options (ro/rw, nosuid…). */
  options: string[];
  /** Propagation tags: 'shared:N', 'master:N', … (none = private). */
  optional: string[];
  fstype: string;
  source: string;
  /** Filesystem ("super block") options: for overlay, lowerdir=… upperdir=… workdir=…. */
  superOptions: string[];
}

/** mountinfo escapes space, tab, newline and backslash as \ooo octal. */
function unescapeOctal(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/** Split a super-options string at commas (overlay paths escape their own commas as '\,'). */
function splitOptions(s: string): string[] {
  return s.split(/(?<!\\),/).filter((o) => o !== '');
}

export function parseMountInfo(text: string): MountInfo[] {
  const out: MountInfo[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const f = line.split(' ');
    const dash = f.indexOf('-', 6);
    if (dash < 0 || f.length < dash + 3) continue;
    out.push({
      id: Number(f[0]),
      parentId: Number(f[1]),
      root: unescapeOctal(f[3]),
      mountPoint: unescapeOctal(f[4]),
      options: f[5].split(','),
      optional: f.slice(6, dash),
      fstype: f[dash + 1],
      source: unescapeOctal(f[dash + 2]),
      superOptions: splitOptions(unescapeOctal(f.slice(dash + 3).join(' '))),
    });
  }
  return out;
}

/** The mount table of a process, as it sees it (its mount namespace, relative to its root). */
export function mountInfo(pid: number | 'self'): MountInfo[] {
  return parseMountInfo(readProc(pid, 'mountinfo'));
}

/** The mount a path resolves to: the LAST entry for that mount point (a later mount hides earlier ones). */
function topMountAt(mounts: MountInfo[], mountPoint: string): MountInfo | undefined {
  for (let i = mounts.length - 1; i >= 0; i--) if (mounts[i].mountPoint === mountPoint) return mounts[i];
  return undefined;
}

export interface OverlayLayer {
  /** As the mount options say it (often a short link name relative to ROOT/layers/l). */
  given: string;
  /** Absolute directory ('' if it cannot be resolved any more). */
  path: string;
  /** The layer's diff_id when the directory is one of the layer store's (sha256:…), else null. */
  diffId: string | null;
}

export interface RootMountFact {
  fstype: string;
  source: string;
  /** Read-only or read-write, from the mount's own options. */
  readonly: boolean;
  /** Overlay only: the image layers, TOP FIRST (the order overlayfs searches them). */
  lowerdirs: OverlayLayer[];
  /** Overlay only: the container's writable layer. */
  upperdir?: string;
  workdir?: string;
}

/**
 * Turn one lowerdir as given to mount(2) into an absolute path and, when it is a layer of the
 * store, its diff_id. mini-run passes short relative names (`37I5MK27CI`, a symlink in
 * ROOT/layers/l to `../<hex>/fs`; see image/layer-store.ts) to keep the option string short.
 */
export function resolveLowerdir(given: string, linkDir: string = paths.layerLinks()): OverlayLayer {
  const abs = isAbsolute(given) ? given : join(linkDir, given);
  let target = abs;
  try {
    const link = readlinkSync(abs);
    target = isAbsolute(link) ? link : join(abs, '..', link);
  } catch { /* not a link (or gone): keep the path itself */ }
  // A layer of the store lives at ROOT/layers/<64 hex>/fs.
  const m = /\/([0-9a-f]{64})\/fs\/?$/.exec(target);
  return { given, path: target, diffId: m && basename(join(target, '..')) === m[1] ? `sha256:${m[1]}` : null };
}

/** The overlay's `lowerdir=a:b:c` (and `lowerdir+=` of the new mount API) → the list, top first. */
function overlayLowerdirs(superOptions: string[]): string[] {
  const out: string[] = [];
  for (const o of superOptions) {
    if (o.startsWith('lowerdir=')) out.push(...o.slice('lowerdir='.length).split(/(?<!\\):/).filter(Boolean));
    else if (o.startsWith('lowerdir+=')) out.push(o.slice('lowerdir+='.length));
  }
  return out.map((d) => d.replace(/\\([:,])/g, '$1'));
}

/** What the process's `/` is: the filesystem, and for overlay its layers. */
export function rootMountFact(pid: number, opts: { layerLinkDir?: string } = {}): RootMountFact {
  const root = topMountAt(mountInfo(pid), '/');
  if (!root) throw new UserError(`/proc/${pid}/mountinfo has no mount at /`, 1);
  const fact: RootMountFact = { fstype: root.fstype, source: root.source, readonly: root.options.includes('ro'), lowerdirs: [] };
  if (root.fstype === 'overlay') {
    fact.lowerdirs = overlayLowerdirs(root.superOptions).map((d) => resolveLowerdir(d, opts.layerLinkDir));
    const opt = (k: string) => root.superOptions.find((o) => o.startsWith(`${k}=`))?.slice(k.length + 1);
    fact.upperdir = opt('upperdir');
    fact.workdir = opt('workdir');
  }
  return fact;
}

export interface MaskedPathFacts {
  /** Paths hidden: /dev/null bound over a file, or an empty read-only tmpfs over a directory. */
  masked: string[];
  /** Paths of /proc and /sys made read-only (bind-mounted onto themselves, then remounted ro). */
  readonly: string[];
}

/**
 * docker's maskedPaths/readonlyPaths as they really are in the process's mount table: mounts
 * on top of /proc/… or /sys/… (not /proc and /sys themselves) that are either a bind of a
 * `null` device node or a read-only tmpfs (masked), or a read-only proc/sysfs view (readonly).
 */
export function maskedPathFacts(pid: number): MaskedPathFacts {
  const masked: string[] = [];
  const readonly: string[] = [];
  const mounts = mountInfo(pid);
  for (const m of mounts) {
    if (!/^\/(proc|sys)\/./.test(m.mountPoint) || topMountAt(mounts, m.mountPoint) !== m) continue;
    const ro = m.options.includes('ro');
    if (basename(m.root) === 'null' && m.fstype !== 'proc' && m.fstype !== 'sysfs') masked.push(m.mountPoint);
    else if (m.fstype === 'tmpfs' && ro) masked.push(m.mountPoint);
    else if (ro && (m.fstype === 'proc' || m.fstype === 'sysfs')) readonly.push(m.mountPoint);
  }
  return { masked: masked.sort(), readonly: readonly.sort() };
}

// ---------------------------------------------------------------------------- cgroups

export interface CgroupFacts {
  version: 1 | 2;
  /** The process's cgroup directories: one on v2, one per controller hierarchy on v1. */
  paths: { controllers: string; dir: string }[];
  memory: { limitBytes: number | null; usageBytes: number | null; swapLimitBytes: number | null; oomKills: number | null };
  pids: { max: number | null; current: number | null };
  /** quotaUsec null = no quota (the group may use every CPU). */
  cpu: { quotaUsec: number | null; periodUsec: number | null; shares: number | null; weight: number | null };
}

/** v1 shows "no limit" as a huge page-rounded number (~2^63); v2 as the word "max". */
const V1_UNLIMITED = 2 ** 62;

function limitValue(path: string): number | null {
  const text = readCgroupFile(path);
  if (text === null || text.trim() === 'max') return null;
  const n = Number(text.trim());
  return !Number.isFinite(n) || n < 0 || n >= V1_UNLIMITED ? null : n;
}

function keyed(path: string, key: string): number | null {
  const text = readCgroupFile(path);
  const m = text === null ? null : new RegExp(`^${key} (\\d+)$`, 'm').exec(text);
  return m ? Number(m[1]) : null;
}

/** Where each v1 controller hierarchy (or the v2 tree) is mounted on the host, from /proc/self/mountinfo. */
function cgroupMounts(): { fstype: string; controllers: string[]; mountPoint: string }[] {
  return mountInfo('self')
    .filter((m) => m.fstype === 'cgroup' || m.fstype === 'cgroup2')
    .map((m) => ({ fstype: m.fstype, controllers: m.superOptions.filter((o) => o !== 'rw' && o !== 'ro'), mountPoint: m.mountPoint }));
}

/**
 * The process's cgroups and the limits and usage written in them. /proc/PID/cgroup lists
 * `hierarchy-id:controllers:path` (v2: one `0::/path` line); the path is relative to the
 * hierarchy's mount, which we find in the host's mount table.
 */
export function cgroupFacts(pid: number): CgroupFacts {
  const version = detectCgroupVersion();
  const lines = readProc(pid, 'cgroup').split('\n').filter(Boolean).map((l) => {
    const [, controllers, ...rest] = l.split(':');
    return { controllers, path: rest.join(':') };
  });
  const mounts = cgroupMounts();
  const cgPaths: { controllers: string; dir: string }[] = [];
  if (version === 2) {
    const line = lines.find((l) => l.controllers === '');
    if (line) cgPaths.push({ controllers: '', dir: join(DEFAULT_MOUNTPOINT, line.path) });
  } else {
    for (const l of lines) {
      if (l.controllers === '') continue; // the (empty) cgroup2 tree of a hybrid host
      const names = l.controllers.split(',');
      const mount = mounts.find((m) => m.fstype === 'cgroup' && names.every((n) => m.controllers.includes(n)));
      cgPaths.push({ controllers: l.controllers, dir: join(mount?.mountPoint ?? join(DEFAULT_MOUNTPOINT, names[0]), l.path) });
    }
  }
  /** The directory serving controller `c` (v2: the one directory). */
  const dirOf = (c: string): string | null =>
    version === 2 ? (cgPaths[0]?.dir ?? null) : (cgPaths.find((p) => p.controllers.split(',').includes(c))?.dir ?? null);
  const at = (c: string, file: string) => {
    const d = dirOf(c);
    return d ? join(d, file) : null;
  };
  const num = (p: string | null) => (p ? readNumber(p) : null);
  const lim = (p: string | null) => (p ? limitValue(p) : null);
  if (version === 2) {
    const cpuMax = (at('cpu', 'cpu.max') && readCgroupFile(at('cpu', 'cpu.max')!))?.trim().split(/\s+/) ?? [];
    return {
      version, paths: cgPaths,
      memory: { limitBytes: lim(at('memory', 'memory.max')), usageBytes: num(at('memory', 'memory.current')), swapLimitBytes: lim(at('memory', 'memory.swap.max')), oomKills: at('memory', 'memory.events') ? keyed(at('memory', 'memory.events')!, 'oom_kill') : null },
      pids: { max: lim(at('pids', 'pids.max')), current: num(at('pids', 'pids.current')) },
      cpu: { quotaUsec: cpuMax[0] && cpuMax[0] !== 'max' ? Number(cpuMax[0]) : null, periodUsec: cpuMax[1] ? Number(cpuMax[1]) : null, shares: null, weight: num(at('cpu', 'cpu.weight')) },
    };
  }
  const quota = num(at('cpu', 'cpu.cfs_quota_us'));
  const memsw = lim(at('memory', 'memory.memsw.limit_in_bytes'));
  const memLimit = lim(at('memory', 'memory.limit_in_bytes'));
  return {
    version, paths: cgPaths,
    memory: {
      limitBytes: memLimit, usageBytes: num(at('memory', 'memory.usage_in_bytes')),
      // v1 limits memory+swap together; the swap part is the difference.
      swapLimitBytes: memsw !== null && memLimit !== null ? memsw - memLimit : null,
      oomKills: at('memory', 'memory.oom_control') ? keyed(at('memory', 'memory.oom_control')!, 'oom_kill') : null,
    },
    pids: { max: lim(at('pids', 'pids.max')), current: num(at('pids', 'pids.current')) },
    cpu: { quotaUsec: quota === null || quota < 0 ? null : quota, periodUsec: num(at('cpu', 'cpu.cfs_period_us')), shares: num(at('cpu', 'cpu.shares')), weight: null },
  };
}

// ---------------------------------------------------------------------------- network

export interface InterfaceFact {
  name: string;
  ifindex: number;
  mac: string;
  /** operstate: UP, DOWN, UNKNOWN (loopback). */
  state: string;
  mtu: number;
  /** 'ADDRESS/PREFIX', IPv4 first. */
  addresses: string[];
  /** For one end of a veth pair: the other end, on the host, and the bridge it is plugged into. */
  peer?: { ifindex: number; hostName: string | null; bridge: string | null };
}

export interface NetworkFacts {
  /** The process shares the host's network namespace (--network host). */
  sharedWithHost: boolean;
  interfaces: InterfaceFact[];
  /** The default route's gateway inside, if any. */
  gateway: string | null;
}

interface IpAddrJson {
  ifindex: number; ifname: string; address?: string; operstate?: string; mtu?: number; link_index?: number;
  link_netnsid?: number; addr_info?: { family: string; local: string; prefixlen: number }[];
}

/** Run `ip ARGS…` inside the process's network namespace (nsenter), traced like every command. */
function ipInside(pid: number, args: string[]): unknown {
  const r = runCommand(['nsenter', '-t', String(pid), '-n', 'ip', '-j', ...args], { allowFailure: true });
  if (r.status !== 0) {
    // nsenter opens /proc/PID/ns/net first: a vanished process fails there.
    readProcLink(pid, 'ns/net');
    throw new UserError(`nsenter -t ${pid} -n ip ${args.join(' ')} failed: ${r.stderr.trim().split('\n').pop() ?? `exit ${r.status}`}`, 1);
  }
  try {
    return JSON.parse(r.stdout || '[]');
  } catch {
    throw new UserError(`ip -j ${args.join(' ')} printed no JSON (is iproute2 too old?)`, 1);
  }
}

/** The host's interface with index `ifindex` (sysfs of the CLI's = the host's network namespace). */
function hostInterfaceByIndex(ifindex: number): { name: string; bridge: string | null } | null {
  let names: string[];
  try { names = readdirSync('/sys/class/net'); } catch { return null; }
  for (const name of names) {
    try {
      if (Number(readFileSync(`/sys/class/net/${name}/ifindex`, 'utf8')) !== ifindex) continue;
    } catch { continue; }
    let bridge: string | null = null;
    try { bridge = basename(readlinkSync(`/sys/class/net/${name}/master`)); } catch { /* not enslaved */ }
    return { name, bridge };
  }
  return null;
}

/**
 * The interfaces the process sees (addresses, MAC, state) and, for a veth, the host end and
 * its bridge. A veth reports its peer's ifindex as `link_index` (in the peer's namespace,
 * here the host's), which sysfs on the host maps back to a name and a `master` bridge.
 */
export function networkFacts(pid: number): NetworkFacts {
  const sharedWithHost = readProcLink(pid, 'ns/net') === readlinkSync('/proc/self/ns/net');
  const links = ipInside(pid, ['addr', 'show']) as IpAddrJson[];
  const interfaces: InterfaceFact[] = links.map((l) => {
    const addrs = (l.addr_info ?? []).slice().sort((a, b) => (a.family === b.family ? 0 : a.family === 'inet' ? -1 : 1));
    const fact: InterfaceFact = {
      name: l.ifname, ifindex: l.ifindex, mac: l.address ?? '', state: l.operstate ?? 'UNKNOWN', mtu: l.mtu ?? 0,
      addresses: addrs.map((a) => `${a.local}/${a.prefixlen}`),
    };
    if (!sharedWithHost && l.link_index !== undefined && l.link_netnsid !== undefined) {
      const host = hostInterfaceByIndex(l.link_index);
      fact.peer = { ifindex: l.link_index, hostName: host?.name ?? null, bridge: host?.bridge ?? null };
    }
    return fact;
  });
  const routes = ipInside(pid, ['route', 'show', 'default']) as { gateway?: string }[];
  return { sharedWithHost, interfaces, gateway: routes.find((r) => r.gateway)?.gateway ?? null };
}

/** The host's addresses of an interface (e.g. the bridge's gateway address), from `ip -j addr`. */
export function hostInterfaceAddresses(name: string): string[] {
  const r = runCommand(['ip', '-j', 'addr', 'show', 'dev', name], { allowFailure: true });
  if (r.status !== 0) return [];
  try {
    const links = JSON.parse(r.stdout) as IpAddrJson[];
    return links.flatMap((l) => (l.addr_info ?? []).filter((a) => a.family === 'inet').map((a) => `${a.local}/${a.prefixlen}`));
  } catch {
    return [];
  }
}

// --------------------------------------------------------------------- host ports

/**
 * Is some process on the host listening on PORT (TCP in LISTEN state, or a bound UDP socket)?
 * Read from /proc/net/{tcp,tcp6,udp,udp6} of the host's network namespace: column 2 is
 * `ADDR:PORT` in hex, column 4 the state (0A = LISTEN for TCP; UDP sockets show 07).
 */
export function hostListening(proto: 'tcp' | 'udp', port: number): boolean {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  for (const file of [`/proc/net/${proto}`, `/proc/net/${proto}6`]) {
    let text: string;
    try { text = readFileSync(file, 'utf8'); } catch { continue; }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 4 || !f[1].endsWith(`:${hexPort}`)) continue;
      if (proto === 'tcp' ? f[3] === '0A' : f[3] === '07') return true;
    }
  }
  return false;
}

/**
 * Does the host's packet filter hold a DNAT rule sending PROTO host port HOSTPORT to
 * DEST:DESTPORT? (mini-run's own chain MINI-RUN-DNAT, or its nft table `ip mini_run`.)
 * null = no packet filter in use, so there is nothing to look for.
 */
export function dnatRulePresent(proto: 'tcp' | 'udp', hostPort: number, dest: string, destPort: number): boolean | null {
  const fw = detectFirewall();
  if (fw.kind === 'none') return null;
  if (fw.kind === 'nft') {
    const r = runCommand(['nft', 'list', 'table', 'ip', 'mini_run'], { allowFailure: true });
    return r.status === 0 && r.stdout.split('\n').some((l) => l.includes(`${proto} dport ${hostPort} `) && l.includes(`dnat to ${dest}:${destPort}`));
  }
  const r = runCommand(['iptables', '-w', '-t', 'nat', '-S', 'MINI-RUN-DNAT'], { allowFailure: true });
  return r.status === 0 && r.stdout.split('\n').some((l) => l.includes(`-p ${proto} `) && l.includes(`--dport ${hostPort} `) && l.includes(`--to-destination ${dest}:${destPort}`));
}
