/**
 * Relaying a pseudo-terminal (`-t`): the container's program has the pty's slave side as its
 * controlling terminal; we hold the master and copy bytes between it and our own terminal.
 *
 * Our terminal goes into raw mode so every key (^C, ^Z, arrows) reaches the container's line
 * discipline untouched; the container's pty does the cooking. Window size changes (SIGWINCH)
 * are passed on with TIOCSWINSZ, which sends SIGWINCH to the container's foreground group.
 */
import { writeSync, closeSync } from 'node:fs';
import type * as tty from 'node:tty';
import { bytesReadable, clearOutputProcessing, openPtyPeer, setWinsize } from '../sys/libc';
import { lazy } from '../lazy';

/** node:tty (and node:net, its streams: ≈ 4 ms) only with a terminal: `run` without -t loads none. */
const ttyMod = lazy(() => require('node:tty') as typeof import('node:tty'));

/**
 * Our terminal in raw mode, as Docker's client makes it (cfmakeraw). Node's setRawMode leaves
 * output processing on, so the "\r\n" the container's terminal already made of each "\n"
 * would reach the screen as "\r\r\n". setRawMode(false) gives back all of it (Node keeps the
 * terminal's original settings).
 */
export function setRawTerminal(): void {
  process.stdin.setRawMode(true);
  try { clearOutputProcessing(0); } catch { /* stdin is not a terminal after all */ }
}

export class TerminalRelay {
  private readonly master: tty.ReadStream;
  private readonly done: Promise<void>;
  private readonly onResize = () => this.resize();
  private readonly onInput = (d: Buffer) => {
    try {
      writeSync(this.masterFd, d);
    } catch {
      /* the container side is gone */
    }
  };
  private rawWasSet = false;

  /**
   * Our own open slave, so that the program's exit is not the pty's last close. When the last
   * slave closes, reading the master fails with EIO — and output the program wrote just before
   * its exit, still on its way through the kernel's buffers, was lost with it (`run -t img seq 1
   * 200000 | wc -l` gave 198 000–199 000 lines). Closed in finish(), once the master is drained.
   */
  private peerFd = -1;
  private lastOutputAt = 0;

  constructor(private readonly masterFd: number, private readonly interactive: boolean, onOutput?: (d: Buffer) => void) {
    this.resize();
    try { this.peerFd = openPtyPeer(masterFd); } catch { /* a kernel before 4.13: EIO ends the output, as before */ }
    this.master = new (ttyMod().ReadStream)(masterFd);
    this.master.on('data', (d: Buffer) => {
      this.lastOutputAt = Date.now();
      process.stdout.write(d);
      onOutput?.(d);
    });
    // When the last process holding the slave exits, reading the master fails with EIO: the end.
    this.done = new Promise((resolve) => {
      this.master.on('error', () => resolve());
      this.master.on('end', () => resolve());
      this.master.on('close', () => resolve());
    });
    process.on('SIGWINCH', this.onResize);
    if (interactive) {
      if (process.stdin.isTTY) {
        setRawTerminal();
        this.rawWasSet = true;
      }
      process.stdin.on('data', this.onInput);
      process.stdin.resume();
    }
  }

  private resize(): void {
    const rows = process.stdout.rows || 24;
    const cols = process.stdout.columns || 80;
    try {
      setWinsize(this.masterFd, rows, cols);
    } catch {
      /* closed */
    }
  }

  /** Wait for the last output, then give the user's terminal back as it was. */
  async finish(): Promise<void> {
    // The program has exited. Read on until nothing is left for us: nothing waiting in the
    // master's line discipline and no output for a while (what the kernel still moves from the
    // program's writes arrives within that); then let go of our slave, so EIO ends the reading.
    if (this.peerFd !== -1) {
      for (let quiet = 0, i = 0; quiet < 3 && i < 100; i++) {
        await new Promise((r) => setTimeout(r, 20));
        let waiting = 0;
        try { waiting = bytesReadable(this.masterFd); } catch { break; /* closed: the end */ }
        quiet = waiting === 0 && Date.now() - this.lastOutputAt >= 20 ? quiet + 1 : 0;
      }
      try { closeSync(this.peerFd); } catch { /* closed */ }
      this.peerFd = -1;
    }
    // (unref: a pending timer must not keep the process alive once the output has ended)
    await Promise.race([this.done, new Promise((r) => setTimeout(r, 2000).unref())]);
    process.off('SIGWINCH', this.onResize);
    if (this.interactive) {
      process.stdin.off('data', this.onInput);
      process.stdin.pause();
      if (this.rawWasSet) process.stdin.setRawMode(false);
    }
    try {
      this.master.destroy();
    } catch {
      try { closeSync(this.masterFd); } catch { /* already closed */ }
    }
  }
}
