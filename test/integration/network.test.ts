/**
 * Networking, checked the way a user would: the default bridge (address, route, MAC, the
 * outside reached through NAT), published ports over TCP and UDP from the host's 127.0.0.1,
 * container:NAME, concurrent starts, a crash — and after each, the host: no veth, rule or
 * address of ours left.
 *
 * "The outside" is a network namespace this test makes itself (mr-test-out-PID) joined to the
 * host by a veth; nothing here talks to a real outside address.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import * as net from 'node:net';
import * as dgram from 'node:dgram';
import { join, resolve } from 'node:path';
import { BIN, leaksFor, mr, removeRoot, tempRoot, until } from '../helpers/cli';
import { leases, sh } from '../helpers/network';

let root: string;
const IMG = 'mini-run/busybox';
const m = (...args: string[]) => mr(root, args);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const inspect = (name: string, tpl: string) => m('inspect', '-f', tpl, name).stdout.trim();

/** A TCP/UDP port nobody listens on right now. */
function freePort(): Promise<number> {
  return new Promise((res) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => res(p));
    });
  });
}

/** What this root still holds on the host: addresses, veths, DNAT rules of its containers. */
function networkLeaks(): string[] {
  const mine = leases().filter((l) => l.root === resolve(root));
  const ids = existsSync(join(root, 'containers')) ? readdirSync(join(root, 'containers')) : [];
  const links = sh('ip -o link show').stdout;
  const rules = sh('iptables -w -t nat -S').stdout;
  return [
    ...mine.map((l) => `address: ${l.ip} (${l.containerId.slice(0, 12)})`),
    ...ids.filter((id) => links.includes(`mr-${id.slice(0, 8)}`)).map((id) => `veth: mr-${id.slice(0, 8)}`),
    ...ids.filter((id) => rules.includes(`mr-${id.slice(0, 12)}`)).map((id) => `rule for ${id.slice(0, 12)}`),
  ];
}

/**
 * With no container of anyone on the bridge, `system prune` gives the host back: nothing of
 * ours may remain. (The idle default bridge and its rules stay until then, as docker0 does.)
 */
function hostGivenBack(): string[] {
  expect(m('system', 'prune').status).toBe(0);
  if (leases().length > 0) return []; // another session's containers use it right now
  const out: string[] = [];
  if (sh('ip link show dev mini-run0').status === 0) out.push('bridge mini-run0');
  for (const t of ['nat', 'filter', 'raw']) out.push(...sh(`iptables -w -t ${t} -S`).stdout.split('\n').filter((l) => l.includes('MINI-RUN')));
  return out;
}

beforeAll(() => {
  root = tempRoot('net');
  expect(m('run', '--rm', '--network', 'none', IMG, 'true').status).toBe(0);
});

afterEach(async () => {
  // Each test removes its containers; then this root holds nothing on the host.
  await until(() => networkLeaks().length === 0, 5000).catch(() => undefined);
  expect(networkLeaks()).toEqual([]);
});

afterAll(() => {
  const ids = existsSync(join(root, 'containers')) ? readdirSync(join(root, 'containers')) : [];
  if (ids.length) m('rm', '-f', ...ids);
  expect(networkLeaks()).toEqual([]);
  expect(hostGivenBack()).toEqual([]);
  expect(leaksFor(root)).toEqual([]);
  removeRoot(root);
});

