/**
 * The trace: every primitive the runtime performs, printed in order to stderr.
 *
 * This is the heart of mini-run's teaching. With `--trace`, each syscall (with decoded flags),
 * each cgroup file write, each netlink request and each command the runtime runs is printed as one line:
 *
 *   [run]  unshare(CLONE_NEWPID) = 0
 *   [init] mount("overlay", "/var/lib/mini-run/…/rootfs", "overlay", MS_NODEV, "lowerdir=…") = 0
 *   [run]  write /sys/fs/cgroup/mini-run/3f2a…/memory.max ← 67108864
 *   [run]  netlink RTM_NEWADDR {eth0 10.88.0.2/16 brd 10.88.255.255} = 0 (ip addr add 10.88.0.2/16 brd + dev eth0)
 *   [run]  exec iptables -w -t nat -N MINI-RUN-POSTROUTING
 *
 * The tag in brackets says which process did it: `run` is the CLI (the parent, on the host),
 * `init` is the container's first process before it becomes the user's program.
 *
 * Lines are written with a synchronous write(2) to a file descriptor so that they are never
 * reordered or lost when the process execs or exits right after.
 */
import { writeSync } from 'node:fs';

let sinkFd: number | null = null;
let role = 'run';
const listeners: Array<(line: string) => void> = [];

/** Turn tracing on (fd = where lines go, normally 2) or off (null). */
export function setTraceSink(fd: number | null, processRole?: string): void {
  sinkFd = fd;
  if (processRole) role = processRole;
}

export function traceEnabled(): boolean {
  return sinkFd !== null || listeners.length > 0;
}

export function traceFd(): number | null {
  return sinkFd;
}

/** The tag of this process's lines ("run", "init", …): a worker thread writes with the same. */
export function traceRole(): string {
  return role;
}

/** Subscribe to trace lines in-process (tests and lessons use it). Returns an unsubscribe. */
export function onTrace(listener: (line: string) => void): () => void {
  listeners.push(listener);
  return () => {
    const i = listeners.indexOf(listener);
    if (i >= 0) listeners.splice(i, 1);
  };
}

// MINI_RUN_TRACE_TIMES=1 prefixes each line with the wall-clock time (ms, last 5 digits), to
// see where a start-up spends its time across the CLI and the init.
const withTimes = process.env.MINI_RUN_TRACE_TIMES === '1';

function emit(text: string): void {
  const stamp = withTimes ? `${((performance.timeOrigin + performance.now()) % 100000).toFixed(1).padStart(7)} ` : '';
  const line = `${stamp}[${role}] ${text}`;
  for (const l of listeners) l(line);
  if (sinkFd === null) return;
  try {
    writeSync(sinkFd, line + '\n');
  } catch {
    // A closed stderr must never break the runtime.
  }
}

/** Quote a string the way strace does: "…", with control characters escaped. */
export function q(s: string | null | undefined): string {
  if (s === null || s === undefined) return 'NULL';
  return JSON.stringify(s);
}

/** A syscall and its result: `name(args) = result`. */
export function traceSyscall(name: string, args: string, result: string | number): void {
  if (!traceEnabled()) return;
  emit(`${name}(${args}) = ${result}`);
}

/** A write to a kernel control file (cgroupfs, /proc/…): `write PATH ← VALUE`. */
export function traceWrite(path: string, value: string): void {
  if (!traceEnabled()) return;
  emit(`write ${path} ← ${value.trim()}`);
}

/** Words as a shell command line: each quoted only when a shell would need it. */
export function shellLine(words: readonly string[]): string {
  return words.map((w) => (/^[\w@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/** A helper command the runtime runs (`ip`, `iptables`, `tar`…). */
export function traceCommand(argv: readonly string[]): void {
  if (!traceEnabled()) return;
  emit(`exec ${shellLine(argv)}`);
}

/** A netlink request and the kernel's answer (sys/netlink.ts): `netlink RTM_NEWLINK {…} = 0 (ip link add …)`. */
export function traceNetlink(text: string): void {
  if (!traceEnabled()) return;
  emit(`netlink ${text}`);
}

/** A step that is not one call (e.g. "child 1234 exited with 0"), shown as a comment. */
export function traceNote(text: string): void {
  if (!traceEnabled()) return;
  emit(`# ${text}`);
}
