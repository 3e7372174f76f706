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
 * too) and loads it:
 *
 *   ld arch; if not x86_64 → kill           (an i386 or x32 call has other numbers: never let it past)
 *   ld nr; binary search over the numbers that have rules → that call's rules
 *   no rule → defaultAction
 *   a call's rules: each one checks its argument conditions (64-bit compares, two 32-bit
 *   halves each) and returns its action; rules with conditions first, one without last
 */
import { seccompSetModeFilter } from '../sys/libc';
import { SECCOMP } from '../sys/constants';
import { traceNote } from '../sys/trace';
import { BpfAssembler, disassemble } from './bpf';
import type { LinuxSeccomp } from './spec';
import { SYSCALLS_X86_64 } from './syscalls-x86_64';

type Action = LinuxSeccomp['defaultAction'];
type Rule = NonNullable<LinuxSeccomp['syscalls']>[number];
type Arg = NonNullable<Rule['args']>[number];

const EPERM = 1;
const AUDIT_ARCH_X86_64 = 0xc000003e;
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

export interface CompiledSeccomp {
  /** The BPF program, as seccomp(2) takes it (8 bytes per instruction). */
  program: Buffer;
  /** SECCOMP_FILTER_FLAG_* bits from the spec's `flags`. */
  flags: number;
  /** Names in the spec this architecture does not have (skipped, as runc does). */
  unknownNames: string[];
}

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
 * `fail` when not. A 64-bit compare is done on the high halves first, then the low ones.
 */
function emitArgCheck(asm: BpfAssembler, a: Arg, fail: string): void {
  const pass = asm.label('arg-ok');
  const v = a.value;
  switch (a.op) {
    case 'SCMP_CMP_EQ':
      asm.loadWord(argHigh(a.index)); asm.jump('jeq', hi(v), 'next', fail);
      asm.loadWord(argLow(a.index)); asm.jump('jeq', lo(v), 'next', fail);
      break;
    case 'SCMP_CMP_NE':
      asm.loadWord(argHigh(a.index)); asm.jump('jeq', hi(v), 'next', pass);
      asm.loadWord(argLow(a.index)); asm.jump('jeq', lo(v), fail, 'next');
      break;
    case 'SCMP_CMP_MASKED_EQ': { // (arg & value) == valueTwo
      const want = a.valueTwo ?? 0;
      asm.loadWord(argHigh(a.index)); asm.and(hi(v)); asm.jump('jeq', hi(want), 'next', fail);
      asm.loadWord(argLow(a.index)); asm.and(lo(v)); asm.jump('jeq', lo(want), 'next', fail);
      break;
    }
    case 'SCMP_CMP_GT':
    case 'SCMP_CMP_GE':
      // high > v.high: holds; high < v.high: fails; equal: decide on the low halves
      asm.loadWord(argHigh(a.index)); asm.jump('jgt', hi(v), pass, 'next'); asm.jump('jeq', hi(v), 'next', fail);
      asm.loadWord(argLow(a.index)); asm.jump(a.op === 'SCMP_CMP_GT' ? 'jgt' : 'jge', lo(v), 'next', fail);
      break;
    case 'SCMP_CMP_LT':
    case 'SCMP_CMP_LE':
      // high < v.high: holds; high > v.high: fails; equal: decide on the low halves
      asm.loadWord(argHigh(a.index)); asm.jump('jge', hi(v), 'next', pass); asm.jump('jeq', hi(v), 'next', fail);
      asm.loadWord(argLow(a.index)); asm.jump(a.op === 'SCMP_CMP_LT' ? 'jge' : 'jgt', lo(v), fail, 'next');
      break;
  }
  asm.place(pass);
}

interface CallRules {
  nr: number;
  label: string;
  rules: Array<{ args: Arg[]; ret: number }>;
}

/**
 * Compile `linux.seccomp` for x86_64. Pure: the same spec gives the same bytes. Throws on what
 * cannot be compiled (NOTIFY, an unknown flag).
 */
