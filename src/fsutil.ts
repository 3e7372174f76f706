/** Small filesystem helpers shared by the stores. */
import { accessSync, closeSync, constants as fsc, fstatSync, fsyncSync, lstatSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * Write a file atomically: write a temp file beside it, rename over. Readers see the old or the
 * new content, never half of it. With `durable`, fsync before the rename so the new content
 * also survives a power cut (costs a disk flush: ~1 ms each on the run path, so only for data
 * that cannot be made again).
 */
export function writeFileAtomic(path: string, data: string | Buffer, mode = 0o644, durable = false): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const fd = openSync(tmp, 'w', mode);
  try {
    try {
      writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
      if (durable) fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true }); // a full disk must not leave half a temp file behind
    throw err;
  }
}

/** Bytes used by a directory tree (files' sizes, like `du --apparent-size`), not following links. */
export function treeSize(dir: string): number {
  let total = 0;
  const walk = (d: string) => {
    let entries: string[];
    try { entries = readdirSync(d); } catch { return; }
    for (const e of entries) {
      const p = join(d, e);
      try {
        const st = lstatSync(p);
        if (st.isDirectory()) walk(p);
        else total += st.size;
      } catch { /* vanished */ }
    }
  };
  walk(dir);
  return total;
}

/** errno codes that mean "this filesystem cannot take the write": full, over quota, read-only, failing. */
const WRITE_FAILURES = new Set(['ENOSPC', 'EDQUOT', 'EROFS', 'EIO']);

/** Did a write fail because the filesystem could not take it (not because of a bug of ours)? */
export function isWriteFailure(err: unknown): boolean {
  return WRITE_FAILURES.has((err as NodeJS.ErrnoException | null)?.code ?? '');
}

/** Is it "the disk is full" (no blocks, no inodes, or over quota)? */
export function isOutOfSpace(err: unknown): boolean {
  const e = err as NodeJS.ErrnoException | null;
  return e?.code === 'ENOSPC' || e?.code === 'EDQUOT' || /\b(ENOSPC|EDQUOT)\b|no space left on device|quota exceeded/i.test(e?.message ?? '');
}

/**
 * The fallback of a small record on a full disk: overwrite the file in place, within the blocks
 * it already has (a new temp file would need new ones). Shorter content is padded with spaces,
 * so a reader never sees new content followed by old (JSON allows trailing whitespace). Not
 * atomic like writeFileAtomic, so only for when that cannot be done; throws `original` if the
 * content would need more room than the file holds.
 */
export function overwriteInPlace(path: string, data: string, original: unknown): void {
  const fd = openSync(path, 'r+');
  try {
    const st = fstatSync(fd);
    let buf = Buffer.from(data);
    if (buf.length > st.blocks * 512) throw original;
    if (buf.length < st.size) buf = Buffer.concat([buf, Buffer.alloc(st.size - buf.length, ' ')]);
    if (writeSync(fd, buf, 0, buf.length, 0) !== buf.length) throw original;
  } finally {
    closeSync(fd);
  }
}

/**
 * The first executable `cmd` in the absolute directories of $PATH, then in `alsoIn` (where a
 * tool lives although sudo's or a user's PATH may lack it), or null.
 */
export function findOnPath(cmd: string, alsoIn: readonly string[] = []): string | null {
  for (const d of [...(process.env.PATH ?? '').split(':'), ...alsoIn]) {
    if (!d.startsWith('/')) continue;
    try { accessSync(join(d, cmd), fsc.X_OK); return join(d, cmd); } catch { /* next */ }
  }
  return null;
}
