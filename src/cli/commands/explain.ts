/**
 * `mini-run explain CONTAINER [--format json]`: one screen of what isolation a running
 * container really has, every fact read live (src/engine/explain.ts), with a one-line gloss
 * where it helps a learner.
 */
import type { CommandModule } from 'yargs';
import { UserError } from '../../errors';
import type { ExplainReport } from '../../engine/explain';
import type { NsType } from '../../engine/live-facts';
import { bytesSize } from '../stats-format';

/** What owning (or sharing) each namespace means, in a line. */
const NS_GLOSS: Record<NsType, [own: string, shared: string]> = {
  mnt: ['own mount table: mounts made inside stay inside', "the host's mount table"],
  uts: ['own UTS namespace: hostname changes stay inside', "the host's hostname: changing it renames the host"],
  ipc: ['own System V IPC and POSIX message queues', "shares the host's shared memory, semaphores and queues"],
  pid: ['own PID numbers: sees only its own processes', 'sees (and may signal) every process of the host'],
  net: ['own interfaces, addresses, routes and ports', "the host's interfaces and ports"],
  cgroup: ['sees its own cgroup as the root of the tree', "sees the host's cgroup paths (docker's default on cgroup v1)"],
  user: ['own uid/gid mapping', 'uid 0 inside is uid 0 on the host (no user namespace, as docker by default)'],
  time: ['own clock offsets', "the host's clocks (docker never changes this)"],
};

/** Align rows into columns two spaces apart (the last column is not padded). */
export function columns(rows: string[][], indent = '  '): string[] {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => { if (i < r.length - 1) widths[i] = Math.max(widths[i] ?? 0, c.length); });
  return rows.map((r) => indent + r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd());
}

/** Words wrapped at `width` columns, each continuation line indented like the first. */
function wrap(words: string[], indent: string, width = 100): string[] {
  const lines: string[] = [];
  let line = '';
  for (const w of words) {
    if (line && indent.length + line.length + 1 + w.length > width) { lines.push(indent + line); line = w; } else line = line ? `${line} ${w}` : w;
  }
  if (line) lines.push(indent + line);
  return lines;
}

const short = (digest: string) => digest.replace(/^sha256:/, '').slice(0, 12);
const capName = (c: string) => c.replace(/^CAP_/, '');
const yesNo = (b: boolean | null, none = 'no packet filter') => (b === null ? none : b ? 'yes' : 'NO');

