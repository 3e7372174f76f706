/** Exhausted host limits become one line that names the limit and what to do (issue 21). */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { exhaustedLimitMessage } from '../../src/cli/resource-errors';

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
    expect(exhaustedLimitMessage(errno('EAGAIN', 'spawn EAGAIN', 'spawn /bin/sh'))).toMatch(/^cannot start a process: the process limit is reached \(ulimit -u( is \S+)?;/);
    expect(exhaustedLimitMessage(errno('EAGAIN', 'EAGAIN: resource temporarily unavailable, read', 'read'))).toBeNull();
    expect(exhaustedLimitMessage(errno('ENOMEM', 'spawn ENOMEM', 'spawn'))).toMatch(/^out of memory/);
    expect(exhaustedLimitMessage(errno('ENOENT', 'ENOENT: no such file'))).toBeNull();
    expect(exhaustedLimitMessage(new Error('plain'))).toBeNull();
    // a tool mini-run runs (the built-in image's recipe) could not be spawned: the code is only in the message
    expect(exhaustedLimitMessage(new Error('env: spawnSync env EMFILE'))).toMatch(/^too many open files: mini-run reached its limit/);
    expect(exhaustedLimitMessage(new Error('tar: EMFILES are not a thing'))).toBeNull();
  });
});
