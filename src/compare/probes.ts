/**
 * The probe set of `mini-run compare --probe`: small facts a program can see about its own
 * container, read the same way in mini-run and in the other engine.
 *
 * Each probe is one entry of PROBES:
 *   name       the row's label
 *   command    a shell snippet run inside the container (busybox sh; its output is the raw fact)
 *   normalise  raw output → the items that are compared (ids, addresses and order taken out,
 *              so that only a real difference in behaviour is left)
 *   explain    when the two sides differ: the known, understood reason — or undefined, and the
 *              table says "unexplained"
 *
 * To add a probe, add an entry. All probes run in ONE container per engine (a single
 * `sh -c` script, each probe's output after a marker line), so `--probe` starts two
 * containers, not twenty, and the shell running the probes is the container's PID 1.
 */
import { existsSync } from 'node:fs';
import { decodeCapabilityMask } from '../engine/live-facts';
import { nativeBinary } from '../native';
import type { EngineName } from './engines';

export interface ProbeContext {
  engine: EngineName;
  /** The host's cgroup version. */
  cgroupVersion: 1 | 2;
}

export interface Probe {
  name: string;
  command: string;
  normalise: (raw: string) => string[];
  explain: (mini: string[], other: string[], ctx: ProbeContext) => string | undefined;
}

/** Flags both engines get for `--probe`, so the cgroup probe has limits to read. */
export const PROBE_RUN_FLAGS = ['--memory', '64m', '--pids-limit', '100'];

/** Where the "system calls" probe finds native/build/syscall-probe inside both containers. */
export const SYSCALL_PROBE_IN_CONTAINER = '/.mini-run-syscall-probe';

/**
 * PROBE_RUN_FLAGS, plus the syscall probe (a static binary of this installation) bound read-only
 * into both containers when it was built — the same file in both, so the same calls are tried.
 */
export function probeRunFlags(probeBinary = nativeBinary('syscall-probe')): string[] {
  return existsSync(probeBinary) ? [...PROBE_RUN_FLAGS, '-v', `${probeBinary}:${SYSCALL_PROBE_IN_CONTAINER}:ro`] : PROBE_RUN_FLAGS;
}

/**
 * The calls where moby's default seccomp profile changed after Docker 20.10 (the engine Debian
 * ships), and mini-run's answer under the current profile: io_uring and AF_VSOCK sockets are
 * now denied; pkey_*, name_to_handle_at and (kernels ≥ 4.8) process_vm_* are now allowed.
 */
export const NEWER_MOBY_PROFILE: Readonly<Record<string, 'denied' | 'allowed'>> = {
  'io_uring_setup(NULL)': 'denied',
  'socket(AF_VSOCK)': 'denied',
  'pkey_alloc(bad)': 'allowed',
  'name_to_handle_at(-1)': 'allowed',
  'process_vm_readv(pid 0)': 'allowed',
};

/** "keyctl(bad op) EPERM" lines → call → answer. */
function answers(items: string[]): Map<string, string> {
  return new Map(items.map((l) => { const i = l.lastIndexOf(' '); return [l.slice(0, i), l.slice(i + 1)] as [string, string]; }));
}

/** Why the two probes' answers differ, if every differing call is one moby's profile changed after 20.10. */
function explainSyscalls(mini: string[], other: string[], ctx: ProbeContext): string | undefined {
  const a = answers(mini), b = answers(other);
  // the same binary tried the same calls on both sides; anything else is not this difference
  if (a.size === 0 || a.size !== b.size || [...a.keys()].some((k) => !b.has(k))) return undefined;
  const differ = [...a.keys()].filter((k) => a.get(k) !== b.get(k));
  if (ctx.engine === 'podman') return explainPodmanSyscalls(a, b, differ);
  const fits = differ.every((k) => {
    const want = NEWER_MOBY_PROFILE[k];
    const ours = a.get(k), theirs = b.get(k);
    if (!want || ours === undefined || theirs === undefined) return false;
    return want === 'denied' ? ours === 'EPERM' : theirs === 'EPERM' && ours !== 'EPERM';
  });
  if (!fits) return undefined;
  return `${a.size - differ.length} of ${a.size} calls answered the same; ${differ.map((k) => `${k}: ${a.get(k)} vs ${b.get(k)}`).join(', ')} — where moby's default profile changed after this engine's version (Docker 20.10); mini-run follows the current one`;
}

/**
 * podman does not use moby's profile but its own (containers/common's seccomp.json, older here):
 * a call it does not list gets ENOSYS where Docker's gets EPERM, and it lets mount, umount,
 * unshare, setns, keyctl, the mempolicy calls… through to the kernel (which still checks the
 * capabilities). Each differing call must be one of those kinds; the reason counts them.
 */
