/**
 * `inspect`: a container as docker shows it — the record, the runtime config and the live
 * facts, in docker's field names, so `-f '{{.State.Pid}}'` templates written for docker work.
 */
import { join } from 'node:path';
import { paths } from '../paths';
import { loadSpec } from '../runtime';
import { logPath } from '../shim/json-log';
import { isRunning, type ContainerRecord } from './container-store';
import { networkSettings } from './network';
import { inspectMount } from './volumes';

export function inspectContainer(rec: ContainerRecord): Record<string, unknown> {
  const dir = paths.container(rec.id);
  let lowerDirs: string[] = [];
  try {
    const spec = loadSpec(dir);
    const overlay = (spec.mounts ?? []).find((m) => m.destination === '/');
    const base = spec.annotations?.['org.mini-run.overlay.lowerdir-base'] ?? '';
    lowerDirs = ((overlay?.options ?? []).find((o) => o.startsWith('lowerdir='))?.slice(9).split(':') ?? []).map((l) => join(base, l));
  } catch {
    /* config.json unreadable: leave the layers out */
  }
  const running = isRunning(rec);
  const s = rec.state;
  return {
    Id: rec.id,
    Created: rec.created,
    Path: rec.path,
    Args: rec.args,
    State: {
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
    },
    Image: rec.imageId,
    ResolvConfPath: join(dir, 'resolv.conf'),
    HostnamePath: join(dir, 'hostname'),
    HostsPath: join(dir, 'hosts'),
    LogPath: logPath(dir, rec.id),
    Name: `/${rec.name}`,
    RestartCount: rec.RestartCount,
    Driver: 'overlay',
    Platform: 'linux',
    HostConfig: {
      ...rec.hostConfig,
      LogConfig: rec.hostConfig.LogConfig,
      RestartPolicy: rec.hostConfig.RestartPolicy,
    },
    GraphDriver: {
      Name: 'overlay',
      Data: { LowerDir: lowerDirs.join(':'), UpperDir: join(dir, 'upper'), WorkDir: join(dir, 'work'), MergedDir: join(dir, 'rootfs') },
    },
    Mounts: rec.mounts.map(inspectMount),
    Config: {
      Hostname: rec.config.Hostname,
      User: rec.config.User,
      Tty: rec.config.Tty,
      OpenStdin: rec.config.OpenStdin,
      Env: rec.config.Env,
      Cmd: rec.config.Cmd,
      Image: rec.config.Image,
      WorkingDir: rec.config.WorkingDir,
      Entrypoint: rec.config.Entrypoint,
      Labels: rec.config.Labels,
      StopSignal: rec.config.StopSignal,
      ...(Object.keys(rec.config.ExposedPorts).length ? { ExposedPorts: rec.config.ExposedPorts } : {}),
      ...(rec.config.StopTimeout !== null ? { StopTimeout: rec.config.StopTimeout } : {}),
    },
    NetworkSettings: networkSettings(rec),
  };
}
