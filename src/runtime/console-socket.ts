/**
 * `--console-socket`: the hand-over of a container's terminal to whoever will relay it.
 *
 * After `create` the runtime exits, so it cannot copy bytes between the container's pty and a
 * user. Instead the caller (containerd's shim, podman's conmon) listens on a unix socket; the
 * runtime connects and sends the pty *master* as an SCM_RIGHTS control message — the kernel
 * installs a copy of the open file in the receiver's fd table. The message's bytes are a name
 * for it (runc sends the pty's path); receivers use only the fd. Our copy is closed then: the
 * receiver's copy and the container's slave side keep the terminal alive.
 */
import { closeSync } from 'node:fs';
import { sendFdToUnixSocket } from '../sys/libc';
import { UserError } from '../errors';

export function sendConsole(socketPath: string, masterFd: number): void {
  try {
    sendFdToUnixSocket(socketPath, masterFd, '/dev/ptmx');
  } catch (err) {
    throw new UserError(`cannot send the terminal to the console socket ${socketPath}: ${(err as Error).message}`, 1);
  } finally {
    closeSync(masterFd);
  }
}
