import { describe, expect, it } from 'vitest';
import { randomBytes } from '../../src/sys/random';
import { newContainerId } from '../../src/engine/names';

describe('random bytes without node:crypto (sys/random.ts)', () => {
  it('gives exactly the bytes asked for, different each time', () => {
    for (const n of [0, 1, 2, 6, 32, 4096]) expect(randomBytes(n).length).toBe(n);
    const seen = new Set(Array.from({ length: 50 }, () => randomBytes(16).toString('hex')));
    expect(seen.size).toBe(50);
  });

  it('covers every byte value (not a constant or a narrow range)', () => {
    const counts = new Array<number>(256).fill(0);
    for (const b of randomBytes(1 << 16)) counts[b]++;
    expect(counts.every((c) => c > 0)).toBe(true);
  });

  it('container ids are 64 lowercase hex digits', () => {
    const ids = Array.from({ length: 20 }, () => newContainerId());
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{64}$/);
    expect(new Set(ids).size).toBe(20);
  });
});
