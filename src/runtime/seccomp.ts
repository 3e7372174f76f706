/**
 * seccomp: a filter the kernel runs on every system call of the container's processes.
 *
 * Capabilities decide what root may do *inside* a call; seccomp decides which calls reach the
 * kernel at all. Most kernel escapes go through a rarely used call (keyctl, bpf, userfaultfd,
 * perf_event_open, a new namespace to reach buggy code…): docker's default profile answers
 * EPERM to ~50 of them, so a container never touches that code.
 *
 * The OCI spec's `linux.seccomp` names calls and actions; the kernel wants a program in
 * classic BPF over `struct seccomp_data { int nr; u32 arch; u64 ip; u64 args[6]; }`. This
 * module compiles one into the other (a pure function of the spec object: mini-runc calls it
 * too). The runtime compiles it while the init boots and sends it the program; the init only
 * loads it (seccomp-load.ts).
 *
 * A 64-bit x86 kernel takes three kinds of system call, each with its own numbers: x86_64
 * (`syscall`), i386 (`int 0x80` — from a 32-bit program, or from a 64-bit one: the classic way
 * around a filter that only knows the 64-bit numbers, where 288 is keyctl on i386 but
 * accept4 on x86_64) and x32 (x86_64's entry with bit 30 set in the number).
 * So the filter first asks which table the number belongs to:
 *
 *   ld arch; x86_64 → ld nr; bit 30 set? → x32's search (or kill)    else x86_64's search
 *            i386   → i386's search (when the spec lists SCMP_ARCH_X86; docker's profile does)
 *            other  → kill
 *   a search: the numbers cut into ranges with the same answer (most calls neighbour others
 *   with the same action), found by a binary search; a range's answer is a `ret`, or the
 *   rules of one call: each checks its argument conditions (64-bit compares in two 32-bit
 *   halves; i386 arguments are 32-bit) and returns its action; conditional rules first
 */
import { SECCOMP } from '../sys/constants';
import { BpfAssembler, disassemble } from './bpf';
import { toWire, type CompiledSeccomp, type WireSeccomp } from './seccomp-load';
import { traceNote } from '../sys/trace';
import { UserError } from '../errors';
import type { LinuxSeccomp } from './spec';
import { SYSCALLS_X86_64 } from './syscalls-x86_64';
import { SYSCALLS_I386 } from './syscalls-i386';
import { SYSCALLS_X32 } from './syscalls-x32';

type Action = LinuxSeccomp['defaultAction'];
type Rule = NonNullable<LinuxSeccomp['syscalls']>[number];
type Arg = NonNullable<Rule['args']>[number];

const EPERM = 1;
const AUDIT_ARCH_X86_64 = 0xc000003e;
const AUDIT_ARCH_I386 = 0x40000003;
const X32_SYSCALL_BIT = 0x40000000;

/** What the filter returns to the kernel (SECCOMP_RET_*): the action in the high 16 bits, data below. */
const RET = {
  KILL_PROCESS: 0x80000000,
  KILL_THREAD: 0x00000000,
  TRAP: 0x00030000,
  ERRNO: 0x00050000,
  TRACE: 0x7ff00000,
  LOG: 0x7ffc0000,
  ALLOW: 0x7fff0000,
} as const;

/** Offsets in struct seccomp_data (little-endian: the low half of a 64-bit argument comes first). */
const DATA_NR = 0, DATA_ARCH = 4;
const argLow = (i: number) => 16 + 8 * i;
const argHigh = (i: number) => 16 + 8 * i + 4;

const FLAG_BITS: Record<string, number> = {
  SECCOMP_FILTER_FLAG_TSYNC: SECCOMP.FILTER_FLAG_TSYNC,
  SECCOMP_FILTER_FLAG_LOG: SECCOMP.FILTER_FLAG_LOG,
  SECCOMP_FILTER_FLAG_SPEC_ALLOW: SECCOMP.FILTER_FLAG_SPEC_ALLOW,
};

export type { CompiledSeccomp } from './seccomp-load';

