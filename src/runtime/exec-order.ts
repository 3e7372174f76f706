/**
 * The order for the native exec process (native/exec-process.c), encoded by the runtime.
 *
 * The Node exec process (exec-init.ts) takes its order as a JSON line; the C one gets the same
 * facts in a framed form it can read without a JSON parser, made here from the process
 * description the engine already validated (spec-schema.ts):
 *
 *   "mini-run-exec 1\n"                      magic and version
 *   "<key> <length>\n" <length bytes> "\n"   one field; repeated keys are lists, in order
 *   "end 0\n\n"                              the last field
 *
 *   pid, cgroup…, trace?, detach, terminal, nnp, oom?, uid, gid, group…, cwd, arg…, env…,
 *   rlimit… ("<resource> <soft> <hard> <RLIMIT_NAME>", soft/hard decimal or "inf"),
 *   bounding/effective/permitted/inheritable/ambient (hex masks, bit = capability number),
 *   seccomp? (the compiled BPF program, raw bytes), seccomp-flags, seccomp-unknown
 *
 * exec-process.c's header explains each field (the process fields: native/program.h; the same
 * fields end the init's order, init-order.ts). Values are bytes with their length in front, so
 * an argument or variable may hold any byte but NUL (execve's strings end there: refused here).
 * After the order, the exec process answers with sync-socket.ts's JSON lines, as the Node one.
 */
import { CAPABILITIES, RLIMITS } from '../sys/constants';
import { UserError } from '../errors';
import type { Process } from './spec';
import type { WireSeccomp } from './seccomp-load';

export interface NativeOrder {
  /** Host PID of the container's PID 1. */
  pid: number;
  process: Process;
  seccomp?: WireSeccomp;
  cgroupProcs: string[];
  detach: boolean;
  traceFd?: number;
}

function capMask(names: readonly string[] | undefined): string {
  let m = 0n;
  for (const n of names ?? []) {
    const i = CAPABILITIES.indexOf(n);
    if (i >= 0) m |= 1n << BigInt(i); // a name this table does not know is skipped (as capabilities.ts's mask)
  }
  return m.toString(16);
}

function limit(type: string, n: number): string {
  if (n >= 2 ** 63) return 'inf';
  if (!Number.isInteger(n) || n < 0) throw new UserError(`cannot set ${type}: ${n} is not a limit`, 125);
  return BigInt(n).toString();
}

/**
 * execve's strings and chdir's path end at the first NUL, so an argument, variable or cwd holding
 * one (possible only through a process.json or an env file) would reach the program cut there.
 * exec.ts refuses it with this one line before either exec process (C or Node) gets the order.
 */
export function refuseNulBytes(p: Pick<Process, 'args' | 'env' | 'cwd'>): void {
  for (const a of p.args) refuseNul('arg', a);
  for (const e of p.env ?? []) refuseNul('env', e);
  refuseNul('cwd', p.cwd);
}

function refuseNul(key: string, value: string): void {
  if (value.includes('\0')) throw new UserError(`exec: ${key} ${JSON.stringify(value)} contains a NUL byte`, 125);
}

/** One framed field of an order: "<key> <length>\n" + bytes + "\n". */
export type FieldWriter = (key: string, value: string | Buffer) => void;

/** A writer of framed fields into `parts`; a string holding a NUL is refused (`what`: whose order). */
export function fieldWriter(parts: Buffer[], what = 'exec'): FieldWriter {
  return (key, value) => {
    const bytes = typeof value === 'string' ? Buffer.from(value) : value;
    if (typeof value === 'string' && value.includes('\0')) {
      throw new UserError(`${what}: ${key} ${JSON.stringify(value)} contains a NUL byte`, 125); // (callers refused these before: the fail-safe)
    }
    parts.push(Buffer.from(`${key} ${bytes.length}\n`), bytes, Buffer.from('\n'));
  };
}

/**
 * The process fields, shared by the exec order and the init order (init-order.ts): no_new_privs,
 * oom score, user, cwd, argv, environment, rlimits, capabilities, the compiled seccomp filter.
 * native/program.c reads them (program.h lists them).
 */
export function encodeProcessFields(field: FieldWriter, p: Process, seccomp: WireSeccomp | undefined): void {
  field('nnp', p.noNewPrivileges ? '1' : '0');
  if (p.oomScoreAdj !== undefined) field('oom', String(p.oomScoreAdj));
  field('uid', String(p.user.uid));
  field('gid', String(p.user.gid));
  for (const g of p.user.additionalGids ?? []) field('group', String(g));
  field('cwd', p.cwd);
  for (const a of p.args) field('arg', a);
  for (const e of p.env ?? []) field('env', e);
  for (const r of p.rlimits ?? []) {
    const resource = RLIMITS[r.type];
    if (resource === undefined) throw new UserError(`unknown rlimit type ${r.type}`, 125);
    field('rlimit', `${resource} ${limit(r.type, r.soft)} ${limit(r.type, r.hard)} ${r.type}`);
  }
  const caps = p.capabilities ?? {};
  field('bounding', capMask(caps.bounding));
  field('effective', capMask(caps.effective));
  field('permitted', capMask(caps.permitted));
  field('inheritable', capMask(caps.inheritable));
  field('ambient', capMask(caps.ambient));
  if (seccomp) {
    // The runtime's own compile (seccomp-cache.ts), sent as the kernel takes it.
    const program = Buffer.from(seccomp.program, 'base64');
    if (program.length !== seccomp.instructions * 8) throw new Error('seccomp: the compiled filter is malformed: not starting without it');
    field('seccomp', program);
    field('seccomp-flags', String(seccomp.flags));
    field('seccomp-unknown', String(seccomp.unknownNames.length));
  }
}

/** The order as bytes, ready for the exec process's fd 3. */
export function encodeNativeOrder(o: NativeOrder): Buffer {
  const parts: Buffer[] = [Buffer.from('mini-run-exec 1\n')];
  const field = fieldWriter(parts);
  const p = o.process;
  field('pid', String(o.pid));
  for (const c of o.cgroupProcs) field('cgroup', c);
  if (o.traceFd !== undefined) field('trace', String(o.traceFd));
  field('detach', o.detach ? '1' : '0');
  field('terminal', p.terminal ? '1' : '0');
  encodeProcessFields(field, p, o.seccomp);
  parts.push(Buffer.from('end 0\n\n'));
  return Buffer.concat(parts);
}
