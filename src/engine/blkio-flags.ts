/**
 * Block I/O flags of `run`/`create`/`update`, in Docker's spelling and with Docker's messages:
 *   --blkio-weight 300                 relative weight, 10…1000 (0 = not set)
 *   --device-read-bps /dev/vda:1mb     at most 1 MiB/s read from that disk
 *   --device-write-bps, --device-read-iops /dev/vda:100, --device-write-iops
 * HostConfig keeps the paths (`BlkioDeviceReadBps: [{Path, Rate}]`); the runtime spec gets the
 * device numbers (MAJ:MIN), which is what the kernel's cgroup files take.
 */
import { statSync } from 'node:fs';
import { UserError } from '../errors';
import { parseBytes } from './units';
import { blockIOSupport, detectCgroupVersion, DEFAULT_MOUNTPOINT, type BlockIO, type ThrottleDevice } from '../runtime/cgroups';
import { lazy } from '../lazy';

// For a --device-*-bps/iops flag's device only.
const deviceFlags = lazy(() => require('./device-flags') as typeof import('./device-flags'));

export interface ThrottleSetting { Path: string; Rate: number }

/** The block I/O part of HostConfig, as Docker names it. */
export interface BlkioSettings {
  BlkioWeight: number;
  BlkioDeviceReadBps: ThrottleSetting[];
  BlkioDeviceWriteBps: ThrottleSetting[];
  BlkioDeviceReadIOps: ThrottleSetting[];
  BlkioDeviceWriteIOps: ThrottleSetting[];
}

export const THROTTLE_FLAGS = {
  'device-read-bps': { field: 'BlkioDeviceReadBps', spec: 'throttleReadBpsDevice', bytes: true, what: 'BPS Block I/O read limit' },
  'device-write-bps': { field: 'BlkioDeviceWriteBps', spec: 'throttleWriteBpsDevice', bytes: true, what: 'BPS Block I/O write limit' },
  'device-read-iops': { field: 'BlkioDeviceReadIOps', spec: 'throttleReadIOPSDevice', bytes: false, what: 'IOPS Block I/O read limit' },
  'device-write-iops': { field: 'BlkioDeviceWriteIOps', spec: 'throttleWriteIOPSDevice', bytes: false, what: 'IOPS Block I/O write limit' },
} as const;
export type ThrottleFlag = keyof typeof THROTTLE_FLAGS;

/** `/dev/vda:1mb` (bps) or `/dev/vda:100` (iops), checked as Docker's CLI checks it (exit 125). */
export function parseThrottle(value: string, flag: ThrottleFlag): ThrottleSetting {
  const bad = (why: string) => new UserError(`invalid argument "${value}" for "--${flag}" flag: ${why}`, 125);
  const i = value.indexOf(':');
  if (i < 0) throw bad(`bad format: ${value}`);
  const path = value.slice(0, i);
  const rate = value.slice(i + 1);
  if (!path.startsWith('/dev/')) throw bad(`bad format for device path: ${value}`);
  if (THROTTLE_FLAGS[flag].bytes) {
    const n = /^\d+(\.\d+)?\s*[kmgtp]?i?b?$/i.test(rate) ? parseBytes(rate, `--${flag}`) : NaN;
    if (!Number.isFinite(n) || n < 0) {
      throw bad(`invalid rate for device: ${value}. The correct format is <device-path>:<number>[<unit>]. Number must be a positive integer. Unit is optional and can be kb, mb, or gb`);
    }
    return { Path: path, Rate: n };
  }
  if (!/^\d+$/.test(rate)) throw bad(`invalid rate for device: ${value}. The correct format is <device-path>:<number>. Number must be a positive integer`);
  return { Path: path, Rate: Number(rate) };
}

/** `--blkio-weight N`: a uint16 for the CLI (exit 125); the 10…1000 range is the engine's check. */
export function parseBlkioWeight(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const s = String(value);
  if (!/^\d+$/.test(s) || Number(s) > 65535) throw new UserError(`invalid argument "${s}" for "--blkio-weight" flag: strconv.ParseUint: parsing "${s}": invalid syntax`, 125);
  return Number(s);
}

/** Docker's daemon check of the weight (0 = not set). */
export function checkBlkioWeight(weight: number, code: number): void {
  if (weight !== 0 && (weight < 10 || weight > 1000)) throw new UserError('Range of blkio weight is from 10 to 1000', code);
}

/** A throttle's path → its block device numbers; a missing path or a non-block file is refused (exit 125). */
function deviceNumbers(t: ThrottleSetting): ThrottleDevice {
  let st;
  try {
    st = statSync(t.Path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError(`stat ${t.Path}: ${code === 'ENOENT' ? 'no such file or directory' : (e as Error).message}`, 125);
  }
  if (!st.isBlockDevice()) throw new UserError(`${t.Path} is not a block device: block I/O limits apply to disks (see lsblk)`, 125);
  return { ...deviceFlags().majorMinor(st.rdev), rate: t.Rate };
}

/**
 * HostConfig's block I/O settings → the spec's blockIO, keeping only what this kernel can
 * apply; what it cannot is dropped with Docker's warning (`support` from blockIOSupport()).
 */
export function blockIOSpec(s: BlkioSettings, support: { weight: boolean; throttle: boolean }, warn: (m: string) => void): { blockIO?: BlockIO; kept: BlkioSettings } {
  const kept: BlkioSettings = { ...s };
  const blockIO: BlockIO = {};
  if (s.BlkioWeight) {
    if (support.weight) blockIO.weight = s.BlkioWeight;
    else { warn('Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded.'); kept.BlkioWeight = 0; }
  }
  for (const t of Object.values(THROTTLE_FLAGS)) {
    const list = s[t.field];
    if (!list.length) continue;
    if (!support.throttle) { warn(`Your kernel does not support ${t.what} or the cgroup is not mounted. Block I/O ${t.what.replace(/^(BPS|IOPS) Block I\/O /, '$1 ')} discarded.`); kept[t.field] = []; continue; }
    blockIO[t.spec] = list.map(deviceNumbers);
  }
  return Object.keys(blockIO).length ? { blockIO, kept } : { kept };
}

export const NO_BLKIO: BlkioSettings = { BlkioWeight: 0, BlkioDeviceReadBps: [], BlkioDeviceWriteBps: [], BlkioDeviceReadIOps: [], BlkioDeviceWriteIOps: [] };

/** Is any block I/O limit set? */
export function hasBlkio(s: BlkioSettings): boolean {
  return s.BlkioWeight !== 0 || Object.values(THROTTLE_FLAGS).some((t) => s[t.field].length > 0);
}

/** For create: check the weight's range (exit `code`), drop what the kernel lacks with a WARNING line on stderr. */
export function resolveBlockIO(s: BlkioSettings, code = 125, warn = (m: string) => { process.stderr.write(`WARNING: ${m}\n`); }): { blockIO?: BlockIO; kept: BlkioSettings } {
  checkBlkioWeight(s.BlkioWeight, code);
  if (!hasBlkio(s)) return { kept: s };
  return blockIOSpec(s, blockIOSupport(DEFAULT_MOUNTPOINT, detectCgroupVersion()), warn);
}
