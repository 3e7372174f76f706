/**
 * Compiled seccomp filters, kept by profile under the runtime's state root.
 *
 * Nearly every container has the same profile (Docker's default, ~880 instructions), and every
 * `run` and `exec` compiled it again (10–20 ms of a cold Node, seccomp.ts). The runtime keeps
 * what it compiled in `<root>/.seccomp/` (a name no container id can have), one file per profile
 * and compiler: the profile's exact text, the compiler's identity, the program and its checksum.
 * An entry is used only when all of them match — the profile is compared in full, not by a
 * hash, so no other profile can stand in for it — and the program passes the same shape check
 * the init makes (seccomp-load.ts); anything else is compiled afresh and the entry replaced.
 * The directory must be ours and writable by no one else (like the state root, it is never
 * visible inside a container); otherwise the cache is not used at all.
 */
import { lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fromWire, type WireSeccomp } from './seccomp-load';
import type { LinuxSeccomp } from './spec';
import { traceNote } from '../sys/trace';
import { fnvWords64 } from '../fnv1a';
import { lazy } from '../lazy';

const seccomp = lazy(() => require('./seccomp') as typeof import('./seccomp'));

/** The files the program depends on: a rebuilt or upgraded compiler misses every old entry. */
const COMPILER_FILES = ['seccomp', 'bpf', 'syscalls-x86_64', 'syscalls-i386', 'syscalls-x32'];

function compilerIdentity(): string | null {
  const ext = __filename.endsWith('.ts') ? '.ts' : '.js';
  try {
    return COMPILER_FILES.map((f) => {
      const st = statSync(join(__dirname, f + ext));
      return `${st.ino}:${st.size}:${st.ctimeMs}:${st.mtimeMs}`;
    }).join(',');
  } catch {
    return null;
  }
}

/**
 * A file name and a checksum against corruption, not a guard (an entry is used only when its
 * profile and compiler match in full, and its program passes the init's shape check): 64 bits
 * over the data's 32-bit words, not SHA-256 from node:crypto (fnv1a.ts says why).
 */
export const digest = fnvWords64;

/** The checksum of a program (base64 in the entry): over its bytes, a quarter of the text's words. */
const programCheck = (program: string): string => digest(Buffer.from(program, 'base64'));

interface Entry {
  compiler: string;
  profile: string;
  check: string;
  filter: WireSeccomp;
}

/** Ours and writable by no one else (made 0700 if missing); false: do not use a cache here. */
function trustedDir(dir: string): boolean {
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') return false;
  }
  try {
    const st = statSync(dir);
    return st.isDirectory() && st.uid === process.getuid?.() && (st.mode & 0o022) === 0;
  } catch {
    return false;
  }
}

/** The cached filter for exactly this profile and compiler, checked; null when there is none. */
function read(file: string, compiler: string, profile: string): WireSeccomp | null {
  try {
    const e = JSON.parse(readFileSync(file, 'utf8')) as Partial<Entry>;
    if (e.compiler !== compiler || e.profile !== profile || typeof e.filter?.program !== 'string') return null;
    if (e.check !== programCheck(e.filter.program)) return null;
    fromWire(e.filter); // the shape the init will check: throws when it would refuse it
    return e.filter;
  } catch {
    return null;
  }
}

/**
 * The compiled filter of `profile`, from the cache in `dir` when an entry matches, else from
 * `compile` (stored for next time; a failed write only means no cache).
 */
export function cachedFilter(dir: string | undefined, profile: LinuxSeccomp, compile: () => WireSeccomp): WireSeccomp {
  const compiler = dir !== undefined ? compilerIdentity() : null;
  if (dir === undefined || compiler === null || !trustedDir(dir)) return compile();
  const text = JSON.stringify(profile);
  const file = join(dir, digest(`${compiler}\n${text}`) + '.json');
  const hit = read(file, compiler, text);
  if (hit) return hit;
  const filter = compile();
  try {
    const tmp = `${file}.${process.pid}`;
    const entry: Entry = { compiler, profile: text, check: programCheck(filter.program), filter };
    writeFileSync(tmp, JSON.stringify(entry), { mode: 0o600 });
    renameSync(tmp, file); // a reader sees the old entry or the new, never half
  } catch { /* read-only or full: compiled each time */ }
  return filter;
}

/**
 * The runtime's side of the hand-over: the filter for the init's (or exec process's) orders,
 * from the cache or compiled now while it boots (seccomp.ts compileForInit: exit 125 when the
 * profile cannot be compiled). `--trace` shows which.
 */
export function filterForInit(profile: LinuxSeccomp, dir: string | undefined): WireSeccomp {
  let compiled = false;
  const filter = cachedFilter(dir, profile, () => {
    compiled = true;
    return seccomp().compileForInit(profile);
  });
  if (!compiled) traceNote(`seccomp profile: ${filter.instructions} BPF instructions, compiled before (${dir})`);
  return filter;
}

/**
 * Removes the whole cache in `dir` (`system prune`: it is only a cache) and returns the bytes
 * its entries held; the next run compiles its profile again. A run writing an entry meanwhile
 * only fails to store it (its rename finds no directory, see cachedFilter).
 */
export function clearFilterCache(dir: string): number {
  let bytes = 0;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 0; // none yet (or not a directory we can read: left alone)
  }
  for (const name of names) {
    try { bytes += lstatSync(join(dir, name)).size; } catch { /* gone meanwhile */ }
  }
  rmSync(dir, { recursive: true, force: true });
  return bytes;
}
