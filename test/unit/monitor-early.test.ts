/**
 * A detached supervisor spawns the container's init before it loads the engine
 * (engine/monitor-early.ts), from a few fields of config.json and container.json read without
 * the schemas. Its guess must be the runtime's own reading of the validated spec (the runtime
 * refuses an init spawned for another shape), and anything it cannot read plainly means no
 * early init, never a wrong one.
 */
import { describe, expect, it } from 'vitest';
import { earlyInitFlag, earlyShape, shapeFromFlag } from '../../src/engine/monitor-early';
import { defaultSpec } from '../../src/runc/spec-template';
import { parseSpec } from '../../src/runtime/spec';
import { hasNamespace } from '../../src/runtime/spec-util';
import { wantsUserNamespace } from '../../src/runtime/userns';

type Ns = { type: string; path?: string };
function specWith(namespaces: Ns[], terminal: boolean): Record<string, any> {
  const s = JSON.parse(JSON.stringify(defaultSpec(false)));
  s.process.terminal = terminal;
  s.linux.namespaces = namespaces;
  return s;
}
const record = (Tty: boolean, OpenStdin: boolean) => ({ id: 'x', config: { Tty, OpenStdin, Image: 'mini-run/busybox' } });
const ALL: Ns[] = [{ type: 'pid' }, { type: 'network' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }];

describe('earlyShape', () => {
  it('reads the PID namespace and the terminal as the runtime does from the validated spec', () => {
    const cases: Array<[Ns[], boolean]> = [
      [ALL, false], [ALL, true],
      [ALL.filter((n) => n.type !== 'pid'), false], // --pid host
      [[...ALL.filter((n) => n.type !== 'network'), { type: 'network', path: '/proc/1/ns/net' }], false], // --network container:
    ];
    for (const [ns, tty] of cases) {
      for (const stdin of [false, true]) {
        const raw = specWith(ns, tty);
        const spec = parseSpec(JSON.stringify(raw), 'config.json');
        expect(earlyShape(raw, record(tty, stdin))).toEqual({ newPidNamespace: hasNamespace(spec, 'pid'), terminal: spec.process.terminal === true, openStdin: stdin });
        expect(wantsUserNamespace(spec)).toBe(false);
      }
    }
  });

  it('spawns none early for a user namespace or a PID namespace joined by path', () => {
    expect(earlyShape(specWith([...ALL, { type: 'user' }], false), record(false, false))).toBeNull();
    expect(earlyShape(specWith([...ALL.filter((n) => n.type !== 'pid'), { type: 'pid', path: '/proc/1/ns/pid' }], false), record(false, false))).toBeNull();
  });

  it('spawns none early when the files do not read plainly or disagree', () => {
    expect(earlyShape(null, record(false, false))).toBeNull();
    expect(earlyShape({ process: {}, linux: {} }, record(false, false))).toBeNull();
    expect(earlyShape(specWith([{ type: 7 } as unknown as Ns], false), record(false, false))).toBeNull();
    expect(earlyShape(specWith(ALL, false), { config: { Tty: 'yes', OpenStdin: false } })).toBeNull();
    expect(earlyShape(specWith(ALL, false), {})).toBeNull();
    expect(earlyShape(specWith(ALL, true), record(false, false))).toBeNull(); // Tty vs process.terminal
  });
});

describe('the shape run -d hands its supervisor', () => {
  it('reads back as it was written, and nothing else reads as a shape', () => {
    for (const newPidNamespace of [false, true]) for (const terminal of [false, true]) for (const openStdin of [false, true]) {
      const shape = { newPidNamespace, terminal, openStdin };
      expect(shapeFromFlag(['node', 'monitor-main.js', 'ID', '--after-create', earlyInitFlag(shape)])).toEqual(shape);
    }
    expect(shapeFromFlag(['node', 'monitor-main.js', 'ID', '--after-create'])).toBeNull();
    expect(shapeFromFlag(['--early-init=pid,tty'])).toBeNull();
    expect(shapeFromFlag(['--early-init=pid,tty,stdin,user'])).toBeNull();
  });
});
