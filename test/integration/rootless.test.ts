/**
 * Rootless mini-run (issue 18): a normal user with its own /etc/subuid and /etc/subgid range
 * runs `mini-run run --rm --network none mini-run/busybox …` without sudo. The user is made by
 * this test (mr-rl-PID, a home under /tmp, a free range) and removed at the end, with a check
 * that nothing of it is left: no process, no mount, no line in the id files.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { BIN } from '../helpers/cli';
import { linesOf, rangeStart, removeRemapUser } from '../helpers/remap-user';
import { freeRangeStart } from '../../src/engine/subid';

const USER = `mr-rl-${process.pid}`;
const HOME = `/tmp/mr-rl-${process.pid}-home`;
const STATE = join(HOME, '.local', 'share', 'mini-run');
const IMG = 'mini-run/busybox';

const unshareMaps = spawnSync('unshare', ['--help'], { encoding: 'utf8' }).stdout?.includes('--map-users');
const usable = process.getuid?.() === 0 && existsSync('/usr/bin/newuidmap') && existsSync('/usr/bin/newgidmap') && unshareMaps && existsSync('/bin/busybox');
if (!usable) console.log('rootless: skipped (needs root to make the test user, newuidmap/newgidmap from uidmap, util-linux unshare with --map-users, /bin/busybox)');

let uid = 0, gid = 0, start = 0;

/** `mini-run ARGS…` as the test user, without sudo: its own HOME, no state root given. */
function asUser(args: string[], timeout = 120_000) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    uid, gid, cwd: HOME, encoding: 'utf8', timeout, input: '',
    env: { PATH: '/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin', HOME, USER, LOGNAME: USER },
  });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const leftProcesses = () => spawnSync('ps', ['-o', 'pid=,args=', '-u', String(uid)], { encoding: 'utf8' }).stdout.trim();
const leftMounts = () => readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(HOME));

describe.runIf(usable)('rootless mini-run (a normal user with a subuid range, no sudo)', () => {
  beforeAll(() => {
    expect(spawnSync('useradd', ['--system', '--no-create-home', '--home-dir', HOME, '--shell', '/bin/sh', '--user-group', USER]).status).toBe(0);
    uid = Number(spawnSync('id', ['-u', USER], { encoding: 'utf8' }).stdout.trim());
    gid = Number(spawnSync('id', ['-g', USER], { encoding: 'utf8' }).stdout.trim());
    start = freeRangeStart(readFileSync('/etc/subuid', 'utf8'), readFileSync('/etc/subgid', 'utf8'));
    const range = `${start}-${start + 65535}`;
    expect(spawnSync('usermod', ['--add-subuids', range, '--add-subgids', range, USER]).status).toBe(0);
    expect(spawnSync('install', ['-d', '-o', String(uid), '-g', String(gid), '-m', '0700', HOME]).status).toBe(0);
  });

  afterAll(() => {
    // Nothing of the test user may be left: processes, mounts, its lines, its home.
    const procs = leftProcesses();
    rmSync(HOME, { recursive: true, force: true });
    expect(removeRemapUser(USER)).toEqual([]);
    expect(procs).toBe('');
    expect(existsSync(HOME)).toBe(false);
    expect(linesOf('/etc/subuid').concat(linesOf('/etc/subgid')).filter((l) => l.startsWith(`${USER}:`))).toEqual([]);
  });

  it('runs a container as root of the user\'s own user namespace: uid 0 inside is the user, 1.. its range; image files 0:0', () => {
    const r = asUser(['run', '--rm', '--network', 'none', IMG, 'sh', '-c',
      'id -u; cat /proc/self/uid_map /proc/self/gid_map; stat -c "%u:%g %n" /bin/busybox /etc/passwd; touch /new && echo wrote; echo $$']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const out = r.stdout.split('\n').map((l) => l.trim().split(/\s+/).join(' '));
    expect(out[0]).toBe('0');
    // the user namespace it is in: 0 = the user, 1..65536 = the user's range (as newuidmap wrote them)
    expect(out.slice(1, 5)).toEqual([`0 ${uid} 1`, `1 ${start} 65536`, `0 ${gid} 1`, `1 ${start} 65536`]);
    expect(out.slice(5, 7)).toEqual(['0:0 /bin/busybox', '0:0 /etc/passwd']);
    expect(out).toContain('wrote');
    expect(out).toContain('1'); // the program is PID 1 of its own PID namespace
    // The state is the user's, under ~/.local/share/mini-run (no --root, no sudo).
    expect(statSync(STATE).uid).toBe(uid);
    expect(asUser(['ps', '-a', '-q']).stdout).toBe('');
    expect(leftMounts()).toEqual([]);
    expect(leftProcesses()).toBe('');
  });

  it('gives the program\'s exit code back, and its output', () => {
    const r = asUser(['run', '--rm', '--network', 'none', IMG, 'sh', '-c', 'echo out; echo err >&2; exit 7']);
    expect([r.status, r.stdout, r.stderr]).toEqual([7, 'out\n', 'err\n']);
  });

  it('a file the container\'s root writes to a bind mount belongs to the user on the host; id 1000 inside is in the range', () => {
    const dir = join(HOME, 'data');
    expect(spawnSync('install', ['-d', '-o', String(uid), '-g', String(gid), dir]).status).toBe(0);
    const r = asUser(['run', '--rm', '--network', 'none', '-v', `${dir}:/data`, IMG, 'sh', '-c', 'touch /data/by-root && touch /data/by-1000 && chown 1000:1000 /data/by-1000']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const own = (f: string) => { const st = statSync(join(dir, f)); return [st.uid, st.gid]; };
    expect(own('by-root')).toEqual([uid, gid]);
    expect(own('by-1000')).toEqual([start + 999, start + 999]); // inside id n (n ≥ 1) is START + n - 1
  });

  it('what does not work rootless yet says so in one line, exit 125, and leaves no container', () => {
    const cases: [string[], RegExp][] = [
      [['run', '--rm', IMG, 'true'], /^mini-run: rootless mini-run: --network bridge is not available yet \(use --network none\)\n$/],
      [['run', '--rm', '--network', 'none', '--memory', '64m', IMG, 'true'], /^mini-run: limits need a delegated cgroup: /],
      [['run', '-d', '--network', 'none', IMG, 'sleep', '9'], /^mini-run: rootless mini-run: -d is not available yet/],
      [['run', '--rm', '-p', '8080:80', IMG, 'true'], /^mini-run: rootless mini-run: --network bridge is not available yet/],
      [['create', IMG], /^mini-run: create needs root: rootless mini-run \(without sudo\) is not available yet/],
      [['exec', 'x', 'true'], /^mini-run: exec needs root: rootless mini-run \(without sudo\) is not available yet/],
    ];
    for (const [args, line] of cases) {
      const r = asUser(args);
      expect([args.join(' '), r.status, r.stdout]).toEqual([args.join(' '), 125, '']);
      expect(r.stderr).toMatch(line);
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    }
    expect(asUser(['ps', '-a', '-q']).stdout).toBe('');
    expect(leftMounts()).toEqual([]);
    expect(leftProcesses()).toBe('');
  });

  it('the range it maps is the user\'s own, from /etc/subuid', () => {
    expect(rangeStart(USER)).toBe(start);
    expect(rangeStart(USER, '/etc/subgid')).toBe(start);
  });
});