/** The 32-bit value the filter returns for `action`. */
function actionValue(action: Action, errnoRet: number | undefined, seccomp: LinuxSeccomp): number {
  const errno = errnoRet ?? seccomp.defaultErrnoRet ?? EPERM;
  switch (action) {
    case 'SCMP_ACT_KILL':
    case 'SCMP_ACT_KILL_THREAD': return RET.KILL_THREAD;
    case 'SCMP_ACT_KILL_PROCESS': return RET.KILL_PROCESS;
    case 'SCMP_ACT_TRAP': return RET.TRAP;
    case 'SCMP_ACT_ERRNO': return (RET.ERRNO | (errno & 0xffff)) >>> 0;
    case 'SCMP_ACT_TRACE': return (RET.TRACE | (errno & 0xffff)) >>> 0;
    case 'SCMP_ACT_LOG': return RET.LOG;
    case 'SCMP_ACT_ALLOW': return RET.ALLOW;
    case 'SCMP_ACT_NOTIFY':
      throw new Error('seccomp: SCMP_ACT_NOTIFY needs a seccomp agent (listenerPath), which mini-run does not support');
  }
}

/** "ERRNO(1)", "ALLOW", … for the disassembly. */
export function describeReturn(k: number): string {
  const action = (k & 0xffff0000) >>> 0;
  const data = k & 0xffff;
  const name = Object.entries(RET).find(([, v]) => v === action)?.[0] ?? `0x${k.toString(16)}`;
  return action === RET.ERRNO || action === RET.TRACE ? `${name}(${data})` : name;
}

const hi = (v: number) => Math.floor(v / 2 ** 32) >>> 0;
const lo = (v: number) => v >>> 0;

/**
 * One argument condition: falls through to the next instruction when it holds, jumps to
 * `fail` when not. A 64-bit compare is done on the high halves first, then the low ones; an
 * i386 call's arguments are 32-bit registers, so only the low half is compared (as libseccomp
 * does for 32-bit ABIs: the kernel uses nothing above it).
 */
function emitArgCheck(asm: BpfAssembler, a: Arg, fail: string, wide: boolean): void {
  const pass = asm.label('arg-ok');
  const v = a.value;
  switch (a.op) {
    case 'SCMP_CMP_EQ':
      if (wide) { asm.loadWord(argHigh(a.index)); asm.jump('jeq', hi(v), 'next', fail); }
      asm.loadWord(argLow(a.index)); asm.jump('jeq', lo(v), 'next', fail);
      break;
    case 'SCMP_CMP_NE':
      if (wide) { asm.loadWord(argHigh(a.index)); asm.jump('jeq', hi(v), 'next', pass); }
      asm.loadWord(argLow(a.index)); asm.jump('jeq', lo(v), fail, 'next');
      break;
    case 'SCMP_CMP_MASKED_EQ': { // (arg & value) == valueTwo
      const want = a.valueTwo ?? 0;
      if (wide) { asm.loadWord(argHigh(a.index)); asm.and(hi(v)); asm.jump('jeq', hi(want), 'next', fail); }
      asm.loadWord(argLow(a.index)); asm.and(lo(v)); asm.jump('jeq', lo(want), 'next', fail);
      break;
    }
    case 'SCMP_CMP_GT':
    case 'SCMP_CMP_GE':
      // high > v.high: holds; high < v.high: fails; equal: decide on the low halves
      if (wide) { asm.loadWord(argHigh(a.index)); asm.jump('jgt', hi(v), pass, 'next'); asm.jump('jeq', hi(v), 'next', fail); }
      asm.loadWord(argLow(a.index)); asm.jump(a.op === 'SCMP_CMP_GT' ? 'jgt' : 'jge', lo(v), 'next', fail);
      break;
    case 'SCMP_CMP_LT':
    case 'SCMP_CMP_LE':
      // high < v.high: holds; high > v.high: fails; equal: decide on the low halves
      if (wide) { asm.loadWord(argHigh(a.index)); asm.jump('jge', hi(v), 'next', pass); asm.jump('jeq', hi(v), 'next', fail); }
      asm.loadWord(argLow(a.index)); asm.jump(a.op === 'SCMP_CMP_LT' ? 'jge' : 'jgt', lo(v), fail, 'next');
      break;
  }
  asm.place(pass);
}