function explainPodmanSyscalls(a: Map<string, string>, b: Map<string, string>, differ: string[]): string | undefined {
  const kinds: Record<'enosys' | 'kernel' | 'newer', string[]> = { enosys: [], kernel: [], newer: [] };
  for (const k of differ) {
    const ours = a.get(k) ?? '', theirs = b.get(k) ?? '';
    if (refused(ours) && theirs === 'ENOSYS') kinds.enosys.push(k); // both refuse, another errno
    else if (refused(ours) && !refused(theirs)) kinds.kernel.push(k); // podman's profile lets it reach the kernel
    else if (!refused(ours) && theirs === 'ENOSYS') kinds.newer.push(k); // a call newer than podman's profile
    else return undefined;
  }
  const parts: string[] = [];
  if (kinds.enosys.length) parts.push(`${kinds.enosys.length} refused by both, ENOSYS in podman (${few(kinds.enosys)})`);
  if (kinds.kernel.length) parts.push(`${kinds.kernel.length} denied by Docker's profile (mini-run's) but passed to the kernel by podman's (${few(kinds.kernel)})`);
  if (kinds.newer.length) parts.push(`${kinds.newer.length} newer than podman's profile, ENOSYS there (${few(kinds.newer)})`);
  return `podman uses its own seccomp profile (containers/common), not Docker's: ${a.size - differ.length} of ${a.size} calls answered the same; ${parts.join('; ')}`;
}

/** A seccomp refusal (EPERM, clone3's ENOSYS, a killing signal) sorts before an answer from the kernel. */
const refused = (answer: string) => answer === 'EPERM' || answer === 'ENOSYS' || answer.startsWith('SIG');
function byRefusedFirst(m: Map<string, string>) {
  return (x: string, y: string) => Number(refused(m.get(y) ?? '')) - Number(refused(m.get(x) ?? '')) || x.localeCompare(y);
}

const lines = (raw: string) => raw.split('\n').map((l) => l.trim()).filter(Boolean);
const onlyIn = (a: string[], b: string[]) => a.filter((x) => !b.includes(x));
const sorted = (xs: string[]) => [...new Set(xs)].sort();

/** "00000000a80425fb" → ["AUDIT_WRITE", "CHOWN", …] (an unknown bit N as "N"), sorted. */
export function decodeCapabilities(hex: string): string[] {
  return decodeCapabilityMask(hex.trim() || '0').map((n) => n.replace(/^(CAP|cap)_/, '')).sort();
}

/** The capabilities docker and mini-run grant but podman's default set (containers.conf) leaves out. */
const PODMAN_LEAVES_OUT = ['AUDIT_WRITE', 'MKNOD', 'NET_RAW'];

/** The console's device-cgroup rule: in Docker's default list (and mini-run's), not in podman's. */
const CONSOLE_RULE = 'c 5:1 rwm';

