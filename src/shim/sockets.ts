/**
 * Where a detached supervisor can be reached, all under RUNDIR (/run/mini-run, mode 0700):
 *   <id>.sock                    attach (attach-protocol.ts, attach-server.ts)
 *   <id>.exec                    the exec front door (exec-server.ts, native/mini-run-front.c)
 *   names/<root key>/<name>      → ../../<id>.exec: the front door's way from a name to the
 *                                socket (names are unique per state root, not across roots)
 * A supervisor removes its own when its life ends. One killed with SIGKILL cannot: `rm` and
 * the crash sweep remove what it left (removeSupervisorSockets).
 */
import { existsSync, mkdirSync, readlinkSync, rmdirSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fnv1a } from '../fnv1a';
import { unlinkIfThere } from '../remove-layout';

export function rundir(): string {
  return process.env.MINI_RUN_RUNDIR ?? '/run/mini-run';
}

export function attachSocketPath(id: string): string {
  return `${rundir()}/${id}.sock`;
}

export function execSocketPath(id: string): string {
  return `${rundir()}/${id}.exec`;
}

/**
 * The state root's directory of name links: 32-bit FNV-1a of the root, 8 hex digits. The C
 * front computes it over the root's bytes; it takes only printable-ASCII roots, where bytes and
 * fnv1a.ts's UTF-16 code units are the same.
 */
export function rootKey(root: string): string {
  return fnv1a(root, 0x811c9dc5);
}

export function nameLinkPath(root: string, name: string): string {
  return join(rundir(), 'names', rootKey(root), name);
}

/** What a name link of container `id` points at (relative: RUNDIR may be bind-mounted elsewhere). */
export function nameLinkTarget(id: string): string {
  return `../../${id}.exec`;
}

/** Names the C front can look up (Docker's rule): others get no link (and take the Node CLI's way). */
const LINKABLE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

/**
 * Make `name`'s link under `root` point at `id`'s exec socket (replacing a stale one: names are
 * unique per root). Another supervisor may remove the (empty) directories between our mkdir and
 * our symlink (its last link went): then ENOENT, and we make them again. The link, or null.
 */
export function addNameLink(root: string, name: string, id: string): string | null {
  if (!LINKABLE.test(name)) return null;
  const link = nameLinkPath(root, name);
  for (let attempt = 0; ; attempt++) {
    try {
      mkdirSync(dirname(link), { recursive: true, mode: 0o700 });
      unlinkIfThere(link);
      symlinkSync(nameLinkTarget(id), link);
      return link;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || attempt >= 5) return null;
    }
  }
}

/**
 * Remove `link` if it still points at `id`'s socket (a newer container may own the name now),
 * then its root's directory and names/ once they are empty (ENOTEMPTY: others still have links;
 * ENOENT: removed by someone else already).
 */
export function removeNameLink(link: string, id: string): void {
  try { if (readlinkSync(link) === nameLinkTarget(id)) unlinkIfThere(link); } catch { /* gone */ }
  for (const dir of [dirname(link), dirname(dirname(link))]) {
    try { rmdirSync(dir); } catch { return; }
  }
}

/**
 * `rename`: the front door's link follows the name. The new name gets one if the supervisor's
 * exec socket is there (its container runs); the old one goes if it is this container's.
 */
export function moveNameLink(root: string, id: string, oldName: string, newName: string): void {
  if (existsSync(execSocketPath(id))) addNameLink(root, newName, id);
  removeNameLink(nameLinkPath(root, oldName), id);
}

/** What a supervisor of `id` may have left (killed before it could clean up). */
export function removeSupervisorSockets(id: string, root: string, name: string | null): void {
  unlinkIfThere(attachSocketPath(id));
  unlinkIfThere(execSocketPath(id));
  if (name) removeNameLink(nameLinkPath(root, name), id);
}
