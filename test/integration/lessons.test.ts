/**
 * The lessons, end to end on this kernel: every lesson runs non-interactively and its check
 * passes; every lesson's counter-example container (the isolation switched off) makes the
 * same check FAIL; and the lesson switches behind them (--mount-ns host, --no-pivot,
 * --cgroupns) do what they say and leave nothing behind.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, leaksFor, mr, mountsMentioning, removeAllContainers, removeRoot, tempRoot } from '../helpers/cli';
import { removeRemapUser } from '../helpers/remap-user';
import { LESSONS } from '../../src/lessons/catalog';
import { ESCAPE_MOUNT } from '../../src/lessons/lab';

let root: string;
const IMG = 'mini-run/busybox';

/**
 * Lesson 17 runs --userns private: its remap user is a test user named in a config file of the
 * test's own (not the host's `mini-run`), made by the lesson's first run and removed at the end.
 */
const REMAP_USER = `mr-uns-les-${process.pid}`;
let configDir: string;
const lessonEnv = (slug: string): NodeJS.ProcessEnv => (slug === 'userns' ? { MINI_RUN_CONFIG: join(configDir, 'config.json') } : {});
const usernsReady = existsSync(join(REPO, 'native', 'build', 'userns-exec')) && Number(readFileSync('/proc/sys/user/max_user_namespaces', 'utf8')) > 0;
if (!usernsReady) console.log('lessons.test: lesson 17 (userns) skipped: native/build/userns-exec is not built or user namespaces are disabled');

beforeAll(() => {
  root = tempRoot('lessons');
  configDir = mkdtempSync('/tmp/mr-test-lessons-config-');
  writeFileSync(join(configDir, 'config.json'), JSON.stringify({ 'userns-remap': REMAP_USER }));
  const r = mr(root, ['run', '--rm', '--network', 'none', IMG, 'true']); // builds the built-in image
  if (r.status !== 0) throw new Error(`first run failed: ${r.stderr}`);
});

afterAll(() => {
  const leaks = removeAllContainers(root);
  removeRoot(root);
  rmSync(configDir, { recursive: true, force: true });
  expect([...leaks, ...removeRemapUser(REMAP_USER)]).toEqual([]);
});

/** Nothing of the lesson left: no containers in the state, nothing on the host. */
function expectClean(): void {
  expect(mr(root, ['ps', '-aq']).stdout.trim()).toBe('');
  expect(leaksFor(root)).toEqual([]);
}

