/**
 * Rootless networking through slirp4netns (issue 18): a user without root cannot make a veth or
 * touch a bridge, so the container's network namespace gets a tap device whose other end is a
 * user-mode TCP/IP stack (libslirp) running as a normal process in the host's network namespace.
 * A packet the container sends is turned into an ordinary socket call of that process, so the
 * container reaches what the user can reach — no route, no rule, no link on the host.
 *
 * slirp4netns's fixed addresses (its --configure sets them up in the container's namespace):
 *   10.0.2.100  the container (tap0)
 *   10.0.2.2    the gateway = the host: a connection to it becomes the user's connection to the
 *               host; to the host's 127.0.0.1 only with host loopback allowed, which we do not
 *               allow (--disable-host-loopback, as podman and Docker's rootless mode), so a
 *               container cannot talk to services bound only to the host's loopback
 *   10.0.2.3    a DNS forwarder to the host's resolvers
 *
 * Published ports (-p) are slirp's "host forwards": slirp listens on the host address and port
 * and connects to the container's address for each connection. They are added through its API
 * socket (one JSON request per connection, one JSON answer, then EOF).
 */
import { accessSync, closeSync, constants as fsc, openSync, readFileSync, readSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors';
import { findOnPath } from '../fsutil';
import { connectUnixSocket, pipe } from '../sys/libc';
import { SysError } from '../sys/errors';
import { traceNote } from '../sys/trace';
import type { PortBinding } from './ports';
import { lazy } from '../lazy';

const childProcess = lazy(() => require('node:child_process') as typeof import('node:child_process'));

export const SLIRP = { ip: '10.0.2.100', prefixLen: 24, gateway: '10.0.2.2', dns: '10.0.2.3', device: 'tap0' } as const;

const findSlirp4netns = (): string | null => findOnPath('slirp4netns', ['/usr/bin', '/bin', '/usr/local/bin']);

/** Why the default network cannot work rootless here (one line), or null when it can. */
export function slirpProblem(): string | null {
  if (!findSlirp4netns()) return 'rootless networking needs slirp4netns (sudo apt-get install slirp4netns), or use --network none';
  // slirp4netns opens the tun device as the user: distributions make it 0666 (udev).
  try { accessSync('/dev/net/tun', fsc.R_OK | fsc.W_OK); } catch {
    return 'rootless networking needs /dev/net/tun readable and writable by you (distributions make it 0666: sudo chmod 0666 /dev/net/tun), or use --network none';
  }
  return null;
}

/** Published ports rootless can give: IPv4 (a port left open is chosen at the start). One line for the rest. */
export function slirpPortProblem(ports: PortBinding[]): string | null {
  for (const p of ports) {
    if (p.hostIp.includes(':')) return `rootless mini-run: -p on an IPv6 address (${p.hostIp}) is not available yet`;
  }
  return null;
}

export interface SlirpProcess { pid: number; apiSocket: string; exitFd: number; dirFd: number }

const O_CLOEXEC = 0o2000000;

/**
 * Start slirp4netns for the network namespace of `pid` (the container's init, which waits meanwhile)
 * and return once it has configured tap0 (its --ready-fd). Synchronous: called at the runtime's
 * onNamespaces moment, before the program starts. slirp4netns ends when `exitFd` closes: when we
 * call stopSlirp, or when this process ends however it ends.
 */
export function startSlirp(pid: number, dir: string): SlirpProcess {
  const file = findSlirp4netns();
  if (!file) throw new UserError(slirpProblem() ?? 'slirp4netns not found', 125);
  const logPath = join(dir, 'slirp4netns.log');
  // The API socket lives in the container's directory, named through an fd of it: a unix socket's
  // path is at most 107 bytes, and ~/.local/share/mini-run/containers/<64 hex>/… is longer.
  const dirFd = openSync(dir, fsc.O_RDONLY | fsc.O_DIRECTORY | O_CLOEXEC);
  const ready = pipe();
  const exit = pipe();
  const log = openSync(logPath, 'w', 0o600);
  let child;
  try {
    // (node:child_process loaded here: every `run` loads this module through the network code)
    child = childProcess().spawn(file, [
      '--configure', '--mtu=65520', '--disable-host-loopback', '--api-socket=/proc/self/fd/5/slirp4netns.sock',
      '--ready-fd=3', '--exit-fd=4', String(pid), SLIRP.device,
    ], { stdio: ['ignore', log, log, ready.write, exit.read, dirFd], detached: true }); // its own group: ^C is the container's
  } catch (err) {
    for (const fd of [ready.read, exit.write, dirFd]) closeSync(fd);
    throw err;
  } finally {
    closeSync(log);
    closeSync(ready.write); // the child holds its copies now
    closeSync(exit.read);
  }
  const apiSocket = `/proc/self/fd/${dirFd}/slirp4netns.sock`;
  traceNote(`slirp4netns ${child.pid} for the network namespace of ${pid} (tap0 ${SLIRP.ip}, api ${join(dir, 'slirp4netns.sock')})`);
  child.unref();
  child.on('error', () => { /* reported below: the ready pipe ends without a byte */ });
  // Blocks until slirp4netns says "1" (tap0 is up, address and route set) or ends (EOF).
  const buf = Buffer.alloc(1);
  let n = 0;
  try { n = readSync(ready.read, buf, 0, 1, null); } catch { n = 0; } finally { closeSync(ready.read); }
  if (n !== 1) {
    closeSync(exit.write);
    closeSync(dirFd);
    let why = '';
    try { why = readFileSync(logPath, 'utf8').trim().split('\n').filter(Boolean).pop() ?? ''; } catch { /* none */ }
    throw new UserError(`slirp4netns could not set up the container's network${why ? `: ${why}` : ''}`, 125);
  }
  return { pid: child.pid ?? 0, apiSocket, exitFd: exit.write, dirFd };
}

/**
 * slirp4netns says "ready" once tap0 is configured, which can be just before it binds its API
 * socket: wait for that state (ENOENT, then ECONNREFUSED until it listens), up to a deadline.
 */
function connectWhenListening(path: string): number {
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      return connectUnixSocket(path);
    } catch (err) {
      const errno = err instanceof SysError ? err.errno : 0;
      if ((errno !== 2 /* ENOENT */ && errno !== 111 /* ECONNREFUSED */) || Date.now() > deadline) throw err;
      Atomics.wait(PAUSE, 0, 0, 5);
    }
  }
}
const PAUSE = new Int32Array(new SharedArrayBuffer(4));

