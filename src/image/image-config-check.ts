// Generated from the zod schema ImageConfigFile by src/schema-compile.ts (scripts/gen-record-checks.mjs): do not edit.
/* eslint-disable */
const F = Symbol('invalid');
const isObject = (v: unknown): boolean => typeof v === 'object' && v !== null && !Array.isArray(v);
function c3(v: any): any {
  if (typeof v !== 'string') return F;
  return v;
}
function c2(v: any): any {
  return v === null ? null : c3(v);
}
function c1(v: any): any {
  return v === undefined ? undefined : c2(v);
}
function c21(v: any): any {
  if (!isObject(v)) return F;
  const out: any = {};
  for (const k in v) if (!([] as string[]).includes(k) && k !== '__proto__') out[k] = v[k];
  return out;
}
function c20(v: any): any {
  if (!isObject(v)) return F;
  const out: any = {};
  for (const k in v) { const x = c21(v[k]); if (x === F) return F; if (k !== '__proto__') out[k] = x; }
  return out;
}
function c19(v: any): any {
  return v === null ? null : c20(v);
}
function c18(v: any): any {
  return v === undefined ? undefined : c19(v);
}
function c24(v: any): any {
  if (!Array.isArray(v)) return F;
  const out = new Array(v.length);
  for (let i = 0; i < v.length; i++) { const x = c3(v[i]); if (x === F) return F; out[i] = x; }
  return out;
}
function c23(v: any): any {
  return v === null ? null : c24(v);
}
function c22(v: any): any {
  return v === undefined ? undefined : c23(v);
}
function c43(v: any): any {
  if (!isObject(v)) return F;
  const out: any = {};
  for (const k in v) { const x = c3(v[k]); if (x === F) return F; if (k !== '__proto__') out[k] = x; }
  return out;
}
function c42(v: any): any {
  return v === null ? null : c43(v);
}
function c41(v: any): any {
  return v === undefined ? undefined : c42(v);
}
function c50(v: any): any {
  return typeof v === 'boolean' ? v : F;
}
function c49(v: any): any {
  return v === null ? null : c50(v);
}
function c48(v: any): any {
  return v === undefined ? undefined : c49(v);
}
function c52(v: any): any {
  return v;
}
function c51(v: any): any {
  return v === undefined ? undefined : c52(v);
}
function c14(v: any): any {
  if (!isObject(v)) return F;
  const out: any = {};
  { const x = c1(v["User"]); if (x === F) return F; if (x !== undefined || "User" in v) out["User"] = x; }
  { const x = c18(v["ExposedPorts"]); if (x === F) return F; if (x !== undefined || "ExposedPorts" in v) out["ExposedPorts"] = x; }
  { const x = c22(v["Env"]); if (x === F) return F; if (x !== undefined || "Env" in v) out["Env"] = x; }
  { const x = c22(v["Entrypoint"]); if (x === F) return F; if (x !== undefined || "Entrypoint" in v) out["Entrypoint"] = x; }
  { const x = c22(v["Cmd"]); if (x === F) return F; if (x !== undefined || "Cmd" in v) out["Cmd"] = x; }
  { const x = c18(v["Volumes"]); if (x === F) return F; if (x !== undefined || "Volumes" in v) out["Volumes"] = x; }
  { const x = c1(v["WorkingDir"]); if (x === F) return F; if (x !== undefined || "WorkingDir" in v) out["WorkingDir"] = x; }
  { const x = c41(v["Labels"]); if (x === F) return F; if (x !== undefined || "Labels" in v) out["Labels"] = x; }
  { const x = c1(v["StopSignal"]); if (x === F) return F; if (x !== undefined || "StopSignal" in v) out["StopSignal"] = x; }
  { const x = c48(v["ArgsEscaped"]); if (x === F) return F; if (x !== undefined || "ArgsEscaped" in v) out["ArgsEscaped"] = x; }
  { const x = c51(v["Healthcheck"]); if (x === F) return F; if (x !== undefined || "Healthcheck" in v) out["Healthcheck"] = x; }
  { const x = c22(v["OnBuild"]); if (x === F) return F; if (x !== undefined || "OnBuild" in v) out["OnBuild"] = x; }
  { const x = c22(v["Shell"]); if (x === F) return F; if (x !== undefined || "Shell" in v) out["Shell"] = x; }
  for (const k in v) if (!(["User","ExposedPorts","Env","Entrypoint","Cmd","Volumes","WorkingDir","Labels","StopSignal","ArgsEscaped","Healthcheck","OnBuild","Shell"] as string[]).includes(k) && k !== '__proto__') out[k] = v[k];
  return out;
}
function c13(v: any): any {
  return v === null ? null : c14(v);
}
function c12(v: any): any {
  return v === undefined ? undefined : c13(v);
}
function c62(v: any): any {
  return v === "layers" ? v : F;
}
function c64(v: any): any {
  if (typeof v !== 'string') return F;
  if (!/^sha256:[a-f0-9]{64}$/.test(v)) return F;
  return v;
}
function c63(v: any): any {
  if (!Array.isArray(v)) return F;
  const out = new Array(v.length);
  for (let i = 0; i < v.length; i++) { const x = c64(v[i]); if (x === F) return F; out[i] = x; }
  return out;
}
function c61(v: any): any {
  if (!isObject(v)) return F;
  const out: any = {};
  { const x = c62(v["type"]); if (x === F) return F; if (x !== undefined || "type" in v) out["type"] = x; }
  { const x = c63(v["diff_ids"]); if (x === F) return F; if (x !== undefined || "diff_ids" in v) out["diff_ids"] = x; }
  return out;
}
function c67(v: any): any {
  if (!Array.isArray(v)) return F;
  const out = new Array(v.length);
  for (let i = 0; i < v.length; i++) { const x = c21(v[i]); if (x === F) return F; out[i] = x; }
  return out;
}
function c66(v: any): any {
  return v === null ? null : c67(v);
}
function c65(v: any): any {
  return v === undefined ? undefined : c66(v);
}
function c0(v: any): any {
  if (!isObject(v)) return F;
  const out: any = {};
  { const x = c1(v["created"]); if (x === F) return F; if (x !== undefined || "created" in v) out["created"] = x; }
  { const x = c1(v["author"]); if (x === F) return F; if (x !== undefined || "author" in v) out["author"] = x; }
  { const x = c3(v["architecture"]); if (x === F) return F; if (x !== undefined || "architecture" in v) out["architecture"] = x; }
  { const x = c3(v["os"]); if (x === F) return F; if (x !== undefined || "os" in v) out["os"] = x; }
  { const x = c1(v["variant"]); if (x === F) return F; if (x !== undefined || "variant" in v) out["variant"] = x; }
  { const x = c12(v["config"]); if (x === F) return F; if (x !== undefined || "config" in v) out["config"] = x; }
  { const x = c61(v["rootfs"]); if (x === F) return F; if (x !== undefined || "rootfs" in v) out["rootfs"] = x; }
  { const x = c65(v["history"]); if (x === F) return F; if (x !== undefined || "history" in v) out["history"] = x; }
  for (const k in v) if (!(["created","author","architecture","os","variant","config","rootfs","history"] as string[]).includes(k) && k !== '__proto__') out[k] = v[k];
  return out;
}
/** zod's safeParse(v).data for a valid value; undefined when zod must say what is wrong. */
export function checkImageConfigFile(v: unknown): unknown {
  const x = c0(v);
  return x === F ? undefined : x;
}
