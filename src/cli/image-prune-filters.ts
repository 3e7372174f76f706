/**
 * `image|container|network|volume|system prune --filter`: which unused objects a prune may
 * take, as dockerd reads its filters.
 *   until=TIME            created before TIME: RFC 3339, Unix seconds, or a duration back from now (24h, 10m)
 *   label=K, label=K=V    the object has label K (with value V) (an image: its config's labels)
 *   label!=K, label!=K=V  … has not
 *   dangling=true|false   images: false takes tagged images too, as -a
 *   all=true|false        volumes: true takes named volumes too, as -a
 * Every filter must hold. A key the prune does not take is "Invalid filter 'KEY'", exit 1, as
 * docker's (containers and networks take until and label; volumes label and all).
 */
import { UserError } from '../errors';
import { parseTimeArg } from '../engine/logs';
import type { StoredImage } from '../image/image-index';
import { lazy } from '../lazy';

const store = lazy(() => require('../image/store') as typeof import('../image/store'));

export type PruneFilterKey = 'until' | 'label' | 'dangling' | 'all';

/** The keys each prune takes, as dockerd's. */
export const PRUNE_KEYS = {
  image: ['until', 'label', 'dangling'],
  container: ['until', 'label'],
  network: ['until', 'label'],
  volume: ['label', 'all'],
} as const satisfies Record<string, readonly PruneFilterKey[]>;

export interface PruneFilter {
  /** dangling=false (images: tagged ones too) or all=true (volumes: named ones too), as -a. */
  all: boolean;
  /** Whether the image's labels are asked about (they are read from its config only then). */
  needsLabels: boolean;
  matches(created: string | undefined, labels: Record<string, string>): boolean;
}

export function parsePruneFilters(values: readonly string[], now = Date.now(), accepted: readonly PruneFilterKey[] = PRUNE_KEYS.image): PruneFilter {
  let until: number | undefined;
  let all = false;
  const labelTests: Array<(labels: Record<string, string>) => boolean> = [];
  for (const f of values) {
    const eq = f.indexOf('=');
    const key = eq === -1 ? f : f.slice(0, eq);
    const value = eq === -1 ? '' : f.slice(eq + 1);
    if (!accepted.includes((key === 'label!' ? 'label' : key) as PruneFilterKey)) {
      throw new UserError(`Invalid filter '${key}'`, 1);
    } else if (key === 'until') {
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
    } else if (key === 'all' && ['true', 'false', '1', '0'].includes(value)) {
      all = value === 'true' || value === '1';
    } else {
      throw new UserError(`Invalid filter '${f}'`, 1);
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

/**
 * Which unused images `image prune` and `system prune` may take under `filter` (one rule for
 * both): its until and label tests on the image's creation time and its config's labels, the
 * config read only when a label filter asks (the store is loaded then, not before).
 */
export function imagePruneWanted(filter: PruneFilter, labelsOf: (img: StoredImage) => Record<string, string> = configLabels): (img: StoredImage) => boolean {
  return (img) => filter.matches(img.created, filter.needsLabels ? labelsOf(img) : {});
}

function configLabels(img: StoredImage): Record<string, string> {
  const { imageConfig } = store();
  return imageConfig(img).Labels ?? {};
}
