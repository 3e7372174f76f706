/**
 * `explain` shows what the kernel really gave a running container — checked against what
 * each run flag should change — and `doctor` checks the host; nothing is left behind.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import * as net from 'node:net';
import { join } from 'node:path';
import { BIN, mr, removeAllContainers, removeRoot, tempRoot } from '../helpers/cli';
import { linesOf, removeRemapUser } from '../helpers/remap-user';
import { leasesOf, sh } from '../helpers/network';
import type { ExplainReport } from '../../src/engine/explain';

let root: string;
const IMG = 'mini-run/busybox';
const m = (...args: string[]) => mr(root, args);

const DOCKER_DEFAULT_CAPS = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW', 'CAP_SETGID', 'CAP_SETUID',
  'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE',
];

function freePort(): Promise<number> {
  return new Promise((res) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => res(p));
    });
  });
}

function explainJson(name: string): ExplainReport {
  const r = m('explain', '--format', 'json', name);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return JSON.parse(r.stdout) as ExplainReport;
}

const nsShared = (rep: ExplainReport) => Object.fromEntries(rep.namespaces.map((n) => [n.type, n.shared]));

/** Network objects of this root's containers still on the host: leases, veths, DNAT rules. */
function networkLeaks(ids: string[]): string[] {
  const links = sh('ip -o link show').stdout;
  const rules = sh('iptables -w -t nat -S').stdout;
  return [
    ...leasesOf(root).map((l) => `address: ${l.ip}`),
    ...ids.filter((id) => links.includes(`mr-${id.slice(0, 8)}`)).map((id) => `veth: mr-${id.slice(0, 8)}`),
    ...ids.filter((id) => rules.includes(`mr-${id.slice(0, 12)}`)).map((id) => `rule for ${id.slice(0, 12)}`),
  ];
}

let port: number;

beforeAll(async () => {
  root = tempRoot('explain');
  port = await freePort();
  // A default container, on the bridge, with one published port.
  expect(m('run', '-d', '--name', 'plain', '-p', `${port}:80`, IMG, 'sleep', '300').status).toBe(0);
  // The host's UTS, IPC and PID namespaces, limits, changed capabilities, no network.
  const r = m('run', '-d', '--name', 'loose', '--uts', 'host', '--ipc', 'host', '--pid', 'host', '--network', 'none',
    '--memory', '64m', '--pids-limit', '50', '--cpus', '0.5', '--cap-add', 'SYS_ADMIN', '--cap-drop', 'NET_RAW', IMG, 'sleep', '300');
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  const created = m('create', '--name', 'idle', IMG, 'true');
  expect(created.stderr).toBe('');
  expect(created.status).toBe(0);
});

afterAll(() => {
  const ids = existsSync(join(root, 'containers')) ? readdirSync(join(root, 'containers')) : [];
  expect(removeAllContainers(root)).toEqual([]);
  expect(networkLeaks(ids)).toEqual([]);
  removeRoot(root);
});

