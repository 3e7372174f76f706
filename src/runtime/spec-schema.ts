/**
 * The OCI runtime spec's `config.json`: the seam between the engine (images, names, flags —
 * what dockerd/containerd do) and the runtime (namespaces, mounts, cgroups, exec — what runc
 * does). The engine writes it into the container's bundle directory; the runtime reads only it.
 *
 * This is the subset mini-run uses, with the field names of
 * https://github.com/opencontainers/runtime-spec (config.md, config-linux.md). One extension,
 * in `annotations`, says where the overlay's short lower-layer names live (see rootfs.ts).
 */
import { z } from 'zod';

// Reading a config.json goes through the check generated from RuntimeSpec (spec-check.ts, see
// src/schema-compile.ts; spec.ts parseSpec): the container's init and `inspect` do not load zod
// unless a spec is invalid and zod must say where.

export const NamespaceType = z.enum(['pid', 'network', 'mount', 'ipc', 'uts', 'user', 'cgroup']);
export type NamespaceType = z.infer<typeof NamespaceType>;

const Mount = z.object({
  destination: z.string().startsWith('/'),
  type: z.string().optional(),
  source: z.string().optional(),
  options: z.array(z.string()).optional(),
});
export type Mount = z.infer<typeof Mount>;

const User = z.object({
  uid: z.number().int().nonnegative(),
  gid: z.number().int().nonnegative(),
  additionalGids: z.array(z.number().int().nonnegative()).optional(),
  umask: z.number().int().optional(),
});

const Capabilities = z.object({
  bounding: z.array(z.string()).optional(),
  effective: z.array(z.string()).optional(),
  permitted: z.array(z.string()).optional(),
  inheritable: z.array(z.string()).optional(),
  ambient: z.array(z.string()).optional(),
});

const Rlimit = z.object({ type: z.string(), hard: z.number(), soft: z.number() });

export const Process = z.object({
  terminal: z.boolean().optional(),
  consoleSize: z.object({ height: z.number(), width: z.number() }).optional(),
  user: User,
  args: z.array(z.string()).min(1),
  env: z.array(z.string()).optional(),
  cwd: z.string().startsWith('/'),
  capabilities: Capabilities.optional(),
  rlimits: z.array(Rlimit).optional(),
  noNewPrivileges: z.boolean().optional(),
  /** /proc/PID/oom_score_adj of the process (-1000…1000): how soon the OOM killer picks it. */
  oomScoreAdj: z.number().int().min(-1000).max(1000).optional(),
});
export type Process = z.infer<typeof Process>;

const ThrottleDevice = z.object({ major: z.number().int().nonnegative(), minor: z.number().int().nonnegative(), rate: z.number().int().nonnegative() });

export const Resources = z.object({
  memory: z.object({
    limit: z.number().optional(),
    swap: z.number().optional(),
    reservation: z.number().optional(),
    swappiness: z.number().int().min(0).max(100).optional(),
    disableOOMKiller: z.boolean().optional(),
    kernel: z.number().optional(),
    kernelTCP: z.number().optional(),
  }).optional(),
  cpu: z.object({
    shares: z.number().optional(),
    quota: z.number().optional(),
    period: z.number().optional(),
    cpus: z.string().regex(/^[0-9,-]*$/).optional(),
    mems: z.string().regex(/^[0-9,-]*$/).optional(),
  }).optional(),
  pids: z.object({ limit: z.number() }).optional(),
  /** The device cgroup: which device nodes may be made (m), read (r), written (w). Later rules win. */
  devices: z.array(z.object({
    allow: z.boolean(),
    type: z.enum(['a', 'c', 'b']).optional(),
    major: z.number().int().nonnegative().optional(),
    minor: z.number().int().nonnegative().optional(),
    access: z.string().regex(/^[rwm]{0,3}$/).optional(),
  })).optional(),
  /** net_cls class id and net_prio priorities, and hugetlb limits: parsed so they can be refused (limits.ts). */
  network: z.object({ classID: z.number().optional(), priorities: z.array(z.object({ name: z.string(), priority: z.number() })).optional() }).optional(),
  hugepageLimits: z.array(z.object({ pageSize: z.string(), limit: z.number() })).optional(),
  /** Block I/O: a relative weight (10…1000) and per-device throttles (bytes or operations per second). */
  blockIO: z.object({
    weight: z.number().int().min(10).max(1000).optional(),
    throttleReadBpsDevice: z.array(ThrottleDevice).optional(),
    throttleWriteBpsDevice: z.array(ThrottleDevice).optional(),
    throttleReadIOPSDevice: z.array(ThrottleDevice).optional(),
    throttleWriteIOPSDevice: z.array(ThrottleDevice).optional(),
  }).optional(),
});