/** The system call ABIs of an x86_64 kernel, by the names OCI specs (and libseccomp) give them. */
interface Abi {
  name: string;
  table: Readonly<Record<string, number>>;
  /** 64-bit argument registers? (i386: 32-bit) */
  wide: boolean;
}
const X86_64: Abi = { name: 'x86_64', table: SYSCALLS_X86_64, wide: true };
const I386: Abi = { name: 'i386', table: SYSCALLS_I386, wide: false };
const X32: Abi = { name: 'x32', table: SYSCALLS_X32, wide: true };
const ABI_BY_SCMP_ARCH: Record<string, Abi> = { SCMP_ARCH_X86_64: X86_64, SCMP_ARCH_X86: I386, SCMP_ARCH_X32: X32 };

interface CallRules {
  nr: number;
  label: string;
  rules: Array<{ args: Arg[]; ret: number }>;
}

/** What a range of numbers leads to: a return value, or the label of one call's rules. */
type Outcome = { ret: number } | { label: string };

/** The spec's rules for one ABI, grouped by that ABI's numbers (spec order kept within a call). */
function callsOf(abi: Abi, seccomp: LinuxSeccomp, defaultRet: number, unknown: Set<string>): CallRules[] {
  const byNr = new Map<number, CallRules>();
  for (const entry of seccomp.syscalls ?? []) {
    const ret = actionValue(entry.action, entry.errnoRet, seccomp);
    for (const name of entry.names) {
      const nr = abi.table[name];
      if (nr === undefined) {
        unknown.add(name);
        continue;
      }
      let call = byNr.get(nr);
      if (!call) byNr.set(nr, (call = { nr, label: '', rules: [] }));
      call.rules.push({ args: entry.args ?? [], ret });
    }
  }
  // A call whose only rules are unconditional and return the default needs no rule at all.
  for (const [nr, call] of byNr) {
    if (call.rules.every((r) => r.args.length === 0 && r.ret === defaultRet)) byNr.delete(nr);
  }
  return [...byNr.values()].sort((a, b) => a.nr - b.nr);
}

/**
 * Cut the numbers into ranges with one outcome each: `starts[i]` is the first number of range
 * i, the last range runs to 2^32. Neighbouring calls with the same plain answer share a range.
 */
function rangesOf(asm: BpfAssembler, abi: Abi, calls: CallRules[], defaultRet: number): Array<{ start: number; outcome: Outcome }> {
  const ranges: Array<{ start: number; outcome: Outcome }> = [];
  const push = (start: number, outcome: Outcome): void => {
    if (ranges.length && ranges[ranges.length - 1].start === start) ranges.pop(); // replaced by a call at that number
    const last = ranges[ranges.length - 1];
    if (last && 'ret' in last.outcome && 'ret' in outcome && last.outcome.ret === outcome.ret) return;
    ranges.push({ start, outcome });
  };
  push(0, { ret: defaultRet });
  for (const call of calls) {
    const only = call.rules.length === 1 && call.rules[0].args.length === 0 ? call.rules[0].ret : null;
    if (only === null) call.label = asm.label(`${abi.name}-nr${call.nr}`);
    push(call.nr, only === null ? { label: call.label } : { ret: only });
    push(call.nr + 1, { ret: defaultRet });
  }
  return ranges;
}

/** A binary search over the ranges (A holds the number): each leaf returns or goes to a call's rules. */
function emitSearch(asm: BpfAssembler, ranges: Array<{ start: number; outcome: Outcome }>, from = 0, to = ranges.length): void {
  if (to - from === 1) {
    const o = ranges[from].outcome;
    if ('ret' in o) asm.ret(o.ret);
    else asm.goto(o.label);
    return;
  }
  const mid = (from + to) >> 1;
  const left = asm.label(`nr<${ranges[mid].start}`);
  asm.jump('jge', ranges[mid].start, 'next', left);
  if (to - mid === 1 && 'ret' in ranges[mid].outcome) {
    asm.ret(ranges[mid].outcome.ret); // a lone right leaf: return at once
  } else {
    const right = asm.label(`nr>=${ranges[mid].start}`);
    asm.goto(right);
    asm.place(left);
    emitSearch(asm, ranges, from, mid);
    asm.place(right);
    emitSearch(asm, ranges, mid, to);
    return;
  }
  asm.place(left);
  emitSearch(asm, ranges, from, mid);
}

