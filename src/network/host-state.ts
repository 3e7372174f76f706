/**
 * The network's bookkeeping. The bridge, the veths, the rules and ip_forward belong to the
 * *host*, not to one state root: two roots (two test runs, say) that both use `mini-run0`
 * must not hand out the same address or tear the bridge down under each other. So the
 * address leases and "what did we change on the host" live beside the host objects, under
 * the runtime directory (/run/mini-run/network — a tmpfs: after a reboot the bridge and the
 * rules are gone too, and so is this file), guarded by one flock.
 */
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../fsutil';
import { processStartTime } from '../sys/proc-stat';
import type { Dnat } from './firewall';

export const netRunDir = () => join(process.env.MINI_RUN_RUNDIR ?? '/run/mini-run', 'network');

const DnatSchema = z.object({ proto: z.string(), hostIp: z.string(), hostPort: z.number(), dest: z.string(), destPort: z.number(), bridge: z.string(), tag: z.string() });

export const Lease = z.object({
  ip: z.string(),
  network: z.string(),
  bridge: z.string(),
  root: z.string(),
  containerId: z.string(),
  hostVeth: z.string(),
  /** The process that supervises the container: when it is gone, so is the container (PDEATHSIG). */
  monitor: z.object({ pid: z.number(), startTime: z.string() }),
  dnat: z.array(DnatSchema).default([]),
  /** Names the embedded DNS answers with this address (user networks): name, id, aliases. */
  names: z.array(z.string()).default([]),
  /**
   * Where the embedded DNS forwards this container's other questions (--dns, else the config
   * file's dns; none: the host's resolvers) — docker's "external servers" of a user network.
   */
  upstreams: z.array(z.string()).default([]),
});
export type Lease = z.infer<typeof Lease>;

export const HostNetState = z.object({
  /** ip_forward was 0 and we set it to 1: set it back when the last container goes. */
  ipForwardSetByUs: z.boolean().default(false),
  /** Our chains and jumps are installed, with this packet filter (every process must keep using it). */
  baseInstalled: z.boolean().default(false),
  firewall: z.enum(['iptables-legacy', 'iptables-nft', 'nft', 'none']).optional(),
  /** Which set of rules (firewall.ts RULES_VERSION) is installed; absent: the first one. */
  rulesVersion: z.number().optional(),
  /** Bridges we created, with the rules we added for each. */
  bridges: z.record(z.object({
    subnet: z.string(), gateway: z.string(),
    /** Our MASQUERADE/FORWARD rules for it are in place (while it has containers). */
    rules: z.boolean().default(false),
    /** An internal network's bridge: its rules are the isolation ones only. */
    internal: z.boolean().default(false),
    /** route_localnet before we set it to 1 (for published ports on 127.0.0.1); set back with the rules. */
    routeLocalnetWas: z.string().optional(),
    /** A user network's bridge: stays until `network rm`, even with no container. */
    persistent: z.boolean().default(false),
  })).default({}),
  leases: z.array(Lease).default([]),
});
export type HostNetState = z.infer<typeof HostNetState>;

const stateFile = () => join(netRunDir(), 'state.json');

export function readHostNetState(): HostNetState {
  try {
    return HostNetState.parse(JSON.parse(readFileSync(stateFile(), 'utf8')));
  } catch {
    return HostNetState.parse({});
  }
}

export function writeHostNetState(s: HostNetState): void {
  writeFileAtomic(stateFile(), JSON.stringify(s, null, 2) + '\n', 0o600);
}

/** The state of the outermost withNetLock of this process (while it runs). */
let held: HostNetState | null = null;

/**
 * Run fn holding the network lock (released by the kernel if we die). Re-entrant in one
 * process: a nested call works on the same state, which the outermost call writes back.
 */
export function withNetLock<T>(fn: (s: HostNetState) => T): T {
  if (held) return fn(held);
  mkdirSync(netRunDir(), { recursive: true, mode: 0o700 });
  const fd = openSync(join(netRunDir(), 'lock'), 'a');
  try {
    // (libc and the firewall module are loaded only here: the crash sweep of every command reads
    // this file, and most of the time finds nothing to do — see sweepHasWork)
    (require('../sys/libc') as typeof import('../sys/libc')).flockExclusive(fd);
    const s = readHostNetState();
    // Rules already installed by another process are managed with the same packet filter.
    if (s.baseInstalled && s.firewall) (require('./firewall') as typeof import('./firewall')).useFirewall(s.firewall);
    held = s;
    const r = fn(s);
    writeHostNetState(s);
    return r;
  } finally {
    held = null;
    closeSync(fd);
  }
}

/** The supervisor `m` still runs (the same process: its start time matches). */
export function processAlive(m: { pid: number; startTime: string }): boolean {
  return processStartTime(m.pid) === m.startTime;
}

/**
 * Whether the crash sweep (network/bridge.ts sweepNetwork) would change anything in `s` (what
 * its sweepDeadLeases and releaseIdle act on): a lease of a dead supervisor, or something to give back. Here, beside the state, so that a command that finds
 * nothing to do never loads the bridge, firewall and `ip` code.
 */
export function sweepHasWork(s: HostNetState, giveBack: boolean): boolean {
  if (s.leases.some((l) => !processAlive(l.monitor))) return true;
  for (const [bridge, b] of Object.entries(s.bridges)) {
    if (s.leases.some((l) => l.bridge === bridge)) continue;
    if (b.persistent ? b.rules || b.routeLocalnetWas !== undefined : giveBack) return true;
  }
  return giveBack && s.leases.length === 0 && (s.baseInstalled || s.ipForwardSetByUs);
}

export type { Dnat };
