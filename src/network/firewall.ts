/**
 * The host's packet filter, used the way the host has it set up. Three possibilities:
 *
 *   iptables-legacy  the old x_tables kernel tables, edited with `iptables`
 *   iptables-nft     the same `iptables` command, translated to nftables underneath
 *   nft              nftables alone (no iptables command)
 *
 * With either iptables, mini-run keeps its rules in chains of its own (MINI-RUN-*) and adds
 * exactly one jump to each from the built-in chains; with nft, in a table of its own
 * (`ip mini_run`). Removing them removes exactly what was added — nobody else's rules are
 * touched, nothing is flushed but our own chains.
 *
 * The rules, and why:
 *   MASQUERADE  a container's packets leave with the host's address (the outside has no
 *               route back to 10.88.0.0/16), and replies are translated back by conntrack
 *   DNAT        a packet to a published host port is re-addressed to the container — also a
 *               connection from the host to 127.0.0.1:PORT (nat OUTPUT), see "localhost" below
 *   FORWARD     packets to and from the bridge may be routed (some hosts default to DROP)
 *   ISOLATION   packets routed from one of our bridges to another are dropped (two user
 *               networks, or one and the default bridge, cannot reach each other), unless
 *               the connection was DNAT-ed to a published port
 *   DIRECT      (raw PREROUTING) a packet addressed to a bridge's subnet that did not arrive
 *               on that bridge is dropped: a LAN host routing the subnet through this host
 *               reaches published ports at the host's address only, never a container directly
 *
 * Localhost. A packet from 127.0.0.1 re-addressed to 10.88.0.2 would normally be refused by
 * the kernel: loopback addresses must not appear on a real link ("martian"). Setting
 * `net.ipv4.conf.<our bridge>.route_localnet=1` (bridge.ts) allows it on our bridge only; the
 * source 127.0.0.1 is then MASQUERADEd to the bridge's address, so the container's replies
 * come back to the host and conntrack turns them back into the loopback connection. This
 * kernel path moves bytes ~2× faster than the userland proxy (docs/perf.md, "Network").
 * Because route_localnet would also let a neighbour on the bridge send to 127.0.0.1 (think of
 * a service listening on the host's localhost only), a raw-table rule drops packets arriving
 * from our bridge addressed to 127.0.0.0/8.
 */
import { runCommand } from '../sys/command';

export type FirewallKind = 'iptables-legacy' | 'iptables-nft' | 'nft' | 'none';

export interface FirewallInfo { kind: FirewallKind; detail: string }

/**
 * Bumped whenever the set of rules changes, so that rules an earlier mini-run left installed
 * (its containers still running) are replaced rather than mixed with ours. 2: localhost by
 * DNAT, isolation between bridges; 3: internal bridges sealed; 4: no direct routing to a
 * bridge's subnet from elsewhere (raw PREROUTING, as Docker 28).
 */
export const RULES_VERSION = 4;

let detected: FirewallInfo | null = null;

/** Keep using the packet filter our installed rules live in (see host-state.ts). */
export function useFirewall(kind: FirewallKind): void {
  if (detected?.kind !== kind) detected = { kind, detail: `${kind}, as used by the rules already installed` };
}

/** Which packet filter this host uses (MINI_RUN_FIREWALL=iptables|nft|none overrides). */
export function detectFirewall(): FirewallInfo {
  if (detected) return detected;
  const forced = process.env.MINI_RUN_FIREWALL;
  if (forced === 'none') return (detected = { kind: 'none', detail: 'disabled by MINI_RUN_FIREWALL=none' });
  // (each --version is a process: nft is asked only when iptables is not to be used)
  const ipt = forced === 'nft' ? null : tryRun(['iptables', '--version']);
  if (ipt !== null) {
    const kind: FirewallKind = ipt.includes('nf_tables') ? 'iptables-nft' : 'iptables-legacy';
    return (detected = { kind, detail: ipt.trim() });
  }
  const nft = tryRun(['nft', '--version']);
  if (nft !== null) detected = { kind: 'nft', detail: nft.trim() };
  else detected = { kind: 'none', detail: 'no iptables or nft command found: no NAT, no published ports from other hosts' };
  return detected;
}

function tryRun(argv: string[]): string | null {
  try {
    const r = runCommand(argv, { allowFailure: true });
    return r.status === 0 ? r.stdout + r.stderr : null;
  } catch {
    return null;
  }
}

