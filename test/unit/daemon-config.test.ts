/**
 * The config file's unknown keys (a typo such as "registry-mirror", or a dockerd key mini-run
 * does not read) are reported in one WARNING line, once per version of the file; the container
 * defaults it reads (dns, dns-search, default-ulimits) in dockerd's shapes.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { DaemonConfig, loadDaemonConfig } from '../../src/image/registry/config';
import { dnsWithDefaults, rlimitsWithDefaults } from '../../src/engine/daemon-defaults';
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
    load('a.json', { 'registry-mirror': ['http://127.0.0.1:5000'], 'live-restore': true, 'log-driver': 'json-file' });
    expect(said).toHaveLength(1);
    expect(said[0]).toMatch(/^WARNING: .*a\.json: unknown keys "registry-mirror", "live-restore" ignored \(mini-run reads registry-mirrors, insecure-registries, [a-z, -]+\)\n$/);
    load('b.json', { 'registry-mirror': ['http://127.0.0.1:5000'], 'live-restore': true, 'log-driver': 'json-file' });
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
    writeFileSync(file, JSON.stringify({ 'max-concurrent-downloads': 3, bip: '10.1.0.1/24' }));
    expect(run()).toMatch(/unknown keys "max-concurrent-downloads", "bip" ignored/);
    expect(run()).toBe('');
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
