/**
 * `--device HOST[:CONTAINER][:PERMS]` and `--device-cgroup-rule 'TYPE MAJOR:MINOR PERMS'`,
 * Docker's syntax and messages.
 *
 * A device node is only (type, major, minor): `--device /dev/fuse` looks the host's node up
 * (a directory: every device below it), asks the runtime to make the same node in the
 * container (OCI `linux.devices`) and adds one rule to the device cgroup so the container may
 * use it with PERMS (r read, w write, m mknod; default rwm). `--device-cgroup-rule` only adds
 * the rule: nodes made later (mknod, or a bind mount) then open. Every other device stays
 * refused by Docker's default rules (spec-builder.ts DEFAULT_DEVICE_RULES).
 */
import { lstatSync, readdirSync, statSync, type Stats } from 'node:fs';
import { join, posix } from 'node:path';
import { UserError } from '../errors';
import type { RuntimeSpec } from '../runtime/spec';

/** What `inspect` shows in HostConfig.Devices (Docker's DeviceMapping). */
export interface DeviceMapping { PathOnHost: string; PathInContainer: string; CgroupPermissions: string }

type DeviceRule = NonNullable<NonNullable<RuntimeSpec['linux']['resources']>['devices']>[number];
type LinuxDevice = NonNullable<RuntimeSpec['linux']['devices']>[number];

/** r, w, m each at most once (Docker's validDeviceMode). */
function validMode(mode: string): boolean {
  return mode.length >= 1 && mode.length <= 3 && /^[rwm]+$/.test(mode) && new Set(mode).size === mode.length;
}

/** Parse one `--device` value as the docker CLI does (exit 125 on a bad one). */
export function parseDeviceFlag(value: string): DeviceMapping {
  const parts = value.split(':');
  let src = parts[0], dst = '', mode = 'rwm';
  if (parts.length === 3) {
    [, dst, mode] = parts;
    if (!validMode(mode)) throw new UserError(`bad mode specified: ${mode}`, 125);
  } else if (parts.length === 2) {
    if (validMode(parts[1])) mode = parts[1];
    else dst = parts[1];
  } else if (parts.length !== 1 || src === '') {
    throw new UserError(`bad format for path: ${value}`, 125);
  }
  if (dst !== '' && !dst.startsWith('/')) throw new UserError(`${dst} is not an absolute path`, 125);
  src = src ?? '';
  return { PathOnHost: src, PathInContainer: dst || src, CgroupPermissions: mode };
}

/** Parse one `--device-cgroup-rule` ("c 10:229 rwm", "a *:* r"). */
export function parseDeviceCgroupRule(value: string): DeviceRule {
  const m = /^([acb]) ([0-9]+|\*):([0-9]+|\*) ([rwm]{1,3})$/.exec(value);
  if (!m) throw new UserError(`invalid argument "${value}" for "--device-cgroup-rule" flag: invalid device cgroup format '${value}'`, 125);
  const num = (s: string) => (s === '*' ? undefined : Number(s));
  return {
    allow: true,
    type: m[1] as 'a' | 'c' | 'b',
    ...(num(m[2]) !== undefined ? { major: num(m[2]) } : {}),
    ...(num(m[3]) !== undefined ? { minor: num(m[3]) } : {}),
    access: m[4],
  };
}

/** glibc's major()/minor() of a dev_t (Node gives st_rdev as a number). */
export function majorMinor(rdev: number): { major: number; minor: number } {
  const dev = BigInt(rdev);
  const major = Number(((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn));
  const minor = Number((dev & 0xffn) | ((dev >> 12n) & ~0xffn));
  return { major, minor };
}

function deviceOf(path: string, inContainer: string, st: Stats): LinuxDevice {
  return {
    path: inContainer,
    type: st.isCharacterDevice() ? 'c' : 'b',
    ...majorMinor(st.rdev),
    fileMode: st.mode & 0o7777,
    uid: st.uid,
    gid: st.gid,
  };
}

/**
 * The nodes to make and the cgroup rules that let them open, for every `--device`.
 * A missing host path or one that is not a device fails here, in Docker's words.
 */
export function gatherDevices(mappings: readonly DeviceMapping[]): { devices: LinuxDevice[]; rules: DeviceRule[] } {
  const devices: LinuxDevice[] = [];
  const rules: DeviceRule[] = [];
  const add = (d: LinuxDevice, access: string) => {
    devices.push(d);
    rules.push({ allow: true, type: d.type as 'c' | 'b', major: d.major, minor: d.minor, access });
  };
  for (const m of mappings) {
    const fail = (why: string) => new UserError(`error gathering device information while adding custom device "${m.PathOnHost}": ${why}`, 125);
    let st: Stats;
    try {
      st = statSync(m.PathOnHost); // a link (/dev/disk/by-id/…) means its target, as in Docker
    } catch (e) {
      throw fail((e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (e as Error).message);
    }
    if (st.isCharacterDevice() || st.isBlockDevice()) {
      add(deviceOf(m.PathOnHost, m.PathInContainer, st), m.CgroupPermissions);
      continue;
    }
    if (!st.isDirectory()) throw fail('not a device node');
    // a directory: every device below it, at the same place under the container path
    const walk = (dir: string) => {
      for (const name of readdirSync(dir).sort()) {
        const p = join(dir, name);
        let s: Stats;
        try { s = statSync(p); } catch { continue; } // a dangling link: skipped, as Docker does
        if (s.isDirectory()) walk(p);
        else if (s.isCharacterDevice() || s.isBlockDevice()) {
          add(deviceOf(p, posix.join(m.PathInContainer, posix.relative(m.PathOnHost, p)), s), m.CgroupPermissions);
        }
      }
    };
    walk(m.PathOnHost);
  }
  return { devices, rules };
}

/** Directories of /dev that are mounts of their own in a container, and names it makes itself. */
const NOT_HOST_DEVICES = new Set(['pts', 'shm', 'fd', 'mqueue', '.lxc', '.lxd-mounts', '.udev', 'console', 'ptmx']);

/**
 * `--privileged`: every device node of the host's /dev, made in the container at the same path
 * (as Docker, through runc's list: links skipped; pts, shm, mqueue are the container's own
 * mounts; console and ptmx the container's own too — a host ptmx would open the HOST's pty
 * instance). The device cgroup then allows everything.
 */
export function hostDevices(dir = '/dev'): LinuxDevice[] {
  const out: LinuxDevice[] = [];
  let names: string[];
  try { names = readdirSync(dir).sort(); } catch { return out; }
  for (const name of names) {
    if (dir === '/dev' && NOT_HOST_DEVICES.has(name)) continue;
    const p = join(dir, name);
    let st: Stats;
    try { st = lstatSync(p); } catch { continue; } // gone meanwhile
    if (st.isDirectory()) out.push(...hostDevices(p));
    else if (st.isCharacterDevice() || st.isBlockDevice()) out.push(deviceOf(p, p, st));
  }
  return out;
}
