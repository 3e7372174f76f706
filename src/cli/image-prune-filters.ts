/**
 * `image prune --filter`: which unused images a prune may take, as dockerd reads its filters.
 *   until=TIME            created before TIME: RFC 3339, Unix seconds, or a duration back from now (24h, 10m)
 *   label=K, label=K=V    the image's config has label K (with value V)
 *   label!=K, label!=K=V  … has not
 *   dangling=true|false   false takes tagged images too, as -a
 * Every filter must hold. Another key is "Invalid filter 'KEY'", exit 1, as docker's.
 */
import { UserError } from '../errors';
import { parseTimeArg } from '../engine/logs';

export interface PruneFilter {
  /** dangling=false: tagged images too (-a). */
  all: boolean;
  /** Whether the image's labels are asked about (they are read from its config only then). */
  needsLabels: boolean;
  matches(created: string | undefined, labels: Record<string, string>): boolean;
}

export function parsePruneFilters(values: readonly string[], now = Date.now()): PruneFilter {
  let until: number | undefined;
  let all = false;
  const labelTests: Array<(labels: Record<string, string>) => boolean> = [];
  for (const f of values) {
    const eq = f.indexOf('=');
    const key = eq === -1 ? f : f.slice(0, eq);
    const value = eq === -1 ? '' : f.slice(eq + 1);
    if (key === 'until') {
      try {
        until = parseTimeArg(value, 'until', now);
      } catch {
        throw new UserError(`failed to parse value as time or duration: "${value}"`, 1);
      }
    } else if (key === 'label' || key === 'label!') {
      const at = value.indexOf('=');
      const [k, v] = at === -1 ? [value, undefined] : [value.slice(0, at), value.slice(at + 1)];
      const has = (labels: Record<string, string>) => k in labels && (v === undefined || labels[k] === v);
      labelTests.push(key === 'label' ? has : (labels) => !has(labels));
    } else if (key === 'dangling' && ['true', 'false', '1', '0'].includes(value)) {
      all = value === 'false' || value === '0';
    } else {
      throw new UserError(`Invalid filter '${key === 'dangling' ? f : key}'`, 1);
    }
  }
  return {
    all,
    needsLabels: labelTests.length > 0,
    // an image without a creation time is Go's zero time to dockerd: before any until
    matches: (created, labels) => (until === undefined || (Date.parse(created ?? '') || 0) < until)
      && labelTests.every((t) => t(labels)),
  };
}
