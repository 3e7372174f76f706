/** One line of the event journal (events.ts), checked with zod when `events` reads it back. */
import { z } from 'zod';

export const EventRecord = z.object({
  Type: z.enum(['container', 'image', 'network', 'volume']),
  Action: z.string(),
  Actor: z.object({ ID: z.string(), Attributes: z.record(z.string()) }),
  scope: z.literal('local'),
  time: z.number(),
  timeNano: z.number(),
  // Docker's older fields, for containers and images (status, id, from).
  status: z.string().optional(),
  id: z.string().optional(),
  from: z.string().optional(),
});
export type EventRecord = z.infer<typeof EventRecord>;
