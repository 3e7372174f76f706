/*
 * mini-init — a tiny init for `mini-run run --init` (the same job as docker's `--init`).
 *
 *   usage: mini-init [-g] [--] PROGRAM [ARGS...]
 *
 *     -g   forward signals to the child's whole process group (the child gets its own
 *          group and, on a terminal, becomes the foreground group) instead of the child only.
 *
 * Why a container wants an init at all:
 *
 *  1. PID 1 must reap. When a process dies it stays a zombie (an entry in the process table
 *     holding its exit status) until its parent calls wait(). If the parent died first, the
 *     orphan is re-parented to PID 1 of its PID namespace. A normal program running as PID 1
 *     (a web server, a shell script) never waits for children it did not start, so zombies
 *     pile up until the PID table (or the cgroup's pids.max) is full.
 *
 *  2. PID 1 gets no default signal actions. The kernel protects a namespace's init: a signal
 *     whose action would be the default one (terminate, core dump, ...) is simply dropped,
 *     unless PID 1 installed a handler or blocked the signal (see below). Only SIGKILL and
 *     SIGSTOP sent from outside the namespace get through. So `docker stop` → SIGTERM to a
 *     program that never set up a SIGTERM handler does nothing, and the runtime has to
 *     SIGKILL it after a timeout.
 *     mini-init catches every signal it can and passes it on to the real program, which is
 *     not PID 1 and therefore gets the normal default actions (SIGTERM kills it).
 *
 *  3. Exit status. The container's exit code is PID 1's, so we exit with the child's code,
 *     or 128+N when the child was killed by signal N (what shells and docker report).
 *
 * How: block (almost) all signals before forking, so nothing is lost between fork and the
 * main loop. Blocked signals stay *pending* — the kernel never drops a blocked signal, even
 * for PID 1 — and sigwaitinfo() takes them one at a time. SIGCHLD means "some child changed
 * state": reap with waitpid(-1, WNOHANG) in a loop, because several deaths can collapse into
 * one pending SIGCHLD. Every other signal is forwarded.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static void die(const char *what) {
    fprintf(stderr, "mini-init: %s: %s\n", what, strerror(errno));
    exit(125); /* docker's "the runtime failed" code */
}

static void usage(void) {
    fputs("usage: mini-init [-g] [--] PROGRAM [ARGS...]\n", stderr);
    exit(125);
}

/* Signals that mean "this process did something wrong" (a bad pointer, a bad instruction).
 * They are raised synchronously by the CPU in this process, so they must keep their
 * default action: blocking them would hide our own crash. Never forward them either. */
static int is_fault_signal(int sig) {
    return sig == SIGSEGV || sig == SIGBUS || sig == SIGILL || sig == SIGFPE ||
           sig == SIGTRAP || sig == SIGSYS || sig == SIGABRT;
}

int main(int argc, char **argv) {
    int group = 0;
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "--") == 0) { i++; break; }
        if (strcmp(argv[i], "-g") == 0) group = 1;
        else usage();
    }
    if (i >= argc) usage();
    char **cmd = &argv[i];

    /* Outside a PID namespace (e.g. when tested on the host) we are not PID 1, so orphans
     * would go to the host's init instead of us. A "child subreaper" gets them instead. */
    if (getpid() != 1 && prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) die("prctl(PR_SET_CHILD_SUBREAPER)");

    /* Block every signal except the fault signals. SIGKILL and SIGSTOP cannot be blocked;
     * the kernel silently leaves them out. Keep the old mask to give the child. */
    sigset_t all, old;
    sigfillset(&all);
    for (int s = 1; s < NSIG; s++)
        if (is_fault_signal(s)) sigdelset(&all, s);
    if (sigprocmask(SIG_SETMASK, &all, &old) < 0) die("sigprocmask");

    pid_t child = fork();
    if (child < 0) die("fork");
    if (child == 0) {
        /* The child: undo our signal setup (blocked masks survive exec, handlers do not
         * matter here since we installed none), optionally take a process group of its own,
         * then become the program. */
        if (group) {
            setpgid(0, 0);
            /* If we share a terminal, make the new group its foreground group so Ctrl-C and
             * reads from the terminal go to the program. tcsetpgrp from a background group
             * sends SIGTTOU, which is still blocked here, so it cannot stop us. */
            if (isatty(STDIN_FILENO)) tcsetpgrp(STDIN_FILENO, getpgrp());
        }
        sigprocmask(SIG_SETMASK, &old, NULL);
        execvp(cmd[0], cmd);
        /* Same codes as a shell and docker: 127 = not found, 126 = found but cannot run. */
        int code = (errno == ENOENT || errno == ENOTDIR) ? 127 : 126;
        fprintf(stderr, "mini-init: exec %s: %s\n", cmd[0], strerror(errno));
        _exit(code);
    }
    if (group) setpgid(child, child); /* also from the parent: no race with the first kill */

    for (;;) {
        siginfo_t info;
        int sig = sigwaitinfo(&all, &info);
        if (sig < 0) {
            if (errno == EINTR) continue;
            die("sigwaitinfo");
        }

        if (sig != SIGCHLD) {
            /* Pass it on. ESRCH just means the child is already gone: its SIGCHLD is
             * pending and the next round reaps it. */
            if (kill(group ? -child : child, sig) < 0 && errno != ESRCH) {
                fprintf(stderr, "mini-init: forwarding signal %d: %s\n", sig, strerror(errno));
            }
            continue;
        }

        /* Reap everything that has exited: our child and any orphans handed to us. */
        for (;;) {
            int status;
            pid_t pid = waitpid(-1, &status, WNOHANG);
            if (pid == 0) break;                   /* children left, none exited yet */
            if (pid < 0) {
                if (errno == EINTR) continue;
                if (errno == ECHILD) break;        /* no children at all */
                die("waitpid");
            }
            if (pid != child) continue;            /* an orphan: reaped, nothing else to do */

            /* Our program ended: so do we. In a container the kernel then kills whatever is
             * left in the PID namespace, so nothing outlives the container. */
            if (WIFEXITED(status)) return WEXITSTATUS(status);
            if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
        }
    }
}
