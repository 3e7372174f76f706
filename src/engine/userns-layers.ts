/**
 * Image layers for a `--userns private` container, without copying them.
 *
 * The layers belong to host root (uid 0), and one copy serves every container. Inside the
 * container's user namespace host uid 0 is not mapped: its root would see every file of its
 * own image as owned by `nobody`, and could not even pass through ROOT/layers (0700 root).
 * Docker's userns-remap copies and chowns every layer per range; instead this makes an
 * *idmapped mount* of ROOT/layers: the same files, with their owners shifted by the
 * container's uid_map as seen through this one mount (on-disk 0 → host 100000 → container 0).
 *
 *   1. open_tree(ROOT/layers, OPEN_TREE_CLONE)       a private copy of the mount, not attached
 *   2. mount_setattr(MOUNT_ATTR_IDMAP, the init's user namespace)   owners shown shifted
 *   3. setns into the init's new mount namespace, move_mount onto ROOT/layers there, setns back
 *
 * Done when the init says its namespaces exist and before it mounts its overlay (the
 * runtime's onNamespaces moment): the idmapped mount lives only in the container's mount
 * namespace — the host's mount table never sees it, so nothing can be left behind on the host
 * whatever happens next. The overlay keeps its own reference to the lower layers; the init's
 * pivot_root then detaches the rest, and the mount goes with the namespace.
 */
import { spawn } from 'node:child_process';
import { closeSync, constants as fsc, openSync, writeFileSync } from 'node:fs';
import { paths } from '../paths';
import { nativeBinary } from '../native';
import { hasOwnUserNamespace, idMapText, type IdMapping } from '../runtime/userns';
import { CLONE } from '../sys/constants';
import { fchdir, mountSetattrIdmap, moveMountTo, openTreeClone, setns, unshare } from '../sys/libc';
import { traceNote } from '../sys/trace';

let ownFsState = false;

/** (engine, on the host, as root) Show ROOT/layers to the container `pid` through its uid_map. */
export function idmapLayersInto(pid: number): void {
  const layers = paths.layers();
  const usernsFd = openSync(`/proc/${pid}/ns/user`, 'r');
  let tree = -1;
  try {
    tree = openTreeClone(layers);
    mountSetattrIdmap(tree, usernsFd);
    inMountNamespaceOf(pid, () => moveMountTo(tree, layers));
    traceNote(`idmapped ${layers} in PID ${pid}'s mount namespace: its layers' files show owned by the container's root`);
  } finally {
    if (tree >= 0) closeSync(tree);
    closeSync(usernsFd);
  }
}

/**
 * Run `fn` with this thread in `pid`'s mount namespace, then come back. Node's threads share
 * one fs state, and setns(CLONE_NEWNS) refuses a shared one: unshare(CLONE_FS) gives this
 * (main) thread its own first. setns also moves the cwd to the namespace's root: restored.
 */
function inMountNamespaceOf(pid: number, fn: () => void): void {
  if (!ownFsState) {
    unshare(CLONE.FS);
    ownFsState = true;
  }
  const home = openSync('/proc/thread-self/ns/mnt', 'r');
  const cwd = openSync('.', fsc.O_RDONLY | fsc.O_DIRECTORY);
  const theirs = openSync(`/proc/${pid}/ns/mnt`, 'r');
  try {
    setns(theirs, CLONE.NEWNS, `/proc/${pid}/ns/mnt`);
    try {
      fn();
    } finally {
      setns(home, CLONE.NEWNS, 'our own, saved');
      fchdir(cwd, 'our working directory');
    }
  } finally {
    closeSync(theirs);
    closeSync(cwd);
    closeSync(home);
  }
}

/**
 * `cp` to or from a STOPPED `--userns private` container mounts its overlay in a private mount
 * namespace of its own (cp.ts). Its lower layers must look as they do when it runs (idmapped):
 * else overlay's copy-up of, say, /etc would give the container's upper dir an /etc owned by
 * host root, which the container's root (START) could then no longer write. There is no
 * container process to take the user namespace from: a short-lived `userns-exec -- sleep`
 * makes one, we write the container's map into it, keep an fd to it and let the process go.
 */
export function idmapLayersHere(uidMappings: readonly IdMapping[], gidMappings: readonly IdMapping[]): void {
  const layers = paths.layers();
  const holder = spawn(nativeBinary('userns-exec'), ['--', 'sleep', '60'], { stdio: 'ignore' });
  let usernsFd = -1;
  let tree = -1;
  try {
    const pid = holder.pid;
    if (pid === undefined) throw new Error('could not start native/build/userns-exec');
    // it unshares right after exec: wait (a few ms) until /proc/PID/ns/user is not ours
    for (let waited = 0; !hasOwnUserNamespace(pid); waited += 2) {
      if (waited > 5000) throw new Error('userns-exec did not make a user namespace');
      Atomics.wait(PAUSE, 0, 0, 2);
    }
    writeFileSync(`/proc/${pid}/uid_map`, idMapText(uidMappings));
    writeFileSync(`/proc/${pid}/gid_map`, idMapText(gidMappings));
    usernsFd = openSync(`/proc/${pid}/ns/user`, 'r');
    tree = openTreeClone(layers);
    mountSetattrIdmap(tree, usernsFd);
    moveMountTo(tree, layers);
    traceNote(`idmapped ${layers} in our own mount namespace with the container's map ${idMapText(uidMappings).trim()}`);
  } finally {
    if (tree >= 0) closeSync(tree);
    if (usernsFd >= 0) closeSync(usernsFd);
    holder.kill('SIGKILL');
  }
}

const PAUSE = new Int32Array(new SharedArrayBuffer(4));
