/**
 * `--storage-opt KEY=VALUE`: options for the container's writable layer. Docker's overlay2 knows
 * one key, `size`: a limit on the writable layer, enforced by giving the layer's directory a
 * *project quota* — which only a filesystem mounted with project quotas can do (xfs with the
 * `pquota`/`prjquota` mount option; ext4 with the `project` feature and `prjquota`).
 *
 * mini-run does not set project quotas. Where the filesystem under the state root has none, it
 * refuses `size` with Docker's own words (Docker does the same on such a filesystem); where it
 * has them, it says that mini-run cannot use them yet. Either way nothing is created.
 */
import { readFileSync, realpathSync } from 'node:fs';
import { UserError } from '../errors';

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
 * Refuse what cannot be honoured, before anything of the container exists (the checks and
 * messages of Docker's overlay2 driver: `size` first, then any other key is unknown).
 */
export function checkStorageOpts(opts: Readonly<Record<string, string>>, stateRoot: string): void {
  const keys = Object.keys(opts);
  if (keys.length === 0) return;
  if (keys.some((k) => k.toLowerCase() === 'size')) {
    const fs = backingFilesystem(stateRoot);
    if (!hasProjectQuotas(fs)) throw new UserError("--storage-opt is supported only for overlay over xfs with 'pquota' mount option", 125);
    throw new UserError(`--storage-opt size: the filesystem at ${fs.mountPoint} (${fs.fsType}) has project quotas, but mini-run does not set them yet`, 125);
  }
  throw new UserError(`Unknown option ${keys[0].toLowerCase()}`, 125);
}
