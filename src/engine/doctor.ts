/**
 * `mini-run doctor`: does this host have what mini-run is built from? One check per primitive,
 * each answered by looking (a probe call, a file in /proc or /sys) rather than by guessing,
 * with what to do when the answer is no.
 *
 * A FAIL is something mini-run cannot work without (root, the syscalls the runtime makes,
 * overlayfs, cgroups, `ip`, the busybox the built-in image is made of); a warn is something
 * that only costs a feature (a missing controller, no packet filter, nothing to `compare` with).
 */
import { spawnSync } from 'node:child_process';
import { accessSync, closeSync, constants as fsc, existsSync, openSync, readFileSync, readSync, realpathSync } from 'node:fs';
import { release } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { paths } from '../paths';
import { tightenedByThisProcess } from '../state-root';
import { lookupImage } from '../image/lookup';
import { BUILTIN_IMAGE } from '../image/builtin';
import { detectFirewall } from '../network/firewall';
import { DEFAULT_MOUNTPOINT, detectCgroupVersion } from '../runtime/cgroups/detect';
import { closeRangeCloexec, close, openat2, pidfdGetfd, RESOLVE } from '../sys/libc';
import { SysError } from '../sys/errors';
import { traceCommand } from '../sys/trace';
import { mountInfo } from './live-facts';
import { nativeBinary, nativeBuildHint } from '../native';
import { gatherRootlessFacts, idMapHelpersCheck, rootlessMountsCheck, rootlessNetworkCheck, subidCheck, unprivilegedUsernsCheck, type RootlessFacts } from './doctor-rootless';
import { findOnPath } from '../fsutil';

export type CheckStatus = 'ok' | 'warn' | 'FAIL';

export interface Check {
  status: CheckStatus;
  name: string;
  detail: string;
  /** What to do about a warn or FAIL. */
  fix?: string;
}

const isRoot = () => process.geteuid?.() === 0;

// ------------------------------------------------------------------- the checks

function checkRoot(): Check {
  if (isRoot()) return { status: 'ok', name: 'root', detail: 'running as root' };
  return {
    status: 'FAIL', name: 'root',
    detail: `not root (uid ${process.geteuid?.()}): namespaces, mounts and cgroups need root; checks below that need it are skipped`,
    fix: 'run mini-run with sudo (`sudo mini-run doctor` checks everything)',
  };
}

/** Call a syscall the runtime relies on; 'missing' only when the kernel says ENOSYS. */
function probe(call: () => void): 'ok' | 'missing' | string {
  try {
    call();
    return 'ok';
  } catch (e) {
    if (e instanceof SysError && e.code === 'ENOSYS') return 'missing';
    return e instanceof SysError ? e.code : (e as Error).message;
  }
}

/** Linux version as [major, minor], from uname's release ("6.1.0-18-amd64" → [6, 1]). */
export function kernelVersion(rel: string = release()): [number, number] {
  const m = /^(\d+)\.(\d+)/.exec(rel);
  return m ? [Number(m[1]), Number(m[2])] : [0, 0];
}

function checkKernel(): Check {
  const rel = release();
  const probes: [string, string, () => void][] = [
    // RESOLVE_IN_ROOT lookups for cp and exec (5.6)
    ['openat2', '5.6', () => {
      const dir = openSync('/', fsc.O_RDONLY | fsc.O_DIRECTORY);
      try { close(openat2(dir, '.', fsc.O_RDONLY | fsc.O_DIRECTORY, RESOLVE.IN_ROOT)); } finally { closeSync(dir); }
    }],
    // copying the terminal out of the init (5.6): our own /dev/null, from ourselves
    ['pidfd_getfd', '5.6', () => {
      const fd = openSync('/dev/null', 'r');
      try { close(pidfdGetfd(process.pid, fd)); } finally { closeSync(fd); }
    }],
    // no fd leaks into the container (5.9, CLOEXEC flag 5.11); fds from 2^20 up: there are none
    ['close_range', '5.11', () => closeRangeCloexec(1 << 20)],
  ];
  const results = probes.map(([name, since, call]) => ({ name, since, r: probe(call) }));
  const bad = results.filter((x) => x.r !== 'ok');
  const detail = `Linux ${rel}; ${results.map((x) => `${x.name} ${x.r === 'ok' ? 'ok' : x.r === 'missing' ? 'MISSING' : x.r}`).join(', ')}`;
  if (bad.length === 0) return { status: 'ok', name: 'kernel', detail };
  const [maj, min] = kernelVersion(rel);
  return {
    status: 'FAIL', name: 'kernel', detail,
    fix: `${bad.map((x) => `${x.name} needs Linux ≥ ${x.since}`).join('; ')}${maj || min ? ` (this is ${maj}.${min})` : ''}: use a newer kernel (the Vagrant VM has one)`,
  };
}

