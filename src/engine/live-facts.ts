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
 *
 * Here: namespaces, PIDs, capabilities, the root mount and masked paths. Beside it, and
 * re-exported so that everything is imported from this one module:
 *   live-facts-proc.ts    reading /proc safely, the mountinfo parser
 *   live-facts-cgroup.ts  cgroup paths, limits and usage (v1 or v2)
 *   live-facts-net.ts     interfaces inside, the host veth and bridge, published-port checks
 */
import { readlinkSync } from 'node:fs';
import { basename, isAbsolute, join } from 'node:path';
import { UserError } from '../errors';
import { paths } from '../paths';
import { CAPABILITIES } from '../sys/constants';
import { mountInfo, readProc, readProcLink, type MountInfo } from './live-facts-proc';

export { ProcessGoneError, mountInfo, parseMountInfo, type MountInfo } from './live-facts-proc';
export * from './live-facts-cgroup';
export * from './live-facts-net';

// ------------------------------------------------------------------------- namespaces

export type NsType = 'mnt' | 'uts' | 'ipc' | 'pid' | 'net' | 'cgroup' | 'user' | 'time';
const NS_TYPES: readonly NsType[] = ['mnt', 'uts', 'ipc', 'pid', 'net', 'cgroup', 'user', 'time'];

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
  /** The effective uid (the second field of the Uid: line): a non-root uid holds no capabilities. */
  uid: number;
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
  const uid = Number(/^Uid:\s*\d+\s+(\d+)/m.exec(status)?.[1] ?? -1);
  return { effective: decodeCapabilityMask(effectiveHex), bounding: decodeCapabilityMask(field('CapBnd')), effectiveHex, uid };
}

// ---------------------------------------------------------------------------- mounts

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
