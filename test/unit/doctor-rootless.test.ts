/** doctor's rootless checks (engine/doctor-rootless.ts): each answer from the facts gathered on a host. */
import { describe, expect, it } from 'vitest';
import { idMapHelpersCheck, rangesOf, readWriteFor, rootlessMountsCheck, rootlessNetworkCheck, subidCheck, unprivilegedUsernsCheck, type RootlessFacts } from '../../src/engine/doctor-rootless';

const helper = { path: '/usr/bin/newuidmap', setuidRoot: true, fileCaps: '' };
function facts(over: Partial<RootlessFacts> = {}): RootlessFacts {
  return {
    user: { name: 'alice', uid: 1000, gid: 1000 },
    subuid: 'alice:100000:65536\n', subgid: 'alice:100000:65536\n',
    newuidmap: helper, newgidmap: { ...helper, path: '/usr/bin/newgidmap' },
    maxUserNamespaces: 15000, unprivilegedClone: null, apparmorRestrict: null,
    probe: { asUid: 1000, ok: true, text: '' },
    slirp4netns: '/usr/bin/slirp4netns', tun: { mode: 0o666, uid: 0, gid: 0 }, tunUsable: true,
    unshareMapsRange: true, overlayProbe: { ok: true, text: '' },
    ...over,
  };
}

describe('doctor: subuid/subgid', () => {
  it('finds a user\'s ranges by name or by uid, and adds them up', () => {
    expect(rangesOf('bob:1:5\nalice:100000:65536\n1000:300000:10\n#x\nalice:bad:1\n', 'alice', 1000)).toEqual({ ranges: ['100000-165535', '300000-300009'], total: 65546 });
    expect(rangesOf('', 'alice', 1000)).toEqual({ ranges: [], total: 0 });
  });

  it('is ok with 65536 ids in both files, and names them', () => {
    const c = subidCheck(facts());
    expect(c.status).toBe('ok');
    expect(c.detail).toBe('alice (uid 1000): /etc/subuid 100000-165535 (65536 ids), /etc/subgid 100000-165535 (65536 ids)');
  });

  it('warns without a line, and the fix is a usermod with a range no other line overlaps', () => {
    const c = subidCheck(facts({ subuid: 'bob:100000:65536\n', subgid: 'bob:100000:65536\n' }));
    expect(c.status).toBe('warn');
    expect(c.detail).toMatch(/\/etc\/subuid none, \/etc\/subgid none/);
    expect(c.fix).toBe('sudo usermod --add-subuids 165536-231071 --add-subgids 165536-231071 alice');
  });

  it('warns when a range is too small for nobody (65534)', () => {
    const c = subidCheck(facts({ subgid: 'alice:100000:1000\n' }));
    expect(c.status).toBe('warn');
    expect(c.detail).toMatch(/fewer than 65536/);
  });

  it('as root itself (no SUDO_USER) says --userns private makes its own range', () => {
    const c = subidCheck(facts({ user: null }));
    expect(c.status).toBe('ok');
    expect(c.detail).toMatch(/^root: --userns private adds a range for its remap user \(mini-run\)/);
  });
});

describe('doctor: newuidmap/newgidmap', () => {
  it('is ok when both are set-uid root, or have the set-id capabilities', () => {
    expect(idMapHelpersCheck(facts()).status).toBe('ok');
    const caps = { path: '/usr/bin/newuidmap', setuidRoot: false, fileCaps: 'cap_setuid=ep' };
    expect(idMapHelpersCheck(facts({ newuidmap: caps })).status).toBe('ok');
  });

  it('says to install uidmap when one is missing', () => {
    const c = idMapHelpersCheck(facts({ newgidmap: { path: null, setuidRoot: false, fileCaps: '' } }));
    expect(c.status).toBe('warn');
    expect(c.detail).toMatch(/^newgidmap not found/);
    expect(c.fix).toMatch(/^sudo apt-get install uidmap/);
  });

  it('says to chmod u+s one that lost its set-uid bit', () => {
    const c = idMapHelpersCheck(facts({ newuidmap: { ...helper, setuidRoot: false } }));
    expect(c.status).toBe('warn');
    expect(c.fix).toMatch(/^sudo chmod u\+s \/usr\/bin\/newuidmap /);
  });
});

