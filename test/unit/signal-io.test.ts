import { describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, readSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { dupCloexec, pipe, signalDriven, socketpair } from '../../src/sys/libc';
import { watchCount, watchReadable, type ReadableWatch } from '../../src/sys/signal-io';

// sys/signal-io.ts: a pipe or socket read when SIGIO says so (no node:net, no thread). Plain
// pipes, socket pairs and processes: no container, no root needed. Cases about the process as
// a whole (threads, the event loop kept alive or not, exit) run in a Node of their own on dist/.

const REPO = join(__dirname, '../..');
const built = existsSync(join(REPO, 'dist/sys/signal-io.js'));
if (!built) console.log('signal-io.test: dist/ not built: the cases in a Node of their own are skipped');

/** Collect a watch's bytes and how it ended. */
function collect(fd: number): { watch: ReadableWatch; done: Promise<{ bytes: Buffer; err: string | null; chunks: number }> } {
  const chunks: Buffer[] = [];
  let watch!: ReadableWatch;
  const done = new Promise<{ bytes: Buffer; err: string | null; chunks: number }>((resolve) => {
    watch = watchReadable(fd, {
      data: (d) => chunks.push(d),
      end: (err) => resolve({ bytes: Buffer.concat(chunks), err: err ? (err as NodeJS.ErrnoException).code ?? err.message : null, chunks: chunks.length }),
    });
  });
  return { watch, done };
}

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
const seqText = (n: number) => Array.from({ length: n }, (_, i) => `${i + 1}\n`).join('');

/** Run `body` (JS with watchReadable, libc, fs and done(result) in scope) in a fresh Node; its result and exit. */
function inNode(body: string): { result: unknown; status: number | null; signal: string | null } {
  const script = `const {watchReadable,watchCount}=require(${JSON.stringify(join(REPO, 'dist/sys/signal-io.js'))});` +
    `const libc=require(${JSON.stringify(join(REPO, 'dist/sys/libc.js'))});const fs=require('node:fs');` +
    `const threads=()=>fs.readdirSync('/proc/self/task').length;` +
    `const done=(r)=>{process.stdout.write(JSON.stringify(r));};\n${body}`;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 20_000 });
  return { result: r.stdout ? JSON.parse(r.stdout) as unknown : null, status: r.status, signal: r.signal };
}

