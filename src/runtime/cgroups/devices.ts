/**
 * The device cgroup: which device nodes the container's processes may create (mknod), read
 * and write. A device node is only a name for (type, major, minor): whoever may open `b 8:0`
 * reads the host's disk, wherever the node was made — a volume, a bind mount, an image layer.
 * Container root keeps CAP_MKNOD (Docker's default), so the kernel must refuse the *open*.
 *
 * The rules are the OCI spec's `linux.resources.devices` (the engine writes Docker's: deny
 * everything, allow mknod of any node and rwm on null, zero, full, random, urandom, tty,
 * console, ptmx, pts). Later rules win.
 *   cgroup v1: the `devices` controller's files: `devices.deny` ← "a" empties the list,
 *              then each allow rule is written to `devices.allow` ("c 1:3 rwm").
 *   cgroup v2: there are no such files. A BPF program of type CGROUP_DEVICE, attached to the
 *              container's cgroup, is asked on every mknod/open of a device node (below).
 */
import { closeSync, constants as fsc, openSync } from 'node:fs';
import { bpfAttachDeviceProgram, bpfLoadDeviceProgram, bpfQueryDevicePrograms } from '../../sys/libc';
import type { DeviceRule } from './types';
import { lazy } from '../../lazy';

// The assembler of v2's device program (v1 writes its rules as lines).
const ebpf = lazy(() => require('../ebpf') as typeof import('../ebpf'));

/** "c 1:3 rwm", "a *:* rwm": the v1 file format, also how `explain` shows a rule. */
export function deviceRuleLine(r: DeviceRule): string {
  const num = (n: number | undefined) => (n === undefined || n < 0 ? '*' : String(n));
  return `${r.type ?? 'a'} ${num(r.major)}:${num(r.minor)} ${r.access || 'rwm'}`;
}

/** v1: the writes that make the cgroup's list equal to `rules`, in order ("a *:* rwm" to devices.deny empties it). */
export function v1DeviceWrites(rules: readonly DeviceRule[]): Array<{ file: 'devices.allow' | 'devices.deny'; line: string }> {
  return rules.map((r) => ({ file: r.allow ? 'devices.allow' : 'devices.deny', line: deviceRuleLine(r) }));
}

// struct bpf_cgroup_dev_ctx { u32 access_type; u32 major; u32 minor; }: access_type is
// (access << 16) | type, with type BLOCK=1, CHAR=2 and access MKNOD=1, READ=2, WRITE=4.
const DEV_TYPE = { b: 1, c: 2 } as const;
const ACCESS_BIT = { m: 1, r: 2, w: 4 } as const;

function accessMask(access: string | undefined): number {
  let m = 0;
  for (const ch of access || 'rwm') m |= ACCESS_BIT[ch as keyof typeof ACCESS_BIT] ?? 0;
  return m;
}

/**
 * v2: the rules as an eBPF program (BPF_PROG_TYPE_CGROUP_DEVICE). It returns 1 (allow) or 0
 * (the open or mknod fails with EPERM). The rules are tried from the LAST to the first, so
 * the last matching rule decides, as on v1; nothing matches → deny.
 *
 *   r2 = type, r3 = access, r4 = major, r5 = minor
 *   for each rule, last first:  type, major, minor differ → next rule
 *                               allow rule: asked access not all in the rule → next rule
 *                               deny rule:  asked access shares nothing with the rule → next
 *                               return allow ? 1 : 0
 *   return 0
 */
