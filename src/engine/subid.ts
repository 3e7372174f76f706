/**
 * /etc/subuid and /etc/subgid (lines NAME:START:COUNT): the host ids a user may map into a user
 * namespace. Pure text functions, no imports: the CLI reads them before loading anything else
 * (cli/rootless.ts), the engine when it makes a remap user's range (userns-remap.ts).
 */

/** How many ids a container gets (dockerd's and podman's 65536: uids 0..65535, nobody included). */
export const RANGE_SIZE = 65536;
/** Where new ranges start (below: real users' uids). */
const FIRST_RANGE_START = 100000;

/** The user's first range in /etc/subuid or /etc/subgid (lines NAME:START:COUNT), or null. */
export function findRange(text: string, user: string, id: number | null): { start: number; count: number } | null {
  for (const line of text.split('\n')) {
    const [name, start, count] = line.trim().split(':');
    if ((name === user || (id !== null && name === String(id))) && /^\d+$/.test(start ?? '') && /^\d+$/.test(count ?? '')) {
      return { start: Number(start), count: Number(count) };
    }
  }
  return null;
}

/** The first RANGE_SIZE block at or above 100000 that no line of either file overlaps. */
export function freeRangeStart(...files: string[]): number {
  const taken = files.flatMap((t) => t.split('\n')).map((l) => l.trim().split(':'))
    .filter((f) => f.length >= 3 && /^\d+$/.test(f[1]) && /^\d+$/.test(f[2]))
    .map((f) => ({ start: Number(f[1]), end: Number(f[1]) + Number(f[2]) }));
  let start = FIRST_RANGE_START;
  for (let moved = true; moved;) {
    moved = false;
    for (const t of taken) {
      if (start < t.end && t.start < start + RANGE_SIZE) { start = t.end; moved = true; }
    }
  }
  return start;
}