/**
 * internal: no way out (no MASQUERADE, no FORWARD accept, no localhost path), and nothing is
 * routed into or out of the bridge at all (not only to and from our other bridges).
 */
export interface BridgeRules { bridge: string; subnet: string; internal?: boolean }

export interface Dnat { proto: string; hostIp: string; hostPort: number; dest: string; destPort: number; bridge: string; tag: string }

// ------------------------------------------------------------------ iptables

const CHAINS = {
  post: 'MINI-RUN-POSTROUTING', dnat: 'MINI-RUN-DNAT', fwd: 'MINI-RUN-FORWARD', guard: 'MINI-RUN-PREROUTING',
  iso1: 'MINI-RUN-ISOLATION-1', iso2: 'MINI-RUN-ISOLATION-2',
};

/** Our jumps from the built-in chains: [table, chain, match...]. */
const JUMPS: [string, string, string[], string][] = [
  ['nat', 'POSTROUTING', [], CHAINS.post],
  ['nat', 'PREROUTING', ['-m', 'addrtype', '--dst-type', 'LOCAL'], CHAINS.dnat],
  // 127.0.0.0/8 included: connections to localhost take the kernel path too (see the top).
  ['nat', 'OUTPUT', ['-m', 'addrtype', '--dst-type', 'LOCAL'], CHAINS.dnat],
  ['filter', 'FORWARD', [], CHAINS.fwd],
  ['raw', 'PREROUTING', [], CHAINS.guard],
];

/** The OUTPUT jump of earlier versions (localhost was left to the proxy): removed if found. */
const OLD_JUMPS: [string, string, string[], string][] = [
  ['nat', 'OUTPUT', ['!', '-d', '127.0.0.0/8', '-m', 'addrtype', '--dst-type', 'LOCAL'], CHAINS.dnat],
];

/**
 * Isolation, in two steps (like docker's): MINI-RUN-FORWARD first jumps to ISOLATION-1, which
 * sends a packet that comes in from one of our bridges and leaves by another interface to
 * ISOLATION-2, which drops it if that interface is one of our bridges. One rule per bridge in
 * each chain: the rules of a bridge come and go with it.
 */
const ISOLATION_ENTRY: [string, string[]][] = [
  [CHAINS.iso1, ['-m', 'conntrack', '--ctstate', 'DNAT', '-j', 'RETURN']], // published ports stay reachable from every network
];

function ipt(args: string[], allowFailure = false) {
  return runCommand(['iptables', '-w', ...args], { allowFailure });
}

/**
 * Many iptables commands in ONE process: `iptables-restore --noflush` reads them as lines of a
 * table block. Each `iptables` exec costs ~10–15 ms, and a lone container's set-up and
 * tear-down of the host-wide chains are ~70 of them (docs/perf.md). A table's block is applied
 * all or nothing; false if any command failed — the caller then goes one command at a time,
 * the slow way that tolerates whatever a crash left half-done.
 */
function iptBatch(cmds: [table: string, args: string[]][]): boolean {
  if (!cmds.length) return true;
  const byTable = new Map<string, string[]>();
  for (const [table, args] of cmds) byTable.set(table, [...(byTable.get(table) ?? []), args.join(' ')]);
  const script = [...byTable].map(([table, lines]) => `*${table}\n${lines.join('\n')}\nCOMMIT\n`).join('');
  const wait = detectFirewall().kind === 'iptables-legacy' ? ['--wait'] : []; // (the nft variant has no lock to wait for)
  return runCommand(['iptables-restore', '--noflush', ...wait], { input: script, allowFailure: true }).status === 0;
}

/** Our chains: the jumps' targets, then the isolation chains (created and deleted in this order). */
function ourChains(): [string, string][] {
  const all: [string, string][] = [...JUMPS.map(([table, , , target]): [string, string] => [table, target]), ['filter', CHAINS.iso1], ['filter', CHAINS.iso2]];
  return all.filter(([t, c], i) => all.findIndex(([t2, c2]) => t2 === t && c2 === c) === i); // DNAT has two jumps
}

