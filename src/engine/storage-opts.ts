/**
 * `--storage-opt KEY=VALUE`: options for the container's writable layer. Docker's overlay2 knows
 * one key, `size`: a limit on the writable layer, enforced by giving the layer's directory a
 * *project quota* (engine/layer-quota.ts) — which only a filesystem mounted with project quotas
 * can do (xfs with the `pquota`/`prjquota` mount option; ext4 with the `project` feature and
 * `prjquota`).
 *
 * Where the filesystem under ROOT/containers has none, `size` is refused with Docker's own words
 * (Docker does the same on such a filesystem), and what is missing is said after them. Either
 * way the check runs before anything of the container exists.
 */
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { UserError } from '../errors';
import { parseBytes } from './units';

/** `--storage-opt` values as Docker's CLI reads them: KEY=VALUE each, later keys win. */
export function parseStorageOpts(values: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const eq = v.indexOf('=');
    if (eq < 0) throw new UserError('invalid storage option', 125);
    out[v.slice(0, eq)] = v.slice(eq + 1);
  }
  return out;
}

/** The mount under `path` from /proc/self/mountinfo: its mount point, type and superblock options. */
export function backingFilesystem(path: string): { mountPoint: string; fsType: string; superOptions: string } {
  let real = path;
  try { real = realpathSync(path); } catch { /* not made yet: judge by the path as given */ }
  let best = { mountPoint: '/', fsType: 'unknown', superOptions: '' };
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const [left, right] = line.split(' - ');
    if (!right) continue;
    const mountPoint = left.split(' ')[4].replace(/\\040/g, ' ');
    const inside = real === mountPoint || real.startsWith(mountPoint.endsWith('/') ? mountPoint : mountPoint + '/');
    if (inside && mountPoint.length >= best.mountPoint.length) {
      const [fsType, , superOptions = ''] = right.split(' ');
      best = { mountPoint, fsType, superOptions };
    }
  }
  return best;
}

/** Can this filesystem enforce a project quota (the only way to limit a directory's size)? */
export function hasProjectQuotas(fs: { fsType: string; superOptions: string }): boolean {
  return (fs.fsType === 'xfs' || fs.fsType === 'ext4') && /(^|,)(prjquota|pquota)(,|$)/.test(fs.superOptions);
}

/**
 * Why a filesystem without project quotas has none, as far as this machine tells: ext4 counts
 * project quotas in the kernel's "v2" quota format (CONFIG_QFMT_V2: built in, or the quota_v2
 * module), xfs in its own code; a kernel without the format cannot mount ext4 with prjquota at all.
 */
function missingQuotaReason(fs: { mountPoint: string; fsType: string }): string {
  if (fs.fsType === 'ext4' && !kernelHasQuotaV2()) return `${fs.mountPoint} is ext4, and this kernel cannot enforce ext4 quotas: it was built without CONFIG_QFMT_V2`;
  if (fs.fsType === 'ext4') return `${fs.mountPoint} is ext4 mounted without prjquota: make it with -O quota,project and mount it with -o prjquota`;
  if (fs.fsType === 'xfs') return `${fs.mountPoint} is xfs mounted without pquota: mount it with -o pquota`;
  return `${fs.mountPoint} is ${fs.fsType}`;
}

function kernelHasQuotaV2(): boolean {
  try {
    if (/ v2_read_file_info$/m.test(readFileSync('/proc/kallsyms', 'utf8'))) return true;
  } catch { /* no kallsyms: judge by the module alone */ }
  const release = readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim();
  return ['', '.xz', '.zst', '.gz'].some((z) => existsSync(`/lib/modules/${release}/kernel/fs/quota/quota_v2.ko${z}`));
}

/**
 * Refuse what cannot be honoured, before anything of the container exists (the checks and
 * messages of Docker's overlay2 driver: `size` first, then any other key is unknown). Returns
 * the size limit in bytes, if one was asked for (0 = none, as Docker's).
 */
export function checkStorageOpts(opts: Readonly<Record<string, string>>, containersDir: string): { sizeBytes?: number } {
  const keys = Object.keys(opts);
  if (keys.length === 0) return {};
  const sizeKey = keys.find((k) => k.toLowerCase() === 'size');
  if (sizeKey !== undefined) {
    const fs = backingFilesystem(containersDir);
    if (!hasProjectQuotas(fs)) throw new UserError(`--storage-opt is supported only for overlay over xfs with 'pquota' mount option (${missingQuotaReason(fs)})`, 125);
    const other = keys.find((k) => k.toLowerCase() !== 'size');
    if (other !== undefined) throw new UserError(`Unknown option ${other.toLowerCase()}`, 125);
    return { sizeBytes: parseBytes(opts[sizeKey], '--storage-opt') };
  }
  throw new UserError(`Unknown option ${keys[0].toLowerCase()}`, 125);
}
