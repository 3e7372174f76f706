/**
 * Capabilities: root's powers, split into ~40 pieces. A container's root keeps only docker's
 * 14 defaults (CHOWN, DAC_OVERRIDE, FOWNER, KILL, NET_BIND_SERVICE, …) unless --cap-add,
 * --cap-drop or --privileged say otherwise.
 *
 * The *bounding* set is the ceiling: a capability dropped from it can never come back, not
 * even through a setuid-root binary or file capabilities. We drop from it first (that needs
 * CAP_SETPCAP, which we still have), then switch user, then set the remaining sets.
 */
import { CAPABILITIES } from '../sys/constants';
import { capbsetDrop, capbsetRead, capget, capset, clearAmbientCaps } from '../sys/libc';

/** Docker's default capability set. */
export const DOCKER_DEFAULT_CAPS: readonly string[] = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW',
  'CAP_SETGID', 'CAP_SETUID', 'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE',
  'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE',
];

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
 * Set effective/permitted/inheritable (after the user switch). For uid 0, execve then grants
 * exactly the bounding set; for other users the kernel already cleared permitted/effective.
 */
export function applyProcessCapabilities(caps: { effective?: string[]; permitted?: string[]; inheritable?: string[] }, uid: number): void {
  clearAmbientCaps();
  if (uid !== 0) return;
  // We can only keep what we have: on hosts where root itself lacks a capability (e.g. no
  // CAP_SYS_RESOURCE in a sandbox), --privileged gets everything the host allows.
  const have = capget().permitted;
  capset({
    effective: mask(caps.effective ?? []) & have,
    permitted: mask(caps.permitted ?? []) & have,
    inheritable: mask(caps.inheritable ?? []) & have,
  });
}
