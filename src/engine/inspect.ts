/**
 * `inspect`: a container as docker shows it — the record, the runtime config and the live
 * facts, in docker's field names, so `-f '{{.State.Pid}}'` templates written for docker work.
 */
import { healthActive, type HealthState } from './health';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { paths } from '../paths';
import { parseSpec } from '../runtime/spec';
import { logPath } from '../shim/json-log';
import { isRunning, type ContainerRecord } from './container-store';
import { networkSettings } from './network-settings';
import type { MountPoint } from '../volume/mount-point';
import { goNilSlice, goStruct } from '../go-values';

/** Docker's MountPoint and ContainerState fields, in order (printed `{volume v1 /var/… /data local  true }`). */
const MOUNT_FIELDS = ['Type', 'Name', 'Source', 'Destination', 'Driver', 'Mode', 'RW', 'Propagation'];
const STATE_FIELDS = ['Status', 'Running', 'Paused', 'Restarting', 'OOMKilled', 'Dead', 'Pid', 'ExitCode', 'Error', 'StartedAt', 'FinishedAt', 'Health'] as const;

/** State as a Go struct; Health is a nil pointer without a health check (printed `<nil>`, left out of JSON). */
function withNilHealth<T extends object>(state: T, health?: HealthState): T {
  if (health) Object.assign(state, { Health: goStruct({ Status: health.Status, FailingStreak: health.FailingStreak, Log: health.Log.map((l) => goStruct({ ...l })) }) });
  else Object.defineProperty(state, 'Health', { value: null, enumerable: false });
  return goStruct(state, STATE_FIELDS);
}

/** Config.ExposedPorts: a set of ports, each an empty struct (printed `map[80/tcp:{}]`). */
function exposedPortSet(ports: Record<string, unknown>): Record<string, object> {
  return Object.fromEntries(Object.keys(ports).sort().map((p) => [p, goStruct({})]));
}