/**
 * User namespaces (container root = an unprivileged host uid): the kernel must allow them
 * (user.max_user_namespaces > 0) and native/build/userns-exec must be built — Node cannot
 * create one itself (runtime/userns.ts). Only a warn: containers without one work regardless.
 */
function checkUserNamespaces(): Check {
  const max = Number(readFileSync('/proc/sys/user/max_user_namespaces', 'utf8').trim());
  const helper = nativeBinary('userns-exec');
  if (!(max > 0)) return { status: 'warn', name: 'user namespaces', detail: 'disabled: user.max_user_namespaces = 0', fix: 'sysctl -w user.max_user_namespaces=15000 (bundles with a "user" namespace need it)' };
  if (!existsSync(helper)) return { status: 'warn', name: 'user namespaces', detail: `allowed (up to ${max}), but ${helper} is not built`, fix: nativeBuildHint() };
  return { status: 'ok', name: 'user namespaces', detail: `allowed (up to ${max}); userns-exec built: config.json uidMappings/gidMappings work` };
}

function checkOverlay(): Check {
  let fss = '';
  try { fss = readFileSync('/proc/filesystems', 'utf8'); } catch { /* no /proc? */ }
  if (/\toverlay$/m.test(fss)) return { status: 'ok', name: 'overlayfs', detail: 'overlay is in /proc/filesystems' };
  const module = join('/lib/modules', release(), 'kernel/fs/overlayfs');
  if (existsSync(module)) {
    return { status: 'warn', name: 'overlayfs', detail: `not loaded yet (module in ${module}; the kernel loads it on the first mount)`, fix: 'modprobe overlay' };
  }
  return { status: 'FAIL', name: 'overlayfs', detail: 'not in /proc/filesystems and no overlayfs module found', fix: 'modprobe overlay, or use a kernel built with CONFIG_OVERLAY_FS' };
}

/** The state root must be on a filesystem overlayfs accepts as an upper dir (not overlayfs itself). */
function checkStateRoot(): Check {
  let dir = paths.root();
  while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir);
  try { dir = realpathSync(dir); } catch { /* keep */ }
  const mounts = mountInfo('self');
  let best: (typeof mounts)[number] | undefined;
  for (const m of mounts) {
    const under = m.mountPoint === '/' || dir === m.mountPoint || dir.startsWith(m.mountPoint + '/');
    if (under && (!best || m.mountPoint.length >= best.mountPoint.length)) best = m;
  }
  const fstype = best?.fstype ?? 'unknown';
  const detail = `${paths.root()} is on ${fstype}${best ? ` (mounted at ${best.mountPoint})` : ''}`;
  if (fstype === 'overlay') {
    return { status: 'FAIL', name: 'state root', detail: `${detail}: overlayfs cannot use it for the containers' upper dirs`, fix: 'use --root (or MINI_RUN_ROOT) on ext4, xfs, btrfs or tmpfs' };
  }
  return { status: 'ok', name: 'state root', detail: `${detail}${privacyNote()}` };
}

/** Whether this command had to make the root private (a root made by an older mini-run). */
function privacyNote(): string {
  if (process.geteuid?.() !== 0) return '';
  const changed = tightenedByThisProcess();
  if (changed.length === 0) return ', private to root (0700)';
  const list = changed.map((t) => `${t.path} was ${t.was.toString(8).padStart(4, '0')}`).join(', ');
  return `, made private to root now (0700; ${list})`;
}

/** /proc/cgroups: `name hierarchy num_cgroups enabled` per v1-capable controller. */
function enabledControllers(): Set<string> {
  const out = new Set<string>();
  try {
    for (const line of readFileSync('/proc/cgroups', 'utf8').split('\n').slice(1)) {
      const [name, , , enabled] = line.split(/\s+/);
      if (name && enabled === '1') out.add(name);
    }
  } catch { /* very new kernels may drop /proc/cgroups */ }
  return out;
}

