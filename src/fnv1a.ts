/**
 * FNV-1a over a string's UTF-16 code units: names for short keys (compile-cache.ts's files,
 * shim/sockets.ts's name directories) — not a guard against anyone. Long texts are hashed by
 * node:crypto instead (seccomp-cache.ts): this loop runs in V8's interpreter while it is cold.
 */

/** 32-bit FNV-1a of `text` from `seed`, as 8 hex digits. */
export function fnv1a(text: string, seed: number): string {
  let h = seed >>> 0;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}

/** Two 32-bit FNV-1a runs from different seeds, as 16 hex digits. */
export const fnv1a64 = (text: string): string => fnv1a(text, 0x811c9dc5) + fnv1a(text, 0x050c5d1f);
