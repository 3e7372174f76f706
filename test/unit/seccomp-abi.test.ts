/**
 * The seccomp compiler's three x86 system call ABIs (runtime/seccomp.ts): x86_64, i386
 * (`int 0x80`) and x32 (bit 30). A filter that knows only the 64-bit numbers is bypassed by
 * making the same call through the 32-bit entry, where the numbers differ (keyctl is 250 on
 * x86_64, 288 on i386). This host's kernel cannot run 32-bit code (the real-kernel attack is
 * in seccomp.test.ts and the VM checks); here the compiled program runs in a classic-BPF
 * interpreter written from the instruction set (linux/filter.h), over every number of every
 * table, against what Docker's profile says for that name.
 */
import { describe, expect, it } from 'vitest';
import { compileSeccomp } from '../../src/runtime/seccomp';
import { resolveProfile } from '../../src/engine/seccomp-profile';
import { DEFAULT_SECCOMP_PROFILE } from '../../src/engine/seccomp-default';
import { SYSCALLS_X86_64 } from '../../src/runtime/syscalls-x86_64';
import { SYSCALLS_I386 } from '../../src/runtime/syscalls-i386';
import { SYSCALLS_X32 } from '../../src/runtime/syscalls-x32';
import type { LinuxSeccomp } from '../../src/runtime/spec';

const AUDIT_ARCH_X86_64 = 0xc000003e, AUDIT_ARCH_I386 = 0x40000003, AUDIT_ARCH_AARCH64 = 0xc00000b7;
const ALLOW = 0x7fff0000, EPERM = 0x00050001, ENOSYS = 0x00050026, KILL_PROCESS = 0x80000000;

/** Run a classic BPF program over struct seccomp_data { nr, arch, ip, args[6] } (64 bytes). */
function run(program: Buffer, arch: number, nr: number, args: bigint[] = []): number {
  const data = Buffer.alloc(64);
  data.writeInt32LE(nr | 0, 0);
  data.writeUInt32LE(arch, 4);
  args.forEach((a, i) => data.writeBigUInt64LE(a, 16 + 8 * i));
  let A = 0;
  for (let pc = 0; pc * 8 < program.length; pc++) {
    const code = program.readUInt16LE(pc * 8), jt = program[pc * 8 + 2], jf = program[pc * 8 + 3];
    const k = program.readUInt32LE(pc * 8 + 4);
    switch (code) {
      case 0x20: A = data.readUInt32LE(k); break; // ld [k]
      case 0x54: A = (A & k) >>> 0; break; // and #k
      case 0x05: pc += k; break; // ja
      case 0x15: pc += A === k ? jt : jf; break; // jeq
      case 0x25: pc += A > k ? jt : jf; break; // jgt
      case 0x35: pc += A >= k ? jt : jf; break; // jge
      case 0x06: return k; // ret
      default: throw new Error(`unknown instruction 0x${code.toString(16)} at ${pc}`);
    }
  }
  throw new Error('fell off the end of the program');
}

const DOCKER_DEFAULT_CAPS = ['CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW',
  'CAP_SETGID', 'CAP_SETUID', 'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE'];
const spec = resolveProfile(DEFAULT_SECCOMP_PROFILE, DOCKER_DEFAULT_CAPS);
const program = compileSeccomp(spec).program;

/** What the spec says for a call made without arguments that matter: its plain rule, else the default. */
function expected(s: LinuxSeccomp, name: string): number | 'conditional' {
  const rules = (s.syscalls ?? []).filter((r) => r.names.includes(name));
  if (rules.some((r) => r.args?.length)) return 'conditional';
  const plain = rules[0];
  if (!plain) return EPERM;
  return plain.action === 'SCMP_ACT_ALLOW' ? ALLOW : (0x00050000 | (plain.errnoRet ?? 1)) >>> 0;
}

const ABIS = [
  { name: 'x86_64', arch: AUDIT_ARCH_X86_64, table: SYSCALLS_X86_64 },
  { name: 'i386', arch: AUDIT_ARCH_I386, table: SYSCALLS_I386 },
  { name: 'x32', arch: AUDIT_ARCH_X86_64, table: SYSCALLS_X32 },
];

