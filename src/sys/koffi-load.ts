/**
 * koffi, loaded the quick way when that is certain.
 *
 * `require('koffi')` (3.3.4) took ≈ 9.4 ms where loading its native `koffi.node` directly took
 * ≈ 2.6 ms (20 rounds under the host lock, docs/perf.md session 12): its loader compiles three
 * JS files, reads Node's own ELF file to choose the glibc or the musl build, and wraps the native
 * API in deprecation shims (`lib.cdecl`, `koffi.resolve`, …) that nothing here uses. The CLI
 * pays that before it spawns the init, and the init again before the runtime's "go".
 *
 * The direct way is taken only for linux x64/arm64 with glibc — Node's ELF interpreter
 * (PT_INTERP) is `ld-linux-*`, which is how koffi itself decides — when the file is where koffi's
 * own loader would take it (node_modules/@koromix/koffi-linux-<arch>/linux_<arch>/koffi.node)
 * and its version is koffi's. It is loaded with `require`, by the same path koffi's loader uses,
 * so a later `require('koffi')` in the same process gets the same instance. Anything else (musl,
 * another arch, a hoisted install, a different version, any error) is `require('koffi')`.
 */
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { basename, join } from 'node:path';

export type Koffi = typeof import('koffi');

/** Where our own node_modules are: dist/sys/ (or src/sys/ under vitest) → the package's top. */
const MODULES = join(__dirname, '..', '..', 'node_modules');

/** The ELF interpreter of the running Node (PT_INTERP), or null when it cannot be read. */
export function nodeInterpreter(execPath = process.execPath): string | null {
  let fd = -1;
  try {
    fd = openSync(execPath, 'r');
    const head = Buffer.alloc(64);
    if (readSync(fd, head, 0, 64, 0) !== 64) return null;
    // 64-bit little-endian ELF only (the two arches taken here)
    if (head.readUInt32BE(0) !== 0x7f454c46 || head[4] !== 2 || head[5] !== 1) return null;
    const phoff = Number(head.readBigUInt64LE(32));
    const phentsize = head.readUInt16LE(54), phnum = head.readUInt16LE(56);
    if (phentsize !== 56 || phnum === 0 || phnum > 256) return null;
    const ph = Buffer.alloc(phentsize * phnum);
    if (readSync(fd, ph, 0, ph.length, phoff) !== ph.length) return null;
    for (let off = 0; off < ph.length; off += phentsize) {
      if (ph.readUInt32LE(off) !== 3 /* PT_INTERP */) continue;
      const at = Number(ph.readBigUInt64LE(off + 8)), size = Number(ph.readBigUInt64LE(off + 32));
      if (size < 2 || size > 4096) return null;
      const text = Buffer.alloc(size);
      if (readSync(fd, text, 0, size, at) !== size || text[size - 1] !== 0) return null;
      return text.toString('latin1', 0, size - 1);
    }
    return null;
  } catch {
    return null;
  } finally {
    if (fd >= 0) closeSync(fd);
  }
}

/** The koffi.node koffi itself would load on this host, when that is certain; else null. */
export function directNativePath(modules = MODULES, execPath = process.execPath): string | null {
  if (process.platform !== 'linux' || (process.arch !== 'x64' && process.arch !== 'arm64')) return null;
  const interp = nodeInterpreter(execPath);
  if (interp === null || !basename(interp).startsWith('ld-linux-')) return null; // glibc's loader
  return join(modules, '@koromix', `koffi-linux-${process.arch}`, `linux_${process.arch}`, 'koffi.node');
}

/** koffi's version as its package.json says (what its own loader checks the native one against). */
function koffiVersion(modules: string): string | null {
  try {
    const v: unknown = JSON.parse(readFileSync(join(modules, 'koffi', 'package.json'), 'utf8')).version;
    return typeof v === 'string' ? v : null;
  } catch {
    return null;
  }
}

/** How the last loadKoffi() got koffi (for the tests). */
export let loadedHow: 'direct' | 'require' | null = null;

/** koffi's API: the native module directly when certain (see above), else `require('koffi')`. */
export function loadKoffi(modules = MODULES, execPath = process.execPath): Koffi {
  const file = directNativePath(modules, execPath);
  if (file !== null) {
    const version = koffiVersion(modules);
    try {
      const native = version === null ? null : require(file) as Koffi & { version?: string };
      if (native && native.version === version) {
        loadedHow = 'direct';
        return native;
      }
    } catch { /* absent or unloadable: koffi's own loader decides */ }
  }
  loadedHow = 'require';
  return require('koffi') as Koffi;
}
