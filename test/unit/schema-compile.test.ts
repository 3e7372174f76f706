/**
 * The record checks generated from zod schemas (src/schema-compile.ts) give what zod gives:
 * the same data (keys, order, defaults, stripped keys) for every record zod accepts, and
 * "ask zod" for every record it refuses. And the generated file is the one the schema makes.
 */
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z, type ZodTypeAny } from 'zod';
import { compileSchema } from '../../src/schema-compile';
import { ContainerRecord } from '../../src/engine/container-schema';
import { checkContainerRecord } from '../../src/engine/container-record-check';
import { HostNetState } from '../../src/network/host-state-schema';
import { RuntimeSpec } from '../../src/runtime/spec-schema';
import { checkRuntimeSpec } from '../../src/runtime/spec-check';
import { parseSpec } from '../../src/runtime/spec';
import { StoredImage } from '../../src/image/image-record-schema';
import { checkStoredImage } from '../../src/image/image-record-check';
import { LayerInfoSchema } from '../../src/image/layer-info-schema';
import { checkLayerInfo } from '../../src/image/layer-info-check';
import { NetworkRecords } from '../../src/network/network-record-schema';
import { checkNetworkRecords } from '../../src/network/network-records-check';
import { Healthcheck } from '../../src/engine/health-schema';
import { checkHealthcheck } from '../../src/engine/health-check';
import { defaultSpec } from '../../src/runc/spec-template';
import { checkHostNetState } from '../../src/network/host-state-check';
import { RuntimeState } from '../../src/runtime/state-schema';
import { checkRuntimeState } from '../../src/runtime/state-check';
import { ContainerNetwork } from '../../src/network/schema';
import { checkContainerNetwork } from '../../src/network/schema-check';
import { ImageConfigFile } from '../../src/image/oci-types';
import { checkImageConfigFile } from '../../src/image/image-config-check';

const ID = 'ab'.repeat(32);
const endpoint = { network: 'bridge', bridge: 'mini-run0', ip: '172.18.0.2', prefixLen: 16, gateway: '172.18.0.1', mac: '02:42:ac:12:00:02', hostVeth: 'mr-veth1' };

/** A record with every optional part present (health, mounts, networks, userns, limits). */
function fullRecord(): Record<string, any> {
  return {
    id: ID, name: 'web', created: '2026-12-05T09:43:45.347Z', image: 'mini-run/busybox', imageId: 'sha256:' + 'f9'.repeat(32),
    path: 'sh', args: ['-c', 'sleep 1'],
    config: {
      Hostname: 'abababababab', User: '1000:1000', Env: ['PATH=/bin', 'A=b'], Cmd: ['sh'], Entrypoint: null, WorkingDir: '/',
      Tty: true, OpenStdin: true, Image: 'mini-run/busybox', Labels: { a: 'b', 'com.example': '' }, StopSignal: 'SIGINT', StopTimeout: 3,
      ExposedPorts: { '80/tcp': {}, '53/udp': { extra: 1 } }, AttachStdin: true, AttachStdout: true, AttachStderr: true, StdinOnce: true,
      Healthcheck: { Test: ['CMD-SHELL', 'true'], Interval: 1e9, Retries: 3 },
    },
    hostConfig: {
      AutoRemove: true, NetworkMode: 'bridge', PidMode: '', UTSMode: '', IpcMode: 'private', UsernsMode: 'private', Privileged: false,
      CapAdd: ['NET_ADMIN'], CapDrop: ['ALL'], SecurityOpt: ['no-new-privileges'],
      Devices: [{ PathOnHost: '/dev/null', PathInContainer: '/dev/n', CgroupPermissions: 'rwm' }], DeviceCgroupRules: ['c 1:3 r'], GroupAdd: ['10'],
      ReadonlyRootfs: true, Init: true, Memory: 1 << 20, MemorySwap: -1, NanoCpus: 5e8, CpuShares: 512, PidsLimit: 50, BlkioWeight: 300,
      BlkioDeviceReadBps: [{ Path: '/dev/sda', Rate: 1024 }], BlkioDeviceWriteBps: [], BlkioDeviceReadIOps: [], BlkioDeviceWriteIOps: [{ Path: '/dev/sda', Rate: 0 }],
      RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 2 }, LogConfig: { Type: 'local', Config: { 'max-size': '1m' } }, StorageOpt: { size: '10M' },
    },
    RestartCount: 1,
    network: {
      ports: [{ proto: 'tcp', containerPort: 80, hostIp: '', hostPort: 8080 }], ip: '172.18.0.9', mac: '02:42:00:00:00:01',
      aliases: ['w'], links: ['db:db'], extraHosts: ['h:1.2.3.4'], dns: ['1.1.1.1'], dnsSearch: ['x'],
      endpoint: { ...endpoint, ports: [{ proto: 'udp', containerPort: 53, hostIp: '127.0.0.1', hostPort: 5353 }] },
      connected: [{ ...endpoint, ifname: 'eth1', aliases: [], requestedIp: '10.0.0.5' }],
      pending: [{ network: 'n2', aliases: ['a'], ip: '10.1.0.2' }],
    },
    mounts: [{ Type: 'volume', Name: 'v', Source: '/var/lib/mini-run/volumes/v/_data', Destination: '/data', Driver: 'local', Mode: 'z', RW: true, Propagation: '', Anonymous: false, Options: [] }],
    userns: { user: 'mini-run', uidMappings: [{ containerID: 0, hostID: 100000, size: 65536 }], gidMappings: [{ containerID: 0, hostID: 100000, size: 65536 }] },
    state: {
      Status: 'running', Pid: 42, ExitCode: 0, OOMKilled: false, Error: '', StartedAt: 'x', FinishedAt: 'y', ManuallyStopped: false,
      Health: { Status: 'healthy', FailingStreak: 0, Log: [{ Start: 's', End: 'e', ExitCode: 0, Output: 'ok' }] },
    },
    monitor: { pid: 41, startTime: '123' },
  };
}

