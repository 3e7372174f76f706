/**
 * Block I/O limits (`--blkio-weight`, `--device-read-bps` …): the OCI `linux.resources.blockIO`
 * as each cgroup version spells it. The kernel wants devices as MAJ:MIN numbers, one device
 * per write.
 *
 *   v1 blkio controller:   blkio.weight (CFQ, gone since Linux 5.0) or blkio.bfq.weight (BFQ)
 *                          blkio.throttle.read_bps_device   ← "254:0 1048576"   (0 = no limit)
 *                          blkio.throttle.write_bps_device / read_iops_device / write_iops_device
 *   v2 io controller:      io.bfq.weight (BFQ, 1…1000) or io.weight (blk-iocost, 1…10000)
 *                          io.max ← "254:0 rbps=1048576 wbps=max riops=max wiops=max"
 *
 * Throttles only count I/O the group itself sends to the device: on v1, buffered writes are
 * sent later by the kernel's writeback threads and escape the limit (direct I/O does not);
 * v2 charges writeback to the group that dirtied the pages.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readCgroupFile } from './cgroupfs';
import { UserError } from '../../errors';
import type { CgroupWriter } from './write-log';
import type { BlockIO, ThrottleDevice } from './types';

type ThrottleKey = 'throttleReadBpsDevice' | 'throttleWriteBpsDevice' | 'throttleReadIOPSDevice' | 'throttleWriteIOPSDevice';

const V1_THROTTLE_FILES: Record<ThrottleKey, string> = {
  throttleReadBpsDevice: 'blkio.throttle.read_bps_device',
  throttleWriteBpsDevice: 'blkio.throttle.write_bps_device',
  throttleReadIOPSDevice: 'blkio.throttle.read_iops_device',
  throttleWriteIOPSDevice: 'blkio.throttle.write_iops_device',
};
const V2_IO_MAX_KEYS: Record<ThrottleKey, string> = {
  throttleReadBpsDevice: 'rbps', throttleWriteBpsDevice: 'wbps', throttleReadIOPSDevice: 'riops', throttleWriteIOPSDevice: 'wiops',
};
const THROTTLE_KEYS = Object.keys(V1_THROTTLE_FILES) as ThrottleKey[];

/** Does the spec ask for any block I/O limit at all? */
export function wantsBlockIO(b: BlockIO | undefined): boolean {
  return !!b && (b.weight !== undefined || THROTTLE_KEYS.some((k) => (b[k]?.length ?? 0) > 0));
}

const dev = (d: ThrottleDevice) => `${d.major}:${d.minor}`;

/** The line a per-device file holds for `device` now (e.g. "254:0 1048576"), or null. */
function lineFor(text: string | null, device: string): string | null {
  return (text ?? '').split('\n').map((l) => l.trim()).find((l) => l.startsWith(device + ' ')) ?? null;
}

/** Where the weight goes in a v1 group: blkio.weight (CFQ) or blkio.bfq.weight, or null when neither exists. */
export function v1WeightFile(dir: string, root: string): string | null {
  for (const name of ['blkio.weight', 'blkio.bfq.weight']) {
    if (existsSync(join(dir, name)) || existsSync(join(root, name))) return join(dir, name);
  }
  return null;
}

/** Write the v1 blkio values. `weightFile` null = the kernel has no weight: the caller has refused or warned. */
export function writeV1BlockIO(dir: string, weightFile: string | null, b: BlockIO, write: CgroupWriter): void {
  if (b.weight !== undefined && weightFile) write(weightFile, String(b.weight));
  for (const key of THROTTLE_KEYS) {
    const file = join(dir, V1_THROTTLE_FILES[key]);
    for (const d of b[key] ?? []) {
      // Undo = the device's old line, or rate 0 ("no limit") if it had none.
      write(file, `${dev(d)} ${d.rate}`, lineFor(readCgroupFile(file), dev(d)) ?? `${dev(d)} 0`);
    }
  }
}

/** v2 io.weight takes 1…10000 (default 100); the blkio scale is 10…1000 (default 500): runc's linear map. */
export function blkioWeightToIoWeight(weight: number): number {
  return Math.floor(1 + ((weight - 10) * 9999) / 990);
}

/** Write the v2 io values: one io.max line per device, all four limits in it ("max" = none). */
export function writeV2BlockIO(dir: string, parent: string, b: BlockIO, write: CgroupWriter): void {
  if (b.weight !== undefined) {
    const has = (name: string) => existsSync(join(dir, name)) || existsSync(join(parent, name));
    if (has('io.bfq.weight')) write(join(dir, 'io.bfq.weight'), String(b.weight));
    else if (has('io.weight')) write(join(dir, 'io.weight'), `default ${blkioWeightToIoWeight(b.weight)}`);
    else throw new UserError('this kernel has no block I/O weight (no io.weight or io.bfq.weight in the io controller)');
  }
  const perDevice = new Map<string, Record<string, number>>();
  for (const key of THROTTLE_KEYS) {
    for (const d of b[key] ?? []) perDevice.set(dev(d), { ...perDevice.get(dev(d)), [V2_IO_MAX_KEYS[key]]: d.rate });
  }
  const ioMax = join(dir, 'io.max');
  for (const [device, limits] of perDevice) {
    const fields = Object.values(V2_IO_MAX_KEYS).map((k) => `${k}=${limits[k] ? limits[k] : 'max'}`);
    write(ioMax, `${device} ${fields.join(' ')}`, lineFor(readCgroupFile(ioMax), device) ?? `${device} rbps=max wbps=max riops=max wiops=max`);
  }
}

/**
 * What block I/O limits this host can apply, as Docker's engine asks before it builds a spec
 * (what it cannot apply it drops with a warning): v1 needs blkio.weight/blkio.bfq.weight and
 * the blkio.throttle.* files; v2 needs the io controller.
 */
export function blockIOSupport(mountpoint: string, version: 1 | 2): { weight: boolean; throttle: boolean } {
  if (version === 2) {
    const io = (readCgroupFile(join(mountpoint, 'cgroup.controllers')) ?? '').split(/\s+/).includes('io');
    return { weight: io, throttle: io };
  }
  const blkio = join(mountpoint, 'blkio');
  return { weight: v1WeightFile(blkio, blkio) !== null, throttle: existsSync(join(blkio, 'blkio.throttle.read_bps_device')) };
}
