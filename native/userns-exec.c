/*
 * userns-exec — start a program in a NEW USER NAMESPACE (and, with --pid, a new PID namespace
 * owned by it). The runtime (src/runtime/userns.ts) starts the container's init through it.
 *
 *   usage: userns-exec [--pid] [--pdeathsig] -- PROGRAM [ARGS...]
 *          userns-exec --join PID|PATH [--pid] [--pdeathsig] -- PROGRAM [ARGS...]
 *
 * --join: enter the user namespace of host PID (a running container's), or the one at PATH
 * (/proc/PID/ns/user), instead of making one — for `exec` (runtime/exec.ts): the program then
 * joins that container's other namespaces; without this it would run in them as the HOST's
 * root. With --pid too, a new PID namespace is made after joining, owned by the joined user
 * namespace: a container that shares another's network namespace (`--network container:`)
 * must be in the user namespace that owns it.
 *
 * Why C, when the rest of the runtime is TypeScript: unshare(CLONE_NEWUSER) (and setns into
 * a user namespace) refuse a multi-threaded caller with EINVAL, and Node always runs several
 * threads. This program is single-threaded, so it may.
 *
 * Why the user namespace comes FIRST: every other namespace records the user namespace that
 * owned its creator, and "root" in a user namespace has power only over namespaces it owns.
 * A PID namespace made before the user namespace would belong to the host's: the container's
 * root could not even mount its /proc (the kernel asks for CAP_SYS_ADMIN over the PID
 * namespace's owner). So one unshare(CLONE_NEWUSER | CLONE_NEWPID): the kernel makes the user
 * namespace first and gives it the PID namespace. The init (Node) then creates mount, UTS,
 * IPC, network and cgroup namespaces itself — already inside, so they are owned by it too.
 *
 * The capabilities: after unshare we hold every capability *inside* the new user namespace,
 * but our uid (host root) is not mapped in it yet, and execve recomputes capabilities from
 * the uid — an unmapped uid is not root, so they would all be dropped. Raising them into the
 * *ambient* set keeps them across execve (this is what `unshare --keep-caps` does). The init
 * then waits for the runtime to write /proc/PID/uid_map and gid_map, and switches to the
 * namespace's root (uid 0 inside = the mapped host uid outside).
 *
 * With --pid we fork (a new PID namespace takes effect for children only): the child is PID 1
 * of the new namespace and execs PROGRAM; we stay, as its parent, only to pass on its end:
 * the same exit code, or death by the same signal. We close every fd above 2 so that only
 * the child holds the runtime's sync socket. --pdeathsig: die (and so the child, which gets
 * PR_SET_PDEATHSIG to us) when the runtime that started us dies.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int fail(const char *what) {
  fprintf(stderr, "userns-exec: %s: %s\n", what, strerror(errno));
  return 125;
}

/* capget/capset's structures (as <linux/capability.h> has them; not included: musl-gcc lacks it). */
struct cap_header { unsigned int version; int pid; };
struct cap_data { unsigned int effective, permitted, inheritable; };
#define CAP_VERSION_3 0x20080522

/* Every capability we hold (all of them, in the new namespace) into inheritable and ambient. */
static int keep_caps_across_exec(void) {
  struct cap_header hdr = { CAP_VERSION_3, 0 };
  struct cap_data data[2];
  if (syscall(SYS_capget, &hdr, data) != 0) return -1;
  data[0].inheritable = data[0].permitted;
  data[1].inheritable = data[1].permitted;
  if (syscall(SYS_capset, &hdr, data) != 0) return -1;
  for (int cap = 0; cap <= 63; cap++) {
    if (cap >= 32 ? !(data[1].permitted & (1u << (cap - 32))) : !(data[0].permitted & (1u << cap))) continue;
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) != 0 && errno != EINVAL) return -1;
  }
  return 0;
}

int main(int argc, char **argv) {
  int new_pid = 0, pdeathsig = 0, i = 1;
  const char *join = NULL;
  for (; i < argc && strcmp(argv[i], "--") != 0; i++) {
    if (strcmp(argv[i], "--pid") == 0) new_pid = 1;
    else if (strcmp(argv[i], "--join") == 0 && i + 1 < argc) join = argv[++i];
    else if (strcmp(argv[i], "--pdeathsig") == 0) pdeathsig = 1;
    else { fprintf(stderr, "userns-exec: unknown option %s\n", argv[i]); return 125; }
  }
  if (i + 1 >= argc) { fprintf(stderr, "usage: userns-exec [--pid] [--pdeathsig] -- PROGRAM [ARGS...]\n"); return 125; }
  char **program = &argv[i + 1];
  pid_t runtime = getppid();
  if (pdeathsig && (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != runtime)) return 125;

  if (join) {
    char path[64];
    if (join[0] == '/') snprintf(path, sizeof path, "%s", join);
    else snprintf(path, sizeof path, "/proc/%d/ns/user", atoi(join));
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return fail(path);
    /* Host root may enter any user namespace below the host's, with every capability in it. */
    if (setns(fd, CLONE_NEWUSER) != 0) return fail("setns(CLONE_NEWUSER)");
    close(fd);
    if (new_pid && unshare(CLONE_NEWPID) != 0) return fail("unshare(CLONE_NEWPID)");
  } else if (unshare(CLONE_NEWUSER | (new_pid ? CLONE_NEWPID : 0)) != 0) {
    return fail("unshare(CLONE_NEWUSER)");
  }
  if (keep_caps_across_exec() != 0) return fail("keeping capabilities (PR_CAP_AMBIENT)");

  if (!new_pid) {
    execvp(program[0], program);
    return fail(program[0]);
  }
  pid_t child = fork();
  if (child < 0) return fail("fork");
  if (child == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL); /* we are the only one who can wait for it */
    execvp(program[0], program);
    return fail(program[0]);
  }
  /* Only the child talks to the runtime; a terminal's ^C is for the container, not for us. */
  for (int fd = 3; fd < 1024; fd++) close(fd);
  signal(SIGINT, SIG_IGN);
  signal(SIGQUIT, SIG_IGN);
  signal(SIGTERM, SIG_IGN);
  signal(SIGHUP, SIG_IGN);
  int status;
  while (waitpid(child, &status, 0) < 0) {
    if (errno != EINTR) return fail("waitpid");
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  /* Die the way the child died, so the runtime reads the same signal (no core file of ours). */
  int sig = WTERMSIG(status);
  struct rlimit nocore = { 0, 0 };
  setrlimit(RLIMIT_CORE, &nocore);
  signal(sig, SIG_DFL);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, sig);
  sigprocmask(SIG_UNBLOCK, &set, NULL);
  kill(getpid(), sig);
  return 128 + sig; /* a signal that does not kill (e.g. SIGCHLD-like): the shell's number */
}
