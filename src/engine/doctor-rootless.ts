/**
 * `mini-run doctor`'s checks for user namespaces made WITHOUT root (rootless containers, as
 * podman's): what the host must give an ordinary user before it can map a range of ids.
 *
 *  - subuid/subgid: lines `USER:START:COUNT` in /etc/subuid and /etc/subgid, the ids the user
 *    may map besides its own (65536 of them: images name users up to 65534, nobody);
 *  - newuidmap/newgidmap (Debian's `uidmap`): set-uid root helpers that write those ranges into
 *    a namespace's uid_map/gid_map — the kernel lets an unprivileged process map only its own id;
 *  - the kernel lets the user create a user namespace at all: user.max_user_namespaces > 0,
 *    Debian's old kernel.unprivileged_userns_clone = 1 where it exists, and Ubuntu 24.04's
 *    kernel.apparmor_restrict_unprivileged_userns = 0 (or a profile allowing it) — checked by
 *    asking: `unshare --user --map-root-user true` run as that user;
 *  - what rootless runs use next: slirp4netns and a /dev/net/tun the user may open (the default
 *    network), util-linux unshare with --map-users and overlayfs inside a user namespace (the
 *    re-run and the image's layers).
 *
 * The user checked: the caller, or under sudo the user who called sudo (SUDO_USER). Pure
 * functions of gathered facts, so each answer is unit-tested; all are warnings: containers run
 * by root do not need any of this (--userns private makes its own range on first use).
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants as fsc, readFileSync, statSync } from 'node:fs';
import { userInfo } from 'node:os';
import type { Check } from './doctor';
import { DEFAULT_REMAP_USER } from './userns-remap';
import { RANGE_SIZE, freeRangeStart } from './subid';
import { findOnPath } from '../fsutil';

export interface IdMapHelper {
  path: string | null;
  /** Owned by root with the set-uid bit (Debian, Ubuntu). */
  setuidRoot: boolean;
  /** Output of `getcap PATH` (Fedora gives them cap_setuid/cap_setgid instead of set-uid). */
  fileCaps: string;
}

export interface RootlessFacts {
  /** Who would run rootless: the caller, or SUDO_USER under sudo; null for root itself. */
  user: { name: string; uid: number; gid: number } | null;
  subuid: string;
  subgid: string;
  newuidmap: IdMapHelper;
  newgidmap: IdMapHelper;
  maxUserNamespaces: number;
  /** kernel.unprivileged_userns_clone (Debian's patch, kernels before 11's) — null where absent. */
  unprivilegedClone: string | null;
  /** kernel.apparmor_restrict_unprivileged_userns (Ubuntu 23.10+) — null where absent. */
  apparmorRestrict: string | null;
  /** `unshare --user --map-root-user true` as the user (or nobody): did the kernel allow it? */
  probe: { asUid: number; ok: boolean; text: string };
  /** slirp4netns on PATH (the default network rootless), or null. */
  slirp4netns: string | null;
  /** /dev/net/tun's owner and mode (slirp4netns opens it as the user), null when absent. */
  tun: { mode: number; uid: number; gid: number } | null;
  /** Can the user read and write /dev/net/tun (asked of the kernel when we are that user). */
  tunUsable: boolean;
  /** util-linux `unshare` knows --map-users (2.38+): the rootless re-run maps the range with it. */
  unshareMapsRange: boolean;
  /** overlayfs mounted by root of a user namespace of that user (Linux 5.11+): rootless layers. */
  overlayProbe: { ok: boolean; text: string };
}

/** The user's ranges in a subuid/subgid file (by name or by uid), as `START-END` and a total. */
export function rangesOf(text: string, name: string, uid: number): { ranges: string[]; total: number } {
  const ranges: string[] = [];
  let total = 0;
  for (const line of text.split('\n')) {
    const [who, start, count] = line.trim().split(':');
    if ((who === name || who === String(uid)) && /^\d+$/.test(start ?? '') && /^\d+$/.test(count ?? '') && Number(count) > 0) {
      ranges.push(`${start}-${Number(start) + Number(count) - 1}`);
      total += Number(count);
    }
  }
  return { ranges, total };
}

