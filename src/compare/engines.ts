/**
 * The engines `compare` runs a command in: mini-run itself, and one "other engine" — docker
 * when a Docker *daemon* answers, else podman.
 *
 * Each run is a plain command line a learner could retype (`mini-run run --rm …`,
 * `podman run --rm …`), spawned as a child process and captured. The few extra flags podman
 * needs on some hosts are computed here, each with the reason next to it.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { randomBytes } from 'node:crypto';
import { UserError } from '../errors';
import { shellLine } from '../sys/trace';
import { stateRoot } from '../paths';
import { DEFAULT_SUBNET } from '../network/bridge';
import { withNetLock } from '../network/host-state';

export type EngineName = 'docker' | 'podman';
const ENGINES: readonly EngineName[] = ['docker', 'podman'];

/** What a finished `run` printed and how it exited. */
export interface Captured { stdout: string; stderr: string; status: number }

/** A ready-to-use other engine: how to name the image in it, extra `run` flags, clean-up. */
export interface OtherEngine {
  name: EngineName;
  /** `run` flags this host needs, each explained in `notes`. */
  runFlags: string[];
  notes: string[];
  /** Undo what prepareEngine made (a temporary podman network). */
  cleanup(): void;
}

const RUN_TIMEOUT_MS = 120_000;

/** Run a short command synchronously; `null` when it cannot be started at all (not installed). */
function quiet(argv: string[], timeoutMs = 15_000): { status: number; stdout: string; stderr: string } | null {
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', timeout: timeoutMs, stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') return null;
  return { status: r.status ?? 128 + 9, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/**
 * Is this engine usable? For docker the *client* is not enough (it may be installed with no
 * daemon, or the daemon may be stopped): `docker info` must succeed, which needs the daemon.
 * podman has no daemon: the binary itself runs containers.
 */
function engineAvailable(name: EngineName): boolean {
  const r = name === 'docker' ? quiet(['docker', 'info', '--format', '{{.ServerVersion}}']) : quiet(['podman', 'version', '--format', '{{.Client.Version}}']);
  return r !== null && r.status === 0;
}

/**
 * `choice` (from --engine, or MINI_RUN_COMPARE_ENGINE: `from` says which, for the message) if
 * given, else docker with a daemon, else podman.
 */
export function findEngine(choice: string | undefined, from = '--engine'): EngineName {
  if (choice) {
    const asked = from === '--engine' ? `compare --engine ${choice}` : `compare (${from}=${choice})`;
    if (!(ENGINES as readonly string[]).includes(choice)) throw new UserError(`${asked}: not docker or podman`);
    const name = choice as EngineName;
    if (!engineAvailable(name)) {
      throw new UserError(name === 'docker' ? `${asked}: no docker daemon answers (\`docker info\` failed)` : `${asked}: podman not found`);
    }
    return name;
  }
  for (const name of ENGINES) if (engineAvailable(name)) return name;
  throw new UserError('compare needs docker (with a running daemon) or podman; neither found');
}

// ------------------------------------------------------------------ podman's host quirks

/** podman (rootful) asks runc for these limits in every container unless told otherwise. */
const PODMAN_DEFAULT_RLIMIT = 1_048_576;
/** podman lowers its *own* RLIMIT_NPROC to 32768 at start (strace: setrlimit(RLIMIT_NPROC, 32768)); runc inherits it. */
const PODMAN_OWN_NPROC = 32_768;
const CAP_SYS_RESOURCE = 24;

function hostLimit(name: 'Max open files' | 'Max processes'): { soft: number; hard: number } | null {
  const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith(name));
  const m = line?.slice(name.length).trim().match(/^(\S+)\s+(\S+)/);
  if (!m) return null;
  const num = (s: string) => (s === 'unlimited' ? Infinity : Number(s));
  return { soft: num(m[1]), hard: num(m[2]) };
}

function haveCapability(bit: number): boolean {
  const hex = readFileSync('/proc/self/status', 'utf8').match(/^CapEff:\s*([0-9a-f]+)/m)?.[1] ?? '0';
  return ((BigInt('0x' + hex) >> BigInt(bit)) & 1n) === 1n;
}

/**
 * `--ulimit` flags for podman, only when needed. Rootful podman sets nofile and nproc to
 * 1048576 in every container. Raising a hard limit above the current one needs
 * CAP_SYS_RESOURCE; where even root lacks it (root inside a container, as here) and the host's
 * hard limit is lower, runc fails with "error setting rlimit type 7 (nofile) / 6 (nproc):
 * operation not permitted". We then ask for the limits the process already has — which is
 * also what mini-run's container inherits, so both sides run with the same limits.
 */