/** Each call's rules: conditional ones in order, then the unconditional one (or the default). */
function emitCallRules(asm: BpfAssembler, abi: Abi, calls: CallRules[], defaultRet: number): void {
  for (const call of calls) {
    if (!call.label) continue; // answered by its range
    asm.place(call.label);
    const conditional = call.rules.filter((r) => r.args.length > 0);
    const plain = call.rules.find((r) => r.args.length === 0);
    for (const rule of conditional) {
      const nextRule = asm.label('next-rule');
      for (const a of rule.args) emitArgCheck(asm, a, nextRule, abi.wide);
      asm.ret(rule.ret);
      asm.place(nextRule);
    }
    asm.ret(plain ? plain.ret : defaultRet);
  }
}

/**
 * Compile `linux.seccomp` for an x86_64 kernel: x86_64 calls always, i386 and x32 calls when
 * `architectures` lists SCMP_ARCH_X86 / SCMP_ARCH_X32 (else they kill the process, as
 * libseccomp's default for an architecture the filter does not have). Pure: the same spec
 * gives the same bytes. Throws on what cannot be compiled (NOTIFY, an unknown flag).
 */
export function compileSeccomp(seccomp: LinuxSeccomp): CompiledSeccomp {
  const asm = new BpfAssembler();
  const defaultRet = actionValue(seccomp.defaultAction, undefined, seccomp);
  let flags = 0;
  for (const f of seccomp.flags ?? []) {
    if (!(f in FLAG_BITS)) throw new Error(`seccomp: unsupported flag ${f}`);
    flags |= FLAG_BITS[f];
  }
  const listed = new Set((seccomp.architectures ?? []).map((a) => ABI_BY_SCMP_ARCH[a]).filter(Boolean));
  const abis = [X86_64, ...[I386, X32].filter((a) => listed.has(a))];

  const unknownNames = new Set<string>();
  const plans = abis.map((abi) => {
    const calls = callsOf(abi, seccomp, defaultRet, abi === X86_64 ? unknownNames : new Set());
    return { abi, calls, ranges: rangesOf(asm, abi, calls, defaultRet), label: asm.label(abi.name) };
  });
  const planOf = (abi: Abi) => plans.find((p) => p.abi === abi);

  // 1. Which table the number belongs to (seccomp_data.arch, then bit 30 for x32).
  const notX86_64 = asm.label('arch!=x86_64');
  asm.loadWord(DATA_ARCH);
  asm.jump('jeq', AUDIT_ARCH_X86_64, 'next', notX86_64);
  asm.loadWord(DATA_NR);
  const x32 = planOf(X32);
  const notX32 = asm.label('nr<x32');
  asm.jump('jge', X32_SYSCALL_BIT, 'next', notX32);
  if (x32) asm.goto(x32.label);
  else asm.ret(RET.KILL_PROCESS);
  asm.place(notX32);
  emitSearch(asm, planOf(X86_64)!.ranges); // 2. x86_64's numbers, right here
  asm.place(notX86_64);
  const i386 = planOf(I386);
  if (i386) {
    const other = asm.label('arch-other');
    asm.jump('jeq', AUDIT_ARCH_I386, 'next', other);
    asm.goto(i386.label);
    asm.place(other);
  }
  asm.ret(RET.KILL_PROCESS);

  // 3. The other ABIs' searches (A: load the number again), then every call's rules.
  for (const plan of plans) {
    if (plan.abi === X86_64) continue;
    asm.place(plan.label);
    asm.loadWord(DATA_NR);
    emitSearch(asm, plan.ranges);
  }
  for (const plan of plans) emitCallRules(asm, plan.abi, plan.calls, defaultRet);
  return { program: asm.assemble(), flags, unknownNames: [...unknownNames].sort() };
}

/** The compiled filter, one instruction a line, for a learner (lesson, explain). */
export function disassembleSeccomp(c: CompiledSeccomp): string[] {
  return disassemble(c.program, describeReturn);
}

/**
 * The runtime's side: compile the container's profile while its init (or exec's process)
 * boots, for the sync socket's `start`/`exec` message. A profile that cannot be compiled is
 * the container's error (exit 125), as it was when the init compiled it.
 */
export function compileForInit(seccomp: LinuxSeccomp): WireSeccomp {
  let compiled: CompiledSeccomp;
  try {
    compiled = compileSeccomp(seccomp);
  } catch (e) {
    throw new UserError((e as Error).message, 125);
  }
  traceNote(`seccomp profile compiled to ${compiled.program.length / 8} BPF instructions (by the runtime, while the init boots)`);
  return toWire(compiled);
}