export function subidCheck(f: RootlessFacts): Check {
  const name = 'subuid/subgid';
  if (!f.user) {
    return {
      status: 'ok', name,
      detail: `root: --userns private adds a range for its remap user (${DEFAULT_REMAP_USER}) on first use; a user without sudo needs lines of its own (run \`mini-run doctor\` as that user, or with sudo from it)`,
    };
  }
  const { name: user, uid } = f.user;
  const u = rangesOf(f.subuid, user, uid);
  const g = rangesOf(f.subgid, user, uid);
  const start = freeRangeStart(f.subuid, f.subgid);
  const add = `sudo usermod --add-subuids ${start}-${start + RANGE_SIZE - 1} --add-subgids ${start}-${start + RANGE_SIZE - 1} ${user}`;
  const show = (file: string, r: { ranges: string[]; total: number }) => `${file} ${r.ranges.length ? `${r.ranges.join(',')} (${r.total} ids)` : 'none'}`;
  const detail = `${user} (uid ${uid}): ${show('/etc/subuid', u)}, ${show('/etc/subgid', g)}`;
  if (u.total === 0 || g.total === 0) {
    return { status: 'warn', name, detail: `${detail}: without them a container without sudo has only one user (its root)`, fix: add };
  }
  if (u.total < RANGE_SIZE || g.total < RANGE_SIZE) {
    return { status: 'warn', name, detail: `${detail}: fewer than ${RANGE_SIZE}: files of images owned by users up to 65534 (nobody) cannot be mapped`, fix: add };
  }
  return { status: 'ok', name, detail };
}

export function idMapHelpersCheck(f: RootlessFacts): Check {
  const name = 'newuidmap';
  const helpers = [['newuidmap', f.newuidmap], ['newgidmap', f.newgidmap]] as const;
  const missing = helpers.filter(([, h]) => !h.path).map(([n]) => n);
  if (missing.length) {
    return {
      status: 'warn', name, detail: `${missing.join(' and ')} not found: an unprivileged user can map only its own id into a user namespace`,
      fix: 'sudo apt-get install uidmap (shadow\'s set-uid helpers that write the /etc/subuid ranges into uid_map and gid_map)',
    };
  }
  const describe = ([, h]: (typeof helpers)[number]) => `${h.path} ${h.setuidRoot ? 'set-uid root' : h.fileCaps ? `file capabilities ${h.fileCaps}` : 'NOT set-uid'}`;
  const detail = helpers.map(describe).join(', ');
  const powerless = helpers.filter(([, h]) => !h.setuidRoot && !/cap_set[ug]id/.test(h.fileCaps));
  if (powerless.length) {
    return {
      status: 'warn', name, detail: `${detail}: without root's power they cannot write a range into uid_map`,
      fix: `sudo chmod u+s ${powerless.map(([, h]) => h.path).join(' ')}   (Debian's uidmap installs them set-uid root; or setcap cap_setuid+ep / cap_setgid+ep)`,
    };
  }
  return { status: 'ok', name, detail };
}

export function unprivilegedUsernsCheck(f: RootlessFacts): Check {
  const name = 'unprivileged userns';
  const who = f.user ? `${f.user.name} (uid ${f.probe.asUid})` : `uid ${f.probe.asUid} (nobody)`;
  const sysctls = [
    `kernel.unprivileged_userns_clone ${f.unprivilegedClone ?? 'absent'}`,
    `kernel.apparmor_restrict_unprivileged_userns ${f.apparmorRestrict ?? 'absent'}`,
  ].join(', ');
  const persist = (key: string, value: number) => `sudo sysctl -w ${key}=${value} (and echo ${key}=${value} | sudo tee /etc/sysctl.d/60-mini-run.conf to keep it)`;
  if (!(f.maxUserNamespaces > 0)) {
    return { status: 'warn', name, detail: `user.max_user_namespaces = ${f.maxUserNamespaces}: nobody may create one`, fix: persist('user.max_user_namespaces', 15000) };
  }
  if (f.unprivilegedClone === '0') {
    return { status: 'warn', name, detail: `${sysctls}: only root may create user namespaces (Debian's patch)`, fix: persist('kernel.unprivileged_userns_clone', 1) };
  }
  if (f.apparmorRestrict === '1') {
    return {
      status: 'warn', name, detail: `${sysctls}: AppArmor (Ubuntu 23.10+) takes every capability from a user namespace an unconfined program makes`,
      fix: `${persist('kernel.apparmor_restrict_unprivileged_userns', 0)}; or an AppArmor profile with the "userns," rule for the node binary that runs mini-run`,
    };
  }
  if (!f.probe.ok) {
    return { status: 'warn', name, detail: `${sysctls}; \`unshare --user --map-root-user true\` as ${who} failed: ${f.probe.text}`, fix: 'check the kernel\'s CONFIG_USER_NS and any security module (AppArmor, SELinux) that restricts user namespaces' };
  }
  return { status: 'ok', name, detail: `${who} may create one (unshare --user --map-root-user true worked); ${sysctls}` };
}

