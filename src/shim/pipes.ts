/**
 * The pipes between a container without a terminal and its supervisor. Real pipes (pipe2),
 * not the socketpairs Node makes for `stdio: 'pipe'` — see `pipe()` in sys/libc.ts.
 * A module of its own because `run` makes them before anything else (see engine/run-start.ts).
 */
import { closeSync } from 'node:fs';
import { pipe } from '../sys/libc';
import type { StdioTarget } from '../runtime';

type Pipe = { read: number; write: number };

/** The pipes for a container without a terminal, and the fds its program gets from them. */
export interface ContainerPipes {
  out: Pipe | null;
  err: Pipe | null;
  in: Pipe | null;
  stdio: [StdioTarget, StdioTarget, StdioTarget];
}

/** Real pipes for stdout/stderr (and stdin with -i), read by the supervisor. None with a terminal. */
export function containerPipes(terminal: boolean, stdin: boolean): ContainerPipes {
  const out = terminal ? null : pipe();
  const err = terminal ? null : pipe();
  const inp = !terminal && stdin ? pipe() : null;
  return { out, err, in: inp, stdio: [inp ? inp.read : 'ignore', out ? out.write : 'ignore', err ? err.write : 'ignore'] };
}

/** Close both ends of every pipe (the container was never started). */
export function closePipes(p: ContainerPipes): void {
  for (const x of [p.out, p.err, p.in]) {
    if (!x) continue;
    for (const fd of [x.read, x.write]) {
      try { closeSync(fd); } catch { /* closed */ }
    }
  }
}
