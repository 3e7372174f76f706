/**
 * When the host runs out (issue 21): the state root on a small tmpfs the test mounts, filled by
 * a container's `dd`. Read paths and removals must keep working, the supervisor must survive its
 * failed log writes, commands that must write fail with one clear line and leave nothing, and
 * the space comes back when the filler is removed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmdirSync, statSync, statfsSync } from 'node:fs';
import { join } from 'node:path';
import { mr, leaksFor, containerIds, until } from '../helpers/cli';

const IMG = 'mini-run/busybox';
let root: string;
const m = (...args: string[]) => mr(root, args);
const inspect = (name: string, tpl: string) => m('inspect', '-f', tpl, name).stdout.trim();
/** Bytes a non-root-reserved write could still get on the state root's filesystem. */
const freeBytes = () => { const s = statfsSync(root); return s.bavail * s.bsize; };

/** Every file under `dir` (relative paths), to compare the store before and after a failure. */
function listing(dir: string, skip: RegExp): string[] {
  const out: string[] = [];
  const walk = (d: string, rel: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (skip.test(r)) continue;
      out.push(r);
      if (e.isDirectory()) walk(join(d, e.name), r);
    }
  };
  walk(dir, '');
  return out.sort();
}

/** Start a container that fills the disk; wait until the filesystem is full. */
async function fill(name: string): Promise<void> {
  const r = m('run', '-d', '--name', name, IMG, 'sh', '-c', 'dd if=/dev/zero of=/big bs=1M count=64; echo "dd exit $?"; exec sleep 1000');
  expect(r.status, r.stderr).toBe(0);
  await until(() => freeBytes() === 0, 15_000);
}

beforeAll(() => {
  root = mkdtempSync('/tmp/mr-test-oos-');
  // 8 MiB: the built-in image (~2 MB) and a few containers fit; a `dd` of 64 MB does not.
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m,mode=0755', 'mr-test-oos', root]);
  const r = m('run', '--rm', IMG, 'true');
  expect(r.status, r.stderr).toBe(0);
});

afterAll(() => {
  const ids = containerIds(root);
  if (ids.length) m('rm', '-f', ...ids);
  const leaks = leaksFor(root).filter((l) => !l.startsWith(`mount: `) || !l.includes(' - tmpfs mr-test-oos '));
  execFileSync('umount', [root]);
  rmdirSync(root);
  expect(leaks).toEqual([]);
});