/** One node of linux.devices: made with mknod(2) at `path` inside the root (runtime/devices.ts). */
export const LinuxDevice = z.object({
  path: z.string().startsWith('/'),
  type: z.enum(['c', 'b', 'u', 'p']),
  major: z.number().int().nonnegative(),
  minor: z.number().int().nonnegative(),
  fileMode: z.number().int().nonnegative().optional(),
  uid: z.number().int().nonnegative().optional(),
  gid: z.number().int().nonnegative().optional(),
});
export type LinuxDevice = z.infer<typeof LinuxDevice>;

/** linux.seccomp (config-linux.md#seccomp): a syscall filter, compiled by runtime/seccomp.ts. */
const SeccompArg = z.object({
  index: z.number().int().min(0).max(5),
  value: z.number().int().nonnegative(),
  valueTwo: z.number().int().nonnegative().optional(),
  op: z.enum(['SCMP_CMP_NE', 'SCMP_CMP_LT', 'SCMP_CMP_LE', 'SCMP_CMP_EQ', 'SCMP_CMP_GE', 'SCMP_CMP_GT', 'SCMP_CMP_MASKED_EQ']),
});
const SeccompAction = z.enum(['SCMP_ACT_KILL', 'SCMP_ACT_KILL_THREAD', 'SCMP_ACT_KILL_PROCESS', 'SCMP_ACT_TRAP',
  'SCMP_ACT_ERRNO', 'SCMP_ACT_TRACE', 'SCMP_ACT_ALLOW', 'SCMP_ACT_LOG', 'SCMP_ACT_NOTIFY']);
export const LinuxSeccomp = z.object({
  defaultAction: SeccompAction,
  defaultErrnoRet: z.number().int().nonnegative().optional(),
  architectures: z.array(z.string()).optional(),
  flags: z.array(z.string()).optional(),
  listenerPath: z.string().optional(),
  syscalls: z.array(z.object({
    names: z.array(z.string()).min(1),
    action: SeccompAction,
    errnoRet: z.number().int().nonnegative().optional(),
    args: z.array(SeccompArg).optional(),
  })).optional(),
});
export type LinuxSeccomp = z.infer<typeof LinuxSeccomp>;

/** hooks (config.md#posix-platform-hooks): programs the runtime runs at points of the lifecycle. */
const Hook = z.object({
  path: z.string().startsWith('/'),
  args: z.array(z.string()).optional(),
  env: z.array(z.string()).optional(),
  timeout: z.number().int().positive().optional(),
});
export type Hook = z.infer<typeof Hook>;
const Hooks = z.object({
  prestart: z.array(Hook).optional(),
  createRuntime: z.array(Hook).optional(),
  createContainer: z.array(Hook).optional(),
  startContainer: z.array(Hook).optional(),
  poststart: z.array(Hook).optional(),
  poststop: z.array(Hook).optional(),
});
export type Hooks = z.infer<typeof Hooks>;

/** One line of a uid_map/gid_map: `size` ids from `containerID` inside are `hostID`… outside. */
const IdMapping = z.object({
  containerID: z.number().int().nonnegative(),
  hostID: z.number().int().nonnegative(),
  size: z.number().int().positive(),
});

export const RuntimeSpec = z.object({
  ociVersion: z.string(),
  process: Process,
  root: z.object({ path: z.string(), readonly: z.boolean().optional() }),
  hostname: z.string().optional(),
  mounts: z.array(Mount).optional(),
  annotations: z.record(z.string()).optional(),
  hooks: Hooks.optional(),
  linux: z.object({
    // None listed (runtime-spec: optional): every namespace is the runtime's own, the host's.
    namespaces: z.array(z.object({ type: NamespaceType, path: z.string().optional() })).default([]),
    resources: Resources.optional(),
    cgroupsPath: z.string().optional(),
    maskedPaths: z.array(z.string()).optional(),
    readonlyPaths: z.array(z.string()).optional(),
    rootfsPropagation: z.string().optional(),
    seccomp: LinuxSeccomp.optional(),
    /** With a `user` namespace: which host ids the container's ids stand for (runtime/userns.ts). */
    uidMappings: z.array(IdMapping).optional(),
    gidMappings: z.array(IdMapping).optional(),
    /** Device nodes to make in the container (config-linux.md#devices); `--device` fills it. */
    devices: z.array(LinuxDevice).optional(),
  }),
});
export type RuntimeSpec = z.infer<typeof RuntimeSpec>;