export function podmanUlimitFlags(): string[] {
  if (haveCapability(CAP_SYS_RESOURCE)) return [];
  const flags: string[] = [];
  const nofile = hostLimit('Max open files');
  if (nofile && nofile.hard < PODMAN_DEFAULT_RLIMIT) flags.push('--ulimit', `nofile=${nofile.soft}:${nofile.hard}`);
  const nproc = hostLimit('Max processes');
  const nprocHard = Math.min(nproc?.hard ?? Infinity, PODMAN_OWN_NPROC);
  if (nprocHard < PODMAN_DEFAULT_RLIMIT) flags.push('--ulimit', `nproc=${Math.min(nproc?.soft ?? Infinity, nprocHard)}:${nprocHard}`);
  return flags;
}

/** "10.88.0.0/16" → [first, last] address as numbers. */
function cidrRange(cidr: string): [number, number] | null {
  const m = cidr.trim().match(/^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/);
  if (!m) return null;
  const ip = ((+m[1] << 24) | (+m[2] << 16) | (+m[3] << 8) | +m[4]) >>> 0;
  const bits = +m[5];
  const size = 2 ** (32 - bits);
  const first = Math.floor(ip / size) * size;
  return [first, first + size - 1];
}

export function cidrsOverlap(a: string, b: string): boolean {
  const x = cidrRange(a);
  const y = cidrRange(b);
  return !!x && !!y && x[0] <= y[1] && y[0] <= x[1];
}

/** Subnets mini-run uses or may use, and every IPv4 subnet on the host's interfaces but `except`. */
function takenSubnets(except: string): string[] {
  const taken = [DEFAULT_SUBNET, '10.89.0.0/16']; // the default bridge; user networks take 10.89.N.0/24
  const ip = quiet(['ip', '-4', '-o', 'addr', 'show']);
  for (const line of ip?.stdout.split('\n') ?? []) {
    const m = line.match(/^\d+:\s+(\S+)\s+inet\s+(\S+)/);
    if (m && m[1] !== except) taken.push(m[2]);
  }
  return taken;
}

/**
 * The network podman's containers join. podman's default network ("podman", bridge podman0)
 * is 10.88.0.0/16 — the same subnet as mini-run's default bridge. Two bridges with one subnet
 * would make the host's routes ambiguous and break whichever started second, so when they
 * overlap we create a bridge network of our own (same driver, a free 10.87.N.0/24) for this
 * comparison and remove it afterwards. Otherwise podman's real default network is used.
 */
function podmanNetwork(): { flags: string[]; note?: string; cleanup: () => void } {
  const inspect = quiet(['podman', 'network', 'inspect', 'podman', '--format', '{{.NetworkInterface}} {{range .Subnets}}{{.Subnet}} {{end}}']);
  const [bridge, ...subnets] = (inspect?.status === 0 ? inspect.stdout.trim() : '').split(/\s+/);
  const taken = takenSubnets(bridge);
  if (!subnets.some((s) => taken.some((t) => cidrsOverlap(s, t)))) return { flags: [], cleanup: () => undefined };
  const name = `mr-compare-${process.pid}-${randomBytes(2).toString('hex')}`;
  for (let n = 0; n < 256; n++) {
    const subnet = `10.87.${n}.0/24`;
    if (taken.some((t) => cidrsOverlap(subnet, t))) continue;
    const made = quiet(['podman', 'network', 'create', '--driver', 'bridge', '--subnet', subnet, '--disable-dns', name]);
    if (made?.status !== 0) continue; // taken by another podman network: try the next one
    return {
      flags: ['--network', name],
      note: `podman's default network (${subnets.join(' ')}) overlaps mini-run's bridge subnet, so podman uses a temporary bridge network ${name} (${subnet})`,
      cleanup: () => { quiet(['podman', 'network', 'rm', '-f', name]); },
    };
  }
  throw new UserError(`compare: no free 10.87.N.0/24 subnet for a podman network beside mini-run's bridge`);
}

/** Make the chosen engine ready: the flags this host needs and how to undo what that made. */
export function prepareEngine(name: EngineName, opts: { network: boolean }): OtherEngine {
  if (name === 'docker') return { name, runFlags: [], notes: [], cleanup: () => undefined };
  const ulimits = podmanUlimitFlags();
  const notes = ulimits.length ? [`podman runs with ${ulimits.filter((f) => f !== '--ulimit').join(' ')}: this host's hard limits are below podman's default 1048576 and root lacks CAP_SYS_RESOURCE to raise them`] : [];
  const forwardBefore = readIpForward();
  const net = opts.network ? podmanNetwork() : { flags: [], cleanup: () => undefined };
  if ('note' in net && net.note) notes.push(net.note);
  const cleanup = () => {
    net.cleanup();
    if (opts.network) restoreIpForward(forwardBefore);
  };
  return { name, runFlags: [...ulimits, ...net.flags], notes, cleanup };
}

const IP_FORWARD = '/proc/sys/net/ipv4/ip_forward';

