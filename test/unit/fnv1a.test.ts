import { describe, expect, it } from 'vitest';
import { fnv1a, fnv1a64 } from '../../src/fnv1a';

describe('fnv1a', () => {
  it("gives FNV-1a's published 32-bit vectors (offset basis 0x811c9dc5)", () => {
    expect(['', 'a', 'foobar'].map((t) => fnv1a(t, 0x811c9dc5))).toEqual(['811c9dc5', 'e40c292c', 'bf9cf968']);
  });

  it('fnv1a64 is the two seeded runs side by side, 16 hex digits', () => {
    expect(fnv1a64('foobar')).toBe(fnv1a('foobar', 0x811c9dc5) + fnv1a('foobar', 0x050c5d1f));
    expect(fnv1a64('foobar')).toMatch(/^[0-9a-f]{16}$/);
  });
});
