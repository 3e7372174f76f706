// Generated from the zod schema StoredImage by src/schema-compile.ts (scripts/gen-record-checks.mjs): do not edit.
/* eslint-disable */
const F = Symbol('invalid');
const isObject = (v: unknown): boolean => typeof v === 'object' && v !== null && !Array.isArray(v);
function c1(v: any): any {
  if (typeof v !== 'string') return F;
  if (!/^sha256:[a-f0-9]{64}$/.test(v)) return F;
  return v;
}
function c3(v: any): any {
  if (typeof v !== 'string') return F;
  return v;
}
function c2(v: any): any {
  if (!Array.isArray(v)) return F;
  const out = new Array(v.length);
  for (let i = 0; i < v.length; i++) { const x = c3(v[i]); if (x === F) return F; out[i] = x; }
  return out;
}
function c6(v: any): any {
  if (!Array.isArray(v)) return F;
  const out = new Array(v.length);
  for (let i = 0; i < v.length; i++) { const x = c1(v[i]); if (x === F) return F; out[i] = x; }
  return out;
}
function c11(v: any): any {
  return c6(v === undefined ? [] : v);
}
function c14(v: any): any {
  return v === undefined ? undefined : c3(v);
}
function c16(v: any): any {
  if (typeof v !== 'number' || Number.isNaN(v)) return F;
  if (!Number.isInteger(v)) return F;
  if (!(v >= 0)) return F;
  return v;
}
function c0(v: any): any {
  if (!isObject(v)) return F;
  const out: any = {};
  { const x = c1(v["id"]); if (x === F) return F; if (x !== undefined || "id" in v) out["id"] = x; }
  { const x = c2(v["repoTags"]); if (x === F) return F; if (x !== undefined || "repoTags" in v) out["repoTags"] = x; }
  { const x = c2(v["repoDigests"]); if (x === F) return F; if (x !== undefined || "repoDigests" in v) out["repoDigests"] = x; }
  { const x = c6(v["layers"]); if (x === F) return F; if (x !== undefined || "layers" in v) out["layers"] = x; }
  { const x = c6(v["layerBlobs"]); if (x === F) return F; if (x !== undefined || "layerBlobs" in v) out["layerBlobs"] = x; }
  { const x = c1(v["manifestDigest"]); if (x === F) return F; if (x !== undefined || "manifestDigest" in v) out["manifestDigest"] = x; }
  { const x = c11(v["otherBlobs"]); if (x === F) return F; if (x !== undefined || "otherBlobs" in v) out["otherBlobs"] = x; }
  { const x = c14(v["created"]); if (x === F) return F; if (x !== undefined || "created" in v) out["created"] = x; }
  { const x = c16(v["size"]); if (x === F) return F; if (x !== undefined || "size" in v) out["size"] = x; }
  { const x = c14(v["lastTagTime"]); if (x === F) return F; if (x !== undefined || "lastTagTime" in v) out["lastTagTime"] = x; }
  return out;
}
/** zod's safeParse(v).data for a valid value; undefined when zod must say what is wrong. */
export function checkStoredImage(v: unknown): unknown {
  const x = c0(v);
  return x === F ? undefined : x;
}