export function renderExplain(r: ExplainReport): string {
  const c = r.container;
  const pid = c.hostPid;
  const out: string[] = [];
  out.push(`${c.name} (${c.id.slice(0, 12)}), image ${c.image}, ${c.status}`);
  out.push(c.pidInside !== pid
    ? `PID ${pid} on the host is PID ${c.pidInside} inside: the same process, numbered by each PID namespace`
    : `PID ${pid} on the host and inside: it shares the host's PID numbers`);

  // --- namespaces
  out.push('', `NAMESPACES  /proc/${pid}/ns/* next to the host's`);
  out.push(...columns([
    ['type', '', 'inside', 'host', ''],
    ...r.namespaces.map((n) => {
      let gloss = NS_GLOSS[n.type][n.shared ? 1 : 0];
      if (n.type === 'net' && !n.shared && r.network.mode.startsWith('container:')) gloss = `joined ${r.network.mode.slice(10)}'s network namespace`;
      return [n.type, n.shared ? 'shared with host' : 'own', n.inside, n.host, gloss];
    }),
  ]));

  // --- users: who the container's ids are on the host
  const u = r.users;
  out.push('', `USERS  /proc/${pid}/uid_map and gid_map: inside, host, how many`);
  out.push(...columns([['uid_map', ...u.uidMap.slice(0, 1)], ...u.uidMap.slice(1).map((l) => ['', l]), ['gid_map', ...u.gidMap.slice(0, 1)], ...u.gidMap.slice(1).map((l) => ['', l])]));
  out.push(u.hostUidOfRoot === 0
    ? `  root inside is host uid 0: root on the host, held back only by capabilities, seccomp and the device cgroup`
    : `  root inside is host uid ${u.hostUidOfRoot ?? '(unmapped)'}: nobody on the host; the process runs as host uid ${u.hostUid}`);

  // --- cgroup
  const cg = r.cgroup;
  out.push('', `CGROUP  v${cg.version}, from /proc/${pid}/cgroup: the kernel counts and limits the group as a whole`);
  const mine = cg.paths.filter((p) => /\/mr-[0-9a-f]+\/?$/.test(p.dir));
  const shown = mine.length ? mine : cg.paths;
  if (cg.version === 2 || shown.length === 1) out.push(`  path    ${shown[0]?.dir ?? '(none)'}`);
  else {
    const tail = (d: string) => d.slice(d.indexOf('/', '/sys/fs/cgroup/'.length));
    const rel = [...new Set(shown.map((p) => tail(p.dir)))];
    out.push(`  path    /sys/fs/cgroup/<controller>${rel.length === 1 ? rel[0] : ' (several paths)'}`);
    out.push(...wrap(shown.map((p) => p.controllers), '          ').map((l, i) => (i === 0 ? `  in      ${l.trimStart()}` : l)));
  }
  const m = cg.memory;
  const used = m.usageBytes === null ? 'usage unknown' : `${bytesSize(m.usageBytes)} used`;
  out.push(`  memory  ${m.limitBytes === null ? `no limit, ${used}` : `limit ${bytesSize(m.limitBytes)}, ${used} (${((100 * (m.usageBytes ?? 0)) / m.limitBytes).toFixed(1)}%)`}` +
    `${m.swapLimitBytes !== null && m.limitBytes !== null ? `, swap limit ${bytesSize(m.swapLimitBytes)}` : ''}${m.oomKills ? `, ${m.oomKills} OOM kill(s)` : ''}`);
  out.push(`  pids    ${r.cgroup.pids.max === null ? 'no limit' : `max ${r.cgroup.pids.max}`}, ${r.cgroup.pids.current ?? '?'} now (processes and threads)`);
  const cpu = cg.cpu;
  const quota = cpu.quotaUsec !== null && cpu.periodUsec ? `quota ${cpu.quotaUsec} µs per ${cpu.periodUsec} µs = ${(cpu.quotaUsec / cpu.periodUsec).toFixed(2)} CPUs` : 'no quota: may use every CPU';
  out.push(`  cpu     ${quota}${cpu.shares !== null ? `, shares ${cpu.shares}` : ''}${cpu.weight !== null ? `, weight ${cpu.weight}` : ''}`);

  // --- root filesystem
  const fs = r.rootfs;
  out.push('', `ROOT FILESYSTEM  / in /proc/${pid}/mountinfo`);
  if (fs.fstype === 'overlay') {
    out.push(fs.readonly
      ? '  overlay, read-only (--read-only): nothing can be written but volumes and tmpfs mounts'
      : '  overlay, read-write: writes land in the upper dir; the image layers below are never changed');
    out.push(...columns([
      ...(fs.upperdir ? [['upper', "the container's own layer", fs.upperdir]] : []),
      ...(fs.workdir ? [['work', "overlayfs's scratch space", fs.workdir]] : []),
      ...fs.layers.map((l, i) => [`lower ${i + 1}`, l.diffId ? `layer ${short(l.diffId)}${l.inImage ? ` of ${c.image}` : ''}` : `(${l.given})`, l.path || l.given]),
    ]));
    if (fs.layers.length > 1) out.push('  (lower 1 is the top layer: overlayfs looks there first)');
  } else out.push(`  ${fs.fstype} from ${fs.source}, ${fs.readonly ? 'read-only' : 'read-write'}`);

  // --- capabilities
  const cap = r.capabilities;
  const vs = cap.added.length === 0 && cap.dropped.length === 0
    ? ["exactly docker's default 14"]
    : [...(cap.added.length ? ["docker's 14 plus", ...cap.added.map(capName)] : []), ...(cap.dropped.length ? [`${cap.added.length ? 'and ' : ''}minus`, ...cap.dropped.map(capName)] : [])];
  out.push('', `CAPABILITIES  CapEff ${cap.effectiveHex} in /proc/${pid}/status`);
  if (cap.uid === 0 || cap.effective.length > 0) {
    out.push(...wrap([`${cap.effective.length} effective${cap.uid === 0 ? ' (uid 0)' : ` (uid ${cap.uid})`};`, `bounding set (${cap.bounding.length}):`, ...vs], '  ', 100).map((l, i) => (i ? `  ${l}` : l)));
    if (cap.added.length <= 4) out.push(...wrap(cap.effective.map(capName), '    ')); // else "docker's 14 plus …" says it
  } else {
    out.push(`  0 effective: uid ${cap.uid} is not root, so it holds none (unless it runs a program with file capabilities)`);
    out.push(...wrap([`bounding set (${cap.bounding.length}), the most it could gain:`, ...vs], '  ', 100).map((l, i) => (i ? `  ${l}` : l)));
  }
  if (cap.effective.includes('CAP_SYS_ADMIN')) out.push('  SYS_ADMIN is in: root inside may mount filesystems and much more (--privileged or --cap-add)');
  else if (cap.uid === 0) out.push("  root inside holds only these pieces of root's power: no SYS_ADMIN (no mounts), no SYS_MODULE (no kernel modules)");

  // --- masked paths
  const p = r.paths;
  const k = r.confinement;
  out.push('', `SECCOMP AND DEVICES  /proc/${pid}/status and the device cgroup`);
  out.push(k.seccomp === 'filter'
    ? `  seccomp: ${k.seccompFilters} filter${k.seccompFilters === 1 ? '' : 's'} (Seccomp 2): calls outside the profile fail before the kernel looks at them`
    : `  seccomp: ${k.seccomp} (Seccomp ${k.seccomp === 'strict' ? 1 : 0}): every system call reaches the kernel`);
  out.push(`  no_new_privs: ${k.noNewPrivs ? 'on: set-uid binaries and file capabilities give nothing' : 'off'}`);
  if (k.deviceRules) out.push(...wrap([`devices (v1 devices.list, ${k.deviceRules.length} rules):`, ...k.deviceRules.map((l) => `${l};`)], '  '));
  else if (k.devicePrograms !== null) out.push(`  devices: ${k.devicePrograms} BPF_PROG_TYPE_CGROUP_DEVICE program${k.devicePrograms === 1 ? '' : 's'} attached to the cgroup (v2)`);

  out.push('', `MASKED AND READ-ONLY PATHS  /proc/${pid}/mountinfo`);
  out.push(...wrap([`masked (${p.masked.length}):`, ...(p.masked.length ? p.masked : ['none'])], '  '));
  out.push('    host kernel files hidden under /dev/null or an empty read-only tmpfs');
  out.push(...wrap([`read-only (${p.readonly.length}):`, ...(p.readonly.length ? p.readonly : ['none'])], '  '));
  out.push('    visible, but writes fail: kernel settings are not namespaced');

  // --- network
  const n = r.network;
  out.push('', `NETWORK  --network ${n.mode}, from nsenter -t ${pid} -n ip addr`);
  if (n.sharedWithHost) {
    out.push(`  the host's network namespace: ${n.interfaces.length} interfaces, the host's addresses and ports (see \`ip addr\`)`);
  } else {
    out.push(...columns(n.interfaces.map((i) => {
      const peer = i.peer ? `<-> host veth ${i.peer.hostName ?? `#${i.peer.ifindex}`}${i.peer.bridge ? ` on bridge ${i.peer.bridge}` : ''}` : '';
      return [i.name, i.addresses.join(' ') || '-', i.mac, i.state, peer];
    })));
    for (const b of n.bridges) out.push(`  bridge ${b.name}: ${b.addresses.join(' ') || 'no address'} on the host, the containers' gateway`);
    out.push(`  default route: ${n.gateway ? `via ${n.gateway}` : 'none (no way out of this namespace)'}`);
  }
  if (n.ports.length) {
    out.push('  published ports (host -> container):');
    out.push(...columns(n.ports.map((pt) => [
      `${pt.hostIp || '0.0.0.0'}:${pt.hostPort} -> ${pt.containerPort}/${pt.proto}`,
      `host listening: ${pt.hostListening ? 'yes' : 'NO'}`,
      `DNAT rule: ${yesNo(pt.dnatRule)}`,
    ]), '    '));
  } else if (!n.sharedWithHost) out.push('  no published ports');
  return out.join('\n') + '\n';
}

type ExplainArgs = { container: string; format?: string };

export const explainCommand: CommandModule<object, ExplainArgs> = {
  command: 'explain <container>',
  describe: "Show a running container's isolation, read live from the kernel",
  builder: (y) => y.option('format', { type: 'string', describe: "'json' for scripts" }) as any,
  handler: async (a) => {
    if (a.format !== undefined && a.format !== 'json') throw new UserError(`unknown --format ${a.format}: only 'json' is supported`, 125);
    const { explainContainer } = await import('../../engine/explain');
    const report = explainContainer(a.container);
    process.stdout.write(a.format === 'json' ? JSON.stringify(report, null, 2) + '\n' : renderExplain(report));
  },
};
