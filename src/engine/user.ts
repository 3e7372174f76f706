/**
 * `-u user[:group]`: turning names into the numbers the kernel uses, from the *image's*
 * /etc/passwd and /etc/group (not the host's: uid 1000 is someone else out there).
 */
import { UserError } from '../errors';

export interface ResolvedUser { uid: number; gid: number; additionalGids: number[]; home: string }

interface PasswdEntry { name: string; uid: number; gid: number; home: string }
interface GroupEntry { name: string; gid: number; members: string[] }

export function parsePasswd(text: string): PasswdEntry[] {
  return text.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => {
    const f = l.split(':');
    return { name: f[0], uid: Number(f[2]), gid: Number(f[3]), home: f[5] || '/' };
  }).filter((e) => Number.isInteger(e.uid) && Number.isInteger(e.gid));
}

export function parseGroup(text: string): GroupEntry[] {
  return text.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => {
    const f = l.split(':');
    return { name: f[0], gid: Number(f[2]), members: (f[3] ?? '').split(',').filter(Boolean) };
  }).filter((e) => Number.isInteger(e.gid));
}

const isNumber = (s: string) => /^\d+$/.test(s);

/** The kernel takes 32-bit ids, and (uid_t)-1 means "leave unchanged" to setresuid: refuse what would be reinterpreted. */
const MAX_ID = 2 ** 31 - 1;
function checkedId(s: string): number {
  const n = Number(s);
  if (!Number.isSafeInteger(n) || n > MAX_ID) throw new UserError(`uids and gids must be in range 0-${MAX_ID}`, 125);
  return n;
}

/**
 * Resolve `user[:group]` (names or numbers) like docker: unknown names are an error, unknown
 * numbers are fine. `groupAdd` (--group-add: names or numbers) joins the supplementary groups.
 */
export function resolveUser(spec: string, passwdText: string | null, groupText: string | null, groupAdd: readonly string[] = []): ResolvedUser {
  const [userPart, groupPart] = spec.split(':', 2);
  const passwd = parsePasswd(passwdText ?? '');
  const groups = parseGroup(groupText ?? '');
  let uid: number, gid: number, home = '/', name: string | null = null;
  if (userPart === '' || userPart === undefined) {
    uid = 0; gid = 0; home = '/root'; name = 'root';
  } else if (isNumber(userPart)) {
    uid = checkedId(userPart);
    const e = passwd.find((p) => p.uid === uid);
    gid = e?.gid ?? 0;
    home = e?.home ?? '/';
    name = e?.name ?? null;
  } else {
    const e = passwd.find((p) => p.name === userPart);
    if (!e) throw new UserError(`unable to find user ${userPart}: no matching entries in passwd file`, 125);
    uid = e.uid; gid = e.gid; home = e.home; name = e.name;
  }
  if (groupPart !== undefined && groupPart !== '') {
    if (isNumber(groupPart)) gid = checkedId(groupPart);
    else {
      const g = groups.find((x) => x.name === groupPart);
      if (!g) throw new UserError(`unable to find group ${groupPart}: no matching entries in group file`, 125);
      gid = g.gid;
    }
  }
  // Supplementary groups, as the Docker engine sets them: the primary group first, then every
  // group that lists the user by name (as initgroups(3) does), then --group-add's.
  const listed = name ? groups.filter((g) => g.members.includes(name!)).map((g) => g.gid) : [];
  const added = groupAdd.map((g) => {
    if (isNumber(g)) return checkedId(g);
    const found = groups.find((x) => x.name === g);
    if (!found) throw new UserError(`Unable to find group ${g}: no matching entries in group file`, 125);
    return found.gid;
  });
  if (uid === 0 && home === '/') home = '/root';
  return { uid, gid, additionalGids: [...new Set([gid, ...listed, ...added])], home };
}
