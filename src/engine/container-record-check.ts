// Generated from the zod schema ContainerRecord by src/schema-compile.ts (scripts/gen-record-checks.mjs): do not edit.
/* eslint-disable */
const F = Symbol('invalid');
const isObject = (v: unknown): boolean => typeof v === 'object' && v !== null && !Array.isArray(v);
function c1(v: any): any {
  if (typeof v !== 'string') return F;
  if (!/^[0-9a-f]{64}$/.test(v)) return F;
  return v;
}
function c2(v: any): any {
  if (typeof v !== 'string') return F;
  return v;
}
function c7(v: any): any {
  if (!Array.isArray(v)) return F;
  const out = new Array(v.length);
  for (let i = 0; i < v.length; i++) { const x = c2(v[i]); if (x === F) return F; out[i] = x; }
  return out;
}
function c14(v: any): any {
  return v === null ? null : c7(v);
}
function c21(v: any): any {
  return typeof v === 'boolean' ? v : F;
}
function c25(v: any): any {
  if (!isObject(v)) return F;
  const out: any = {};
  for (const k in v) { const x = c2(v[k]); if (x === F) return F; if (k !== '__proto__') out[k] = x; }
  return out;
}
function c24(v: any): any {
  return c25(v === undefined ? {} : v);
}
function c27(v: any): any {
  return c2(v === undefined ? "SIGTERM" : v);
}
function c31(v: any): any {
  if (typeof v !== 'number' || Number.isNaN(v)) return F;
  return v;
}
function c30(v: any): any {
  return v === null ? null : c31(v);
}
function c29(v: any): any {
  return c30(v === undefined ? null : v);
}
function c34(v: any): any {
  if (!isObject(v)) return F;
  const out: any = {};
  for (const k in v) if (!([] as string[]).includes(k) && k !== '__proto__') out[k] = v[k];
  return out;
}
function c33(v: any): any {
  if (!isObject(v)) return F;
  const out: any = {};
  for (const k in v) { const x = c34(v[k]); if (x === F) return F; if (k !== '__proto__') out[k] = x; }
  return out;
}
function c32(v: any): any {
  return c33(v === undefined ? {} : v);
}
function c35(v: any): any {
  return c21(v === undefined ? false : v);
}
function c45(v: any): any {
  if (!Array.isArray(v)) return F;
  if (v.length < 1) return F;
  const out = new Array(v.length);
  for (let i = 0; i < v.length; i++) { const x = c2(v[i]); if (x === F) return F; out[i] = x; }
  return out;
}
function c47(v: any): any {
  return v === undefined ? undefined : c31(v);
}
function c44(v: any): any {
  if (!isObject(v)) return F;
  const out: any = {};
  { const x = c45(v["Test"]); if (x === F) return F; if (x !== undefined || "Test" in v) out["Test"] = x; }
  { const x = c47(v["Interval"]); if (x === F) return F; if (x !== undefined || "Interval" in v) out["Interval"] = x; }
  { const x = c47(v["Timeout"]); if (x === F) return F; if (x !== undefined || "Timeout" in v) out["Timeout"] = x; }
  { const x = c47(v["StartPeriod"]); if (x === F) return F; if (x !== undefined || "StartPeriod" in v) out["StartPeriod"] = x; }
  { const x = c47(v["Retries"]); if (x === F) return F; if (x !== undefined || "Retries" in v) out["Retries"] = x; }
  return out;
}
function c43(v: any): any {
  return v === undefined ? undefined : c44(v);
}
function c9(v: any): any {
  if (!isObject(v)) return F;
  const out: any = {};
  { const x = c2(v["Hostname"]); if (x === F) return F; if (x !== undefined || "Hostname" in v) out["Hostname"] = x; }
  { const x = c2(v["User"]); if (x === F) return F; if (x !== undefined || "User" in v) out["User"] = x; }
  { const x = c7(v["Env"]); if (x === F) return F; if (x !== undefined || "Env" in v) out["Env"] = x; }
  { const x = c14(v["Cmd"]); if (x === F) return F; if (x !== undefined || "Cmd" in v) out["Cmd"] = x; }
  { const x = c14(v["Entrypoint"]); if (x === F) return F; if (x !== undefined || "Entrypoint" in v) out["Entrypoint"] = x; }
  { const x = c2(v["WorkingDir"]); if (x === F) return F; if (x !== undefined || "WorkingDir" in v) out["WorkingDir"] = x; }
  { const x = c21(v["Tty"]); if (x === F) return F; if (x !== undefined || "Tty" in v) out["Tty"] = x; }
  { const x = c21(v["OpenStdin"]); if (x === F) return F; if (x !== undefined || "OpenStdin" in v) out["OpenStdin"] = x; }
  { const x = c2(v["Image"]); if (x === F) return F; if (x !== undefined || "Image" in v) out["Image"] = x; }
  { const x = c24(v["Labels"]); if (x === F) return F; if (x !== undefined || "Labels" in v) out["Labels"] = x; }
  { const x = c27(v["StopSignal"]); if (x === F) return F; if (x !== undefined || "StopSignal" in v) out["StopSignal"] = x; }
  { const x = c29(v["StopTimeout"]); if (x === F) return F; if (x !== undefined || "StopTimeout" in v) out["StopTimeout"] = x; }
  { const x = c32(v["ExposedPorts"]); if (x === F) return F; if (x !== undefined || "ExposedPorts" in v) out["ExposedPorts"] = x; }
  { const x = c35(v["AttachStdin"]); if (x === F) return F; if (x !== undefined || "AttachStdin" in v) out["AttachStdin"] = x; }
  { const x = c35(v["AttachStdout"]); if (x === F) return F; if (x !== undefined || "AttachStdout" in v) out["AttachStdout"] = x; }
  { const x = c35(v["AttachStderr"]); if (x === F) return F; if (x !== undefined || "AttachStderr" in v) out["AttachStderr"] = x; }
  { const x = c35(v["StdinOnce"]); if (x === F) return F; if (x !== undefined || "StdinOnce" in v) out["StdinOnce"] = x; }
  { const x = c43(v["Healthcheck"]); if (x === F) return F; if (x !== undefined || "Healthcheck" in v) out["Healthcheck"] = x; }
  return out;
}
function c61(v: any): any {
  return c2(v === undefined ? "" : v);
}
function c68(v: any): any {
  return c14(v === undefined ? null : v);
}
function c74(v: any): any {
  if (!isObject(v)) return F;
  const out: any = {};
  { const x = c2(v["PathOnHost"]); if (x === F) return F; if (x !== undefined || "PathOnHost" in v) out["PathOnHost"] = x; }
  { const x = c2(v["PathInContainer"]); if (x === F) return F; if (x !== undefined || "PathInContainer" in v) out["PathInContainer"] = x; }
  { const x = c2(v["CgroupPermissions"]); if (x === F) return F; if (x !== undefined || "CgroupPermissions" in v) out["CgroupPermissions"] = x; }
  return out;
}
function c73(v: any): any {
  if (!Array.isArray(v)) return F;
  const out = new Array(v.length);
  for (let i = 0; i < v.length; i++) { const x = c74(v[i]); if (x === F) return F; out[i] = x; }
  return out;
}
function c72(v: any): any {
  return c73(v === undefined ? [] : v);
}
function c95(v: any): any {
  if (typeof v !== 'number' || Number.isNaN(v)) return F;
  if (!Number.isInteger(v)) return F;
  return v;
}
function c94(v: any): any {
  return c95(v === undefined ? 0 : v);
}
function c100(v: any): any {
  if (typeof v !== 'number' || Number.isNaN(v)) return F;
  if (!(v >= 0)) return F;
  return v;
}
function c98(v: any): any {
  if (!isObject(v)) return F;
  const out: any = {};
  { const x = c2(v["Path"]); if (x === F) return F; if (x !== undefined || "Path" in v) out["Path"] = x; }
  { const x = c100(v["Rate"]); if (x === F) return F; if (x !== undefined || "Rate" in v) out["Rate"] = x; }
  return out;
}
function c97(v: any): any {
  if (!Array.isArray(v)) return F;
  const out = new Array(v.length);
  for (let i = 0; i < v.length; i++) { const x = c98(v[i]); if (x === F) return F; out[i] = x; }
  return out;
}
function c96(v: any): any {
  return c97(v === undefined ? [] : v);
}
function c118(v: any): any {
  return typeof v === 'string' && ["no","on-failure","always","unless-stopped"].includes(v) ? v : F;
}
function c119(v: any): any {
  if (typeof v !== 'number' || Number.isNaN(v)) return F;
  if (!Number.isInteger(v)) return F;
  if (!(v >= 0)) return F;
  return v;
}
function c117(v: any): any {
  if (!isObject(v)) return F;
  const out: any = {};
  { const x = c118(v["Name"]); if (x === F) return F; if (x !== undefined || "Name" in v) out["Name"] = x; }
  { const x = c119(v["MaximumRetryCount"]); if (x === F) return F; if (x !== undefined || "MaximumRetryCount" in v) out["MaximumRetryCount"] = x; }
  return out;
}
function c116(v: any): any {
  return c117(v === undefined ? {"Name":"no","MaximumRetryCount":0} : v);
}
function c122(v: any): any {
  return typeof v === 'string' && ["json-file","local","none"].includes(v) ? v : F;
}
function c121(v: any): any {
  if (!isObject(v)) return F;
  const out: any = {};
  { const x = c122(v["Type"]); if (x === F) return F; if (x !== undefined || "Type" in v) out["Type"] = x; }
  { const x = c25(v["Config"]); if (x === F) return F; if (x !== undefined || "Config" in v) out["Config"] = x; }
  return out;
}
function c120(v: any): any {
  return c121(v === undefined ? {"Type":"json-file","Config":{}} : v);
}
function c126(v: any): any {
  return v === null ? null : c25(v);
}
function c125(v: any): any {
  return c126(v === undefined ? null : v);
}
function c55(v: any): any {
  if (!isObject(v)) return F;
  const out: any = {};
  { const x = c21(v["AutoRemove"]); if (x === F) return F; if (x !== undefined || "AutoRemove" in v) out["AutoRemove"] = x; }
  { const x = c2(v["NetworkMode"]); if (x === F) return F; if (x !== undefined || "NetworkMode" in v) out["NetworkMode"] = x; }
  { const x = c2(v["PidMode"]); if (x === F) return F; if (x !== undefined || "PidMode" in v) out["PidMode"] = x; }
  { const x = c2(v["UTSMode"]); if (x === F) return F; if (x !== undefined || "UTSMode" in v) out["UTSMode"] = x; }
  { const x = c2(v["IpcMode"]); if (x === F) return F; if (x !== undefined || "IpcMode" in v) out["IpcMode"] = x; }
  { const x = c61(v["UsernsMode"]); if (x === F) return F; if (x !== undefined || "UsernsMode" in v) out["UsernsMode"] = x; }
  { const x = c21(v["Privileged"]); if (x === F) return F; if (x !== undefined || "Privileged" in v) out["Privileged"] = x; }
  { const x = c7(v["CapAdd"]); if (x === F) return F; if (x !== undefined || "CapAdd" in v) out["CapAdd"] = x; }
  { const x = c7(v["CapDrop"]); if (x === F) return F; if (x !== undefined || "CapDrop" in v) out["CapDrop"] = x; }
  { const x = c68(v["SecurityOpt"]); if (x === F) return F; if (x !== undefined || "SecurityOpt" in v) out["SecurityOpt"] = x; }
  { const x = c72(v["Devices"]); if (x === F) return F; if (x !== undefined || "Devices" in v) out["Devices"] = x; }
  { const x = c68(v["DeviceCgroupRules"]); if (x === F) return F; if (x !== undefined || "DeviceCgroupRules" in v) out["DeviceCgroupRules"] = x; }
  { const x = c68(v["GroupAdd"]); if (x === F) return F; if (x !== undefined || "GroupAdd" in v) out["GroupAdd"] = x; }
  { const x = c21(v["ReadonlyRootfs"]); if (x === F) return F; if (x !== undefined || "ReadonlyRootfs" in v) out["ReadonlyRootfs"] = x; }
  { const x = c21(v["Init"]); if (x === F) return F; if (x !== undefined || "Init" in v) out["Init"] = x; }
  { const x = c31(v["Memory"]); if (x === F) return F; if (x !== undefined || "Memory" in v) out["Memory"] = x; }
  { const x = c31(v["MemorySwap"]); if (x === F) return F; if (x !== undefined || "MemorySwap" in v) out["MemorySwap"] = x; }
  { const x = c31(v["NanoCpus"]); if (x === F) return F; if (x !== undefined || "NanoCpus" in v) out["NanoCpus"] = x; }
  { const x = c31(v["CpuShares"]); if (x === F) return F; if (x !== undefined || "CpuShares" in v) out["CpuShares"] = x; }
  { const x = c30(v["PidsLimit"]); if (x === F) return F; if (x !== undefined || "PidsLimit" in v) out["PidsLimit"] = x; }
  { const x = c94(v["BlkioWeight"]); if (x === F) return F; if (x !== undefined || "BlkioWeight" in v) out["BlkioWeight"] = x; }
  { const x = c96(v["BlkioDeviceReadBps"]); if (x === F) return F; if (x !== undefined || "BlkioDeviceReadBps" in v) out["BlkioDeviceReadBps"] = x; }
  { const x = c96(v["BlkioDeviceWriteBps"]); if (x === F) return F; if (x !== undefined || "BlkioDeviceWriteBps" in v) out["BlkioDeviceWriteBps"] = x; }
  { const x = c96(v["BlkioDeviceReadIOps"]); if (x === F) return F; if (x !== undefined || "BlkioDeviceReadIOps" in v) out["BlkioDeviceReadIOps"] = x; }
  { const x = c96(v["BlkioDeviceWriteIOps"]); if (x === F) return F; if (x !== undefined || "BlkioDeviceWriteIOps" in v) out["BlkioDeviceWriteIOps"] = x; }
  { const x = c116(v["RestartPolicy"]); if (x === F) return F; if (x !== undefined || "RestartPolicy" in v) out["RestartPolicy"] = x; }
  { const x = c120(v["LogConfig"]); if (x === F) return F; if (x !== undefined || "LogConfig" in v) out["LogConfig"] = x; }
  { const x = c125(v["StorageOpt"]); if (x === F) return F; if (x !== undefined || "StorageOpt" in v) out["StorageOpt"] = x; }
  return out;
}
function c129(v: any): any {
  return c119(v === undefined ? 0 : v);
}
function c136(v: any): any {
  return typeof v === 'string' && ["tcp","udp"].includes(v) ? v : F;
}
function c135(v: any): any {
  if (!isObject(v)) return F;
  const out: any = {};
  { const x = c136(v["proto"]); if (x === F) return F; if (x !== undefined || "proto" in v) out["proto"] = x; }
  { const x = c31(v["containerPort"]); if (x === F) return F; if (x !== undefined || "containerPort" in v) out["containerPort"] = x; }
  { const x = c2(v["hostIp"]); if (x === F) return F; if (x !== undefined || "hostIp" in v) out["hostIp"] = x; }
  { const x = c31(v["hostPort"]); if (x === F) return F; if (x !== undefined || "hostPort" in v) out["hostPort"] = x; }
  return out;
}
function c134(v: any): any {
  if (!Array.isArray(v)) return F;
  const out = new Array(v.length);
  for (let i = 0; i < v.length; i++) { const x = c135(v[i]); if (x === F) return F; out[i] = x; }
  return out;
}
function c133(v: any): any {
  return c134(v === undefined ? [] : v);
}
function c140(v: any): any {
  return v === undefined ? undefined : c2(v);
}
function c144(v: any): any {
  return c7(v === undefined ? [] : v);
}
function c161(v: any): any {
  if (!isObject(v)) return F;
  const out: any = {};
  { const x = c2(v["network"]); if (x === F) return F; if (x !== undefined || "network" in v) out["network"] = x; }
  { const x = c2(v["bridge"]); if (x === F) return F; if (x !== undefined || "bridge" in v) out["bridge"] = x; }
  { const x = c2(v["ip"]); if (x === F) return F; if (x !== undefined || "ip" in v) out["ip"] = x; }
  { const x = c31(v["prefixLen"]); if (x === F) return F; if (x !== undefined || "prefixLen" in v) out["prefixLen"] = x; }
  { const x = c2(v["gateway"]); if (x === F) return F; if (x !== undefined || "gateway" in v) out["gateway"] = x; }
  { const x = c2(v["mac"]); if (x === F) return F; if (x !== undefined || "mac" in v) out["mac"] = x; }
  { const x = c2(v["hostVeth"]); if (x === F) return F; if (x !== undefined || "hostVeth" in v) out["hostVeth"] = x; }
  { const x = c133(v["ports"]); if (x === F) return F; if (x !== undefined || "ports" in v) out["ports"] = x; }
  return out;
}
function c160(v: any): any {
  return v === null ? null : c161(v);
}
function c159(v: any): any {
  return c160(v === undefined ? null : v);
}
function c178(v: any): any {
  if (!isObject(v)) return F;
  const out: any = {};
  { const x = c2(v["network"]); if (x === F) return F; if (x !== undefined || "network" in v) out["network"] = x; }
  { const x = c2(v["bridge"]); if (x === F) return F; if (x !== undefined || "bridge" in v) out["bridge"] = x; }
  { const x = c2(v["ip"]); if (x === F) return F; if (x !== undefined || "ip" in v) out["ip"] = x; }
  { const x = c31(v["prefixLen"]); if (x === F) return F; if (x !== undefined || "prefixLen" in v) out["prefixLen"] = x; }
  { const x = c2(v["gateway"]); if (x === F) return F; if (x !== undefined || "gateway" in v) out["gateway"] = x; }
  { const x = c2(v["mac"]); if (x === F) return F; if (x !== undefined || "mac" in v) out["mac"] = x; }
  { const x = c2(v["hostVeth"]); if (x === F) return F; if (x !== undefined || "hostVeth" in v) out["hostVeth"] = x; }
  { const x = c133(v["ports"]); if (x === F) return F; if (x !== undefined || "ports" in v) out["ports"] = x; }
  { const x = c2(v["ifname"]); if (x === F) return F; if (x !== undefined || "ifname" in v) out["ifname"] = x; }
  { const x = c144(v["aliases"]); if (x === F) return F; if (x !== undefined || "aliases" in v) out["aliases"] = x; }
  { const x = c140(v["requestedIp"]); if (x === F) return F; if (x !== undefined || "requestedIp" in v) out["requestedIp"] = x; }
  return out;
}
function c177(v: any): any {
  if (!Array.isArray(v)) return F;
  const out = new Array(v.length);
  for (let i = 0; i < v.length; i++) { const x = c178(v[i]); if (x === F) return F; out[i] = x; }
  return out;
}
function c176(v: any): any {
  return c177(v === undefined ? [] : v);
}
function c201(v: any): any {
  if (!isObject(v)) return F;
  const out: any = {};
  { const x = c2(v["network"]); if (x === F) return F; if (x !== undefined || "network" in v) out["network"] = x; }
  { const x = c144(v["aliases"]); if (x === F) return F; if (x !== undefined || "aliases" in v) out["aliases"] = x; }
  { const x = c140(v["ip"]); if (x === F) return F; if (x !== undefined || "ip" in v) out["ip"] = x; }
  return out;
}
function c200(v: any): any {
  if (!Array.isArray(v)) return F;
  const out = new Array(v.length);
  for (let i = 0; i < v.length; i++) { const x = c201(v[i]); if (x === F) return F; out[i] = x; }
  return out;
}
function c199(v: any): any {
  return c200(v === undefined ? [] : v);
}
function c132(v: any): any {
  if (!isObject(v)) return F;
  const out: any = {};
  { const x = c133(v["ports"]); if (x === F) return F; if (x !== undefined || "ports" in v) out["ports"] = x; }
  { const x = c140(v["ip"]); if (x === F) return F; if (x !== undefined || "ip" in v) out["ip"] = x; }
  { const x = c140(v["mac"]); if (x === F) return F; if (x !== undefined || "mac" in v) out["mac"] = x; }
  { const x = c144(v["aliases"]); if (x === F) return F; if (x !== undefined || "aliases" in v) out["aliases"] = x; }
  { const x = c144(v["links"]); if (x === F) return F; if (x !== undefined || "links" in v) out["links"] = x; }
  { const x = c144(v["extraHosts"]); if (x === F) return F; if (x !== undefined || "extraHosts" in v) out["extraHosts"] = x; }
  { const x = c144(v["dns"]); if (x === F) return F; if (x !== undefined || "dns" in v) out["dns"] = x; }
  { const x = c144(v["dnsSearch"]); if (x === F) return F; if (x !== undefined || "dnsSearch" in v) out["dnsSearch"] = x; }
  { const x = c159(v["endpoint"]); if (x === F) return F; if (x !== undefined || "endpoint" in v) out["endpoint"] = x; }
  { const x = c176(v["connected"]); if (x === F) return F; if (x !== undefined || "connected" in v) out["connected"] = x; }
  { const x = c199(v["pending"]); if (x === F) return F; if (x !== undefined || "pending" in v) out["pending"] = x; }
  return out;
}
function c131(v: any): any {
  return c132(v === undefined ? {} : v);
}
function c211(v: any): any {
  return typeof v === 'string' && ["bind","volume","tmpfs"].includes(v) ? v : F;
}
function c210(v: any): any {
  if (!isObject(v)) return F;
  const out: any = {};
  { const x = c211(v["Type"]); if (x === F) return F; if (x !== undefined || "Type" in v) out["Type"] = x; }
  { const x = c61(v["Name"]); if (x === F) return F; if (x !== undefined || "Name" in v) out["Name"] = x; }
  { const x = c2(v["Source"]); if (x === F) return F; if (x !== undefined || "Source" in v) out["Source"] = x; }
  { const x = c2(v["Destination"]); if (x === F) return F; if (x !== undefined || "Destination" in v) out["Destination"] = x; }
  { const x = c61(v["Driver"]); if (x === F) return F; if (x !== undefined || "Driver" in v) out["Driver"] = x; }
  { const x = c61(v["Mode"]); if (x === F) return F; if (x !== undefined || "Mode" in v) out["Mode"] = x; }
  { const x = c21(v["RW"]); if (x === F) return F; if (x !== undefined || "RW" in v) out["RW"] = x; }
  { const x = c61(v["Propagation"]); if (x === F) return F; if (x !== undefined || "Propagation" in v) out["Propagation"] = x; }
  { const x = c35(v["Anonymous"]); if (x === F) return F; if (x !== undefined || "Anonymous" in v) out["Anonymous"] = x; }
  { const x = c144(v["Options"]); if (x === F) return F; if (x !== undefined || "Options" in v) out["Options"] = x; }
  return out;
}
function c209(v: any): any {
  if (!Array.isArray(v)) return F;
  const out = new Array(v.length);
  for (let i = 0; i < v.length; i++) { const x = c210(v[i]); if (x === F) return F; out[i] = x; }
  return out;
}
function c208(v: any): any {
  return c209(v === undefined ? [] : v);
}
function c232(v: any): any {
  if (!isObject(v)) return F;
  const out: any = {};
  { const x = c95(v["containerID"]); if (x === F) return F; if (x !== undefined || "containerID" in v) out["containerID"] = x; }
  { const x = c95(v["hostID"]); if (x === F) return F; if (x !== undefined || "hostID" in v) out["hostID"] = x; }
  { const x = c95(v["size"]); if (x === F) return F; if (x !== undefined || "size" in v) out["size"] = x; }
  return out;
}
function c231(v: any): any {
  if (!Array.isArray(v)) return F;
  if (v.length < 1) return F;
  const out = new Array(v.length);
  for (let i = 0; i < v.length; i++) { const x = c232(v[i]); if (x === F) return F; out[i] = x; }
  return out;
}
function c229(v: any): any {
  if (!isObject(v)) return F;
  const out: any = {};
  { const x = c2(v["user"]); if (x === F) return F; if (x !== undefined || "user" in v) out["user"] = x; }
  { const x = c231(v["uidMappings"]); if (x === F) return F; if (x !== undefined || "uidMappings" in v) out["uidMappings"] = x; }
  { const x = c231(v["gidMappings"]); if (x === F) return F; if (x !== undefined || "gidMappings" in v) out["gidMappings"] = x; }
  return out;
}
function c228(v: any): any {
  return v === undefined ? undefined : c229(v);
}
function c242(v: any): any {
  return typeof v === 'string' && ["created","running","paused","restarting","exited","dead","removing"].includes(v) ? v : F;
}
function c253(v: any): any {
  return typeof v === 'string' && ["starting","healthy","unhealthy"].includes(v) ? v : F;
}
function c256(v: any): any {
  if (!isObject(v)) return F;
  const out: any = {};
  { const x = c2(v["Start"]); if (x === F) return F; if (x !== undefined || "Start" in v) out["Start"] = x; }
  { const x = c2(v["End"]); if (x === F) return F; if (x !== undefined || "End" in v) out["End"] = x; }
  { const x = c31(v["ExitCode"]); if (x === F) return F; if (x !== undefined || "ExitCode" in v) out["ExitCode"] = x; }
  { const x = c2(v["Output"]); if (x === F) return F; if (x !== undefined || "Output" in v) out["Output"] = x; }
  return out;
}
function c255(v: any): any {
  if (!Array.isArray(v)) return F;
  const out = new Array(v.length);
  for (let i = 0; i < v.length; i++) { const x = c256(v[i]); if (x === F) return F; out[i] = x; }
  return out;
}
function c252(v: any): any {
  if (!isObject(v)) return F;
  const out: any = {};
  { const x = c253(v["Status"]); if (x === F) return F; if (x !== undefined || "Status" in v) out["Status"] = x; }
  { const x = c31(v["FailingStreak"]); if (x === F) return F; if (x !== undefined || "FailingStreak" in v) out["FailingStreak"] = x; }
  { const x = c255(v["Log"]); if (x === F) return F; if (x !== undefined || "Log" in v) out["Log"] = x; }
  return out;
}
function c251(v: any): any {
  return v === undefined ? undefined : c252(v);
}
function c241(v: any): any {
  if (!isObject(v)) return F;
  const out: any = {};
  { const x = c242(v["Status"]); if (x === F) return F; if (x !== undefined || "Status" in v) out["Status"] = x; }
  { const x = c31(v["Pid"]); if (x === F) return F; if (x !== undefined || "Pid" in v) out["Pid"] = x; }
  { const x = c31(v["ExitCode"]); if (x === F) return F; if (x !== undefined || "ExitCode" in v) out["ExitCode"] = x; }
  { const x = c21(v["OOMKilled"]); if (x === F) return F; if (x !== undefined || "OOMKilled" in v) out["OOMKilled"] = x; }
  { const x = c2(v["Error"]); if (x === F) return F; if (x !== undefined || "Error" in v) out["Error"] = x; }
  { const x = c2(v["StartedAt"]); if (x === F) return F; if (x !== undefined || "StartedAt" in v) out["StartedAt"] = x; }
  { const x = c2(v["FinishedAt"]); if (x === F) return F; if (x !== undefined || "FinishedAt" in v) out["FinishedAt"] = x; }
  { const x = c35(v["ManuallyStopped"]); if (x === F) return F; if (x !== undefined || "ManuallyStopped" in v) out["ManuallyStopped"] = x; }
  { const x = c251(v["Health"]); if (x === F) return F; if (x !== undefined || "Health" in v) out["Health"] = x; }
  return out;
}
function c262(v: any): any {
  if (!isObject(v)) return F;
  const out: any = {};
  { const x = c31(v["pid"]); if (x === F) return F; if (x !== undefined || "pid" in v) out["pid"] = x; }
  { const x = c2(v["startTime"]); if (x === F) return F; if (x !== undefined || "startTime" in v) out["startTime"] = x; }
  return out;
}
function c261(v: any): any {
  return v === null ? null : c262(v);
}
function c0(v: any): any {
  if (!isObject(v)) return F;
  const out: any = {};
  { const x = c1(v["id"]); if (x === F) return F; if (x !== undefined || "id" in v) out["id"] = x; }
  { const x = c2(v["name"]); if (x === F) return F; if (x !== undefined || "name" in v) out["name"] = x; }
  { const x = c2(v["created"]); if (x === F) return F; if (x !== undefined || "created" in v) out["created"] = x; }
  { const x = c2(v["image"]); if (x === F) return F; if (x !== undefined || "image" in v) out["image"] = x; }
  { const x = c2(v["imageId"]); if (x === F) return F; if (x !== undefined || "imageId" in v) out["imageId"] = x; }
  { const x = c2(v["path"]); if (x === F) return F; if (x !== undefined || "path" in v) out["path"] = x; }
  { const x = c7(v["args"]); if (x === F) return F; if (x !== undefined || "args" in v) out["args"] = x; }
  { const x = c9(v["config"]); if (x === F) return F; if (x !== undefined || "config" in v) out["config"] = x; }
  { const x = c55(v["hostConfig"]); if (x === F) return F; if (x !== undefined || "hostConfig" in v) out["hostConfig"] = x; }
  { const x = c129(v["RestartCount"]); if (x === F) return F; if (x !== undefined || "RestartCount" in v) out["RestartCount"] = x; }
  { const x = c131(v["network"]); if (x === F) return F; if (x !== undefined || "network" in v) out["network"] = x; }
  { const x = c208(v["mounts"]); if (x === F) return F; if (x !== undefined || "mounts" in v) out["mounts"] = x; }
  { const x = c228(v["userns"]); if (x === F) return F; if (x !== undefined || "userns" in v) out["userns"] = x; }
  { const x = c241(v["state"]); if (x === F) return F; if (x !== undefined || "state" in v) out["state"] = x; }
  { const x = c261(v["monitor"]); if (x === F) return F; if (x !== undefined || "monitor" in v) out["monitor"] = x; }
  return out;
}
/** zod's safeParse(v).data for a valid value; undefined when zod must say what is wrong. */
export function checkContainerRecord(v: unknown): unknown {
  const x = c0(v);
  return x === F ? undefined : x;
}