describe('a container fills the disk of the state root', () => {
  it('another keeps running and logging; read paths and removals work; writes fail with one line', async () => {
    // Before the disk is full: a talker, a stopped container, a volume and a second image.
    expect(m('run', '-d', '--name', 'talker', IMG, 'sh', '-c', 'i=0; while :; do i=$((i+1)); echo "line $i"; sleep 0.1; done').status).toBe(0);
    expect(m('run', '--name', 'done', IMG, 'true').status).toBe(0);
    expect(m('volume', 'create', 'mr-oos-vol').status).toBe(0);
    expect(m('commit', 'done', 'mr-oos-extra').status).toBe(0);
    await until(() => m('logs', 'talker').stdout.includes('line 3'));

    await fill('filler');
    // The talker's log writes fail from now on, but only once the last page tmpfs gave its log
    // file is full too: a 4 KiB page holds ~50 of its lines (5 s). Wait until the log has not
    // grown for 1.5 s (≥ 15 lines lost), so the count below does not depend on where the page ended.
    const logFile = inspect('talker', '{{.LogPath}}');
    let size = -1, grewAt = Date.now();
    await until(() => {
      const now = statSync(logFile).size;
      if (now !== size) { size = now; grewAt = Date.now(); }
      return Date.now() - grewAt >= 1500;
    }, 15_000);

    // Read paths answer.
    const ps = m('ps', '-a');
    expect(ps.status, ps.stderr).toBe(0);
    expect(ps.stdout).toMatch(/talker/);
    expect(ps.stdout).toMatch(/filler/);
    expect(inspect('talker', '{{.State.Status}}')).toBe('running');
    expect(inspect('filler', '{{.State.Status}}')).toBe('running');
    expect(m('logs', 'talker').status).toBe(0);
    for (const args of [['images'], ['volume', 'ls'], ['volume', 'inspect', 'mr-oos-vol'], ['network', 'ls'], ['network', 'inspect', 'bridge'], ['info']]) {
      const r = m(...args);
      expect(r.status, `${args.join(' ')}: ${r.stderr}`).toBe(0);
    }
    const df = m('system', 'df');
    expect(df.status, df.stderr).toBe(0);
    expect(df.stdout).toMatch(/^Containers\s+3\s+2\s+/m);
    expect(df.stdout).toMatch(/^Local Volumes\s+1\s+0\s+/m);
    const dfv = m('system', 'df', '-v');
    expect(dfv.status, dfv.stderr).toBe(0);
    expect(dfv.stdout).toMatch(/^[0-9a-f]{12}\s.*\sfiller$/m);

    // Commands that must write: one line naming the full filesystem and what to do; nothing left.
    const skip = /(^|\/)(upper|work|rootfs)(\/|$)|-json\.log$|^lock$/;
    const before = listing(root, skip);
    for (const args of [['create', IMG, 'true'], ['run', '-d', IMG, 'true'], ['commit', 'talker', 'mr-oos-more'], ['volume', 'create', 'mr-oos-vol2']]) {
      const r = m(...args);
      expect(r.status, `${args.join(' ')}: ${r.stderr}`).toBe(125);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toContain(`no space left on device on the filesystem at ${root}`);
      expect(r.stderr).toMatch(/mini-run system df.*mini-run container prune/);
    }
    const after = listing(root, skip);
    expect(after).toEqual(before);
    expect(after.filter((f) => /\.tmp-|^tmp\/./.test(f))).toEqual([]);

    // Removals work on the full disk.
    expect(m('container', 'prune', '-f').stdout).toMatch(/Deleted Containers:/);
    expect(m('ps', '-a', '--format', '{{.Names}}').stdout).not.toMatch(/\bdone\b/);
    expect(m('rmi', 'mr-oos-extra').status).toBe(0);
    expect(m('volume', 'rm', 'mr-oos-vol').status).toBe(0);
    expect(m('system', 'prune', '-f').status).toBe(0);
    const rm = m('rm', '-f', 'filler');
    expect(rm.status, rm.stderr).toBe(0);
    expect(freeBytes()).toBeGreaterThan(2 << 20);

    // The talker never stopped; its log resumes and says how many lines it lost, and when.
    expect(inspect('talker', '{{.State.Status}}')).toBe('running');
    await until(() => /line\(s\) of output were lost between \S+ and \S+/.test(m('logs', 'talker').stderr), 10_000).catch(() => undefined);
    const logs = m('logs', 'talker');
    expect(logs.stderr, `logs talker (stdout ends: ${logs.stdout.slice(-200)})`).toMatch(/line\(s\) of output were lost between \S+ and \S+/);
    const numbers = [...logs.stdout.matchAll(/^line (\d+)$/gm)].map((x) => Number(x[1]));
    // (one note per stretch of failed writes: the disk may fill again after a prune freed a little)
    const lost = [...logs.stderr.matchAll(/mini-run: (\d+) line\(s\) of output were lost/g)].reduce((n, x) => n + Number(x[1]), 0);
    expect(lost).toBeGreaterThanOrEqual(5); // ≥ 1 s of lines at 10 a second
    // Exactly the lost lines are missing: the counter is right.
    expect(numbers[numbers.length - 1] - numbers[0] + 1 - numbers.length).toBe(lost);
    expect(m('rm', '-f', 'talker').status).toBe(0);
  });

  it('a container that exits while the disk is full: stop returns, the exit is recorded once there is space', async () => {
    expect(m('run', '-d', '--name', 'polite', IMG, 'sh', '-c', 'trap "exit 3" TERM; while :; do sleep 0.1; done').status).toBe(0);
    await fill('filler2');
    const stop = m('stop', '-t', '5', 'polite');
    expect(stop.status, stop.stderr).toBe(0);
    expect(stop.stdout.trim()).toBe('polite');
    // Its supervisor is still trying to write the record; the filler goes and it succeeds.
    expect(m('rm', '-f', 'filler2').status).toBe(0);
    await until(() => inspect('polite', '{{.State.Status}} {{.State.ExitCode}}') === 'exited 3', 10_000);
    expect(m('rm', 'polite').status).toBe(0);
    expect(containerIds(root)).toEqual([]);
  });
});