function readIpForward(): string {
  try {
    return readFileSync(IP_FORWARD, 'utf8').trim();
  } catch {
    return '';
  }
}

/**
 * podman's network backend (netavark) turns net.ipv4.ip_forward on for a bridge network and
 * leaves it on. If it was off before `compare`, give it back — unless mini-run's network came
 * up meanwhile (a container on a bridge found it on, so did not note it as its own): then
 * mini-run takes it over and sets it back when its network is given back (`system prune`), as
 * if it had set it.
 */
function restoreIpForward(before: string): void {
  if (before !== '0' || readIpForward() !== '1') return;
  withNetLock((s) => {
    if (s.ipForwardSetByUs) return; // mini-run already owns it
    if (s.leases.length > 0 || s.baseInstalled) s.ipForwardSetByUs = true;
    else writeFileSync(IP_FORWARD, '0');
  });
}

// ------------------------------------------------------------------ images

/**
 * Make `image` exist in the other engine. A local mini-run image (the built-in
 * mini-run/busybox, or anything loaded or committed) is exported with mini-run's own `save`
 * and loaded there — this adds the image to that engine's store and leaves it there.
 * An image neither has is left to each engine's own pull. Returns the name to run it by:
 * podman stores mini-run/busybox as docker.io/mini-run/busybox:latest, so the full name works
 * in both engines.
 */
export async function ensureImageIn(engine: EngineName, image: string): Promise<string> {
  const { normalizeReference } = await import('../image/reference');
  const { lookupImage } = await import('../image/lookup');
  const { BUILTIN_REFERENCE, buildAndLoadBuiltin } = await import('../image/builtin');
  let full = image;
  try { full = normalizeReference(image); } catch { /* an id: use as given */ }
  const exists = quiet([engine, 'image', 'inspect', '--format', '{{.Id}}', full]);
  if (exists?.status === 0) return full;
  if (full === BUILTIN_REFERENCE) await buildAndLoadBuiltin();
  if (!lookupImage(image)) return full;
  const dir = mkdtempSync(join(tmpdir(), 'mr-compare-'));
  try {
    const tar = join(dir, 'image.tar');
    const saved = spawnSync(process.execPath, [miniRunBin(), '--root', stateRoot(), 'save', '-o', tar, full], { encoding: 'utf8' });
    if (saved.status !== 0) throw new UserError(`compare: mini-run save ${full} failed: ${(saved.stderr ?? '').trim()}`);
    const loaded = quiet([engine, 'load', '-i', tar], RUN_TIMEOUT_MS);
    if (loaded?.status !== 0) throw new UserError(`compare: ${engine} load of ${full} failed: ${(loaded?.stderr ?? '').trim().split('\n').pop()}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return full;
}

// ------------------------------------------------------------------ running

/** bin/mini-run of this installation (dist/compare/ and src/compare/ are two levels down). */
export function miniRunBin(): string {
  return resolve(__dirname, '..', '..', 'bin', 'mini-run');
}

/** A fresh container name, the same in both engines: mr-compare-<8 hex>. */
export function compareName(): string {
  return `mr-compare-${randomBytes(4).toString('hex')}`;
}

/** The argv of `mini-run run --rm …` (as a learner would type it, after the node binary). */
export function miniRunArgv(name: string, flags: string[], image: string, cmd: string[]): string[] {
  return [process.execPath, miniRunBin(), '--root', stateRoot(), 'run', '--rm', '--name', name, ...flags, image, ...cmd];
}

export function otherArgv(engine: OtherEngine, name: string, flags: string[], image: string, cmd: string[]): string[] {
  return [engine.name, 'run', '--rm', '--name', name, ...engine.runFlags, ...flags, image, ...cmd];
}

/** The `run` commands still running, so a Ctrl-C can be passed on to them (see stopRuns). */
const running = new Set<ChildProcess>();

/** Pass a signal on to the running `run` commands: each stops its container and removes it (--rm). */
export function stopRuns(signal: NodeJS.Signals): void {
  for (const child of running) child.kill(signal);
}

/** Spawn argv with no stdin, capture both outputs, wait for the exit. */
export function capture(argv: string[]): Promise<Captured> {
  return new Promise((done) => {
    const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], timeout: RUN_TIMEOUT_MS, killSignal: 'SIGTERM' });
    running.add(child);
    child.on('exit', () => running.delete(child));
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    child.on('error', (e) => done({ stdout, stderr: stderr + `${argv[0]}: ${e.message}\n`, status: 127 }));
    child.on('close', (code, signal) => done({ stdout, stderr, status: code ?? 128 + (signal ? 15 : 0) }));
  });
}

/** For display: argv as a shell line, without the node binary and mini-run's path. */
export function shownCommand(argv: string[]): string {
  const words = argv[0] === process.execPath ? ['mini-run', ...argv.slice(2)] : argv;
  return shellLine(words);
}
