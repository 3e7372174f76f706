/**
 * The native init (native/init-native.c): which containers it may start, and its order.
 *
 * mini-run has two inits, and they do the same job (init.ts explains it step by step): a C one,
 * the default for every container the choice table below allows, and the Node one (init-main.js)
 * for the rest, or for every container with MINI_RUN_INIT=node (init-env.ts). The C one is a
 * static binary: it starts in ≈ 2 ms instead of Node's ≈ 85, and goes from "go" to execve in
 * ≈ 4 ms instead of ≈ 20 (docs/init.md).
 *
 * The split: what needs the spec, the host's files or a table of ours is decided HERE, in the
 * runtime, and sent in the order (mount flags parsed from the options, a bind's file-or-dir from
 * the host's source, the overlay's data); what can only be known INSIDE the root — where a
 * destination resolves, what to create, whether /proc is a symlink in the image, what a masked
 * path is after pivot_root — is decided by the C init itself, with the same calls as the Node
 * one (openat2 RESOLVE_IN_ROOT and the rest: mount-target.ts), so an image gets no other say.
 *
 * The order, in exec-order.ts's framed form ("<key> <length>\n" <bytes> "\n", lists repeat):
 *
 *   "mini-run-init 1\n"
 *   trace?        the fd our trace lines go to
 *   pdeathsig     "1": die with the runtime (not for a detached create: never native anyway)
 *   unshare       the unshare(2) flags, hex (namespaces.ts's initNamespaceFlags)
 *   lo            "1": bring `lo` up (a new network namespace)
 *   rootfs        the root's host path (bundle + root.path, resolved)
 *   overlay, overlay-base?   the root overlay's data, and the directory its relative lowerdir
 *                 names are in — or root-bind "1": the root is a directory, bound onto itself
 *   mount…        "dest\0kind\0type\0source\0flags\0data\0propagation": flags and propagation
 *                 hex MS_* words (mounts.ts's parseMountOptions), kind one of MOUNT_KINDS
 *   masked…, readonly…       linux.maskedPaths / readonlyPaths (stat'ed inside, after pivot_root)
 *   root-ro       "1": remount the root read-only at the end
 *   hostname?     sethostname (only with a UTS namespace of its own)
 *   then the process fields (exec-order.ts's encodeProcessFields), and "end 0\n\n".
 *
 * Back: sync-socket.ts's JSON lines, as from the Node init ({"type":"namespaces"} then wait for
 * {"type":"continue"}; {"type":"error",…}), and EOF on fd 3 at execve.
 */
import { UserError } from '../errors';
import { INIT_ENV, initWanted } from './init-env';
import type { Mount, RuntimeSpec } from './spec';
import type { WireSeccomp } from './seccomp-load';
import { encodeProcessFields, fieldWriter } from './exec-order';
import { parseMountOptions } from './mounts';
import { initNamespaceFlags } from './namespaces';
import { hasNamespace, LOWERDIR_BASE_ANNOTATION, NO_PIVOT_ANNOTATION } from './spec-util';

/**
 * How the C init makes one mount (init.ts's buildFilesystem branches):
 *   plain       mount(source, target, type, flags, data) onto the target opened inside the root
 *   proc        the same, refused if the destination is a symlink in the image (proc, sysfs:
 *               runc's rule since CVE-2019-19921)
 *   dev         plain, then the standard devices and links in it (devices.ts's createDevices)
 *   cgroup-v1   /sys/fs/cgroup built by hand from /proc/self/cgroup (cgroup-mount.ts)
 *   bind-dir, bind-file   bind (+ remount for ro/nosuid/nodev/noexec) onto a directory or a file
 */
export const MOUNT_KINDS = ['plain', 'proc', 'dev', 'cgroup-v1', 'bind-dir', 'bind-file'] as const;
export type MountKind = typeof MOUNT_KINDS[number];

export { INIT_ENV };

/** Does the environment ask for the native init where it can start? (the default; MINI_RUN_INIT=node: no; a bad value throws) */
export function nativeInitWanted(env: NodeJS.ProcessEnv = process.env): boolean {
  return initWanted(env) === 'native';
}

/** What the spawn knows before config.json: enough to rule the native init out early. */
export interface InitShape {
  terminal: boolean;
  userNamespace?: boolean;
  joinPidNamespace?: string;
}

/** Why the native init cannot start a container of this shape (null: it can), before the spec. */
export function nativeShapeRefusal(s: InitShape): string | null {
  if (s.terminal) return 'a terminal (-t): the pty hand-over is the Node init\'s';
  if (s.userNamespace) return 'a user namespace: the id-map handshake is the Node init\'s';
  if (s.joinPidNamespace) return 'a PID namespace joined by path';
  return null;
}

/** The runtime's plan for a start, as far as the choice needs it (container.ts's StdioPlan). */
export interface InitPlan {
  create?: unknown;
  noPivot?: boolean;
}

/**
 * THE CHOICE TABLE: why this container stays on the Node init (null: the native one may start
 * it). Every case the C init does not implement is named here, so it can never half-start one.
 */
