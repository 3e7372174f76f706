/** Helpers for network tests: the host-wide lease state, and shell commands on the host. */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/** Where mini-run keeps its host-wide network state (leases, what it changed on the host). */
export const NETWORK_STATE = '/run/mini-run/network/state.json';

export interface Lease { ip: string; root: string; containerId: string; hostVeth: string; names?: string[] }

export function leases(): Lease[] {
  return existsSync(NETWORK_STATE) ? JSON.parse(readFileSync(NETWORK_STATE, 'utf8')).leases : [];
}

/** The leases held for containers of one state root. */
export function leasesOf(root: string): Lease[] {
  return leases().filter((l) => l.root === resolve(root));
}

/** Run a shell command on the host. */
export function sh(cmd: string) {
  return spawnSync('sh', ['-c', cmd], { encoding: 'utf8' });
}

/** Lines of the host's packet filter (iptables nat/filter/raw, and our nft table) that mention `needle`. */
export function rulesMentioning(needle: string): string[] {
  const out: string[] = [];
  for (const t of ['nat', 'filter', 'raw']) out.push(...sh(`iptables -w -t ${t} -S`).stdout.split('\n').filter((l) => l.includes(needle)));
  const table = sh('nft list table ip mini_run');
  if (table.status === 0) out.push(...table.stdout.split('\n').filter((l) => l.includes(needle)).map((l) => l.trim()));
  return out;
}
