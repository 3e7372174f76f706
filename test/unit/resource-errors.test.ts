/** Exhausted host limits become one line that names the limit and what to do (issue 21). */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { exhaustedLimitMessage, pidsCgroupLimit } from '../../src/cli/resource-errors';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';

const errno = (code: string, message: string, syscall?: string) => Object.assign(new Error(message), { code, syscall });

describe('exhaustedLimitMessage', () => {
  it('names the limit of a real EMFILE (this process, its soft limit lowered by prlimit)', () => {
    // A real EMFILE: node opens files until the kernel refuses, with `ulimit -n` at 64.
    const script = "const fs=require('fs');const {exhaustedLimitMessage}=require(process.argv[1]);const fds=[];try{for(;;)fds.push(fs.openSync('/dev/null','r'))}catch(e){for(const fd of fds.slice(-3))fs.closeSync(fd);console.log(exhaustedLimitMessage(e))}";
    const compiled = join(__dirname, '../../dist/cli/resource-errors.js');
    if (!existsSync(compiled)) return void console.log('skipped: dist/ is not built (npm run build)');
    const r = spawnSync('prlimit', ['--nofile=64', process.execPath, '-e', script, compiled], { encoding: 'utf8' });
    if (r.error) return void console.log(`skipped: prlimit not available (${r.error.message})`);
    expect(r.stdout.trim()).toBe('too many open files: mini-run reached its limit of open files (ulimit -n is 64); raise it (ulimit -n 4096) and try again');
  });

  it('the host file table, the process limit, memory; other errors are not its business', () => {
    expect(exhaustedLimitMessage(errno('ENFILE', 'ENFILE: file table overflow, open'))).toMatch(/^too many open files on the host/);
    // (the pids cgroup of this test process, if it has a limit, is named instead of ulimit -u)
    const around = pidsCgroupLimit();
    expect(exhaustedLimitMessage(errno('EAGAIN', 'spawn EAGAIN', 'spawn /bin/sh'))).toMatch(around
      ? /^cannot start a process: the pids cgroup mini-run runs in \(\S+\) allows \d+ tasks, threads included \(pids\.max\), and they are in use; raise its pids\.max or run mini-run outside it$/
      : /^cannot start a process: the process limit is reached \(ulimit -u( is \S+)?; also kernel\.pid_max\); stop some processes and try again$/);
    expect(exhaustedLimitMessage(errno('EAGAIN', 'EAGAIN: resource temporarily unavailable, read', 'read'))).toBeNull();
    expect(exhaustedLimitMessage(errno('ENOMEM', 'spawn ENOMEM', 'spawn'))).toMatch(/^out of memory/);
    expect(exhaustedLimitMessage(errno('ENOENT', 'ENOENT: no such file'))).toBeNull();
    expect(exhaustedLimitMessage(new Error('plain'))).toBeNull();
    // a tool mini-run runs (the built-in image's recipe) could not be spawned: the code is only in the message
    expect(exhaustedLimitMessage(new Error('env: spawnSync env EMFILE'))).toMatch(/^too many open files: mini-run reached its limit/);
    expect(exhaustedLimitMessage(new Error('tar: EMFILES are not a thing'))).toBeNull();
  });
});

describe('pidsCgroupLimit (which pids cgroup around mini-run has a limit)', () => {
  // A fake cgroupfs laid out as the kernel's (file formats only; the real limit is exercised by exhausted-limits.test)
  const fake = (files: Record<string, string>) => {
    const dir = mkdtempSync(join(tmpdir(), 'mr-pids-fmt-'));
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(join(dir, path, '..'), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    return dir;
  };
  it('v1: the pids hierarchy, the nearest ancestor whose pids.max is a number; none when every one says max', () => {
    const d = fake({
      'self': '12:pids:/mr-outer/inner\n4:memory:/x\n0::/\n',
      'fs/pids/mr-outer/pids.max': '10\n', 'fs/pids/mr-outer/inner/pids.max': 'max\n',
    });
    try {
      expect(pidsCgroupLimit(join(d, 'self'), join(d, 'fs'))).toEqual({ path: '/mr-outer', max: 10 });
      writeFileSync(join(d, 'fs/pids/mr-outer/pids.max'), 'max\n');
      expect(pidsCgroupLimit(join(d, 'self'), join(d, 'fs'))).toBeNull();
    } finally { rmSync(d, { recursive: true, force: true }); }
  });
  it('v2: the unified hierarchy ("0::PATH"); the root cgroup has no limit', () => {
    const d = fake({ 'self': '0::/mr-a/b\n', 'fs/mr-a/b/pids.max': '14\n' });
    try {
      expect(pidsCgroupLimit(join(d, 'self'), join(d, 'fs'))).toEqual({ path: '/mr-a/b', max: 14 });
      writeFileSync(join(d, 'self'), '0::/\n');
      expect(pidsCgroupLimit(join(d, 'self'), join(d, 'fs'))).toBeNull();
      expect(pidsCgroupLimit(join(d, 'missing'), join(d, 'fs'))).toBeNull();
    } finally { rmSync(d, { recursive: true, force: true }); }
  });
});