/** What rootless networking uses: slirp4netns, which opens /dev/net/tun as the user. */
export function rootlessNetworkCheck(f: RootlessFacts): Check {
  const name = 'rootless network';
  const who = f.user ? f.user.name : 'users other than root';
  if (!f.slirp4netns) {
    return { status: 'warn', name, detail: 'slirp4netns not found: rootless containers have --network none or host only', fix: 'sudo apt-get install slirp4netns' };
  }
  if (!f.tun) {
    return { status: 'warn', name, detail: `${f.slirp4netns}; no /dev/net/tun: slirp4netns cannot make the container's tap device`, fix: 'sudo modprobe tun' };
  }
  const mode = `/dev/net/tun ${(f.tun.mode & 0o777).toString(8).padStart(4, '0')} uid ${f.tun.uid} gid ${f.tun.gid}`;
  if (!f.tunUsable) {
    return {
      status: 'warn', name, detail: `${f.slirp4netns}; ${mode}: slirp4netns, run as ${who}, cannot open it (rootless networks need it; --network none and host work)`,
      fix: 'sudo chmod 0666 /dev/net/tun (what distributions\' udev sets; /dev/net/tun only makes devices in namespaces the opener owns)',
    };
  }
  return { status: 'ok', name, detail: `${f.slirp4netns}; ${mode}: read-write for ${who}` };
}

/** What the rootless re-run uses: unshare mapping the range, and overlayfs inside the user namespace. */
export function rootlessMountsCheck(f: RootlessFacts): Check {
  const name = 'rootless mounts';
  if (!f.unshareMapsRange) {
    return { status: 'warn', name, detail: 'util-linux unshare has no --map-users (it came in 2.38): rootless mini-run cannot map the subuid range', fix: 'a util-linux of 2.38 or later (Debian 12, Ubuntu 22.10+)' };
  }
  if (!f.overlayProbe.ok) {
    return {
      status: 'warn', name, detail: `overlayfs mounted in a user namespace failed (${f.overlayProbe.text}): rootless containers need it for the image's layers`,
      fix: 'Linux 5.11 or later (overlayfs in user namespaces); mini-run does not use fuse-overlayfs',
    };
  }
  return { status: 'ok', name, detail: 'unshare --map-users; overlayfs mounts in a user namespace of the user' };
}

// ------------------------------------------------------------------- gathering the facts

function readOr(file: string, fallback: string | null): string | null {
  try { return readFileSync(file, 'utf8'); } catch { return fallback; }
}

function sysctl(key: string): string | null {
  return readOr(`/proc/sys/${key.replace(/\./g, '/')}`, null)?.trim() ?? null;
}

function findHelper(cmd: string): IdMapHelper {
  const dirs = [...(process.env.PATH ?? '').split(':'), '/usr/bin', '/usr/sbin', '/bin', '/sbin'];
  for (const d of dirs) {
    if (!d.startsWith('/')) continue;
    const path = `${d}/${cmd}`;
    try { accessSync(path, fsc.X_OK); } catch { continue; }
    const st = statSync(path);
    const setuidRoot = st.uid === 0 && (st.mode & 0o4000) !== 0 /* S_ISUID */;
    let fileCaps = '';
    if (!setuidRoot) {
      const r = spawnSync('getcap', [path], { encoding: 'utf8', timeout: 5_000 });
      fileCaps = (r.stdout ?? '').replace(path, '').trim();
    }
    return { path, setuidRoot, fileCaps };
  }
  return { path: null, setuidRoot: false, fileCaps: '' };
}

