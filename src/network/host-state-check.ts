// Generated from the zod schema HostNetState by src/schema-compile.ts (scripts/gen-record-checks.mjs): do not edit.
/* eslint-disable */
const F = Symbol('invalid');
const isObject = (v: unknown): boolean => typeof v === 'object' && v !== null && !Array.isArray(v);
function c2(v: any): any {
  return typeof v === 'boolean' ? v : F;
}
function c1(v: any): any {
  return c2(v === undefined ? false : v);
}
function c6(v: any): any {
  return typeof v === 'string' && ["iptables-legacy","iptables-nft","nft","none"].includes(v) ? v : F;
}
function c5(v: any): any {
  return v === undefined ? undefined : c6(v);
}
function c8(v: any): any {
  if (typeof v !== 'number' || Number.isNaN(v)) return F;
  return v;
}
function c7(v: any): any {
  return v === undefined ? undefined : c8(v);
}
function c12(v: any): any {
  if (typeof v !== 'string') return F;
  return v;
}
function c18(v: any): any {
  return v === undefined ? undefined : c12(v);
}
function c11(v: any): any {
  if (!isObject(v)) return F;
  const out: any = {};
  { const x = c12(v["subnet"]); if (x === F) return F; if (x !== undefined || "subnet" in v) out["subnet"] = x; }
  { const x = c12(v["gateway"]); if (x === F) return F; if (x !== undefined || "gateway" in v) out["gateway"] = x; }
  { const x = c1(v["rules"]); if (x === F) return F; if (x !== undefined || "rules" in v) out["rules"] = x; }
  { const x = c1(v["internal"]); if (x === F) return F; if (x !== undefined || "internal" in v) out["internal"] = x; }
  { const x = c18(v["routeLocalnetWas"]); if (x === F) return F; if (x !== undefined || "routeLocalnetWas" in v) out["routeLocalnetWas"] = x; }
  { const x = c1(v["persistent"]); if (x === F) return F; if (x !== undefined || "persistent" in v) out["persistent"] = x; }
  return out;
}
function c10(v: any): any {
  if (!isObject(v)) return F;
  const out: any = {};
  for (const k in v) { const x = c11(v[k]); if (x === F) return F; if (k !== '__proto__') out[k] = x; }
  return out;
}
function c9(v: any): any {
  return c10(v === undefined ? {} : v);
}
function c31(v: any): any {
  if (!isObject(v)) return F;
  const out: any = {};
  { const x = c8(v["pid"]); if (x === F) return F; if (x !== undefined || "pid" in v) out["pid"] = x; }
  { const x = c12(v["startTime"]); if (x === F) return F; if (x !== undefined || "startTime" in v) out["startTime"] = x; }
  return out;
}
function c36(v: any): any {
  if (!isObject(v)) return F;
  const out: any = {};
  { const x = c12(v["proto"]); if (x === F) return F; if (x !== undefined || "proto" in v) out["proto"] = x; }
  { const x = c12(v["hostIp"]); if (x === F) return F; if (x !== undefined || "hostIp" in v) out["hostIp"] = x; }
  { const x = c8(v["hostPort"]); if (x === F) return F; if (x !== undefined || "hostPort" in v) out["hostPort"] = x; }
  { const x = c12(v["dest"]); if (x === F) return F; if (x !== undefined || "dest" in v) out["dest"] = x; }
  { const x = c8(v["destPort"]); if (x === F) return F; if (x !== undefined || "destPort" in v) out["destPort"] = x; }
  { const x = c12(v["bridge"]); if (x === F) return F; if (x !== undefined || "bridge" in v) out["bridge"] = x; }
  { const x = c12(v["tag"]); if (x === F) return F; if (x !== undefined || "tag" in v) out["tag"] = x; }
  return out;
}
function c35(v: any): any {
  if (!Array.isArray(v)) return F;
  const out = new Array(v.length);
  for (let i = 0; i < v.length; i++) { const x = c36(v[i]); if (x === F) return F; out[i] = x; }
  return out;
}
function c34(v: any): any {
  return c35(v === undefined ? [] : v);
}
function c45(v: any): any {
  if (!Array.isArray(v)) return F;
  const out = new Array(v.length);
  for (let i = 0; i < v.length; i++) { const x = c12(v[i]); if (x === F) return F; out[i] = x; }
  return out;
}
function c44(v: any): any {
  return c45(v === undefined ? [] : v);
}
function c24(v: any): any {
  if (!isObject(v)) return F;
  const out: any = {};
  { const x = c12(v["ip"]); if (x === F) return F; if (x !== undefined || "ip" in v) out["ip"] = x; }
  { const x = c12(v["network"]); if (x === F) return F; if (x !== undefined || "network" in v) out["network"] = x; }
  { const x = c12(v["bridge"]); if (x === F) return F; if (x !== undefined || "bridge" in v) out["bridge"] = x; }
  { const x = c12(v["root"]); if (x === F) return F; if (x !== undefined || "root" in v) out["root"] = x; }
  { const x = c12(v["containerId"]); if (x === F) return F; if (x !== undefined || "containerId" in v) out["containerId"] = x; }
  { const x = c12(v["hostVeth"]); if (x === F) return F; if (x !== undefined || "hostVeth" in v) out["hostVeth"] = x; }
  { const x = c31(v["monitor"]); if (x === F) return F; if (x !== undefined || "monitor" in v) out["monitor"] = x; }
  { const x = c34(v["dnat"]); if (x === F) return F; if (x !== undefined || "dnat" in v) out["dnat"] = x; }
  { const x = c44(v["names"]); if (x === F) return F; if (x !== undefined || "names" in v) out["names"] = x; }
  { const x = c44(v["upstreams"]); if (x === F) return F; if (x !== undefined || "upstreams" in v) out["upstreams"] = x; }
  return out;
}
function c23(v: any): any {
  if (!Array.isArray(v)) return F;
  const out = new Array(v.length);
  for (let i = 0; i < v.length; i++) { const x = c24(v[i]); if (x === F) return F; out[i] = x; }
  return out;
}
function c22(v: any): any {
  return c23(v === undefined ? [] : v);
}
function c0(v: any): any {
  if (!isObject(v)) return F;
  const out: any = {};
  { const x = c1(v["ipForwardSetByUs"]); if (x === F) return F; if (x !== undefined || "ipForwardSetByUs" in v) out["ipForwardSetByUs"] = x; }
  { const x = c1(v["baseInstalled"]); if (x === F) return F; if (x !== undefined || "baseInstalled" in v) out["baseInstalled"] = x; }
  { const x = c5(v["firewall"]); if (x === F) return F; if (x !== undefined || "firewall" in v) out["firewall"] = x; }
  { const x = c7(v["rulesVersion"]); if (x === F) return F; if (x !== undefined || "rulesVersion" in v) out["rulesVersion"] = x; }
  { const x = c9(v["bridges"]); if (x === F) return F; if (x !== undefined || "bridges" in v) out["bridges"] = x; }
  { const x = c22(v["leases"]); if (x === F) return F; if (x !== undefined || "leases" in v) out["leases"] = x; }
  return out;
}
/** zod's safeParse(v).data for a valid value; undefined when zod must say what is wrong. */
export function checkHostNetState(v: unknown): unknown {
  const x = c0(v);
  return x === F ? undefined : x;
}
