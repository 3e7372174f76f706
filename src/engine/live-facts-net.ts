/**
 * The live network facts of a process (part of live-facts.ts): its interfaces as seen inside
 * its network namespace (through `nsenter … ip -j`, traced), the host end of each veth and
 * its bridge, and on the host whether a published port is listened on and DNATed.
 */
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { basename } from 'node:path';
import { UserError } from '../errors';
import { runCommand } from '../sys/command';
import { detectFirewall } from '../network/firewall';
import { readProcLink } from './live-facts-proc';

export interface InterfaceFact {
  name: string;
  ifindex: number;
  mac: string;
  /** operstate: UP, DOWN, UNKNOWN (loopback). */
  state: string;
  mtu: number;
  /** 'ADDRESS/PREFIX', IPv4 first. */
  addresses: string[];
  /** For one end of a veth pair: the other end, on the host, and the bridge it is plugged into. */
  peer?: { ifindex: number; hostName: string | null; bridge: string | null };
}

export interface NetworkFacts {
  /** The process shares the host's network namespace (--network host). */
  sharedWithHost: boolean;
  interfaces: InterfaceFact[];
  /** The default route's gateway inside, if any. */
  gateway: string | null;
}

interface IpAddrJson {
  ifindex: number; ifname: string; address?: string; operstate?: string; mtu?: number; link_index?: number;
  link_netnsid?: number; addr_info?: { family: string; local: string; prefixlen: number }[];
}

/** Run `ip ARGS…` inside the process's network namespace (nsenter), traced like every command. */
function ipInside(pid: number, args: string[]): unknown {
  const r = runCommand(['nsenter', '-t', String(pid), '-n', 'ip', '-j', ...args], { allowFailure: true });
  if (r.status !== 0) {
    // nsenter opens /proc/PID/ns/net first: a vanished process fails there.
    readProcLink(pid, 'ns/net');
    throw new UserError(`nsenter -t ${pid} -n ip ${args.join(' ')} failed: ${r.stderr.trim().split('\n').pop() ?? `exit ${r.status}`}`, 1);
  }
  try {
    return JSON.parse(r.stdout || '[]');
  } catch {
    throw new UserError(`ip -j ${args.join(' ')} printed no JSON (is iproute2 too old?)`, 1);
  }
}

/** The host's interface with index `ifindex` (sysfs of the CLI's = the host's network namespace). */
function hostInterfaceByIndex(ifindex: number): { name: string; bridge: string | null } | null {
  let names: string[];
  try { names = readdirSync('/sys/class/net'); } catch { return null; }
  for (const name of names) {
    try {
      if (Number(readFileSync(`/sys/class/net/${name}/ifindex`, 'utf8')) !== ifindex) continue;
    } catch { continue; }
    let bridge: string | null = null;
    try { bridge = basename(readlinkSync(`/sys/class/net/${name}/master`)); } catch { /* not enslaved */ }
    return { name, bridge };
  }
  return null;
}

/**
 * The interfaces the process sees (addresses, MAC, state) and, for a veth, the host end and
 * its bridge. A veth reports its peer's ifindex as `link_index` (in the peer's namespace,
 * here the host's), which sysfs on the host maps back to a name and a `master` bridge.
 */
export function networkFacts(pid: number): NetworkFacts {
  const sharedWithHost = readProcLink(pid, 'ns/net') === readlinkSync('/proc/self/ns/net');
  const links = ipInside(pid, ['addr', 'show']) as IpAddrJson[];
  const interfaces: InterfaceFact[] = links.map((l) => {
    const addrs = (l.addr_info ?? []).slice().sort((a, b) => (a.family === b.family ? 0 : a.family === 'inet' ? -1 : 1));
    const fact: InterfaceFact = {
      name: l.ifname, ifindex: l.ifindex, mac: l.address ?? '', state: l.operstate ?? 'UNKNOWN', mtu: l.mtu ?? 0,
      addresses: addrs.map((a) => `${a.local}/${a.prefixlen}`),
    };
    if (!sharedWithHost && l.link_index !== undefined && l.link_netnsid !== undefined) {
      const host = hostInterfaceByIndex(l.link_index);
      fact.peer = { ifindex: l.link_index, hostName: host?.name ?? null, bridge: host?.bridge ?? null };
    }
    return fact;
  });
  const routes = ipInside(pid, ['route', 'show', 'default']) as { gateway?: string }[];
  return { sharedWithHost, interfaces, gateway: routes.find((r) => r.gateway)?.gateway ?? null };
}

/** The host's addresses of an interface (e.g. the bridge's gateway address), from `ip -j addr`. */
export function hostInterfaceAddresses(name: string): string[] {
  const r = runCommand(['ip', '-j', 'addr', 'show', 'dev', name], { allowFailure: true });
  if (r.status !== 0) return [];
  try {
    const links = JSON.parse(r.stdout) as IpAddrJson[];
    return links.flatMap((l) => (l.addr_info ?? []).filter((a) => a.family === 'inet').map((a) => `${a.local}/${a.prefixlen}`));
  } catch {
    return [];
  }
}

// --------------------------------------------------------------------- host ports

/**
 * Is some process on the host listening on PORT (TCP in LISTEN state, or a bound UDP socket)?
 * Read from /proc/net/{tcp,tcp6,udp,udp6} of the host's network namespace: column 2 is
 * `ADDR:PORT` in hex, column 4 the state (0A = LISTEN for TCP; UDP sockets show 07).
 */
export function hostListening(proto: 'tcp' | 'udp', port: number): boolean {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  for (const file of [`/proc/net/${proto}`, `/proc/net/${proto}6`]) {
    let text: string;
    try { text = readFileSync(file, 'utf8'); } catch { continue; }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 4 || !f[1].endsWith(`:${hexPort}`)) continue;
      if (proto === 'tcp' ? f[3] === '0A' : f[3] === '07') return true;
    }
  }
  return false;
}

/**
 * A check: does the host's packet filter hold a DNAT rule sending PROTO host port HOSTPORT to
 * DEST:DESTPORT? (mini-run's own chain MINI-RUN-DNAT, or its nft table `ip mini_run`.) The
 * rules are listed once, here (one iptables or nft process), however many ports are checked.
 * The check answers null when no packet filter is in use, so there is nothing to look for.
 */
export function dnatRuleChecker(): (proto: 'tcp' | 'udp', hostPort: number, dest: string, destPort: number) => boolean | null {
  const fw = detectFirewall();
  if (fw.kind === 'none') return () => null;
  const nft = fw.kind === 'nft';
  const r = nft
    ? runCommand(['nft', 'list', 'table', 'ip', 'mini_run'], { allowFailure: true })
    : runCommand(['iptables', '-w', '-t', 'nat', '-S', 'MINI-RUN-DNAT'], { allowFailure: true });
  const rules = r.status === 0 ? r.stdout.split('\n') : [];
  return (proto, hostPort, dest, destPort) => rules.some((l) => (nft
    ? has(l, `${proto} dport ${hostPort}`) && has(l, `dnat to ${dest}:${destPort}`)
    : has(l, `-p ${proto}`) && has(l, `--dport ${hostPort}`) && has(l, `--to-destination ${dest}:${destPort}`)));
}

/** `words` occurs in `line` as whole words (so port 80 does not match 8080). */
function has(line: string, words: string): boolean {
  return ` ${line} `.includes(` ${words} `);
}