describe('the default bridge', () => {
  it('gives eth0 an address of 10.88.0.0/16, a docker-style MAC and a default route via 10.88.0.1', () => {
    const r = m('run', '--rm', IMG, 'sh', '-c', 'ip -o -4 addr show eth0; cat /sys/class/net/eth0/address; ip route; hostname; grep "$(hostname)" /etc/hosts');
    expect(r.status).toBe(0);
    const ip = /inet (10\.88\.\d+\.\d+)\/16/.exec(r.stdout)?.[1];
    expect(ip).toBeDefined();
    const [a, b, c, d] = ip!.split('.').map((n) => Number(n).toString(16).padStart(2, '0'));
    expect(r.stdout).toContain(`02:42:${a}:${b}:${c}:${d}`);
    expect(r.stdout).toMatch(/default via 10\.88\.0\.1 dev eth0/);
    expect(r.stdout).toMatch(new RegExp(`${ip!.replace(/\./g, '\\.')}\\s+[0-9a-f]{12}`)); // its own name in /etc/hosts
  });

  it('inspect shows NetworkSettings while it runs; stop releases the address and the veth', async () => {
    const started = m('run', '-d', '--name', 'aa', IMG, 'sleep', '1000');
    expect(started.stderr).toBe('');
    expect(started.status).toBe(0);
    const ip = inspect('aa', '{{.NetworkSettings.IPAddress}}');
    expect(ip).toMatch(/^10\.88\.\d+\.\d+$/);
    expect(inspect('aa', '{{.NetworkSettings.Gateway}} {{.NetworkSettings.Networks.bridge.IPAddress}}')).toBe(`10.88.0.1 ${ip}`);
    expect(inspect('aa', '{{.NetworkSettings.MacAddress}}')).toMatch(/^02:42:0a:58:/);
    const id = inspect('aa', '{{.Id}}');
    expect(sh(`ip -o link show mr-${id.slice(0, 8)}`).stdout).toContain('master mini-run0');
    // The bridge's own MAC, fixed (not its ports' lowest, which changes as veths come and go).
    expect(readFileSync('/sys/class/net/mini-run0/address', 'utf8').trim()).toBe('02:42:0a:58:00:01');
    expect(leases().some((l) => l.ip === ip && l.containerId === id)).toBe(true);
    expect(m('info').stdout).toMatch(/^Firewall Backend: (iptables-nft|iptables-legacy|nft)/m);
    m('stop', '-t', '0', 'aa');
    expect(inspect('aa', '{{.NetworkSettings.IPAddress}}')).toBe('');
    expect(networkLeaks()).toEqual([]);
    m('rm', 'aa');
  });

  it('containers on the bridge reach each other (ping and TCP)', async () => {
    m('run', '-d', '--name', 'srv', IMG, 'sh', '-c', 'echo from-srv > /tmp/index.html; httpd -f -p 80 -h /tmp');
    const ip = inspect('srv', '{{.NetworkSettings.IPAddress}}');
    const r = m('run', '--rm', IMG, 'sh', '-c', `ping -c1 -W2 ${ip} >/dev/null && echo ping-ok; wget -qO- http://${ip}/`);
    expect(r.stdout).toBe('ping-ok\nfrom-srv\n');
    m('rm', '-f', 'srv');
  });

  it('reaches "the outside" through NAT: a namespace made by this test sees the host as the source', async () => {
    const ns = `mr-test-out-${process.pid}`;
    const hostIf = `mr-to${process.pid % 100000}`;
    const o = 200 + (process.pid % 50);
    const [hostIp, outIp] = [`10.199.${o}.1`, `10.199.${o}.2`];
    try {
      expect(sh(`ip netns add ${ns} && ip link add ${hostIf} type veth peer name eth0 netns ${ns} && ip addr add ${hostIp}/30 dev ${hostIf} && ip link set ${hostIf} up && ip -n ${ns} addr add ${outIp}/30 dev eth0 && ip -n ${ns} link set eth0 up && ip -n ${ns} link set lo up`).status).toBe(0);
      // A server in that namespace answers with the address the connection came from.
      const server = spawn('ip', ['netns', 'exec', ns, process.execPath, '-e',
        `require('net').createServer((s) => s.end('from ' + s.remoteAddress.replace('::ffff:', '') + '\\n')).listen(7000, () => console.log('up'))`], { stdio: ['ignore', 'pipe', 'inherit'] });
      await new Promise((r) => server.stdout!.once('data', r));
      try {
        const r = m('run', '--rm', IMG, 'sh', '-c', `nc ${outIp} 7000 </dev/null`);
        expect(r.stdout.trim()).toBe(`from ${hostIp}`); // masqueraded: not 10.88.x.x
      } finally {
        server.kill();
      }
    } finally {
      sh(`ip link del ${hostIf}; ip netns del ${ns}`);
    }
  });

  it('--ip and --mac-address choose them; a taken address is refused', () => {
    m('run', '-d', '--name', 'fixed', '--ip', '10.88.200.9', '--mac-address', '02:42:aa:bb:cc:dd', IMG, 'sleep', '1000');
    expect(inspect('fixed', '{{.NetworkSettings.IPAddress}} {{.NetworkSettings.MacAddress}}')).toBe('10.88.200.9 02:42:aa:bb:cc:dd');
    const r = m('run', '--rm', '--ip', '10.88.200.9', IMG, 'true');
    expect(r.status).toBe(125);
    expect(r.stderr).toMatch(/Address already in use/);
    m('rm', '-f', 'fixed');
  });

  it('concurrent starts never get the same address', async () => {
    const runs = Array.from({ length: 6 }, (_, i) => new Promise<number>((res) => {
      const p = spawn(process.execPath, [BIN, '--root', root, 'run', '-d', '--name', `c${i}`, IMG, 'sleep', '1000'], { stdio: 'ignore' });
      p.on('exit', (code) => res(code ?? -1));
    }));
    expect(await Promise.all(runs)).toEqual([0, 0, 0, 0, 0, 0]);
    const ips = Array.from({ length: 6 }, (_, i) => inspect(`c${i}`, '{{.NetworkSettings.IPAddress}}'));
    expect(new Set(ips).size).toBe(6);
    m('rm', '-f', 'c0', 'c1', 'c2', 'c3', 'c4', 'c5');
  });

  it('a crashed foreground run: its address is released by the next command', async () => {
    const p = spawn(process.execPath, [BIN, '--root', root, 'run', '--name', 'crash', IMG, 'sleep', '1000'], { stdio: 'ignore' });
    await until(() => inspect('crash', '{{.NetworkSettings.IPAddress}}').startsWith('10.88.'));
    p.kill('SIGKILL');
    await new Promise((r) => p.on('exit', r));
    m('ps', '-a'); // sweeps
    expect(inspect('crash', '{{.State.Status}}')).toBe('exited');
    await until(() => networkLeaks().length === 0);
    m('rm', 'crash');
  });
});

