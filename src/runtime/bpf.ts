/**
 * Classic BPF: the tiny virtual machine a seccomp filter is written for (and, long before, the
 * packet filters of tcpdump). An assembler with labels, the encoding the kernel reads, and a
 * disassembler so a learner can read a compiled filter (`mini-run lesson seccomp`).
 *
 * A program is a list of 8-byte instructions, `struct sock_filter { u16 code; u8 jt; u8 jf;
 * u32 k; }`. There is one register (A). Conditional jumps only go *forward*, by at most 255
 * instructions (jt/jf are one byte each); `ja` (jump always) takes a 32-bit offset in k. No
 * loops are possible: the kernel can check that every program ends.
 */

// Instruction classes and modes (linux/bpf_common.h).
const BPF_LD = 0x00, BPF_ALU = 0x04, BPF_JMP = 0x05, BPF_RET = 0x06;
const BPF_W = 0x00, BPF_ABS = 0x20, BPF_K = 0x00;
const BPF_AND = 0x50;
const BPF_JA = 0x00, BPF_JEQ = 0x10, BPF_JGT = 0x20, BPF_JGE = 0x30;

export type JumpOp = 'jeq' | 'jgt' | 'jge';
const JUMP_CODE: Record<JumpOp, number> = { jeq: BPF_JEQ, jgt: BPF_JGT, jge: BPF_JGE };

/** Where a jump goes: the next instruction, or a label placed later. */
export type Target = 'next' | string;

interface Insn {
  code: number;
  k: number;
  jt?: Target; // conditional jumps
  jf?: Target;
  to?: string; // ja
}

/** Builds a program instruction by instruction; labels are resolved by `assemble()`. */
export class BpfAssembler {
  private readonly insns: Insn[] = [];
  private readonly labels = new Map<string, number>();
  private nextLabelId = 0;

  /** A fresh label name (unique in this program). */
  label(hint: string): string {
    return `${hint}#${this.nextLabelId++}`;
  }

  /** The next instruction is where `label` points. */
  place(label: string): void {
    if (this.labels.has(label)) throw new Error(`bpf: label ${label} placed twice`);
    this.labels.set(label, this.insns.length);
  }

  /** A = the 32-bit word at byte `offset` of the input (for seccomp: struct seccomp_data). */
  loadWord(offset: number): void {
    this.insns.push({ code: BPF_LD | BPF_W | BPF_ABS, k: offset });
  }

  /** A &= k */
  and(k: number): void {
    this.insns.push({ code: BPF_ALU | BPF_AND | BPF_K, k: k >>> 0 });
  }

  /** if (A op k) goto jt else goto jf (unsigned compare). */
  jump(op: JumpOp, k: number, jt: Target, jf: Target): void {
    this.insns.push({ code: BPF_JMP | JUMP_CODE[op] | BPF_K, k: k >>> 0, jt, jf });
  }

  /** goto label (any distance). */
  goto(label: string): void {
    this.insns.push({ code: BPF_JMP | BPF_JA, k: 0, to: label });
  }

  /** Stop, and return `k` to the kernel (for seccomp: the action). */
  ret(k: number): void {
    this.insns.push({ code: BPF_RET | BPF_K, k: k >>> 0 });
  }

  /** The program as the kernel reads it: 8 bytes per instruction, little-endian. */
  assemble(): Buffer {
    if (this.insns.length > 4096) throw new Error(`bpf: ${this.insns.length} instructions (the kernel takes at most 4096)`);
    const out = Buffer.alloc(this.insns.length * 8);
    this.insns.forEach((insn, i) => {
      const offset = (t: Target | undefined, max: number): number => {
        if (t === undefined || t === 'next') return 0;
        const at = this.labels.get(t);
        if (at === undefined) throw new Error(`bpf: label ${t} never placed`);
        const d = at - i - 1;
        if (d < 0 || d > max) throw new Error(`bpf: jump from ${i} to ${t} (${d}) out of range`);
        return d;
      };
      const k = insn.to !== undefined ? offset(insn.to, 0xffffffff) : insn.k;
      out.writeUInt16LE(insn.code, i * 8);
      out.writeUInt8(offset(insn.jt, 255), i * 8 + 2);
      out.writeUInt8(offset(insn.jf, 255), i * 8 + 3);
      out.writeUInt32LE(k >>> 0, i * 8 + 4);
    });
    return out;
  }
}

/** One line per instruction, `  12: jeq #0x27, 13, 14` style (targets as absolute indexes). */
export function disassemble(program: Buffer, describeReturn: (k: number) => string = (k) => `#0x${k.toString(16)}`): string[] {
  const lines: string[] = [];
  for (let i = 0; i * 8 < program.length; i++) {
    const code = program.readUInt16LE(i * 8);
    const jt = program.readUInt8(i * 8 + 2), jf = program.readUInt8(i * 8 + 3);
    const k = program.readUInt32LE(i * 8 + 4);
    const cls = code & 0x07;
    let text: string;
    if (cls === BPF_LD) text = `ld [${k}]`;
    else if (cls === BPF_ALU) text = `and #0x${k.toString(16)}`;
    else if (cls === BPF_RET) text = `ret ${describeReturn(k)}`;
    else if ((code & 0xf0) === BPF_JA) text = `ja ${i + 1 + k}`;
    else {
      const op = Object.entries(JUMP_CODE).find(([, c]) => c === (code & 0xf0))?.[0] ?? '?';
      text = `${op} #0x${k.toString(16)}, ${i + 1 + jt}, ${i + 1 + jf}`;
    }
    lines.push(`${String(i).padStart(4)}: ${text}`);
  }
  return lines;
}
