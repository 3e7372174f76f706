/**
 * The bridge's kernel requests are netlink messages of our own (network/bridge.ts through
 * sys/netlink.ts, sys/rtnetlink.ts): checked here as an attacker would poke at them. The veth's
 * peer is created in the namespace of `/proc/PID/ns/net` and eth0 is configured through a socket
 * made inside it — so a PID that names no container (the host's own process, one that exited)
 * must be refused with one clean line, and every failure, early or late, must leave no veth,
 * no lease and no eth0 on the host.
 *
 * All of it runs in a network namespace of the test's own, standing in for the host (its own
 * links, iptables tables and ip_forward), with a network state directory of its own: the real
 * host's bridge and rules are never touched. The "containers" are `unshare -n sleep` processes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const NS = `mr-test-nl-${process.pid}`;
const DIST = resolve(__dirname, '../../dist');
let stateDir: string;
const children: ChildProcess[] = [];

const sh = (cmd: string) => spawnSync('sh', ['-c', cmd], { encoding: 'utf8' });
const inNs = (cmd: string) => spawnSync('ip', ['netns', 'exec', NS, 'sh', '-c', cmd], { encoding: 'utf8' });

interface Outcome { error?: string; ip?: string; trace: string[]; links: string[]; leases: number }

/**
 * attachContainer for `pid` on a test bridge, in a fresh Node inside the test's namespace (its
 * "host"); `detach` then undoes it. What it returned or threw, the trace's netlink lines, and
 * what the "host" has afterwards: its links and the leases in the state.
 */
function attach(pid: number | 'self', opts: { gateway?: string; detach?: boolean } = {}): Outcome {
  const script = `
    const { attachContainer, detachContainer } = require(${JSON.stringify(join(DIST, 'network/bridge.js'))});
    const { readHostNetState } = require(${JSON.stringify(join(DIST, 'network/host-state.js'))});
    const { processStartTime } = require(${JSON.stringify(join(DIST, 'sys/proc-stat.js'))});
    const { onTrace } = require(${JSON.stringify(join(DIST, 'sys/trace.js'))});
    const { readFileSync } = require('node:fs');
    const a = JSON.parse(process.argv[1]);
    const trace = [];
    onTrace((l) => { if (l.includes('netlink ')) trace.push(l); });
    const net = { name: 'nltest', bridge: 'mr-nltest', subnet: '10.251.0.0/24', gateway: a.gateway ?? '10.251.0.1' };
    const id = 'c0ffee00'.padEnd(64, '0');
    const out = { trace };
    try {
      const e = attachContainer({ root: '/nltest', containerId: id, pid: a.pid === 'self' ? process.pid : a.pid, net, ports: [],
        monitor: { pid: process.pid, startTime: processStartTime(process.pid) } });
      out.ip = e.ip;
      if (a.detach) detachContainer('/nltest', id);
    } catch (e) { out.error = e.message; }
    out.links = readFileSync('/proc/self/net/dev', 'utf8').split('\\n').slice(2).map((l) => l.split(':')[0].trim()).filter(Boolean).sort();
    out.leases = readHostNetState().leases.length;
    process.stdout.write(JSON.stringify(out));
  `;
  const r = spawnSync('ip', ['netns', 'exec', NS, process.execPath, '-e', script, JSON.stringify({ pid, ...opts })],
    { encoding: 'utf8', env: { ...process.env, MINI_RUN_RUNDIR: stateDir } });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Outcome;
}

/** A "container": a process in a network namespace of its own (made inside the test's), after `setup` ran there. */
async function container(setup = 'true'): Promise<number> {
  const c = spawn('ip', ['netns', 'exec', NS, 'unshare', '-n', 'sh', '-c', `${setup} && exec sleep 100`], { stdio: 'ignore' });
  children.push(c);
  const hostNs = spawnSync('ip', ['netns', 'exec', NS, 'readlink', '/proc/self/ns/net'], { encoding: 'utf8' }).stdout.trim();
  for (let i = 0; i < 200; i++) {
    try {
      const ns = readlinkSync(`/proc/${c.pid}/ns/net`);
      const comm = spawnSync('cat', [`/proc/${c.pid}/comm`], { encoding: 'utf8' }).stdout.trim();
      if (ns !== hostNs && comm === 'sleep') return c.pid!;
    } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('the container process did not start');
}

const NO_VETH = (o: Outcome) => o.links.filter((l) => l.startsWith('mr-c0ffee') || l === 'eth0');

beforeAll(() => {
  stateDir = mkdtempSync(join(tmpdir(), 'mr-nltest-'));
  expect(sh(`ip netns add ${NS}`).status).toBe(0);
  expect(inNs('ip link set lo up').status).toBe(0);
});

afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  sh(`ip netns del ${NS}`); // the test's "host": its bridge, veths and rules go with it
  rmSync(stateDir, { recursive: true, force: true });
  expect(sh('ip netns list').stdout).not.toContain(NS);
});

