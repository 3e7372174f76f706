/**
 * The engine's side of a supervisor: the container's record, read and written for it.
 *
 * The supervisor (src/shim/) knows only the runtime's front door and the ContainerOwner
 * interface; this module is that owner. It loads each life's settings from the record, wires the
 * network (engine/network.ts), and records the start, the exit, restarts and --rm removal —
 * under the state lock, like every other writer of the record.
 *
 * A detached supervisor lives as long as its container, one Node process per container, so what
 * it loads is memory each container keeps: the network engine (bridge, DNS, proxy, …) and the
 * user-namespace layer code load only when the record says this container needs them (require()
 * at the point of use, compiled dist only: no unit test runs these paths).
 */
import { paths, stateRoot } from '../paths';
import { withStateLock } from '../lock';
import * as runtime from '../runtime';
import type { ContainerOwner, LifeNetworking, LifeSettings, RestartFacts, SupervisedExit } from '../shim/supervisor';
import type { FrontExec, FrontExecRequest } from '../shim/exec-server';
import { logPath } from '../shim/json-log';
import { loadContainer, updateContainer, processStartTime, removeContainerDir, runtimeRef, type ContainerRecord } from './container-store';
import { usesBridge } from './network-settings';
import { logOptionsOf, parseLogOptions } from './log-options';
import { recordEvent } from '../events';
import { healthActive, startHealthChecks } from './health';
import { lazy } from '../lazy';
import { isoTime } from '../utc-time';

const usernsLayers = lazy(() => require('./userns-layers') as typeof import('./userns-layers'));
const networkMod = lazy(() => require('./network') as typeof import('./network'));
const networkRecords = lazy(() => require('../network/network-records') as typeof import('../network/network-records'));
const execFront = lazy(() => require('./exec-front') as typeof import('./exec-front'));

export class EngineContainer implements ContainerOwner {
  readonly bundle: string;
  readonly runtimeRef: runtime.ContainerRef;

  constructor(readonly id: string) {
    this.bundle = paths.container(id);
    this.runtimeRef = runtimeRef(id);
  }

  loadLife(): LifeSettings {
    const rec = loadContainer(this.id);
    const logConfig = rec.hostConfig.LogConfig;
    return {
      terminal: rec.config.Tty,
      openStdin: rec.config.OpenStdin,
      log: logConfig.Type === 'none' ? null : { path: logPath(this.bundle, this.id), options: parseLogOptions(logOptionsOf(logConfig)) },
    };
  }

  networking(): LifeNetworking {
    const id = this.id;
    const rec = loadContainer(id);
    // (not networking, but the same moment: the init's namespaces exist, its mounts not yet)
    const idmapLayers = (pid: number) => {
      if (rec.userns) usernsLayers().idmapLayersInto(pid);
    };
    // --network none/host/container:ID: no interface of ours, nothing to load.
    if (!usesBridge(rec.hostConfig.NetworkMode)) {
      return {
        prepare: async () => undefined,
        attach: idmapLayers,
        detach(exited: boolean) {
          if (!exited) return;
          // (--network none, host: usually nothing to undo, and then nothing read again, no lock
          // taken, nothing written. Nothing can have been added since the record was read above:
          // `network connect` refuses a container without a bridge of its own, network.ts.)
          if (rec.network.endpoint === null && rec.network.connected.length === 0) return;
          try {
            const now = loadContainer(id);
            if (now.network.endpoint === null && now.network.connected.length === 0) return;
            updateContainer(id, (r) => {
              r.network.endpoint = null;
              if (r.network.connected.length) networkMod().keepConnectionsForNextStart(r);
            });
          } catch { /* removed meanwhile */ }
        },
      };
    }
    const network = networkMod();
    const net = new network.ContainerNetworking(rec);
    return {
      prepare: () => net.prepare(),
      attach(pid: number) {
        idmapLayers(pid);
        const endpoint = net.attach(pid);
        if (!endpoint) return;
        updateContainer(id, (r) => { r.network.endpoint = endpoint; });
        const { findNetwork, predefinedNetworkId } = networkRecords();
        const user = endpoint.network === 'bridge' ? null : findNetwork(endpoint.network);
        recordEvent('network', 'connect', user?.Id ?? predefinedNetworkId('bridge'), { container: id, name: endpoint.network, type: user?.Driver ?? 'bridge' });
      },
      detach(exited: boolean) {
        net.detach();
        if (!exited) return;
        try { updateContainer(id, (r) => { r.network.endpoint = null; network.keepConnectionsForNextStart(r); }); } catch { /* removed meanwhile */ }
      },
    };
  }

