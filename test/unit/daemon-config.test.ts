/**
 * The config file's unknown keys (a typo such as "registry-mirror", or a dockerd key mini-run
 * does not read) are reported in one WARNING line, once per version of the file; the container
 * defaults it reads (dns, dns-search, default-ulimits) in dockerd's shapes.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { loadDaemonConfig } from '../../src/image/registry/config';
import { DaemonConfig } from '../../src/image/registry/config-schema';
import { defaultBridgeAddress, dnsWithDefaults, rlimitsWithDefaults } from '../../src/engine/daemon-defaults';
import { logOptionsOf } from '../../src/engine/log-options';
import { firstFreeSubnet, formatSubnet, parseSubnet } from '../../src/network/ipam';
import { RLIM_INFINITY } from '../../src/engine/ulimits';
import { setStateRoot } from '../../src/paths';


let dir: string;
let said: string[];
beforeEach(() => {
  dir = mkdtempSync('/tmp/mr-test-config-');
  setStateRoot(dir);
  said = [];
  vi.spyOn(process.stderr, 'write').mockImplementation((s) => { said.push(String(s)); return true; });
});
afterEach(() => {
  vi.restoreAllMocks();
  setStateRoot(null);
  delete process.env.MINI_RUN_CONFIG;
  rmSync(dir, { recursive: true, force: true });
});

function load(name: string, content: object): void {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(content));
  process.env.MINI_RUN_CONFIG = file;
  loadDaemonConfig();
}

describe('daemon config: unknown keys', () => {
  it('names them in one WARNING line, once for the same file content, again when the file changes', () => {
    load('a.json', { 'registry-mirror': ['http://127.0.0.1:5000'], 'max-concurrent-uploads': 3, 'log-driver': 'json-file' });
    expect(said).toHaveLength(1);
    expect(said[0]).toMatch(/^WARNING: .*a\.json: unknown keys "registry-mirror", "max-concurrent-uploads" ignored \(mini-run reads registry-mirrors, insecure-registries, [a-z, -]+\)\n$/);
    load('b.json', { 'registry-mirror': ['http://127.0.0.1:5000'], 'max-concurrent-uploads': 3, 'log-driver': 'json-file' });
    expect(said).toHaveLength(2); // another file
    load('b2.json', { 'log-driver': 'json-file' });
    expect(said).toHaveLength(2); // nothing unknown: nothing said
  });

  it('a new process (each CLI command is one) does not repeat it until the file changes: the stamp under the state root', () => {
    const file = join(dir, 'daemon.json');
    const run = () => spawnSync(process.execPath, ['-e', `require('./dist/paths').setStateRoot(${JSON.stringify(dir)}); require('./dist/image/registry/config').loadDaemonConfig()`],
      { cwd: join(__dirname, '../..'), env: { ...process.env, MINI_RUN_CONFIG: file }, encoding: 'utf8' }).stderr;
    writeFileSync(file, JSON.stringify({ 'max-concurrent-downloads': 3 }));
    expect(run()).toMatch(/^WARNING: .*daemon\.json: unknown key "max-concurrent-downloads" ignored/);
    expect(run()).toBe('');
    writeFileSync(file, JSON.stringify({ 'max-concurrent-downloads': 3, iptables: false }));
    expect(run()).toMatch(/unknown keys "max-concurrent-downloads", "iptables" ignored/);
    expect(run()).toBe('');
  });
});

describe('daemon config: no file', () => {
  it('gives what the schema gives for {} (without loading zod for it), a fresh object each time', () => {
    process.env.MINI_RUN_CONFIG = join(dir, 'missing.json');
    const a = loadDaemonConfig();
    expect(JSON.stringify(a)).toBe(JSON.stringify(DaemonConfig.parse({})));
    a['registry-mirrors'].push('http://x');
    expect(loadDaemonConfig()['registry-mirrors']).toEqual([]);
  });
});

describe('daemon config: container defaults (dns, dns-search, default-ulimits)', () => {
  it('are read in dockerd\'s daemon.json shapes and are no longer reported as unknown', () => {
    load('d.json', { dns: ['1.1.1.1', '2606:4700:4700::1111'], 'dns-search': ['lan'], 'default-ulimits': { nofile: { Name: 'nofile', Soft: 1024, Hard: 4096 } } });
    expect(said).toEqual([]);
    const c = loadDaemonConfig();
    expect(c.dns).toEqual(['1.1.1.1', '2606:4700:4700::1111']);
    expect(c['default-ulimits']).toEqual({ nofile: { Name: 'nofile', Soft: 1024, Hard: 4096 } });
  });

  it('a dns entry that is not an IP address is an error naming the file and the key', () => {
    expect(() => load('e.json', { dns: ['one.one.one.one'] })).toThrow(/the configuration file .*e\.json is invalid: "dns\.0": must be IP addresses/);
  });

  it('the container\'s own --ulimit wins over a default of the same name; the others stay', () => {
    load('f.json', { 'default-ulimits': { nofile: { Soft: 1024, Hard: 4096 }, nproc: { Name: 'nproc', Soft: -1, Hard: -1 } } });
    const c = loadDaemonConfig();
    expect(rlimitsWithDefaults(undefined, c)).toEqual([
      { type: 'RLIMIT_NOFILE', soft: 1024, hard: 4096 },
      { type: 'RLIMIT_NPROC', soft: RLIM_INFINITY, hard: RLIM_INFINITY },
    ]);
    expect(rlimitsWithDefaults([{ type: 'RLIMIT_NOFILE', soft: 64, hard: 64 }], c)).toEqual([
      { type: 'RLIMIT_NPROC', soft: RLIM_INFINITY, hard: RLIM_INFINITY },
      { type: 'RLIMIT_NOFILE', soft: 64, hard: 64 },
    ]);
    expect(rlimitsWithDefaults(undefined, DaemonConfig.parse({}))).toEqual([]);
  });

  it('a default ulimit that is wrong is one error naming the file and the key', () => {
    load('g.json', { 'default-ulimits': { nofile: { Name: 'nproc', Soft: 1, Hard: 1 }, bogus: { Soft: 1, Hard: 1 } } });
    const c = loadDaemonConfig();
    expect(() => rlimitsWithDefaults(undefined, c)).toThrow(/^the configuration file .*g\.json is invalid: "default-ulimits\.nofile": its Name is "nproc"$/);
    load('h.json', { 'default-ulimits': { bogus: { Soft: 1, Hard: 1 } } });
    expect(() => rlimitsWithDefaults(undefined, loadDaemonConfig())).toThrow(/^the configuration file .*h\.json is invalid: "default-ulimits\.bogus": invalid ulimit type: bogus$/);
    load('i.json', { 'default-ulimits': { nofile: { Soft: 10, Hard: 5 } } });
    expect(() => rlimitsWithDefaults(undefined, loadDaemonConfig())).toThrow(/"default-ulimits\.nofile": ulimit soft limit must be less than or equal to hard limit: 10 > 5$/);
  });

  it('dns and dns-search stand in only where run has none', () => {
    const c = DaemonConfig.parse({ dns: ['9.9.9.9'], 'dns-search': ['lan'] });
    expect(dnsWithDefaults(undefined, undefined, c)).toEqual({ dns: ['9.9.9.9'], dnsSearch: ['lan'] });
    expect(dnsWithDefaults(['1.1.1.1'], [], c)).toEqual({ dns: ['1.1.1.1'], dnsSearch: ['lan'] });
    expect(dnsWithDefaults([], ['corp'], DaemonConfig.parse({}))).toEqual({ dns: [], dnsSearch: ['corp'] });
  });
});

describe('daemon config: the default bridge\'s address (bip, default-address-pools)', () => {
  const builtIn = { subnet: '10.88.0.0/16', gateway: '10.88.0.1' };
  const none = () => [];
  const address = (c: object, o: Partial<Parameters<typeof defaultBridgeAddress>[1]> = {}) =>
    defaultBridgeAddress(DaemonConfig.parse(c) as never, { fromEnv: false, builtIn, used: none, ...o });

  it('"bip" is the bridge\'s own address (the gateway) with its subnet\'s prefix, and wins over the bridge as it is', () => {
    expect(address({ bip: '10.66.3.1/16' })).toEqual({ subnet: '10.66.0.0/16', gateway: '10.66.3.1' });
    expect(address({ bip: '192.168.77.1/24' }, { existing: builtIn, fromEnv: true })).toEqual({ subnet: '192.168.77.0/24', gateway: '192.168.77.1' });
  });

  it('a "bip" that cannot be a bridge\'s address is one error naming the file and the key', () => {
    for (const bip of ['10.66.0.0/16', '10.66.255.255/16', '10.66.0.1', 'fd00::1/64', '10.66.0.1/31']) {
      expect(() => load('bip.json', { bip })).toThrow(/^the configuration file .*bip\.json is invalid: "bip": must be the bridge's address with its prefix, e\.g\. "10\.66\.0\.1\/16"/);
    }
  });

  it('without "bip" the bridge keeps the address it has (as dockerd keeps docker0\'s); pools only choose one for a new bridge', () => {
    const pools = { 'default-address-pools': [{ base: '10.201.0.0/16', size: 24 }] };
    expect(address(pools, { existing: { subnet: '10.88.0.0/16', gateway: '10.88.0.1' } })).toEqual(builtIn);
    expect(address(pools)).toEqual({ subnet: '10.201.0.0/24', gateway: '10.201.0.1' });
    // subnets in use (host routes, other networks) are skipped
    expect(address(pools, { used: () => [parseSubnet('10.201.0.0/23')] })).toEqual({ subnet: '10.201.2.0/24', gateway: '10.201.2.1' });
    expect(address({})).toEqual(builtIn);
    expect(address(pools, { fromEnv: true })).toEqual(builtIn); // a test's isolated bridge
  });

  it('pools with no free subnet left: one line naming the key', () => {
    const pools = { 'default-address-pools': [{ base: '10.201.0.0/24', size: 25 }] };
    expect(() => address(pools, { used: () => [parseSubnet('10.201.0.0/24')] })).toThrow(/^could not find an available, non-overlapping IPv4 address pool .*"default-address-pools"\)$/);
    expect(() => load('pool.json', { 'default-address-pools': [{ base: '10.201.0.0/16', size: 8 }] })).toThrow(/"default-address-pools\.0": its size must be at least the prefix length of its base/);
    expect(() => load('pool2.json', { 'default-address-pools': [{ base: '10.201.0.0', size: 24 }] })).toThrow(/"default-address-pools\.0\.base": must be a subnet/);
  });

  it('firstFreeSubnet walks the pools in order, skipping what overlaps', () => {
    const pools = [{ base: '10.201.0.0/23', size: 24 }, { base: '172.30.0.0/16', size: 20 }];
    const got = (used: string[]) => { const s = firstFreeSubnet(pools, used.map(parseSubnet)); return s && formatSubnet(s); };
    expect(got([])).toBe('10.201.0.0/24');
    expect(got(['10.201.0.0/24'])).toBe('10.201.1.0/24');
    expect(got(['10.201.0.0/16'])).toBe('172.30.0.0/20');
    expect(got(['10.201.0.0/16', '172.30.0.4/30'])).toBe('172.30.16.0/20');
    expect(got(['10.0.0.0/8', '172.16.0.0/12'])).toBeNull();
  });
});

describe('daemon config: log-driver local, live-restore', () => {
  it('"log-driver": "local" stays local (info and inspect say so, as dockerd\'s), json-file lines with the local driver\'s rotation, said once in a NOTE', () => {
    load('l.json', { 'log-driver': 'local' });
    const c = loadDaemonConfig();
    expect(c['log-driver']).toBe('local');
    expect(c['log-opts']).toEqual({}); // as written: the rotation is the supervisor's (logOptionsOf)
    expect(logOptionsOf({ Type: 'local', Config: c['log-opts'] })).toEqual({ 'max-file': '5', 'max-size': '20m' });
    expect(said).toEqual([expect.stringMatching(/^NOTE: .*l\.json: "log-driver": "local" keeps json-file lines on disk \(mini-run logs reads them\), rotated as the local driver's \(max-file=5, max-size=20m\)\n$/)]);
    load('l2.json', { 'log-driver': 'local', 'log-opts': { 'max-size': '5m', compress: 'true' } });
    expect(loadDaemonConfig()['log-opts']).toEqual({ 'max-size': '5m', compress: 'true' });
    expect(logOptionsOf({ Type: 'local', Config: loadDaemonConfig()['log-opts'] })).toEqual({ 'max-file': '5', 'max-size': '5m' });
    expect(logOptionsOf({ Type: 'json-file', Config: { 'max-size': '1m' } })).toEqual({ 'max-size': '1m' });
    expect(said[1]).toMatch(/\(max-file=5, max-size=5m\), uncompressed\n$/);
    expect(() => load('l3.json', { 'log-driver': 'local', 'log-opts': { 'max-buffer-size': '1m' } }))
      .toThrow(/^the configuration file .*l3\.json is invalid: "log-opts\.max-buffer-size": unknown log opt 'max-buffer-size' for log driver local$/);
  });

  it('"live-restore": true is what mini-run does anyway (nothing said); false is a NOTE that it changes nothing', () => {
    load('r.json', { 'live-restore': true });
    expect(said).toEqual([]);
    load('r2.json', { 'live-restore': false });
    expect(said).toEqual([expect.stringMatching(/^NOTE: .*r2\.json: "live-restore": false changes nothing: mini-run has no daemon/)]);
    expect(() => load('r3.json', { 'live-restore': 'yes' })).toThrow(/"live-restore": Expected boolean/);
  });
});
