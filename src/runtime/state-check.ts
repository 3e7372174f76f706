// Generated from the zod schema RuntimeState by src/schema-compile.ts (scripts/gen-record-checks.mjs): do not edit.
/* eslint-disable */
const F = Symbol('invalid');
const isObject = (v: unknown): boolean => typeof v === 'object' && v !== null && !Array.isArray(v);
function c1(v: any): any {
  if (typeof v !== 'string') return F;
  return v;
}
function c3(v: any): any {
  if (typeof v !== 'number' || Number.isNaN(v)) return F;
  if (!Number.isInteger(v)) return F;
  if (!(v > 0)) return F;
  return v;
}
function c9(v: any): any {
  return v === undefined ? undefined : c1(v);
}
function c12(v: any): any {
  if (!isObject(v)) return F;
  const out: any = {};
  for (const k in v) { const x = c1(v[k]); if (x === F) return F; if (k !== '__proto__') out[k] = x; }
  return out;
}
function c11(v: any): any {
  return c12(v === undefined ? {} : v);
}
function c0(v: any): any {
  if (!isObject(v)) return F;
  const out: any = {};
  { const x = c1(v["ociVersion"]); if (x === F) return F; if (x !== undefined || "ociVersion" in v) out["ociVersion"] = x; }
  { const x = c1(v["id"]); if (x === F) return F; if (x !== undefined || "id" in v) out["id"] = x; }
  { const x = c3(v["pid"]); if (x === F) return F; if (x !== undefined || "pid" in v) out["pid"] = x; }
  { const x = c1(v["pidStartTime"]); if (x === F) return F; if (x !== undefined || "pidStartTime" in v) out["pidStartTime"] = x; }
  { const x = c1(v["bundle"]); if (x === F) return F; if (x !== undefined || "bundle" in v) out["bundle"] = x; }
  { const x = c1(v["created"]); if (x === F) return F; if (x !== undefined || "created" in v) out["created"] = x; }
  { const x = c1(v["cgroupName"]); if (x === F) return F; if (x !== undefined || "cgroupName" in v) out["cgroupName"] = x; }
  { const x = c1(v["cgroupPath"]); if (x === F) return F; if (x !== undefined || "cgroupPath" in v) out["cgroupPath"] = x; }
  { const x = c9(v["cgroupsPath"]); if (x === F) return F; if (x !== undefined || "cgroupsPath" in v) out["cgroupsPath"] = x; }
  { const x = c11(v["annotations"]); if (x === F) return F; if (x !== undefined || "annotations" in v) out["annotations"] = x; }
  return out;
}
/** zod's safeParse(v).data for a valid value; undefined when zod must say what is wrong. */
export function checkRuntimeState(v: unknown): unknown {
  const x = c0(v);
  return x === F ? undefined : x;
}
