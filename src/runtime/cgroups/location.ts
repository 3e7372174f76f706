/**
 * Where a container's cgroup lives, as a path below the root of each hierarchy (v2: the one
 * tree; v1: every controller's tree, the same path in each).
 *
 *   no linux.cgroupsPath (mini-run's own containers)  → <parent>/mr-<id>
 *                                                       (parent: mini-run, or $MINI_RUN_CGROUP_PARENT)
 *   "/libpod_parent/libpod-<id>" (podman, cgroupfs)    → libpod_parent/libpod-<id>
 *   "/<namespace>/<id>" (containerd)                   → <namespace>/<id>
 *   "a/b" (relative)                                   → a/b as well: the runtime spec lets the
 *                                                        runtime pick where a relative path starts,
 *                                                        and mini-runc starts it at the root
 *   "system.slice:docker:<id>" (systemd's slice:prefix:name) → refused: mini-runc writes cgroupfs
 *                                                        itself and has no systemd driver
 *
 * The runtime creates missing parents (as runc does) but removes only the container's own
 * directory on delete: a client's parent (podman's libpod_parent, containerd's namespace) may
 * hold other containers, and is the client's to remove. The default parent is mini-run's own,
 * and goes with its last container.
 */
import { UserError } from '../../errors';
import { cgroupName, parentName } from './detect';

export interface CgroupLocation {
  /** Path components from the hierarchy root down to the parent ([] = the root itself). */
  parentParts: string[];
  /** The container's own directory name (the last component). */
  leaf: string;
  /** Set by the spec (a client's layout) rather than mini-run's default `<parent>/mr-<id>`. */
  custom: boolean;
}

/** The location of container `containerId`'s cgroup, from the spec's `linux.cgroupsPath`. */
export function cgroupLocation(containerId: string, cgroupsPath?: string): CgroupLocation {
  const fallback: CgroupLocation = { parentParts: [parentName()], leaf: cgroupName(containerId), custom: false };
  if (cgroupsPath === undefined || cgroupsPath === '') return fallback;
  if (cgroupsPath.includes(':')) {
    throw new UserError(
      `linux.cgroupsPath ${JSON.stringify(cgroupsPath)} is in systemd's slice:prefix:name form: mini-runc drives cgroupfs ` +
        'only (no --systemd-cgroup); use a path such as /my-parent/my-container (podman: --cgroup-manager cgroupfs; containerd: SystemdCgroup = false)',
    );
  }
  const parts = cgroupsPath.split('/').filter((p) => p !== '');
  for (const p of parts) {
    if (p === '.' || p === '..' || p.includes('\0')) {
      throw new UserError(`linux.cgroupsPath ${JSON.stringify(cgroupsPath)} must not contain "." or ".." components`);
    }
  }
  const leaf = parts.pop();
  if (leaf === undefined) throw new UserError(`linux.cgroupsPath ${JSON.stringify(cgroupsPath)} names no cgroup (the root cannot be a container's)`);
  // mini-run's own layout, also below a rootless user's delegated subtree (…/mini-run/mr-<id>)
  const custom = !(parts[parts.length - 1] === fallback.parentParts[0] && leaf === fallback.leaf);
  return { parentParts: parts, leaf, custom };
}