function bridgeRuleArgs(r: BridgeRules): [string, string, string[]][] {
  // Direct routing: a host on the LAN that routes the subnet through us would reach every port
  // of every container. Only packets arriving on the bridge itself may be addressed to its
  // subnet before NAT; a published port is reached at the host's address (DNAT comes later).
  const direct: [string, string, string[]] = ['raw', CHAINS.guard, ['-d', r.subnet, '!', '-i', r.bridge, '-j', 'DROP']];
  const isolation: [string, string, string[]][] = [
    ['filter', CHAINS.iso1, ['-i', r.bridge, '!', '-o', r.bridge, '-j', CHAINS.iso2]],
    ['filter', CHAINS.iso2, ['-o', r.bridge, '-j', 'DROP']],
  ];
  if (r.internal) {
    return [
      ['filter', CHAINS.iso1, ['-i', r.bridge, '!', '-o', r.bridge, '-j', 'DROP']],
      ['filter', CHAINS.iso1, ['!', '-i', r.bridge, '-o', r.bridge, '-j', 'DROP']],
      direct,
    ];
  }
  return [
    ['nat', CHAINS.post, ['-s', r.subnet, '!', '-o', r.bridge, '-j', 'MASQUERADE']],
    // Localhost → container: the host's 127.0.0.1 becomes the bridge's address on the way out.
    ['nat', CHAINS.post, ['-s', '127.0.0.0/8', '-o', r.bridge, '-j', 'MASQUERADE']],
    ['raw', CHAINS.guard, ['-i', r.bridge, '-d', '127.0.0.0/8', '-j', 'DROP']],
    direct,
    ...isolation,
    ['filter', CHAINS.fwd, ['-o', r.bridge, '-j', 'ACCEPT']],
    ['filter', CHAINS.fwd, ['-i', r.bridge, '-j', 'ACCEPT']],
  ];
}

function dnatArgs(d: Dnat): string[] {
  return ['-p', d.proto, ...(d.hostIp && d.hostIp !== '0.0.0.0' ? ['-d', d.hostIp] : []), '--dport', String(d.hostPort),
    '!', '-i', d.bridge, '-m', 'comment', '--comment', d.tag, '-j', 'DNAT', '--to-destination', `${d.dest}:${d.destPort}`];
}

// ----------------------------------------------------------------------- nft

const NFT_TABLE = 'mini_run';

function nft(script: string, allowFailure = false) {
  return runCommand(['nft', '-f', '-'], { input: script, allowFailure });
}