describe('watchReadable (signal-driven I/O)', () => {
  it('reads every byte of a writer that writes more than a pipe holds and exits at once, in order, then ends once', async () => {
    const p = pipe();
    // ≈ 2.7 MB (a pipe holds 64 KiB): the writer blocks until we read, and exits as soon as it is written
    const writer = spawn('seq', ['1', '400000'], { stdio: ['ignore', p.write, 'ignore'] });
    closeSync(p.write);
    const { done } = collect(p.read);
    const got = await done;
    expect(got.err).toBeNull();
    expect(got.bytes.length).toBe(seqText(400000).length);
    expect(sha(got.bytes)).toBe(sha(seqText(400000)));
    await new Promise((r) => writer.on('exit', r));
    expect(watchCount()).toBe(0);
  });

  it('reads what came before the watch (no signal was sent for it), and EOF that came before too', async () => {
    const p = pipe();
    writeSync(p.write, 'early\n');
    closeSync(p.write);
    const got = await collect(p.read).done;
    expect([got.bytes.toString(), got.err]).toEqual(['early\n', null]);
  });

  it('many fds at once, each written in small pieces by a process of its own: each gets its own bytes, in order', async () => {
    const runs = Array.from({ length: 24 }, (_, i) => {
      const p = pipe();
      const script = `for i in $(seq 1 50); do echo ${i}-$i; done`;
      spawn('/bin/sh', ['-c', script], { stdio: ['ignore', p.write, 'ignore'] });
      closeSync(p.write);
      return collect(p.read).done;
    });
    const got = await Promise.all(runs);
    got.forEach((g, i) => expect(g.bytes.toString()).toBe(Array.from({ length: 50 }, (_, j) => `${i}-${j + 1}\n`).join('')));
  });

  it('destroy() mid-stream: no more data, end once (no error), the fd closed with O_ASYNC cleared first', async () => {
    const p = pipe();
    // a second descriptor of the same open file: O_ASYNC is the description's, seen through it after the close
    const copy = dupCloexec(p.read, 200);
    const writer = spawn('yes', [], { stdio: ['ignore', p.write, 'ignore'] });
    closeSync(p.write);
    let ends = 0;
    let after = 0;
    let destroyed = false;
    let watch!: ReadableWatch;
    const first = new Promise<void>((resolve) => {
      watch = watchReadable(p.read, {
        data: () => { if (destroyed) after++; resolve(); },
        end: () => { ends++; },
      });
    });
    await first;
    expect(signalDriven(copy)).toBe(true);
    watch.destroy();
    destroyed = true;
    watch.destroy(); // twice: nothing more
    expect(signalDriven(copy)).toBe(false);
    await new Promise((r) => setTimeout(r, 50));
    expect([ends, after, watchCount()]).toEqual([1, 0, 0]);
    closeSync(copy); // the last descriptor: yes gets EPIPE/SIGPIPE and ends
    expect(await new Promise((r) => writer.on('exit', (code, signal) => r(signal ?? code)))).not.toBeNull();
  });

  it('a socket pair: writes reach the peer; a write after the peer left ends the watch with EPIPE, after what it sent is read', async () => {
    const [ours, theirs] = socketpair();
    const { watch, done } = collect(ours);
    expect(watch.write('ping\n')).toBe(true);
    const buf = Buffer.alloc(16);
    const n = readSync(theirs, buf, 0, 16, null);
    expect(buf.toString('utf8', 0, n)).toBe('ping\n');
    writeSync(theirs, 'last words\n');
    closeSync(theirs);
    // (a unix socket whose peer is gone: EPIPE at once)
    expect(watch.write('anyone?\n')).toBe(false);
    const got = await done;
    // What it sent before leaving is read; then the end: its EOF, or the failed write, whichever is seen first.
    expect(got.bytes.toString()).toBe('last words\n');
    expect([null, 'EPIPE', 'ECONNRESET']).toContain(got.err);
    expect(watchCount()).toBe(0);
  });

  it('a busy writer does not starve the event loop: timers run while it is read (1 MiB a turn)', async () => {
    const p = pipe();
    const writer = spawn('yes', ['0123456789abcdef0123456789abcdef'], { stdio: ['ignore', p.write, 'ignore'] });
    closeSync(p.write);
    let bytes = 0;
    let ticks = 0;
    const tick = setInterval(() => ticks++, 5);
    const watch = watchReadable(p.read, { data: (d) => { bytes += d.length; }, end: () => undefined });
    await new Promise((r) => setTimeout(r, 300));
    watch.destroy();
    clearInterval(tick);
    await new Promise((r) => writer.on('exit', r));
    expect(bytes).toBeGreaterThan(1024 * 1024);
    expect(ticks).toBeGreaterThan(10);
  });
});

describe.skipIf(!built)('watchReadable, the process as a whole', () => {
  it('makes no thread, and delivers all of a large write; a ref\'d watch keeps the process until EOF', () => {
    const r = inNode(`const before=threads();const p=libc.pipe();let n=0;libc.setStatusFlags(p.write,0o4001 /* O_WRONLY|O_NONBLOCK */);
      const w=watchReadable(p.read,{data:(d)=>{n+=d.length;},end:()=>{done({n,before,after:threads(),left:watchCount()});}});
      const big=Buffer.alloc(5*1024*1024,120);let off=0;
      const feed=()=>{ // (a blocking pipe: write what fits, then let the loop read)
        try{off+=fs.writeSync(p.write,big,off,Math.min(32768,big.length-off));}catch(e){}
        if(off<big.length)setTimeout(feed,0);else setTimeout(()=>fs.closeSync(p.write),100);};
      feed();`);
    expect(r.status).toBe(0);
    const res = r.result as { n: number; before: number; after: number; left: number };
    expect(res.n).toBe(5 * 1024 * 1024);
    expect(res.after).toBe(res.before);
    expect(res.left).toBe(0);
  });

  it("unref(): the process ends without waiting for the fd; at exit, O_ASYNC is cleared on fds still watched", () => {
    const r = inNode(`const p=libc.pipe();
      const w=watchReadable(p.read,{data:()=>{},end:()=>{}});w.unref();
      process.on('exit',()=>{done({async:libc.signalDriven(p.read)});});`);
    expect(r).toEqual({ result: { async: false }, status: 0, signal: null });
  });

  it('a SIGIO after the last watch ended is heard (the listener stays), not the default action that would end the process', () => {
    const r = inNode(`const p=libc.pipe();watchReadable(p.read,{data:()=>{},end:()=>{
        process.kill(process.pid,'SIGIO');setTimeout(()=>done('alive'),50);}});fs.closeSync(p.write);`);
    expect(r).toEqual({ result: 'alive', status: 0, signal: null });
  });
});