export function inspectContainer(rec: ContainerRecord): Record<string, unknown> {
  const dir = paths.container(rec.id);
  let lowerDirs: string[] = [];
  try {
    // read here, not through the runtime's front door: inspect needs the spec, not the runtime
    const spec = parseSpec(readFileSync(join(dir, 'config.json'), 'utf8'), join(dir, 'config.json'));
    const overlay = (spec.mounts ?? []).find((m) => m.destination === '/');
    const base = spec.annotations?.['org.mini-run.overlay.lowerdir-base'] ?? '';
    lowerDirs = ((overlay?.options ?? []).find((o) => o.startsWith('lowerdir='))?.slice(9).split(':') ?? []).map((l) => join(base, l));
  } catch {
    /* config.json unreadable: leave the layers out */
  }
  const running = isRunning(rec);
  const s = rec.state;
  const anonymous = rec.mounts.filter((m) => m.Anonymous);
  return {
    Id: rec.id,
    Created: rec.created,
    Path: rec.path,
    Args: rec.args,
    State: withNilHealth({
      Status: s.Status,
      Running: running && s.Status === 'running',
      Paused: s.Status === 'paused',
      Restarting: s.Status === 'restarting',
      OOMKilled: s.OOMKilled,
      Dead: s.Status === 'dead',
      Pid: running ? s.Pid : 0,
      ExitCode: s.ExitCode,
      Error: s.Error,
      StartedAt: s.StartedAt,
      FinishedAt: s.FinishedAt,
    }, healthActive(rec.config.Healthcheck) ? s.Health : undefined),
    Image: rec.imageId,
    ResolvConfPath: join(dir, 'resolv.conf'),
    HostnamePath: join(dir, 'hostname'),
    HostsPath: join(dir, 'hosts'),
    LogPath: logPath(dir, rec.id),
    Name: `/${rec.name}`,
    RestartCount: rec.RestartCount,
    // overlay2 is Docker's name for this layout: one overlayfs lower directory per layer.
    Driver: 'overlay2',
    Platform: 'linux',
    HostConfig: {
      ...rec.hostConfig,
      CapAdd: rec.hostConfig.CapAdd.length ? rec.hostConfig.CapAdd : goNilSlice(), // Docker: null when none given
      CapDrop: rec.hostConfig.CapDrop.length ? rec.hostConfig.CapDrop : goNilSlice(),
      LogConfig: goStruct({ Type: rec.hostConfig.LogConfig.Type, Config: rec.hostConfig.LogConfig.Config }),
      RestartPolicy: goStruct({ Name: rec.hostConfig.RestartPolicy.Name, MaximumRetryCount: rec.hostConfig.RestartPolicy.MaximumRetryCount }),
      PortBindings: portBindings(rec.network.ports),
      Dns: rec.network.dns,
      DnsOptions: [],
      DnsSearch: rec.network.dnsSearch,
      ExtraHosts: rec.network.extraHosts.length ? rec.network.extraHosts : null,
      Links: rec.network.links.length ? rec.network.links : null,
      StorageOpt: rec.hostConfig.StorageOpt ?? undefined, // omitted when none, as Docker's
    },
    // --userns private (not Docker's: dockerd shows its remapping only in `docker info`): who the
    // container's ids are on the host, as /proc/PID/uid_map and gid_map have it
    ...(rec.userns ? {
      UsernsRemap: {
        User: rec.userns.user,
        UidMap: rec.userns.uidMappings.map((m) => `${m.containerID} ${m.hostID} ${m.size}`),
        GidMap: rec.userns.gidMappings.map((m) => `${m.containerID} ${m.hostID} ${m.size}`),
      },
    } : {}),
    GraphDriver: goStruct({
      Data: { LowerDir: lowerDirs.join(':'), MergedDir: join(dir, 'rootfs'), UpperDir: join(dir, 'upper'), WorkDir: join(dir, 'work') },
      Name: 'overlay2',
    }),
    Mounts: rec.mounts.map((m) => goStruct(inspectMount(m), MOUNT_FIELDS)),
    Config: {
      Hostname: rec.config.Hostname,
      Domainname: '',
      User: rec.config.User,
      AttachStdin: rec.config.AttachStdin,
      AttachStdout: rec.config.AttachStdout,
      AttachStderr: rec.config.AttachStderr,
      ...(Object.keys(rec.config.ExposedPorts).length ? { ExposedPorts: exposedPortSet(rec.config.ExposedPorts) } : {}),
      Tty: rec.config.Tty,
      OpenStdin: rec.config.OpenStdin,
      StdinOnce: rec.config.StdinOnce,
      Env: rec.config.Env,
      Cmd: rec.config.Cmd,
      Image: rec.config.Image,
      // The anonymous volumes (image VOLUME, -v /path), as {"/data": {}}
      Volumes: anonymous.length ? Object.fromEntries(anonymous.map((m) => [m.Destination, goStruct({})])) : null,
      WorkingDir: rec.config.WorkingDir,
      Entrypoint: rec.config.Entrypoint,
      OnBuild: null,
      ...(rec.config.Healthcheck ? { Healthcheck: rec.config.Healthcheck } : {}),
      Labels: rec.config.Labels,
      StopSignal: rec.config.StopSignal,
      ...(rec.config.StopTimeout !== null ? { StopTimeout: rec.config.StopTimeout } : {}),
    },
    NetworkSettings: networkSettings(rec),
  };
}

/** `inspect`'s Mounts entry, docker's field set per type. */
function inspectMount(m: MountPoint): Record<string, unknown> {
  if (m.Type === 'volume') return { Type: 'volume', Name: m.Name, Source: m.Source, Destination: m.Destination, Driver: m.Driver || 'local', Mode: m.Mode, RW: m.RW, Propagation: '' };
  if (m.Type === 'bind') return { Type: 'bind', Source: m.Source, Destination: m.Destination, Mode: m.Mode, RW: m.RW, Propagation: m.Propagation };
  return { Type: 'tmpfs', Source: '', Destination: m.Destination, Mode: m.Options.join(','), RW: m.RW, Propagation: '' };
}

/** -p as asked, Docker's shape: {"80/tcp": [{"HostIp": "", "HostPort": "8080"}]} (no host address given: ""). */
function portBindings(ports: ContainerRecord['network']['ports']): Record<string, { HostIp: string; HostPort: string }[]> {
  const out: Record<string, { HostIp: string; HostPort: string }[]> = {};
  for (const p of ports) {
    (out[`${p.containerPort}/${p.proto}`] ??= []).push(goStruct({ HostIp: p.hostIp === '0.0.0.0' ? '' : p.hostIp, HostPort: p.hostPort ? String(p.hostPort) : '' }));
  }
  return out;
}
