/**
 * mini-run's one non-cryptographic hash: FNV-1a-style names and checksums — never a guard
 * against anyone (whatever such a name finds is checked in full by its reader).
 *
 * Two loops, for two kinds of input:
 *   - over a string's UTF-16 code units (fnv1a, fnv1a64): short keys — compile-cache.ts's file
 *     names, shim/sockets.ts's name directories. One step per character; for a key of a few
 *     dozen characters that is nothing.
 *   - over 32-bit words (fnvWords64): kilobytes of data — runtime/seccomp-cache.ts's entry names
 *     and program checksums (~17 kB of profile). This loop runs cold in V8's interpreter on
 *     `run`'s way to its first cgroup: over characters it took ≈ 6 ms for those ~17 kB, over
 *     words it is a quarter of the steps, ≈ 1 ms.
 * Why not node:crypto: loading it took ≈ 6 ms on `run`'s path (hashing ≈ 0.6), while this module
 * is loaded anyway, by compile-cache.ts before any other of ours (docs/perf.md, "session 14: the
 * last ms of run"). Changing either function's output renames every cached file made with it
 * (a compile cache or seccomp cache then misses once): test/unit/fnv1a.test.ts pins both.
 */

/** 32-bit FNV-1a of `text` from `seed`, as 8 hex digits. */
export function fnv1a(text: string, seed: number): string {
  let h = seed >>> 0;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}

/** Two 32-bit FNV-1a runs from different seeds, as 16 hex digits. */
export const fnv1a64 = (text: string): string => fnv1a(text, 0x811c9dc5) + fnv1a(text, 0x050c5d1f);

/**
 * 64 bits, as 16 hex digits, from two FNV-1a-style lanes over the data's 32-bit words (host byte
 * order, the last word zero-padded) and its length (a string is hashed as its UTF-8 bytes).
 */
export function fnvWords64(data: string | Buffer): string {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const words = new Int32Array((bytes.length + 3) >> 2);
  new Uint8Array(words.buffer).set(bytes);
  let a = (0x811c9dc5 ^ bytes.length) | 0;
  let b = 0x050c5d1f;
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    a = Math.imul(a ^ w, 0x01000193);
    b = Math.imul(b ^ w, 0x5bd1e995) ^ (a >>> 13);
  }
  return (a >>> 0).toString(16).padStart(8, '0') + (b >>> 0).toString(16).padStart(8, '0');
}
