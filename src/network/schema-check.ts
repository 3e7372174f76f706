// Generated from the zod schema ContainerNetwork by src/schema-compile.ts (scripts/gen-record-checks.mjs): do not edit.
/* eslint-disable */
const F = Symbol('invalid');
const isObject = (v: unknown): boolean => typeof v === 'object' && v !== null && !Array.isArray(v);
function c4(v: any): any {
  return typeof v === 'string' && ["tcp","udp"].includes(v) ? v : F;
}
function c5(v: any): any {
  if (typeof v !== 'number' || Number.isNaN(v)) return F;
  return v;
}
function c6(v: any): any {
  if (typeof v !== 'string') return F;
  return v;
}
function c3(v: any): any {
  if (!isObject(v)) return F;
  const out: any = {};
  { const x = c4(v["proto"]); if (x === F) return F; if (x !== undefined || "proto" in v) out["proto"] = x; }
  { const x = c5(v["containerPort"]); if (x === F) return F; if (x !== undefined || "containerPort" in v) out["containerPort"] = x; }
  { const x = c6(v["hostIp"]); if (x === F) return F; if (x !== undefined || "hostIp" in v) out["hostIp"] = x; }
  { const x = c5(v["hostPort"]); if (x === F) return F; if (x !== undefined || "hostPort" in v) out["hostPort"] = x; }
  return out;
}
function c2(v: any): any {
  if (!Array.isArray(v)) return F;
  const out = new Array(v.length);
  for (let i = 0; i < v.length; i++) { const x = c3(v[i]); if (x === F) return F; out[i] = x; }
  return out;
}
function c1(v: any): any {
  return c2(v === undefined ? [] : v);
}
function c8(v: any): any {
  return v === undefined ? undefined : c6(v);
}
function c13(v: any): any {
  if (!Array.isArray(v)) return F;
  const out = new Array(v.length);
  for (let i = 0; i < v.length; i++) { const x = c6(v[i]); if (x === F) return F; out[i] = x; }
  return out;
}
function c12(v: any): any {
  return c13(v === undefined ? [] : v);
}
function c29(v: any): any {
  if (!isObject(v)) return F;
  const out: any = {};
  { const x = c6(v["network"]); if (x === F) return F; if (x !== undefined || "network" in v) out["network"] = x; }
  { const x = c6(v["bridge"]); if (x === F) return F; if (x !== undefined || "bridge" in v) out["bridge"] = x; }
  { const x = c6(v["ip"]); if (x === F) return F; if (x !== undefined || "ip" in v) out["ip"] = x; }
  { const x = c5(v["prefixLen"]); if (x === F) return F; if (x !== undefined || "prefixLen" in v) out["prefixLen"] = x; }
  { const x = c6(v["gateway"]); if (x === F) return F; if (x !== undefined || "gateway" in v) out["gateway"] = x; }
  { const x = c6(v["mac"]); if (x === F) return F; if (x !== undefined || "mac" in v) out["mac"] = x; }
  { const x = c6(v["hostVeth"]); if (x === F) return F; if (x !== undefined || "hostVeth" in v) out["hostVeth"] = x; }
  { const x = c1(v["ports"]); if (x === F) return F; if (x !== undefined || "ports" in v) out["ports"] = x; }
  return out;
}
function c28(v: any): any {
  return v === null ? null : c29(v);
}
function c27(v: any): any {
  return c28(v === undefined ? null : v);
}
function c46(v: any): any {
  if (!isObject(v)) return F;
  const out: any = {};
  { const x = c6(v["network"]); if (x === F) return F; if (x !== undefined || "network" in v) out["network"] = x; }
  { const x = c6(v["bridge"]); if (x === F) return F; if (x !== undefined || "bridge" in v) out["bridge"] = x; }
  { const x = c6(v["ip"]); if (x === F) return F; if (x !== undefined || "ip" in v) out["ip"] = x; }
  { const x = c5(v["prefixLen"]); if (x === F) return F; if (x !== undefined || "prefixLen" in v) out["prefixLen"] = x; }
  { const x = c6(v["gateway"]); if (x === F) return F; if (x !== undefined || "gateway" in v) out["gateway"] = x; }
  { const x = c6(v["mac"]); if (x === F) return F; if (x !== undefined || "mac" in v) out["mac"] = x; }
  { const x = c6(v["hostVeth"]); if (x === F) return F; if (x !== undefined || "hostVeth" in v) out["hostVeth"] = x; }
  { const x = c1(v["ports"]); if (x === F) return F; if (x !== undefined || "ports" in v) out["ports"] = x; }
  { const x = c6(v["ifname"]); if (x === F) return F; if (x !== undefined || "ifname" in v) out["ifname"] = x; }
  { const x = c12(v["aliases"]); if (x === F) return F; if (x !== undefined || "aliases" in v) out["aliases"] = x; }
  { const x = c8(v["requestedIp"]); if (x === F) return F; if (x !== undefined || "requestedIp" in v) out["requestedIp"] = x; }
  return out;
}
function c45(v: any): any {
  if (!Array.isArray(v)) return F;
  const out = new Array(v.length);
  for (let i = 0; i < v.length; i++) { const x = c46(v[i]); if (x === F) return F; out[i] = x; }
  return out;
}
function c44(v: any): any {
  return c45(v === undefined ? [] : v);
}
function c69(v: any): any {
  if (!isObject(v)) return F;
  const out: any = {};
  { const x = c6(v["network"]); if (x === F) return F; if (x !== undefined || "network" in v) out["network"] = x; }
  { const x = c12(v["aliases"]); if (x === F) return F; if (x !== undefined || "aliases" in v) out["aliases"] = x; }
  { const x = c8(v["ip"]); if (x === F) return F; if (x !== undefined || "ip" in v) out["ip"] = x; }
  return out;
}
function c68(v: any): any {
  if (!Array.isArray(v)) return F;
  const out = new Array(v.length);
  for (let i = 0; i < v.length; i++) { const x = c69(v[i]); if (x === F) return F; out[i] = x; }
  return out;
}
function c67(v: any): any {
  return c68(v === undefined ? [] : v);
}
function c0(v: any): any {
  if (!isObject(v)) return F;
  const out: any = {};
  { const x = c1(v["ports"]); if (x === F) return F; if (x !== undefined || "ports" in v) out["ports"] = x; }
  { const x = c8(v["ip"]); if (x === F) return F; if (x !== undefined || "ip" in v) out["ip"] = x; }
  { const x = c8(v["mac"]); if (x === F) return F; if (x !== undefined || "mac" in v) out["mac"] = x; }
  { const x = c12(v["aliases"]); if (x === F) return F; if (x !== undefined || "aliases" in v) out["aliases"] = x; }
  { const x = c12(v["links"]); if (x === F) return F; if (x !== undefined || "links" in v) out["links"] = x; }
  { const x = c12(v["extraHosts"]); if (x === F) return F; if (x !== undefined || "extraHosts" in v) out["extraHosts"] = x; }
  { const x = c12(v["dns"]); if (x === F) return F; if (x !== undefined || "dns" in v) out["dns"] = x; }
  { const x = c12(v["dnsSearch"]); if (x === F) return F; if (x !== undefined || "dnsSearch" in v) out["dnsSearch"] = x; }
  { const x = c27(v["endpoint"]); if (x === F) return F; if (x !== undefined || "endpoint" in v) out["endpoint"] = x; }
  { const x = c44(v["connected"]); if (x === F) return F; if (x !== undefined || "connected" in v) out["connected"] = x; }
  { const x = c67(v["pending"]); if (x === F) return F; if (x !== undefined || "pending" in v) out["pending"] = x; }
  return out;
}
/** zod's safeParse(v).data for a valid value; undefined when zod must say what is wrong. */
export function checkContainerNetwork(v: unknown): unknown {
  const x = c0(v);
  return x === F ? undefined : x;
}
