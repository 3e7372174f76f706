// Generated from the zod schema NetworkRecords by src/schema-compile.ts (scripts/gen-record-checks.mjs): do not edit.
/* eslint-disable */
const F = Symbol('invalid');
const isObject = (v: unknown): boolean => typeof v === 'object' && v !== null && !Array.isArray(v);
function c2(v: any): any {
  if (typeof v !== 'string') return F;
  return v;
}
function c6(v: any): any {
  return typeof v === 'string' && ["bridge","macvlan","ipvlan"].includes(v) ? v : F;
}
function c5(v: any): any {
  return c6(v === undefined ? "bridge" : v);
}
function c8(v: any): any {
  if (!isObject(v)) return F;
  const out: any = {};
  for (const k in v) { const x = c2(v[k]); if (x === F) return F; if (k !== '__proto__') out[k] = x; }
  return out;
}
function c7(v: any): any {
  return c8(v === undefined ? {} : v);
}
function c12(v: any): any {
  return v === undefined ? undefined : c2(v);
}
function c15(v: any): any {
  return typeof v === 'boolean' ? v : F;
}
function c14(v: any): any {
  return c15(v === undefined ? true : v);
}
function c1(v: any): any {
  if (!isObject(v)) return F;
  const out: any = {};
  { const x = c2(v["Name"]); if (x === F) return F; if (x !== undefined || "Name" in v) out["Name"] = x; }
  { const x = c2(v["Id"]); if (x === F) return F; if (x !== undefined || "Id" in v) out["Id"] = x; }
  { const x = c2(v["Created"]); if (x === F) return F; if (x !== undefined || "Created" in v) out["Created"] = x; }
  { const x = c5(v["Driver"]); if (x === F) return F; if (x !== undefined || "Driver" in v) out["Driver"] = x; }
  { const x = c7(v["Options"]); if (x === F) return F; if (x !== undefined || "Options" in v) out["Options"] = x; }
  { const x = c2(v["Subnet"]); if (x === F) return F; if (x !== undefined || "Subnet" in v) out["Subnet"] = x; }
  { const x = c2(v["Gateway"]); if (x === F) return F; if (x !== undefined || "Gateway" in v) out["Gateway"] = x; }
  { const x = c12(v["IPRange"]); if (x === F) return F; if (x !== undefined || "IPRange" in v) out["IPRange"] = x; }
  { const x = c14(v["GatewayListed"]); if (x === F) return F; if (x !== undefined || "GatewayListed" in v) out["GatewayListed"] = x; }
  { const x = c15(v["Internal"]); if (x === F) return F; if (x !== undefined || "Internal" in v) out["Internal"] = x; }
  { const x = c2(v["Bridge"]); if (x === F) return F; if (x !== undefined || "Bridge" in v) out["Bridge"] = x; }
  { const x = c7(v["Labels"]); if (x === F) return F; if (x !== undefined || "Labels" in v) out["Labels"] = x; }
  return out;
}
function c0(v: any): any {
  if (!Array.isArray(v)) return F;
  const out = new Array(v.length);
  for (let i = 0; i < v.length; i++) { const x = c1(v[i]); if (x === F) return F; out[i] = x; }
  return out;
}
/** zod's safeParse(v).data for a valid value; undefined when zod must say what is wrong. */
export function checkNetworkRecords(v: unknown): unknown {
  const x = c0(v);
  return x === F ? undefined : x;
}
