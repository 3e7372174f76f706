/**
 * `mini-run run` in the foreground: resolve the image, create the container (directory,
 * /etc files, config.json, record), start it through the runtime, wait, clean up.
 */
import { chownSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { UserError } from '../errors';
import { paths } from '../paths';
import { withStateLock } from '../lock';
import { writeFileAtomic } from '../fsutil';
import type { PendingInit } from '../runtime';
import { Supervisor, type ContainerPipes } from '../shim/supervisor';
import { EngineContainer } from './monitor';
import { checkRunnable, startInitEarly, abandonEarly, type EarlyInit } from './run-start';
import { isRootless } from './rootless-run';
import type { EarlyInitShape } from './supervisor-launch';
import { findImage, imageConfig, imageConfigFile, layerDirs, layerShortLinks, ensureBuiltinImage, familiarName, type ImageConfig, type ImageRecord } from '../image/store';
import type { RunOptions } from './run-options';
import { buildSpec, checkUsernsCompatible } from './spec-builder';
import { remapUserFor } from './remap-user';
import { recordEvent } from '../events';
import { mergeHealthcheck } from './health';
import { NO_BLKIO, resolveBlockIO } from './blkio-flags';
import { writeEtcFiles } from './etc-files';
import { newContainerId, generateName, validName } from './names';
import {
  listContainers, saveContainer, removeContainerDir, processStartTime, type ContainerRecord,
} from './container-store';
import { sweepStaleContainers } from './cleanup';
import { networkRecordFor } from './network-record'; // (not ./network: the bridge's code, for a bridged container only)
import { exposedPortsOf } from '../network/ports';
import { loadDaemonConfig } from '../image/registry/config';
import { localLogOptions, parseLogOptions } from './log-options';
import { dnsWithDefaults, rlimitsWithDefaults } from './daemon-defaults';
import type { MountPoint } from '../volume/mount-point';
import { isoTime } from '../utc-time';
import { lazy } from '../lazy';

// Loaded for the flags (or the image's VOLUME, the config's userns-remap) that need them only:
const storageOpts = lazy(() => require('./storage-opts') as typeof import('./storage-opts')); // --storage-opt
const layerQuota = lazy(() => require('./layer-quota') as typeof import('./layer-quota')); // --storage-opt size
const usernsRemap = lazy(() => require('./userns-remap') as typeof import('./userns-remap')); // --userns private
const volumes = lazy(() => require('./volumes') as typeof import('./volumes')); // -v, --mount, --tmpfs, --volumes-from, VOLUME
const supervisorLaunch = lazy(() => require('./supervisor-launch') as typeof import('./supervisor-launch')); // -d

/** Does the container get mounts of its own (volumes.ts's prepareMounts has something to do)? */
function asksForMounts(opts: RunOptions, image: ImageConfig): boolean {
  return !!(opts.volumes?.length || opts.mounts?.length || opts.tmpfs?.length || opts.volumesFrom?.length || Object.keys(image.Volumes ?? {}).length);
}

/**
 * The container's log driver and options: --log-driver/--log-opt, with the config file's
 * `log-driver` and `log-opts` as defaults (its options apply only to its own driver, as in docker).
 */
function logConfigFor(opts: RunOptions): { Type: 'json-file' | 'local' | 'none'; Config: Record<string, string> } {
  const daemon = loadDaemonConfig();
  const defaultDriver = daemon['log-driver'] ?? 'json-file';
  const driver = opts.logDriver ?? defaultDriver;
  const given = driver === defaultDriver ? { ...daemon['log-opts'], ...opts.logOpts } : opts.logOpts;
  // sorted by name, as Docker's inspect shows LogConfig.Config (a Go map)
  const config = Object.fromEntries(Object.entries(given).sort(([a], [b]) => a.localeCompare(b)));
  if (driver !== 'none') {
    // local: kept as given; the supervisor writes json-file lines with the local driver's rotation
    const rotation = driver === 'local' ? localLogOptions(config, (m) => new UserError(m, 125)) : config;
    try {
      parseLogOptions(rotation);
    } catch (e) {
      throw new UserError(`invalid log options: ${(e as Error).message}`, 125);
    }
  }
  return { Type: driver, Config: config };
}

/** image/builtin.ts's BUILTIN_IMAGE, not imported from there: that module loads the archive code. */
const BUILTIN_IMAGE = 'mini-run/busybox';

/** The image for `ref`: in the store, else the built-in one, else pulled (`pull` says when). */
export async function resolveImage(ref: string, pull: RunOptions['pull'] = 'missing', onEvent?: RunOptions['onPullEvent']): Promise<ImageRecord> {
  const builtin = familiarName(ref.includes(':') ? ref : `${ref}:latest`) === `${BUILTIN_IMAGE}:latest` || ref === BUILTIN_IMAGE;
  if (pull !== 'always' || builtin) {
    const found = findImage(ref);
    if (found) return found;
  }
  if (builtin) return await ensureBuiltinImage(); // made from the host's busybox, never pulled
  if (pull === 'never') throw new UserError(`No such image: ${ref}`, 125);
  // Like docker: say so on stderr, then pull (the CLI shows progress on stderr: stdout is the program's).
  const { pullImage } = await import('../image/pull');
  const { normalizeReference } = await import('../image/reference');
  if (pull === 'missing') process.stderr.write(`Unable to find image '${familiarName(normalizeReference(ref))}' locally\n`);
  try {
    return (await pullImage(ref, { onEvent })).image;
  } catch (e) {
    throw e instanceof UserError ? new UserError(e.message, 125) : e;
  }
}

/** Create the container: its directory, files, config.json and record (state "created"). */

export async function createContainer(opts: RunOptions, id = newContainerId()): Promise<ContainerRecord> {
  checkRunnable(opts);
  const image = await resolveImage(opts.image, opts.pull, opts.onPullEvent);
  const config = imageConfig(image);
  const { sizeBytes } = opts.storageOpt && Object.keys(opts.storageOpt).length ? storageOpts().checkStorageOpts(opts.storageOpt, paths.containers()) : {};
  const dir = paths.container(id);
  const daemon = loadDaemonConfig();
  const remapUser = remapUserFor(opts.usernsMode, daemon['userns-remap']);
  // the config's dns and default-ulimits reach the container (resolv.conf, process.rlimits), not its HostConfig
  const rlimits = rlimitsWithDefaults(opts.ulimits, daemon);
  if (remapUser) checkUsernsCompatible(opts);
  const blkio = resolveBlockIO(opts.blkio ?? NO_BLKIO);
  const healthcheck = mergeHealthcheck(imageConfigFile(image).config?.Healthcheck, opts.health ?? { none: false }); // the image's HEALTHCHECK

  return withStateLock(() => {
    const existing = listContainers();
    const taken = new Set(existing.map((c) => c.name));
    if (opts.name !== undefined) {
      const name = opts.name.replace(/^\//, '');
      if (!validName(name)) throw new UserError(`Invalid container name (${opts.name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`, 125);
      if (taken.has(name)) {
        const other = existing.find((c) => c.name === name)!;
        throw new UserError(`Conflict. The container name "/${name}" is already in use by container "${other.id}". You have to remove (or rename) that container to be able to reuse that name.`, 125);
      }
    }
    const name = opts.name?.replace(/^\//, '') ?? generateName(taken);
    const network = networkRecordFor(opts, config);
    const userns = remapUser ? usernsRemap().ensureRemapRange(remapUser) : undefined;
    if (userns && opts.networkNsPath) opts.userNsPath = usernsRemap().userNamespaceToJoin(opts.network.slice('container:'.length), userns);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    let mountPoints: MountPoint[] = [];
    try {
      for (const d of ['upper', 'work', 'rootfs']) mkdirSync(join(dir, d), { mode: 0o755 });
      // --userns private: the container's root (a host uid from /etc/subuid) reaches its own
      // files through ROOT (userns-remap.ts); its writable layer is its own
      const hostRoot = userns ? usernsRemap().remappedRoot(userns) : null;
      if (hostRoot) {
        for (const d of [paths.root(), paths.containers(), dir]) usernsRemap().openPathForRemappedRoot(d, hostRoot.gid);
        for (const d of ['upper', 'work']) chownSync(join(dir, d), hostRoot.uid, hostRoot.gid);
      }
      if (sizeBytes) layerQuota().limitWritableLayer(id, sizeBytes); // --storage-opt size: a project quota on upper (layer-quota.ts)
      if (asksForMounts(opts, config)) mountPoints = volumes().prepareMounts(opts, config, layerDirs(image), userns && ((v, data, fresh) => usernsRemap().adoptVolume(v, data, fresh, userns)));
      // its volumes' directories, 0710 root:G as the way to them (binds: the host's permissions, as with dockerd)
      if (hostRoot) for (const m of mountPoints) if (m.Type === 'volume') for (const d of [dirname(dirname(m.Source)), dirname(m.Source)]) usernsRemap().openPathForRemappedRoot(d, hostRoot.gid);
      const spec = buildSpec({ id, opts: { ...opts, ulimits: rlimits }, image: config, layerDirs: layerDirs(image), layerLinks: layerShortLinks(image), containerDir: dir, userMounts: mountPoints.length ? volumes().toOciMounts(mountPoints) : [], userns, blockIO: blkio.blockIO });
      writeEtcFiles(dir, spec.hostname!, opts.network === 'host', opts.utsMode === 'host', { ...dnsWithDefaults(opts.dns, opts.dnsSearch, daemon), extraHosts: opts.addHosts });
      // container root may edit its /etc/hosts, as with dockerd's userns-remap
      if (hostRoot) for (const f of ['hosts', 'hostname', 'resolv.conf']) chownSync(join(dir, f), hostRoot.uid, hostRoot.gid);
      writeFileAtomic(join(dir, 'config.json'), JSON.stringify(spec, null, 2) + '\n');
      const now = isoTime();
      const rec: ContainerRecord = {
        id, name, created: now, image: opts.image, imageId: image.id,
        path: spec.process.args[0], args: spec.process.args.slice(1),
        config: {
          Hostname: spec.hostname!, User: opts.user ?? config.User ?? '', Env: spec.process.env ?? [],
          Cmd: opts.command.length ? opts.command : config.Cmd ?? null,
          Entrypoint: opts.entrypoint !== undefined ? [opts.entrypoint] : config.Entrypoint ?? null,
          WorkingDir: spec.process.cwd, Tty: opts.tty, OpenStdin: opts.interactive, Image: opts.image,
          Labels: { ...(config.Labels ?? {}), ...opts.labels },
          StopSignal: opts.stopSignal ?? config.StopSignal ?? 'SIGTERM',
          StopTimeout: opts.stopTimeout ?? null,
          // -p exposes the port too, as Docker's: {"80/tcp": {}, "81/tcp": {}}
          AttachStdin: !opts.detach && opts.interactive, AttachStdout: !opts.detach, AttachStderr: !opts.detach,
          StdinOnce: !opts.detach && opts.interactive,
          ...(healthcheck ? { Healthcheck: healthcheck } : {}),
          ExposedPorts: exposedPortsOf({ ...config.ExposedPorts, ...Object.fromEntries((opts.publish ?? []).map((b) => [`${b.containerPort}/${b.proto}`, {}])) }, opts.expose ?? []),
        },
        hostConfig: {
          AutoRemove: opts.autoRemove, NetworkMode: opts.network, PidMode: opts.pidMode ?? '', UTSMode: opts.utsMode ?? '',
          IpcMode: opts.ipcMode ?? 'private', UsernsMode: opts.usernsMode ?? '', Privileged: opts.privileged, CapAdd: opts.capAdd, CapDrop: opts.capDrop,
          SecurityOpt: opts.securityOpt?.length ? opts.securityOpt : null,
          Devices: opts.devices ?? [], DeviceCgroupRules: opts.deviceCgroupRules?.length ? opts.deviceCgroupRules : null,
          GroupAdd: opts.groupAdd?.length ? opts.groupAdd : null,
          ReadonlyRootfs: opts.readOnly, Init: opts.init, Memory: opts.memory ?? 0, MemorySwap: opts.memorySwap ?? 0,
          NanoCpus: opts.cpus ? Math.round(opts.cpus * 1e9) : 0, CpuShares: opts.cpuShares ?? 0, PidsLimit: opts.pidsLimit ?? null,
          ...blkio.kept,
          RestartPolicy: opts.restart,
          LogConfig: logConfigFor(opts),
          StorageOpt: opts.storageOpt && Object.keys(opts.storageOpt).length ? opts.storageOpt : null,
        },
        RestartCount: 0,
        network,
        mounts: mountPoints,
        ...(userns ? { userns } : {}),
        state: { Status: 'created', Pid: 0, ExitCode: 0, OOMKilled: false, Error: '', StartedAt: '0001-01-01T00:00:00Z', FinishedAt: '0001-01-01T00:00:00Z', ManuallyStopped: false },
        monitor: { pid: process.pid, startTime: processStartTime(process.pid) ?? '' },
      };
      saveContainer(rec);
      recordEvent('container', 'create', id, { image: opts.image, name });
      return rec;
    } catch (err) {
      removeContainerDir(id);
      if (mountPoints.length) volumes().removeAnonymousVolumes(mountPoints);
      throw err;
    }
  });
}

/**
 * Foreground: this process supervises the container itself (and relays to its own terminal);
 * the exit code becomes ours. If the CLI is killed, the container goes with it (PDEATHSIG) and
 * the next command finds and records that.
 */
export async function runForeground(rec: ContainerRecord, opts: RunOptions, init?: PendingInit, pipes?: ContainerPipes, muteOutput = false): Promise<number> {
  const supervisor = new Supervisor(new EngineContainer(rec.id), { foreground: true, localStdin: opts.interactive, pendingInit: init, pendingPipes: pipes, muteOutput });
  const exit = await supervisor.run();
  return exit.exitCode;
}

/**
 * The init a `run -d` supervisor may spawn before the container exists, guessed from the flags
 * (it checks the guess against config.json and the record before using it): none with a user
 * namespace of its own (--userns private, or the config's userns-remap: spawned through
 * userns-exec) or a PID namespace joined by path.
 */
function detachedInitShape(opts: RunOptions): EarlyInitShape | null {
  if (opts.usernsMode === 'private' || (opts.pidMode !== undefined && opts.pidMode !== 'host')) return null;
  return { newPidNamespace: opts.pidMode !== 'host', terminal: opts.tty, openStdin: opts.interactive };
}

export async function runContainer(opts: RunOptions, given?: EarlyInit | null): Promise<number> {
  const early = given === undefined ? await startInitEarly(opts) : given;
  // `run -it`: detachable, so supervised apart from us (run-attached.ts). Rootless, the
  // supervisor could not outlive this command (its namespaces end with it): supervised here, in
  // the foreground, like `run -t` — the detach keys then reach the program (rootless-run.ts).
  if (!opts.detach && opts.tty && opts.interactive && !isRootless()) {
    const { runAttached } = await import('./run-attached');
    return runAttached(opts);
  }
  if (opts.detach) {
    // The supervisor's Node boots (and spawns the init) while we create the container; the CLI
    // may have launched it before it parsed the command line (cli/main.ts prespawnForRun).
    const shape = detachedInitShape(opts);
    const pre = supervisorLaunch().takePrelaunched(shape);
    const id = pre?.id ?? newContainerId();
    const launch = pre?.launch ?? supervisorLaunch().launchSupervisor(id, { beforeCreate: shape });
    let rec: ContainerRecord;
    try {
      sweepStaleContainers();
      rec = await createContainer(opts, id);
    } catch (err) {
      launch.cancel();
      throw err;
    }
    try {
      await launch.go();
    } catch (err) {
      if (opts.autoRemove) removeContainerDir(rec.id);
      throw err;
    }
    process.stdout.write(rec.id + '\n');
    return 0;
  }
  // The init is already booting (run-start.ts); create the container meanwhile.
  let rec: ContainerRecord;
  try {
    sweepStaleContainers();
    rec = await createContainer(opts);
  } catch (err) {
    if (early) await abandonEarly(early);
    throw err;
  }
  return runForeground(rec, opts, early?.init, early?.pipes);
}