/** The oldest shape a record can have: every defaulted field left out (defaults fill them in). */
function minimalRecord(): Record<string, any> {
  const r = fullRecord();
  for (const k of ['Labels', 'StopSignal', 'StopTimeout', 'ExposedPorts', 'AttachStdin', 'AttachStdout', 'AttachStderr', 'StdinOnce', 'Healthcheck']) delete r.config[k];
  for (const k of ['UsernsMode', 'SecurityOpt', 'Devices', 'DeviceCgroupRules', 'GroupAdd', 'BlkioWeight', 'BlkioDeviceReadBps', 'BlkioDeviceWriteBps',
    'BlkioDeviceReadIOps', 'BlkioDeviceWriteIOps', 'RestartPolicy', 'LogConfig', 'StorageOpt']) delete r.hostConfig[k];
  for (const k of ['RestartCount', 'network', 'mounts', 'userns']) delete r[k];
  delete r.state.ManuallyStopped;
  delete r.state.Health;
  r.monitor = null;
  return r;
}

/** Both answers, as JSON (so key order counts too). */
function both(input: unknown): [string, string] {
  const z = ContainerRecord.safeParse(input);
  const c = checkContainerRecord(input);
  return [JSON.stringify(z.success ? z.data : 'invalid'), JSON.stringify(c === undefined ? 'invalid' : c)];
}

/** Every path to a value in a JSON tree. */
function leaves(v: unknown, at: (string | number)[] = []): (string | number)[][] {
  if (v === null || typeof v !== 'object') return [at];
  const keys: (string | number)[] = Array.isArray(v) ? v.map((_, i) => i) : Object.keys(v);
  return [at, ...keys.flatMap((k) => leaves((v as any)[k], [...at, k]))];
}

/**
 * Every one-value change of `sample`: each value at any depth (not the root) replaced by each of
 * `values`, or deleted for `undefined`; `fresh` makes the copy to change (a JSON copy unless given).
 */
function oneValueChanges(sample: unknown, values: unknown[], fresh = () => JSON.parse(JSON.stringify(sample))): Array<{ label: string; input: unknown }> {
  const out: Array<{ label: string; input: unknown }> = [];
  for (const path of leaves(sample)) {
    if (path.length === 0) continue;
    for (const value of values) {
      const r = fresh();
      let parent: any = r;
      for (const k of path.slice(0, -1)) parent = parent[k];
      if (value === undefined) delete parent[path[path.length - 1]];
      else parent[path[path.length - 1]] = value;
      out.push({ label: `${path.join('.')} = ${JSON.stringify(value)}`, input: r });
    }
  }
  return out;
}

