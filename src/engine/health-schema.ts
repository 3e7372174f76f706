/**
 * The health check's shapes in a container record (Docker's Config.Healthcheck and
 * State.Health), in zod. Apart from health.ts so that what only reads a record (`ps`, `inspect`)
 * does not load zod to ask whether a check is configured.
 */
import { z } from 'zod';

export const Healthcheck = z.object({
  /** ["NONE"], ["CMD", prog, args…] or ["CMD-SHELL", "command line"]. */
  Test: z.array(z.string()).min(1),
  /** Nanoseconds, as Docker keeps them; 0 = the default. */
  Interval: z.number().optional(),
  Timeout: z.number().optional(),
  StartPeriod: z.number().optional(),
  Retries: z.number().optional(),
});
export type Healthcheck = z.infer<typeof Healthcheck>;

export const HealthState = z.object({
  Status: z.enum(['starting', 'healthy', 'unhealthy']),
  FailingStreak: z.number(),
  Log: z.array(z.object({ Start: z.string(), End: z.string(), ExitCode: z.number(), Output: z.string() })),
});
export type HealthState = z.infer<typeof HealthState>;
