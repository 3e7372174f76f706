/**
 * src/sys/koffi-load.ts: koffi's native module loaded directly (glibc linux x64/arm64) gives the
 * same working libc as `require('koffi')`, and anything uncertain falls back to `require('koffi')`.
 * Each case runs in a fresh Node (koffi's module cache is per process) on the built dist/.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const REPO = join(__dirname, '../..');
const LOADER = join(REPO, 'dist/sys/koffi-load.js');
const built = existsSync(LOADER);

/** Run `body` in a fresh Node with `L` = the loader module; its stdout parsed as JSON. */
function inNode(body: string): Record<string, unknown> {
  const script = `const L = require(${JSON.stringify(LOADER)});\n${body}`;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

const GETPID = `const lib = k.load('libc.so.6');
const getpid = lib.func('int getpid(void)'), getppid = lib.func('int getppid(void)');
const umask = lib.func('uint32_t umask(uint32_t mask)');
const old = umask(0o27); const back = umask(old);
const close = lib.func('int close(int fd)'); const r = close(-1);`;
const REPORT = `{ pid: getpid() === process.pid, ppid: getppid() === process.ppid, umask: back, close: r, errno: k.errno(),
  cached: Object.keys(require.cache).filter((f) => /node_modules\\/.*koffi/.test(f)).map((f) => f.replace(/.*node_modules\\//, '')) }`;

describe.skipIf(!built)('koffi-load', () => {
  it('the direct load and require("koffi") give a libc with the same results', () => {
    const direct = inNode(`const k = L.loadKoffi();\n${GETPID}\nconsole.log(JSON.stringify({ how: L.loadedHow, ...${REPORT} }));`);
    const viaRequire = inNode(`const k = require('koffi');\n${GETPID}\nconsole.log(JSON.stringify({ how: 'require', ...${REPORT} }));`);
    const certain = inNode(`console.log(JSON.stringify({ path: L.directNativePath() }));`).path as string | null;
    if (certain === null) {
      console.log(`koffi-load: no direct load on ${process.platform}/${process.arch} with this libc: fallback only`);
      expect(direct.how).toBe('require');
    } else {
      expect(direct.how).toBe('direct');
      // the direct load took exactly the file koffi's own loader takes, and nothing else of koffi
      expect(direct.cached).toEqual([`@koromix/koffi-linux-${process.arch}/linux_${process.arch}/koffi.node`]);
      expect(viaRequire.cached).toContain(`@koromix/koffi-linux-${process.arch}/linux_${process.arch}/koffi.node`);
    }
    for (const r of [direct, viaRequire]) {
      expect(r).toMatchObject({ pid: true, ppid: true, close: -1, errno: 9 /* EBADF */ });
    }
    expect(direct.umask).toBe(viaRequire.umask);
  });

  it('falls back to require("koffi") when the direct path is absent', () => {
    const r = inNode(`const k = L.loadKoffi('/nonexistent/node_modules');\n${GETPID}\nconsole.log(JSON.stringify({ how: L.loadedHow, ...${REPORT} }));`);
    expect(r).toMatchObject({ how: 'require', pid: true, ppid: true, close: -1, errno: 9 });
    expect((r.cached as string[])).toContain('koffi/src/koffi/index.cjs');
  });

  it('falls back when Node is not a glibc program (no ld-linux interpreter)', () => {
    // a file that is not an ELF program: no interpreter to read, so nothing is certain
    const r = inNode(`console.log(JSON.stringify({ interp: L.nodeInterpreter(${JSON.stringify(LOADER)}), path: L.directNativePath(undefined, ${JSON.stringify(LOADER)}), how: (L.loadKoffi(undefined, ${JSON.stringify(LOADER)}), L.loadedHow) }));`);
    expect(r).toEqual({ interp: null, path: null, how: 'require' });
  });

  it('a require("koffi") after the direct load is the same native instance', () => {
    const r = inNode(`const k = L.loadKoffi(); const w = require('koffi');
console.log(JSON.stringify({ how: L.loadedHow, same: w.default === k, errno: w.errno === k.errno }));`);
    if (r.how === 'direct') expect(r).toEqual({ how: 'direct', same: true, errno: true });
  });
});
