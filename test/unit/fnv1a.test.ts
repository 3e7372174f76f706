import { describe, expect, it } from 'vitest';
import { fnv1a, fnv1a64, fnvWords64 } from '../../src/fnv1a';

describe('fnv1a', () => {
  it("gives FNV-1a's published 32-bit vectors (offset basis 0x811c9dc5)", () => {
    expect(['', 'a', 'foobar'].map((t) => fnv1a(t, 0x811c9dc5))).toEqual(['811c9dc5', 'e40c292c', 'bf9cf968']);
  });

  it('fnv1a64 is the two seeded runs side by side, 16 hex digits', () => {
    expect(fnv1a64('foobar')).toBe(fnv1a('foobar', 0x811c9dc5) + fnv1a('foobar', 0x050c5d1f));
    expect(fnv1a64('foobar')).toMatch(/^[0-9a-f]{16}$/);
  });
});

describe('fnvWords64', () => {
  // Pinned: runtime/seccomp-cache.ts names its entries by this function, so a change in its
  // output would make every existing cache entry miss (compiled again, under a new name).
  it('gives the values seccomp-cache entries were named by (session 14)', () => {
    expect(['', 'a', 'foobar', 'hello, seccomp\n'].map((t) => fnvWords64(t)))
      .toEqual(['811c9dc5050c5d1f', 'e50c2abf4f2f3037', '0dce2e7a61f21626', '41a2b0057c492c0b']);
    expect(fnvWords64(Buffer.from([1, 2, 3, 4, 5]))).toBe('949c84e2ad301b14');
    expect(fnvWords64('foobar')).toBe(fnvWords64(Buffer.from('foobar')));
  });
});
