/**
 * macvlan and ipvlan networks on a parent the test makes (one end of a veth pair whose other
 * end nobody uses, both mr- prefixed; a `dummy` link would do too where the kernel has it): no
 * traffic leaves the host, yet the kernel's sub-interface switching is real — containers get
 * addresses of the network's segment and reach each other. A missing parent is one clear line;
 * rm refuses while containers use the network; nothing is left on the host.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { containerIds, leaksFor, mr, removeRoot, tempRoot } from '../helpers/cli';
import { leasesOf, sh } from '../helpers/network';

const IMG = 'mini-run/busybox';
const PARENT = `mr-vp${process.pid % 1_000_000}`;
const PEER = `mr-vq${process.pid % 1_000_000}`;
let root: string;
const m = (...args: string[]) => mr(root, args);
const inspect = (name: string, tpl: string) => m('inspect', '-f', tpl, name).stdout.trim();
const hostLinks = () => sh('ip -o link show').stdout.split('\n').filter((l) => / mr-mv/.test(l));

/** Can this kernel make a sub-interface of that type? (Probed on a throw-away veth pair.) */
function kernelHas(type: string): boolean {
  if (process.getuid?.() !== 0) return false;
  const probe = `mr-pb${process.pid % 1_000_000}`;
  const r = sh(`ip link add ${probe}a type veth peer name ${probe}b && ip link add ${probe}s link ${probe}a type ${type}`);
  sh(`ip link del ${probe}s; ip link del ${probe}a`);
  return r.status === 0;
}
const usable = kernelHas('macvlan');
if (!usable) console.log('network-macvlan: skipped (needs root and a kernel with macvlan)');
const ipvlan = usable && kernelHas('ipvlan');
if (usable && !ipvlan) console.log('network-macvlan: the ipvlan case is skipped: this kernel has no ipvlan driver ("Unknown device type")');

