/**
 * The supervisor ("shim"): the parent of a container's PID 1 for as long as it runs.
 *
 * It starts the container through the runtime's front door, copies the program's output into the
 * json-file log and to attached clients, feeds them its input, waits for the exit, reports it,
 * applies the restart policy and, for `--rm`, has the container removed.
 *
 * It knows nothing of the engine's records: whoever owns the container (the engine, see
 * engine/monitor.ts) hands it a ContainerOwner that loads each life's settings, wires and unwires
 * the network, and records the start and the exit — as containerd's shim reports to the daemon
 * through its task API instead of reading the daemon's store.
 *
 * For `run -d` and `start` it runs in its own detached process (engine/monitor-main.ts), so the
 * container outlives the command that started it — like containerd-shim. For a foreground
 * `run`, the CLI process itself is the supervisor and also relays to its own terminal.
 */
import { closeSync, writeSync } from 'node:fs';
import type * as tty from 'node:tty';
import { UserError } from '../errors';
import { setWinsize } from '../sys/libc';
import { traceNote } from '../sys/trace';
import { watchReadable, type ReadableWatch } from '../sys/signal-io';
import * as runtime from '../runtime';
import type { PendingInit, StartedContainer } from '../runtime';
import { isWriteFailure } from '../fsutil';
import { JsonLogWriter, type LogOptions } from './json-log';
import type { AttachServer } from './attach-server';
import type { ExecServer, FrontExecOwner } from './exec-server';
import { shouldRestart, nextBackoff, type RestartPolicy } from './restart-policy';
import { lazy } from '../lazy';

/** The attach socket and the exec front door: a detached supervisor's only (a foreground `run` has neither). */
const attachServer = lazy(() => require('./attach-server') as typeof import('./attach-server'));
const execServerMod = lazy(() => require('./exec-server') as typeof import('./exec-server'));
const ttyMod = lazy(() => require('node:tty') as typeof import('node:tty'));
/** node:net (and its stream modules: ≈ 4 ms) only for a stdin pipe (-i): output is read with sys/signal-io.ts. */
const netMod = lazy(() => require('node:net') as typeof import('node:net'));

/** One life's settings, read afresh before each start (a restart sees changes). */
export interface LifeSettings {
  terminal: boolean;
  openStdin: boolean;
  /** The json-file log (where, how to rotate), or null for `--log-driver none`. */
  log: { path: string; options: LogOptions } | null;
}

/** The network for one life: host ports before the start, interfaces once the namespaces exist. */
export interface LifeNetworking {
  prepare(): Promise<void>;
  /** Called synchronously while the init waits in its new namespaces. */
  attach(pid: number): void;
  /** Everything undone; `exited` when the program ran and ended (not a failed start). */
  detach(exited: boolean): void;
}

/** What the restart policy needs after an exit; null when the container was removed meanwhile. */
export interface RestartFacts { policy: RestartPolicy; restartCount: number; manuallyStopped: boolean; autoRemove: boolean; restarting: boolean }

/** The owner of the container's record: the only way the supervisor learns or reports anything. */
export interface ContainerOwner extends FrontExecOwner {
  readonly id: string;
  /** The bundle directory (config.json, rootfs) and the container as the runtime knows it. */
  readonly bundle: string;
  readonly runtimeRef: runtime.ContainerRef;
  loadLife(): LifeSettings;
  networking(): LifeNetworking;
  restartFacts(): RestartFacts;
  recordStarted(pid: number): void;
  /**
   * May throw a write failure (full disk): the supervisor retries. Removes the container when
   * final with --rm (`runtimeGone`: the runtime's state and cgroup of this life are gone already).
   */
  recordExit(exit: SupervisedExit, final: boolean, status: 'exited' | 'restarting', runtimeGone: boolean): void;
  countRestart(): void;
  /** A foreground run whose policy restarts: a detached supervisor takes over. */
  handOff(): Promise<void>;
}

