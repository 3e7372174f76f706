/**
 * The OCI runtime spec's `config.json`: the seam between the engine (images, names, flags —
 * what dockerd/containerd do) and the runtime (namespaces, mounts, cgroups, exec — what runc
 * does). The engine writes it into the container's bundle directory; the runtime reads only it.
 *
 * This is the subset mini-run uses, with the field names of
 * https://github.com/opencontainers/runtime-spec (config.md, config-linux.md). One extension,
 * in `annotations`, says where the overlay's short lower-layer names live (see rootfs.ts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RuntimeSpec } from './spec-schema';
import { checkRuntimeSpec } from './spec-check';
import { lazy } from '../lazy';

export type { NamespaceType, Mount, Process, LinuxDevice, LinuxSeccomp, Hook, Hooks, RuntimeSpec } from './spec-schema';
/** zod, only to say what is wrong with a spec the generated check refused (lazy.ts). */
const schemas = lazy(() => require('./spec-schema') as typeof import('./spec-schema'));

export { LOWERDIR_BASE_ANNOTATION, NO_PIVOT_ANNOTATION, hasNamespace } from './spec-util';

/** Parse and validate a config.json text. Errors name the field, in one line. */
export function parseSpec(text: string, where = 'config.json'): RuntimeSpec {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new Error(`${where}: not valid JSON (${(e as Error).message})`);
  }
  const checked = checkRuntimeSpec(json);
  if (checked !== undefined) return checked as RuntimeSpec;
  const r = schemas().RuntimeSpec.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new Error(`${where}: invalid at ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return r.data;
}

/** A bundle's config.json, read and validated. */
export function loadSpec(bundle: string): RuntimeSpec {
  const file = join(bundle, 'config.json');
  return parseSpec(readFileSync(file, 'utf8'), file);
}
