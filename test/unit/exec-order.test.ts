/**
 * The order for the native exec process (runtime/exec-order.ts → native/exec-process.c): the
 * runtime encodes the validated process description in a framed form, the C side reads it
 * without a JSON parser. What is checked here: the encoding carries every field the program
 * needs, refuses what execve could not carry, and the C reader refuses — with the runtime's
 * error line and exit 125, before touching anything — an order that is not exactly well formed
 * (fail-closed: never "no filter", never a partial order).
 */
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Socket } from 'node:net';
import { encodeNativeOrder, refuseNulBytes, type NativeOrder } from '../../src/runtime/exec-order';
import { UserError } from '../../src/errors';
import { nativeBinary } from '../../src/native';
import type { Process } from '../../src/runtime/spec';
import { decodeFramedOrder } from '../helpers/framed-order';

const proc: Process = {
  terminal: false,
  user: { uid: 1000, gid: 1000, additionalGids: [5, 100] },
  args: ['sh', '-c', 'echo "$X"'],
  env: ['PATH=/bin', 'X=a b\nc'],
  cwd: '/tmp',
  capabilities: { bounding: ['CAP_CHOWN', 'CAP_KILL'], effective: ['CAP_KILL'], permitted: ['CAP_KILL'], inheritable: [], ambient: ['CAP_KILL', 'CAP_NOT_A_CAP'] },
  rlimits: [{ type: 'RLIMIT_NOFILE', soft: 100, hard: 200 }, { type: 'RLIMIT_CORE', soft: 2 ** 64, hard: 2 ** 64 }],
  noNewPrivileges: true,
  oomScoreAdj: 500,
};
const order: NativeOrder = { pid: 4242, process: proc, cgroupProcs: ['/sys/fs/cgroup/x/cgroup.procs'], detach: false, traceFd: 4 };

/** The fields of an encoded order, as exec-process.c reads them. */
const decode = (buf: Buffer): Array<[string, Buffer]> => decodeFramedOrder(buf, 'mini-run-exec 1\n');

describe('encodeNativeOrder', () => {
  it('carries every field, lists in order, values with any byte but NUL (a newline in a variable too)', () => {
    const f = decode(encodeNativeOrder(order)).map(([k, v]) => [k, v.toString()]);
    expect(f).toEqual([
      ['pid', '4242'], ['cgroup', '/sys/fs/cgroup/x/cgroup.procs'], ['trace', '4'], ['detach', '0'], ['terminal', '0'], ['nnp', '1'],
      ['oom', '500'], ['uid', '1000'], ['gid', '1000'], ['group', '5'], ['group', '100'], ['cwd', '/tmp'],
      ['arg', 'sh'], ['arg', '-c'], ['arg', 'echo "$X"'], ['env', 'PATH=/bin'], ['env', 'X=a b\nc'],
      ['rlimit', '7 100 200 RLIMIT_NOFILE'], ['rlimit', '4 inf inf RLIMIT_CORE'],
      // bit = capability number: CHOWN 0, KILL 5; an unknown name is skipped, as capabilities.ts does
      ['bounding', '21'], ['effective', '20'], ['permitted', '20'], ['inheritable', '0'], ['ambient', '20'],
    ]);
  });

  it('sends the compiled seccomp program as raw bytes, with its flags and the count of skipped names', () => {
    const program = Buffer.alloc(16, 7);
    const f = decode(encodeNativeOrder({ ...order, seccomp: { program: program.toString('base64'), instructions: 2, flags: 1, unknownNames: ['a', 'b'] } }));
    expect(f.find(([k]) => k === 'seccomp')?.[1]).toEqual(program);
    expect(f.filter(([k]) => k.startsWith('seccomp-')).map(([k, v]) => [k, v.toString()])).toEqual([['seccomp-flags', '1'], ['seccomp-unknown', '2']]);
    expect(() => encodeNativeOrder({ ...order, seccomp: { program: program.toString('base64'), instructions: 3, flags: 0, unknownNames: [] } })).toThrow(/malformed/);
  });

  it('refuses what execve cannot carry (NUL) and limits that are not limits, as the Node side fails on them', () => {
    expect(() => encodeNativeOrder({ ...order, process: { ...proc, args: ['a\0b'] } })).toThrow(/NUL/);
    // exec.ts's check before either exec process: arguments, variables and cwd, one line, 125
    expect(() => refuseNulBytes({ ...proc, args: ['sh', 'a\0b'] })).toThrow(new UserError('exec: arg "a\\u0000b" contains a NUL byte', 125));
    expect(() => refuseNulBytes({ ...proc, env: ['PATH=/bin', 'X=a\0'] })).toThrow('exec: env "X=a\\u0000" contains a NUL byte');
    expect(() => refuseNulBytes({ ...proc, cwd: '/tm\0p' })).toThrow('exec: cwd "/tm\\u0000p" contains a NUL byte');
    for (const bad of [{ args: ['\0'] }, { env: ['\0'] }, { cwd: '\0' }]) {
      try {
        refuseNulBytes({ ...proc, ...bad });
        expect.unreachable();
      } catch (err) {
        expect((err as UserError).exitCode).toBe(125);
      }
    }
    expect(() => refuseNulBytes(proc)).not.toThrow(); // a newline is fine: execve carries it
    expect(() => encodeNativeOrder({ ...order, process: { ...proc, rlimits: [{ type: 'RLIMIT_BOGUS', soft: 1, hard: 1 }] } })).toThrow('unknown rlimit type RLIMIT_BOGUS');
    expect(() => encodeNativeOrder({ ...order, process: { ...proc, rlimits: [{ type: 'RLIMIT_NOFILE', soft: -1, hard: 1 }] } })).toThrow(/not a limit/);
  });
});

