/**
 * Capabilities: root's powers, split into ~40 pieces. A container's root keeps only docker's
 * 14 defaults (CHOWN, DAC_OVERRIDE, FOWNER, KILL, NET_BIND_SERVICE, …) unless --cap-add,
 * --cap-drop or --privileged say otherwise.
 *
 * The *bounding* set is the ceiling: a capability dropped from it can never come back, not
 * even through a setuid-root binary or file capabilities. We drop from it first (that needs
 * CAP_SETPCAP, which we still have), then switch user, then set the remaining sets and the
 * ambient set (the one a non-root program keeps through execve).
 */
import { CAPABILITIES } from '../sys/constants';
import { capbsetDrop, capbsetRead, capget, capset, clearAmbientCaps, raiseAmbientCap, setKeepCaps } from '../sys/libc';
import { traceNote } from '../sys/trace';

export { DOCKER_DEFAULT_CAPS } from './default-caps';

function mask(names: readonly string[]): bigint {
  let m = 0n;
  for (const n of names) {
    const i = CAPABILITIES.indexOf(n);
    if (i >= 0) m |= 1n << BigInt(i);
  }
  return m;
}

/** Shrink the bounding set to `keep`: drop every other capability this process still has. */
export function limitBoundingSet(keep: readonly string[]): void {
  const wanted = new Set(keep);
  CAPABILITIES.forEach((name, i) => {
    if (!wanted.has(name) && capbsetRead(i)) capbsetDrop(i, name);
  });
}

/**
 * Before the user switch: keep the permitted set across it (PR_SET_KEEPCAPS). Without this,
 * switching from uid 0 to another uid empties every set, and a non-root process could not be
 * given the capabilities its spec asks for (runc does the same).
 */
export function keepCapabilitiesAcrossUserSwitch(): void {
  setKeepCaps(true);
}

/**
 * After the user switch: set effective/permitted/inheritable, then raise the ambient set.
 *
 * What the program then gets from execve (capabilities(7)):
 *   uid 0       permitted = bounding set ∪ inheritable (root's files count as having them all)
 *   other uids  permitted = effective = the ambient set, nothing else (no setuid/file caps)
 * The inheritable set passes through execve unchanged. So for a non-root user the ambient set is
 * the only way to keep a capability — `setcap`-free, e.g. CAP_NET_BIND_SERVICE for a server.
 * A capability can be ambient only while it is both permitted and inheritable.
 */
export function applyProcessCapabilities(caps: { effective?: string[]; permitted?: string[]; inheritable?: string[]; ambient?: string[] }): void {
  clearAmbientCaps();
  // We can only keep what we have: on hosts where root itself lacks a capability (e.g. no
  // CAP_SYS_RESOURCE in a sandbox), --privileged gets everything the host allows.
  const have = capget().permitted;
  const permitted = mask(caps.permitted ?? []) & have;
  const inheritable = mask(caps.inheritable ?? []) & have;
  capset({ effective: mask(caps.effective ?? []) & have, permitted, inheritable });
  for (const name of caps.ambient ?? []) {
    const bit = CAPABILITIES.indexOf(name);
    if (bit < 0) continue; // a name this kernel table does not know (as mask() does)
    // The kernel refuses (EPERM) an ambient capability outside permitted ∩ inheritable. runc
    // then warns and goes on (its `runc spec` lists ambient ones without inheritable): so do we.
    if (!(permitted & inheritable & (1n << BigInt(bit)))) {
      traceNote(`${name} not made ambient: it is not both permitted and inheritable`);
      continue;
    }
    raiseAmbientCap(bit, name);
  }
  setKeepCaps(false); // (execve clears it too)
}
