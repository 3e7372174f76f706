/**
 * The config file's unknown keys (a typo such as "registry-mirror", or a dockerd key mini-run
 * does not read) are reported in one WARNING line, once per version of the file.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { loadDaemonConfig } from '../../src/image/registry/config';
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
    writeFileSync(file, JSON.stringify({ 'default-ulimits': {} }));
    expect(run()).toMatch(/^WARNING: .*daemon\.json: unknown key "default-ulimits" ignored/);
    expect(run()).toBe('');
    writeFileSync(file, JSON.stringify({ 'default-ulimits': {}, bip: '10.1.0.1/24' }));
    expect(run()).toMatch(/unknown keys "default-ulimits", "bip" ignored/);
    expect(run()).toBe('');
  });
});