export interface SupervisorOptions {
  /** A foreground run: relay to our own stdio/terminal; no attach socket. */
  foreground: boolean;
  /** Our stdin goes to the program (foreground `-i`). */
  localStdin?: boolean;
  /** A foreground run whose output is only logged, not shown (`build -q`'s RUN steps). */
  muteOutput?: boolean;
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
  /** This life's runtime state and cgroup are gone already (its program ran and ended). */
  private runtimeGone = false;
  /** This life's attach socket (detached supervisors): its clients hear of the end once it is recorded. */
  private server: AttachServer | null = null;
  /** This life's exec front door (detached supervisors): `mini-run exec` asks here (exec-server.ts). */
  private execServer: ExecServer | null = null;

  /** The container as the runtime knows it (same id, the engine's runtime root). */
  private readonly ref: runtime.ContainerRef;
  private readonly id: string;

  constructor(private readonly owner: ContainerOwner, private readonly opts: SupervisorOptions) {
    this.ref = owner.runtimeRef;
    this.id = owner.id;
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
        this.hangUp((s) => s.error(e.message, code));
        if (!announced) this.opts.onStartFailed?.(e);
        throw err;
      }
      pending = undefined;
      pendingPipes = undefined;
      const facts = this.owner.restartFacts();
      const policy = facts.policy;
      if (facts.autoRemove || !shouldRestart(policy, exit.exitCode, facts.restartCount, facts.manuallyStopped)) {
        await this.finish(exit, true);
        this.hangUp((s) => s.exit(exit.exitCode));
        return exit;
      }
      if (this.opts.foreground) {
        // A foreground run ends with the first exit; a detached supervisor carries on restarting.
        await this.finish(exit, false, 'restarting');
        this.owner.countRestart();
        await this.owner.handOff();
        return exit;
      }
      this.backoff = nextBackoff(this.backoff, Date.now() - t0);
      await this.finish(exit, false, 'restarting');
      this.hangUp((s) => s.exit(exit.exitCode));
      traceNote(`restart policy ${policy.Name}: restarting in ${this.backoff} ms`);
      await sleep(this.backoff);
      const again = this.owner.restartFacts();
      if (again.manuallyStopped || !again.restarting) {
        await this.finish(exit, true);
        return exit;
      }
      this.owner.countRestart();
    }
  }

  /** One life of the program: start, relay, wait. */
  private async runOnce(pending: PendingInit | undefined, pendingPipes: ContainerPipes | undefined, started: (pid: number) => void): Promise<SupervisedExit> {
    this.runtimeGone = false;
    const life = this.owner.loadLife();
    const dir = this.owner.bundle;
    const server = this.opts.foreground ? null : new (attachServer().AttachServer)(this.id);
    this.server = server;
    // A log write that fails (full disk, quota, I/O error) is reported once and its lines are
    // dropped and counted; the program keeps running (docker's json-file logger does the same).
    // --log-driver none: the output still goes to attached clients, but nothing is kept.
    const log = life.log === null
      ? { write: () => undefined, close: () => undefined }
      : new JsonLogWriter(life.log.path, life.log.options, (err) => {
        const msg = `mini-run: container ${this.id.slice(0, 12)}: cannot write its log (${err.message}): dropping output until it can; 'mini-run logs' will say how much was lost\n`;
        traceNote(msg.trim());
        if (this.opts.foreground) process.stderr.write(msg);
        else server?.broadcast('stderr', Buffer.from(msg));
      });
    const terminal = life.terminal;
    const wantStdin = life.openStdin;

    // An init spawned early (a foreground run, or a detached supervisor's first act:
    // monitor-early.ts) was spawned for a terminal or not, stdin or not: if the record says
    // otherwise, it goes and one is spawned the normal way.
    if (pending && pendingPipes && (pending.terminal !== terminal || (pendingPipes.in !== null) !== (!terminal && wantStdin))) {
      await pending.abandon();
      closePipes(pendingPipes);
      pending = undefined;
      pendingPipes = undefined;
    }
    // Without a terminal: real pipes for stdout/stderr (and stdin with -i), read here.
    const pipes = pendingPipes ?? containerPipes(terminal, wantStdin);
    const { out: outPipe, err: errPipe, in: inPipe, stdio } = pipes;

    let container: StartedContainer;
    // Networking: host ports reserved now (the userland proxy listens), eth0 at onNamespaces.
    const networking = this.owner.networking();
    // (the first life only: an early init boots meanwhile)
    const waitForClient = this.opts.awaitClient === true && !this.clientSeen;
    try {
      if (server) await server.listen();
      if (server) {
        // Not fatal: without it `exec` takes the Node CLI's way, as before.
        const execServer = new (execServerMod().ExecServer)(this.id, this.owner);
        this.execServer = await execServer.listen().then(() => execServer, () => { execServer.close(); return null; });
      }
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
        size: server ? server.size ?? { rows: 24, cols: 80 } : undefined,
        proxySignals: this.opts.foreground,
        onTerminalOutput: (d: Buffer) => log.write('stdout', d),
      }, {
        onNamespaces: (pid) => networking.attach(pid),
      }, pending);
    } catch (err) {
      await pending?.abandon(); // an early init not taken (or failed): no child left behind
      networking.detach(false);
      closePipes(pipes);
      log.close();
      throw err; // run() records it, then tells the clients (hangUp)
    }
    // The program holds its ends now; ours must go, or we would never see EOF.
    if (outPipe) closeQuietly(outPipe.write);
    if (errPipe) closeQuietly(errPipe.write);
    if (inPipe) closeQuietly(inPipe.read);

    this.owner.recordStarted(container.pid);
    started(container.pid);

    // Output: log it, show it to attached clients (and to our own terminal in the foreground).
    const drained: Promise<void>[] = [];
    const readers: ReadableWatch[] = [];
    const relayOut = (fd: number, stream: 'stdout' | 'stderr') => {
      // (sys/signal-io.ts: SIGIO says the pipe is readable; no node:net, no thread)
      drained.push(new Promise((resolve) => readers.push(watchReadable(fd, {
        data: (d) => {
          log.write(stream, d);
          server?.broadcast(stream, d);
          if (this.opts.foreground && !this.opts.muteOutput) (stream === 'stdout' ? process.stdout : process.stderr).write(d);
        },
        end: () => resolve(),
      }))));
    };
    if (outPipe) relayOut(outPipe.read, 'stdout');
    if (errPipe) relayOut(errPipe.read, 'stderr');

    // Input: from attached clients (detached) or our own stdin (foreground -i).
    const stdinSock = inPipe ? new (netMod().Socket)({ fd: inPipe.write, readable: false, writable: true }) : null;
    stdinSock?.on('error', () => { /* the program closed its stdin */ });
    const master = container.masterFd;
    let masterStream: tty.ReadStream | null = null;
    if (master !== null) {
      masterStream = new (ttyMod().ReadStream)(master); // (node:tty only with a terminal)
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
    // The runtime's state of this life (wait() has destroyed the cgroup already); from here on
    // there is nothing of this life left for recordExit's removal to ask the runtime for.
    runtime.removeExited(this.ref, dir, container);
    this.runtimeGone = true;
    // The namespace is gone with the program: give back the address, rules and ports.
    networking.detach(true);
    // Only `--mount-ns host` leaves mounts behind (in the host's table): take them down.
    if (!container.spec.linux.namespaces.some((n) => n.type === 'mount')) runtime.detachMountsUnder(dir);
    await Promise.race([Promise.all(drained), deadline(2000)]);
    // A pipe still open after that (a process left behind holds its write end) is read no more.
    for (const r of readers) r.destroy();
    if (this.opts.localStdin && stdinSock) process.stdin.unpipe(stdinSock);
    stdinSock?.destroy();
    masterStream?.destroy();
    log.close();
    return { exitCode: exit.exitCode, oomKilled: exit.oomKilled, error: '' };
  }

  /**
   * Tell this life's attached clients how it ended, after the record says so (a client that
   * exits on it, `run -it --rm` or `start -a`, leaves the container recorded or removed), and
   * close the socket.
   */
  private hangUp(tell: (server: AttachServer) => void): void {
    this.execServer?.close();
    this.execServer = null;
    const server = this.server;
    this.server = null;
    if (!server) return;
    tell(server);
    server.close();
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
    this.owner.recordExit(exit, final, status, this.runtimeGone);
  }
}

function closeQuietly(fd: number): void {
  try { closeSync(fd); } catch { /* already closed */ }
}

function writeQuietly(fd: number, d: Buffer): void {
  try { writeSync(fd, d); } catch { /* the terminal is gone */ }
}
