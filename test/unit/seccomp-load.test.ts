/**
 * The compiled seccomp filter's trip from the runtime to the init (runtime/seccomp-load.ts):
 * the runtime compiles the profile while the init boots and sends the program over the sync
 * socket (JSON, base64). The init must load exactly the program that was compiled, and a
 * message that does not carry one well-formed program must stop the start — never load a
 * shorter filter, or none.
 */
import { describe, expect, it } from 'vitest';
import { compileForInit, compileSeccomp } from '../../src/runtime/seccomp';
import { fromWire, toWire } from '../../src/runtime/seccomp-load';
import { resolveProfile } from '../../src/engine/seccomp-profile';
import { DEFAULT_SECCOMP_PROFILE } from '../../src/engine/seccomp-default';
import { UserError } from '../../src/errors';

const CAPS = ['CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_KILL', 'CAP_SETUID', 'CAP_SETGID'];
const spec = resolveProfile(DEFAULT_SECCOMP_PROFILE, CAPS);

describe('the compiled filter on the sync socket', () => {
  it('arrives as the very program the compiler made (Docker\'s default profile)', () => {
    const compiled = compileSeccomp(spec);
    // through JSON, as the socket carries it
    const received = fromWire(JSON.parse(JSON.stringify(compileForInit(spec))));
    expect(received.program.equals(compiled.program)).toBe(true);
    expect(received.program.length / 8).toBeGreaterThan(500);
    expect(received.flags).toBe(compiled.flags);
    expect(received.unknownNames).toEqual(compiled.unknownNames);
  });

  it('keeps the profile\'s flags', () => {
    const w = compileForInit({ ...spec, flags: ['SECCOMP_FILTER_FLAG_LOG', 'SECCOMP_FILTER_FLAG_SPEC_ALLOW'] });
    expect(fromWire(w).flags).toBe(2 | 4);
  });

  it('refuses a message without one well-formed program (the container then does not start)', () => {
    const good = toWire(compileSeccomp(spec));
    const bytes = Buffer.from(good.program, 'base64');
    const bad: unknown[] = [
      undefined, null, 'x', {},
      { ...good, program: undefined },
      { ...good, program: bytes.subarray(0, bytes.length - 8).toString('base64') }, // one instruction short
      { ...good, program: bytes.subarray(0, bytes.length - 3).toString('base64') }, // not whole instructions
      { ...good, program: good.program.slice(0, 40) + '*' + good.program.slice(40) }, // not base64
      { ...good, program: '', instructions: 0 },
      { ...good, program: Buffer.alloc(4097 * 8).toString('base64'), instructions: 4097 }, // over BPF_MAXINSNS
      { ...good, instructions: good.instructions + 1 },
      { ...good, instructions: 1.5 },
      { ...good, flags: 8 }, { ...good, flags: -1 }, { ...good, flags: '1' },
      { ...good, unknownNames: 'a' }, { ...good, unknownNames: [1] },
    ];
    for (const w of bad) expect(() => fromWire(w), JSON.stringify(w)?.slice(0, 80)).toThrow(/seccomp: the runtime's compiled filter is malformed/);
  });

  it('a profile that cannot be compiled is the container\'s error, exit 125, in the runtime', () => {
    const notify = { ...spec, syscalls: [{ names: ['read'], action: 'SCMP_ACT_NOTIFY' as const }] };
    expect(() => compileForInit(notify)).toThrow(UserError);
    expect(() => compileForInit(notify)).toThrow(/SCMP_ACT_NOTIFY needs a seccomp agent/);
    expect(() => compileForInit({ ...spec, flags: ['SECCOMP_FILTER_FLAG_NEW_LISTENER'] })).toThrow(/unsupported flag/);
  });
});
