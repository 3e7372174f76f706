/**
 * User networks: their own bridge and subnet, names answered by the embedded DNS (round-robin
 * over a shared --network-alias), --internal, and network rm/prune — and the host given back.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { containerIds, leaksFor, mr, networkBridges, removeRoot, tempRoot } from '../helpers/cli';
import { leasesOf, rulesMentioning, sh } from '../helpers/network';

let root: string;
const IMG = 'mini-run/busybox';
const m = (...args: string[]) => mr(root, args);
const inspect = (name: string, tpl: string) => m('inspect', '-f', tpl, name).stdout.trim();
const myLeases = () => leasesOf(root);
const mrNames = (out: string) => out.split('\n').filter((x) => x.startsWith('mr-')).sort();

beforeAll(() => {
  root = tempRoot('netu');
});

afterAll(() => {
  const ids = containerIds(root);
  // This file's own bridges (other test runs may have theirs on the host right now).
  const bridges = networkBridges(root);
  if (ids.length) m('rm', '-f', ...ids);
  for (const n of ['appnet', 'secret', 'fixed', 'mr-idle', 'mr-held', 'mr-joined']) m('network', 'rm', n);
  expect(myLeases()).toEqual([]);
  for (const b of bridges) {
    expect(sh(`ip link show dev ${b}`).status).not.toBe(0);
    expect(rulesMentioning(b)).toEqual([]);
  }
  expect(leaksFor(root)).toEqual([]);
  removeRoot(root);
});

describe('user networks', () => {
  let bridge = '';

  it('network create makes a bridge mr-br-… with a free subnet; ls and inspect show it', () => {
    const r = m('network', 'create', 'appnet');
    expect(r.status).toBe(0);
    const view = JSON.parse(m('network', 'inspect', 'appnet').stdout)[0];
    expect(view.Name).toBe('appnet');
    expect(view.IPAM.Config[0].Subnet).toMatch(/^10\.89\.\d+\.0\/24$/);
    bridge = view.Options['com.docker.network.bridge.name'];
    expect(bridge).toMatch(/^mr-br-[0-9a-f]{8}$/);
    const shown = sh(`ip -o -4 addr show dev ${bridge}`);
    expect(shown.stdout + shown.stderr).toContain(`inet ${view.IPAM.Config[0].Gateway}/24`);
    expect(m('network', 'ls').stdout).toMatch(/appnet\s+bridge\s+local/);
    expect(m('network', 'create', 'appnet').status).toBe(1); // the name is taken
  });

  it('containers find each other by name; a shared --network-alias answers all, rotated', () => {
    for (const n of ['web1', 'web2', 'web3']) {
      expect(m('run', '-d', '--name', n, '--network', 'appnet', '--network-alias', 'web', IMG, 'sleep', '1000').status).toBe(0);
    }
    const ips = ['web1', 'web2', 'web3'].map((n) => inspect(n, '{{.NetworkSettings.Networks.appnet.IPAddress}}'));
    expect(new Set(ips).size).toBe(3);
    const r = m('run', '--rm', '--network', 'appnet', IMG, 'sh', '-c',
      'cat /etc/resolv.conf; nslookup web1; ping -c1 -W2 web2 >/dev/null && echo ping-ok; for i in 1 2 3; do nslookup -type=a web; done');
    expect(r.stdout).toMatch(/nameserver 10\.89\.\d+\.1/);
    expect(r.stdout).toMatch(new RegExp(`Name:\\s+web1\\nAddress:\\s+${ips[0].replace(/\./g, '\\.')}`));
    expect(r.stdout).toContain('ping-ok');
    // Each answer for the alias has all three addresses, and the first one rotates between answers.
    // (ping would not show it: glibc's getaddrinfo re-sorts addresses by prefix match, RFC 6724 rule 9.)
    const answers = r.stdout.split('Server:').slice(2).map((b) => [...b.matchAll(/Name:\s+web\nAddress:\s+(\S+)/g)].map((x) => x[1]));
    expect(answers).toHaveLength(3);
    for (const a of answers) expect(new Set(a)).toEqual(new Set(ips));
    expect(new Set(answers.map((a) => a[0]))).toEqual(new Set(ips));
    // A name of the host's (forwarded) still resolves: localhost comes from /etc/hosts; unknown names fail cleanly.
    expect(m('run', '--rm', '--network', 'appnet', IMG, 'sh', '-c', 'nslookup no-such-name.invalid >/dev/null 2>&1; echo rc=$?').stdout).toMatch(/rc=\d/);
  });

  it("--dns on a user network: the embedded DNS stays the nameserver and asks the container's --dns (or the config's dns) for other names", async () => {
    // A resolver of the test's own on a loopback address of the host (where the supervisors'
    // embedded DNS forwards from): elsewhere.test is 10.1.2.3 (no AAAA), every other name NXDOMAIN
    // (busybox's nslookup tries the search domains first: web1.corp.test must not answer).
    const upstream = `127.0.0.${100 + (process.pid % 100)}`;
    const server = spawn(process.execPath, ['-e', `
      const s = require('node:dgram').createSocket('udp4');
      s.on('message', (q, from) => {
        let i = 12; while (q[i] !== 0) i += q[i] + 1;
        const end = i + 5, known = q.includes('\\x09elsewhere\\x04test\\x00', 12, 'latin1');
        const isA = known && q.readUInt16BE(i + 1) === 1;
        const h = Buffer.from(q.subarray(0, 12)); h.writeUInt16BE(known ? 0x8180 : 0x8183, 2); h.writeUInt16BE(1, 4); h.writeUInt16BE(isA ? 1 : 0, 6); h.fill(0, 8);
        const rr = Buffer.from([0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 0, 0, 4, 10, 1, 2, 3]);
        s.send(Buffer.concat([h, q.subarray(12, end), isA ? rr : Buffer.alloc(0)]), from.port, from.address);
      });
      s.bind(53, '${upstream}', () => console.log('ready'));`], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise((ok) => server.stdout!.once('data', ok));
      const ask = 'grep -E "^(nameserver|search)" /etc/resolv.conf; nslookup web1 | grep -A1 "^Name:"; timeout 5 nslookup elsewhere.test | grep -A1 "^Name:"';
      const web1 = inspect('web1', '{{.NetworkSettings.Networks.appnet.IPAddress}}');
      const withDns = m('run', '--rm', '--network', 'appnet', '--dns', upstream, IMG, 'sh', '-c', ask);
      expect(withDns.stderr).toBe('');
      const gw = /nameserver (10\.89\.\d+\.1)\n/.exec(withDns.stdout)?.[1];
      expect(gw, withDns.stdout).toBeDefined();
      expect(withDns.stdout).not.toContain(`nameserver ${upstream}`); // the servers are upstreams, not in resolv.conf (as docker's)
      // --dns-search still goes to resolv.conf (busybox's nslookup would then try web1.corp.test first: asked apart)
      expect(m('run', '--rm', '--network', 'appnet', '--dns', upstream, '--dns-search', 'corp.test', IMG, 'grep', '-E', '^(nameserver|search)', '/etc/resolv.conf').stdout)
        .toBe(`nameserver ${gw}\nsearch corp.test\n`);
      expect(withDns.stdout).toMatch(new RegExp(`Name:\\s+web1\\nAddress:\\s+${web1.replace(/\./g, '\\.')}`)); // the network's names still resolve
      expect(withDns.stdout).toMatch(/Name:\s+elsewhere\.test\nAddress:\s+10\.1\.2\.3/); // others went to --dns
      // The config file's dns is the default upstream; another container's --dns is not used for this one.
      const conf = join(root, 'dns-defaults.json');
      writeFileSync(conf, JSON.stringify({ dns: [upstream] }));
      const fromConfig = mr(root, ['run', '--rm', '--network', 'appnet', IMG, 'sh', '-c', ask], { env: { MINI_RUN_CONFIG: conf } });
      expect(fromConfig.stdout).toMatch(/Name:\s+elsewhere\.test\nAddress:\s+10\.1\.2\.3/);
      const plain = m('run', '--rm', '--network', 'appnet', IMG, 'sh', '-c', ask);
      expect(plain.stdout).toMatch(new RegExp(`Name:\\s+web1\\nAddress:\\s+${web1.replace(/\./g, '\\.')}`));
      expect(plain.stdout).not.toContain('10.1.2.3'); // the host's resolvers were asked, not the other containers' upstream
    } finally {
      server.kill();
    }
  });

  it('network rm is refused while containers use it; --ip picks an address of the subnet', () => {
    expect(m('network', 'rm', 'appnet').stderr).toMatch(/active endpoints/);
    m('rm', '-f', 'web1', 'web2', 'web3');
    expect(myLeases()).toEqual([]);
    // the network stays without containers, and nothing stale: its rules went with the last one
    expect(sh(`ip link show dev ${bridge}`).status).toBe(0);
    expect(sh('iptables -w -t nat -S').stdout).not.toContain(bridge);
    // (a subnet of this run's own: another run of this file may hold its "fixed" network right now)
    const n = `10.89.${200 + (process.pid % 50)}`;
    const fixed = m('network', 'create', '--subnet', `${n}.0/24`, '--gateway', `${n}.254`, 'fixed');
    expect(fixed.stderr).toBe('');
    const r = m('run', '--rm', '--network', 'fixed', '--ip', `${n}.7`, IMG, 'sh', '-c', 'ip -o -4 addr show eth0; ip route');
    expect(r.stdout).toContain(`inet ${n}.7/24`);
    expect(r.stdout).toContain(`default via ${n}.254`);
    expect(m('network', 'create', '--subnet', `${n}.0/25`, 'overlap').status).toBe(1);
  });

  it('--internal: no default route out; network prune removes unused networks', () => {
    expect(m('network', 'create', '--internal', 'secret').status).toBe(0);
    const r = m('run', '--rm', '--network', 'secret', IMG, 'sh', '-c', 'ip route');
    expect(r.stdout).not.toMatch(/default/);
    const p = m('network', 'prune', '-f');
    expect(p.stdout).toMatch(/secret/);
    expect(p.stdout).toMatch(/appnet/);
    expect(m('network', 'ls', '-q').stdout).not.toMatch(/secret/);
  });

  it('ls -f dangling=true lists exactly what network prune takes: a network a stopped container is set to join is in use for both', () => {
    for (const n of ['mr-idle', 'mr-held', 'mr-joined']) expect(m('network', 'create', n).status).toBe(0);
    expect(m('create', '--name', 'heldby', '--network', 'mr-held', IMG, 'true').status).toBe(0);
    expect(m('create', '--name', 'joiner', IMG, 'true').status).toBe(0);
    expect(m('network', 'connect', 'mr-joined', 'joiner').status).toBe(0); // recorded, joined at its start
    try {
      expect(mrNames(m('network', 'ls', '-f', 'dangling=true', '--format', '{{.Name}}').stdout)).toEqual(['mr-idle']);
      expect(mrNames(m('network', 'ls', '-f', 'dangling=false', '--format', '{{.Name}}').stdout)).toEqual(['mr-held', 'mr-joined']);
      const p = m('network', 'prune', '-f');
      expect([p.status, mrNames(p.stdout)]).toEqual([0, ['mr-idle']]);
      expect(mrNames(m('network', 'ls', '--format', '{{.Name}}').stdout)).toEqual(['mr-held', 'mr-joined']);
    } finally {
      expect(m('rm', 'heldby', 'joiner').status).toBe(0);
    }
    const p = m('network', 'prune', '-f');
    expect(mrNames(p.stdout)).toEqual(['mr-held', 'mr-joined']);
  });

  it('refuses what docker refuses', () => {
    expect(m('run', '--rm', '--network', 'nosuchnet', IMG, 'true').stderr).toMatch(/network nosuchnet not found/);
    expect(m('run', '--rm', '--network-alias', 'x', IMG, 'true').stderr).toMatch(/only for containers in user defined networks/);
    expect(m('network', 'rm', 'bridge').status).toBe(1);
  });
});
