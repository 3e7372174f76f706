/**
 * src/stdio.ts: the read commands' output without Node's stream objects — every byte arrives,
 * in order, on a descriptor someone made non-blocking (the stream takes the rest), a closed
 * pipe ends the process quietly with the code it already had, and main.ts's EPIPE handlers
 * are attached when a stream is made (a fresh Node process for each case: the test runner's
 * own streams are made long ago).
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const REPO = join(__dirname, '../..');
const STDIO = join(REPO, 'dist/stdio.js');
const built = existsSync(STDIO);
const node = (script: string, shell?: string) => shell === undefined
  ? spawnSync(process.execPath, ['-e', script, STDIO], { encoding: 'utf8', maxBuffer: 64 << 20 })
  : spawnSync('sh', ['-c', shell, 'sh', process.execPath, script, STDIO], { encoding: 'utf8', maxBuffer: 64 << 20 });

describe('stdio.ts', () => {
  it('writes everything, in order, to a full pipe that was made non-blocking (EAGAIN: the rest through the stream)', () => {
    if (!built) return void console.log('skipped: dist/ is not built (npm run build)');
    // The child sets O_NONBLOCK on its own stdout (koffi's fcntl), then writes 4 MiB in three
    // calls while nobody reads yet: the pipe (64 KiB) fills and write(2) says EAGAIN.
    const script = `
      const { writeOut } = require(process.argv[1]);
      const koffi = require(${JSON.stringify(join(REPO, 'node_modules/koffi'))});
      const fcntl = koffi.load('libc.so.6').func('int fcntl(int, int, int)');
      const F_GETFL = 3, F_SETFL = 4, O_NONBLOCK = 0o4000;
      if (fcntl(1, F_SETFL, fcntl(1, F_GETFL, 0) | O_NONBLOCK) !== 0) throw new Error('fcntl');
      let line = 0;
      const chunk = () => { let s = ''; for (let i = 0; i < 20000; i++) s += 'line ' + (line++) + ' ' + 'x'.repeat(60) + '\\n'; return s; };
      writeOut(1, chunk()); writeOut(1, chunk()); writeOut(1, chunk());
      writeOut(2, 'done\\n');`;
    const r = node(script);
    expect(r.stderr).toBe('done\n');
    expect(r.status).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines.length).toBe(60001);
    expect(lines.every((l, i) => i === 60000 ? l === '' : l === `line ${i} ${'x'.repeat(60)}`)).toBe(true);
  });

  it('a closed pipe ends the process quietly, with the exit code it had (as `mini-run logs x | head`)', () => {
    if (!built) return void console.log('skipped: dist/ is not built (npm run build)');
    // head reads one byte and exits: 4 MiB cannot fit in the pipe, so the writer meets EPIPE.
    const script = `const { writeOut } = require(process.argv[1]); process.exitCode = 3; writeOut(1, 'y'.repeat(4 << 20)); process.stderr.write('not reached\\n');`;
    const r = node(script, '{ "$1" -e "$2" "$3"; echo "status $?" >&2; } | head -c 1');
    expect(r.stdout).toBe('y');
    expect(r.stderr).toBe('status 3\n');
  });

  it('whenStdioMade: the setup runs when the stream is first made (once), or at once when it exists', () => {
    if (!built) return void console.log('skipped: dist/ is not built (npm run build)');
    const script = `
      const { whenStdioMade, writeOut } = require(process.argv[1]);
      const seen = [];
      whenStdioMade(1, (s) => seen.push(['out', s === require('node:fs') ? 0 : typeof s.write]));
      writeOut(1, 'plain\\n'); // (no stream made for this)
      seen.push('written');
      const a = process.stdout, b = process.stdout;
      a.write('stream\\n');
      seen.push(a === b);
      whenStdioMade(1, () => seen.push('again'));
      writeOut(1, 'after\\n'); // (through the stream now: behind what it holds)
      process.stderr.write(JSON.stringify(seen));`;
    const r = node(script);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('plain\nstream\nafter\n');
    expect(JSON.parse(r.stderr)).toEqual(['written', ['out', 'function'], true, 'again']);
  });
});
