/** Pure logic of the registry client: challenges, platforms, retries, config, progress bars. */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseChallenges } from '../../src/image/registry/auth';
import { parsePlatform, selectPlatform, normalizePlatform } from '../../src/image/registry/platform';
import { backoffDelay, isRetryableStatus } from '../../src/image/registry/retry';
import { isInsecureRegistry, loadDaemonConfig } from '../../src/image/registry/config';
import { pullEndpoints } from '../../src/image/registry/endpoint';
import { authKey } from '../../src/image/registry/credentials';
import { authEntryCredentials } from '../../src/image/registry/docker-credentials';
import { progressBar } from '../../src/cli/progress';

const d = (n: number) => `sha256:${String(n).repeat(64).slice(0, 64)}`;

describe('WWW-Authenticate challenges', () => {
  it('parses a Bearer challenge with quoted, comma-separated parameters', () => {
    expect(parseChallenges('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull"')).toEqual([
      { scheme: 'bearer', params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/alpine:pull' } },
    ]);
  });
  it('parses Basic, escapes, and two challenges in one header', () => {
    expect(parseChallenges('Basic realm="a \\"quoted\\" realm", Bearer realm="http://x/t"')).toEqual([
      { scheme: 'basic', params: { realm: 'a "quoted" realm' } },
      { scheme: 'bearer', params: { realm: 'http://x/t' } },
    ]);
  });
});

describe('platforms', () => {
  const entries = [
    { mediaType: 'm', digest: d(1), size: 1, platform: { os: 'unknown', architecture: 'unknown' }, annotations: { 'vnd.docker.reference.type': 'attestation-manifest' } },
    { mediaType: 'm', digest: d(2), size: 1, platform: { os: 'linux', architecture: 'arm', variant: 'v6' } },
    { mediaType: 'm', digest: d(3), size: 1, platform: { os: 'linux', architecture: 'arm', variant: 'v7' } },
    { mediaType: 'm', digest: d(4), size: 1, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
    { mediaType: 'm', digest: d(5), size: 1, platform: { os: 'linux', architecture: 'amd64' } },
  ];
  it('normalizes like containerd', () => {
    expect(parsePlatform('linux/aarch64')).toEqual({ os: 'linux', architecture: 'arm64' });
    expect(parsePlatform('linux/arm64/v8')).toEqual({ os: 'linux', architecture: 'arm64' });
    expect(parsePlatform('linux/arm')).toEqual({ os: 'linux', architecture: 'arm', variant: 'v7' });
    expect(normalizePlatform({ os: 'Linux', architecture: 'x86_64' })).toEqual({ os: 'linux', architecture: 'amd64' });
    expect(() => parsePlatform('arm64')).toThrow(/invalid platform "arm64"/);
  });
  it('picks the exact entry, skipping attestations', () => {
    expect(selectPlatform(entries, parsePlatform('linux/amd64'), 'x').digest).toBe(d(5));
    expect(selectPlatform(entries, parsePlatform('linux/arm64'), 'x').digest).toBe(d(4));
    expect(selectPlatform(entries, parsePlatform('linux/arm/v6'), 'x').digest).toBe(d(2));
    expect(selectPlatform(entries, parsePlatform('linux/arm'), 'x').digest).toBe(d(3));
  });
  it('lists what the index has when nothing matches', () => {
    expect(() => selectPlatform(entries, parsePlatform('linux/s390x'), 'manifest for a:b')).toThrow(
      'manifest for a:b: no matching manifest for linux/s390x in the manifest list entries (have: linux/arm/v6, linux/arm/v7, linux/arm64, linux/amd64)');
  });
});

describe('retries', () => {
  it('retries 429 and 5xx but not 4xx or 501', () => {
    expect([429, 500, 502, 503, 504].every(isRetryableStatus)).toBe(true);
    expect([400, 401, 403, 404, 501].some(isRetryableStatus)).toBe(false);
  });
  it('honours Retry-After in seconds and as an HTTP date, capped', () => {
    const res = (v: string) => ({ headers: { 'retry-after': v } }) as any;
    expect(backoffDelay(1, res('2'))).toBe(2000);
    expect(backoffDelay(1, res(new Date(10_000).toUTCString()), 5_000)).toBe(5_000);
    expect(backoffDelay(1, res('100000'))).toBe(60_000);
    const b = backoffDelay(3);
    expect(b).toBeGreaterThanOrEqual(500);
    expect(b).toBeLessThanOrEqual(1000);
  });
});

describe('configuration', () => {
  const dir = mkdtempSync('/tmp/mr-unit-config-');
  afterEach(() => { delete process.env.MINI_RUN_CONFIG; });
  it('reads mirrors and insecure registries (hosts and CIDRs)', () => {
    const f = join(dir, 'c.json');
    writeFileSync(f, JSON.stringify({ 'registry-mirrors': ['https://mirror.example'], 'insecure-registries': ['reg.lan:5000', '10.0.0.0/8'] }));
    process.env.MINI_RUN_CONFIG = f;
    const c = loadDaemonConfig();
    expect(isInsecureRegistry('reg.lan:5000', c)).toBe(true);
    expect(isInsecureRegistry('10.1.2.3:443', c)).toBe(true);
    expect(isInsecureRegistry('11.1.2.3', c)).toBe(false);
    expect(pullEndpoints('docker.io').map((e) => e.base)).toEqual(['https://mirror.example', 'https://registry-1.docker.io']);
    expect(pullEndpoints('reg.lan:5000').map((e) => `${e.base}${e.insecureTls ? ' (no verify)' : ''}`)).toEqual(['https://reg.lan:5000 (no verify)', 'http://reg.lan:5000']);
    expect(pullEndpoints('localhost:5000').map((e) => e.base)).toEqual(['http://localhost:5000']);
    expect(pullEndpoints('ghcr.io').map((e) => e.base)).toEqual(['https://ghcr.io']);
    rmSync(dir, { recursive: true, force: true });
  });
  it('keys Docker Hub credentials the way docker does', () => {
    expect(authKey('docker.io')).toBe('https://index.docker.io/v1/');
    expect(authKey('127.0.0.1:5000')).toBe('127.0.0.1:5000');
  });
});

describe('progress bar', () => {
  it('draws docker\'s 50-column bar with sizes', () => {
    expect(progressBar(0, 100)).toBe(`[>${' '.repeat(49)}]       0B/100B`);
    expect(progressBar(50, 100)).toBe(`[${'='.repeat(25)}>${' '.repeat(24)}]      50B/100B`);
    expect(progressBar(100, 100)).toBe(`[${'='.repeat(50)}>]     100B/100B`);
    expect(progressBar(50, 100, false)).toBe(`     50B/100B`);
  });
});

describe('saved logins (config.json auths entries)', () => {
  it('an identitytoken wins over auth and keeps only the user name from it; a plain auth is user:password', () => {
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    expect(authEntryCredentials({ auth: b64('alice:'), identitytoken: 'rt-1' })).toEqual({ username: 'alice', password: '', identityToken: 'rt-1' });
    expect(authEntryCredentials({ identitytoken: 'rt-2' })).toEqual({ username: '<token>', password: '', identityToken: 'rt-2' });
    expect(authEntryCredentials({ auth: b64('bob:pa:ss') })).toEqual({ username: 'bob', password: 'pa:ss' });
    expect(authEntryCredentials({ auth: b64('nocolon') })).toBeUndefined();
    expect(authEntryCredentials(undefined)).toBeUndefined();
  });
});
