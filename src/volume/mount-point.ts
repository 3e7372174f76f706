/**
 * One mount a user asked for (`-v`, `--mount`, `--tmpfs`, `--volumes-from`, or the image's
 * VOLUME entries), as the container record keeps it and `inspect` shows it (docker's
 * `Mounts` fields). The engine turns each into an OCI mount in config.json (engine/volumes.ts).
 */
import { z } from 'zod';

export const MountPoint = z.object({
  Type: z.enum(['bind', 'volume', 'tmpfs']),
  /** The volume's name ('' for binds and tmpfs). */
  Name: z.string().default(''),
  /** Host path: the bind source or the volume's `_data` ('' for tmpfs). */
  Source: z.string(),
  Destination: z.string(),
  Driver: z.string().default(''),
  /** What the user wrote after the paths (`ro`, `rw`, `z`…), as docker shows it. */
  Mode: z.string().default(''),
  RW: z.boolean(),
  Propagation: z.string().default(''),
  /** An anonymous volume (image VOLUME or `-v /path`): removed by `rm -v`. */
  Anonymous: z.boolean().default(false),
  /** tmpfs mount options (size=…, mode=…). */
  Options: z.array(z.string()).default([]),
});
export type MountPoint = z.infer<typeof MountPoint>;
