/**
 * The container side of `-t`: a pseudo-terminal from the container's *own* devpts.
 *
 * Opening /dev/ptmx after pivot_root gives a pty of the container's devpts instance (mounted
 * with `newinstance`), so inside, `tty` prints /dev/pts/0 and the device really exists there.
 * The init keeps the slave as the program's terminal and hands the master to the runtime on
 * the host (which copies it out of our fd table with pidfd_getfd). runc does the same with a
 * unix socket and SCM_RIGHTS.
 */
import { constants as fsc, openSync } from 'node:fs';
import { dup2, setControllingTerminal, setsid, unlockPty } from '../sys/libc';

export interface ContainerPty { masterFd: number; slaveFd: number; slavePath: string }

export function openContainerPty(): ContainerPty {
  const masterFd = openSync('/dev/ptmx', fsc.O_RDWR | fsc.O_NOCTTY);
  const slavePath = unlockPty(masterFd);
  const slaveFd = openSync(slavePath, fsc.O_RDWR | fsc.O_NOCTTY);
  return { masterFd, slaveFd, slavePath };
}

/** Make the slave the controlling terminal of a new session, and fds 0, 1, 2 of the program. */
export function becomeTerminalSession(slaveFd: number): void {
  setsid(); // a new session with no controlling terminal…
  setControllingTerminal(slaveFd); // …so this pty can become it (job control, ^C → SIGINT)
  for (const fd of [0, 1, 2]) dup2(slaveFd, fd);
}
