/**
 * `--storage-opt size=N`: a limit on a container's writable layer, as a *project quota*.
 *
 * The filesystem under ROOT/containers (xfs mounted with pquota; ext4 made with
 * `-O quota,project` and mounted with prjquota) counts the blocks of every file by its project
 * id. The container's `upper` and `work` dirs get an id of their own, marked PROJINHERIT, so
 * every file the container writes carries it; the id gets a block limit of N. A write past it
 * fails inside the container with EDQUOT ("Disk quota exceeded"; xfs says ENOSPC), and nothing
 * else on the filesystem is touched. (`work` needs the same id: overlayfs prepares a copied-up
 * file there and renames it into `upper`, and the kernel refuses a rename between two project
 * ids with EXDEV.)
 *
 * Ids: the lowest free one above the containers directory's own project id (an administrator
 * can move mini-run's range with `chattr -p BASE ROOT/containers`; unset, the base is
 * 1000000). "Free" is decided from the kernel, not from records: the ids the other containers'
 * upper dirs carry. Allocation runs under the state lock, so two `run`s never pick the same
 * one; `rm` sets the id's limit back to none, and the id is free again once the dir is gone.
 */
import { closeSync, constants as fsc, openSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as sys from '../sys';
import { paths } from '../paths';
import { UserError } from '../errors';

const DEFAULT_BASE = 1_000_000;
const O_CLOEXEC = 0o2000000;

function withDir<T>(path: string, use: (fd: number) => T): T {
  const fd = openSync(path, fsc.O_RDONLY | fsc.O_DIRECTORY | O_CLOEXEC);
  try {
    return use(fd);
  } finally {
    closeSync(fd);
  }
}

/** The ids mini-run allocates from start above this one. */
function baseProjectId(): number {
  return withDir(paths.containers(), (fd) => sys.getProjectId(fd)) || DEFAULT_BASE;
}

/** The project ids the writable layers of the other containers carry now. */
function idsInUse(except: string): Set<number> {
  const used = new Set<number>();
  for (const id of readdirSync(paths.containers())) {
    if (!/^[0-9a-f]{64}$/.test(id) || id === except) continue;
    try { used.add(withDir(join(paths.container(id), 'upper'), (fd) => sys.getProjectId(fd))); } catch { /* being removed */ }
  }
  return used;
}

/**
 * Limit container `id`'s writable layer to `bytes` (call under the state lock, after its upper
 * and work dirs exist and before it starts). Returns the project id it got.
 */
export function limitWritableLayer(id: string, bytes: number): number {
  const base = baseProjectId();
  const used = idsInUse(id);
  let projectId = base + 1;
  while (used.has(projectId)) projectId++;
  const dir = paths.container(id);
  try {
    // the limit first: the id carries no files yet, so no moment exists where they are unlimited
    withDir(dir, (fd) => sys.setProjectBlockLimit(fd, projectId, bytes));
    for (const d of ['upper', 'work']) withDir(join(dir, d), (fd) => sys.setProjectId(fd, projectId));
  } catch (err) {
    const why = err instanceof sys.SysError ? `${err.call}: ${err.code}` : String(err);
    throw new UserError(`--storage-opt size: cannot give the writable layer a project quota on ${paths.containers()} (${why})`, 125);
  }
  return projectId;
}

/**
 * Give back container `id`'s project id before its directory goes: the id's limit set to none.
 * Never fails (removal must work, even where the quota cannot be changed any more).
 */
export function releaseWritableLayer(id: string): void {
  try {
    const upper = join(paths.container(id), 'upper');
    withDir(upper, (fd) => {
      const projectId = sys.getProjectId(fd);
      if (projectId !== 0 && projectId !== baseProjectId()) sys.setProjectBlockLimit(fd, projectId, 0);
    });
  } catch { /* no upper dir, or a filesystem without project ids: nothing was limited */ }
}
