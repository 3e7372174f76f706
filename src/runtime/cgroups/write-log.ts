/**
 * Writes that can be taken back. `update` changes a live cgroup value by value; the kernel may
 * refuse one of them half-way (memory.limit_in_bytes below what the group uses: EBUSY), and
 * then the values already written must go back, so the group ends exactly as it was.
 * `create` has nothing to take back (the new group is removed on failure) and writes directly.
 */
import { readCgroupFile, writeCgroupFile } from './cgroupfs';
import { traceNote } from '../../sys/trace';

/** How a driver writes one value: `restore` is what to write to undo it (default: the file's current content). */
export type CgroupWriter = (path: string, value: string, restore?: string) => void;

export const writeDirectly: CgroupWriter = (path, value) => writeCgroupFile(path, value);

export class WriteLog {
  private readonly done: Array<{ path: string; restore: string }> = [];

  readonly write: CgroupWriter = (path, value, restore) => {
    const before = restore ?? (readCgroupFile(path) ?? '').trim();
    writeCgroupFile(path, value);
    this.done.push({ path, restore: before });
  };

  /** Put every written value back, the last one first. Best effort: the first failure is the one reported. */
  undo(): void {
    for (const { path, restore } of this.done.reverse()) {
      try {
        writeCgroupFile(path, restore);
      } catch (e) {
        traceNote(`could not restore ${path}: ${(e as Error).message}`);
      }
    }
    this.done.length = 0;
  }
}
