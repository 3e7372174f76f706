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
import type { HostNetState } from './host-state-schema';
import { checkHostNetState } from './host-state-check';
import { writeFileAtomic } from '../fsutil';
import { processStartTime } from '../sys/proc-stat';
import type { Dnat } from './firewall';
import { lazy } from '../lazy';

const libc = lazy(() => require('../sys/libc') as typeof import('../sys/libc'));
const firewallMod = lazy(() => require('./firewall') as typeof import('./firewall'));

export const netRunDir = () => join(process.env.MINI_RUN_RUNDIR ?? '/run/mini-run', 'network');

export type { Lease, HostNetState } from './host-state-schema';

const stateFile = () => join(netRunDir(), 'state.json');

/** The state file as its schema reads it; a missing or unreadable file is the empty state. */
export function readHostNetState(): HostNetState {
  let s: unknown;
  try {
    s = checkHostNetState(JSON.parse(readFileSync(stateFile(), 'utf8')));
  } catch { /* none yet, or not JSON */ }
  return (s ?? checkHostNetState({})) as HostNetState;
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
    libc().flockExclusive(fd);
    const s = readHostNetState();
    // Rules already installed by another process are managed with the same packet filter.
    if (s.baseInstalled && s.firewall) firewallMod().useFirewall(s.firewall);
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