function checkCgroups(): Check {
  const needed = ['memory', 'pids', 'cpu'];
  let have: string[];
  let kind: string;
  if (detectCgroupVersion() === 2) {
    kind = 'v2 (unified)';
    try { have = readFileSync(join(DEFAULT_MOUNTPOINT, 'cgroup.controllers'), 'utf8').trim().split(/\s+/); } catch { have = []; }
  } else {
    const hybrid = mountInfo('self').some((m) => m.fstype === 'cgroup2');
    kind = hybrid ? 'v1 (hybrid: a cgroup2 tree is mounted too, without controllers)' : 'v1 (legacy)';
    const enabled = enabledControllers();
    have = ['cpuset', 'cpu', 'cpuacct', 'memory', 'pids', 'blkio', 'io', 'devices', 'freezer']
      .filter((c) => existsSync(join(DEFAULT_MOUNTPOINT, c)) && (enabled.size === 0 || enabled.has(c)));
  }
  const detail = `${kind}; controllers: ${have.join(' ') || 'none'}`;
  if (have.length === 0) {
    return { status: 'FAIL', name: 'cgroups', detail, fix: `mount cgroup2 on ${DEFAULT_MOUNTPOINT} (or the v1 controller hierarchies), as systemd does at boot` };
  }
  const missing = needed.filter((c) => !have.includes(c));
  if (detectCgroupVersion() === 1 && !have.includes('freezer')) missing.push('freezer');
  if (missing.length) {
    return { status: 'warn', name: 'cgroups', detail: `${detail}; missing ${missing.join(' ')}`, fix: `limits or pause that need ${missing.join(', ')} will fail; enable the controller(s) (kernel config, or cgroup_enable=… on the kernel command line)` };
  }
  return { status: 'ok', name: 'cgroups', detail };
}

function checkPacketFilter(): Check {
  const fw = detectFirewall();
  if (fw.kind === 'none') {
    return { status: 'warn', name: 'packet filter', detail: fw.detail, fix: 'apt-get install iptables (or nftables): without it containers on the bridge cannot reach out, and published ports work only through 127.0.0.1' };
  }
  const version = fw.detail.split('\n')[0];
  if (!isRoot()) return { status: 'ok', name: 'packet filter', detail: `${fw.kind}: ${version} (not root: its tables were not read)` };
  const r = fw.kind === 'nft' ? quiet(['nft', 'list', 'tables']) : quiet(['iptables', '-w', '-t', 'nat', '-S', 'POSTROUTING']);
  if (r.status !== 0) {
    return { status: 'warn', name: 'packet filter', detail: `${fw.kind}: cannot read the nat table: ${r.text}`, fix: fw.kind === 'nft' ? 'modprobe nf_tables' : 'modprobe iptable_nat, or MINI_RUN_FIREWALL=nft if this host uses nftables' };
  }
  return { status: 'ok', name: 'packet filter', detail: `${fw.kind}: ${version}` };
}

/**
 * The default network needs a bridge and veth pairs. Asking the kernel is the only sure test
 * (either may be built in, a module loaded on first use, or missing): as root, create a
 * throw-away one of each (mr-dr<pid>, mr-dv<pid>) and delete it at once.
 */
function checkNetworkDevices(): Check {
  const name = 'bridge, veth';
  if (!isRoot()) {
    const loaded = ['bridge', 'veth'].filter((mod) => existsSync(`/sys/module/${mod}`));
    return { status: 'ok', name, detail: `not root: not probed (modules loaded: ${loaded.join(' ') || 'none seen, they may be built in'})` };
  }
  const tries: [string, string[], string][] = [
    ['bridge', ['type', 'bridge'], `mr-dr${process.pid}`],
    ['veth', ['type', 'veth', 'peer', 'name', `mr-dw${process.pid}`], `mr-dv${process.pid}`],
  ];
  const failed: string[] = [];
  for (const [kind, args, link] of tries) {
    const r = quiet(['ip', 'link', 'add', link, ...args]);
    quiet(['ip', 'link', 'del', link]); // also when add half-failed; deleting a veth end deletes its peer
    if (r.status !== 0) failed.push(`${kind}: ${r.text}`);
  }
  if (failed.length) {
    return { status: 'FAIL', name, detail: `cannot create ${failed.join('; ')}`, fix: 'modprobe bridge veth (kernel CONFIG_BRIDGE, CONFIG_VETH); until then only --network none or host works' };
  }
  return { status: 'ok', name, detail: 'a bridge and a veth pair could be created (and were deleted again)' };
}

function checkPropagation(): Check {
  const root = mountInfo('self').filter((m) => m.mountPoint === '/').pop();
  const tags = root?.optional ?? [];
  const shared = tags.some((t) => t.startsWith('shared:'));
  const slave = tags.some((t) => t.startsWith('master:'));
  const kind = shared ? `shared (${tags.join(' ')}, systemd's default)` : slave ? `slave (${tags.join(' ')})` : 'private';
  return { status: 'ok', name: 'mount propagation', detail: `/ is ${kind}; each container first makes its own copy of / rprivate, so its mounts never reach the host` };
}

