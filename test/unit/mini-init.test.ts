/**
 * native/mini-init, the static init behind `run --init`, run directly on the host.
 *
 * On the host it is not PID 1, so it makes itself a "child subreaper": orphans of its
 * children are handed to it exactly as they would be to PID 1 in a container. That lets these
 * tests check reaping and signal forwarding without starting a container.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import { spawn, spawnSync, execFileSync, ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const REPO = resolve(__dirname, '../..');
const INIT = join(REPO, 'native', 'build', 'mini-init');
// A plain POSIX shell for the child programs; busybox's is what the built-in image has.
const SH = existsSync('/bin/busybox') ? ['/bin/busybox', 'sh'] : ['/bin/sh'];

/** Run `mini-init [flags] -- sh -c SCRIPT` to the end. */
function runInit(script: string, flags: string[] = [], timeout = 10_000) {
  const r = spawnSync(INIT, [...flags, '--', ...SH, '-c', script], { encoding: 'utf8', timeout });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** Start mini-init in the background; resolves once the child printed "ready". */
function startInit(script: string, flags: string[] = []): Promise<{ p: ChildProcess; exit: Promise<number | null> }> {
  const p = spawn(INIT, [...flags, '--', ...SH, '-c', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exit = new Promise<number | null>((res) => p.on('exit', (code) => res(code)));
  return new Promise((res, rej) => {
    let out = '';
    p.stdout!.on('data', (d) => {
      out += String(d);
      if (out.includes('ready')) res({ p, exit });
    });
    p.on('exit', (code) => rej(new Error(`mini-init exited (${code}) before the child was ready: ${out}`)));
  });
}

/** /proc/PID/stat → { state, ppid } (the command name may contain spaces: split after ')'). */
function stat(pid: number): { state: string; ppid: number } | null {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return { state: f[0], ppid: Number(f[1]) };
  } catch {
    return null; // gone (fully reaped)
  }
}

function childrenOf(ppid: number): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map(Number)
    .filter((pid) => stat(pid)?.ppid === ppid);
}

async function until<T>(what: string, fn: () => T | undefined | false, ms = 3000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

beforeAll(() => {
  // The global setup already ran `npm run build`; building here too keeps this file runnable alone.
  execFileSync('make', ['-s', '-C', join(REPO, 'native')], { stdio: 'inherit' });
});

describe('mini-init', () => {
  it('is a static binary (it must run in images without a libc)', () => {
    const elf = readFileSync(INIT);
    expect(elf.subarray(0, 4).toString('latin1')).toBe('\x7fELF');
    // A dynamic executable names its loader (ld-linux.so, ld-musl.so) in a PT_INTERP program
    // header; a static one has none. ELF64 little-endian: e_phoff @32, e_phentsize @54, e_phnum @56.
    const phoff = Number(elf.readBigUInt64LE(32));
    const phentsize = elf.readUInt16LE(54);
    const types = Array.from({ length: elf.readUInt16LE(56) }, (_, i) => elf.readUInt32LE(phoff + i * phentsize));
    const PT_INTERP = 3;
    expect(types).not.toContain(PT_INTERP);
  });

  it("exits with the child's exit code", () => {
    expect(runInit('exit 0').status).toBe(0);
    expect(runInit('exit 3').status).toBe(3);
    expect(runInit('echo hello').stdout).toBe('hello\n');
  });

  it('exits with 128+N when the child is killed by signal N', () => {
    expect(runInit('kill -KILL $$').status).toBe(128 + 9);
    expect(runInit('kill -TERM $$').status).toBe(128 + 15);
  });

  it('exits 127 for a missing program and 126 for one that cannot be executed', () => {
    const missing = spawnSync(INIT, ['--', '/no/such/program'], { encoding: 'utf8' });
    expect(missing.status).toBe(127);
    expect(missing.stderr).toContain('/no/such/program');
    const dir = mkdtempSync(join(tmpdir(), 'mr-init-test-'));
    try {
      const notExecutable = join(dir, 'data');
      writeFileSync(notExecutable, 'just data\n', { mode: 0o644 });
      expect(spawnSync(INIT, ['--', notExecutable]).status).toBe(126);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('prints usage and exits 125 without a program', () => {
    const r = spawnSync(INIT, [], { encoding: 'utf8' });
    expect(r.status).toBe(125);
    expect(r.stderr).toContain('usage');
  });

  it('forwards SIGTERM to the child (the child traps it and exits 42)', async () => {
    const { p, exit } = await startInit(
      'trap "exit 42" TERM; echo ready; i=0; while [ $i -lt 100 ]; do sleep 0.05; i=$((i+1)); done; exit 1',
    );
    p.kill('SIGTERM');
    expect(await exit).toBe(42);
  });

  it.each([
    ['SIGINT', 'INT'],
    ['SIGHUP', 'HUP'],
    ['SIGQUIT', 'QUIT'],
    ['SIGUSR1', 'USR1'],
    ['SIGUSR2', 'USR2'],
    ['SIGWINCH', 'WINCH'],
  ] as const)('forwards %s too', async (sig, name) => {
    const { p, exit } = await startInit(
      `trap "echo got-${name}; exit 5" ${name}; echo ready; i=0; while [ $i -lt 100 ]; do sleep 0.05; i=$((i+1)); done; exit 1`,
    );
    let out = '';
    p.stdout!.on('data', (d) => (out += String(d)));
    p.kill(sig);
    expect(await exit).toBe(5);
    expect(out).toContain(`got-${name}`);
  });

  it('reaps orphans handed to it, leaving no zombie', async () => {
    // The subshell starts `sleep 0.3` and exits at once: the sleep is orphaned and
    // re-parented to mini-init. When it ends, only mini-init can wait() for it.
    const { p, exit } = await startInit('(sleep 0.3 &); echo ready; exec sleep 5');
    const init = p.pid!;
    const main = await until('the main child', () => childrenOf(init)[0]);
    const orphan = await until('the orphan to be re-parented', () => childrenOf(init).find((c) => c !== main));
    // Reaped means gone from /proc entirely; an un-reaped zombie would stay in state Z.
    await until('the orphan to be reaped', () => stat(orphan) === null);
    expect(childrenOf(init).filter((c) => stat(c)?.state === 'Z')).toEqual([]);
    p.kill('SIGTERM');
    expect(await exit).toBe(128 + 15);
  });

  it("does not hang on a zombie left by the child's own children", () => {
    // `sleep 0.1` becomes a zombie child of `sleep 0.3` (which never waits), then an orphan.
    const t0 = Date.now();
    const r = runInit('sleep 0.1 & exec sleep 0.3', [], 5000);
    expect(r.status).toBe(0);
    expect(Date.now() - t0).toBeLessThan(3000);
  });

  /** Starts `sh -c 'sleep 5 & wait'` under mini-init, sends SIGTERM; returns the sleep's pid. */
  async function termShellWithBackgroundSleep(flags: string[]): Promise<number> {
    const { p, exit } = await startInit('sleep 5 & echo ready; wait', flags);
    const [main] = childrenOf(p.pid!);
    const sleeper = await until('the background sleep', () => childrenOf(main)[0]);
    p.kill('SIGTERM');
    expect(await exit).toBe(128 + 15);
    return sleeper;
  }
  const deadOrZombie = (pid: number) => {
    const s = stat(pid);
    return s === null || s.state === 'Z';
  };

  it('by default, forwards signals to the child only (like docker --init)', async () => {
    const sleeper = await termShellWithBackgroundSleep([]);
    try {
      await new Promise((r) => setTimeout(r, 200));
      expect(deadOrZombie(sleeper)).toBe(false); // the shell's background job lives on
    } finally {
      try { process.kill(sleeper, 'SIGKILL'); } catch { /* already gone */ }
    }
  });

  it('with -g, forwards signals to the whole process group', async () => {
    const sleeper = await termShellWithBackgroundSleep(['-g']);
    // The sleep shares the child's new process group, so it got SIGTERM too.
    await until('the background sleep to die', () => deadOrZombie(sleeper));
  });
});
