/*
 * session-exec — become the leader of a new session whose controlling terminal is fd 0, then
 * execve the program. The runtime starts it for `mini-runc exec --tty --detach` (what conmon
 * and containerd's shim ask for `podman exec -t` and `ctr task exec -t`):
 *
 *   usage: session-exec PROGRAM ARGV0 [ARGS...]      (fds 0-2: the exec's pty slave)
 *
 * Why C: the exec'd program must itself lead the session its terminal belongs to. The
 * exec-init (Node) starts the program as its child and then, detached, exits; had the
 * exec-init been the session leader, its exit would hang up the terminal and send SIGHUP to
 * the program (the kernel's rule for a session leader's end). setsid() and TIOCSCTTY have to
 * happen in the program's own process between fork and execve, where Node's spawn runs no
 * code of ours — so this tiny static step does it, then becomes the program (same PID: the
 * one the client was told, whose end its reaper waits for).
 *
 * The exec-init has already joined the container's namespaces, chrooted, set the user,
 * capabilities and seccomp filter, and marked its own fds close-on-exec; the terminal is no
 * session's yet, so TIOCSCTTY needs no privilege. It is started from a read-only bind mount
 * (CVE-2019-5736 class: its /proc/PID/exe must not be writable from the container).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

extern char **environ;

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: session-exec PROGRAM ARGV0 [ARGS...]\n");
    return 125;
  }
  if (setsid() < 0) {
    fprintf(stderr, "session-exec: setsid: %s\n", strerror(errno));
    return 125;
  }
  if (ioctl(0, TIOCSCTTY, 0) < 0) {
    fprintf(stderr, "session-exec: TIOCSCTTY on fd 0: %s\n", strerror(errno));
    return 125;
  }
  execve(argv[1], argv + 2, environ);
  fprintf(stderr, "session-exec: exec %s: %s\n", argv[1], strerror(errno));
  return errno == ENOENT ? 127 : 126;
}