function nftHandles(chain: string, tag: string): string[] {
  const r = runCommand(['nft', '-a', 'list', 'chain', 'ip', NFT_TABLE, chain], { allowFailure: true });
  return r.stdout.split('\n').filter((l) => l.includes(`"${tag}"`)).map((l) => /# handle (\d+)/.exec(l)?.[1]).filter((h): h is string => !!h);
}

// ------------------------------------------------------------------- the API

/**
 * Our chains and jumps (before the first container's rules). Returns true when the chains were
 * created just now, empty: the bridge rules that follow can then skip their one-by-one checks.
 */
export function installBase(): boolean {
  const fw = detectFirewall();
  if (fw.kind === 'none') return false;
  if (fw.kind === 'nft') {
    nft([
      `table ip ${NFT_TABLE} {`,
      '  chain published { }', // ("dnat" is an nft keyword)
      '  chain prerouting { type nat hook prerouting priority dstnat; fib daddr type local jump published; }',
      '  chain output { type nat hook output priority -100; fib daddr type local jump published; }',
      '  chain postrouting { type nat hook postrouting priority srcnat; }',
      '  chain guard { type filter hook prerouting priority raw; }',
      '  chain isolation2 { }',
      '  chain isolation1 { ct status dnat return; }',
      '  chain forward { type filter hook forward priority filter; jump isolation1; }',
      '}',
    ].join('\n'));
    return false;
  }
  // Fast path: nothing of ours is there (the usual case), so create it all in one batch. `-N`
  // fails on a chain that exists (a crash's leftover): then the batch did nothing for that
  // table and the checked path below completes it. (No jump to a chain can exist without it.)
  const fresh: [string, string[]][] = [
    ...ourChains().map(([table, target]): [string, string[]] => [table, ['-N', target]]),
    ...ISOLATION_ENTRY.map(([chain, args]): [string, string[]] => ['filter', ['-I', chain, ...args]]),
    ['filter', ['-I', CHAINS.fwd, '-j', CHAINS.iso1]],
    ...JUMPS.map(([table, chain, match, target]): [string, string[]] => [table, ['-I', chain, ...match, '-j', target]]),
  ];
  if (iptBatch(fresh)) return true;
  for (const [table, target] of ourChains()) {
    if (ipt(['-t', table, '-n', '-L', target], true).status !== 0) ipt(['-t', table, '-N', target]);
  }
  for (const [chain, args] of ISOLATION_ENTRY) {
    if (ipt(['-C', chain, ...args], true).status !== 0) ipt(['-I', chain, ...args]);
  }
  if (ipt(['-C', CHAINS.fwd, '-j', CHAINS.iso1], true).status !== 0) ipt(['-I', CHAINS.fwd, '-j', CHAINS.iso1]);
  for (const [table, chain, match, target] of JUMPS) {
    if (ipt(['-t', table, '-C', chain, ...match, '-j', target], true).status !== 0) ipt(['-t', table, '-I', chain, ...match, '-j', target]);
  }
  return false;
}

/** Remove our jumps and chains (after the last container's rules are gone). */
export function removeBase(): void {
  const fw = detectFirewall();
  if (fw.kind === 'none') return;
  if (fw.kind === 'nft') {
    nft(`delete table ip ${NFT_TABLE}`, true);
    return;
  }
  // Fast path: exactly what installBase made, in one batch. It fails (and changes nothing in
  // that table) if anything differs — a chain not empty, a jump missing or doubled, an old
  // version's jump still pointing at a chain — and the careful path below sorts that out.
  const exact: [string, string[]][] = [
    ...JUMPS.map(([table, chain, match, target]): [string, string[]] => [table, ['-D', chain, ...match, '-j', target]]),
    ['filter', ['-D', CHAINS.fwd, '-j', CHAINS.iso1]],
    ...ISOLATION_ENTRY.map(([chain, args]): [string, string[]] => ['filter', ['-D', chain, ...args]]),
    ...ourChains().map(([table, target]): [string, string[]] => [table, ['-X', target]]),
  ];
  if (iptBatch(exact)) return;
  for (const [table, chain, match, target] of [...JUMPS, ...OLD_JUMPS]) {
    while (ipt(['-t', table, '-D', chain, ...match, '-j', target], true).status === 0) { /* exactly ours, however many */ }
  }
  ipt(['-D', CHAINS.fwd, '-j', CHAINS.iso1], true);
  for (const [chain, args] of ISOLATION_ENTRY) ipt(['-D', chain, ...args], true);
  // (in this order: a chain can be deleted only once nothing jumps to it)
  for (const [table, target] of ourChains()) {
    // Our own chain should be empty by now; flush only it (never anyone else's) in case a crash left a rule.
    if (ipt(['-t', table, '-X', target], true).status !== 0) {
      ipt(['-t', table, '-F', target], true);
      ipt(['-t', table, '-X', target], true);
    }
  }
}

/** `freshChains`: installBase has just created our chains, so none of these rules can be there yet. */
export function addBridgeRules(r: BridgeRules, freshChains = false): void {
  const fw = detectFirewall();
  if (fw.kind === 'none') return;
  if (fw.kind === 'nft') {
    const tag = `mr-bridge-${r.bridge}`;
    const isolation = [
      `add rule ip ${NFT_TABLE} isolation1 iifname "${r.bridge}" oifname != "${r.bridge}" jump isolation2 comment "${tag}"`,
      `add rule ip ${NFT_TABLE} isolation2 oifname "${r.bridge}" drop comment "${tag}"`,
    ];
    const direct = `add rule ip ${NFT_TABLE} guard ip daddr ${r.subnet} iifname != "${r.bridge}" drop comment "${tag}"`;
    const sealed = [
      `add rule ip ${NFT_TABLE} isolation1 iifname "${r.bridge}" oifname != "${r.bridge}" drop comment "${tag}"`,
      `add rule ip ${NFT_TABLE} isolation1 iifname != "${r.bridge}" oifname "${r.bridge}" drop comment "${tag}"`,
      direct,
    ];
    nft((r.internal ? sealed : [
      `add rule ip ${NFT_TABLE} postrouting ip saddr ${r.subnet} oifname != "${r.bridge}" masquerade comment "${tag}"`,
      `add rule ip ${NFT_TABLE} postrouting ip saddr 127.0.0.0/8 oifname "${r.bridge}" masquerade comment "${tag}"`,
      `add rule ip ${NFT_TABLE} guard iifname "${r.bridge}" ip daddr 127.0.0.0/8 drop comment "${tag}"`,
      direct,
      ...isolation,
      `add rule ip ${NFT_TABLE} forward oifname "${r.bridge}" accept comment "${tag}"`,
      `add rule ip ${NFT_TABLE} forward iifname "${r.bridge}" accept comment "${tag}"`,
    ]).join('\n'));
    return;
  }
  if (freshChains && iptBatch(bridgeRuleArgs(r).map(([table, chain, args]) => [table, ['-A', chain, ...args]]))) return;
  for (const [table, chain, args] of bridgeRuleArgs(r)) {
    if (ipt(['-t', table, '-C', chain, ...args], true).status !== 0) ipt(['-t', table, '-A', chain, ...args]);
  }
}

export function removeBridgeRules(r: BridgeRules): void {
  const fw = detectFirewall();
  if (fw.kind === 'none') return;
  if (fw.kind === 'nft') {
    for (const chain of ['postrouting', 'guard', 'isolation1', 'isolation2', 'forward']) for (const h of nftHandles(chain, `mr-bridge-${r.bridge}`)) nft(`delete rule ip ${NFT_TABLE} ${chain} handle ${h}`, true);
    return;
  }
  if (iptBatch(bridgeRuleArgs(r).map(([table, chain, args]) => [table, ['-D', chain, ...args]]))) return;
  for (const [table, chain, args] of bridgeRuleArgs(r)) ipt(['-t', table, '-D', chain, ...args], true);
}

/**
 * A container's published ports. Several go in one iptables-restore (all or nothing); if that
 * fails, one command at a time, so the error names the rule that failed.
 */
export function addDnats(ds: Dnat[]): void {
  if (!ds.length) return; // (before detectFirewall: asking which filter the host has is a process)
  const fw = detectFirewall();
  if (fw.kind === 'none') return;
  if (fw.kind === 'nft') {
    nft(ds.map((d) => {
      const daddr = d.hostIp && d.hostIp !== '0.0.0.0' ? `ip daddr ${d.hostIp} ` : '';
      return `add rule ip ${NFT_TABLE} published ${daddr}iifname != "${d.bridge}" ${d.proto} dport ${d.hostPort} dnat to ${d.dest}:${d.destPort} comment "${d.tag}"`;
    }).join('\n'));
    return;
  }
  if (ds.length > 1 && iptBatch(ds.map((d) => ['nat', ['-A', CHAINS.dnat, ...dnatArgs(d)]]))) return;
  for (const d of ds) ipt(['-t', 'nat', '-A', CHAINS.dnat, ...dnatArgs(d)]);
}

export function removeDnats(ds: Dnat[]): void {
  if (!ds.length) return; // (before detectFirewall: asking which filter the host has is a process)
  const fw = detectFirewall();
  if (fw.kind === 'none') return;
  if (fw.kind === 'nft') {
    // (a container's rules share one tag: listed once)
    for (const tag of new Set(ds.map((d) => d.tag))) for (const h of nftHandles('published', tag)) nft(`delete rule ip ${NFT_TABLE} published handle ${h}`, true);
    return;
  }
  if (ds.length > 1 && iptBatch(ds.map((d) => ['nat', ['-D', CHAINS.dnat, ...dnatArgs(d)]]))) return;
  for (const d of ds) ipt(['-t', 'nat', '-D', CHAINS.dnat, ...dnatArgs(d)], true);
}

/** Lines of our own rules now on the host (for tests and `network` diagnostics). */
export function listOurRules(): string[] {
  const fw = detectFirewall();
  if (fw.kind === 'none') return [];
  if (fw.kind === 'nft') {
    const r = runCommand(['nft', 'list', 'table', 'ip', NFT_TABLE], { allowFailure: true });
    return r.status === 0 ? [r.stdout] : [];
  }
  const out: string[] = [];
  for (const table of ['nat', 'filter', 'raw']) {
    out.push(...ipt(['-t', table, '-S'], true).stdout.split('\n').filter((l) => l.includes('MINI-RUN')));
  }
  return out;
}
