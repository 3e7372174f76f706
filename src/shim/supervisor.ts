/**
 * The supervisor ("shim"): the parent of a container's PID 1 for as long as it runs.
 *
 * It starts the container through the runtime, copies the program's output into the json-file
 * log and to attached clients, feeds them its input, waits for the exit, records it (code,
 * time, OOM), applies the restart policy and, for `--rm`, removes the container.
 *
 * For `run -d` and `start` it runs in its own detached process (src/shim/main.ts), so the
 * container outlives the command that started it — like containerd-shim. For a foreground
 * `run`, the CLI process itself is the supervisor and also relays to its own terminal.
 */
import { closeSync, writeSync } from 'node:fs';
import * as net from 'node:net';
import * as tty from 'node:tty';
import { paths } from '../paths';
import { UserError } from '../errors';
import { setWinsize } from '../sys/libc';
import { traceNote } from '../sys/trace';
import * as runtime from '../runtime';
import type { PendingInit, StartedContainer, StdioTarget } from '../runtime';
import { loadContainer, updateContainer, processStartTime, removeContainerDir, type ContainerRecord } from '../engine/container-store';
import { withStateLock } from '../lock';
import { isWriteFailure } from '../fsutil';
import { JsonLogWriter, logPath, parseLogOptions } from './json-log';
import { AttachServer } from './attach-server';
import { shouldRestart, nextBackoff } from './restart-policy';
import { ContainerNetworking, keepConnectionsForNextStart } from '../engine/network';

export interface SupervisorOptions {
  /** A foreground run: relay to our own stdio/terminal; no attach socket. */
  foreground: boolean;
  /** Our stdin goes to the program (foreground `-i`). */
  localStdin?: boolean;
  /** An init spawned early by the caller (foreground run) with these pipes, used for the first start. */
  pendingInit?: PendingInit;
  pendingPipes?: ContainerPipes;
  /** Called once the program runs (the detached shim tells the CLI), or with the error that stopped it. */
  onStarted?: (pid: number) => void;
  onStartFailed?: (err: Error) => void;
  /** `start -a`: listen, tell the caller (onListening), and start only once a client attached. */
  awaitClient?: boolean;
  onListening?: () => void;
}

export interface SupervisedExit { exitCode: number; oomKilled: boolean; error: string }

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** A deadline that does not keep the process alive by itself (for races against real work). */
const deadline = (ms: number) => new Promise((r) => setTimeout(r, ms).unref());

export { containerPipes, closePipes, type ContainerPipes } from './pipes';
import { closePipes, containerPipes, type ContainerPipes } from './pipes';

export class Supervisor {
  private backoff = 0;
  private clientSeen = false;

  /** The container as the runtime knows it (same id, the engine's runtime root). */
  private readonly ref: runtime.ContainerRef;

  constructor(private readonly id: string, private readonly opts: SupervisorOptions) {
    this.ref = { root: paths.runtime(), id };
  }

  /** Start the container and keep it going per its restart policy; resolves with the last exit. */
  async run(): Promise<SupervisedExit> {
    let pending = this.opts.pendingInit;
    let pendingPipes = this.opts.pendingPipes;
    let announced = false;
    for (;;) {
      const t0 = Date.now();
      let exit: SupervisedExit;
      try {
        exit = await this.runOnce(pending, pendingPipes, (pid) => {
          if (!announced) this.opts.onStarted?.(pid);
          announced = true;
        });
      } catch (err) {
        const e = err as Error;
        const code = e instanceof UserError ? e.exitCode : 125;
        await this.finish({ exitCode: code === 125 ? 128 : code, oomKilled: false, error: e.message }, true);
        if (!announced) this.opts.onStartFailed?.(e);
        throw err;
      }
      pending = undefined;
      pendingPipes = undefined;
      const rec = loadContainer(this.id);
      const policy = rec.hostConfig.RestartPolicy;
      if (rec.hostConfig.AutoRemove || !shouldRestart(policy, exit.exitCode, rec.RestartCount, rec.state.ManuallyStopped)) {
        await this.finish(exit, true);
        return exit;
      }
      if (this.opts.foreground) {
        // A foreground run ends with the first exit; a detached supervisor carries on restarting.
        await this.finish(exit, false, 'restarting');
        updateContainer(this.id, (r) => { r.RestartCount += 1; });
        const { startDetached } = await import('../engine/lifecycle');
        await startDetached(this.id, { restarting: true });
        return exit;
      }
      this.backoff = nextBackoff(this.backoff, Date.now() - t0);
      await this.finish(exit, false, 'restarting');
      traceNote(`restart policy ${policy.Name}: restarting in ${this.backoff} ms`);
      await sleep(this.backoff);
      const again = loadContainer(this.id);
      if (again.state.ManuallyStopped || again.state.Status !== 'restarting') {
        await this.finish(exit, true);
        return exit;
      }
      updateContainer(this.id, (r) => { r.RestartCount += 1; });
    }
  }

