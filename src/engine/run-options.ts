import type { PullReporter } from '../image/pull';
/** What `mini-run run`/`create` was asked for, after flag parsing: the engine's input. */
export interface RunOptions {
  image: string;
  /** When to pull the image: 'missing' (default, like docker), 'always', or 'never'. */
  pull?: 'missing' | 'always' | 'never';
  /** Shows the pull's progress (the CLI passes docker's progress lines, on stderr). */
  onPullEvent?: PullReporter;
  command: string[];
  name?: string;
  autoRemove: boolean;
  interactive: boolean;
  tty: boolean;
  env: string[];
  envFiles: string[];
  workdir?: string;
  user?: string;
  entrypoint?: string;
  hostname?: string;
  pidMode?: string; // 'host' or undefined (private)
  utsMode?: string;
  ipcMode?: string;
  /** --userns: 'private' = a user namespace mapped onto a /etc/subuid range (userns-remap.ts); 'host' = none. Unset: the config's userns-remap. */
  usernsMode?: 'host' | 'private';
  /** --cgroupns host|private (docker's; default private on cgroup v2, host on v1). */
  cgroupnsMode?: 'host' | 'private';
  // --- lesson switches (not docker's): turn one more piece of isolation off
  /** --mount-ns host: no mount namespace; the container's mounts land in the host's table, root by chroot. */
  mountNsMode?: 'host';
  /** --no-pivot: own mount namespace, but chroot(2) instead of pivot_root(2) (runc's --no-pivot). */
  noPivot?: boolean;
  network: string; // 'bridge' (default) | 'none' | 'host' | 'container:NAME'
  /** --network container:NAME, resolved by the engine: the other container's /proc/PID/ns/net. */
  networkNsPath?: string;
  /** --network container:NAME with --userns private: NAME's /proc/PID/ns/user, which owns that network namespace (userns-remap.ts). */
  userNsPath?: string;
  // --- networking (see engine/network.ts)
  publish?: import('../network/ports').PortBinding[];
  publishAll?: boolean;
  ip?: string;
  macAddress?: string;
  networkAliases?: string[];
  /** --expose PORT[/PROTO]: exposed (shown by ps, published by -P) but not published. */
  expose?: string[];
  dns?: string[];
  dnsSearch?: string[];
  addHosts?: string[];
  links?: string[];
  init: boolean;
  privileged: boolean;
  capAdd: string[];
  capDrop: string[];
  /** --security-opt as given (shown by inspect), and what it means (engine/security-opts.ts). */
  securityOpt?: string[];
  /** --group-add: more supplementary groups (names from the image's /etc/group, or numbers). */
  groupAdd?: string[];
  /** --device HOST[:CONTAINER][:PERMS], parsed (HostConfig.Devices). */
  devices?: import('./device-flags').DeviceMapping[];
  /** --storage-opt KEY=VALUE (engine/storage-opts.ts: size needs project quotas). */
  storageOpt?: Record<string, string>;
  /** --device-cgroup-rule 'c 10:229 rwm', as typed (HostConfig.DeviceCgroupRules). */
  deviceCgroupRules?: string[];
  /** --ulimit name=soft[:hard], parsed (runtime spec process.rlimits). */
  ulimits?: Array<{ type: string; soft: number; hard: number }>;
  security?: import('./security-opts').SecurityOptions;
  readOnly: boolean;
  memory?: number;
  memorySwap?: number;
  cpus?: number;
  cpuShares?: number;
  pidsLimit?: number;
  /** --health-cmd/--health-interval/--health-timeout/--health-retries/--health-start-period/--no-healthcheck. */
  health?: import('./health').HealthFlags;
  /** --blkio-weight, --device-read-bps/--device-write-bps/--device-read-iops/--device-write-iops (engine/blkio-flags.ts). */
  blkio?: import('./blkio-flags').BlkioSettings;
  // --- lifecycle (detached containers)
  detach: boolean;
  /** --detach-keys of a foreground `run -it` (Docker's spelling, default ctrl-p,ctrl-q). */
  detachKeys?: string;
  restart: { Name: 'no' | 'on-failure' | 'always' | 'unless-stopped'; MaximumRetryCount: number };
  /** --log-driver: json-file (the default; `logs` reads it), local (json-file lines on disk, rotated as the local driver) or none (output is dropped). */
  logDriver?: 'json-file' | 'local' | 'none';
  logOpts: Record<string, string>;
  labels: Record<string, string>;
  stopSignal?: string;
  stopTimeout?: number;
  // --- storage (-v, --mount, --tmpfs, --volumes-from; see engine/volumes.ts)
  volumes?: string[];
  mounts?: string[];
  tmpfs?: string[];
  volumesFrom?: string[];
}