describe('mini-run explain', () => {
  it('shows a default container in namespaces of its own, with docker\'s 14 capabilities', () => {
    const rep = explainJson('plain');
    expect(nsShared(rep)).toMatchObject({ mnt: false, uts: false, ipc: false, pid: false, net: false, user: true });
    for (const n of rep.namespaces) expect(n.inside).toMatch(new RegExp(`^${n.type}:\\[\\d+\\]$`));
    expect(rep.container.pidInside).toBe(1);
    expect(rep.container.hostPid).toBeGreaterThan(1);
    expect([...rep.capabilities.effective].sort()).toEqual([...DOCKER_DEFAULT_CAPS].sort());
    expect(rep.capabilities).toMatchObject({ added: [], dropped: [], effectiveHex: '00000000a80425fb', uid: 0 });
  });

  it("shows the overlay root: the image's layer below, the container's own upper dir", () => {
    const rep = explainJson('plain');
    const imageLayers = JSON.parse(m('image', 'inspect', IMG).stdout)[0].RootFS.Layers as string[];
    expect(rep.rootfs.fstype).toBe('overlay');
    expect(rep.rootfs.layers.map((l) => l.diffId)).toEqual([...imageLayers].reverse());
    expect(rep.rootfs.layers.every((l) => l.inImage && existsSync(l.path))).toBe(true);
    expect(rep.rootfs.upperdir).toBe(join(root, 'containers', rep.container.id, 'upper'));
  });

  it('shows the seccomp filter, no_new_privs and the device rules (v1 list or v2 programs)', () => {
    const rep = explainJson('plain');
    expect(rep.confinement).toMatchObject({ seccomp: 'filter', seccompFilters: 1, noNewPrivs: false });
    if (rep.confinement.deviceRules) expect(rep.confinement.deviceRules).toEqual(expect.arrayContaining(['c *:* m', 'b *:* m', 'c 1:3 rwm']));
    else expect(rep.confinement.devicePrograms).toBe(1);
    expect(m('explain', 'plain').stdout).toMatch(/seccomp: 1 filter \(Seccomp 2\)/);
  });

  it('finds the masked and read-only paths in the mount table', () => {
    const rep = explainJson('plain');
    expect(rep.paths.masked).toEqual(expect.arrayContaining(['/proc/keys', '/proc/timer_list', '/sys/firmware']));
    expect(rep.paths.readonly).toEqual(expect.arrayContaining(['/proc/sys', '/proc/irq']));
  });

  it('follows eth0 to its host veth and bridge, and checks the published port on the host', () => {
    const rep = explainJson('plain');
    const eth0 = rep.network.interfaces.find((i) => i.name === 'eth0')!;
    expect(eth0.addresses[0]).toMatch(/^10\.88\.\d+\.\d+\/16$/);
    expect(eth0.state).toBe('UP');
    expect(eth0.peer).toMatchObject({ hostName: `mr-${rep.container.id.slice(0, 8)}`, bridge: 'mini-run0' });
    expect(rep.network.gateway).toBe('10.88.0.1');
    expect(rep.network.bridges).toEqual([{ name: 'mini-run0', addresses: ['10.88.0.1/16'] }]);
    expect(rep.network.ports).toEqual([{ proto: 'tcp', containerPort: 80, hostIp: '0.0.0.0', hostPort: port, hostListening: true, dnatRule: true }]);
  });

  it('prints one screen of sections with plain-language glosses', () => {
    const r = m('explain', 'plain');
    expect(r.status).toBe(0);
    for (const h of ['NAMESPACES', 'CGROUP', 'ROOT FILESYSTEM', 'CAPABILITIES', 'MASKED AND READ-ONLY PATHS', 'NETWORK']) {
      expect(r.stdout).toMatch(new RegExp(`^${h} `, 'm'));
    }
    expect(r.stdout).toMatch(/^ {2}uts +own +uts:\[\d+\] +uts:\[\d+\] +own UTS namespace: hostname changes stay inside$/m);
    expect(r.stdout).toContain("14 effective (uid 0); bounding set (14): exactly docker's default 14");
    expect(r.stdout).toMatch(/eth0 +10\.88\.\S+ .*<-> host veth mr-[0-9a-f]{8} on bridge mini-run0/);
    expect(r.stdout).toMatch(new RegExp(`0\\.0\\.0\\.0:${port} -> 80/tcp +host listening: yes +DNAT rule: yes`));
  });

  it('shows --uts/--ipc/--pid host as shared, and the cgroup limits the kernel holds', () => {
    const rep = explainJson('loose');
    expect(nsShared(rep)).toMatchObject({ uts: true, ipc: true, pid: true, mnt: false, net: false });
    expect(rep.container.pidInside).toBe(rep.container.hostPid);
    expect(rep.cgroup.memory.limitBytes).toBe(64 * 1024 * 1024);
    expect(rep.cgroup.memory.usageBytes).toBeGreaterThan(0);
    expect(rep.cgroup.pids).toMatchObject({ max: 50 });
    expect(rep.cgroup.pids.current).toBeGreaterThanOrEqual(1);
    expect(rep.cgroup.cpu).toMatchObject({ quotaUsec: 50_000, periodUsec: 100_000 });
    expect(rep.cgroup.paths.some((p) => p.dir.endsWith(`/mr-${rep.container.id}`))).toBe(true);
    expect(rep.capabilities.added).toEqual(['CAP_SYS_ADMIN']);
    expect(rep.capabilities.dropped).toEqual(['CAP_NET_RAW']);
    expect(rep.network.interfaces.map((i) => i.name)).toEqual(['lo']);
    const text = m('explain', 'loose').stdout;
    expect(text).toMatch(/^ {2}uts +shared with host .*renames the host$/m);
    expect(text).toContain('limit 64MiB');
    expect(text).toContain('max 50');
    expect(text).toContain('= 0.50 CPUs');
    expect(text).toContain("bounding set (14): docker's 14 plus SYS_ADMIN and minus NET_RAW");
  });

  it('--trace shows the command that read the network namespace', () => {
    const r = m('--trace', 'explain', 'plain');
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/\[run\] exec nsenter -t \d+ -n ip -j addr show/);
  });

  it('refuses an unknown container and a stopped one in one line, exit 1', () => {
    const unknown = m('explain', 'no-such-thing');
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toBe('mini-run: No such container: no-such-thing\n');
    const stopped = m('explain', 'idle');
    expect(stopped.status).toBe(1);
    expect(stopped.stderr).toMatch(/^mini-run: Container idle is not running \(created\): .*mini-run start idle`\n$/);
  });
});

describe('mini-run doctor', () => {
  const CHECKS = ['root', 'kernel', 'overlayfs', 'state root', 'user namespaces', 'subuid/subgid', 'newuidmap', 'unprivileged userns', 'rootless mounts', 'rootless network', 'cgroups', 'bridge, veth', 'packet filter', 'mount propagation', 'tools', 'sudo PATH', 'busybox', 'compare'];

  it('passes on this host and prints one line per check', () => {
    const r = m('doctor');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    for (const c of CHECKS) expect(r.stdout).toMatch(new RegExp(`^(ok|warn|FAIL) +${c}  `, 'm'));
    expect(r.stdout).not.toMatch(/^FAIL/m);
    expect(r.stdout).toMatch(/^ok +kernel .*openat2 ok, pidfd_getfd ok, close_range ok/m);
    const json = JSON.parse(m('doctor', '--format', 'json').stdout);
    expect(json.ok).toBe(true);
    expect(json.checks.map((c: { name: string }) => c.name)).toEqual(CHECKS);
    // The bridge and veth it created to probe the kernel are gone again.
    expect(sh('ip -o link show').stdout).not.toMatch(/mr-d[rvw]\d+/);
  });

  it('runs without root and says so, exit 1', () => {
    const r = spawnSync(process.execPath, [BIN, '--root', '/tmp/mr-test-doctor-nonroot', 'doctor'], { uid: 65534, gid: 65534, encoding: 'utf8', cwd: '/tmp' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^FAIL +root +not root \(uid 65534\)/m);
    expect(r.stdout).toMatch(/to fix: run mini-run with sudo/);
    expect(r.stdout).toMatch(/^ok +kernel /m);
    expect(existsSync('/tmp/mr-test-doctor-nonroot')).toBe(false);
    // nobody has no /etc/subuid lines: rootless would have one user only; the fix names a free range.
    expect(r.stdout).toMatch(/^warn +subuid\/subgid +nobody \(uid 65534\): \/etc\/subuid none, \/etc\/subgid none/m);
    expect(r.stdout).toMatch(/to fix: sudo usermod --add-subuids \d+-\d+ --add-subgids \d+-\d+ nobody/);
  });

  it('checks the rootless needs of the user who ran sudo: its subuid/subgid ranges, newuidmap, unprivileged user namespaces', () => {
    // A user of the test's own with a range of its own (the usermod doctor itself suggests), removed after.
    const user = `mr-dr-${process.pid}`;
    expect(spawnSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', '--user-group', user]).status).toBe(0);
    try {
      const uid = Number(sh(`id -u ${user}`).stdout.trim());
      const gid = Number(sh(`id -g ${user}`).stdout.trim());
      const bare = spawnSync(process.execPath, [BIN, '--root', root, 'doctor'], { encoding: 'utf8', env: { ...process.env, SUDO_USER: user, SUDO_UID: String(uid), SUDO_GID: String(gid) } });
      expect(bare.stdout).toMatch(new RegExp(`^warn +subuid/subgid +${user} \\(uid ${uid}\\): /etc/subuid none, /etc/subgid none`, 'm'));
      const fix = /to fix: (sudo usermod --add-subuids (\d+)-(\d+) --add-subgids \d+-\d+ (\S+))$/m.exec(bare.stdout);
      expect(fix?.[4]).toBe(user);
      const [start, end] = [Number(fix![2]), Number(fix![3])];
      expect(end - start + 1).toBe(65536);
      expect(spawnSync('usermod', ['--add-subuids', `${start}-${end}`, '--add-subgids', `${start}-${end}`, user]).status).toBe(0);

      // The user itself, without sudo: its ranges are found, the helpers and the kernel allow it.
      const r = spawnSync(process.execPath, [BIN, '--root', `/tmp/mr-test-doctor-${user}`, 'doctor'], { uid, gid, encoding: 'utf8', cwd: '/tmp', env: { ...process.env, SUDO_USER: '', SUDO_UID: '' } });
      expect(r.stderr).toBe('');
      expect(r.stdout).toContain(`ok    subuid/subgid        ${user} (uid ${uid}): /etc/subuid ${start}-${end} (65536 ids), /etc/subgid ${start}-${end} (65536 ids)`);
      if (existsSync('/usr/bin/newuidmap') && existsSync('/usr/bin/newgidmap')) {
        expect(r.stdout).toMatch(/^ok +newuidmap +\/usr\/bin\/newuidmap set-uid root, \/usr\/bin\/newgidmap set-uid root$/m);
      } else {
        expect(r.stdout).toMatch(/^warn +newuidmap .*not found[^]*to fix: sudo apt-get install uidmap/m);
      }
      const sysctl = (k: string) => (existsSync(`/proc/sys/kernel/${k}`) ? sh(`cat /proc/sys/kernel/${k}`).stdout.trim() : null);
      const allowed = sysctl('unprivileged_userns_clone') !== '0' && sysctl('apparmor_restrict_unprivileged_userns') !== '1';
      if (allowed) expect(r.stdout).toMatch(new RegExp(`^ok +unprivileged userns +${user} \\(uid ${uid}\\) may create one`, 'm'));
      else expect(r.stdout).toMatch(/^warn +unprivileged userns [^]*to fix: sudo sysctl -w kernel\./m);
      // What a rootless run uses next, asked as the user: overlayfs in its user namespace, and
      // slirp4netns with a /dev/net/tun it may open (0600 root on this host: one line to fix it).
      if (allowed && sh('unshare --help').stdout.includes('--map-users')) {
        expect(r.stdout).toMatch(/^ok +rootless mounts +unshare --map-users; overlayfs mounts in a user namespace of the user$/m);
      }
      const tun = statSync('/dev/net/tun', { throwIfNoEntry: false });
      if (existsSync('/usr/bin/slirp4netns') && tun) {
        const mode = (tun.mode & 0o777).toString(8).padStart(4, '0');
        const others = tun.uid !== uid && tun.gid !== gid; // the test user is in no other group
        // the user itself (the kernel asked) and root under sudo for it (the mode bits read) agree
        for (const out of [r.stdout, bare.stdout]) {
          if (others && (tun.mode & 0o006) !== 0o006) {
            expect(out).toContain(`warn  rootless network     /usr/bin/slirp4netns; /dev/net/tun ${mode} uid ${tun.uid} gid ${tun.gid}: slirp4netns, run as ${user}, cannot open it`);
            expect(out).toMatch(/^ +to fix: sudo chmod 0666 \/dev\/net\/tun \(/m);
          } else if (others) {
            expect(out).toContain(`ok    rootless network     /usr/bin/slirp4netns; /dev/net/tun ${mode} uid ${tun.uid} gid ${tun.gid}: read-write for ${user}`);
          }
        }
      }
      expect(existsSync(`/tmp/mr-test-doctor-${user}`)).toBe(false);
    } finally {
      expect(removeRemapUser(user)).toEqual([]);
    }
    expect(linesOf('/etc/passwd').some((l) => l.startsWith(`${user}:`))).toBe(false);
  });
});