describe.skipIf(!usable)('macvlan and ipvlan networks', () => {
  beforeAll(() => {
    root = tempRoot('netmv');
    expect(sh(`ip link add ${PARENT} type veth peer name ${PEER} && ip link set ${PARENT} up && ip link set ${PEER} up`).status).toBe(0);
  });
  afterAll(() => {
    const ids = containerIds(root);
    if (ids.length) m('rm', '-f', ...ids);
    for (const n of ['mr-lan', 'mr-ipv', 'mr-pt']) m('network', 'rm', n);
    sh(`ip link del ${PARENT}`);
    expect(leasesOf(root)).toEqual([]);
    expect(hostLinks()).toEqual([]);
    expect(leaksFor(root)).toEqual([]);
    removeRoot(root);
  });

  it('a parent that does not exist is refused in one line (exit 1) and no network is made', () => {
    const r = m('network', 'create', '-d', 'macvlan', '--subnet', '192.168.251.0/24', '-o', 'parent=mr-nope0', 'mr-lan');
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toMatch(/-o parent interface was not found on the host: mr-nope0$/);
    expect(m('network', 'ls').stdout).not.toContain('mr-lan');
    const mode = m('network', 'create', '-d', 'macvlan', '-o', `parent=${PARENT}`, '-o', 'macvlan_mode=bogus', 'mr-lan');
    expect(mode.status).toBe(1);
    expect(mode.stderr).toMatch(/requested macvlan mode 'bogus' is not valid/);
  });

  it('macvlan: containers get addresses of the segment, each its own MAC, and reach each other', () => {
    const r = m('network', 'create', '-d', 'macvlan', '--subnet', '192.168.251.0/24', '--gateway', '192.168.251.1', '-o', `parent=${PARENT}`, 'mr-lan');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const view = JSON.parse(m('network', 'inspect', 'mr-lan').stdout)[0];
    expect(view).toMatchObject({ Driver: 'macvlan', Options: { parent: PARENT, macvlan_mode: 'bridge' }, IPAM: { Config: [{ Subnet: '192.168.251.0/24', Gateway: '192.168.251.1' }] } });
    expect(m('network', 'ls').stdout).toMatch(/mr-lan\s+macvlan\s+local/);
    expect(m('run', '-d', '--name', 'mv1', '--network', 'mr-lan', '--ip', '192.168.251.10', IMG, 'sleep', '1000').status).toBe(0);
    expect(JSON.parse(inspect('mv1', '{{json .NetworkSettings.Networks}}'))['mr-lan']).toMatchObject({ IPAddress: '192.168.251.10', Gateway: '192.168.251.1' });
    const b = m('--trace', 'run', '--rm', '--network', 'mr-lan', IMG, 'sh', '-c', 'ip -o -4 addr show dev eth0; cat /sys/class/net/eth0/address; ping -c1 -W3 192.168.251.10 >/dev/null && echo reached');
    expect(b.stdout).toMatch(/inet 192\.168\.251\.\d+\/24/);
    expect(b.stdout).toContain('reached');
    // Netlink requests, no ip or nsenter process: the sub-interface is made as eth0 right in the
    // container's namespace (the `ip` command each request equals is on its trace line).
    expect(b.stderr).toMatch(new RegExp(`RTM_NEWLINK \\{IFLA_IFNAME "eth0", IFLA_LINK \\d+ /\\* ${PARENT} \\*/, .*kind "macvlan", IFLA_MACVLAN_MODE bridge\\}\\} NLM_F_CREATE\\|NLM_F_EXCL = 0 \\(ip link add eth0 link ${PARENT} address [0-9a-f:]{17} netns \\d+ type macvlan mode bridge\\)`));
    expect(b.stderr).toMatch(/RTM_NEWROUTE .* = 0 \(ip route add default via 192\.168\.251\.1 dev eth0\)/);
    expect(b.stderr).not.toMatch(/\[run\] exec (ip|nsenter) /);
    const parentMac = readFileSync(`/sys/class/net/${PARENT}/address`, 'utf8').trim();
    expect(b.stdout).not.toContain(parentMac); // macvlan: a MAC of its own
    // The sub-interface lives in the container's namespace only.
    expect(hostLinks()).toEqual([]);
    const busy = m('network', 'rm', 'mr-lan');
    expect(busy.status).toBe(1);
    expect(busy.stderr).toMatch(/active endpoints/);
  });

  it.skipIf(!ipvlan)('ipvlan l2: the containers share the parent\'s MAC and still reach each other; rm cleans up', () => {
    expect(m('network', 'create', '-d', 'ipvlan', '--subnet', '192.168.252.0/24', '-o', `parent=${PARENT}`, 'mr-ipv').status).toBe(0);
    expect(m('run', '-d', '--name', 'iv1', '--network', 'mr-ipv', '--ip', '192.168.252.10', IMG, 'sleep', '1000').status).toBe(0);
    const b = m('run', '--rm', '--network', 'mr-ipv', IMG, 'sh', '-c', 'cat /sys/class/net/eth0/address; ping -c1 -W3 192.168.252.10 >/dev/null && echo reached');
    expect(b.stdout).toContain(readFileSync(`/sys/class/net/${PARENT}/address`, 'utf8').trim());
    expect(b.stdout).toContain('reached');
    expect(m('rm', '-f', 'iv1').status).toBe(0);
    expect(m('network', 'rm', 'mr-ipv').status).toBe(0);
  });

  it('the kernel refusing the sub-interface is one line (its `ip` command and reason), exit 125, and leaves no lease', () => {
    // passthru wants the parent to itself: mv1's macvlan link on it makes the kernel say EINVAL.
    expect(m('network', 'create', '-d', 'macvlan', '--subnet', '192.168.250.0/24', '-o', `parent=${PARENT}`, '-o', 'macvlan_mode=passthru', 'mr-pt').status).toBe(0);
    const before = leasesOf(root).length;
    const r = m('run', '--rm', '--network', 'mr-pt', IMG, 'true');
    expect(r.status).toBe(125);
    expect(r.stderr.trim()).toMatch(new RegExp(`^mini-run: cannot create a macvlan sub-interface of ${PARENT}: ip link add eth0 link ${PARENT} netns \\d+ type macvlan mode passthru failed: Invalid argument`));
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(leasesOf(root).length).toBe(before);
    expect(m('network', 'rm', 'mr-pt').status).toBe(0); // no endpoint left behind
    expect(hostLinks()).toEqual([]);
  });

  it('network rm once the containers are gone: no network, no lease, no link left', () => {
    expect(m('rm', '-f', 'mv1').status).toBe(0);
    expect(m('network', 'rm', 'mr-lan').status).toBe(0);
    expect(m('network', 'ls').stdout).not.toMatch(/mr-ipv|mr-lan|mr-pt/);
    expect(leasesOf(root)).toEqual([]);
    expect(hostLinks()).toEqual([]);
  });
});