export function nativeSpecRefusal(spec: RuntimeSpec, plan: InitPlan = {}): string | null {
  if (spec.process.terminal) return 'a terminal (-t): the pty hand-over is the Node init\'s';
  if (plan.create) return 'create/start (the exec fifo) is the Node init\'s';
  if (plan.noPivot || spec.annotations?.[NO_PIVOT_ANNOTATION] === 'true') return '--no-pivot (chroot) is the Node init\'s';
  for (const ns of spec.linux.namespaces) {
    if (ns.type === 'user') return 'a user namespace: the id-map handshake is the Node init\'s';
    if (ns.path) return `a ${ns.type} namespace joined by path (${ns.path})`;
  }
  if (!hasNamespace(spec, 'mount')) return 'no mount namespace of its own (--mount-ns host)';
  if (!hasNamespace(spec, 'pid')) return 'no PID namespace of its own';
  const hooks = (spec as { hooks?: Record<string, unknown[] | undefined> }).hooks;
  if (hooks && Object.values(hooks).some((h) => (h?.length ?? 0) > 0)) return 'hooks are run by the Node init\'s path';
  if ((spec.linux.devices ?? []).length > 0) return '--device nodes are made by the Node init';
  if (hasNul(spec)) return 'a string with a NUL byte (the Node init gives its own error)';
  for (const m of spec.mounts ?? []) {
    if (m.destination === '/') {
      if (m.type !== 'overlay') return `a root mount of type ${m.type ?? '(none)'}`;
      continue;
    }
    if (!m.destination.startsWith('/')) return `a relative mount destination (${m.destination})`;
  }
  return null;
}

function hasNul(spec: RuntimeSpec): boolean {
  const strings: Array<string | undefined> = [
    spec.root.path, spec.hostname, spec.process.cwd, ...spec.process.args, ...(spec.process.env ?? []),
    ...(spec.linux.maskedPaths ?? []), ...(spec.linux.readonlyPaths ?? []),
    ...(spec.mounts ?? []).flatMap((m) => [m.destination, m.source, m.type, ...(m.options ?? [])]),
    spec.annotations?.[LOWERDIR_BASE_ANNOTATION],
  ];
  return strings.some((s) => s !== undefined && s.includes('\0'));
}

/** The kind and the words of one mount, as the C init takes them. `isDir`: is a bind's host source a directory? */
export function encodeMount(m: Mount, isDir: (source: string) => boolean): string {
  const o = parseMountOptions(m.options);
  let kind: MountKind;
  let type = m.type ?? '';
  let source = m.source ?? '';
  if (m.type === 'cgroup') kind = 'cgroup-v1';
  else if (o.bind) kind = isDir(source) ? 'bind-dir' : 'bind-file';
  else {
    kind = m.type === 'proc' || m.type === 'sysfs' ? 'proc' : m.destination === '/dev' ? 'dev' : 'plain';
    source = m.source ?? m.type ?? 'none';
  }
  if (o.bind) type = '';
  const words = [m.destination, kind, type, source, o.flags.toString(16), o.data, o.propagation.toString(16)];
  for (const w of words) {
    if (w.includes('\0')) throw new UserError(`init: mount ${JSON.stringify(m.destination)} holds a NUL byte`, 125);
  }
  return words.join('\0');
}

export interface InitOrder {
  spec: RuntimeSpec;
  /** The root's host path (bundle + root.path). */
  rootfs: string;
  seccomp?: WireSeccomp;
  traceFd?: number;
  /** Die with the runtime (PR_SET_PDEATHSIG). */
  pdeathsig: boolean;
  /** Is a bind's host source a directory? (statSync(source).isDirectory(): the host's path) */
  isDir: (source: string) => boolean;
}

/** The order as bytes, for the native init's fd 3 (after nativeSpecRefusal said yes). */
export function encodeInitOrder(o: InitOrder): Buffer {
  const spec = o.spec;
  const parts: Buffer[] = [Buffer.from('mini-run-init 1\n')];
  const field = fieldWriter(parts, 'init');
  if (o.traceFd !== undefined) field('trace', String(o.traceFd));
  field('pdeathsig', o.pdeathsig ? '1' : '0');
  field('unshare', initNamespaceFlags(spec).toString(16));
  field('lo', hasNamespace(spec, 'network') ? '1' : '0');
  field('rootfs', o.rootfs);
  const mounts = spec.mounts ?? [];
  const root = mounts.find((m) => m.destination === '/');
  if (root) {
    field('overlay', (root.options ?? []).join(','));
    const base = spec.annotations?.[LOWERDIR_BASE_ANNOTATION];
    if (base) field('overlay-base', base);
  } else {
    field('root-bind', '1');
  }
  // (a Buffer: its NULs are the separators, each word was checked by encodeMount)
  for (const m of mounts) if (m.destination !== '/') field('mount', Buffer.from(encodeMount(m, o.isDir)));
  for (const p of spec.linux.maskedPaths ?? []) field('masked', p);
  for (const p of spec.linux.readonlyPaths ?? []) field('readonly', p);
  if (spec.root.readonly) field('root-ro', '1');
  if (spec.hostname && hasNamespace(spec, 'uts')) field('hostname', spec.hostname);
  encodeProcessFields(field, spec.process, o.seccomp);
  parts.push(Buffer.from('end 0\n\n'));
  return Buffer.concat(parts);
}