const BIN = nativeBinary('exec-process');
if (!existsSync(BIN)) console.log(`exec-order.test: ${BIN} not built (no C compiler): its reader is not tested`);

/** Run exec-process with `input` on its fd 3; its answer (JSON lines) and exit status. */
function runWith(input: Buffer): Promise<{ lines: unknown[]; code: number | null }> {
  return new Promise((resolve) => {
    const child = spawn(BIN, [], { stdio: ['ignore', 'ignore', 'ignore', 'pipe'], env: {} });
    const sock = child.stdio[3] as Socket;
    let text = '';
    sock.on('data', (d: Buffer) => { text += d.toString(); });
    sock.on('error', () => { /* it may close first */ });
    sock.end(input);
    child.on('close', (code) => resolve({ lines: text.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as unknown), code }));
  });
}

describe.skipIf(!existsSync(BIN))('exec-process reads its order fail-closed', () => {
  const good = encodeNativeOrder({ ...order, pid: 2 ** 30 + 7, cgroupProcs: [], traceFd: undefined });
  const malformed = (why: RegExp) => ({ lines: [{ type: 'error', message: expect.stringMatching(why), exitCode: 125 }], code: 125 });

  it('a whole order for a process that does not exist: "is gone", exit 1, as the Node side', async () => {
    expect(await runWith(good)).toEqual({ lines: [{ type: 'error', message: `the container's process ${2 ** 30 + 7} is gone: the container is not running`, exitCode: 1 }], code: 1 });
  });

  it('a truncated order, an unknown field, a field without its newline, another version: error 125, nothing done', async () => {
    expect(await runWith(good.subarray(0, good.length - 9))).toEqual(malformed(/runtime closed the sync socket/));
    expect(await runWith(Buffer.from('mini-run-exec 1\nsetuid 1\n0\nend 0\n\n'))).toEqual(malformed(/unknown field setuid/));
    expect(await runWith(Buffer.from('mini-run-exec 1\npid 2\n12end 0\n\n'))).toEqual(malformed(/not followed by a newline/));
    expect(await runWith(Buffer.from('mini-run-exec 2\nend 0\n\n'))).toEqual(malformed(/not an order it understands/));
    expect(await runWith(Buffer.from('mini-run-exec 1\npid -5\n'))).toEqual(malformed(/length -5/));
  });

  it('a seccomp program that is not whole instructions, too long, or with unknown flags: refused, never "no filter"', async () => {
    const withFilter = (bytes: number, flags = 0) => encodeNativeOrder({
      ...order, pid: 2 ** 30 + 7, cgroupProcs: [], traceFd: undefined,
      seccomp: { program: Buffer.alloc(bytes).toString('base64'), instructions: bytes / 8, flags, unknownNames: [] },
    });
    // (the encoder refuses a length that is not n × 8; the C side must too: hand-made here)
    const odd = Buffer.from(good.toString('latin1').replace('end 0\n\n', 'seccomp 12\n' + 'x'.repeat(12) + '\nend 0\n\n'), 'latin1');
    expect(await runWith(odd)).toEqual(malformed(/seccomp: the runtime's compiled filter is malformed \(12 bytes\)/));
    expect(await runWith(withFilter(8 * 4097))).toEqual(malformed(/malformed \(32776 bytes\)/));
    expect(await runWith(withFilter(8, 64))).toEqual(malformed(/malformed \(flags 64\)/));
  });
});