  /** One life of the program: start, relay, wait. */
  private async runOnce(pending: PendingInit | undefined, pendingPipes: ContainerPipes | undefined, started: (pid: number) => void): Promise<SupervisedExit> {
    const rec = loadContainer(this.id);
    const dir = paths.container(this.id);
    const server = this.opts.foreground ? null : new AttachServer(this.id);
    // A log write that fails (full disk, quota, I/O error) is reported once and its lines are
    // dropped and counted; the program keeps running (docker's json-file logger does the same).
    // --log-driver none: the output still goes to attached clients, but nothing is kept.
    const log = rec.hostConfig.LogConfig.Type === 'none'
      ? { write: () => undefined, close: () => undefined }
      : new JsonLogWriter(logPath(dir, this.id), parseLogOptions(rec.hostConfig.LogConfig.Config), (err) => {
        const msg = `mini-run: container ${this.id.slice(0, 12)}: cannot write its log (${err.message}): dropping output until it can; 'mini-run logs' will say how much was lost\n`;
        traceNote(msg.trim());
        if (this.opts.foreground) process.stderr.write(msg);
        else server?.broadcast('stderr', Buffer.from(msg));
      });
    const terminal = rec.config.Tty;
    const wantStdin = rec.config.OpenStdin;

    // Without a terminal: real pipes for stdout/stderr (and stdin with -i), read here.
    const pipes = pendingPipes ?? containerPipes(terminal, wantStdin);
    const { out: outPipe, err: errPipe, in: inPipe, stdio } = pipes;

    let container: StartedContainer;
    // Networking: host ports reserved now (the userland proxy listens), eth0 at onNamespaces.
    const networking = new ContainerNetworking(rec);
    const waitForClient = this.opts.awaitClient === true && pending === undefined && !this.clientSeen;
    try {
      if (server) await server.listen();
      if (server && waitForClient) {
        this.opts.onListening?.();
        await Promise.race([server.firstClient, deadline(30_000)]);
        this.clientSeen = true;
      }
      await networking.prepare();
      container = await runtime.run(this.ref, dir, {
        interactive: wantStdin,
        stdio,
        terminal: this.opts.foreground && terminal ? 'relay' : 'return',
        size: server ? { rows: 24, cols: 80 } : undefined,
        proxySignals: this.opts.foreground,
        onTerminalOutput: (d: Buffer) => log.write('stdout', d),
      }, {
        onNamespaces: (pid) => {
          const endpoint = networking.attach(pid);
          if (endpoint) updateContainer(this.id, (r) => { r.network.endpoint = endpoint; });
        },
      }, pending);
    } catch (err) {
      networking.detach();
      closePipes(pipes);
      server?.error((err as Error).message, err instanceof UserError ? err.exitCode : 125);
      server?.close();
      log.close();
      throw err;
    }
    // The program holds its ends now; ours must go, or we would never see EOF.
    if (outPipe) closeQuietly(outPipe.write);
    if (errPipe) closeQuietly(errPipe.write);
    if (inPipe) closeQuietly(inPipe.read);

    updateContainer(this.id, (r) => {
      r.state = { ...r.state, Status: 'running', Pid: container.pid, StartedAt: new Date().toISOString(), ExitCode: 0, Error: '', OOMKilled: false };
      r.monitor = { pid: process.pid, startTime: processStartTime(process.pid) ?? '' };
    });
    started(container.pid);

    // Output: log it, show it to attached clients (and to our own terminal in the foreground).
    const drained: Promise<void>[] = [];
    const relayOut = (fd: number, stream: 'stdout' | 'stderr') => {
      const sock = new net.Socket({ fd, readable: true, writable: false });
      drained.push(new Promise((resolve) => { sock.on('close', () => resolve()); sock.on('error', () => resolve()); }));
      sock.on('data', (d: Buffer) => {
        log.write(stream, d);
        server?.broadcast(stream, d);
        if (this.opts.foreground) (stream === 'stdout' ? process.stdout : process.stderr).write(d);
      });
    };
    if (outPipe) relayOut(outPipe.read, 'stdout');
    if (errPipe) relayOut(errPipe.read, 'stderr');

    // Input: from attached clients (detached) or our own stdin (foreground -i).
    const stdinSock = inPipe ? new net.Socket({ fd: inPipe.write, readable: false, writable: true }) : null;
    stdinSock?.on('error', () => { /* the program closed its stdin */ });
    const master = container.masterFd;
    let masterStream: tty.ReadStream | null = null;
    if (master !== null) {
      masterStream = new tty.ReadStream(master);
      drained.push(new Promise((resolve) => {
        masterStream!.on('error', () => resolve()); // EIO: the last holder of the terminal exited
        masterStream!.on('close', () => resolve());
      }));
      masterStream.on('data', (d: Buffer) => { log.write('stdout', d); server?.broadcast('stdout', d); });
    }
    if (server) {
      server.onInput = (d) => {
        if (master !== null) writeQuietly(master, d);
        else stdinSock?.write(d);
      };
      server.onInputEnd = () => { if (master === null) stdinSock?.end(); };
      server.onResize = (rows, cols) => { if (master !== null) try { setWinsize(master, rows, cols); } catch { /* gone */ } };
    } else if (this.opts.localStdin && stdinSock) {
      process.stdin.pipe(stdinSock);
    }

    const exit = await container.wait();
    runtime.remove(this.ref, { force: true }); // the runtime's state of this life
    // The namespace is gone with the program: give back the address, rules and ports.
    networking.detach();
    // Only `--mount-ns host` leaves mounts behind (in the host's table): take them down.
    runtime.detachMountsUnder(paths.container(this.id));
    try { updateContainer(this.id, (r) => { r.network.endpoint = null; keepConnectionsForNextStart(r); }); } catch { /* removed meanwhile */ }
    await Promise.race([Promise.all(drained), deadline(2000)]);
    if (this.opts.localStdin && stdinSock) process.stdin.unpipe(stdinSock);
    stdinSock?.destroy();
    masterStream?.destroy();
    log.close();
    server?.exit(exit.exitCode);
    server?.close();
    return { exitCode: exit.exitCode, oomKilled: exit.oomKilled, error: '' };
  }