describe('the bridge through netlink', () => {
  it('a container: its veth, eth0 with its address, up, the default route — each a netlink request with its ip command; detach leaves nothing', async () => {
    const pid = await container();
    const o = attach(pid, { detach: true });
    expect(o.error).toBeUndefined();
    expect(o.ip).toMatch(/^10\.251\.0\.\d+$/);
    const shown = o.trace.map((l) => l.replace(/^.*?netlink /, ''));
    expect(shown.filter((l) => / = 0 \(/.test(l)).map((l) => l.replace(/.* = 0 \((.*)\)$/, '$1').replace(/02(:[0-9a-f]{2}){5}/, 'MAC').replace(/netns \d+/, 'netns PID')))
      .toEqual(expect.arrayContaining([
        'ip link add mr-c0ffee00 type veth peer name eth0 address MAC netns PID',
        'ip link set mr-c0ffee00 master mr-nltest up',
        `ip addr add ${o.ip}/24 brd + dev eth0`,
        'ip link set eth0 up',
        'ip route add default via 10.251.0.1 dev eth0',
        'ip link del mr-c0ffee00',
      ]));
    expect(NO_VETH(o)).toEqual([]);
    expect(o.leases).toBe(0);
  });

  it('configured as the container sees it: eth0\'s address, broadcast, MAC and route', async () => {
    const pid = await container();
    const o = attach(pid);
    expect(o.error).toBeUndefined();
    const inside = sh(`nsenter --net=/proc/${pid}/ns/net sh -c 'ip -o -4 addr show eth0; cat /sys/class/net/eth0/operstate; ip route show default'`).stdout;
    expect(inside).toContain(`inet ${o.ip}/24 brd 10.251.0.255 scope global eth0`);
    expect(inside).toMatch(/default via 10\.251\.0\.1 dev eth0/);
    expect(inNs('ip -o link show master mr-nltest').stdout).toMatch(/mr-c0ffee00@if\d+: .*state UP/);
    // the container goes; the host end is ours to delete, as its supervisor does after the exit
    process.kill(pid, 'SIGKILL');
    const after = attach(pid); // a new start with the same id drops the dead one's lease and veth first; then it fails: gone
    expect(after.error).toMatch(/the process \d+ is gone/);
    expect(NO_VETH(after)).toEqual([]);
    expect(after.leases).toBe(0);
  });

  it('refuses a PID in the host\'s own network namespace: nothing of it is configured, no eth0 appears on the host', () => {
    const o = attach('self');
    expect(o.error).toMatch(/^network setup failed: process \d+ is in this host's own network namespace, not a container's: refusing to configure it$/);
    expect(o.trace.filter((l) => l.includes('mr-c0ffee') || l.includes('eth0'))).toEqual([]);
    expect(NO_VETH(o)).toEqual([]);
    expect(o.leases).toBe(0);
  });

  it('a container that exited before the request: one line, no veth, no lease', () => {
    const gone = spawnSync('ip', ['netns', 'exec', NS, 'sh', '-c', 'unshare -n true & echo $!; wait'], { encoding: 'utf8' });
    const o = attach(Number(gone.stdout.trim()));
    expect(o.error).toMatch(/^network setup failed: cannot open \/proc\/\d+\/ns\/net: the process \d+ is gone \(ENOENT\)$/);
    expect(NO_VETH(o)).toEqual([]);
    expect(o.leases).toBe(0);
  });

  it('the kernel refuses the veth (an eth0 already in the container): its reason, and no veth on the host', async () => {
    const pid = await container('ip link add eth0 type veth peer name eth9');
    const o = attach(pid);
    expect(o.error).toMatch(/^network setup failed: ip link add mr-c0ffee00 type veth peer name eth0 address \S+ netns \d+ failed: File exists/);
    expect(NO_VETH(o)).toEqual([]);
    expect(o.leases).toBe(0);
  });

  it('a refusal after the host end exists (a gateway outside the subnet): the kernel\'s sentence, and the host veth is deleted', async () => {
    const pid = await container();
    const o = attach(pid, { gateway: '10.252.0.1' });
    expect(o.error).toMatch(/ip route add default via 10\.252\.0\.1 dev eth0 failed: Network is unreachable \(Nexthop has invalid gateway\)$/);
    expect(o.trace.some((l) => /RTM_DELLINK .*\(ip link del mr-c0ffee00\)/.test(l))).toBe(true);
    expect(NO_VETH(o)).toEqual([]);
    expect(o.leases).toBe(0);
  });
});
