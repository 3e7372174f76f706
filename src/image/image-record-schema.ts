/**
 * An image record's shape (ROOT/images/<config hex>.json, image-index.ts), in zod. Read through
 * the check generated from it (image-record-check.ts, see src/schema-compile.ts), so `images`
 * and `run` do not load zod to list what is stored; written through zod itself.
 */
import { z } from 'zod';

const Digest = z.string().regex(/^sha256:[a-f0-9]{64}$/);

export const StoredImage = z.object({
  id: Digest,
  repoTags: z.array(z.string()),
  repoDigests: z.array(z.string()),
  layers: z.array(Digest),            // diff_ids, bottom → top
  layerBlobs: z.array(Digest),        // the blobs (maybe compressed) those layers came from
  manifestDigest: Digest,
  /** Manifests and layer blobs of earlier loads of the same image (another archive format). */
  otherBlobs: z.array(Digest).default([]),
  created: z.string().optional(),
  size: z.number().int().nonnegative(),
  lastTagTime: z.string().optional(),
});
export type StoredImage = z.infer<typeof StoredImage>;
