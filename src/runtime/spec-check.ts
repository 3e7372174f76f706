// Generated from the zod schema RuntimeSpec by src/schema-compile.ts (scripts/gen-record-checks.mjs): do not edit.
/* eslint-disable */
const F = Symbol('invalid');
const isObject = (v: unknown): boolean => typeof v === 'object' && v !== null && !Array.isArray(v);
function c1(v: any): any {
  if (typeof v !== 'string') return F;
  return v;
}
function c4(v: any): any {
  return typeof v === 'boolean' ? v : F;
}
function c3(v: any): any {
  return v === undefined ? undefined : c4(v);
}
function c7(v: any): any {
  if (typeof v !== 'number' || Number.isNaN(v)) return F;
  return v;
}
function c6(v: any): any {
  if (!isObject(v)) return F;
  const out: any = {};
  { const x = c7(v["height"]); if (x === F) return F; if (x !== undefined || "height" in v) out["height"] = x; }
  { const x = c7(v["width"]); if (x === F) return F; if (x !== undefined || "width" in v) out["width"] = x; }
  return out;
}
function c5(v: any): any {
  return v === undefined ? undefined : c6(v);
}
function c10(v: any): any {
  if (typeof v !== 'number' || Number.isNaN(v)) return F;
  if (!Number.isInteger(v)) return F;
  if (!(v >= 0)) return F;
  return v;
}
function c13(v: any): any {
  if (!Array.isArray(v)) return F;
  const out = new Array(v.length);
  for (let i = 0; i < v.length; i++) { const x = c10(v[i]); if (x === F) return F; out[i] = x; }
  return out;
}
function c12(v: any): any {
  return v === undefined ? undefined : c13(v);
}
function c16(v: any): any {
  if (typeof v !== 'number' || Number.isNaN(v)) return F;
  if (!Number.isInteger(v)) return F;
  return v;
}
function c15(v: any): any {
  return v === undefined ? undefined : c16(v);
}
function c9(v: any): any {
  if (!isObject(v)) return F;
  const out: any = {};
  { const x = c10(v["uid"]); if (x === F) return F; if (x !== undefined || "uid" in v) out["uid"] = x; }
  { const x = c10(v["gid"]); if (x === F) return F; if (x !== undefined || "gid" in v) out["gid"] = x; }
  { const x = c12(v["additionalGids"]); if (x === F) return F; if (x !== undefined || "additionalGids" in v) out["additionalGids"] = x; }
  { const x = c15(v["umask"]); if (x === F) return F; if (x !== undefined || "umask" in v) out["umask"] = x; }
  return out;
}
function c17(v: any): any {
  if (!Array.isArray(v)) return F;
  if (v.length < 1) return F;
  const out = new Array(v.length);
  for (let i = 0; i < v.length; i++) { const x = c1(v[i]); if (x === F) return F; out[i] = x; }
  return out;
}
function c20(v: any): any {
  if (!Array.isArray(v)) return F;
  const out = new Array(v.length);
  for (let i = 0; i < v.length; i++) { const x = c1(v[i]); if (x === F) return F; out[i] = x; }
  return out;
}
function c19(v: any): any {
  return v === undefined ? undefined : c20(v);
}
function c22(v: any): any {
  if (typeof v !== 'string') return F;
  if (!v.startsWith("/")) return F;
  return v;
}
function c24(v: any): any {
  if (!isObject(v)) return F;
  const out: any = {};
  { const x = c19(v["bounding"]); if (x === F) return F; if (x !== undefined || "bounding" in v) out["bounding"] = x; }
  { const x = c19(v["effective"]); if (x === F) return F; if (x !== undefined || "effective" in v) out["effective"] = x; }
  { const x = c19(v["permitted"]); if (x === F) return F; if (x !== undefined || "permitted" in v) out["permitted"] = x; }
  { const x = c19(v["inheritable"]); if (x === F) return F; if (x !== undefined || "inheritable" in v) out["inheritable"] = x; }
  { const x = c19(v["ambient"]); if (x === F) return F; if (x !== undefined || "ambient" in v) out["ambient"] = x; }
  return out;
}
function c23(v: any): any {
  return v === undefined ? undefined : c24(v);
}
function c42(v: any): any {
  if (!isObject(v)) return F;
  const out: any = {};
  { const x = c1(v["type"]); if (x === F) return F; if (x !== undefined || "type" in v) out["type"] = x; }
  { const x = c7(v["hard"]); if (x === F) return F; if (x !== undefined || "hard" in v) out["hard"] = x; }
  { const x = c7(v["soft"]); if (x === F) return F; if (x !== undefined || "soft" in v) out["soft"] = x; }
  return out;
}
function c41(v: any): any {
  if (!Array.isArray(v)) return F;
  const out = new Array(v.length);
  for (let i = 0; i < v.length; i++) { const x = c42(v[i]); if (x === F) return F; out[i] = x; }
  return out;
}
function c40(v: any): any {
  return v === undefined ? undefined : c41(v);
}
function c49(v: any): any {
  if (typeof v !== 'number' || Number.isNaN(v)) return F;
  if (!Number.isInteger(v)) return F;
  if (!(v >= -1000)) return F;
  if (!(v <= 1000)) return F;
  return v;
}
function c48(v: any): any {
  return v === undefined ? undefined : c49(v);
}
function c2(v: any): any {
  if (!isObject(v)) return F;
  const out: any = {};
  { const x = c3(v["terminal"]); if (x === F) return F; if (x !== undefined || "terminal" in v) out["terminal"] = x; }
  { const x = c5(v["consoleSize"]); if (x === F) return F; if (x !== undefined || "consoleSize" in v) out["consoleSize"] = x; }
  { const x = c9(v["user"]); if (x === F) return F; if (x !== undefined || "user" in v) out["user"] = x; }
  { const x = c17(v["args"]); if (x === F) return F; if (x !== undefined || "args" in v) out["args"] = x; }
  { const x = c19(v["env"]); if (x === F) return F; if (x !== undefined || "env" in v) out["env"] = x; }
  { const x = c22(v["cwd"]); if (x === F) return F; if (x !== undefined || "cwd" in v) out["cwd"] = x; }
  { const x = c23(v["capabilities"]); if (x === F) return F; if (x !== undefined || "capabilities" in v) out["capabilities"] = x; }
  { const x = c40(v["rlimits"]); if (x === F) return F; if (x !== undefined || "rlimits" in v) out["rlimits"] = x; }
  { const x = c3(v["noNewPrivileges"]); if (x === F) return F; if (x !== undefined || "noNewPrivileges" in v) out["noNewPrivileges"] = x; }
  { const x = c48(v["oomScoreAdj"]); if (x === F) return F; if (x !== undefined || "oomScoreAdj" in v) out["oomScoreAdj"] = x; }
  return out;
}
function c50(v: any): any {
  if (!isObject(v)) return F;
  const out: any = {};
  { const x = c1(v["path"]); if (x === F) return F; if (x !== undefined || "path" in v) out["path"] = x; }
  { const x = c3(v["readonly"]); if (x === F) return F; if (x !== undefined || "readonly" in v) out["readonly"] = x; }
  return out;
}
function c54(v: any): any {
  return v === undefined ? undefined : c1(v);
}
function c58(v: any): any {
  if (!isObject(v)) return F;
  const out: any = {};
  { const x = c22(v["destination"]); if (x === F) return F; if (x !== undefined || "destination" in v) out["destination"] = x; }
  { const x = c54(v["type"]); if (x === F) return F; if (x !== undefined || "type" in v) out["type"] = x; }
  { const x = c54(v["source"]); if (x === F) return F; if (x !== undefined || "source" in v) out["source"] = x; }
  { const x = c19(v["options"]); if (x === F) return F; if (x !== undefined || "options" in v) out["options"] = x; }
  return out;
}
function c57(v: any): any {
  if (!Array.isArray(v)) return F;
  const out = new Array(v.length);
  for (let i = 0; i < v.length; i++) { const x = c58(v[i]); if (x === F) return F; out[i] = x; }
  return out;
}
function c56(v: any): any {
  return v === undefined ? undefined : c57(v);
}
function c68(v: any): any {
  if (!isObject(v)) return F;
  const out: any = {};
  for (const k in v) { const x = c1(v[k]); if (x === F) return F; if (k !== '__proto__') out[k] = x; }
  return out;
}
function c67(v: any): any {
  return v === undefined ? undefined : c68(v);
}
function c83(v: any): any {
  if (typeof v !== 'number' || Number.isNaN(v)) return F;
  if (!Number.isInteger(v)) return F;
  if (!(v > 0)) return F;
  return v;
}
function c82(v: any): any {
  return v === undefined ? undefined : c83(v);
}
function c74(v: any): any {
  if (!isObject(v)) return F;
  const out: any = {};
  { const x = c22(v["path"]); if (x === F) return F; if (x !== undefined || "path" in v) out["path"] = x; }
  { const x = c19(v["args"]); if (x === F) return F; if (x !== undefined || "args" in v) out["args"] = x; }
  { const x = c19(v["env"]); if (x === F) return F; if (x !== undefined || "env" in v) out["env"] = x; }
  { const x = c82(v["timeout"]); if (x === F) return F; if (x !== undefined || "timeout" in v) out["timeout"] = x; }
  return out;
}
function c73(v: any): any {
  if (!Array.isArray(v)) return F;
  const out = new Array(v.length);
  for (let i = 0; i < v.length; i++) { const x = c74(v[i]); if (x === F) return F; out[i] = x; }
  return out;
}
function c72(v: any): any {
  return v === undefined ? undefined : c73(v);
}
function c71(v: any): any {
  if (!isObject(v)) return F;
  const out: any = {};
  { const x = c72(v["prestart"]); if (x === F) return F; if (x !== undefined || "prestart" in v) out["prestart"] = x; }
  { const x = c72(v["createRuntime"]); if (x === F) return F; if (x !== undefined || "createRuntime" in v) out["createRuntime"] = x; }
  { const x = c72(v["createContainer"]); if (x === F) return F; if (x !== undefined || "createContainer" in v) out["createContainer"] = x; }
  { const x = c72(v["startContainer"]); if (x === F) return F; if (x !== undefined || "startContainer" in v) out["startContainer"] = x; }
  { const x = c72(v["poststart"]); if (x === F) return F; if (x !== undefined || "poststart" in v) out["poststart"] = x; }
  { const x = c72(v["poststop"]); if (x === F) return F; if (x !== undefined || "poststop" in v) out["poststop"] = x; }
  return out;
}
function c70(v: any): any {
  return v === undefined ? undefined : c71(v);
}
function c148(v: any): any {
  return typeof v === 'string' && ["pid","network","mount","ipc","uts","user","cgroup"].includes(v) ? v : F;
}
function c147(v: any): any {
  if (!isObject(v)) return F;
  const out: any = {};
  { const x = c148(v["type"]); if (x === F) return F; if (x !== undefined || "type" in v) out["type"] = x; }
  { const x = c54(v["path"]); if (x === F) return F; if (x !== undefined || "path" in v) out["path"] = x; }
  return out;
}
function c146(v: any): any {
  if (!Array.isArray(v)) return F;
  const out = new Array(v.length);
  for (let i = 0; i < v.length; i++) { const x = c147(v[i]); if (x === F) return F; out[i] = x; }
  return out;
}
function c145(v: any): any {
  return c146(v === undefined ? [] : v);
}
function c155(v: any): any {
  return v === undefined ? undefined : c7(v);
}
function c162(v: any): any {
  if (typeof v !== 'number' || Number.isNaN(v)) return F;
  if (!Number.isInteger(v)) return F;
  if (!(v >= 0)) return F;
  if (!(v <= 100)) return F;
  return v;
}
function c161(v: any): any {
  return v === undefined ? undefined : c162(v);
}
function c154(v: any): any {
  if (!isObject(v)) return F;
  const out: any = {};
  { const x = c155(v["limit"]); if (x === F) return F; if (x !== undefined || "limit" in v) out["limit"] = x; }
  { const x = c155(v["swap"]); if (x === F) return F; if (x !== undefined || "swap" in v) out["swap"] = x; }
  { const x = c155(v["reservation"]); if (x === F) return F; if (x !== undefined || "reservation" in v) out["reservation"] = x; }
  { const x = c161(v["swappiness"]); if (x === F) return F; if (x !== undefined || "swappiness" in v) out["swappiness"] = x; }
  { const x = c3(v["disableOOMKiller"]); if (x === F) return F; if (x !== undefined || "disableOOMKiller" in v) out["disableOOMKiller"] = x; }
  { const x = c155(v["kernel"]); if (x === F) return F; if (x !== undefined || "kernel" in v) out["kernel"] = x; }
  { const x = c155(v["kernelTCP"]); if (x === F) return F; if (x !== undefined || "kernelTCP" in v) out["kernelTCP"] = x; }
  return out;
}
function c153(v: any): any {
  return v === undefined ? undefined : c154(v);
}
function c178(v: any): any {
  if (typeof v !== 'string') return F;
  if (!/^[0-9,-]*$/.test(v)) return F;
  return v;
}
function c177(v: any): any {
  return v === undefined ? undefined : c178(v);
}
function c170(v: any): any {
  if (!isObject(v)) return F;
  const out: any = {};
  { const x = c155(v["shares"]); if (x === F) return F; if (x !== undefined || "shares" in v) out["shares"] = x; }
  { const x = c155(v["quota"]); if (x === F) return F; if (x !== undefined || "quota" in v) out["quota"] = x; }
  { const x = c155(v["period"]); if (x === F) return F; if (x !== undefined || "period" in v) out["period"] = x; }
  { const x = c177(v["cpus"]); if (x === F) return F; if (x !== undefined || "cpus" in v) out["cpus"] = x; }
  { const x = c177(v["mems"]); if (x === F) return F; if (x !== undefined || "mems" in v) out["mems"] = x; }
  return out;
}
function c169(v: any): any {
  return v === undefined ? undefined : c170(v);
}
function c182(v: any): any {
  if (!isObject(v)) return F;
  const out: any = {};
  { const x = c7(v["limit"]); if (x === F) return F; if (x !== undefined || "limit" in v) out["limit"] = x; }
  return out;
}
function c181(v: any): any {
  return v === undefined ? undefined : c182(v);
}
function c189(v: any): any {
  return typeof v === 'string' && ["a","c","b"].includes(v) ? v : F;
}
function c188(v: any): any {
  return v === undefined ? undefined : c189(v);
}
function c190(v: any): any {
  return v === undefined ? undefined : c10(v);
}
function c195(v: any): any {
  if (typeof v !== 'string') return F;
  if (!/^[rwm]{0,3}$/.test(v)) return F;
  return v;
}
function c194(v: any): any {
  return v === undefined ? undefined : c195(v);
}
function c186(v: any): any {
  if (!isObject(v)) return F;
  const out: any = {};
  { const x = c4(v["allow"]); if (x === F) return F; if (x !== undefined || "allow" in v) out["allow"] = x; }
  { const x = c188(v["type"]); if (x === F) return F; if (x !== undefined || "type" in v) out["type"] = x; }
  { const x = c190(v["major"]); if (x === F) return F; if (x !== undefined || "major" in v) out["major"] = x; }
  { const x = c190(v["minor"]); if (x === F) return F; if (x !== undefined || "minor" in v) out["minor"] = x; }
  { const x = c194(v["access"]); if (x === F) return F; if (x !== undefined || "access" in v) out["access"] = x; }
  return out;
}
function c185(v: any): any {
  if (!Array.isArray(v)) return F;
  const out = new Array(v.length);
  for (let i = 0; i < v.length; i++) { const x = c186(v[i]); if (x === F) return F; out[i] = x; }
  return out;
}
function c184(v: any): any {
  return v === undefined ? undefined : c185(v);
}
function c202(v: any): any {
  if (!isObject(v)) return F;
  const out: any = {};
  { const x = c1(v["name"]); if (x === F) return F; if (x !== undefined || "name" in v) out["name"] = x; }
  { const x = c7(v["priority"]); if (x === F) return F; if (x !== undefined || "priority" in v) out["priority"] = x; }
  return out;
}
function c201(v: any): any {
  if (!Array.isArray(v)) return F;
  const out = new Array(v.length);
  for (let i = 0; i < v.length; i++) { const x = c202(v[i]); if (x === F) return F; out[i] = x; }
  return out;
}
function c200(v: any): any {
  return v === undefined ? undefined : c201(v);
}
function c197(v: any): any {
  if (!isObject(v)) return F;
  const out: any = {};
  { const x = c155(v["classID"]); if (x === F) return F; if (x !== undefined || "classID" in v) out["classID"] = x; }
  { const x = c200(v["priorities"]); if (x === F) return F; if (x !== undefined || "priorities" in v) out["priorities"] = x; }
  return out;
}
function c196(v: any): any {
  return v === undefined ? undefined : c197(v);
}
function c207(v: any): any {
  if (!isObject(v)) return F;
  const out: any = {};
  { const x = c1(v["pageSize"]); if (x === F) return F; if (x !== undefined || "pageSize" in v) out["pageSize"] = x; }
  { const x = c7(v["limit"]); if (x === F) return F; if (x !== undefined || "limit" in v) out["limit"] = x; }
  return out;
}
function c206(v: any): any {
  if (!Array.isArray(v)) return F;
  const out = new Array(v.length);
  for (let i = 0; i < v.length; i++) { const x = c207(v[i]); if (x === F) return F; out[i] = x; }
  return out;
}
function c205(v: any): any {
  return v === undefined ? undefined : c206(v);
}
function c213(v: any): any {
  if (typeof v !== 'number' || Number.isNaN(v)) return F;
  if (!Number.isInteger(v)) return F;
  if (!(v >= 10)) return F;
  if (!(v <= 1000)) return F;
  return v;
}
function c212(v: any): any {
  return v === undefined ? undefined : c213(v);
}
function c216(v: any): any {
  if (!isObject(v)) return F;
  const out: any = {};
  { const x = c10(v["major"]); if (x === F) return F; if (x !== undefined || "major" in v) out["major"] = x; }
  { const x = c10(v["minor"]); if (x === F) return F; if (x !== undefined || "minor" in v) out["minor"] = x; }
  { const x = c10(v["rate"]); if (x === F) return F; if (x !== undefined || "rate" in v) out["rate"] = x; }
  return out;
}
function c215(v: any): any {
  if (!Array.isArray(v)) return F;
  const out = new Array(v.length);
  for (let i = 0; i < v.length; i++) { const x = c216(v[i]); if (x === F) return F; out[i] = x; }
  return out;
}
function c214(v: any): any {
  return v === undefined ? undefined : c215(v);
}
function c211(v: any): any {
  if (!isObject(v)) return F;
  const out: any = {};
  { const x = c212(v["weight"]); if (x === F) return F; if (x !== undefined || "weight" in v) out["weight"] = x; }
  { const x = c214(v["throttleReadBpsDevice"]); if (x === F) return F; if (x !== undefined || "throttleReadBpsDevice" in v) out["throttleReadBpsDevice"] = x; }
  { const x = c214(v["throttleWriteBpsDevice"]); if (x === F) return F; if (x !== undefined || "throttleWriteBpsDevice" in v) out["throttleWriteBpsDevice"] = x; }
  { const x = c214(v["throttleReadIOPSDevice"]); if (x === F) return F; if (x !== undefined || "throttleReadIOPSDevice" in v) out["throttleReadIOPSDevice"] = x; }
  { const x = c214(v["throttleWriteIOPSDevice"]); if (x === F) return F; if (x !== undefined || "throttleWriteIOPSDevice" in v) out["throttleWriteIOPSDevice"] = x; }
  return out;
}
function c210(v: any): any {
  return v === undefined ? undefined : c211(v);
}
function c152(v: any): any {
  if (!isObject(v)) return F;
  const out: any = {};
  { const x = c153(v["memory"]); if (x === F) return F; if (x !== undefined || "memory" in v) out["memory"] = x; }
  { const x = c169(v["cpu"]); if (x === F) return F; if (x !== undefined || "cpu" in v) out["cpu"] = x; }
  { const x = c181(v["pids"]); if (x === F) return F; if (x !== undefined || "pids" in v) out["pids"] = x; }
  { const x = c184(v["devices"]); if (x === F) return F; if (x !== undefined || "devices" in v) out["devices"] = x; }
  { const x = c196(v["network"]); if (x === F) return F; if (x !== undefined || "network" in v) out["network"] = x; }
  { const x = c205(v["hugepageLimits"]); if (x === F) return F; if (x !== undefined || "hugepageLimits" in v) out["hugepageLimits"] = x; }
  { const x = c210(v["blockIO"]); if (x === F) return F; if (x !== undefined || "blockIO" in v) out["blockIO"] = x; }
  return out;
}
function c151(v: any): any {
  return v === undefined ? undefined : c152(v);
}
function c250(v: any): any {
  return typeof v === 'string' && ["SCMP_ACT_KILL","SCMP_ACT_KILL_THREAD","SCMP_ACT_KILL_PROCESS","SCMP_ACT_TRAP","SCMP_ACT_ERRNO","SCMP_ACT_TRACE","SCMP_ACT_ALLOW","SCMP_ACT_LOG","SCMP_ACT_NOTIFY"].includes(v) ? v : F;
}
function c272(v: any): any {
  if (typeof v !== 'number' || Number.isNaN(v)) return F;
  if (!Number.isInteger(v)) return F;
  if (!(v >= 0)) return F;
  if (!(v <= 5)) return F;
  return v;
}
function c276(v: any): any {
  return typeof v === 'string' && ["SCMP_CMP_NE","SCMP_CMP_LT","SCMP_CMP_LE","SCMP_CMP_EQ","SCMP_CMP_GE","SCMP_CMP_GT","SCMP_CMP_MASKED_EQ"].includes(v) ? v : F;
}
function c271(v: any): any {
  if (!isObject(v)) return F;
  const out: any = {};
  { const x = c272(v["index"]); if (x === F) return F; if (x !== undefined || "index" in v) out["index"] = x; }
  { const x = c10(v["value"]); if (x === F) return F; if (x !== undefined || "value" in v) out["value"] = x; }
  { const x = c190(v["valueTwo"]); if (x === F) return F; if (x !== undefined || "valueTwo" in v) out["valueTwo"] = x; }
  { const x = c276(v["op"]); if (x === F) return F; if (x !== undefined || "op" in v) out["op"] = x; }
  return out;
}
function c270(v: any): any {
  if (!Array.isArray(v)) return F;
  const out = new Array(v.length);
  for (let i = 0; i < v.length; i++) { const x = c271(v[i]); if (x === F) return F; out[i] = x; }
  return out;
}
function c269(v: any): any {
  return v === undefined ? undefined : c270(v);
}
function c263(v: any): any {
  if (!isObject(v)) return F;
  const out: any = {};
  { const x = c17(v["names"]); if (x === F) return F; if (x !== undefined || "names" in v) out["names"] = x; }
  { const x = c250(v["action"]); if (x === F) return F; if (x !== undefined || "action" in v) out["action"] = x; }
  { const x = c190(v["errnoRet"]); if (x === F) return F; if (x !== undefined || "errnoRet" in v) out["errnoRet"] = x; }
  { const x = c269(v["args"]); if (x === F) return F; if (x !== undefined || "args" in v) out["args"] = x; }
  return out;
}
function c262(v: any): any {
  if (!Array.isArray(v)) return F;
  const out = new Array(v.length);
  for (let i = 0; i < v.length; i++) { const x = c263(v[i]); if (x === F) return F; out[i] = x; }
  return out;
}
function c261(v: any): any {
  return v === undefined ? undefined : c262(v);
}
function c249(v: any): any {
  if (!isObject(v)) return F;
  const out: any = {};
  { const x = c250(v["defaultAction"]); if (x === F) return F; if (x !== undefined || "defaultAction" in v) out["defaultAction"] = x; }
  { const x = c190(v["defaultErrnoRet"]); if (x === F) return F; if (x !== undefined || "defaultErrnoRet" in v) out["defaultErrnoRet"] = x; }
  { const x = c19(v["architectures"]); if (x === F) return F; if (x !== undefined || "architectures" in v) out["architectures"] = x; }
  { const x = c19(v["flags"]); if (x === F) return F; if (x !== undefined || "flags" in v) out["flags"] = x; }
  { const x = c54(v["listenerPath"]); if (x === F) return F; if (x !== undefined || "listenerPath" in v) out["listenerPath"] = x; }
  { const x = c261(v["syscalls"]); if (x === F) return F; if (x !== undefined || "syscalls" in v) out["syscalls"] = x; }
  return out;
}
function c248(v: any): any {
  return v === undefined ? undefined : c249(v);
}
function c279(v: any): any {
  if (!isObject(v)) return F;
  const out: any = {};
  { const x = c10(v["containerID"]); if (x === F) return F; if (x !== undefined || "containerID" in v) out["containerID"] = x; }
  { const x = c10(v["hostID"]); if (x === F) return F; if (x !== undefined || "hostID" in v) out["hostID"] = x; }
  { const x = c83(v["size"]); if (x === F) return F; if (x !== undefined || "size" in v) out["size"] = x; }
  return out;
}
function c278(v: any): any {
  if (!Array.isArray(v)) return F;
  const out = new Array(v.length);
  for (let i = 0; i < v.length; i++) { const x = c279(v[i]); if (x === F) return F; out[i] = x; }
  return out;
}
function c277(v: any): any {
  return v === undefined ? undefined : c278(v);
}
function c293(v: any): any {
  return typeof v === 'string' && ["c","b","u","p"].includes(v) ? v : F;
}
function c291(v: any): any {
  if (!isObject(v)) return F;
  const out: any = {};
  { const x = c22(v["path"]); if (x === F) return F; if (x !== undefined || "path" in v) out["path"] = x; }
  { const x = c293(v["type"]); if (x === F) return F; if (x !== undefined || "type" in v) out["type"] = x; }
  { const x = c10(v["major"]); if (x === F) return F; if (x !== undefined || "major" in v) out["major"] = x; }
  { const x = c10(v["minor"]); if (x === F) return F; if (x !== undefined || "minor" in v) out["minor"] = x; }
  { const x = c190(v["fileMode"]); if (x === F) return F; if (x !== undefined || "fileMode" in v) out["fileMode"] = x; }
  { const x = c190(v["uid"]); if (x === F) return F; if (x !== undefined || "uid" in v) out["uid"] = x; }
  { const x = c190(v["gid"]); if (x === F) return F; if (x !== undefined || "gid" in v) out["gid"] = x; }
  return out;
}
function c290(v: any): any {
  if (!Array.isArray(v)) return F;
  const out = new Array(v.length);
  for (let i = 0; i < v.length; i++) { const x = c291(v[i]); if (x === F) return F; out[i] = x; }
  return out;
}
function c289(v: any): any {
  return v === undefined ? undefined : c290(v);
}
function c144(v: any): any {
  if (!isObject(v)) return F;
  const out: any = {};
  { const x = c145(v["namespaces"]); if (x === F) return F; if (x !== undefined || "namespaces" in v) out["namespaces"] = x; }
  { const x = c151(v["resources"]); if (x === F) return F; if (x !== undefined || "resources" in v) out["resources"] = x; }
  { const x = c54(v["cgroupsPath"]); if (x === F) return F; if (x !== undefined || "cgroupsPath" in v) out["cgroupsPath"] = x; }
  { const x = c19(v["maskedPaths"]); if (x === F) return F; if (x !== undefined || "maskedPaths" in v) out["maskedPaths"] = x; }
  { const x = c19(v["readonlyPaths"]); if (x === F) return F; if (x !== undefined || "readonlyPaths" in v) out["readonlyPaths"] = x; }
  { const x = c54(v["rootfsPropagation"]); if (x === F) return F; if (x !== undefined || "rootfsPropagation" in v) out["rootfsPropagation"] = x; }
  { const x = c248(v["seccomp"]); if (x === F) return F; if (x !== undefined || "seccomp" in v) out["seccomp"] = x; }
  { const x = c277(v["uidMappings"]); if (x === F) return F; if (x !== undefined || "uidMappings" in v) out["uidMappings"] = x; }
  { const x = c277(v["gidMappings"]); if (x === F) return F; if (x !== undefined || "gidMappings" in v) out["gidMappings"] = x; }
  { const x = c289(v["devices"]); if (x === F) return F; if (x !== undefined || "devices" in v) out["devices"] = x; }
  return out;
}
function c0(v: any): any {
  if (!isObject(v)) return F;
  const out: any = {};
  { const x = c1(v["ociVersion"]); if (x === F) return F; if (x !== undefined || "ociVersion" in v) out["ociVersion"] = x; }
  { const x = c2(v["process"]); if (x === F) return F; if (x !== undefined || "process" in v) out["process"] = x; }
  { const x = c50(v["root"]); if (x === F) return F; if (x !== undefined || "root" in v) out["root"] = x; }
  { const x = c54(v["hostname"]); if (x === F) return F; if (x !== undefined || "hostname" in v) out["hostname"] = x; }
  { const x = c56(v["mounts"]); if (x === F) return F; if (x !== undefined || "mounts" in v) out["mounts"] = x; }
  { const x = c67(v["annotations"]); if (x === F) return F; if (x !== undefined || "annotations" in v) out["annotations"] = x; }
  { const x = c70(v["hooks"]); if (x === F) return F; if (x !== undefined || "hooks" in v) out["hooks"] = x; }
  { const x = c144(v["linux"]); if (x === F) return F; if (x !== undefined || "linux" in v) out["linux"] = x; }
  return out;
}
/** zod's safeParse(v).data for a valid value; undefined when zod must say what is wrong. */
export function checkRuntimeSpec(v: unknown): unknown {
  const x = c0(v);
  return x === F ? undefined : x;
}
