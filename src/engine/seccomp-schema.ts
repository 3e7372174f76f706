/** Docker's seccomp profile format (zod), for a profile file given with `--security-opt seccomp=FILE`. */
import { z } from 'zod';

const Action = z.enum(['SCMP_ACT_KILL', 'SCMP_ACT_KILL_THREAD', 'SCMP_ACT_KILL_PROCESS', 'SCMP_ACT_TRAP',
  'SCMP_ACT_ERRNO', 'SCMP_ACT_TRACE', 'SCMP_ACT_ALLOW', 'SCMP_ACT_LOG', 'SCMP_ACT_NOTIFY']);
const Filter = z.object({
  caps: z.array(z.string()).optional(),
  arches: z.array(z.string()).optional(),
  minKernel: z.string().regex(/^\d+\.\d+/, 'minKernel must look like "4.8"').optional(),
}).passthrough();
const Arg = z.object({
  index: z.number().int().min(0).max(5),
  value: z.number().int().nonnegative(),
  valueTwo: z.number().int().nonnegative().optional(),
  op: z.enum(['SCMP_CMP_NE', 'SCMP_CMP_LT', 'SCMP_CMP_LE', 'SCMP_CMP_EQ', 'SCMP_CMP_GE', 'SCMP_CMP_GT', 'SCMP_CMP_MASKED_EQ']),
});
export const Syscall = z.object({
  name: z.string().optional(),
  names: z.array(z.string()).optional(),
  action: Action,
  errnoRet: z.number().int().nonnegative().optional(),
  args: z.array(Arg).nullish(),
  comment: z.string().optional(),
  includes: Filter.optional(),
  excludes: Filter.optional(),
});
export const DockerSeccompProfile = z.object({
  defaultAction: Action,
  defaultErrnoRet: z.number().int().nonnegative().optional(),
  architectures: z.array(z.string()).optional(),
  archMap: z.array(z.object({ architecture: z.string(), subArchitectures: z.array(z.string()).nullish() })).nullish(),
  flags: z.array(z.string()).optional(),
  syscalls: z.array(Syscall).nullish(),
}).passthrough();
export type DockerSeccompProfile = z.infer<typeof DockerSeccompProfile>;
export type SeccompRule = z.infer<typeof Syscall>;