export function deviceProgram(rules: readonly DeviceRule[]): Buffer {
  const { EbpfAssembler, R0, R1, R2, R3, R4, R5, R6 } = ebpf();
  const asm = new EbpfAssembler();
  asm.loadWord(R2, R1, 0); // access_type
  asm.andImm(R2, 0xffff); //  → the type
  asm.loadWord(R3, R1, 0);
  asm.rshImm(R3, 16); //       → the access asked for
  asm.loadWord(R4, R1, 4); // major
  asm.loadWord(R5, R1, 8); // minor
  for (let i = rules.length - 1; i >= 0; i--) {
    const r = rules[i];
    const next = asm.label();
    if (r.type === 'c' || r.type === 'b') asm.jumpIfNotEqual(R2, DEV_TYPE[r.type], next);
    if (r.major !== undefined && r.major >= 0) asm.jumpIfNotEqual(R4, r.major, next);
    if (r.minor !== undefined && r.minor >= 0) asm.jumpIfNotEqual(R5, r.minor, next);
    const mask = accessMask(r.access);
    asm.movReg(R6, R3);
    if (r.allow) {
      asm.andImm(R6, ~mask & 0x7); // bits asked for that the rule does not give
      asm.jumpIfNotEqual(R6, 0, next);
    } else {
      asm.andImm(R6, mask); // bits asked for that the rule denies
      asm.jumpIfEqual(R6, 0, next);
    }
    asm.movImm(R0, r.allow ? 1 : 0);
    asm.exit();
    asm.place(next);
  }
  asm.movImm(R0, 0);
  asm.exit();
  return asm.assemble();
}

/**
 * v2: load the rules' program and attach it to the cgroup directory `dir`. The attachment
 * keeps the program alive (our fds can close); it goes away with the cgroup.
 */
export function attachDeviceRules(dir: string, rules: readonly DeviceRule[]): void {
  const progFd = bpfLoadDeviceProgram(deviceProgram(rules));
  try {
    const dirFd = openSync(dir, fsc.O_RDONLY | fsc.O_DIRECTORY);
    try {
      bpfAttachDeviceProgram(dirFd, progFd, dir);
    } finally {
      closeSync(dirFd);
    }
  } finally {
    closeSync(progFd);
  }
}

/** v2: the ids of the device programs attached to cgroup directory `dir` (explain, tests). */
export function attachedDevicePrograms(dir: string): number[] {
  const dirFd = openSync(dir, fsc.O_RDONLY | fsc.O_DIRECTORY);
  try {
    return bpfQueryDevicePrograms(dirFd);
  } finally {
    closeSync(dirFd);
  }
}

/**
 * The devices every container may use whatever its rules say, appended after them (later rules
 * win) — what runc does, so a client that writes only "deny all" (podman, containerd) still
 * gets /dev/null, a terminal (ptmx, pts) and the rest of a working /dev. mini-run's engine
 * already lists the same ones itself (Docker's defaults); --privileged allows everything anyway.
 */
export const ALWAYS_ALLOWED_DEVICES: readonly DeviceRule[] = [
  { allow: true, type: 'c', access: 'm' }, // mknod of any char device (opening it is still checked)
  { allow: true, type: 'b', access: 'm' }, // mknod of any block device
  ...([[1, 3], [1, 5], [1, 7], [1, 8], [1, 9], [5, 0], [5, 1], [5, 2], [10, 200]] as const)
    .map(([major, minor]) => ({ allow: true, type: 'c' as const, major, minor, access: 'rwm' })), // null zero full random urandom tty console ptmx tun
  { allow: true, type: 'c', major: 136, access: 'rwm' }, // /dev/pts/*
];

/**
 * The spec's device rules with ALWAYS_ALLOWED_DEVICES after them (none when it has no rules:
 * nothing is denied) — each one only if the spec does not already allow it with no deny rule
 * after it. Such a rule would be written a second time (v1: one more devices.allow write; v2:
 * one more test in the program) and change nothing: after the last deny the allow rules add up,
 * whatever their order. mini-run's own specs carry Docker's list, which is this one, so it is
 * written once; a client's deny-all spec gets all of them.
 */
export function withAlwaysAllowedDevices(rules: readonly DeviceRule[] | undefined): DeviceRule[] | undefined {
  if (!rules?.length) return rules as DeviceRule[] | undefined;
  const standing = new Set(rules.slice(rules.findLastIndex((r) => !r.allow) + 1).map(deviceRuleLine));
  return [...rules, ...ALWAYS_ALLOWED_DEVICES.filter((r) => !standing.has(deviceRuleLine(r)))];
}
