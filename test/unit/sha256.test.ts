/**
 * src/sha256.ts gives what node:crypto gives: a predefined network's id must not change with it.
 */
import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { sha256Hex } from '../../src/sha256';

const reference = (s: string) => createHash('sha256').update(s).digest('hex');

describe('sha256Hex', () => {
  it('the FIPS 180-4 examples', () => {
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('as node:crypto at every length around the block and padding edges, and for UTF-8 text', () => {
    for (let n = 0; n <= 200; n++) {
      const s = Array.from({ length: n }, (_, i) => String.fromCharCode(32 + ((i * 7 + n) % 95))).join('');
      expect(sha256Hex(s), `length ${n}`).toBe(reference(s));
    }
    for (const s of ['/var/lib/mini-run\0predefined network\0bridge', 'é ≈ … 日本', 'x'.repeat(5000)]) expect(sha256Hex(s)).toBe(reference(s));
  });
});
