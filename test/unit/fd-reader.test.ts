import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

// sys/fd-reader.ts: a pipe read without node:net (poll on libuv's pool, read on the loop). Plain
// pipes and processes: no container, no root needed. Each case runs in a Node of its own on
// dist/: a vitest worker that made a koffi `.async` call is not ended in time by vitest's pool.

const REPO = join(__dirname, '../..');
const built = existsSync(join(REPO, 'dist/sys/fd-reader.js'));
if (!built) console.log('fd-reader.test: dist/ not built: skipped');

/** Run `body` (JS with FdReader, pipe, fs and done(result) in scope); its result and exit. */
function inNode(body: string): { result: unknown; status: number | null; signal: string | null } {
  const script = `const {FdReader}=require(${JSON.stringify(join(REPO, 'dist/sys/fd-reader.js'))});` +
    `const {pipe}=require(${JSON.stringify(join(REPO, 'dist/sys/libc.js'))});const fs=require('node:fs');` +
    `const done=(r)=>{process.stdout.write(JSON.stringify(r));};\n${body}`;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 20_000 });
  return { result: r.stdout ? JSON.parse(r.stdout) as unknown : null, status: r.status, signal: r.signal };
}

/** Collects a reader's bytes (their length and sha256) and events until 'close'. */
const COLLECT = `const collect=(r,then)=>{const chunks=[],events=[];r.on('data',(d)=>chunks.push(d));r.on('end',()=>events.push('end'));` +
  `r.on('error',()=>events.push('error'));r.on('close',()=>{events.push('close');const b=Buffer.concat(chunks);` +
  `then({length:b.length,sha:require('node:crypto').createHash('sha256').update(b).digest('hex'),events});});};\n`;

describe.skipIf(!built)('FdReader', () => {
  it('reads every byte a writer sends, in order, then end and close, as it exits at once', () => {
    // ≈ 2.7 MB from another process (more than a pipe holds), which exits as soon as it is written
    const r = inNode(COLLECT + `const p=pipe();const w=require('node:child_process').spawn('seq',['1','400000'],{stdio:['ignore',p.write,'ignore']});
      fs.closeSync(p.write);collect(new FdReader(p.read),done);`);
    const want = Buffer.from(Array.from({ length: 400000 }, (_, i) => `${i + 1}\n`).join(''));
    const sha = require('node:crypto').createHash('sha256').update(want).digest('hex') as string;
    expect(r).toEqual({ result: { length: want.length, sha, events: ['end', 'close'] }, status: 0, signal: null });
  });

  it('decodes text split across reads (setEncoding)', () => {
    const r = inNode(`const p=pipe();const r=new FdReader(p.read).setEncoding('utf8');let t='';r.on('data',(d)=>t+=d);r.on('end',()=>done(t));
      const euro=Buffer.from('€');fs.writeSync(p.write,euro.subarray(0,1));
      setTimeout(()=>{fs.writeSync(p.write,Buffer.concat([euro.subarray(1),Buffer.from('\\n')]));fs.closeSync(p.write);},30);`);
    expect(r).toEqual({ result: '€\n', status: 0, signal: null });
  });

  it('destroy() while a poll waits: close comes, and the fd is closed (the writer gets EPIPE)', () => {
    const r = inNode(COLLECT + `const p=pipe();const r=new FdReader(p.read);
      collect(r,(got)=>{let w;try{fs.writeSync(p.write,'x');w='written';}catch(e){w=e.code;}done({events:got.events,w});});
      setTimeout(()=>r.destroy(),30);`);
    expect(r).toEqual({ result: { events: ['close'], w: 'EPIPE' }, status: 0, signal: null });
  });

  it('a pending poll does not hold up the exit (libuv joins its pool at exit), nor keeps running after end', () => {
    expect(inNode(`const p=pipe();new FdReader(p.read);setTimeout(()=>process.exit(3),50);`)).toEqual({ result: null, status: 3, signal: null });
    // while it waits, the process stays (as for a socket); once it ended, the process ends by itself
    expect(inNode(`const p=pipe();const r=new FdReader(p.read);r.on('close',()=>done('closed'));setTimeout(()=>fs.closeSync(p.write),100);`))
      .toEqual({ result: 'closed', status: 0, signal: null });
  });
});
