/**
 * The container init's modules in one file (scripts/bundle.mjs → dist/runtime/init-bundle.js)
 * and init-main.js's choice between it and the modules' own files. Works on a copy of dist/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const REPO = join(__dirname, '../..');
const built = existsSync(join(REPO, 'dist/runtime/init-main.js')); // (npm run build makes init-bundle.js with it)
let top = '';
const dist = () => join(top, 'dist');

/** Bundle the copy's dist/ again. */
function bundle(): void {
  const r = spawnSync(process.execPath, [join(REPO, 'scripts/bundle.mjs'), dist()], { encoding: 'utf8' });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
}

/** Start the copy's init as the runtime does, without a sync socket: it boots, then fails to read its orders. */
function bootInit(): { status: number | null; stderr: string } {
  const r = spawnSync(process.execPath, [join(dist(), 'runtime/init-main.js')], { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe', 'ignore'], env: { MINI_RUN_NO_COMPILE_CACHE: '1' } });
  return { status: r.status, stderr: r.stderr };
}

/** Put a line at the top of the copy's dist/runtime/init.js that says where it was loaded from. */
function markInit(mark: string): void {
  const file = join(dist(), 'runtime/init.js');
  const line = `process.stderr.write(${JSON.stringify(`${mark} from `)} + __filename + '\\n'); // MARK\n`;
  const text = readFileSync(file, 'utf8').replace(/^"use strict";\n(.*\/\/ MARK\n)?/, () => `"use strict";\n${line}`);
  writeFileSync(file, text);
}

describe.skipIf(!built)('the init bundle', () => {
  beforeAll(() => {
    top = mkdtempSync(join(tmpdir(), 'mr-test-init-bundle-'));
    cpSync(join(REPO, 'dist'), dist(), { recursive: true });
    symlinkSync(join(REPO, 'node_modules'), join(top, 'node_modules'));
  });
  afterAll(() => rmSync(top, { recursive: true, force: true }));

  it('holds init.js and every module of dist/ it requires, and loads compile-cache.js for real', () => {
    const text = readFileSync(join(REPO, 'dist/runtime/init-bundle.js'), 'utf8');
    expect(text).toContain('A BUILD PRODUCT (scripts/bundle.mjs');
    const keys = [...text.matchAll(/^\/\/ ---- (\S+)$/gm)].map((m) => m[1]);
    expect(keys[0]).toBe('runtime/init.js');
    for (const key of ['sys/libc.js', 'runtime/mounts.js', 'runtime/process.js', 'runtime/seccomp-load.js', 'runtime/userns.js', 'native.js']) expect(keys).toContain(key);
    expect(keys).not.toContain('compile-cache.js'); // one instance, shared with init-main.js
    // each module's text is its file's, unchanged but for \\u escapes of non-ASCII characters
    for (const key of keys) expect(text).toContain(readFileSync(join(REPO, 'dist', key), 'utf8').trimEnd().replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
    expect(text).not.toMatch(/[^\x00-\x7f]/);
    // loading it reads no file of dist/ but compile-cache.js (and fnv1a.js, which it requires)
    const r = spawnSync(process.execPath, ['-e', `
      const Module = require('node:module');
      const seen = [];
      const real = Module.prototype.load;
      Module.prototype.load = function (filename) { seen.push(filename); return real.apply(this, arguments); };
      require(${JSON.stringify(join(REPO, 'dist/runtime/init-bundle.js'))});
      process.stdout.write(JSON.stringify(seen));
    `], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    const fromDist = (JSON.parse(r.stdout) as string[]).filter((f) => f.startsWith(join(REPO, 'dist') + '/')).map((f) => f.slice(REPO.length + 6));
    expect(fromDist.sort()).toEqual(['compile-cache.js', 'fnv1a.js', 'runtime/init-bundle.js']);
  });

  it('init-main.js boots from the bundle when it is as new as init.js, and from the files when tsc rewrote them since', () => {
    markInit('A');
    bundle(); // the bundle now holds mark A
    let r = bootInit();
    expect(r.stderr).toContain(`A from ${join(dist(), 'runtime/init.js')}\n`); // the bundle names the module by its own file
    expect(r.status).toBe(125); // no sync socket: it booted and failed to read its orders
    // init.js changed but is older than the bundle (e.g. a package's equal mtimes): the bundle still
    markInit('B');
    const past = new Date(Date.now() - 3600_000);
    utimesSync(join(dist(), 'runtime/init.js'), past, past);
    r = bootInit();
    expect(r.stderr).toContain('A from ');
    expect(r.stderr).not.toContain('B from ');
    // tsc alone (no bundle step) rewrote init.js: the files, never the older bundle
    const later = new Date(Date.now() + 3600_000);
    utimesSync(join(dist(), 'runtime/init.js'), later, later);
    r = bootInit();
    expect(r.stderr).toContain(`B from ${join(dist(), 'runtime/init.js')}\n`);
    expect(r.stderr).not.toContain('A from ');
    // no bundle at all: the files
    rmSync(join(dist(), 'runtime/init-bundle.js'));
    r = bootInit();
    expect(r.stderr).toContain('B from ');
    expect(r.status).toBe(125);
  });
});