describe('Docker\'s default profile compiled for all three x86 ABIs (SCMP_ARCH_X86_64, X86, X32)', () => {
  it('lists the three architectures, as Docker\'s archMap does for amd64', () => {
    expect(spec.architectures).toEqual(['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32']);
  });

  for (const abi of ABIS) {
    it(`${abi.name}: every call in the table gets the profile's answer for its name, every other number the default`, () => {
      const byNumber = new Map(Object.entries(abi.table).map(([n, nr]) => [nr, n]));
      let checked = 0;
      for (const [name, nr] of Object.entries(abi.table)) {
        const want = expected(spec, name);
        if (want === 'conditional') continue;
        expect([name, run(program, abi.arch, nr)]).toEqual([name, want]);
        checked++;
      }
      expect(checked).toBeGreaterThan(300);
      const base = abi.name === 'x32' ? 0x40000000 : 0;
      for (let nr = base; nr < base + 1024; nr++) {
        if (!byNumber.has(nr)) expect([nr, run(program, abi.arch, nr)]).toEqual([nr, EPERM]);
      }
    });
  }

  it('the 32-bit bypass is closed: keyctl, add_key, unshare, mount, bpf, ptrace through int 0x80 get EPERM; getpid, socketcall are allowed', () => {
    for (const name of ['keyctl', 'add_key', 'request_key', 'unshare', 'setns', 'mount', 'umount2', 'bpf', 'perf_event_open',
      'kexec_load', 'init_module', 'userfaultfd', 'open_by_handle_at', 'reboot', 'swapon', 'acct']) {
      expect([name, run(program, AUDIT_ARCH_I386, SYSCALLS_I386[name])]).toEqual([name, EPERM]);
    }
    for (const name of ['getpid', 'read', 'write', 'execve', 'exit_group', 'socketcall', 'ipc', 'mmap2', 'fstat64', 'set_thread_area', 'modify_ldt']) {
      expect([name, run(program, AUDIT_ARCH_I386, SYSCALLS_I386[name])]).toEqual([name, ALLOW]);
    }
    // The same number means different calls: 288 is keyctl on i386, accept4 on x86_64.
    expect(run(program, AUDIT_ARCH_I386, 288)).toBe(EPERM);
    expect(run(program, AUDIT_ARCH_X86_64, 288)).toBe(ALLOW);
  });

  it('argument rules on i386 compare the 32-bit registers: clone namespace flags, socket(AF_VSOCK), personality', () => {
    const clone = SYSCALLS_I386.clone, socket = SYSCALLS_I386.socket, personality = SYSCALLS_I386.personality;
    expect(run(program, AUDIT_ARCH_I386, clone, [17n])).toBe(ALLOW); // SIGCHLD: a plain fork
    expect(run(program, AUDIT_ARCH_I386, clone, [0x10000000n | 17n])).toBe(EPERM); // CLONE_NEWUSER
    expect(run(program, AUDIT_ARCH_I386, clone, [0xffffffff00000000n | 17n])).toBe(ALLOW); // junk above 32 bits is not an argument
    expect(run(program, AUDIT_ARCH_I386, socket, [2n])).toBe(ALLOW);
    expect(run(program, AUDIT_ARCH_I386, socket, [40n])).toBe(EPERM);
    expect(run(program, AUDIT_ARCH_I386, personality, [0xffffffffn])).toBe(ALLOW);
    expect(run(program, AUDIT_ARCH_I386, personality, [0x0400000n])).toBe(EPERM); // READ_IMPLIES_EXEC
    expect(run(program, AUDIT_ARCH_I386, SYSCALLS_I386.clone3)).toBe(ENOSYS);
    // x86_64 compares all 64 bits: AF_VSOCK with a bit set above 32 is another number
    expect(run(program, AUDIT_ARCH_X86_64, SYSCALLS_X86_64.clone, [0x10000000n | 17n])).toBe(EPERM);
    expect(run(program, AUDIT_ARCH_X86_64, SYSCALLS_X86_64.socket, [40n])).toBe(EPERM);
    expect(run(program, AUDIT_ARCH_X86_64, SYSCALLS_X86_64.socket, [(1n << 32n) | 40n])).toBe(ALLOW);
  });

  it('an architecture the spec does not list is killed (no architectures: only x86_64 passes)', () => {
    expect(run(program, AUDIT_ARCH_AARCH64, 39)).toBe(KILL_PROCESS);
    const only64 = compileSeccomp({ ...spec, architectures: undefined }).program;
    expect(run(only64, AUDIT_ARCH_X86_64, SYSCALLS_X86_64.getpid)).toBe(ALLOW);
    expect(run(only64, AUDIT_ARCH_I386, SYSCALLS_I386.getpid)).toBe(KILL_PROCESS);
    expect(run(only64, AUDIT_ARCH_X86_64, SYSCALLS_X32.getpid)).toBe(KILL_PROCESS);
  });

  it('stays small: ranges of neighbouring numbers with one answer', () => {
    const only64 = compileSeccomp({ ...spec, architectures: undefined }).program;
    expect(only64.length / 8).toBeLessThan(600);
    expect(program.length / 8).toBeLessThan(1800);
  });
});