describe('the host-wide rules', () => {
  const ourRules = () => ['nat', 'filter', 'raw'].flatMap((t) => sh(`iptables -w -t ${t} -S`).stdout.split('\n').filter((l) => l.includes('MINI-RUN')));
  /** Everybody else's rules (Docker's, the host's): ours must never touch them. */
  const otherRules = () => ['nat', 'filter', 'raw'].flatMap((t) => sh(`iptables -w -t ${t} -S`).stdout.split('\n').filter((l) => !l.includes('MINI-RUN')));
  const bridgeUp = () => sh('ip link show dev mini-run0').status === 0;

  it('stay, with the bridge, after the last container (as docker0 does); system prune removes them; batched or one at a time (a leftover chain forces the latter) they are the same', async () => {
    expect(m('system', 'prune').status).toBe(0); // an idle bridge another test file left
    if (sh('iptables --version').status !== 0 || leases().length > 0 || ourRules().length > 0 || bridgeUp()) {
      console.log('host-wide rules test: skipped (no iptables, or another run holds the bridge right now)');
      return;
    }
    const others = otherRules();
    const snapshot = (name: string) => {
      expect(m('run', '-d', '--name', name, IMG, 'sleep', '100').status).toBe(0);
      const rules = ourRules();
      expect(m('rm', '-f', name).status).toBe(0);
      // Idle: the bridge, our chains and the bridge's rules stay; the next container only adds its veth.
      expect(bridgeUp()).toBe(true);
      expect(ourRules()).toEqual(rules);
      expect(m('system', 'prune').stdout).toMatch(/network state swept/);
      expect(bridgeUp()).toBe(false);
      expect(ourRules()).toEqual([]);
      return rules;
    };
    const batched = snapshot('batch1');
    expect(batched.length).toBeGreaterThan(10);
    // A crash between creating a chain and recording it leaves an empty chain of ours behind.
    sh('iptables -w -t nat -N MINI-RUN-POSTROUTING');
    const oneByOne = snapshot('batch2');
    expect(oneByOne).toEqual(batched);
    expect(otherRules()).toEqual(others);
  });

  it('in a network namespace of the test\'s own: a second container on the idle bridge starts no iptables and no bridge; system prune and network prune take the bridge, chains and rules and set ip_forward back', () => {
    // Its own namespace (its own interfaces, iptables tables and ip_forward) and its own network
    // state directory: ip_forward can start at 0 here without touching the host's.
    const ns = `mr-test-idle-${process.pid}`;
    const env = { ...process.env, MINI_RUN_RUNDIR: join(root, 'idle-run') };
    const inNs = (cmd: string) => spawnSync('ip', ['netns', 'exec', ns, 'sh', '-c', cmd], { encoding: 'utf8' });
    const mrNs = (...args: string[]) => spawnSync('nsenter', [`--net=/run/netns/${ns}`, process.execPath, BIN, '--root', root, ...args], { env, encoding: 'utf8' });
    const state = () => ({
      bridge: inNs('ip link show dev mini-run0').status === 0,
      rules: ['nat', 'filter', 'raw'].flatMap((t) => inNs(`iptables -w -t ${t} -S`).stdout.split('\n').filter((l) => l.includes('MINI-RUN'))).length,
      forward: inNs('cat /proc/sys/net/ipv4/ip_forward').stdout.trim(),
    });
    expect(sh(`ip netns add ${ns}`).status).toBe(0);
    try {
      expect(inNs('ip link set lo up && echo 0 > /proc/sys/net/ipv4/ip_forward').status).toBe(0);
      for (const prune of [['system', 'prune'], ['network', 'prune', '-f']]) {
        expect(state()).toEqual({ bridge: false, rules: 0, forward: '0' });
        const first = mrNs('run', '--rm', IMG, 'true');
        expect([first.status, first.stderr]).toEqual([0, '']);
        const idle = state();
        expect(idle).toMatchObject({ bridge: true, forward: '1' });
        expect(idle.rules).toBeGreaterThan(10);
        // The next container: its veth and address only (--trace lists every command run and
        // every netlink request, with the ip command that sends the same message).
        const second = mrNs('--trace', 'run', '--rm', IMG, 'sh', '-c', 'ip -o -4 addr show eth0');
        expect(second.status).toBe(0);
        expect(second.stdout).toMatch(/inet 10\.88\./);
        expect(second.stderr).toMatch(/netlink RTM_NEWLINK .* = 0 \(ip link add mr-\S+ type veth/);
        expect(second.stderr).not.toMatch(/\[run\] exec |ip link add mini-run0|ip link del mini-run0/); // no process at all: no iptables, ip or nsenter
        expect(state()).toEqual(idle);
        const pruned = mrNs(...prune);
        expect([pruned.status, pruned.stderr]).toEqual([0, '']);
        expect(state()).toEqual({ bridge: false, rules: 0, forward: '0' });
      }
    } finally {
      sh(`ip netns del ${ns}`);
    }
    expect(sh('ip netns list').stdout).not.toContain(ns);
  });
});

describe('modes', () => {
  it('--network none: only lo; --network host: the host interfaces', () => {
    expect(m('run', '--rm', '--network', 'none', IMG, 'sh', '-c', 'ls /sys/class/net').stdout.split(/\s+/).filter(Boolean)).toEqual(['lo']);
    // (veths and bridges of ours come and go with other containers: compare the rest)
    const stable = (names: string[]) => names.filter((n) => !n.startsWith('mr-') && n !== 'mini-run0').sort();
    const host = stable(readdirSync('/sys/class/net'));
    expect(stable(m('run', '--rm', '--network', 'host', IMG, 'sh', '-c', 'ls /sys/class/net').stdout.split(/\s+/).filter(Boolean))).toEqual(host);
  });

  it('--network container:NAME shares the other container\'s interfaces and address', () => {
    m('run', '-d', '--name', 'base', IMG, 'sh', '-c', 'echo shared > /tmp/index.html; httpd -f -p 127.0.0.1:8081 -h /tmp');
    const ip = inspect('base', '{{.NetworkSettings.IPAddress}}');
    const r = m('run', '--rm', '--network', 'container:base', IMG, 'sh', '-c', 'ip -o -4 addr show eth0; wget -qO- http://127.0.0.1:8081/');
    expect(r.stdout).toContain(`inet ${ip}/16`);
    expect(r.stdout).toContain('shared');
    m('rm', '-f', 'base');
  });
});

describe('published ports', () => {
  it('-p HOST:80 serves busybox httpd on 127.0.0.1:HOST and the host address (DNAT), and to itself via the gateway (proxy); port and ps show it', async () => {
    const port = await freePort();
    expect(m('run', '-d', '--name', 'web', '-p', `${port}:80`, IMG, 'sh', '-c', 'echo hello-web > /tmp/index.html; httpd -f -p 80 -h /tmp').status).toBe(0);
    let body = '';
    await until(() => (body = sh(`timeout 10 busybox wget -qO- http://127.0.0.1:${port}/`).stdout) !== '');
    expect(body).toBe('hello-web\n');
    const hostAddr = sh("ip -o -4 addr show scope global | awk '{print $4}' | cut -d/ -f1 | grep -v '^10\\.88\\.' | head -1").stdout.trim();
    if (hostAddr) expect(sh(`timeout 10 busybox wget -qO- http://${hostAddr}:${port}/`).stdout).toBe('hello-web\n');
    // From another container of the same bridge, to the host's address (not DNAT-ed: the userland proxy).
    if (hostAddr) expect(m('run', '--rm', IMG, 'timeout', '10', 'wget', '-qO-', `http://${hostAddr}:${port}/`).stdout).toBe('hello-web\n');
    // Hairpin: the container reaches its own published port through a host address (the userland proxy).
    expect(m('exec', 'web', 'timeout', '10', 'wget', '-qO-', `http://10.88.0.1:${port}/`).stdout).toBe('hello-web\n');
    expect(readFileSync('/proc/sys/net/ipv4/conf/mini-run0/route_localnet', 'utf8').trim()).toBe('1'); // 127.0.0.1 by DNAT
    expect(m('port', 'web').stdout).toBe(`80/tcp -> 0.0.0.0:${port}\n`);
    expect(m('ps', '--format', '{{.Ports}}').stdout.trim()).toBe(`0.0.0.0:${port}->80/tcp`);
    const id = inspect('web', '{{.Id}}');
    expect(sh('iptables -w -t nat -S MINI-RUN-DNAT').stdout).toContain(`mr-${id.slice(0, 12)}`);
    // The port is ours while it runs: a second container cannot take it.
    const clash = m('run', '--rm', '-p', `${port}:80`, IMG, 'true');
    expect(clash.status).toBe(125);
    expect(clash.stderr).toMatch(/port is already allocated/);
    m('rm', '-f', 'web');
    expect(sh('iptables -w -t nat -S').stdout).not.toContain(`mr-${id.slice(0, 12)}`);
    expect(sh(`timeout 10 busybox wget -qO- http://127.0.0.1:${port}/ 2>&1`).status).not.toBe(0);
  });

  it('-p .../udp forwards datagrams both ways', async () => {
    const port = await freePort();
    expect(m('run', '-d', '--name', 'udp', '-p', `${port}:5353/udp`, IMG, 'sleep', '1000').status).toBe(0);
    const pid = inspect('udp', '{{.State.Pid}}');
    // busybox has no UDP server: an echo server of ours inside the container's network namespace.
    const echo = spawn('nsenter', [`--net=/proc/${pid}/ns/net`, process.execPath, '-e',
      `const s=require('dgram').createSocket('udp4');s.on('message',(m,r)=>s.send('echo:'+m,r.port,r.address));s.bind(5353,()=>console.log('up'))`], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise((r) => echo.stdout!.once('data', r));
    try {
      const reply = await new Promise<string>((res, rej) => {
        const c = dgram.createSocket('udp4');
        const t = setTimeout(() => { c.close(); rej(new Error('no UDP reply')); }, 3000);
        c.on('message', (msg) => { clearTimeout(t); c.close(); res(msg.toString()); });
        c.send('hi', port, '127.0.0.1');
      });
      expect(reply).toBe('echo:hi');
      expect(m('port', 'udp', '5353/udp').stdout).toBe(`0.0.0.0:${port}\n`);
    } finally {
      echo.kill();
    }
    m('rm', '-f', 'udp');
  });

  it('-P publishes EXPOSE ports of the image; -p without a host port picks a free one', async () => {
    expect(m('run', '-d', '--name', 'anyport', '-p', '80', IMG, 'sh', '-c', 'echo any > /tmp/index.html; httpd -f -p 80 -h /tmp').status).toBe(0);
    const line = m('port', 'anyport').stdout.trim();
    const port = Number(/^80\/tcp -> 0\.0\.0\.0:(\d+)$/.exec(line)?.[1]);
    expect(port).toBeGreaterThan(1024);
    let body = '';
    await until(() => (body = sh(`timeout 10 busybox wget -qO- http://127.0.0.1:${port}/`).stdout) !== '');
    expect(body).toBe('any\n');
    m('rm', '-f', 'anyport');
  });

  it('refuses -p with --network none or host', () => {
    const r = m('run', '--rm', '--network', 'none', '-p', '8080:80', IMG, 'true');
    expect(r.status).toBe(125);
    expect(r.stderr).toMatch(/needs a bridge network/);
  });
});

describe('names on the default bridge', () => {
  it('--link NAME:ALIAS, --add-host, --dns and --dns-search write /etc/hosts and resolv.conf', () => {
    m('run', '-d', '--name', 'db', IMG, 'sleep', '1000');
    const ip = inspect('db', '{{.NetworkSettings.IPAddress}}');
    const r = m('run', '--rm', '--link', 'db:database', '--add-host', 'extra.test:10.1.2.3', '--dns', '10.88.0.1', '--dns-search', 'corp.test', IMG,
      'sh', '-c', 'cat /etc/hosts /etc/resolv.conf; ping -c1 -W2 database >/dev/null && echo ping-ok');
    expect(r.stdout).toMatch(new RegExp(`${ip.replace(/\./g, '\\.')}\\tdatabase db`));
    expect(r.stdout).toContain('10.1.2.3\textra.test');
    expect(r.stdout).toContain('nameserver 10.88.0.1');
    expect(r.stdout).toContain('search corp.test');
    expect(r.stdout).toContain('ping-ok');
    m('rm', '-f', 'db');
  });
});

describe('nft-only hosts', () => {
  it.skipIf(sh('nft --version').status !== 0)('MINI_RUN_FIREWALL=nft keeps everything in the table ip mini_run, removed by system prune once idle', async () => {
    // Isolated from other runs on this host: its own state directory, bridge and subnet.
    const env = {
      MINI_RUN_FIREWALL: 'nft', MINI_RUN_RUNDIR: join(root, 'nft-run'), MINI_RUN_BRIDGE: `mr-nft${process.pid % 100000}`,
      MINI_RUN_BRIDGE_SUBNET: '10.87.0.0/16', MINI_RUN_BRIDGE_GATEWAY: '10.87.0.1',
    };
    const n = (...args: string[]) => mr(root, args, { env });
    if (sh('nft list table ip mini_run').status === 0) return; // another run uses nft right now
    const port = await freePort();
    expect(n('run', '-d', '--name', 'nftweb', '-p', `${port}:80`, IMG, 'sh', '-c', 'echo via-nft > /tmp/index.html; httpd -f -p 80 -h /tmp').stderr).toBe('');
    expect(n('info').stdout).toMatch(/^Firewall Backend: nft/m);
    const table = sh('nft list table ip mini_run').stdout;
    expect(table).toMatch(new RegExp(`tcp dport ${port} dnat to 10\\.87\\.0\\.\\d+:80`));
    expect(table).toContain('masquerade');
    expect(table).toMatch(/ip saddr 127\.0\.0\.0\/8 oifname "mr-nft\d+" masquerade/); // 127.0.0.1 by DNAT
    expect(table).toMatch(/iifname "mr-nft\d+" ip daddr 127\.0\.0\.0\/8 drop/);
    expect(table).toMatch(/iifname "mr-nft\d+" oifname != "mr-nft\d+" jump isolation2/);
    let body = '';
    await until(() => (body = sh(`timeout 10 busybox wget -qO- http://127.0.0.1:${port}/`).stdout) !== '');
    expect(body).toBe('via-nft\n');
    const hostAddr = sh("ip -o -4 addr show scope global | awk '{print $4}' | cut -d/ -f1 | grep -v '^10\\.8[78]\\.' | head -1").stdout.trim();
    if (hostAddr) expect(sh(`timeout 10 busybox wget -qO- http://${hostAddr}:${port}/`).stdout).toBe('via-nft\n'); // the DNAT rule, from the host
    n('rm', '-f', 'nftweb');
    expect(sh('nft list table ip mini_run').status).toBe(0); // kept with the idle bridge, until a prune
    expect(n('system', 'prune').status).toBe(0);
    expect(sh('nft list table ip mini_run').status).not.toBe(0);
    expect(sh(`ip link show dev ${env.MINI_RUN_BRIDGE}`).status).not.toBe(0);
  });
});