/** Is `cmd` an executable somewhere on PATH (plus the sbin directories sudo adds)? */
const onPath = (cmd: string): string | null => findOnPath(cmd, ['/usr/local/sbin', '/usr/sbin', '/sbin']);

function checkTools(): Check {
  const essential = ['ip', 'nsenter'];
  const optional = ['ps'];
  const found = new Set([...essential, ...optional].filter((c) => onPath(c)));
  const missing = essential.filter((c) => !found.has(c));
  const missingOpt = optional.filter((c) => !found.has(c));
  const detail = [...essential, ...optional].map((c) => `${c} ${found.has(c) ? 'ok' : 'MISSING'}`).join(', ');
  if (missing.length) return { status: 'FAIL', name: 'tools', detail, fix: 'apt-get install iproute2 util-linux (ip: explain\'s network facts, a new network\'s free subnet, doctor\'s bridge and veth probe — bridge and macvlan networks speak netlink themselves; nsenter: explain, and rootless runs)' };
  if (missingOpt.length) return { status: 'warn', name: 'tools', detail, fix: 'apt-get install procps (`mini-run top` runs ps)' };
  return { status: 'ok', name: 'tools', detail };
}

function checkBusybox(): Check {
  let inStore = false;
  try { inStore = lookupImage(BUILTIN_IMAGE) !== null; } catch { /* unreadable store: check the recipe's needs */ }
  if (inStore) return { status: 'ok', name: 'busybox', detail: `${BUILTIN_IMAGE} is already in the image store` };
  const file = process.env.BUSYBOX ?? '/bin/busybox';
  const fix = 'apt-get install busybox-static (the built-in image mini-run/busybox is made from it by rootfs/busybox.sh)';
  const head = Buffer.alloc(64 << 10); // the ELF and program headers are at the start
  try {
    accessSync(file, fsc.X_OK);
    const fd = openSync(file, 'r');
    try { readSync(fd, head, 0, head.length, 0); } finally { closeSync(fd); }
  } catch {
    return { status: 'FAIL', name: 'busybox', detail: `${file} not found`, fix };
  }
  // The image has no libc: only a statically linked busybox can run in it.
  if (hasInterpreter(head)) {
    return { status: 'FAIL', name: 'busybox', detail: `${file} is dynamically linked`, fix };
  }
  const tar = quiet(['tar', '--version']);
  if (tar.status !== 0 || !tar.text.includes('GNU tar')) {
    return { status: 'FAIL', name: 'busybox', detail: `${file} is static, but GNU tar is missing`, fix: 'apt-get install tar (rootfs/busybox.sh needs GNU tar)' };
  }
  return { status: 'ok', name: 'busybox', detail: `${file} is static; ${BUILTIN_IMAGE} will be built from it on first use` };
}

/**
 * Does this ELF file name a program interpreter (a PT_INTERP program header, i.e. it is
 * dynamically linked and needs ld.so and a libc)? 64- and 32-bit, little-endian.
 */
export function hasInterpreter(elf: Buffer): boolean {
  if (elf.length < 52 || elf.readUInt32BE(0) !== 0x7f454c46) return false; // not ELF (a script?)
  const is64 = elf[4] === 2;
  const phoff = is64 ? Number(elf.readBigUInt64LE(32)) : elf.readUInt32LE(28);
  const phentsize = elf.readUInt16LE(is64 ? 54 : 42);
  const phnum = elf.readUInt16LE(is64 ? 56 : 44);
  for (let i = 0; i < phnum; i++) {
    const at = phoff + i * phentsize;
    if (at + 4 > elf.length) break;
    if (elf.readUInt32LE(at) === 3 /* PT_INTERP */) return true;
  }
  return false;
}

/** `compare` needs a Docker engine (`docker info` must reach a daemon) or podman. */
/** Debian's and Ubuntu's sudo `secure_path` (the PATH a `sudo` command gets; not readable unless root). */
const SUDO_SECURE_PATH = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin', '/snap/bin'];

/**
 * Will `sudo mini-run` find node and mini-run? sudo replaces PATH with its secure_path, so a
 * node from nvm, fnm or volta (under the home directory) is not found: "sudo: mini-run: command
 * not found" or "/usr/bin/env: 'node': No such file or directory". Pure, for tests: the paths in.
 */
