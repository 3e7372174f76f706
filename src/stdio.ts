/**
 * Standard output and error without Node's stream objects, for the commands people time (`ps`,
 * `images`, `inspect`, `logs`). The first touch of `process.stdout` or `process.stderr` makes a
 * stream object: for a file or /dev/null a SyncWriteStream, for a pipe a net.Socket, for a
 * terminal a tty.WriteStream — about twenty of Node's own modules (the streams, net, tty) compiled
 * and run, 4–8 ms of a fresh Node, more than the rest of a `ps` after its modules are loaded
 * (docs/perf.md, "session 14: the read commands"). A whole text written with one write(2) on
 * the descriptor is what those streams end up doing anyway (Node writes files, pipes and
 * terminals synchronously on Linux).
 *
 * `whenStdioMade` runs a setup (main.ts's EPIPE handlers) when a stream is first made instead of
 * making it at once; `writeOut` writes through the stream when there is one already (its queue
 * comes first), else with write(2) — and when the descriptor would block (EAGAIN: someone made it
 * non-blocking), hands the rest to the stream, which waits for it.
 */
import { writeSync } from 'node:fs';

type Fd = 1 | 2;
const NAMES = { 1: 'stdout', 2: 'stderr' } as const;
/** A stream object exists for this descriptor (made by anyone, through the property). */
const made = { 1: false, 2: false };
const setups: { 1: Array<(s: NodeJS.WriteStream) => void>; 2: Array<(s: NodeJS.WriteStream) => void> } = { 1: [], 2: [] };

/**
 * Run `setup` with process.stdout (fd 1) or process.stderr (fd 2) when that stream is first made
 * (at once if it is made already, or if Node's property is not the lazy getter this expects).
 */
export function whenStdioMade(fd: Fd, setup: (s: NodeJS.WriteStream) => void): void {
  const name = NAMES[fd];
  const desc = Object.getOwnPropertyDescriptor(process, name);
  if (made[fd] || typeof desc?.get !== 'function' || desc.configurable !== true) {
    made[fd] = true;
    setup(process[name]);
    return;
  }
  setups[fd].push(setup);
  if (setups[fd].length > 1) return; // the getter below is in place
  const nodeGetter = desc.get;
  Object.defineProperty(process, name, {
    configurable: true,
    enumerable: desc.enumerable,
    get() {
      // Node's own getter from now on (it keeps the one stream it made)
      Object.defineProperty(process, name, { configurable: true, enumerable: desc.enumerable, get: nodeGetter });
      const stream = nodeGetter.call(process) as NodeJS.WriteStream;
      made[fd] = true;
      for (const s of setups[fd].splice(0)) s(stream);
      return stream;
    },
  });
}

/**
 * Might process.stdout (1) or process.stderr (2) exist? false only while whenStdioMade's getter
 * is still in place, untouched: then no stream was made and nothing is queued on one — asking
 * the property would make it (cli/exit-flushed.ts asks this first).
 */
export function stdioMaybeMade(fd: Fd): boolean {
  return made[fd] || setups[fd].length === 0;
}

/** Write all of `text` to standard output (1) or error (2), in order with what was written before. */
export function writeOut(fd: Fd, text: string): void {
  if (text === '') return;
  if (made[fd]) {
    process[NAMES[fd]].write(text);
    return;
  }
  const bytes = Buffer.from(text);
  let done = 0;
  while (done < bytes.length) {
    try {
      done += writeSync(fd, bytes, done, bytes.length - done);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') {
        made[fd] = true; // (later writes queue behind this one in the stream)
        process[NAMES[fd]].write(bytes.subarray(done));
        return;
      }
      // `mini-run logs x | head`: a closed pipe is the reader's choice (as main.ts's stream handlers)
      if (code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw e;
    }
  }
}
