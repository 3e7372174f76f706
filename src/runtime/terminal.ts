/**
 * Relaying a pseudo-terminal (`-t`): the container's program has the pty's slave side as its
 * controlling terminal; we hold the master and copy bytes between it and our own terminal.
 *
 * Our terminal goes into raw mode so every key (^C, ^Z, arrows) reaches the container's line
 * discipline untouched; the container's pty does the cooking. Window size changes (SIGWINCH)
 * are passed on with TIOCSWINSZ, which sends SIGWINCH to the container's foreground group.
 */
import { writeSync, closeSync } from 'node:fs';
import * as tty from 'node:tty';
import { clearOutputProcessing, setWinsize } from '../sys/libc';

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

  constructor(private readonly masterFd: number, private readonly interactive: boolean, onOutput?: (d: Buffer) => void) {
    this.resize();
    this.master = new tty.ReadStream(masterFd);
    this.master.on('data', (d: Buffer) => {
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
