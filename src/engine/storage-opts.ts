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
import { parseMountInfo } from '../sys/mountinfo';
import { parseBytes } from './units';
import { lazy } from '../lazy';

const zlib = lazy(() => require('node:zlib') as typeof import('node:zlib'));

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
  for (const m of parseMountInfo(readFileSync('/proc/self/mountinfo', 'utf8'))) {
    const inside = real === m.mountPoint || real.startsWith(m.mountPoint.endsWith('/') ? m.mountPoint : m.mountPoint + '/');
    if (inside && m.mountPoint.length >= best.mountPoint.length) best = { mountPoint: m.mountPoint, fsType: m.fstype, superOptions: m.superOptions.join(',') };
  }
  return best;
}

/** Can this filesystem enforce a project quota (the only way to limit a directory's size)? */
export function hasProjectQuotas(fs: { fsType: string; superOptions: string }): boolean {
  return (fs.fsType === 'xfs' || fs.fsType === 'ext4') && /(^|,)(prjquota|pquota)(,|$)/.test(fs.superOptions);
}

/** What this kernel can enforce: true, false, or null where the machine does not tell. */
export interface KernelQuotaSupport {
  /** ext4 counts project quotas in the kernel's "v2" quota format (CONFIG_QFMT_V2: built in, or the quota_v2 module). */
  ext4V2Format: boolean | null;
  /** xfs has its own quota code (CONFIG_XFS_QUOTA); without it `mount -o pquota` fails with EINVAL. */
  xfsQuota: boolean | null;
}

/**
 * Why a filesystem without project quotas has none, and what to do (the words only: the facts
 * come from kernelQuotaSupport). Mounting with the quota option helps only where the kernel has
 * the quota code for that filesystem; where it has not, saying "mount it with pquota" sends the
 * user to a mount that fails with EINVAL ("quota support not available in this kernel").
 */
export function missingQuotaReason(fs: { mountPoint: string; fsType: string }, kernel: KernelQuotaSupport): string {
  const at = fs.mountPoint;
  if (fs.fsType === 'ext4' && kernel.ext4V2Format === false) return `${at} is ext4, and this kernel cannot enforce ext4 quotas: it was built without CONFIG_QFMT_V2`;
  if (fs.fsType === 'ext4') return `${at} is ext4 mounted without prjquota: make it with -O quota,project and mount it with -o prjquota`;
  if (fs.fsType === 'xfs' && kernel.xfsQuota === false) return `${at} is xfs, and this kernel's xfs cannot enforce quotas: it was built without CONFIG_XFS_QUOTA (mount -o pquota fails there); use a kernel with it`;
  if (fs.fsType === 'xfs') return `${at} is xfs mounted without pquota: mount it with -o pquota`;
  return `${at} is ${fs.fsType}`;
}

/**
 * Ask the running kernel what quota code it has. First its symbols (/proc/kallsyms lists every
 * function of the kernel and its loaded modules — ext4's v2 format has v2_read_file_info, xfs's
 * quota code the xfs_qm_* functions; xfs is loaded whenever an xfs is mounted), then its build
 * configuration (/proc/config.gz where the kernel exposes it), then the quota_v2 module on disk.
 */
export function kernelQuotaSupport(): KernelQuotaSupport {
  const read = (path: string, gzip = false): string => {
    // (node:zlib loaded here only: `run` imports this module on every start, and needs no gunzip)
    try { return gzip ? zlib().gunzipSync(readFileSync(path)).toString('utf8') : readFileSync(path, 'utf8'); } catch { return ''; }
  };
  const release = read('/proc/sys/kernel/osrelease').trim();
  const quotaV2Module = ['', '.xz', '.zst', '.gz'].some((z) => existsSync(`/lib/modules/${release}/kernel/fs/quota/quota_v2.ko${z}`));
  return quotaSupportFrom({ symbols: read('/proc/kallsyms'), config: read('/proc/config.gz', true), quotaV2Module });
}

/** The facts of kernelQuotaSupport from what the machine shows ('' for a file it does not have). */
export function quotaSupportFrom(seen: { symbols: string; config: string; quotaV2Module: boolean }): KernelQuotaSupport {
  const { symbols, config } = seen;
  const configSays = (name: string): boolean | null =>
    new RegExp(`^${name}=[ym]$`, 'm').test(config) ? true : new RegExp(`^# ${name} is not set$`, 'm').test(config) ? false : null;
  const has = (symbol: RegExp): boolean => new RegExp(` ${symbol.source}(\\s|$)`, 'm').test(symbols);
  const ext4V2Format = has(/v2_read_file_info/) || seen.quotaV2Module ? true : configSays('CONFIG_QFMT_V2') ?? (symbols ? false : null);
  // (xfs's symbols are there whenever an xfs is mounted: built in, or its module loaded)
  const xfsQuota = has(/xfs_qm_\w+/) ? true : configSays('CONFIG_XFS_QUOTA') ?? (has(/xfs_fs_fill_super/) ? false : null);
  return { ext4V2Format, xfsQuota };
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
    if (!hasProjectQuotas(fs)) throw new UserError(`--storage-opt is supported only for overlay over xfs with 'pquota' mount option (${missingQuotaReason(fs, kernelQuotaSupport())})`, 125);
    const other = keys.find((k) => k.toLowerCase() !== 'size');
    if (other !== undefined) throw new UserError(`Unknown option ${other.toLowerCase()}`, 125);
    return { sizeBytes: parseBytes(opts[sizeKey], '--storage-opt') };
  }
  throw new UserError(`Unknown option ${keys[0].toLowerCase()}`, 125);
}