export function compileSeccomp(seccomp: LinuxSeccomp): CompiledSeccomp {
  const asm = new BpfAssembler();
  const defaultRet = actionValue(seccomp.defaultAction, undefined, seccomp);
  let flags = 0;
  for (const f of seccomp.flags ?? []) {
    if (!(f in FLAG_BITS)) throw new Error(`seccomp: unsupported flag ${f}`);
    flags |= FLAG_BITS[f];
  }

  // Group the rules by syscall number, keeping the spec's order within each call.
  const byNr = new Map<number, CallRules>();
  const unknownNames = new Set<string>();
  for (const entry of seccomp.syscalls ?? []) {
    const ret = actionValue(entry.action, entry.errnoRet, seccomp);
    for (const name of entry.names) {
      const nr = SYSCALLS_X86_64[name];
      if (nr === undefined) {
        unknownNames.add(name);
        continue;
      }
      let call = byNr.get(nr);
      if (!call) byNr.set(nr, (call = { nr, label: '', rules: [] }));
      call.rules.push({ args: entry.args ?? [], ret });
    }
  }
  // A call whose only rule is unconditional and returns the default needs no rule at all.
  for (const [nr, call] of byNr) {
    if (call.rules.every((r) => r.args.length === 0 && r.ret === defaultRet)) byNr.delete(nr);
  }
  const calls = [...byNr.values()].sort((a, b) => a.nr - b.nr);
  // Calls with one unconditional rule share one `ret` per action (most calls: ALLOW).
  const sharedReturns = new Map<number, string>();
  for (const call of calls) {
    const only = call.rules.length === 1 && call.rules[0].args.length === 0 ? call.rules[0].ret : null;
    if (only === null) call.label = asm.label(`nr${call.nr}`);
    else {
      if (!sharedReturns.has(only)) sharedReturns.set(only, asm.label(describeReturn(only)));
      call.label = sharedReturns.get(only)!;
    }
  }

  // 1. The architecture: the numbers below are x86_64's. A 32-bit call (int 0x80: i386
  //    numbers) or an x32 one would be judged by the wrong table: kill the process instead.
  const archOk = asm.label('arch-ok'), nrOk = asm.label('not-x32');
  asm.loadWord(DATA_ARCH);
  asm.jump('jeq', AUDIT_ARCH_X86_64, archOk, 'next');
  asm.ret(RET.KILL_PROCESS);
  asm.place(archOk);
  asm.loadWord(DATA_NR);
  asm.jump('jge', X32_SYSCALL_BIT, 'next', nrOk);
  asm.ret(RET.KILL_PROCESS);
  asm.place(nrOk);

  // 2. Which call: a binary search over the sorted numbers, linear at the leaves.
  const emitSearch = (from: number, to: number): void => { // calls[from..to)
    if (to - from <= 4) {
      for (let i = from; i < to; i++) {
        const skip = asm.label('skip');
        asm.jump('jeq', calls[i].nr, 'next', skip); // equal: take the ja below; else skip it
        asm.goto(calls[i].label);
        asm.place(skip);
      }
      asm.ret(defaultRet);
      return;
    }
    const mid = (from + to) >> 1;
    const right = asm.label('nr>=' + calls[mid].nr), left = asm.label('nr<' + calls[mid].nr);
    asm.jump('jge', calls[mid].nr, 'next', left);
    asm.goto(right);
    asm.place(left);
    emitSearch(from, mid);
    asm.place(right);
    emitSearch(mid, to);
  };
  emitSearch(0, calls.length);

  // 3. The shared returns, then each remaining call's rules: conditional ones in order, then
  //    the unconditional one (or the default).
  for (const [ret, label] of sharedReturns) {
    asm.place(label);
    asm.ret(ret);
  }
  for (const call of calls) {
    if ([...sharedReturns.values()].includes(call.label)) continue;
    asm.place(call.label);
    const conditional = call.rules.filter((r) => r.args.length > 0);
    const plain = call.rules.find((r) => r.args.length === 0);
    for (const rule of conditional) {
      const nextRule = asm.label('next-rule');
      for (const a of rule.args) emitArgCheck(asm, a, nextRule);
      asm.ret(rule.ret);
      asm.place(nextRule);
    }
    asm.ret(plain ? plain.ret : defaultRet);
  }
  return { program: asm.assemble(), flags, unknownNames: [...unknownNames].sort() };
}

/** The compiled filter, one instruction a line, for a learner (lesson, explain). */
export function disassembleSeccomp(c: CompiledSeccomp): string[] {
  return disassemble(c.program, describeReturn);
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
