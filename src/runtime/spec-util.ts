/**
 * Helpers on a parsed config.json that the container's init needs. Kept apart from spec.ts so
 * the init does not load zod: the runtime validates config.json once, in the parent, and
 * hands the init the validated object.
 */
import type { NamespaceType, RuntimeSpec } from './spec';

/** Annotation (mini-run extension): directory the overlay's relative `lowerdir=` names are in. */
export const LOWERDIR_BASE_ANNOTATION = 'org.mini-run.overlay.lowerdir-base';

/**
 * Annotation (mini-run extension, like runc's `--no-pivot`): enter the root with chroot(2)
 * instead of pivot_root(2). Only for the lessons: it shows why chroot alone is not enough.
 */
export const NO_PIVOT_ANNOTATION = 'org.mini-run.no-pivot';

/** Does the spec ask for a *new* namespace of this type? */
export function hasNamespace(spec: RuntimeSpec, type: NamespaceType): boolean {
  return spec.linux.namespaces.some((n) => n.type === type && !n.path);
}
