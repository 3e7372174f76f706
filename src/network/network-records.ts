/**
 * The user networks' definitions as read (ROOT/network/networks.json) and the predefined
 * networks' ids: what `inspect`, `ps` and the DNS need to name a network, without the code that
 * creates bridges (user-networks.ts, which re-exports all of this).
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { NetworkRecord } from './network-record-schema';
import { checkNetworkRecords } from './network-records-check';
import { paths } from '../paths';
import { sha256Hex } from '../sha256';

export type { NetworkRecord } from './network-record-schema';

export const networksFile = () => join(paths.root(), 'network', 'networks.json');

export function listNetworks(): NetworkRecord[] {
  try {
    return (checkNetworkRecords(JSON.parse(readFileSync(networksFile(), 'utf8'))) ?? []) as NetworkRecord[];
  } catch {
    return [];
  }
}

export const RESERVED = new Set(['bridge', 'host', 'none', 'default']);

/** The networks every state root has, with the driver `network ls` shows (Docker's three). */
export const PREDEFINED_NETWORKS = [['bridge', 'bridge'], ['host', 'host'], ['none', 'null']] as const;

/**
 * A predefined network's id: 64 hex digits like any network's, fixed per state root (a Docker
 * daemon makes random ones once; a root is mini-run's "daemon").
 */
export function predefinedNetworkId(name: string): string {
  // sha256 in JS (src/sha256.ts): the same id as node:crypto's, without loading node:crypto on run's way to the container's start
  return sha256Hex(`${resolve(paths.root())}\0predefined network\0${name}`);
}

/** The predefined network a reference means (its name, its id or an id prefix of 3+), or null. */
export function findPredefined(ref: string): 'bridge' | 'host' | 'none' | null {
  for (const [name] of PREDEFINED_NETWORKS) {
    const id = predefinedNetworkId(name);
    if (ref === name || ref === id || (ref.length >= 3 && /^[0-9a-f]+$/.test(ref) && id.startsWith(ref))) return name;
  }
  return null;
}

export function findNetwork(ref: string): NetworkRecord | null {
  const all = listNetworks();
  return all.find((n) => n.Name === ref) ?? all.find((n) => n.Id === ref) ?? (ref.length >= 3 ? all.filter((n) => n.Id.startsWith(ref)) : []).at(0) ?? null;
}
