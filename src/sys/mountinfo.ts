/**
 * /proc/PID/mountinfo, parsed: one line per mount of the process's mount namespace, as the
 * process sees it (mounts outside its root are left out by the kernel). Used by the runtime
 * (mounts a `--mount-ns host` container left in the host's table) and by `explain`/`doctor`.
 *
 *   36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue
 *   id parent dev root mountpoint options [optional…] - fstype source super-options
 */
export interface MountInfo {
  id: number;
  parentId: number;
  /** The directory of the filesystem that is mounted here ('/' unless a bind mount of a sub-path). */
  root: string;
  /** Where, as the process sees it. */
  mountPoint: string;
  /** Per-mount options (ro/rw, nosuid…). */
  options: string[];
  /** Propagation tags: 'shared:N', 'master:N', … (none = private). */
  optional: string[];
  fstype: string;
  source: string;
  /** Filesystem ("super block") options: for overlay, lowerdir=… upperdir=… workdir=…. */
  superOptions: string[];
}

/** mountinfo escapes space, tab, newline and backslash as \ooo octal. */
function unescapeOctal(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/** A path as mountinfo writes it (unescapeOctal's inverse): to look for it in the raw text. */
export function escapeMountPath(path: string): string {
  return path.replace(/[ \t\n\\]/g, (c) => `\\${c.charCodeAt(0).toString(8).padStart(3, '0')}`);
}

/** Split a super-options string at commas (overlay paths escape their own commas as '\,'). */
function splitOptions(s: string): string[] {
  return s.split(/(?<!\\),/).filter((o) => o !== '');
}

export function parseMountInfo(text: string): MountInfo[] {
  const out: MountInfo[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const f = line.split(' ');
    const dash = f.indexOf('-', 6);
    if (dash < 0 || f.length < dash + 3) continue;
    out.push({
      id: Number(f[0]),
      parentId: Number(f[1]),
      root: unescapeOctal(f[3]),
      mountPoint: unescapeOctal(f[4]),
      options: f[5].split(','),
      optional: f.slice(6, dash),
      fstype: f[dash + 1],
      source: unescapeOctal(f[dash + 2]),
      superOptions: splitOptions(unescapeOctal(f.slice(dash + 3).join(' '))),
    });
  }
  return out;
}

