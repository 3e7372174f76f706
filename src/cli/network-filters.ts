/**
 * `network ls --filter KEY=VALUE`, as dockerd filters its network list:
 *   driver=D            the driver is D (exactly)
 *   name=N, id=I        the name / id is N or contains a match of N read as a regular expression
 *   label=K, label=K=V  the network has label K (with value V); every label filter must hold
 *   scope=S             local (every network here is local)
 *   type=custom|builtin user-defined networks / bridge, host, none
 *   dangling=true|false not in use: no container on it or set to join it, stopped ones too (never a predefined one) / in use, or predefined
 * Values of one key are alternatives; different keys must all hold. Another key is
 * "Invalid filter 'KEY'", exit 1, as docker's.
 */
import { UserError } from '../errors';

export interface FilterableNetwork {
  id: string;
  name: string;
  driver: string;
  labels: Record<string, string>;
  predefined: boolean;
  /** Whether a container is attached to it now (docker's Containers is not empty). */
  inUse: boolean;
}

const KEYS = new Set(['driver', 'name', 'id', 'label', 'scope', 'type', 'dangling']);

/** The filters, grouped by key (a key given twice keeps both values). Bad keys and values are refused here. */
export function parseNetworkFilters(values: readonly string[]): Map<string, string[]> {
  const byKey = new Map<string, string[]>();
  for (const f of values) {
    const eq = f.indexOf('=');
    // docker's client refuses a filter without '=' before it asks the daemon
    if (eq === -1) throw new UserError(`bad format of filter (expected name=value)`, 125);
    const key = f.slice(0, eq).toLowerCase();
    if (!KEYS.has(key)) throw new UserError(`Invalid filter '${key}'`, 1);
    byKey.set(key, [...(byKey.get(key) ?? []), f.slice(eq + 1)]);
  }
  const dangling = byKey.get('dangling');
  if (dangling && dangling.length > 1) throw new UserError('got more than one value for filter key "dangling"', 1);
  if (dangling && !['0', '1', 'true', 'false'].includes(dangling[0])) {
    throw new UserError(`invalid value for filter 'dangling', must be "true" (or "1"), or "false" (or "0")`, 1);
  }
  for (const t of byKey.get('type') ?? []) {
    if (t !== 'custom' && t !== 'builtin') throw new UserError(`invalid filter: 'type'='${t}'`, 1);
  }
  return byKey;
}

/** docker's filters.Match: equal, or the value read as a regular expression matches somewhere in it. */
function matchesAny(patterns: string[], s: string): boolean {
  return patterns.some((p) => {
    if (p === s) return true;
    try {
      return new RegExp(p).test(s);
    } catch {
      return false; // not a regular expression: only the exact match counts
    }
  });
}

function hasLabel(labels: Record<string, string>, want: string): boolean {
  const at = want.indexOf('=');
  if (at === -1) return want in labels;
  return labels[want.slice(0, at)] === want.slice(at + 1);
}

export function networkMatches(n: FilterableNetwork, filters: Map<string, string[]>): boolean {
  const get = (k: string) => filters.get(k);
  const driver = get('driver');
  if (driver && !driver.includes(n.driver)) return false;
  const name = get('name');
  if (name && !matchesAny(name, n.name)) return false;
  const id = get('id');
  if (id && !matchesAny(id, n.id)) return false;
  const label = get('label');
  if (label && !label.every((l) => hasLabel(n.labels, l))) return false;
  const scope = get('scope');
  if (scope && !scope.includes('local')) return false;
  const dangling = get('dangling');
  if (dangling) {
    const only = dangling[0] === 'true' || dangling[0] === '1';
    if (only ? n.predefined || n.inUse : !(n.predefined || n.inUse)) return false;
  }
  const type = get('type');
  if (type && !type.includes(n.predefined ? 'builtin' : 'custom')) return false;
  return true;
}
