/**
 * Compiled seccomp filters kept under the runtime's state root (runtime/seccomp-cache.ts): a
 * hit gives the program the compiler gives; an entry that does not match the profile exactly,
 * comes from another compiler, or is damaged is never used (compiled afresh, replaced); a
 * directory someone else could write is not used at all.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cachedFilter, clearFilterCache, digest } from '../../src/runtime/seccomp-cache';
import { compileForInit } from '../../src/runtime/seccomp';
import { resolveProfile } from '../../src/engine/seccomp-profile';
import { DEFAULT_SECCOMP_PROFILE } from '../../src/engine/seccomp-default';
import type { LinuxSeccomp } from '../../src/runtime/spec';

const profile = resolveProfile(DEFAULT_SECCOMP_PROFILE, ['CAP_CHOWN', 'CAP_KILL']);
let base: string;
let dir: string;
beforeEach(() => {
  base = mkdtempSync(join(tmpdir(), 'mr-seccomp-cache-'));
  dir = join(base, '.seccomp');
});
afterEach(() => rmSync(base, { recursive: true, force: true }));

/** cachedFilter, counting how often it had to compile. */
function get(p: LinuxSeccomp = profile) {
  let compiles = 0;
  const filter = cachedFilter(dir, p, () => { compiles++; return compileForInit(p); });
  return { filter, compiles };
}
const entryFile = () => join(dir, readdirSync(dir)[0]);
const edit = (fn: (e: any) => void) => {
  const e = JSON.parse(readFileSync(entryFile(), 'utf8'));
  fn(e);
  writeFileSync(entryFile(), JSON.stringify(e));
};

describe('compiled seccomp filters under the state root', () => {
  it('compiles once, then gives the same program from the cache (a 0700 directory, 0600 entry)', () => {
    const first = get();
    expect(first.compiles).toBe(1);
    const again = get();
    expect(again.compiles).toBe(0);
    expect(again.filter).toEqual(compileForInit(profile));
    expect(readdirSync(dir)).toHaveLength(1);
    expect(readdirSync(base, { withFileTypes: true }).find((e) => e.name === '.seccomp')).toBeTruthy();
  });

  it('another profile is another entry, never the first one\'s program', () => {
    get();
    const other = { ...profile, defaultAction: 'SCMP_ACT_ALLOW' as const, syscalls: [{ names: ['keyctl'], action: 'SCMP_ACT_ERRNO' as const }] };
    const r = get(other);
    expect(r.compiles).toBe(1);
    expect(r.filter).toEqual(compileForInit(other));
    expect(get(other).compiles).toBe(0);
    expect(get().filter).toEqual(compileForInit(profile));
  });

  it('a damaged or foreign entry is not used: compiled afresh, and replaced', () => {
    const good = compileForInit(profile);
    const short = Buffer.from(good.program, 'base64').subarray(0, 8 * 10).toString('base64');
    const damage: Array<(e: any) => void> = [
      (e) => { e.filter.program = short; }, // a shorter, weaker program (checksum no longer matches)
      (e) => { e.filter.program = short; e.filter.instructions = 10; }, // idem, count fixed up
      (e) => { e.check = '0000000000000000'; },
      (e) => { e.profile = e.profile.replace('SCMP_ACT_ERRNO', 'SCMP_ACT_ALLOW'); }, // written for another profile
      (e) => { e.compiler = 'an older build'; },
      (e) => { e.filter.flags = 64; },
      (e) => { delete e.filter; },
    ];
    for (const d of damage) {
      get();
      edit(d);
      const r = get();
      expect(r.compiles).toBe(1);
      expect(r.filter).toEqual(good);
      expect(get().compiles).toBe(0); // replaced by a good entry
    }
    for (const junk of ['', '{', 'null', '[]']) {
      writeFileSync(entryFile(), junk);
      expect(get()).toEqual({ filter: good, compiles: 1 });
    }
  });

  it('a whole, valid entry of a weaker profile put in the place of the default\'s is not taken', () => {
    get();
    const defaultEntry = entryFile();
    const weakProfile: LinuxSeccomp = { defaultAction: 'SCMP_ACT_ALLOW' };
    get(weakProfile);
    const weakEntry = readdirSync(dir).map((f) => join(dir, f)).find((f) => f !== defaultEntry)!;
    writeFileSync(defaultEntry, readFileSync(weakEntry)); // checksum and all: only the profile differs
    const r = get();
    expect(r.compiles).toBe(1);
    expect(r.filter).toEqual(compileForInit(profile));
  });

  it('a directory others can write is not used at all', () => {
    get();
    chmodSync(dir, 0o777);
    expect(get().compiles).toBe(1);
    expect(get().compiles).toBe(1);
  });

  it('no directory given: compiled every time', () => {
    let compiles = 0;
    cachedFilter(undefined, profile, () => { compiles++; return compileForInit(profile); });
    cachedFilter(undefined, profile, () => { compiles++; return compileForInit(profile); });
    expect(compiles).toBe(2);
  });

  it('names an entry by a 64-bit digest of compiler and profile, and checks its program by one of the program\'s bytes', () => {
    get();
    const name = readdirSync(dir)[0];
    const e = JSON.parse(readFileSync(join(dir, name), 'utf8'));
    expect(e.check).toMatch(/^[0-9a-f]{16}$/);
    expect(e.check).toBe(digest(Buffer.from(e.filter.program, 'base64')));
    expect(name).toBe(`${digest(`${e.compiler}\n${e.profile}`)}.json`);
  });

  it('the digest changes with any one byte, with the length (a zero byte added), and is the same for the same data', () => {
    const text = JSON.stringify(profile);
    const seen = new Set([digest(text)]);
    expect(digest(text)).toBe(digest(Buffer.from(text)));
    for (const at of [0, 1, 2, 3, 4, Math.floor(text.length / 2), text.length - 1]) {
      const b = Buffer.from(text);
      b[at] ^= 1;
      seen.add(digest(b));
    }
    for (const t of ['', '\0', '\0\0', 'a', 'a\0', 'abcd', 'abcd\0']) seen.add(digest(t));
    expect(seen.size).toBe(1 + 7 + 7);
  });

  it('clearFilterCache (system prune) removes the directory, says the bytes its entries held; the next use compiles again', () => {
    get();
    const size = readFileSync(entryFile()).length;
    expect(clearFilterCache(dir)).toBe(size);
    expect(readdirSync(base)).toEqual([]);
    expect(clearFilterCache(dir)).toBe(0); // none: nothing to do
    expect(get().compiles).toBe(1);
    expect(get().compiles).toBe(0);
  });
});