/** Mount points seen on one side only, and the reason each is there. */
const MOUNT_REASONS: ReadonlyArray<[RegExp, string]> = [
  [/^\/sys\/fs\/cgroup(\/|$)/, 'the container\'s own cgroups, mounted read-only: the controllers bound one by one differ (podman also binds the named systemd hierarchy)'],
  [/^\/run\/\.containerenv$/, 'podman\'s marker file ("you are in a podman container")'],
  [/^\/dev\/(null|zero|full|random|urandom|tty)$/, 'mini-run bind-mounts each device from the host into a nodev /dev; runc creates the nodes with mknod'],
  [/^\/(proc|sys)\//, 'the masked-path lists differ (files hidden under /dev/null or an empty tmpfs)'],
];

/** "/a/x, /a/y, /a/z +3 more" */
const few = (paths: string[]) => paths.slice(0, 3).join(', ') + (paths.length > 3 ? ` +${paths.length - 3} more` : '');

function explainMounts(mini: string[], other: string[], engine: string): string | undefined {
  const parts: string[] = [];
  for (const [side, only] of [['mini-run', onlyIn(mini, other)], [engine, onlyIn(other, mini)]] as const) {
    const byReason = new Map<string, string[]>();
    for (const m of only) {
      const reason = MOUNT_REASONS.find(([re]) => re.test(m))?.[1];
      if (!reason) return undefined; // a mount nobody explained: the whole row is unexplained
      byReason.set(reason, [...(byReason.get(reason) ?? []), m]);
    }
    for (const [why, ms] of byReason) parts.push(`only ${side}: ${few(ms)}: ${why}`);
  }
  return parts.join('; ');
}

export const PROBES: readonly Probe[] = [
  {
    name: 'hostname',
    command: 'hostname',
    // both engines name a container after the first 12 hex digits of its id
    normalise: (raw) => lines(raw).map((h) => (/^[0-9a-f]{12}$/.test(h) ? '12 hex chars (short id)' : h)),
    explain: () => undefined,
  },
  {
    name: 'PID',
    command: 'echo $$', // the shell running the probes: the container's first process
    normalise: (raw) => lines(raw).map((p) => (p === '1' ? '1 (PID 1)' : p)),
    explain: () => undefined,
  },
  {
    name: 'user',
    command: 'id',
    normalise: lines,
    explain: (mini, other, ctx) => {
      // "uid=0(root) gid=0(root) groups=0(root),10(wheel)": Docker's engine puts the primary
      // group among the supplementary ones (moby daemon/oci_linux.go getUser); podman does not
      const parse = (l: string[]) => {
        const m = /^(uid=\S+ gid=(\S+))(?: groups=(\S+))?$/.exec(l.join(' '));
        return m ? { ids: m[1], gid: m[2], groups: (m[3] ?? '').split(',').filter(Boolean) } : null;
      };
      const a = parse(mini), b = parse(other);
      if (ctx.engine !== 'podman' || !a || !b || a.ids !== b.ids) return undefined;
      const extra = onlyIn(a.groups, b.groups);
      if (extra.length === 1 && extra[0] === a.gid && onlyIn(b.groups, a.groups).length === 0) {
        return `mini-run, like the Docker engine, lists the primary group ${a.gid} among the supplementary groups; podman does not`;
      }
      return undefined;
    },
  },
  {
    name: 'mounts',
    command: 'cat /proc/self/mountinfo',
    normalise: (raw) => sorted(lines(raw).map((l) => l.split(' ')[4] ?? l)),
    explain: (mini, other, ctx) => explainMounts(mini, other, ctx.engine),
  },
  {
    name: '/dev nodes',
    // devices and directories only: which symlinks exist (/dev/core → /proc/kcore) depends on the host
    command: 'ls -l /dev',
    normalise: (raw) => sorted(lines(raw).filter((l) => /^[cdb]/.test(l)).map((l) => l.split(/\s+/).pop() ?? l)),
    explain: () => undefined,
  },
  {
    name: 'capabilities',
    command: 'grep CapEff /proc/self/status',
    normalise: (raw) => decodeCapabilities(raw.match(/CapEff:\s*([0-9a-f]+)/)?.[1] ?? '0'),
    explain: (mini, other, ctx) => {
      const missing = onlyIn(mini, other);
      if (ctx.engine !== 'podman' || onlyIn(other, mini).length || !missing.every((c) => PODMAN_LEAVES_OUT.includes(c))) return undefined;
      return `podman's default set (default_capabilities in containers.conf) has ${other.length} caps, docker's and mini-run's ${mini.length}: podman leaves out ${missing.join(', ')}`;
    },
  },
  {
    name: 'seccomp',
    // the kernel's view of the confinement: 2 = a seccomp filter is installed (the engine's
    // default profile); NoNewPrivs 1 only with --security-opt no-new-privileges
    command: "grep -E '^(NoNewPrivs|Seccomp):' /proc/self/status",
    normalise: (raw) => lines(raw).map((l) => l.replace(/\s+/g, ' ').replace(/^Seccomp: (\d)$/, (_, m: string) => `Seccomp: ${m} (${['off', 'strict', 'filter'][Number(m)] ?? '?'})`)),
    explain: () => undefined, // both engines install their default profile: no difference is expected
  },
  {
    name: 'device cgroup',
    // which devices the container may use (v1: its devices.list, as Docker's defaults; v2 keeps
    // the rules in a BPF program nothing inside can read)
    command: 'if [ -f /sys/fs/cgroup/devices/devices.list ]; then cat /sys/fs/cgroup/devices/devices.list; else echo "cgroup v2: a BPF program (not readable from inside)"; fi',
    normalise: (raw) => sorted(lines(raw)),
    explain: (mini, other, ctx) => {
      // moby's default spec (oci/defaults.go) allows the console, c 5:1, and mini-run copies
      // Docker's list; podman's (runc's default devices) does not — not even with -t (measured)
      const extra = onlyIn(mini, other);
      if (ctx.engine !== 'podman' || onlyIn(other, mini).length || extra.length !== 1 || extra[0] !== CONSOLE_RULE) return undefined;
      return `mini-run, like the Docker engine, allows ${CONSOLE_RULE} (/dev/console) in every container; podman's default list leaves it out`;
    },
  },
  {
    name: 'system calls',
    // native/syscall-probe, bound in by probeRunFlags: ~90 calls, each answered by the seccomp
    // filter (EPERM; ENOSYS for clone3) or by the kernel behind it (EBADF, EFAULT, ok…)
    command: `if [ -x ${SYSCALL_PROBE_IN_CONTAINER} ]; then ${SYSCALL_PROBE_IN_CONTAINER}; else echo 'not probed: native/build/syscall-probe is not built (a C compiler, then npm run build)'; fi`,
    // the refused calls first, so the table's short cell shows what the filter stops
    normalise: (raw) => {
      const items = lines(raw);
      const m = answers(items);
      return items.every((l) => l.includes(' ')) ? [...m.keys()].sort(byRefusedFirst(m)).map((k) => `${k} ${m.get(k)}`) : items;
    },
    explain: explainSyscalls,
  },
  {
    name: 'cgroup limits',
    // run with PROBE_RUN_FLAGS; read the limits from inside, from whichever hierarchy is mounted
    command: [
      'if [ -f /sys/fs/cgroup/cgroup.controllers ]; then echo "memory=$(cat /sys/fs/cgroup/memory.max) pids=$(cat /sys/fs/cgroup/pids.max)";',
      'elif [ -f /sys/fs/cgroup/memory/memory.limit_in_bytes ]; then echo "memory=$(cat /sys/fs/cgroup/memory/memory.limit_in_bytes) pids=$(cat /sys/fs/cgroup/pids/pids.max)";',
      'else echo "/sys/fs/cgroup not mounted"; fi',
    ].join(' '),
    normalise: (raw) => lines(raw).map((l) => l.replace(/memory=(\d+)/, (_, b: string) => `memory=${Number(b) % 1048576 === 0 ? `${Number(b) / 1048576} MiB` : b}`)),
    explain: () => undefined, // both engines mount the container's own cgroups: no difference is expected
  },
  {
    name: 'network',
    // interface names and which has an address (not the address: each engine has its own subnet)
    command: 'ip -o link show; ip -o -4 addr show; ip route show default',
    normalise: (raw) => {
      const out: string[] = [];
      for (const l of lines(raw)) {
        const link = l.match(/^\d+:\s+([^:@\s]+)[@:]/);
        const addr = l.match(/^\d+:\s+(\S+)\s+inet\s+(\S+)/);
        const route = l.match(/^default via \S+ dev (\S+)/);
        if (addr) out.push(`${addr[1]} inet ${addr[1] === 'lo' ? addr[2] : 'address'}`);
        else if (link) out.push(`${link[1]} link`);
        else if (route) out.push(`default route via ${route[1]}`);
      }
      return sorted(out);
    },
    explain: () => undefined,
  },
  {
    name: 'env',
    command: 'env',
    normalise: (raw) => sorted(lines(raw).map((l) => l.replace(/^HOSTNAME=.*/, 'HOSTNAME=<hostname>'))),
    explain: (mini, other, ctx) => {
      const known: Record<string, string> = {
        'container=podman': 'podman adds container=podman (so programs such as systemd know where they run)',
        'TERM=xterm': 'podman sets TERM=xterm even without -t; docker and mini-run only with -t',
      };
      if (ctx.engine !== 'podman' || onlyIn(mini, other).length) return undefined;
      const extra = onlyIn(other, mini);
      return extra.every((e) => known[e]) ? extra.map((e) => known[e]).join('; ') : undefined;
    },
  },
];

/** A line no probe prints: it separates the probes' outputs in the one combined script. */
export const PROBE_MARKER = '@@mini-run-probe';

/** One `sh -c` script that runs every probe, each after a marker line with its index. */
export function probeScript(probes: readonly Probe[] = PROBES): string {
  return probes.map((p, i) => `echo '${PROBE_MARKER} ${i}'; ( ${p.command} ) 2>&1`).join('\n');
}

const outputLines = (s: string) => (s.endsWith('\n') ? s.slice(0, -1) : s).split('\n');

/** The script's output → each probe's raw output (a missing section is an empty string). */
export function splitProbeOutput(stdout: string, count = PROBES.length): string[] {
  const out = new Array<string>(count).fill('');
  let current = -1;
  for (const line of outputLines(stdout)) {
    const m = line.startsWith(PROBE_MARKER + ' ') ? Number(line.slice(PROBE_MARKER.length + 1)) : NaN;
    if (Number.isInteger(m) && m >= 0 && m < count) current = m;
    else if (current >= 0) out[current] += line + '\n';
  }
  return out;
}

export interface ProbeResult {
  name: string;
  mini: string[];
  other: string[];
  same: boolean;
  /** Why the sides differ; undefined when they are the same or nobody knows why. */
  reason?: string;
}

/** Compare each probe's two outputs. */
export function evaluateProbes(miniRaw: string[], otherRaw: string[], ctx: ProbeContext, probes: readonly Probe[] = PROBES): ProbeResult[] {
  return probes.map((p, i) => {
    const mini = p.normalise(miniRaw[i] ?? '');
    const other = p.normalise(otherRaw[i] ?? '');
    const same = mini.join('\n') === other.join('\n');
    return { name: p.name, mini, other, same, reason: same ? undefined : p.explain(mini, other, ctx) };
  });
}