/** One request on slirp4netns's API socket, its answer (synchronous: a unix socket, a short exchange). */
function slirpRequest(apiSocket: string, request: object): { return?: unknown; error?: { desc?: string } } {
  const fd = connectWhenListening(apiSocket);
  try {
    writeSync(fd, JSON.stringify(request));
    const chunks: Buffer[] = [];
    for (;;) {
      const b = Buffer.alloc(4096);
      const n = readSync(fd, b, 0, b.length, null);
      if (n <= 0) break; // it closes the connection after its answer
      chunks.push(b.subarray(0, n));
    }
    return JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
  } finally {
    closeSync(fd);
  }
}

/** -p HOSTIP:HOSTPORT:PORT as a slirp host forward; one line when the host port cannot be had. */
export function addHostForward(s: SlirpProcess, p: PortBinding): PortBinding {
  const hostIp = p.hostIp === '' ? '0.0.0.0' : p.hostIp;
  const answer = slirpRequest(s.apiSocket, {
    execute: 'add_hostfwd',
    arguments: { proto: p.proto, host_addr: hostIp, host_port: p.hostPort, guest_addr: SLIRP.ip, guest_port: p.containerPort },
  });
  if (answer.error || answer.return === undefined) {
    throw new UserError(`cannot publish ${hostIp}:${p.hostPort} -> ${p.containerPort}/${p.proto}: the address is in use or not yours to bind (slirp4netns: ${answer.error?.desc ?? 'no answer'})`, 125);
  }
  return { ...p, hostIp };
}

/** slirp4netns goes: its exit fd closes (it also ends by itself when this process does). */
export function stopSlirp(s: SlirpProcess): void {
  for (const fd of [s.exitFd, s.dirFd]) try { closeSync(fd); } catch { /* closed */ }
}