describe('doctor: unprivileged user namespaces', () => {
  it('is ok when the probe worked and no sysctl forbids it', () => {
    const c = unprivilegedUsernsCheck(facts());
    expect(c.status).toBe('ok');
    expect(c.detail).toMatch(/^alice \(uid 1000\) may create one .*unprivileged_userns_clone absent, .*apparmor_restrict_unprivileged_userns absent$/);
  });

  it('names each switch that forbids it, with the sysctl to change', () => {
    expect(unprivilegedUsernsCheck(facts({ maxUserNamespaces: 0 })).fix).toMatch(/^sudo sysctl -w user\.max_user_namespaces=15000/);
    const debian = unprivilegedUsernsCheck(facts({ unprivilegedClone: '0', probe: { asUid: 1000, ok: false, text: 'unshare: unshare failed: Operation not permitted' } }));
    expect(debian.status).toBe('warn');
    expect(debian.fix).toMatch(/^sudo sysctl -w kernel\.unprivileged_userns_clone=1 /);
    const ubuntu = unprivilegedUsernsCheck(facts({ apparmorRestrict: '1' }));
    expect(ubuntu.status).toBe('warn');
    expect(ubuntu.detail).toMatch(/AppArmor/);
    expect(ubuntu.fix).toMatch(/^sudo sysctl -w kernel\.apparmor_restrict_unprivileged_userns=0 .*"userns," rule/);
  });

  it('reports a failed probe with the kernel\'s words when no known switch explains it', () => {
    const c = unprivilegedUsernsCheck(facts({ unprivilegedClone: '1', probe: { asUid: 1000, ok: false, text: 'unshare: write failed /proc/self/uid_map: Operation not permitted' } }));
    expect(c.status).toBe('warn');
    expect(c.detail).toMatch(/as alice \(uid 1000\) failed: unshare: write failed/);
  });
});

describe('doctor: rootless network (slirp4netns, /dev/net/tun)', () => {
  it('is ok with slirp4netns and a tun device the user may open', () => {
    const c = rootlessNetworkCheck(facts());
    expect(c).toEqual({ status: 'ok', name: 'rootless network', detail: '/usr/bin/slirp4netns; /dev/net/tun 0666 uid 0 gid 0: read-write for alice' });
  });

  it('a 0600 root tun device (this sandbox\'s): one line of what to do', () => {
    const c = rootlessNetworkCheck(facts({ tun: { mode: 0o600, uid: 0, gid: 0 }, tunUsable: false }));
    expect(c.status).toBe('warn');
    expect(c.detail).toBe('/usr/bin/slirp4netns; /dev/net/tun 0600 uid 0 gid 0: slirp4netns, run as alice, cannot open it (rootless networks need it; --network none and host work)');
    expect(c.fix).toMatch(/^sudo chmod 0666 \/dev\/net\/tun /);
    expect(c.fix).not.toContain('\n');
  });

  it('no slirp4netns, or no tun device at all', () => {
    expect(rootlessNetworkCheck(facts({ slirp4netns: null })).fix).toBe('sudo apt-get install slirp4netns');
    expect(rootlessNetworkCheck(facts({ tun: null })).fix).toBe('sudo modprobe tun');
  });

  it('reads the mode bits as the kernel does: owner, else group, else others', () => {
    expect(readWriteFor({ mode: 0o600, uid: 0, gid: 0 }, 1000, [1000])).toBe(false);
    expect(readWriteFor({ mode: 0o600, uid: 1000, gid: 0 }, 1000, [1000])).toBe(true);
    expect(readWriteFor({ mode: 0o660, uid: 0, gid: 108 }, 1000, [1000, 108])).toBe(true);
    expect(readWriteFor({ mode: 0o606, uid: 0, gid: 108 }, 1000, [108])).toBe(false); // the group's bits apply, not others'
    expect(readWriteFor({ mode: 0o666, uid: 0, gid: 0 }, 1000, [1000])).toBe(true);
    expect(readWriteFor({ mode: 0o664, uid: 0, gid: 0 }, 1000, [1000])).toBe(false);
  });
});

describe('doctor: rootless mounts (unshare --map-users, overlayfs in a user namespace)', () => {
  it('is ok when both work', () => {
    expect(rootlessMountsCheck(facts()).status).toBe('ok');
  });

  it('an unshare without --map-users, or a kernel refusing overlayfs in a user namespace', () => {
    const old = rootlessMountsCheck(facts({ unshareMapsRange: false }));
    expect([old.status, old.fix]).toEqual(['warn', 'a util-linux of 2.38 or later (Debian 12, Ubuntu 22.10+)']);
    const kernel = rootlessMountsCheck(facts({ overlayProbe: { ok: false, text: 'mount: /tmp/m: permission denied.' } }));
    expect(kernel.status).toBe('warn');
    expect(kernel.detail).toMatch(/^overlayfs mounted in a user namespace failed \(mount: \/tmp\/m: permission denied\.\)/);
    expect(kernel.fix).toMatch(/^Linux 5\.11 or later/);
  });
});
