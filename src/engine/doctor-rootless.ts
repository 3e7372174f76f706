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
 *    asking: `unshare --user --map-root-user true` run as that user.
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

export function gatherRootlessFacts(): RootlessFacts {
  const user = rootlessUser();
  const asUid = user?.uid ?? 65534;
  const asGid = user?.gid ?? 65534;
  // As root, spawn the probe as that user (spawnSync's uid/gid); otherwise we are that user.
  const r = spawnSync('unshare', ['--user', '--map-root-user', 'true'], {
    encoding: 'utf8', timeout: 5_000, cwd: '/', ...(process.geteuid?.() === 0 ? { uid: asUid, gid: asGid } : {}),
  });
  const text = r.error ? r.error.message : (r.stderr ?? '').trim().split('\n').pop() ?? '';
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
  };
}
