/**
 * Health checks, typed as a user would: --health-cmd/--health-interval/--health-retries, the
 * image's HEALTHCHECK (built here by `mini-run build`), --no-healthcheck; what `ps` and
 * `inspect` show as the verdict changes, and the health_status events.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mr, removeAllContainers, removeRoot, tempRoot, until } from '../helpers/cli';

const IMG = 'mini-run/busybox';
const usable = process.getuid?.() === 0 && existsSync('/bin/busybox');
const IDLE = ['sh', '-c', 'trap "exit 0" TERM; while :; do sleep 1; done'];
let root: string;
const m = (...args: string[]) => mr(root, args);
const health = (n: string) => m('inspect', '-f', '{{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}', n).stdout.trim();

describe.skipIf(!usable)('health checks', () => {
  beforeAll(() => { root = tempRoot('health'); });
  afterAll(() => {
    const leaks = removeAllContainers(root);
    removeRoot(root);
    expect(leaks).toEqual([]);
  });

  it('--health-cmd: starting, unhealthy after --health-retries failures, healthy once the check passes; ps, ps -f health=, inspect, events', async () => {
    const t0 = (Date.now() / 1000).toFixed(3);
    expect(m('run', '-d', '--name', 'h1', '--network', 'none', '--health-cmd', 'test -e /tmp/ok', '--health-interval', '1s', '--health-retries', '2', IMG, ...IDLE).status).toBe(0);
    expect(m('ps', '--format', '{{.Status}}', '-f', 'name=h1').stdout).toMatch(/^Up .* \(health: starting\)\n$/);
    await until(() => health('h1') === 'unhealthy', 30_000);
    expect(m('ps', '-q', '-f', 'health=unhealthy').stdout.trim()).toHaveLength(12);
    const bad = JSON.parse(m('inspect', '-f', '{{json .State.Health}}', 'h1').stdout);
    expect(bad.FailingStreak).toBeGreaterThanOrEqual(2);
    expect(bad.Log.at(-1)).toMatchObject({ ExitCode: 1 });
    expect(m('exec', 'h1', 'touch', '/tmp/ok').status).toBe(0);
    await until(() => health('h1') === 'healthy', 30_000);
    expect(m('ps', '--format', '{{.Status}}', '-f', 'name=h1').stdout).toMatch(/^Up .* \(healthy\)\n$/);
    const good = JSON.parse(m('inspect', '-f', '{{json .State.Health}}', 'h1').stdout);
    expect(good).toMatchObject({ Status: 'healthy', FailingStreak: 0 });
    expect(good.Log.length).toBeLessThanOrEqual(5);
    expect(good.Log.at(-1)).toMatchObject({ ExitCode: 0 });
    expect(JSON.parse(m('inspect', '-f', '{{json .Config.Healthcheck}}', 'h1').stdout)).toEqual({ Test: ['CMD-SHELL', 'test -e /tmp/ok'], Interval: 1e9, Retries: 2 });
    const ev = m('events', '--since', t0, '--until', (Date.now() / 1000 + 1).toFixed(3), '--filter', 'container=h1', '--format', '{{.Action}}').stdout;
    expect(ev).toContain('health_status: unhealthy\n');
    expect(ev).toContain('health_status: healthy\n');
    expect(m('rm', '-f', 'h1').status).toBe(0);
  });

  it('the image\'s HEALTHCHECK runs; --no-healthcheck turns it off; conflicting or bad flags are refused (125)', async () => {
    const ctx = mkdtempSync('/tmp/mr-test-health-ctx-');
    try {
      writeFileSync(join(ctx, 'Dockerfile'), `FROM ${IMG}\nHEALTHCHECK --interval=1s CMD true\n`);
      const b = m('build', '-q', '-t', 'mr-healthy', ctx);
      expect(b.stderr).toBe('');
      expect(b.status).toBe(0);
    } finally {
      rmSync(ctx, { recursive: true, force: true });
    }
    expect(m('run', '-d', '--name', 'h2', '--network', 'none', 'mr-healthy', ...IDLE).status).toBe(0);
    expect(m('run', '-d', '--name', 'h3', '--network', 'none', '--no-healthcheck', 'mr-healthy', ...IDLE).status).toBe(0);
    await until(() => health('h2') === 'healthy', 30_000);
    expect(health('h3')).toBe('none');
    expect(m('ps', '--format', '{{.Names}}', '-f', 'health=none', '-f', 'name=h3').stdout).toBe('h3\n');
    const conflict = m('run', '--rm', '--no-healthcheck', '--health-cmd', 'true', IMG, 'true');
    expect(conflict.status).toBe(125);
    expect(conflict.stderr).toMatch(/--no-healthcheck conflicts with --health-\* options/);
    const badDuration = m('run', '--rm', '--health-interval', 'often', IMG, 'true');
    expect(badDuration.status).toBe(125);
    expect(badDuration.stderr).toMatch(/invalid argument "often" for "--health-interval" flag/);
    expect(m('rm', '-f', 'h2', 'h3').status).toBe(0);
    expect(m('rmi', 'mr-healthy').status).toBe(0);
  });
});
