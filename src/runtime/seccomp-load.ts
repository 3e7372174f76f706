/**
 * The init's half of seccomp: take a compiled filter from the runtime and load it.
 *
 * Compiling the profile (seccomp.ts: ~880 BPF instructions from Docker's default, three syscall
 * tables) costs a cold Node 10–20 ms. The container's init and exec's process do nothing else
 * while they wait for their orders, so the runtime compiles it while they boot, and sends the
 * program with the orders (sync socket, base64). This module is all the init loads of seccomp:
 * it checks the program's shape and hands it to the kernel. A message that does not hold
 * exactly one well-formed program is an error, never "no filter": the container does not start.
 */
import { seccompSetModeFilter } from '../sys/libc';
import { SECCOMP } from '../sys/constants';
import { traceNote } from '../sys/trace';

export interface CompiledSeccomp {
  /** The BPF program, as seccomp(2) takes it (8 bytes per instruction). */
  program: Buffer;
  /** SECCOMP_FILTER_FLAG_* bits from the spec's `flags`. */
  flags: number;
  /** Names in the spec this architecture does not have (skipped, as runc does). */
  unknownNames: string[];
}

/** A compiled filter as it travels on the sync socket (JSON). */
export interface WireSeccomp {
  /** The program, base64. */
  program: string;
  /** Its length in instructions (checked against the program). */
  instructions: number;
  flags: number;
  unknownNames: string[];
}

/** The kernel's limit on a classic BPF program (BPF_MAXINSNS). */
const MAX_INSTRUCTIONS = 4096;
const KNOWN_FLAGS = SECCOMP.FILTER_FLAG_TSYNC | SECCOMP.FILTER_FLAG_LOG | SECCOMP.FILTER_FLAG_SPEC_ALLOW;

export function toWire(c: CompiledSeccomp): WireSeccomp {
  return { program: c.program.toString('base64'), instructions: c.program.length / 8, flags: c.flags, unknownNames: c.unknownNames };
}

/** The filter the runtime sent, checked; throws on anything but one well-formed program. */
export function fromWire(w: unknown): CompiledSeccomp {
  const bad = (why: string): never => { throw new Error(`seccomp: the runtime's compiled filter is malformed (${why}): not starting without it`); };
  if (typeof w !== 'object' || w === null) return bad('no program');
  const { program, instructions, flags, unknownNames } = w as Partial<WireSeccomp>;
  if (typeof program !== 'string' || !Number.isInteger(instructions) || !Number.isInteger(flags)) return bad('fields');
  const bytes = Buffer.from(program, 'base64');
  // Buffer.from skips characters that are not base64: encoding back must give the same text
  if (bytes.toString('base64') !== program) return bad('not base64');
  const n = instructions as number;
  if (n < 1 || n > MAX_INSTRUCTIONS || bytes.length !== n * 8) return bad(`${bytes.length} bytes for ${n} instructions`);
  if (((flags as number) & ~KNOWN_FLAGS) !== 0 || (flags as number) < 0) return bad(`flags ${flags}`);
  if (!Array.isArray(unknownNames) || !unknownNames.every((s) => typeof s === 'string')) return bad('unknown names');
  return { program: bytes, flags: flags as number, unknownNames };
}

/**
 * Load the filter on this thread (it is inherited through execve and by every child). The
 * kernel allows it only under no_new_privs or with CAP_SYS_ADMIN: becomeProgram() (process.ts)
 * loads it last before execve when no_new_privs is set, else before giving up capabilities.
 */
export function installSeccomp(c: CompiledSeccomp): void {
  traceNote(`seccomp filter: ${c.program.length / 8} BPF instructions${c.unknownNames.length ? ` (${c.unknownNames.length} names unknown on x86_64, skipped)` : ''}`);
  seccompSetModeFilter(c.program, c.flags);
}
