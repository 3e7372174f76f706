/**
 * /proc/PID/stat, the one field mini-run reads from it: the process's start time (field 22, in
 * clock ticks since boot). A PID can be reused; PID + start time names one process for good.
 */
import { readFileSync } from 'node:fs';

/** The kernel's start time of a process, or null when it is gone. */
export function processStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the command name (field 2) may hold spaces and ')': count fields after its last ')'
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}
