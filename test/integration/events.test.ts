/**
 * `mini-run events`: the journal of what happened, read back with Docker's --since/--until,
 * --filter and --format, typed as a user would; `events` with no --until keeps following
 * until interrupted (Ctrl-C), showing what happens meanwhile.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { BIN, leaksFor, mr, removeRoot, tempRoot } from '../helpers/cli';

const IMG = 'mini-run/busybox';
const usable = process.getuid?.() === 0 && existsSync('/bin/busybox');
let root: string;
const m = (...args: string[]) => mr(root, args);

describe.skipIf(!usable)('events', () => {
  beforeAll(() => { root = tempRoot('events'); });
  afterAll(() => {
    const leaks = leaksFor(root);
    removeRoot(root);
    expect(leaks).toEqual([]);
  });

  it('a container\'s create, start, network connect, die, destroy and a network\'s create/destroy, in order, in Docker\'s lines and filters', () => {
    const t0 = (Date.now() / 1000).toFixed(3);
    expect(m('network', 'create', 'mr-evnet').status).toBe(0);
    expect(m('run', '--rm', '--name', 'ev1', '--network', 'mr-evnet', IMG, 'sh', '-c', 'exit 3').status).toBe(3);
    expect(m('network', 'rm', 'mr-evnet').status).toBe(0);
    const t1 = (Date.now() / 1000 + 1).toFixed(3);

    const all = m('events', '--since', t0, '--until', t1, '--format', '{{.Type}} {{.Action}} {{.Actor.Attributes.name}}');
    expect(all.stderr).toBe('');
    expect(all.status).toBe(0);
    expect(all.stdout.trim().split('\n')).toEqual([
      'network create mr-evnet', 'container create ev1', 'network connect mr-evnet', 'container start ev1',
      'container die ev1', 'container destroy ev1', 'network destroy mr-evnet',
    ]);
    const plain = m('events', '--since', t0, '--until', t1, '--filter', 'container=ev1', '--filter', 'event=die');
    expect(plain.stdout).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z container die [0-9a-f]{64} \(exitCode=3, image=mini-run\/busybox, name=ev1\)\n$/);
    expect(m('events', '--since', t0, '--until', t1, '--filter', 'type=network', '--format', '{{.Action}}').stdout).toBe('create\nconnect\ndestroy\n');
    expect(m('events', '--since', t1, '--until', t1).stdout).toBe('');

    const bad = m('events', '--filter', 'bogus=1', '--until', t1);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/Invalid filter 'bogus'/);
    const badTime = m('events', '--since', 'yesterday-ish', '--until', t1);
    expect(badTime.status).toBe(125);
    expect(badTime.stderr).toMatch(/failed to parse value as time or duration: "yesterday-ish"/);
  });

  it('without --until it follows: what happens after it started shows up, until Ctrl-C', async () => {
    // --since now: what happens from here on is shown however long node takes to start.
    const follower = spawn(process.execPath, [BIN, '--root', root, 'events', '--since', (Date.now() / 1000).toFixed(3), '--filter', 'type=network', '--format', '{{.Action}} {{.Actor.Attributes.name}}'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    follower.stdout.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((ok) => follower.on('exit', (code, sig) => ok(code ?? (sig ? 128 : null))));
    expect(m('network', 'create', 'mr-evnet2').status).toBe(0);
    expect(m('network', 'rm', 'mr-evnet2').status).toBe(0);
    for (let i = 0; i < 100 && !out.includes('destroy mr-evnet2'); i++) await new Promise((ok) => setTimeout(ok, 100));
    expect(follower.exitCode).toBeNull(); // still following
    follower.kill('SIGINT');
    await exited;
    expect(out).toBe('create mr-evnet2\ndestroy mr-evnet2\n');
  });
});
