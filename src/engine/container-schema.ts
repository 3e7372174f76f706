/**
 * The container record's schema (ROOT/containers/<id>/container.json), in zod. Read paths do not
 * load it: they use the check generated from it (container-record-check.ts, see
 * src/schema-compile.ts) and come here only for zod's words about a record that fails.
 */
import { z } from 'zod';
import { ContainerNetwork } from '../network/schema';
import { MountPoint } from '../volume/mount-point';
import { Healthcheck, HealthState } from './health-schema';

export const ContainerStatus = z.enum(['created', 'running', 'paused', 'restarting', 'exited', 'dead', 'removing']);

/** One `--device-read-bps`-style limit as HostConfig shows it. */
const ThrottleSetting = z.object({ Path: z.string(), Rate: z.number().nonnegative() });

export const ContainerRecord = z.object({
  id: z.string().regex(/^[0-9a-f]{64}$/),
  name: z.string(),
  created: z.string(),
  image: z.string(),
  imageId: z.string(),
  path: z.string(),
  args: z.array(z.string()),
  config: z.object({
    Hostname: z.string(),
    User: z.string(),
    Env: z.array(z.string()),
    Cmd: z.array(z.string()).nullable(),
    Entrypoint: z.array(z.string()).nullable(),
    WorkingDir: z.string(),
    Tty: z.boolean(),
    OpenStdin: z.boolean(),
    Image: z.string(),
    Labels: z.record(z.string()).default({}),
    StopSignal: z.string().default('SIGTERM'),
    StopTimeout: z.number().nullable().default(null),
    /** The image's EXPOSE ports and --expose, docker's shape: {"80/tcp": {}}. */
    ExposedPorts: z.record(z.object({}).passthrough()).default({}),
    /** Attached to the terminal at the start (run in the foreground, create): Docker's Attach* and StdinOnce. */
    AttachStdin: z.boolean().default(false),
    AttachStdout: z.boolean().default(false),
    AttachStderr: z.boolean().default(false),
    StdinOnce: z.boolean().default(false),
    /** The health check (the image's HEALTHCHECK merged with --health-*), Docker's shape; absent = none. */
    Healthcheck: Healthcheck.optional(),
  }),
  hostConfig: z.object({
    AutoRemove: z.boolean(),
    NetworkMode: z.string(),
    PidMode: z.string(),
    UTSMode: z.string(),
    IpcMode: z.string(),
    /** --userns as given: 'private', 'host', or '' (the config's userns-remap decided). */
    UsernsMode: z.string().default(''),
    Privileged: z.boolean(),
    CapAdd: z.array(z.string()),
    CapDrop: z.array(z.string()),
    SecurityOpt: z.array(z.string()).nullable().default(null),
    Devices: z.array(z.object({ PathOnHost: z.string(), PathInContainer: z.string(), CgroupPermissions: z.string() })).default([]),
    DeviceCgroupRules: z.array(z.string()).nullable().default(null),
    /** --group-add as typed (names or numbers): also joined by `exec -u USER`, as Docker's getUser. */
    GroupAdd: z.array(z.string()).nullable().default(null),
    ReadonlyRootfs: z.boolean(),
    Init: z.boolean(),
    Memory: z.number(),
    MemorySwap: z.number(),
    NanoCpus: z.number(),
    CpuShares: z.number(),
    PidsLimit: z.number().nullable(),
    BlkioWeight: z.number().int().default(0),
    BlkioDeviceReadBps: z.array(ThrottleSetting).default([]),
    BlkioDeviceWriteBps: z.array(ThrottleSetting).default([]),
    BlkioDeviceReadIOps: z.array(ThrottleSetting).default([]),
    BlkioDeviceWriteIOps: z.array(ThrottleSetting).default([]),
    RestartPolicy: z.object({
      Name: z.enum(['no', 'on-failure', 'always', 'unless-stopped']),
      MaximumRetryCount: z.number().int().nonnegative(),
    }).default({ Name: 'no', MaximumRetryCount: 0 }),
    LogConfig: z.object({
      Type: z.enum(['json-file', 'local', 'none']),
      Config: z.record(z.string()),
    }).default({ Type: 'json-file', Config: {} }),
    /** --storage-opt as given ({"size": "10M"}: its writable layer has a project quota, layer-quota.ts). */
    StorageOpt: z.record(z.string()).nullable().default(null),
  }),
  RestartCount: z.number().int().nonnegative().default(0),
  /** Networking: published ports, links, and where it is attached while it runs. */
  network: ContainerNetwork.default({}),
  /** Binds, volumes and tmpfs mounts (-v, --mount, --tmpfs, --volumes-from, image VOLUMEs). */
  mounts: z.array(MountPoint).default([]),
  /** --userns private: the remap user and the host ranges (engine/userns-remap.ts). */
  userns: z.object({
    user: z.string(),
    uidMappings: z.array(z.object({ containerID: z.number().int(), hostID: z.number().int(), size: z.number().int() })).min(1),
    gidMappings: z.array(z.object({ containerID: z.number().int(), hostID: z.number().int(), size: z.number().int() })).min(1),
  }).optional(),
  state: z.object({
    Status: ContainerStatus,
    Pid: z.number(),
    ExitCode: z.number(),
    OOMKilled: z.boolean(),
    Error: z.string(),
    StartedAt: z.string(),
    FinishedAt: z.string(),
    /** Stopped by `stop`/`kill` (so `unless-stopped` and `always` do not bring it back until started). */
    ManuallyStopped: z.boolean().default(false),
    /** The health checks' verdict and last results (engine/health.ts), while a check is configured. */
    Health: HealthState.optional(),
  }),
  /** The process that supervises the container (the CLI for a foreground run) and its start time. */
  monitor: z.object({ pid: z.number(), startTime: z.string() }).nullable(),
});
export type ContainerRecord = z.infer<typeof ContainerRecord>;
