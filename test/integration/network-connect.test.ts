/**
 * `network connect` / `disconnect` on a running container (an ethN beside eth0, an address of
 * the other network's lease state, its names in that network's DNS) and `--ip-range`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { containerIds, leaksFor, mr, networkBridges, removeRoot, tempRoot } from '../helpers/cli';
import { leases, leasesOf, sh } from '../helpers/network';

let root: string;
const IMG = 'mini-run/busybox';
const m = (...args: string[]) => mr(root, args);
const inspect = (name: string, tpl: string) => m('inspect', '-f', tpl, name).stdout.trim();
const myLeases = () => leasesOf(root);
const ex = (name: string, cmd: string) => m('exec', name, 'sh', '-c', cmd);

beforeAll(() => {
  root = tempRoot('netc');
});

afterAll(() => {
  const ids = containerIds(root);
  // This file's own host objects: its networks' bridges and its containers' veths (other test
  // runs may share the host, so the check is not "no mr- link at all").
  const bridges = networkBridges(root);
  if (ids.length) m('rm', '-f', ...ids);
  for (const n of ['cfront', 'cback', 'crange', 'crange2', 'ckeep']) m('network', 'rm', n);
  expect(myLeases()).toEqual([]);
  const links = sh('ip -o link show').stdout.split('\n').map((l) => l.split(': ')[1]?.split('@')[0] ?? '');
  const ours = links.filter((l) => bridges.includes(l) || ids.some((id) => l.startsWith(`mr-${id.slice(0, 8)}`)));
  expect(ours).toEqual([]);
  expect(leaksFor(root)).toEqual([]);
  removeRoot(root);
});

describe('network connect / disconnect', () => {
  it('a running container gets eth1 on a second network, reaches it by name, and loses it at disconnect', () => {
    expect(m('network', 'create', 'cfront').status).toBe(0);
    expect(m('network', 'create', 'cback').status).toBe(0);
    expect(m('run', '-d', '--name', 'app', '--network', 'cfront', IMG, 'sleep', '1000').status).toBe(0);
    expect(m('run', '-d', '--name', 'db', '--network', 'cback', IMG, 'sleep', '1000').status).toBe(0);
    expect(ex('app', 'ping -c1 -W1 db >/dev/null 2>&1 && echo reached || echo unreachable').stdout.trim()).toBe('unreachable');

    const c = m('network', 'connect', '--alias', 'appalias', 'cback', 'app');
    expect(c.stderr).toBe('');
    expect(c.status).toBe(0);
    const backIp = inspect('app', '{{.NetworkSettings.Networks.cback.IPAddress}}');
    expect(backIp).toMatch(/^10\.89\.\d+\.\d+$/);
    expect(inspect('app', '{{.NetworkSettings.Networks.cfront.IPAddress}}')).toMatch(/^10\.89\.\d+\.\d+$/);
    expect(myLeases().filter((l: { ip: string }) => l.ip === backIp)).toHaveLength(1);
    expect(ex('app', 'ip -o -4 addr show eth1').stdout).toContain(`inet ${backIp}/24`);
    expect(ex('app', 'ping -c1 -W2 db >/dev/null && echo ping-ok').stdout).toContain('ping-ok');
    // db finds app (and its alias) through its own network's DNS
    expect(ex('db', 'nslookup appalias').stdout).toContain(backIp);
    const view = JSON.parse(m('network', 'inspect', 'cback').stdout)[0];
    expect(Object.values(view.Containers).map((x: any) => x.Name).sort()).toEqual(['app', 'db']);

    // twice: docker's error
    const again = m('network', 'connect', 'cback', 'app');
    expect(again.status).not.toBe(0);
    expect(again.stderr).toMatch(/endpoint with name app already exists in network cback/);

    expect(m('network', 'disconnect', 'cback', 'app').status).toBe(0);
    expect(ex('app', 'ip link show eth1 >/dev/null 2>&1 && echo has-eth1 || echo no-eth1').stdout.trim()).toBe('no-eth1');
    expect(myLeases().filter((l: { ip: string }) => l.ip === backIp)).toEqual([]);
    expect(inspect('app', '{{json .NetworkSettings.Networks}}')).not.toContain('cback');
    expect(ex('app', 'nslookup db >/dev/null 2>&1 && echo resolved || echo unresolved').stdout.trim()).toBe('unresolved');
    // No interface on db's subnet any more: its route goes out eth0 (to the gateway), where the
    // isolation rules between networks stop it.
    const dbIp = inspect('db', '{{.NetworkSettings.Networks.cback.IPAddress}}');
    const route = ex('app', `ip route get ${dbIp}`).stdout;
    expect(route).toContain('dev eth0');
    expect(route).not.toContain('eth1');
    expect(ex('app', `ping -c1 -W1 ${dbIp} >/dev/null 2>&1 && echo reached || echo unreachable`).stdout.trim()).toBe('unreachable');
    const notOn = m('network', 'disconnect', 'cback', 'app');
    expect(notOn.stderr).toMatch(/is not connected to network cback/);

    // connect again, then the container's exit takes every network with it
    expect(m('network', 'connect', 'cback', 'app').status).toBe(0);
    expect(inspect('app', '{{.NetworkSettings.Networks.cback.IPAddress}}')).toMatch(/^10\.89\./);
    m('rm', '-f', 'app', 'db');
    expect(myLeases()).toEqual([]);
  });

  it('connects to the default bridge too', () => {
    expect(m('run', '-d', '--name', 'solo', '--network', 'cfront', IMG, 'sleep', '1000').status).toBe(0);
    expect(m('network', 'connect', 'bridge', 'solo').status).toBe(0);
    const ip = inspect('solo', '{{.NetworkSettings.Networks.bridge.IPAddress}}');
    expect(ex('solo', 'ip -o -4 addr show eth1').stdout).toContain(`inet ${ip}/`);
    m('stop', '-t', '1', 'solo');
    expect(myLeases()).toEqual([]);
    // still connected (attached again at its next start, as docker keeps it), without an address
    expect(inspect('solo', '{{json .NetworkSettings.Networks}}')).toContain('"bridge"');
    expect(inspect('solo', '{{.NetworkSettings.Networks.bridge.IPAddress}}')).toBe('');
    m('rm', '-f', 'solo');
  });

  it('a stopped container is connected at its next start (eth1, its --ip, its alias); disconnect before the start forgets it', () => {
    expect(m('create', '--name', 'later', '--network', 'cfront', IMG, 'sleep', '1000').status).toBe(0);
    const c = m('network', 'connect', '--alias', 'lateralias', '--ip', '10.89.242.9', 'crange2', 'later');
    expect(c.stderr).toMatch(/network crange2 not found/);
    expect(m('network', 'create', '--subnet', '10.89.242.0/24', 'crange2').status).toBe(0);
    expect(m('network', 'connect', '--alias', 'lateralias', '--ip', '10.89.242.9', 'crange2', 'later').stderr).toBe('');
    expect(m('network', 'connect', 'crange2', 'later').stderr).toMatch(/already exists in network crange2/);
    expect(m('network', 'connect', 'bridge', 'later').status).toBe(0);
    expect(m('network', 'disconnect', 'bridge', 'later').status).toBe(0); // forgotten before the start
    expect(myLeases()).toEqual([]); // nothing attached while stopped
    expect(inspect('later', '{{.NetworkSettings.Networks.crange2.IPAddress}}')).toBe('');
    expect(m('start', 'later').status).toBe(0);
    expect(inspect('later', '{{.NetworkSettings.Networks.crange2.IPAddress}}')).toBe('10.89.242.9');
    expect(ex('later', 'ip -o -4 addr show eth1; ls /sys/class/net').stdout).toMatch(/inet 10\.89\.242\.9\/24[\s\S]*eth0\neth1\nlo/);
    expect(myLeases().map((l) => l.ip).sort()).toEqual(['10.89.242.9', inspect('later', '{{.NetworkSettings.Networks.cfront.IPAddress}}')].sort());
    expect(leases().find((l: { ip: string }) => l.ip === '10.89.242.9')?.names).toContain('lateralias');
    m('rm', '-f', 'later');
    expect(myLeases()).toEqual([]);
  });

  it('keeps a connection across stop and start, as docker does (same alias, same --ip); disconnect while stopped forgets it', () => {
    expect(m('network', 'create', '--subnet', '10.89.243.0/24', 'ckeep').status).toBe(0);
    expect(m('run', '-d', '--name', 'keeper', '--network', 'cfront', IMG, 'sleep', '1000').status).toBe(0);
    expect(m('network', 'connect', '--alias', 'keepalias', '--ip', '10.89.243.7', 'ckeep', 'keeper').stderr).toBe('');
    expect(m('stop', '-t', '0', 'keeper').status).toBe(0);
    expect(myLeases()).toEqual([]); // released with the container's life…
    expect(inspect('keeper', '{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}').split(' ').filter(Boolean).sort()).toEqual(['cfront', 'ckeep']);
    expect(m('start', 'keeper').status).toBe(0); // …and attached again at the next start
    expect(ex('keeper', 'ip -o -4 addr show eth1').stdout).toMatch(/inet 10\.89\.243\.7\/24/);
    expect(leases().find((l: { ip: string }) => l.ip === '10.89.243.7')?.names).toContain('keepalias');
    expect(m('stop', '-t', '0', 'keeper').status).toBe(0);
    expect(m('network', 'disconnect', 'ckeep', 'keeper').status).toBe(0);
    expect(m('start', 'keeper').status).toBe(0);
    expect(ex('keeper', 'ls /sys/class/net').stdout.split('\n').filter(Boolean)).toEqual(['eth0', 'lo']);
    m('rm', '-f', 'keeper');
    expect(m('network', 'rm', 'ckeep').status).toBe(0);
    expect(myLeases()).toEqual([]);
  });

  it('--ip-range: addresses only from the range', () => {
    expect(m('network', 'create', '--subnet', '10.89.240.0/24', '--ip-range', '10.89.240.128/28', 'crange').status).toBe(0);
    for (const n of ['r1', 'r2']) expect(m('run', '-d', '--name', n, '--network', 'crange', IMG, 'sleep', '1000').status).toBe(0);
    const ips = ['r1', 'r2'].map((n) => inspect(n, '{{.NetworkSettings.Networks.crange.IPAddress}}'));
    for (const ip of ips) {
      const last = Number(ip.split('.')[3]);
      expect(ip.startsWith('10.89.240.')).toBe(true);
      expect(last >= 128 && last < 144).toBe(true);
    }
    expect(new Set(ips).size).toBe(2);
    m('rm', '-f', 'r1', 'r2');
    expect(m('network', 'create', '--subnet', '10.89.241.0/24', '--ip-range', '10.90.0.0/28', 'cbad').status).toBe(1);
  });

  it('refuses what docker refuses', () => {
    expect(m('run', '-d', '--name', 'e1', '--network', 'cfront', IMG, 'sleep', '1000').status).toBe(0);
    expect(m('network', 'connect', 'nosuchnet', 'e1').stderr).toMatch(/network nosuchnet not found/);
    expect(m('network', 'disconnect', 'nosuchnet', 'e1').stderr).toMatch(/network nosuchnet not found/);
    expect(m('network', 'connect', 'cfront', 'e1').stderr).toMatch(/endpoint with name e1 already exists in network cfront/);
    expect(m('network', 'disconnect', 'cback', 'e1').stderr).toMatch(/container \S+ is not connected to network cback/);
    m('rm', '-f', 'e1');
  });
});