describe('mini-run lessons', () => {
  it('lists every lesson with a goal and a not-done mark', () => {
    const r = mr(root, ['lessons']);
    expect(r.status).toBe(0);
    const rows = r.stdout.split('\n').filter((l) => /^\[[ x]\]/.test(l));
    expect(rows).toHaveLength(LESSONS.length);
    expect(LESSONS.length).toBe(17);
    LESSONS.forEach((l, i) => expect(rows[i]).toMatch(new RegExp(`^\\[ \\]\\s+${i + 1}\\s+${l.slug}\\s+\\S`)));
  });

  it('on a terminal, waits for Enter between steps; q quits and leaves nothing', () => {
    // `script` gives the lesson a pty, so it is interactive; "q" answers the first pause.
    const cmd = `${process.execPath} ${join(__dirname, '../../bin/mini-run')} --root ${root} lesson uts`;
    const r = spawnSync('script', ['-qec', cmd, '/dev/null'], { input: 'q\n', encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('1. What it is');
    expect(r.stdout).toContain('[Enter: go on, q: quit]');
    expect(r.stdout).not.toContain('2. What mini-run calls');
    expectClean();
  });

  it('refuses an unknown lesson and an unknown container with one line', () => {
    const a = mr(root, ['lesson', '99', '--no-pause']);
    expect(a.status).toBe(125);
    expect(a.stderr.trim()).toBe('mini-run: no lesson "99": see mini-run lessons');
    const b = mr(root, ['lesson', 'uts', '--check', 'no-such-box']);
    expect(b.status).toBe(1);
    expect(b.stderr.trim().split('\n')).toHaveLength(1);
    expect(b.stderr).toMatch(/No such container: no-such-box/);
  });
});

describe.each(LESSONS.map((l, i) => ({ n: i + 1, lesson: l })))('lesson $n ($lesson.slug)', ({ n, lesson }) => {
  it.skipIf(lesson.slug === 'userns' && !usernsReady)('runs end to end with --no-pause: trace, experiment, exercise, and its check passes', () => {
    const r = mr(root, ['lesson', String(n), '--no-pause'], { timeout: 120_000, env: lessonEnv(lesson.slug) });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const out = r.stdout;
    expect(out).toContain(`Lesson ${n}: ${lesson.title}`);
    for (const step of ['1. What it is', '2. What mini-run calls for it (from --trace)', '3. Experiment: off, then on', '4. Exercise', '5. Check']) {
      expect(out).toContain(step);
    }
    // the calls come from a real trace, not from text in the lesson
    const calls = out.slice(out.indexOf('2. What mini-run calls'), out.indexOf('3. Experiment'));
    expect(calls).toMatch(/^\[(run|init|shim|exec)\] /m);
    expect(calls).not.toContain('no matching trace lines');
    expect(out).toContain(`✓ PASS  ${lesson.check.fact}`);
    expect(out).toContain(`mini-run run -d --name mr-lesson-${lesson.slug}`);
    expectClean();
    expect(mr(root, ['lessons']).stdout).toMatch(new RegExp(`^\\[x\\]\\s+${n}\\s+${lesson.slug}\\b`, 'm'));
  }, 120_000); // as long as the lesson's own command may take

  it.skipIf(lesson.slug === 'userns' && !usernsReady)(`fails its check on the counter-example: ${lesson.check.counterExample.join(' ')}`, () => {
    const args = lesson.check.counterExample.map((a) => (a === '{image}' ? IMG : a));
    const name = `mr-broken-${lesson.slug}`;
    const started = mr(root, ['run', '-d', '--name', name, ...args]);
    expect(started.status, started.stderr).toBe(0);
    try {
      const r = mr(root, ['lesson', lesson.slug, '--check', name]);
      expect(r.status).toBe(1);
      expect(r.stdout).toContain(`✗ FAIL  ${lesson.check.fact}`);
      expect(r.stdout).not.toContain('could not read the container');
    } finally {
      mr(root, ['rm', '-f', name]);
    }
    expectClean();
  });
});

describe('lesson switches', () => {
  const escape = ESCAPE_MOUNT;

  it('--mount-ns host: the container mounts in the host table while it runs; all gone after rm -f', () => {
    const id = mr(root, ['run', '-d', '--network', 'none', '--mount-ns', 'host', IMG, 'sleep', '60']).stdout.trim();
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    const dir = join(root, 'containers', id);
    const mounts = mountsMentioning(dir);
    expect(mounts.some((m) => m.includes(`${dir}/rootfs `) && m.includes(' overlay '))).toBe(true);
    expect(mounts.some((m) => m.includes(`${dir}/rootfs/proc `))).toBe(true);
    // same mount namespace as the host, yet the root is the image's (chroot)
    const pid = mr(root, ['inspect', '-f', '{{.State.Pid}}', id]).stdout.trim();
    expect(readlinkSync(`/proc/${pid}/ns/mnt`)).toBe(readlinkSync('/proc/self/ns/mnt'));
    expect(readlinkSync(`/proc/${pid}/root`)).toBe(`${dir}/rootfs`);
    // exec lands in the container's root too
    const ls = mr(root, ['exec', id, 'ls', '/']);
    expect(ls.stdout.split('\n')).toContain('linuxrc');
    expect(mr(root, ['rm', '-f', id]).status).toBe(0);
    expect(mountsMentioning(dir)).toEqual([]);
    expectClean();
  });

  it('--mount-ns host: a foreground run takes its mounts down when the program exits', () => {
    const r = mr(root, ['run', '--rm', '--network', 'none', '--mount-ns', 'host', IMG, 'sh', '-c', 'test -e /proc/1/status && echo in-chroot']);
    expect(r.stdout.trim()).toBe('in-chroot');
    expect(r.status).toBe(0);
    expectClean();
  });

  it('--mount-ns host: a SIGKILLed run leaves mounts that the next command sweeps away', () => {
    const child = spawnSync('sh', ['-c', `${process.execPath} ${join(__dirname, '../../bin/mini-run')} --root ${root} run --network none --mount-ns host --name mr-killed ${IMG} sleep 60 & pid=$!; sleep 1.5; kill -KILL $pid; wait $pid; true`], { encoding: 'utf8', timeout: 30_000 });
    expect(child.status).toBe(0);
    // the init dies with its parent (PDEATHSIG); its mounts stay in the host's table…
    let left = 0;
    for (let i = 0; i < 20 && (left = mountsMentioning(join(root, 'containers')).length) === 0; i++) spawnSync('sleep', ['0.1']);
    expect(left).toBeGreaterThan(0);
    // …until any command sweeps the dead container
    expect(mr(root, ['ps', '-a', '--format', '{{.Names}} {{.Status}}']).stdout).toMatch(/mr-killed Exited/);
    expect(mountsMentioning(join(root, 'containers'))).toEqual([]);
    mr(root, ['rm', 'mr-killed']);
    expectClean();
  });

  it('--no-pivot: chroot only, so the escape reaches the host root; pivot_root stops it', () => {
    const hostPasswd = readFileSync('/etc/passwd', 'utf8');
    const off = mr(root, ['run', '--rm', '--network', 'none', '--no-pivot', '-v', escape, IMG, '/chroot-escape', 'cat', '/etc/passwd']);
    expect(off.status).toBe(0);
    expect(off.stdout).toBe(hostPasswd);
    const on = mr(root, ['run', '--rm', '--network', 'none', '-v', escape, IMG, '/chroot-escape', 'cat', '/etc/passwd']);
    expect(on.status).toBe(0);
    expect(on.stdout).not.toBe(hostPasswd);
    expect(on.stdout).toMatch(/^root:x:0:0:/);
    // without CAP_SYS_CHROOT the escape cannot even start
    const noCap = mr(root, ['run', '--rm', '--network', 'none', '--no-pivot', '--cap-drop', 'SYS_CHROOT', '-v', escape, IMG, '/chroot-escape', 'true']);
    expect(noCap.status).toBe(1);
    expect(noCap.stderr).toContain('chroot-escape: chroot: Operation not permitted');
    expectClean();
  });

  it('--ipc host shares the host\'s /dev/shm (POSIX shared memory), as docker does; the default is a tmpfs of its own', () => {
    const probe = `/dev/shm/mr-test-${process.pid}`;
    writeFileSync(probe, 'from the host\n');
    try {
      const shared = mr(root, ['run', '--rm', '--network', 'none', '--ipc', 'host', IMG, 'cat', probe]);
      expect(shared.stdout).toBe('from the host\n');
      const own = mr(root, ['run', '--rm', '--network', 'none', IMG, 'sh', '-c', `ls /dev/shm; test -e ${probe} || echo absent`]);
      expect(own.stdout.trim()).toBe('absent');
    } finally {
      rmSync(probe, { force: true });
    }
    expectClean();
  });

  it('--cgroupns private|host, and bad values of the switches are refused', () => {
    const host = readlinkSync('/proc/self/ns/cgroup');
    const priv = mr(root, ['run', '--rm', '--network', 'none', '--cgroupns', 'private', IMG, 'readlink', '/proc/self/ns/cgroup']);
    expect(priv.stdout.trim()).toMatch(/^cgroup:\[\d+\]$/);
    expect(priv.stdout.trim()).not.toBe(host);
    const shared = mr(root, ['run', '--rm', '--network', 'none', '--cgroupns', 'host', IMG, 'readlink', '/proc/self/ns/cgroup']);
    expect(shared.stdout.trim()).toBe(host);
    const bad1 = mr(root, ['run', '--rm', '--cgroupns', 'nope', IMG, 'true']);
    expect(bad1.status).toBe(125);
    expect(bad1.stderr.trim()).toBe("mini-run: invalid --cgroupns: 'nope': must be 'host' or 'private'");
    const bad2 = mr(root, ['run', '--rm', '--mount-ns', 'shared', IMG, 'true']);
    expect(bad2.status).toBe(125);
    expect(bad2.stderr).toMatch(/invalid --mount-ns: 'shared'/);
    expectClean();
  });
});
