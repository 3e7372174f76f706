/** A named volume's record, ROOT/volumes/<name>/volume.json (volume/store.ts), checked with zod when read. */
import { z } from 'zod';

export const VolumeRecord = z.object({
  Name: z.string(),
  Driver: z.literal('local').default('local'),
  Labels: z.record(z.string()).default({}),
  CreatedAt: z.string(),
  Anonymous: z.boolean().default(false),
  /**
   * Its files' owners are shifted for a user namespace whose root is this host uid/gid (a
   * `--userns private` container's: engine/userns-remap.ts adoptVolume). Absent: host ids.
   */
  HostRoot: z.object({ UID: z.number().int(), GID: z.number().int() }).optional(),
});
export type VolumeRecord = z.infer<typeof VolumeRecord>;
