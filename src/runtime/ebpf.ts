/**
 * eBPF, the kernel's newer BPF: ten 64-bit registers, 8-byte instructions
 * `{ u8 code; u8 dst_reg:4, src_reg:4; s16 off; s32 imm; }`. Only what the device cgroup's
 * program needs (cgroups/devices.ts): loads from the context, AND/shift/move, two compares,
 * exit. On entry r1 points at the program's context; the result is returned in r0.
 * (Classic BPF, used for seccomp, is in bpf.ts.)
 */
export const R0 = 0, R1 = 1, R2 = 2, R3 = 3, R4 = 4, R5 = 5, R6 = 6;

const LDX_MEM_W = 0x61; // BPF_LDX | BPF_MEM | BPF_W: dst = *(u32 *)(src + off)
const ALU64_AND_K = 0x57; // dst &= imm
const ALU64_RSH_K = 0x77; // dst >>= imm
const ALU64_MOV_K = 0xb7; // dst = imm
const ALU64_MOV_X = 0xbf; // dst = src
const JMP_JEQ_K = 0x15; // if dst == imm goto pc + 1 + off
const JMP_JNE_K = 0x55; // if dst != imm goto pc + 1 + off
const JMP_EXIT = 0x95; // return r0

interface Insn { code: number; dst: number; src: number; off: number; imm: number; to?: number }

export class EbpfAssembler {
  private readonly insns: Insn[] = [];
  private readonly labels: number[] = [];

  /** A new label (a number), placed later with place(). */
  label(): number {
    this.labels.push(-1);
    return this.labels.length - 1;
  }

  place(label: number): void {
    this.labels[label] = this.insns.length;
  }

  loadWord(dst: number, src: number, off: number): void { this.insns.push({ code: LDX_MEM_W, dst, src, off, imm: 0 }); }
  andImm(dst: number, imm: number): void { this.insns.push({ code: ALU64_AND_K, dst, src: 0, off: 0, imm }); }
  rshImm(dst: number, imm: number): void { this.insns.push({ code: ALU64_RSH_K, dst, src: 0, off: 0, imm }); }
  movImm(dst: number, imm: number): void { this.insns.push({ code: ALU64_MOV_K, dst, src: 0, off: 0, imm }); }
  movReg(dst: number, src: number): void { this.insns.push({ code: ALU64_MOV_X, dst, src, off: 0, imm: 0 }); }
  jumpIfEqual(dst: number, imm: number, label: number): void { this.insns.push({ code: JMP_JEQ_K, dst, src: 0, off: 0, imm, to: label }); }
  jumpIfNotEqual(dst: number, imm: number, label: number): void { this.insns.push({ code: JMP_JNE_K, dst, src: 0, off: 0, imm, to: label }); }
  exit(): void { this.insns.push({ code: JMP_EXIT, dst: 0, src: 0, off: 0, imm: 0 }); }

  assemble(): Buffer {
    const out = Buffer.alloc(this.insns.length * 8);
    this.insns.forEach((insn, i) => {
      let off = insn.off;
      if (insn.to !== undefined) {
        const at = this.labels[insn.to];
        if (at === undefined || at < 0) throw new Error('ebpf: jump to a label never placed');
        off = at - i - 1;
      }
      out.writeUInt8(insn.code, i * 8);
      out.writeUInt8((insn.src << 4) | insn.dst, i * 8 + 1);
      out.writeInt16LE(off, i * 8 + 2);
      out.writeInt32LE(insn.imm | 0, i * 8 + 4);
    });
    return out;
  }
}