export function sudoPathCheck(node: string, miniRun: string, exists: (p: string) => boolean, securePath = SUDO_SECURE_PATH): Check {
  const nodeFound = securePath.some((d) => exists(join(d, 'node')));
  const cliFound = securePath.some((d) => exists(join(d, 'mini-run')));
  if (nodeFound && cliFound) return { status: 'ok', name: 'sudo PATH', detail: `sudo finds node and mini-run (secure_path ${securePath.slice(0, 6).join(':')})` };
  const missing = [...(nodeFound ? [] : [`node (${node})`]), ...(cliFound ? [] : [`mini-run (${miniRun})`])];
  const links = [...(nodeFound ? [] : [`sudo ln -sf ${node} /usr/local/bin/node`]), ...(cliFound ? [] : [`sudo ln -sf ${miniRun} /usr/local/bin/mini-run`])];
  return {
    status: 'warn', name: 'sudo PATH',
    detail: `sudo's PATH (secure_path) has no ${missing.join(' and no ')}${nodeFound ? '' : ': node from nvm, fnm or volta lives in your home directory'}`,
    fix: `${links.join(' && ')}   (or run: sudo env "PATH=$PATH" mini-run …)`,
  };
}

function checkSudoPath(): Check {
  return sudoPathCheck(realpathSync(process.execPath), resolve(__dirname, '..', '..', 'bin', 'mini-run'), existsSync);
}

function checkCompare(): Check {
  if (!isRoot()) {
    // compare runs them as root (mini-run needs root); a user's rootless podman is another story.
    const found = ['docker', 'podman'].filter((c) => onPath(c));
    return { status: 'warn', name: 'compare', detail: `not root: docker/podman not asked (found: ${found.join(', ') || 'neither'})`, fix: 'sudo mini-run doctor' };
  }
  const notes: string[] = [];
  if (onPath('docker')) {
    const d = quiet(['docker', 'info', '--format', '{{.ServerVersion}}'], 10_000);
    if (d.status === 0 && d.text) return { status: 'ok', name: 'compare', detail: `docker engine ${d.text}` };
    notes.push(`docker: client only, no daemon (${d.text || 'docker info failed'})`);
  } else notes.push('docker: not installed');
  if (onPath('podman')) {
    const p = quiet(['podman', 'info', '--format', '{{.Version.Version}}'], 20_000);
    if (p.status === 0 && p.text) return { status: 'ok', name: 'compare', detail: `podman ${p.text}${notes.length ? ` (${notes.join('; ')})` : ''}` };
    notes.push(`podman: ${p.text || 'podman info failed'}`);
  } else notes.push('podman: not installed');
  return { status: 'warn', name: 'compare', detail: notes.join('; '), fix: 'start a Docker engine (systemctl start docker) or apt-get install podman, for `mini-run compare`' };
}

/** Run a probe command (traced), never throwing: its status and first line of output. */
function quiet(argv: string[], timeoutMs = 5_000): { status: number; text: string } {
  traceCommand(argv);
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', timeout: timeoutMs, stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.error) return { status: -1, text: (r.error as NodeJS.ErrnoException).code === 'ETIMEDOUT' ? `no answer in ${timeoutMs / 1000} s` : r.error.message };
  const text = ((r.status === 0 ? r.stdout : r.stderr || r.stdout) ?? '').trim().split('\n').filter(Boolean);
  return { status: r.status ?? -1, text: (r.status === 0 ? text[0] : text[text.length - 1]) ?? '' };
}

// ------------------------------------------------------------------------ the run

/** Every check, in the order a learner would fix them. A check that throws becomes a FAIL line. */
export function runDoctor(): { checks: Check[]; ok: boolean } {
  // The rootless checks share one look at the host (files, helpers, two unshare probes).
  let rootless: RootlessFacts | undefined;
  const facts = () => (rootless ??= gatherRootlessFacts());
  const all: [string, () => Check][] = [
    ['root', checkRoot], ['kernel', checkKernel], ['overlayfs', checkOverlay], ['state root', checkStateRoot], ['user namespaces', checkUserNamespaces],
    ['subuid/subgid', () => subidCheck(facts())], ['newuidmap', () => idMapHelpersCheck(facts())], ['unprivileged userns', () => unprivilegedUsernsCheck(facts())],
    ['rootless mounts', () => rootlessMountsCheck(facts())], ['rootless network', () => rootlessNetworkCheck(facts())],
    ['cgroups', checkCgroups], ['bridge, veth', checkNetworkDevices], ['packet filter', checkPacketFilter], ['mount propagation', checkPropagation],
    ['tools', checkTools], ['sudo PATH', checkSudoPath], ['busybox', checkBusybox], ['compare', checkCompare],
  ];
  const checks = all.map(([name, fn]) => {
    try {
      return fn();
    } catch (e) {
      return { status: 'FAIL' as const, name, detail: `the check itself failed: ${(e as Error).message}` };
    }
  });
  return { checks, ok: checks.every((c) => c.status !== 'FAIL') };
}
