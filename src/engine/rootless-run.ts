/**
 * `run` without root (cli/rootless.ts re-runs mini-run inside the user's own user namespace):
 * what works there so far, and one line with exit 125 for what does not yet.
 *
 * Works: foreground (--rm or not; -it too, supervised in the foreground, without detach keys)
 * and -d, --restart too (its supervisor lives on in the namespaces the pause process holds:
 * cli/rootless-pause.ts), --network none, --network host (/sys a read-only bind of the
 * host's), the default network through slirp4netns with -p and -P (a port left open is the
 * kernel's pick; network/slirp.ts), the image's layers unpacked and the overlay mounted
 * inside the user namespace, no cgroup of its own (cgroupfs refuses the user:
 * runtime/cgroups/none.ts) — unless the host delegates a cgroup v2 subtree to the user: then
 * the container's group is made there and --memory/--cpus/--pids-limit work.
 * Refused: networking that needs the host's root (user networks, container:),
 * cgroup limits without a delegated cgroup, and the switches that only mean something to root.
 */
import { UserError } from '../errors';
import type { RunOptions } from './run-options';
import { lazy } from '../lazy';

// Only for a rootless run (MINI_RUN_ROOTLESS=1), and its limits.
const cgroupsNone = lazy(() => require('../runtime/cgroups/none') as typeof import('../runtime/cgroups/none'));
const delegation = lazy(() => require('../runtime/cgroups/delegation') as typeof import('../runtime/cgroups/delegation'));
const slirp = lazy(() => require('../network/slirp') as typeof import('../network/slirp'));

/** Are we mini-run re-run by a normal user in its own user namespace? */
export function isRootless(): boolean {
  return process.env.MINI_RUN_ROOTLESS === '1' && cgroupsNone().inNonInitialUserNamespace();
}

/** What rootless `run` cannot do yet, named as the user typed it; null when it can. */
export function unsupportedRootless(opts: RunOptions): string | null {
  const blkio = opts.blkio;
  const limits = opts.memory !== undefined || opts.memorySwap !== undefined || opts.cpus !== undefined || opts.cpuShares !== undefined
    || opts.pidsLimit !== undefined || (blkio !== undefined && (blkio.BlkioWeight !== 0 || blkio.BlkioDeviceReadBps.length > 0
      || blkio.BlkioDeviceWriteBps.length > 0 || blkio.BlkioDeviceReadIOps.length > 0 || blkio.BlkioDeviceWriteIOps.length > 0));
  if (limits) {
    // Limits work where the host delegates a cgroup v2 subtree to the user (systemd's user@UID.service).
    const d = delegation().findDelegation();
    if ('why' in d) return `limits need a delegated cgroup: ${d.why}`;
  }
  // The default network goes through slirp4netns (network/slirp.ts); none needs nothing.
  // host: the host's network namespace as it is (nothing to set up); /sys is then a read-only
  // bind of the host's (spec-builder.ts sysMount).
  if (opts.network !== 'none' && opts.network !== 'host' && opts.network !== 'bridge' && opts.network !== 'default') {
    return `rootless mini-run: --network ${opts.network} is not available yet (the default network, host and none are)`;
  }
  // With none and host, -p/-P mean nothing (Docker ignores them too): only the default network publishes.
  if (opts.network !== 'none' && opts.network !== 'host') {
    // (network/slirp.ts loaded here: every `run` loads this module, only a rootless one on a network asks)
    const { slirpPortProblem, slirpProblem } = slirp();
    const ports = slirpPortProblem(opts.publish ?? []);
    if (ports) return ports;
    if (opts.ip !== undefined || opts.macAddress !== undefined) return 'rootless mini-run: --ip and --mac-address are not available (slirp4netns gives every container 10.0.2.100)';
    if ((opts.links?.length ?? 0) > 0) return 'rootless mini-run: --link is not available yet';
    const problem = slirpProblem();
    if (problem) return problem;
  }
  if (opts.usernsMode === 'private') return 'rootless mini-run: --userns private is not available (the container is already in your user namespace)';
  if (opts.privileged) return 'rootless mini-run: --privileged is not available yet';
  if (opts.pidMode === 'host' || opts.ipcMode === 'host' || opts.utsMode === 'host' || opts.mountNsMode === 'host') return 'rootless mini-run: sharing a host namespace is not available yet';
  if ((opts.devices?.length ?? 0) > 0) return 'rootless mini-run: --device is not available yet';
  // -it runs in the foreground here (run.ts): no supervisor outlives the command to detach from.
  if (opts.detachKeys !== undefined) return 'rootless mini-run: --detach-keys is not available yet (-it cannot detach: the keys reach the program)';
  return null;
}

/** One line, exit 125, before anything is made (checkRunnable calls it for run and create). */
export function refuseUnsupportedRootless(opts: RunOptions): void {
  if (!isRootless()) return;
  const why = unsupportedRootless(opts);
  if (why) throw new UserError(why, 125);
}