  /**
   * Record the exit; with `final`, no restart follows: --rm removes the container now. On a
   * full (or failing) disk the record cannot be written: keep trying, with growing pauses, until
   * it can or the container is removed — meanwhile `stop`, `ps` and `rm -f` still work.
   */
  private async finish(exit: SupervisedExit, final: boolean, status: 'exited' | 'restarting' = 'exited'): Promise<void> {
    for (let pause = 100, reported = false; ; pause = Math.min(pause * 2, 2000)) {
      try {
        this.recordExit(exit, final, status);
        return;
      } catch (err) {
        if (!isWriteFailure(err)) throw err;
        if (!reported) traceNote(`container ${this.id.slice(0, 12)}: cannot record its exit yet (${(err as Error).message}); retrying`);
        reported = true;
        await sleep(pause);
      }
    }
  }

  private recordExit(exit: SupervisedExit, final: boolean, status: 'exited' | 'restarting'): void {
    withStateLock(() => {
      let rec: ContainerRecord;
      try {
        rec = loadContainer(this.id);
      } catch {
        return; // removed meanwhile (rm -f)
      }
      if (final && rec.hostConfig.AutoRemove) {
        runtime.remove(this.ref, { force: true });
        removeContainerDir(this.id);
        return;
      }
      updateContainer(this.id, (r) => {
        r.state = { ...r.state, Status: status, Pid: 0, ExitCode: exit.exitCode, OOMKilled: exit.oomKilled, Error: exit.error, FinishedAt: new Date().toISOString() };
        if (final) r.monitor = null;
      });
    });
  }
}

function closeQuietly(fd: number): void {
  try { closeSync(fd); } catch { /* already closed */ }
}

function writeQuietly(fd: number, d: Buffer): void {
  try { writeSync(fd, d); } catch { /* the terminal is gone */ }
}
