/**
 * layer.json's shape (layer-info.ts), in zod: the layer store writes it; readers use the check
 * generated from it (layer-info-check.ts, see src/schema-compile.ts) and never load zod.
 */
import { z } from 'zod';

export const LayerInfoSchema = z.object({
  diffId: z.string().regex(/^sha256:[a-f0-9]{64}$/),
  short: z.string().regex(/^[A-Z2-7]{10}$/),
  size: z.number().int().nonnegative(),
});
export type LayerInfo = z.infer<typeof LayerInfoSchema>;