/** Checks each input against zod (same data as JSON, or both refuse); counts the cases compared. */
function compareWithZod(schema: ZodTypeAny, check: (v: unknown) => unknown, inputs: Array<{ label: string; input: unknown }>, name = '') {
  let accepted = 0;
  let refused = 0;
  for (const { label, input } of inputs) {
    const fromZod = schema.safeParse(input);
    const fromCheck = check(input);
    expect(JSON.stringify(fromCheck === undefined ? 'invalid' : fromCheck), `${name} ${label}: ${JSON.stringify(input)}`).toBe(JSON.stringify(fromZod.success ? fromZod.data : 'invalid'));
    if (fromZod.success) accepted++; else refused++;
  }
  return { compared: accepted + refused, accepted, refused };
}
const asIs = (inputs: unknown[]) => inputs.map((input) => ({ label: 'as given', input }));

describe('zod schemas compiled to plain checks (schema-compile)', () => {
  it('the generated container-record check is up to date with its schema', () => {
    const file = join(__dirname, '..', '..', 'src', 'engine', 'container-record-check.ts');
    expect(readFileSync(file, 'utf8')).toBe(compileSchema(ContainerRecord, 'ContainerRecord'));
  });

  it('the generated runtime state check is up to date, and reads a state.json as zod does', () => {
    const file = join(__dirname, '..', '..', 'src', 'runtime', 'state-check.ts');
    expect(readFileSync(file, 'utf8')).toBe(compileSchema(RuntimeState, 'RuntimeState'));
    const full = { ociVersion: '1.0.2', id: ID, pid: 4242, pidStartTime: '123456', bundle: '/var/lib/mini-run/containers/' + ID, created: '2026-12-05T09:43:45.347Z',
      cgroupName: ID, cgroupPath: '/sys/fs/cgroup/memory/mini-run/mr-x', cgroupsPath: '/mini-run/mr-x', annotations: { a: 'b' }, extra: 1 };
    const cases = asIs([{}, full, { ...full, annotations: undefined, cgroupsPath: undefined }, { ...full, pid: 0 }, { ...full, pid: 1.5 }, { ...full, pid: -3 }, [], null, 'x']);
    const r = compareWithZod(RuntimeState, checkRuntimeState, [...cases, ...oneValueChanges(full, [undefined, null, 0, 'x', true, [], {}])]);
    expect(r.compared).toBe(93);
    expect(r.refused).toBeGreaterThan(40);
  });

  it('the generated host network state check is up to date, and reads a state as zod does', () => {
    const file = join(__dirname, '..', '..', 'src', 'network', 'host-state-check.ts');
    expect(readFileSync(file, 'utf8')).toBe(compileSchema(HostNetState, 'HostNetState'));
    const lease = { ip: '172.18.0.2', network: 'bridge', bridge: 'mini-run0', root: '/var/lib/mini-run', containerId: ID, hostVeth: 'mr-v1', monitor: { pid: 1, startTime: '2' },
      dnat: [{ proto: 'tcp', hostIp: '', hostPort: 80, dest: '172.18.0.2', destPort: 80, bridge: 'mini-run0', tag: 't' }], names: ['a'], upstreams: ['1.1.1.1'] };
    const full = { ipForwardSetByUs: true, baseInstalled: true, firewall: 'nft', rulesVersion: 3,
      bridges: { 'mini-run0': { subnet: '172.18.0.0/16', gateway: '172.18.0.1', rules: true, internal: false, routeLocalnetWas: '0', persistent: true }, br2: { subnet: 's', gateway: 'g' } },
      leases: [lease, { ...lease, dnat: undefined, names: undefined, upstreams: undefined, extra: 1 }] };
    const cases = asIs([{}, full, { ...full, firewall: 'pf' }, { ...full, leases: [{ ...lease, monitor: null }] }, { bridges: { b: { subnet: 1 } } }, []]);
    const r = compareWithZod(HostNetState, checkHostNetState, [...cases, ...oneValueChanges(full, [undefined, null, 0, 'x', true, [], {}])]);
    expect(r.compared).toBe(377);
    expect(r.refused).toBeGreaterThan(50);
  });

  it('the generated runtime spec check is up to date, and reads config.json as zod does', () => {
    const file = join(__dirname, '..', '..', 'src', 'runtime', 'spec-check.ts');
    expect(readFileSync(file, 'utf8')).toBe(compileSchema(RuntimeSpec, 'RuntimeSpec'));
    const spec: any = defaultSpec(false);
    spec.process.consoleSize = { height: 24, width: 80 };
    spec.process.oomScoreAdj = -500;
    spec.process.user.additionalGids = [10];
    spec.hooks = { prestart: [{ path: '/bin/true', args: ['true'], timeout: 5 }], poststop: [] };
    spec.linux.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
    spec.linux.devices = [{ path: '/dev/fuse', type: 'c', major: 10, minor: 229, fileMode: 438, uid: 0, gid: 0 }];
    spec.linux.resources = { ...spec.linux.resources, memory: { limit: 1 << 20, swappiness: 60 }, cpu: { shares: 512, cpus: '0-1' }, pids: { limit: 10 },
      blockIO: { weight: 500, throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 1024 }] } };
    spec.linux.seccomp = { defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: 1, architectures: ['SCMP_ARCH_X86_64'],
      syscalls: [{ names: ['read', 'write'], action: 'SCMP_ACT_ALLOW' }, { names: ['personality'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 8, op: 'SCMP_CMP_EQ' }] }] };
    spec.unknownTopLevel = { x: 1 };
    expect(RuntimeSpec.safeParse(spec).success).toBe(true);
    const cases = asIs([spec, { ...spec, linux: {} }, {}, []]);
    const r = compareWithZod(RuntimeSpec, checkRuntimeSpec, [...cases, ...oneValueChanges(spec, [undefined, null, -1, 'x', '/x', true, [], {}])]);
    expect(r.compared).toBe(1540);
    expect(r.refused).toBeGreaterThan(200);
    expect(parseSpec(JSON.stringify(spec))).toEqual(RuntimeSpec.parse(spec));
  });

  it("a bad spec or record still gets zod's words in one line (the built modules: zod loaded only then)", () => {
    const dir = mkdtempSync(join(tmpdir(), 'mr-schema-'));
    try {
      const id = ID;
      mkdirSync(join(dir, 'containers', id), { recursive: true });
      const bad = fullRecord();
      bad.state.Status = 'sleeping';
      writeFileSync(join(dir, 'containers', id, 'container.json'), JSON.stringify(bad));
      const spec: any = defaultSpec(false);
      spec.process.cwd = 'relative';
      const script = `
        const dist = ${JSON.stringify(join(__dirname, '..', '..', 'dist'))};
        const tryIt = (f) => { try { f(); return 'no error'; } catch (e) { return e.message; } };
        require(dist + '/paths.js').setStateRoot(${JSON.stringify(dir)});
        const before = Object.keys(require.cache).some((f) => f.includes('/zod/'));
        console.log(JSON.stringify({ before,
          record: tryIt(() => require(dist + '/engine/container-store.js').loadContainer(${JSON.stringify(id)})),
          spec: tryIt(() => require(dist + '/runtime/spec.js').parseSpec(${JSON.stringify(JSON.stringify(spec))}, 'b/config.json')) }));`;
      const out = JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }));
      expect(out.before).toBe(false);
      expect(out.record).toBe(`container ${id.slice(0, 12)}: its record ${join(dir, 'containers', id, 'container.json')} is invalid at state.Status: Invalid enum value. Expected 'created' | 'running' | 'paused' | 'restarting' | 'exited' | 'dead' | 'removing', received 'sleeping'`);
      expect(out.spec).toBe('b/config.json: invalid at process.cwd: Invalid input: must start with "/"');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("image records, layer.json, networks.json and an image's Healthcheck: generated checks up to date, reading as zod does", () => {
    const digest = (c: string) => 'sha256:' + c.repeat(64);
    const image = { id: digest('a'), repoTags: ['x:latest'], repoDigests: ['x@' + digest('b')], layers: [digest('c')], layerBlobs: [digest('d')],
      manifestDigest: digest('e'), otherBlobs: [digest('f')], created: '2026-01-01T00:00:00Z', size: 10, lastTagTime: 't' };
    const layer = { diffId: digest('c'), short: 'ABCDEFGHIJ', size: 4096 };
    const networks = [{ Name: 'n1', Id: 'ab'.repeat(32), Created: 'c', Driver: 'macvlan', Options: { parent: 'eth0' }, Subnet: '10.0.0.0/24', Gateway: '10.0.0.1',
      IPRange: '10.0.0.0/25', GatewayListed: false, Internal: true, Bridge: 'mr-br-1', Labels: { a: 'b' } },
    { Name: 'n2', Id: 'cd'.repeat(32), Created: 'c', Subnet: 's', Gateway: 'g', Internal: false, Bridge: 'b' }];
    const table: [string, ZodTypeAny, string, (v: unknown) => unknown, unknown][] = [
      ['../network/network-records-check.ts', NetworkRecords, 'NetworkRecords', checkNetworkRecords, networks],
      ['../engine/health-check.ts', Healthcheck, 'Healthcheck', checkHealthcheck, { Test: ['CMD', 'true'], Interval: 1, Timeout: 2, StartPeriod: 3, Retries: 4 }],
      ['image-record-check.ts', StoredImage, 'StoredImage', checkStoredImage, image],
      ['layer-info-check.ts', LayerInfoSchema, 'LayerInfo', checkLayerInfo, layer],
    ];
    const compared: Record<string, number> = {};
    for (const [file, schema, name, check, sample] of table) {
      expect(readFileSync(join(__dirname, '..', '..', 'src', 'image', file), 'utf8')).toBe(compileSchema(schema, name));
      const cases = asIs([sample, {}, [], null, { ...(sample as object), otherBlobs: undefined, created: undefined, extra: 1 }]);
      const r = compareWithZod(schema, check, [...cases, ...oneValueChanges(sample, [undefined, null, -1, 1.5, 'x', digest('0'), 'ABCDEFGHI7', true, [], {}])], name);
      compared[name] = r.compared;
    }
    expect(compared).toEqual({ NetworkRecords: 235, Healthcheck: 75, StoredImage: 155, LayerInfo: 35 });
  });

  it("an image's config file and a new record's network part (run's create path): generated checks up to date, reading as zod does", () => {
    const src = (...p: string[]) => readFileSync(join(__dirname, '..', '..', 'src', ...p), 'utf8');
    expect(src('image', 'image-config-check.ts')).toBe(compileSchema(ImageConfigFile, 'ImageConfigFile'));
    expect(src('network', 'schema-check.ts')).toBe(compileSchema(ContainerNetwork, 'ContainerNetwork'));
    const digest = (c: string) => 'sha256:' + c.repeat(64);
    const imageConfig = {
      created: '2026-01-01T00:00:00Z', author: 'a', architecture: 'amd64', os: 'linux', variant: null,
      config: { User: '1000', ExposedPorts: { '80/tcp': {}, '53/udp': { x: 1 } }, Env: ['PATH=/bin'], Entrypoint: null, Cmd: ['sh'], Volumes: { '/data': {} },
        WorkingDir: '/w', Labels: { a: 'b' }, StopSignal: 'SIGTERM', ArgsEscaped: true, Healthcheck: { Test: ['CMD', 'true'] }, OnBuild: null, Shell: ['/bin/sh', '-c'], Extra: 1 },
      rootfs: { type: 'layers', diff_ids: [digest('a'), digest('b')] },
      history: [{ created: 'c', created_by: 'x' }], 'moby.extra': { kept: true },
    };
    const cfg = compareWithZod(ImageConfigFile, checkImageConfigFile, [
      ...asIs([imageConfig, { architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } }, {}, [], null, 'x']),
      ...oneValueChanges(imageConfig, [undefined, null, 0, 1.5, 'x', digest('0'), true, [], {}]),
    ], 'ImageConfigFile');
    const endpoint = { network: 'bridge', bridge: 'mini-run0', ip: '172.18.0.2', prefixLen: 16, gateway: '172.18.0.1', mac: '02:42:ac:12:00:02', hostVeth: 'mr-veth1' };
    const fresh = { ports: [{ proto: 'tcp', containerPort: 80, hostIp: '', hostPort: 8080 }], ip: undefined, mac: undefined, aliases: [], links: [], extraHosts: [], dns: [], dnsSearch: [] };
    const full = { ...fresh, ip: '172.18.0.9', mac: '02:42:00:00:00:01', endpoint, connected: [{ ...endpoint, ifname: 'eth1', requestedIp: '10.0.0.5' }], pending: [{ network: 'n', ip: '1.2.3.4' }] };
    const net = compareWithZod(ContainerNetwork, checkContainerNetwork, [
      ...asIs([fresh, {}, full, [], null]),
      ...oneValueChanges(full, [undefined, null, 0, 'x', true, [], {}]),
    ], 'ContainerNetwork');
    expect([cfg.compared, net.compared]).toEqual([cfg.accepted + cfg.refused, net.accepted + net.refused]);
    expect(cfg.accepted).toBeGreaterThan(50);
    expect(cfg.refused).toBeGreaterThan(50);
    expect(net.accepted).toBeGreaterThan(20);
    expect(net.refused).toBeGreaterThan(50);
  });

  it('a full record and a minimal one (defaults filled in) come out as zod gives them', () => {
    for (const r of [fullRecord(), minimalRecord()]) {
      const [fromZod, fromCheck] = both(r);
      expect(fromZod).not.toBe('"invalid"');
      expect(fromCheck).toBe(fromZod);
    }
    // defaults are fresh objects, not shared between records
    const a = checkContainerRecord(minimalRecord()) as any;
    const b = checkContainerRecord(minimalRecord()) as any;
    a.network.aliases.push('x');
    expect(b.network.aliases).toEqual([]);
  });

  it('unknown keys are dropped, except inside a passthrough object; __proto__ never lands', () => {
    const r = fullRecord();
    r.extra = 1;
    r.config.Nope = true;
    r.config.ExposedPorts['8/tcp'] = { kept: true, constructor: 1 };
    const withProto = JSON.parse(JSON.stringify(r).replace('"extra":1', '"extra":1,"__proto__":{"polluted":true}').replace('{"kept":true', '{"__proto__":{"p":1},"kept":true'));
    for (const input of [r, withProto]) {
      const [fromZod, fromCheck] = both(input);
      expect(fromCheck).toBe(fromZod);
      expect(fromCheck).not.toContain('polluted');
      expect(fromCheck).toContain('"kept":true');
      expect(fromCheck).not.toContain('Nope');
    }
    expect(({} as any).polluted).toBeUndefined();
  });

  it('every one-value change of a record is accepted or refused as zod does, with the same data', () => {
    const replacements: unknown[] = [undefined, null, 0, -1, 1.5, NaN, '', 'x', ID, true, [], [''], {}, { Name: 'no', MaximumRetryCount: 0 }];
    let accepted = 0;
    let refused = 0;
    for (const base of [fullRecord, minimalRecord]) {
      const r = compareWithZod(ContainerRecord, checkContainerRecord, oneValueChanges(base(), replacements, base));
      accepted += r.accepted;
      refused += r.refused;
    }
    expect(accepted + refused).toBe(3318);
    expect(accepted).toBeGreaterThan(100);
    expect(refused).toBeGreaterThan(1000);
  });

  it('not a record at all: ask zod', () => {
    for (const v of [null, [], 'x', 1, undefined]) expect(checkContainerRecord(v)).toBeUndefined();
  });

  it('refuses to compile what it does not know (at generation, never at run time)', () => {
    expect(() => compileSchema(z.object({ a: z.string().email() }), 'X')).toThrow(/email not supported/);
    expect(() => compileSchema(z.object({ a: z.string().transform((s) => s.length) }), 'X')).toThrow(/ZodEffects not supported/);
    expect(() => compileSchema(z.object({ a: z.string() }).strict(), 'X')).toThrow(/strict not supported/);
  });
});