  restartFacts(): RestartFacts {
    const rec = loadContainer(this.id);
    return {
      policy: rec.hostConfig.RestartPolicy, restartCount: rec.RestartCount, manuallyStopped: rec.state.ManuallyStopped,
      autoRemove: rec.hostConfig.AutoRemove, restarting: rec.state.Status === 'restarting',
    };
  }

  recordStarted(pid: number): void {
    const rec = updateContainer(this.id, (r) => {
      r.state = { ...r.state, Status: 'running', Pid: pid, StartedAt: isoTime(), ExitCode: 0, Error: '', OOMKilled: false };
      r.monitor = { pid: process.pid, startTime: processStartTime(process.pid) ?? '' };
    });
    recordEvent('container', 'start', this.id, { image: rec.image, name: rec.name });
    // The health checks run while the program runs, from this (supervising) process.
    this.stopHealth?.();
    this.stopHealth = healthActive(rec.config.Healthcheck) ? startHealthChecks(this.id, rec.config.Healthcheck, {
      load: () => { try { return loadContainer(this.id).state.Health ?? null; } catch { return null; } },
      save: (h) => { try { updateContainer(this.id, (r) => { r.state.Health = h; }); } catch { /* removed meanwhile */ } },
      meta: () => ({ image: rec.image, name: rec.name }),
    }) : null;
  }

  private stopHealth: (() => void) | null = null;

  recordExit(exit: SupervisedExit, final: boolean, status: 'exited' | 'restarting', runtimeGone: boolean): void {
    this.stopHealth?.();
    this.stopHealth = null;
    withStateLock(() => {
      let rec: ContainerRecord;
      try {
        rec = loadContainer(this.id);
      } catch {
        return; // removed meanwhile (rm -f)
      }
      recordEvent('container', 'die', this.id, { exitCode: String(exit.exitCode), image: rec.image, name: rec.name });
      if (final && rec.hostConfig.AutoRemove) {
        if (!runtimeGone) runtime.remove(this.runtimeRef, { force: true });
        removeContainerDir(this.id, { rec });
        return;
      }
      updateContainer(this.id, (r) => {
        // A program that never started (a failed start) stays `created`, as Docker's: the error
        // and its exit code (127, 126) recorded, FinishedAt left unset.
        const neverStarted = r.state.StartedAt.startsWith('0001-01-01');
        r.state = neverStarted
          ? { ...r.state, Status: 'created', Pid: 0, ExitCode: exit.exitCode, OOMKilled: false, Error: exit.error }
          : { ...r.state, Status: status, Pid: 0, ExitCode: exit.exitCode, OOMKilled: exit.oomKilled, Error: exit.error, FinishedAt: isoTime() };
        if (final) r.monitor = null;
      });
    });
  }

  countRestart(): void {
    updateContainer(this.id, (r) => { r.RestartCount += 1; });
  }

  frontDoorKey(): { root: string; name: string } {
    return { root: stateRoot(), name: loadContainer(this.id).name };
  }

  /** `exec` through the front door (shim/exec-server.ts): engine/exec-front.ts, loaded at the first one. */
  execFromFront(req: FrontExecRequest, stdio: readonly [number, number, number]): FrontExec | null {
    return execFront().execFromFront(this.id, req, stdio);
  }

  async handOff(): Promise<void> {
    const { startDetached } = await import('./lifecycle');
    await startDetached(this.id, { restarting: true });
  }
}

