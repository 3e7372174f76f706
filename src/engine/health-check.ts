// Generated from the zod schema Healthcheck by src/schema-compile.ts (scripts/gen-record-checks.mjs): do not edit.
/* eslint-disable */
const F = Symbol('invalid');
const isObject = (v: unknown): boolean => typeof v === 'object' && v !== null && !Array.isArray(v);
function c2(v: any): any {
  if (typeof v !== 'string') return F;
  return v;
}
function c1(v: any): any {
  if (!Array.isArray(v)) return F;
  if (v.length < 1) return F;
  const out = new Array(v.length);
  for (let i = 0; i < v.length; i++) { const x = c2(v[i]); if (x === F) return F; out[i] = x; }
  return out;
}
function c4(v: any): any {
  if (typeof v !== 'number' || Number.isNaN(v)) return F;
  return v;
}
function c3(v: any): any {
  return v === undefined ? undefined : c4(v);
}
function c0(v: any): any {
  if (!isObject(v)) return F;
  const out: any = {};
  { const x = c1(v["Test"]); if (x === F) return F; if (x !== undefined || "Test" in v) out["Test"] = x; }
  { const x = c3(v["Interval"]); if (x === F) return F; if (x !== undefined || "Interval" in v) out["Interval"] = x; }
  { const x = c3(v["Timeout"]); if (x === F) return F; if (x !== undefined || "Timeout" in v) out["Timeout"] = x; }
  { const x = c3(v["StartPeriod"]); if (x === F) return F; if (x !== undefined || "StartPeriod" in v) out["StartPeriod"] = x; }
  { const x = c3(v["Retries"]); if (x === F) return F; if (x !== undefined || "Retries" in v) out["Retries"] = x; }
  return out;
}
/** zod's safeParse(v).data for a valid value; undefined when zod must say what is wrong. */
export function checkHealthcheck(v: unknown): unknown {
  const x = c0(v);
  return x === F ? undefined : x;
}
