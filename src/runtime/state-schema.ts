/**
 * The runtime's state file of a container (`<root>/<id>/state.json`), as a zod schema: the
 * source of its type and of the plain check generated from it (state-check.ts, by
 * scripts/gen-record-checks.mjs), which is what reads the file — so `exec`, `kill`, `state`…
 * load no zod.
 */
import { z } from 'zod';

export const RuntimeState = z.object({
  ociVersion: z.string(),
  id: z.string(),
  pid: z.number().int().positive(),
  /** Field 22 of /proc/PID/stat: a recycled pid has another one, so it is never signalled. */
  pidStartTime: z.string(),
  bundle: z.string(),
  created: z.string(),
  /** What the cgroup is opened by (openCgroup's name) and its path, for `state`/`ps`. */
  cgroupName: z.string(),
  cgroupPath: z.string(),
  /** The spec's linux.cgroupsPath (cgroups/location.ts), when it gave one. */
  cgroupsPath: z.string().optional(),
  annotations: z.record(z.string(), z.string()).default({}),
});
export type RuntimeState = z.infer<typeof RuntimeState>;
