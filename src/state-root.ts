/**
 * The state root is private to root, as Docker's /var/lib/docker is (0710 since 20.10.9, after
 * CVE-2021-41091). Layers and volumes hold files that images and containers chose: setuid-root
 * binaries, device nodes, world-writable dirs. If another local user could walk into
 * ROOT/layers/<id>/fs or ROOT/volumes/<name>/_data, they could run such a binary and be root.
 * The lock file lives under it too: flock(2) works on a read-only fd, so a user who could open
 * it could hang every mini-run command.
 *
 * Nothing outside root needs to traverse it: containers see their files through mounts made by
 * root, never by walking the host path, so 0700 (not Docker's 0710 with a group) is enough.
 * A root made by an older mini-run (0755) is tightened on the next command; `doctor` says so.
 *
 * One exception, dockerd's under userns-remap: `--userns private` containers' root (a host uid
 * from /etc/subuid) must pass through ROOT and ROOT/containers to reach its own files, so those
 * may be 0710 root:G where G starts a range of /etc/subgid (engine/userns-remap.ts) — the
 * remapped root's group may pass, not list; nobody else may even pass.
 */
import { chmodSync, lstatSync, mkdirSync, readFileSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { UserError } from './errors';
import { stateRoot } from './paths';

export const PRIVATE_DIR_MODE = 0o700;

/** The top-level dirs tightened too (defence in depth if the root is ever loosened by hand). */
const PRIVATE_SUBDIRS = ['blobs', 'layers', 'images', 'containers', 'volumes', 'tmp', 'network', 'build-cache'];

export interface Tightened { path: string; was: number }

let checkedRoot: string | null = null;
let tightened: Tightened[] = [];

/** What the last secureStateRoot() had to change (for doctor), empty when it was private already. */
export function tightenedByThisProcess(): Tightened[] {
  return tightened;
}

/**
 * Make the state root exist and be private to root. Runs once per process and root; only as
 * root (a non-root `doctor` or `--help` must not create anything). Refuses a root owned by
 * another user: whoever owns it could swap anything under it.
 */
export function secureStateRoot(): void {
  const root = stateRoot();
  if (checkedRoot === root || process.geteuid?.() !== 0) return;
  let st = lstatOrNull(root);
  if (!st) {
    mkdirSync(root, { recursive: true, mode: PRIVATE_DIR_MODE });
    st = lstatSync(root);
  }
  if (st.isSymbolicLink() || !st.isDirectory()) {
    throw new UserError(`state root ${root} is not a directory`, 125);
  }
  if (st.uid !== 0) {
    throw new UserError(`state root ${root} is owned by uid ${st.uid}, not root: refusing to use it (that user could change anything mini-run runs)`, 125);
  }
  tightened = [];
  if (!passableByRemappedRoot(st)) tighten(root, st.mode);
  for (const d of PRIVATE_SUBDIRS) {
    const p = join(root, d);
    const s = lstatOrNull(p);
    if (s && s.isDirectory() && !s.isSymbolicLink() && !(REMAP_PASSABLE.includes(d) && passableByRemappedRoot(s))) tighten(p, s.mode);
  }
  const lock = lstatOrNull(join(root, 'lock'));
  if (lock && lock.isFile()) tighten(join(root, 'lock'), lock.mode, 0o600);
  checkedRoot = root;
}

/** The subdirs a `--userns private` container's root passes through (see the top). */
const REMAP_PASSABLE = ['containers', 'volumes'];

/** 0710 root:G, G the first gid of a range in /etc/subgid: a remapped root's group (see the top). */
export function passableByRemappedRoot(st: Stats): boolean {
  if ((st.mode & 0o7777) !== 0o710 || st.gid === 0) return false;
  try {
    return readFileSync('/etc/subgid', 'utf8').split('\n').some((l) => l.split(':')[1] === String(st.gid));
  } catch {
    return false;
  }
}

function tighten(path: string, mode: number, want = PRIVATE_DIR_MODE): void {
  if ((mode & 0o7777) === want) return;
  chmodSync(path, want);
  tightened.push({ path, was: mode & 0o7777 });
}

function lstatOrNull(p: string) {
  try {
    return lstatSync(p);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}
