/**
 * The native init's order and choice table (runtime/init-order.ts → native/init-native.c): the
 * choice table keeps on the Node init every container the C one does not implement (so none is
 * ever half-started), the order carries the mount kinds as the C side reads them, and a NUL —
 * which would cut a field — is refused.
 */
import { describe, expect, it } from 'vitest';
import { encodeInitOrder, encodeMount, nativeInitWanted, nativeShapeRefusal, nativeSpecRefusal, MOUNT_KINDS } from '../../src/runtime/init-order';
import { encodeNativeOrder } from '../../src/runtime/exec-order';
import { UserError } from '../../src/errors';
import type { RuntimeSpec } from '../../src/runtime/spec';
import { decodeFramedOrder } from '../helpers/framed-order';

function spec(over: Partial<RuntimeSpec> = {}): RuntimeSpec {
  return {
    ociVersion: '1.0.2',
    root: { path: 'rootfs' },
    hostname: 'abc',
    process: { terminal: false, user: { uid: 0, gid: 0 }, args: ['true'], env: ['PATH=/bin'], cwd: '/' },
    mounts: [
      { destination: '/', type: 'overlay', source: 'overlay', options: ['lowerdir=a:b', 'upperdir=/u', 'workdir=/w'] },
      { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
      { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
      { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
      { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['ro', 'nosuid', 'noexec', 'nodev'] },
      { destination: '/etc/hosts', type: 'bind', source: '/host/hosts', options: ['rbind', 'rprivate'] },
      { destination: '/data', type: 'bind', source: '/host/dir', options: ['bind', 'ro'] },
    ],
    linux: {
      namespaces: [{ type: 'pid' }, { type: 'network' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }],
      maskedPaths: ['/proc/kcore'],
      readonlyPaths: ['/proc/sys'],
    },
    annotations: { 'org.mini-run.overlay.lowerdir-base': '/root/layers/l' },
    ...over,
  } as RuntimeSpec;
}

const isDir = (s: string) => s === '/host/dir';

/** The fields of an encoded order, in order, as init-native.c reads them. */
const decode = (buf: Buffer): Array<[string, string]> => decodeFramedOrder(buf, 'mini-run-init 1\n').map(([k, v]) => [k, v.toString()]);

describe('the choice table (nativeSpecRefusal)', () => {
  it('takes the common case: no userns, no -t, no hooks, own namespaces, overlay root', () => {
    expect(nativeSpecRefusal(spec())).toBeNull();
    expect(nativeShapeRefusal({ terminal: false })).toBeNull();
  });
  it('keeps on the Node init, with a reason, every case the C init does not implement', () => {
    const base = spec();
    const cases: Array<[string, RuntimeSpec, object?]> = [
      ['terminal', spec({ process: { ...base.process, terminal: true } })],
      ['user namespace', spec({ linux: { ...base.linux, namespaces: [...base.linux.namespaces, { type: 'user' }] } })],
      ['joined by path', spec({ linux: { ...base.linux, namespaces: [{ type: 'pid' }, { type: 'mount' }, { type: 'network', path: '/proc/1/ns/net' }] } })],
      ['mount-ns host', spec({ linux: { ...base.linux, namespaces: [{ type: 'pid' }] } })],
      ['no pid ns', spec({ linux: { ...base.linux, namespaces: [{ type: 'mount' }] } })],
      ['hooks', spec({ hooks: { prestart: [{ path: '/bin/true' }] } } as Partial<RuntimeSpec>)],
      ['devices', spec({ linux: { ...base.linux, devices: [{ path: '/dev/fuse', type: 'c', major: 10, minor: 229 }] } })],
      ['NUL', spec({ process: { ...base.process, args: ['a\0b'] } })],
      ['root type', spec({ mounts: [{ destination: '/', type: 'tmpfs', source: 'x' }] })],
      ['no-pivot annotation', spec({ annotations: { 'org.mini-run.no-pivot': 'true' } })],
      ['create', base, { create: { execFifo: '/x', detached: false } }],
      ['noPivot plan', base, { noPivot: true }],
    ];
    for (const [name, s, plan] of cases) expect(nativeSpecRefusal(s, plan as object), name).toMatch(/./);
    expect(nativeShapeRefusal({ terminal: true })).toMatch(/terminal/);
    expect(nativeShapeRefusal({ terminal: false, userNamespace: true })).toMatch(/user namespace/);
    expect(nativeShapeRefusal({ terminal: false, joinPidNamespace: '/proc/1/ns/pid' })).toMatch(/by path/);
  });
  it('is the default (unset, empty or "native"); MINI_RUN_INIT=node is the way back; any other value is one line, exit 125', () => {
    expect(nativeInitWanted({})).toBe(true);
    expect(nativeInitWanted({ MINI_RUN_INIT: '' })).toBe(true);
    expect(nativeInitWanted({ MINI_RUN_INIT: 'native' })).toBe(true);
    expect(nativeInitWanted({ MINI_RUN_INIT: 'node' })).toBe(false);
    for (const bad of ['Native', 'nodejs', 'c', ' native', 'no\nde']) {
      let err: unknown;
      try { nativeInitWanted({ MINI_RUN_INIT: bad }); } catch (e) { err = e; }
      expect(err, bad).toBeInstanceOf(UserError);
      expect((err as UserError).exitCode).toBe(125);
      expect((err as UserError).message).toBe(`MINI_RUN_INIT=${JSON.stringify(bad)}: not an init (native, the default, or node)`);
      expect((err as UserError).message).not.toContain('\n');
    }
  });
});

describe('encodeMount: the kinds', () => {
  const words = (m: Parameters<typeof encodeMount>[0]) => encodeMount(m, isDir).split('\0');
  it('proc and sysfs are "proc" (the symlink refusal), /dev tmpfs is "dev", cgroup is "cgroup-v1"', () => {
    const [proc, dev, sys, cg] = spec().mounts!.slice(1, 5).map(words);
    expect(proc).toEqual(['/proc', 'proc', 'proc', 'proc', (2 | 4 | 8).toString(16), '', '0']);
    expect(dev).toEqual(['/dev', 'dev', 'tmpfs', 'tmpfs', (2 | (1 << 24)).toString(16), 'mode=755,size=65536k', '0']);
    expect(sys[1]).toBe('proc');
    expect(sys[4]).toBe((1 | 2 | 4 | 8).toString(16));
    expect(cg[1]).toBe('cgroup-v1');
  });
  it('a bind is bind-file or bind-dir from the host source, with its flags and propagation', () => {
    const [hosts, data] = spec().mounts!.slice(5).map(words);
    expect(hosts).toEqual(['/etc/hosts', 'bind-file', '', '/host/hosts', (4096 | 16384).toString(16), '', (16384 | (1 << 18)).toString(16)]);
    expect(data).toEqual(['/data', 'bind-dir', '', '/host/dir', (4096 | 1).toString(16), '', '0']);
  });
  it('a plain mount without a source takes its type as the source (mounts.ts)', () => {
    expect(words({ destination: '/run', type: 'tmpfs' })).toEqual(['/run', 'plain', 'tmpfs', 'tmpfs', '0', '', '0']);
  });
  it('every kind is one MOUNT_KINDS names', () => {
    for (const m of spec().mounts!.slice(1)) expect(MOUNT_KINDS).toContain(words(m)[1]);
  });
  it('refuses a NUL in any word (it would cut the field)', () => {
    expect(() => encodeMount({ destination: '/a\0b', type: 'tmpfs' }, isDir)).toThrow(UserError);
    expect(() => encodeMount({ destination: '/a', type: 'tmpfs', options: ['x\0y'] }, isDir)).toThrow(/NUL/);
  });
});

describe('encodeInitOrder', () => {
  it('carries the init fields, then the same process fields as the exec order', () => {
    const s = spec({ root: { path: 'rootfs', readonly: true } });
    const f = decode(encodeInitOrder({ spec: s, rootfs: '/b/rootfs', traceFd: 4, pdeathsig: true, isDir }));
    const keys = f.map(([k]) => k);
    expect(f.slice(0, 7)).toEqual([
      ['trace', '4'], ['pdeathsig', '1'], ['unshare', (0x20000 | 0x4000000 | 0x8000000 | 0x40000000).toString(16)], ['lo', '1'],
      ['rootfs', '/b/rootfs'], ['overlay', 'lowerdir=a:b,upperdir=/u,workdir=/w'], ['overlay-base', '/root/layers/l'],
    ]);
    expect(f.filter(([k]) => k === 'mount')).toHaveLength(6);
    expect(f.filter(([k]) => k === 'masked')).toEqual([['masked', '/proc/kcore']]);
    expect(f.filter(([k]) => k === 'readonly')).toEqual([['readonly', '/proc/sys']]);
    expect(keys).toContain('root-ro');
    expect(f.find(([k]) => k === 'hostname')).toEqual(['hostname', 'abc']);
    // the process fields: byte for byte what the exec order carries after its own fields
    const init = encodeInitOrder({ spec: s, rootfs: '/b/rootfs', traceFd: 4, pdeathsig: true, isDir });
    const exec = encodeNativeOrder({ pid: 1, process: s.process, cgroupProcs: [], detach: false });
    const tail = (b: Buffer) => b.subarray(b.indexOf('nnp 1\n'));
    expect(tail(init).equals(tail(exec))).toBe(true);
    const proc = f.slice(keys.indexOf('nnp'));
    expect(proc.map(([k]) => k)).toEqual(['nnp', 'uid', 'gid', 'cwd', 'arg', 'env', 'bounding', 'effective', 'permitted', 'inheritable', 'ambient']);
  });
  it('a root that is a directory is bound onto itself; no UTS namespace, no hostname', () => {
    const s = spec({ mounts: [], linux: { namespaces: [{ type: 'pid' }, { type: 'mount' }] } });
    const f = decode(encodeInitOrder({ spec: s, rootfs: '/r', pdeathsig: false, isDir }));
    expect(f.slice(0, 5)).toEqual([['pdeathsig', '0'], ['unshare', '20000'], ['lo', '0'], ['rootfs', '/r'], ['root-bind', '1']]);
    expect(f.map(([k]) => k)).not.toContain('hostname');
  });
  it('refuses a NUL in a process string, with the init\'s line and 125', () => {
    const s = spec({ process: { ...spec().process, env: ['A=b\0c'] } });
    expect(() => encodeInitOrder({ spec: s, rootfs: '/r', pdeathsig: true, isDir })).toThrow('init: env "A=b\\u0000c" contains a NUL byte');
  });
});
