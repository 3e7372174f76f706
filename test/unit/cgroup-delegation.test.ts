/** Where rootless containers get a cgroup: the delegated v2 subtree around the caller (runtime/cgroups/delegation.ts). */
import { describe, expect, it } from 'vitest';
import { findDelegation } from '../../src/runtime/cgroups/delegation';
import { cgroupLocation } from '../../src/runtime/cgroups/location';

const M = '/sys/fs/cgroup';
/** A host where the user owns user@1000.service and everything below it (systemd's Delegate=yes). */
const delegatedToUser = (file: string) => file.startsWith(`${M}/user.slice/user-1000.slice/user@1000.service`);
const inApp = '0::/user.slice/user-1000.slice/user@1000.service/app.slice/vte-spawn-1.scope\n';

describe('rootless cgroups: the delegated subtree', () => {
  it('a shell of the user\'s systemd session: the top of user@UID.service, above the caller\'s own group', () => {
    expect(findDelegation(M, inApp, delegatedToUser, 2)).toEqual({ path: 'user.slice/user-1000.slice/user@1000.service' });
  });

  it('a login shell in root\'s session-N.scope: not delegated, and what to do', () => {
    const d = findDelegation(M, '0::/user.slice/user-1000.slice/session-3.scope\n', delegatedToUser, 2);
    expect(d).toEqual({ why: 'your cgroup /user.slice/user-1000.slice/session-3.scope is not delegated to you; start mini-run inside a delegated cgroup (on systemd: systemd-run --user --scope mini-run …), or run with sudo' });
  });

  it('the caller\'s own group is the only delegated one: it holds mini-run, so nothing can go under it', () => {
    const d = findDelegation(M, '0::/mr-deleg\n', (f) => f.startsWith(`${M}/mr-deleg`), 2);
    expect('why' in d && d.why).toMatch(/^your cgroup \/mr-deleg is delegated to you but holds mini-run itself \(cgroup v2's "no internal processes" rule\)/);
  });

  it('cgroup v1 (these build hosts): one line, no delegation', () => {
    const d = findDelegation(M, '4:memory:/\n0::/\n', () => true, 1);
    expect(d).toEqual({ why: 'this host runs cgroup v1 (or hybrid), where no cgroup is delegated to users; run with sudo for --memory, --cpus, --pids-limit' });
    expect(findDelegation(M, '0::/\n', () => true, 2)).toMatchObject({ why: expect.stringMatching(/^your cgroup is the root cgroup/) });
  });

  it('the container\'s group below it is mini-run\'s own layout (its mini-run parent goes with the last container)', () => {
    const id = 'a'.repeat(64);
    const loc = cgroupLocation(id, `/user.slice/user-1000.slice/user@1000.service/mini-run/mr-${id}`);
    expect(loc).toEqual({ parentParts: ['user.slice', 'user-1000.slice', 'user@1000.service', 'mini-run'], leaf: `mr-${id}`, custom: false });
    expect(cgroupLocation(id, `/libpod_parent/libpod-${id}`).custom).toBe(true);
    expect(cgroupLocation(id, `/mini-run/mr-${'b'.repeat(64)}`).custom).toBe(true);
  });
});
