/**
 * The supervisor's exec front door: `mini-run exec` asks the running supervisor, as `docker
 * exec` asks dockerd (→ containerd → the container's shim), instead of starting Node again.
 *
 * The client is native/mini-run-front.c (its header has the conversation). It connects to
 * RUNDIR/<id>.exec — a socket only root can reach (mode 0600 in the 0700 RUNDIR), and the
 * kernel's word on the peer (SO_PEERCRED) is checked too: a root-equivalent control socket open
 * to anyone else would be the docker.sock hole (CWE-306, missing authentication for a critical
 * function). A name finds the socket through RUNDIR/names/<fnv1a(state root)>/<name>, a link
 * kept here while the supervisor runs (names are unique per state root, not across roots).
 *
 * The request carries the caller's stdin/stdout/stderr (SCM_RIGHTS, sys/unix-rights.ts). The
 * owner (engine/monitor.ts → engine/exec-front.ts) re-checks that the request is for this
 * container, root and running life, and starts the exec with the engine's and runtime's own
 * code — or says "not here", and the client runs the Node CLI instead (nothing was started).
 */
import { chmodSync, mkdirSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import * as net from 'node:net';
import { close } from '../sys/libc';
import { peerUid, readFramedRequest } from '../sys/unix-rights';
import { addNameLink, execSocketPath, nameLinkPath, removeNameLink } from './sockets';

/** What the C front asks for: `exec [-i] CONTAINER CMD [ARG...]` under state root `root`. */
export interface FrontExecRequest {
  root: string;
  /** CONTAINER as typed (a name or a full id). */
  container: string;
  interactive: boolean;
  args: string[];
}

/** An exec started for the front: its exec process (signals go to it) and how it ends. */
export interface FrontExec {
  readonly pid: number;
  /** The program's status, or the error line (and code) the Node CLI would print. */
  readonly result: Promise<{ exitCode: number; message?: string }>;
}

/** The owner's half (engine/monitor.ts). */
export interface FrontExecOwner {
  /** The state root and the container's current name (for the name link). */
  frontDoorKey(): { root: string; name: string };
  /** Start the exec with `stdio` (the caller's 0, 1, 2) — or null: not here, the CLI does it. Synchronous up to the spawn. */
  execFromFront(req: FrontExecRequest, stdio: readonly [number, number, number]): FrontExec | null;
}

export const MAGIC = 'MRX1';
/** Longer requests are refused (the C front sends those to the Node CLI instead). */
export const MAX_REQUEST = 256 * 1024;
/** A client has this long to send its whole request. */
const REQUEST_TIMEOUT_MS = 3000;
/** The signals a client may forward (the Node CLI's FORWARDED_SIGNALS, by number). */
const SIGNALS = new Map<number, NodeJS.Signals>([[1, 'SIGHUP'], [2, 'SIGINT'], [3, 'SIGQUIT'], [10, 'SIGUSR1'], [12, 'SIGUSR2'], [15, 'SIGTERM']]);

/** Parse the payload: NUL-terminated root, container, "i"/"-", CMD, ARG… (null: malformed). */
export function parseRequest(payload: Buffer): FrontExecRequest | null {
  if (payload.length === 0 || payload[payload.length - 1] !== 0) return null;
  const parts = payload.toString('utf8', 0, payload.length - 1).split('\0');
  if (parts.length < 4) return null;
  const [root, container, mode, ...args] = parts;
  if (!root.startsWith('/') || container === '' || (mode !== 'i' && mode !== '-') || args[0] === '') return null;
  return { root, container, interactive: mode === 'i', args };
}

export class ExecServer {
  private server: net.Server | null = null;
  private link: string | null = null;
  private readonly active = new Set<net.Socket>();

  constructor(private readonly id: string, private readonly owner: FrontExecOwner) {}

  listen(): Promise<void> {
    const path = execSocketPath(this.id);
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    rmSync(path, { force: true }); // left by a killed supervisor
    // pauseOnConnect: libuv must not read the request: its descriptors come with its first byte.
    this.server = net.createServer({ pauseOnConnect: true }, (sock) => { void this.accept(sock); });
    return new Promise((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(path, () => {
        this.server!.removeListener('error', reject);
        try { chmodSync(path, 0o600); } catch { /* the 0700 directory still keeps others out */ }
        this.server!.on('error', () => { /* a failed accept (no descriptor left): the next client tries again */ });
        this.addNameLink();
        resolve();
      });
    });
  }

  /** RUNDIR/names/<key>/<name> → ../../<id>.exec (replacing a stale one: names are unique per root). */
  private addNameLink(): void {
    try {
      const { root, name } = this.owner.frontDoorKey();
      this.link = addNameLink(root, name, this.id);
    } catch { /* no link: `exec NAME` takes the Node CLI's way, by id it still comes here */ }
  }

  private async accept(sock: net.Socket): Promise<void> {
    sock.on('error', () => undefined);
    const fd = (sock as unknown as { _handle?: { fd?: number } })._handle?.fd;
    // Only root: the socket's mode says so already; the kernel's word on the peer says it again.
    if (typeof fd !== 'number' || fd < 0 || peerUid(fd) !== 0) { sock.destroy(); return; }
    const got = await readFramedRequest(fd, MAGIC, MAX_REQUEST, 3, REQUEST_TIMEOUT_MS).catch(() => null);
    if (!got) { sock.destroy(); return; }
    const req = parseRequest(got.payload);
    let exec: FrontExec | null = null;
    try {
      if (req && got.fds.length === 3 && !sock.destroyed) exec = this.owner.execFromFront(req, got.fds as [number, number, number]);
    } catch {
      exec = null;
    } finally {
      for (const f of got.fds) { try { close(f); } catch { /* closed */ } } // the exec process has its copies
    }
    if (!exec) { sock.end('fallback\n'); return; }
    const running = exec;
    this.active.add(sock);
    sock.write('ok\n');
    let done = false;
    // Each byte from the client is a signal it got (^C, kill): the exec process relays it.
    sock.on('data', (d: Buffer) => {
      for (const b of d) {
        const sig = SIGNALS.get(b);
        if (sig && !done) try { process.kill(running.pid, sig); } catch { /* gone */ }
      }
    });
    // The client gone before the end (killed -9): as the Node CLI's exec process dies with its
    // CLI (parent-death signal SIGKILL), so it does with its client here.
    sock.on('close', () => {
      this.active.delete(sock);
      if (!done) try { process.kill(running.pid, 'SIGKILL'); } catch { /* gone */ }
    });
    sock.resume();
    const r = await running.result;
    done = true;
    if (r.message !== undefined) sock.end(`error ${r.exitCode}\n${r.message}`);
    else sock.end(`exit ${r.exitCode}\n`);
  }

  close(): void {
    this.server?.close();
    this.server = null;
    rmSync(execSocketPath(this.id), { force: true });
    // The link made at listen, and the current name's (a `rename` meanwhile made that one).
    const links = new Set(this.link ? [this.link] : []);
    try {
      const { root, name } = this.owner.frontDoorKey();
      links.add(nameLinkPath(root, name));
    } catch { /* the record is gone: only ours */ }
    for (const link of links) removeNameLink(link, this.id);
    this.link = null;
  }
}
