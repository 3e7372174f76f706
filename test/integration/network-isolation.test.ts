/**
 * Isolation between networks: a container on user network A reaches the containers of A, but
 * not those of user network B nor of the default bridge (the MINI-RUN-ISOLATION chains) —
 * except through a published port (DNAT), like any client. Also: localhost publishing by DNAT
 * needs route_localnet on our bridge, and packets from a container addressed to the host's
 * 127.0.0.0/8 are dropped. Afterwards no rule of these bridges is left, route_localnet is back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import * as net from 'node:net';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { leaksFor, mr, removeRoot, tempRoot } from '../helpers/cli';
import { leasesOf, rulesMentioning, sh } from '../helpers/network';

let root: string;
const IMG = 'mini-run/busybox';
const m = (...args: string[]) => mr(root, args);
const inspect = (name: string, tpl: string) => m('inspect', '-f', tpl, name).stdout.trim();
const ex = (name: string, cmd: string) => m('exec', name, 'sh', '-c', cmd);
const HTTPD = (text: string) => ['sh', '-c', `echo ${text} > /tmp/index.html; httpd -f -p 80 -h /tmp`];
const bridges: Record<string, string> = {};
const localnet = (bridge: string) => readFileSync(`/proc/sys/net/ipv4/conf/${bridge}/route_localnet`, 'utf8').trim();

function freePort(): Promise<number> {
  return new Promise((res) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => res(p));
    });
  });
}

beforeAll(() => {
  root = tempRoot('neti');
  for (const n of ['isoa', 'isob']) {
    expect(m('network', 'create', n).status).toBe(0);
    bridges[n] = JSON.parse(m('network', 'inspect', n).stdout)[0].Options['com.docker.network.bridge.name'];
  }
});

afterAll(() => {
  const ids = existsSync(join(root, 'containers')) ? readdirSync(join(root, 'containers')) : [];
  if (ids.length) m('rm', '-f', ...ids);
  for (const n of ['isoa', 'isob', 'isoint']) m('network', 'rm', n);
  expect(leasesOf(root)).toEqual([]);
  for (const b of Object.values(bridges)) {
    expect(rulesMentioning(b)).toEqual([]);
    expect(sh(`ip link show dev ${b}`).status).not.toBe(0);
  }
  expect(leaksFor(root)).toEqual([]);
  removeRoot(root);
});

describe('isolation between networks', () => {
  it('A reaches A; not B, not the default bridge (ping and TCP); B\'s published port is reachable; nothing left after', async () => {
    const port = await freePort();
    expect(m('run', '-d', '--name', 'a1', '--network', 'isoa', ...[IMG, ...HTTPD('from-a1')]).status).toBe(0);
    expect(m('run', '-d', '--name', 'b1', '--network', 'isob', '-p', `${port}:80`, ...[IMG, ...HTTPD('from-b1')]).status).toBe(0);
    expect(m('run', '-d', '--name', 'd1', ...[IMG, ...HTTPD('from-d1')]).status).toBe(0);
    const [a1, b1, d1] = ['a1', 'b1', 'd1'].map((n) => inspect(n, '{{.NetworkSettings.IPAddress}}'));
    const gwA = inspect('a1', '{{.NetworkSettings.Gateway}}');
    for (const b of Object.values(bridges)) expect(rulesMentioning(b).some((l) => l.includes('DROP') || l.includes('drop'))).toBe(true);
    // Each httpd answers (on its own address, from inside) before anything is asked across networks.
    for (const [n, ip] of [['a1', a1], ['b1', b1], ['d1', d1]]) {
      expect(ex(n, `for i in $(seq 50); do wget -qO /dev/null http://${ip}/ && exit 0; sleep 0.1; done; exit 1`).status).toBe(0);
    }
    // The probes that must fail wait for a timeout: run them side by side, print in order.
    // (busybox's wget -T crashes in this image: `timeout` bounds the attempts that must fail)
    const probes = [
      `ping -c1 -W1 ${a1} >/dev/null && echo ping-a1`,
      `wget -qO- http://${a1}/`,
      `ping -c1 -W1 ${b1} >/dev/null && echo ping-b1`,
      `timeout 1 wget -qO- http://${b1}/ 2>/dev/null || echo no-tcp-b1`,
      `ping -c1 -W1 ${d1} >/dev/null && echo ping-d1`,
      `timeout 1 wget -qO- http://${d1}/ 2>/dev/null || echo no-tcp-d1`,
      // b1's published port, through A's gateway (a host address): DNAT-ed, so allowed across networks
      `wget -qO- http://${gwA}:${port}/`,
    ];
    const parallel = (cmds: string[]) => cmds.map((c, i) => `(${c}) >/tmp/p${i} 2>/dev/null &`).join(' ') + ` wait; cat ${cmds.map((_, i) => `/tmp/p${i}`).join(' ')}`;
    const r = m('run', '--rm', '--network', 'isoa', IMG, 'sh', '-c', parallel(probes));
    expect(r.stdout).toBe('ping-a1\nfrom-a1\nno-tcp-b1\nno-tcp-d1\nfrom-b1\n');
    // The other way too: B and the default bridge do not reach A.
    expect(ex('b1', parallel([`ping -c1 -W1 ${a1} >/dev/null && echo reached || echo blocked`, `timeout 1 wget -qO- http://${a1}/ || echo blocked`])).stdout).toBe('blocked\nblocked\n');
    expect(ex('d1', `timeout 1 wget -qO- http://${a1}/ 2>/dev/null || echo blocked`).stdout).toBe('blocked\n');
    m('rm', '-f', 'a1', 'b1', 'd1');
    expect(leasesOf(root)).toEqual([]);
    // The networks stay (user networks), without rules or host settings of ours.
    for (const b of Object.values(bridges)) {
      expect(rulesMentioning(b)).toEqual([]);
      expect(localnet(b)).toBe('0');
    }
  });

  it('--internal: nothing is routed into or out of its bridge, even with a route there (a namespace made by this test as "the outside")', async () => {
    expect(m('network', 'create', '--internal', 'isoint').status).toBe(0);
    bridges.isoint = JSON.parse(m('network', 'inspect', 'isoint').stdout)[0].Options['com.docker.network.bridge.name'];
    const ns = `mr-test-iso-${process.pid}`;
    const hostIf = `mr-ti${process.pid % 100000}`;
    const o = 200 + (process.pid % 50);
    const [hostIp, outIp] = [`10.198.${o}.1`, `10.198.${o}.2`];
    try {
      expect(m('run', '-d', '--name', 'int1', '--network', 'isoint', IMG, 'sleep', '1000').status).toBe(0);
      const [ip, pid] = [inspect('int1', '{{.NetworkSettings.IPAddress}}'), inspect('int1', '{{.State.Pid}}')];
      const gw = JSON.parse(m('network', 'inspect', 'isoint').stdout)[0].IPAM.Config[0].Gateway;
      // The outside: a namespace joined to the host by a veth, with a route back to everything via the host.
      expect(sh(`ip netns add ${ns} && ip link add ${hostIf} type veth peer name eth0 netns ${ns} && ip addr add ${hostIp}/30 dev ${hostIf} && ip link set ${hostIf} up && ip -n ${ns} addr add ${outIp}/30 dev eth0 && ip -n ${ns} link set eth0 up && ip -n ${ns} route add default via ${hostIp}`).status).toBe(0);
      // A default route forged inside the container (from the host: it lacks CAP_NET_ADMIN).
      expect(sh(`nsenter --net=/proc/${pid}/ns/net ip route add default via ${gw}`).status).toBe(0);
      expect(ex('int1', `ping -c1 -W1 ${outIp} >/dev/null 2>&1 && echo reached || echo blocked`).stdout).toBe('blocked\n');
      expect(sh(`ip netns exec ${ns} ping -c1 -W1 ${ip} >/dev/null 2>&1 && echo reached || echo blocked`).stdout).toBe('blocked\n');
      expect(ex('int1', `ping -c1 -W1 ${gw} >/dev/null && echo gw-ok`).stdout).toBe('gw-ok\n'); // the host itself is still there
    } finally {
      sh(`ip link del ${hostIf}; ip netns del ${ns}`);
    }
    m('rm', '-f', 'int1');
    expect(rulesMentioning(bridges.isoint)).toEqual([]);
  });

  it('route_localnet is on for our bridge only while it has containers; packets from a container to the host\'s 127.0.0.0/8 are dropped', async () => {
    const b = bridges.isoa;
    expect(localnet(b)).toBe('0');
    expect(m('run', '-d', '--name', 'probe', '--network', 'isoa', IMG, 'sleep', '1000').status).toBe(0);
    expect(localnet(b)).toBe('1');
    expect(sh('cat /proc/sys/net/ipv4/conf/all/route_localnet').stdout.trim()).toBe('0'); // not host-wide
    const pid = inspect('probe', '{{.State.Pid}}');
    const gw = inspect('probe', '{{.NetworkSettings.Gateway}}');
    // A service on the host's 127.0.0.2 only; a container that forges a route to it (done here from
    // the host, with nsenter: the container itself lacks CAP_NET_ADMIN) must not reach it.
    const port = await freePort();
    const server = spawn(process.execPath, ['-e', `require('net').createServer((s) => s.end('leak\\n')).listen(${port}, '127.0.0.2', () => console.log('up'))`], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise((r) => server.stdout!.once('data', r));
      const forge = [
        'ip route del local 127.0.0.0/8 dev lo table local', `ip route add 127.0.0.2/32 via ${gw} dev eth0`,
        'sysctl -qw net.ipv4.conf.eth0.route_localnet=1', 'sysctl -qw net.ipv4.conf.all.route_localnet=1',
      ].join(' && ');
      const forged = sh(`nsenter --net=/proc/${pid}/ns/net sh -c '${forge}'`);
      expect(forged.stderr).toBe('');
      expect(forged.status).toBe(0);
      // (without the raw-table rule of firewall.ts, this prints "leak")
      expect(ex('probe', `nc -w 1 127.0.0.2 ${port} </dev/null`).stdout).not.toContain('leak');
    } finally {
      server.kill();
    }
    m('rm', '-f', 'probe');
    expect(localnet(b)).toBe('0');
  });
});
