// Generated from the zod schema LayerInfo by src/schema-compile.ts (scripts/gen-record-checks.mjs): do not edit.
/* eslint-disable */
const F = Symbol('invalid');
const isObject = (v: unknown): boolean => typeof v === 'object' && v !== null && !Array.isArray(v);
function c1(v: any): any {
  if (typeof v !== 'string') return F;
  if (!/^sha256:[a-f0-9]{64}$/.test(v)) return F;
  return v;
}
function c2(v: any): any {
  if (typeof v !== 'string') return F;
  if (!/^[A-Z2-7]{10}$/.test(v)) return F;
  return v;
}
function c3(v: any): any {
  if (typeof v !== 'number' || Number.isNaN(v)) return F;
  if (!Number.isInteger(v)) return F;
  if (!(v >= 0)) return F;
  return v;
}
function c0(v: any): any {
  if (!isObject(v)) return F;
  const out: any = {};
  { const x = c1(v["diffId"]); if (x === F) return F; if (x !== undefined || "diffId" in v) out["diffId"] = x; }
  { const x = c2(v["short"]); if (x === F) return F; if (x !== undefined || "short" in v) out["short"] = x; }
  { const x = c3(v["size"]); if (x === F) return F; if (x !== undefined || "size" in v) out["size"] = x; }
  return out;
}
/** zod's safeParse(v).data for a valid value; undefined when zod must say what is wrong. */
export function checkLayerInfo(v: unknown): unknown {
  const x = c0(v);
  return x === F ? undefined : x;
}
