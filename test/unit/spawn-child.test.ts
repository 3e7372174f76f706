import { describe, expect, it } from 'vitest';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { spawnChild } from '../../src/runtime/spawn-child';
import { watchReadable } from '../../src/sys/signal-io';

// The init's spawn through posix_spawn (runtime/spawn-child.ts): what the runtime relies on of a
// ChildProcess. Plain processes (sh, true, sleep): no container, no root needed.

const exited = (c: ChildProcess) => new Promise<[number | null, string | null]>((r) => c.on('exit', (code, signal) => r([code, signal])));

describe('spawnChild (posix_spawn)', () => {
  it('sets argv[0], an empty environment, and fds 0–4 as asked: /dev/null, ours, a socket pair, given fds', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mr-spawn-child-'));
    try {
      const out = openSync(join(dir, 'out'), 'w');
      const trace = openSync(join(dir, 'trace'), 'w');
      // fd 2 of the child is `out`, fd 4 a copy of `trace` (where the init's trace lines go).
      const script = 'echo "argv0=$0 env=$(/usr/bin/wc -c < /proc/$$/environ)" >&2; read x <&3; echo "got=$x" >&3; echo traced >&4; exec 0<&-; exit 7';
      const child = spawnChild('/bin/sh', 'mini-run-test', ['-c', script], ['ignore', 'inherit', out, 'pipe', trace]);
      closeSync(out);
      closeSync(trace);
      // (our end of the socket pair: a raw fd, read with sys/signal-io.ts)
      const fd = child.stdio[3] as unknown as number;
      expect(typeof fd).toBe('number');
      let reply = '';
      let ended!: () => void;
      const end = new Promise<void>((r) => { ended = r; });
      const exit = exited(child);
      const socket = watchReadable(fd, { data: (d) => { reply += d.toString(); }, end: () => ended() });
      expect(socket.write('hello\n')).toBe(true);
      expect(await exit).toEqual([7, null]);
      expect(child.exitCode).toBe(7);
      await end;
      expect(reply).toBe('got=hello\n');
      expect(readFileSync(join(dir, 'out'), 'utf8')).toBe('argv0=mini-run-test env=0\n');
      expect(readFileSync(join(dir, 'trace'), 'utf8')).toBe('traced\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('starts the child with no signal ignored or blocked (as Node\'s spawn): not SIGPIPE, which Node ignores, nor glibc\'s internal 32 and 33', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mr-spawn-child-'));
    try {
      const out = openSync(join(dir, 'out'), 'w');
      const child = spawnChild('/bin/grep', 'grep', ['-E', '^Sig(Ign|Blk)', '/proc/self/status'], ['ignore', out, 'inherit']);
      closeSync(out);
      expect(await exited(child)).toEqual([0, null]);
      expect(readFileSync(join(dir, 'out'), 'utf8')).toBe('SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("reaps every child and emits 'exit' after the caller listens, however fast the child ends", async () => {
    const children = Array.from({ length: 40 }, () => spawnChild('/bin/true', 'true', [], ['ignore', 'ignore', 'ignore']));
    expect(await Promise.all(children.map(exited))).toEqual(children.map(() => [0, null]));
    expect(process.listenerCount('SIGCHLD')).toBe(0);
  });

  it('kill() delivers the signal, reports it as signalCode, and returns false once the child is reaped', async () => {
    const child = spawnChild('/bin/sleep', 'sleep', ['100'], ['ignore', 'ignore', 'ignore']);
    expect(child.kill('SIGKILL')).toBe(true);
    expect(await exited(child)).toEqual([null, 'SIGKILL']);
    expect(child.kill('SIGKILL')).toBe(false);
  });

  it("a program that cannot be run is posix_spawn's error, thrown at once, with nothing left listening", () => {
    expect(() => spawnChild('/nonexistent/mr-init', 'x', [], ['ignore', 'ignore', 'ignore', 'pipe'])).toThrow(/^posix_spawn\("\/nonexistent\/mr-init".*ENOENT/);
    expect(process.listenerCount('SIGCHLD')).toBe(0);
  });
});
