/** Rootless mini-run's pause process (cli/rootless-pause.ts) and run directory (cli/rootless.ts): records, command lines, places. */
import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { joinArgs, livePause, parsePauseRecord, pauseArgs, pauseFile } from '../../src/cli/rootless-pause';
import { rootlessRunDir } from '../../src/cli/rootless';

describe('the pause process', () => {
  it('is made by unshare with the id maps, its own mount and PID namespaces and /proc, mini-init as PID 1 over sleep', () => {
    expect(pauseArgs(['--map-root-user', '--map-users=100000,1,65536', '--map-groups=100000,1,65536'], '/m/mini-init', '/usr/bin/sleep')).toEqual([
      '--map-root-user', '--map-users=100000,1,65536', '--map-groups=100000,1,65536',
      '--mount', '--propagation', 'private', '--pid', '--fork', '--mount-proc', '--', '/m/mini-init', '--', '/usr/bin/sleep', 'infinity',
    ]);
  });

  it('is joined as root of its user namespace, with its mount and PID namespaces (no maps to write again)', () => {
    expect(joinArgs(4242, '/usr/bin/node', '/opt/mini-run/bin/mini-run', ['ps', '-a'])).toEqual([
      '--user', '--mount', '--pid', '--target=4242', '--', '/usr/bin/node', '/opt/mini-run/bin/mini-run', 'ps', '-a',
    ]);
  });

  it('is recorded as "PID STARTTIME"; anything else is no record', () => {
    expect(parsePauseRecord('123 456789\n')).toEqual({ pid: 123, startTime: '456789' });
    expect(parsePauseRecord('123 456789')).toEqual({ pid: 123, startTime: '456789' });
    expect(parsePauseRecord('')).toBeNull();
    expect(parsePauseRecord('123\n')).toBeNull();
    expect(parsePauseRecord('{"pid":1}')).toBeNull();
    expect(parsePauseRecord('1 2\n3 4\n')).toBeNull();
  });

  it('counts as running only with the recorded start time (a PID used again is another process)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mr-pause-'));
    try {
      const stat = require('node:fs').readFileSync('/proc/self/stat', 'utf8') as string;
      const start = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
      writeFileSync(join(dir, 'pause.pid'), `${process.pid} ${start}\n`);
      expect(livePause(join(dir, 'pause.pid'))).toEqual({ pid: process.pid, startTime: start });
      writeFileSync(join(dir, 'pause.pid'), `${process.pid} ${Number(start) + 1}\n`);
      expect(livePause(join(dir, 'pause.pid'))).toBeNull();
      expect(livePause(join(dir, 'missing.pid'))).toBeNull();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is recorded in $XDG_RUNTIME_DIR/mini-run when that is the user\'s, else in the state root\'s runtime/', () => {
    const uid = process.getuid!();
    const dir = mkdtempSync(join(tmpdir(), 'mr-xdg-'));
    try {
      expect(pauseFile({ XDG_RUNTIME_DIR: dir }, '/s', uid)).toBe(join(dir, 'mini-run', 'pause.pid'));
      expect(pauseFile({ XDG_RUNTIME_DIR: dir }, '/s', uid + 1)).toBe('/s/runtime/pause.pid'); // another user's
      expect(pauseFile({ XDG_RUNTIME_DIR: join(dir, 'none') }, '/s', uid)).toBe('/s/runtime/pause.pid');
      expect(pauseFile({ XDG_RUNTIME_DIR: 'relative' }, '/s', uid)).toBe('/s/runtime/pause.pid');
      expect(pauseFile({}, '/s', uid)).toBe('/s/runtime/pause.pid');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the run directory of a rootless user (attach sockets)', () => {
  it('is $XDG_RUNTIME_DIR/mini-run when that is the user\'s', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mr-xdg-'));
    try {
      expect(rootlessRunDir({ XDG_RUNTIME_DIR: dir }, process.getuid!())).toBe(join(dir, 'mini-run'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('else /tmp/mini-run-UID, made 0700; a squatted name (another owner, a link, open to others) is refused in one line', () => {
    // An unused uid of our own choosing: this process (root in the tests) makes and owns the dir.
    const uid = process.getuid!();
    const dir = `/tmp/mini-run-${uid}`;
    const had = require('node:fs').existsSync(dir) as boolean;
    if (!had) {
      expect(rootlessRunDir({}, uid)).toBe(dir);
      expect(require('node:fs').statSync(dir).mode & 0o777).toBe(0o700);
      rmSync(dir, { recursive: true });
    }
    const squat = 4_000_000_000 - (process.pid % 1000); // nobody's: made by this process, so not that uid's
    const taken = `/tmp/mini-run-${squat}`;
    rmSync(taken, { recursive: true, force: true });
    try {
      mkdirSync(taken, 0o700);
      expect(rootlessRunDir({}, squat)).toEqual({ missing: `${taken} is not a directory of yours alone (0700): remove it, or set XDG_RUNTIME_DIR to one` });
      rmSync(taken, { recursive: true });
      symlinkSync('/tmp', taken);
      expect(rootlessRunDir({}, squat)).toHaveProperty('missing');
    } finally {
      rmSync(taken, { recursive: true, force: true });
    }
  });
});