/** The caller, or the user who ran sudo; null for root with no SUDO_USER. */
function rootlessUser(): RootlessFacts['user'] {
  const euid = process.geteuid?.() ?? 0;
  if (euid !== 0) {
    let name = String(euid);
    try { name = userInfo().username; } catch { /* no passwd entry: ranges may name the uid */ }
    return { name, uid: euid, gid: process.getegid?.() ?? euid };
  }
  const { SUDO_USER, SUDO_UID, SUDO_GID } = process.env;
  if (SUDO_USER && SUDO_UID && /^\d+$/.test(SUDO_UID) && SUDO_UID !== '0') {
    return { name: SUDO_USER, uid: Number(SUDO_UID), gid: /^\d+$/.test(SUDO_GID ?? '') ? Number(SUDO_GID) : Number(SUDO_UID) };
  }
  return null;
}

/** Are `mode`'s bits rw for this uid and these groups (owner, then group, then others: the first that applies)? */
export function readWriteFor(tun: { mode: number; uid: number; gid: number }, uid: number, groups: number[]): boolean {
  const shift = tun.uid === uid ? 6 : groups.includes(tun.gid) ? 3 : 0;
  return ((tun.mode >> shift) & 0o6) === 0o6;
}

/** The last line a failed command said, or its status. */
function lastWords(r: ReturnType<typeof spawnSync>): string {
  if (r.error) return r.error.message;
  return String(r.stderr ?? '').trim().split('\n').pop() || `exit ${r.status}`;
}

export function gatherRootlessFacts(): RootlessFacts {
  const user = rootlessUser();
  const asUid = user?.uid ?? 65534;
  const asGid = user?.gid ?? 65534;
  const asRoot = process.geteuid?.() === 0;
  // As root, spawn the probes as that user (spawnSync's uid/gid); otherwise we are that user.
  const asUser = { encoding: 'utf8' as const, timeout: 5_000, cwd: '/', ...(asRoot ? { uid: asUid, gid: asGid } : {}) };
  const r = spawnSync('unshare', ['--user', '--map-root-user', 'true'], asUser);
  const text = r.error ? r.error.message : (r.stderr ?? '').trim().split('\n').pop() ?? '';
  // overlayfs as root of the user's own user namespace, on a tmpfs of that namespace's own mount
  // namespace (both go with it): what a rootless run does with the image's layers.
  const overlay = spawnSync('unshare', ['--user', '--map-root-user', '--mount', 'sh', '-c',
    'mount -t tmpfs tmpfs /tmp && mkdir /tmp/l /tmp/u /tmp/w /tmp/m && mount -t overlay overlay -o lowerdir=/tmp/l,upperdir=/tmp/u,workdir=/tmp/w /tmp/m'], asUser);
  let tun: RootlessFacts['tun'] = null;
  try { const st = statSync('/dev/net/tun'); tun = { mode: st.mode & 0o7777, uid: st.uid, gid: st.gid }; } catch { /* absent */ }
  let tunUsable = false;
  if (tun && !asRoot) {
    try { accessSync('/dev/net/tun', fsc.R_OK | fsc.W_OK); tunUsable = true; } catch { /* not for us */ }
  } else if (tun) {
    // root reads the bits for that user (root itself could open anything)
    const groups = user ? (spawnSync('id', ['-G', user.name], { encoding: 'utf8', timeout: 5_000 }).stdout ?? '').trim().split(/\s+/).filter(Boolean).map(Number) : [];
    tunUsable = readWriteFor(tun, asUid, groups.length ? groups : [asGid]);
  }
  return {
    user,
    subuid: readOr('/etc/subuid', '') ?? '',
    subgid: readOr('/etc/subgid', '') ?? '',
    newuidmap: findHelper('newuidmap'),
    newgidmap: findHelper('newgidmap'),
    maxUserNamespaces: Number(sysctl('user.max_user_namespaces') ?? 0),
    unprivilegedClone: sysctl('kernel.unprivileged_userns_clone'),
    apparmorRestrict: sysctl('kernel.apparmor_restrict_unprivileged_userns'),
    probe: { asUid, ok: !r.error && r.status === 0, text: text || `exit ${r.status}` },
    slirp4netns: findOnPath('slirp4netns', ['/usr/bin', '/bin', '/usr/local/bin']),
    tun, tunUsable,
    unshareMapsRange: (spawnSync('unshare', ['--help'], { encoding: 'utf8', timeout: 5_000 }).stdout ?? '').includes('--map-users'),
    overlayProbe: { ok: !overlay.error && overlay.status === 0, text: lastWords(overlay) },
  };
}
