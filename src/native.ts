/**
 * The small C programs in native/ (built by `npm run build` when a C compiler is there):
 * mini-init for `run --init`, lesson 2's chroot escape, the syscall probe, userns-exec
 * (a user namespace for the container's init: runtime/userns.ts), and session-exec (a
 * detached `exec --tty` program leads its terminal's session: runtime/exec-init.ts), and exec-process
 * (`exec`'s process in C: runtime/exec.ts), and init-native (a container's init in C, the default:
 * runtime/init-order.ts). An install without a
 * compiler skips them (scripts/build-native.sh); what needs one then says how to add it.
 */
import { join, resolve } from 'node:path';

/** native/ of this installation (dist/ and src/ are one level down). */
export const NATIVE_DIR = resolve(__dirname, '..', 'native');

export function nativeBinary(name: 'mini-init' | 'chroot-escape' | 'syscall-probe' | 'userns-exec' | 'session-exec' | 'exec-process' | 'init-native'): string {
  return join(NATIVE_DIR, 'build', name);
}

/** The commands that build native/ on a Debian/Ubuntu machine, for error messages. */
export function nativeBuildHint(): string {
  return `sudo apt-get install -y gcc libc6-dev make && sudo make -C ${NATIVE_DIR}`;
}
