/*
 * exec-process — `mini-run exec`'s process on the container side, in C: it joins a *running*
 * container and starts the program there, what runc's nsexec + "setns init" do for `runc exec`.
 * It does what src/runtime/exec-init.ts + prepareProgram (process.ts) do, in the same order and
 * for the same reasons; read the two side by side. Why C: the Node exec process costs a second
 * Node start (~90 ms of boot, koffi and modules, ~30 ms of teardown) on exec's critical path.
 * The runtime uses this one when it is built and the container is one it supports (no user
 * namespace of its own), the Node one otherwise (runtime/exec.ts).
 *
 * The runtime (exec.ts) spawns it on the HOST side: in the host's PID namespace, where the
 * container cannot see it. That matters (CVE-2016-9962 class): until it has joined, its root,
 * working directory and fds are the host's, and a container process allowed to ptrace (or to
 * open /proc/PID/root, /proc/PID/fd/…) would reach the host through it. So, in order:
 *   1. non-dumpable first; die with the runtime; the order on fd 3; oom_score_adj (host /proc);
 *      into the container's cgroup
 *   2. open every namespace of the container's PID 1 (and its root) first, then join IPC, UTS,
 *      network, cgroup, mount; chroot to the container's root
 *   3. setns(CLONE_NEWPID): only our *children* are born in the container's PID namespace
 *   4. (-t) a pty of the container's devpts; its master goes to the runtime
 *   5. fork: the child makes its session (and takes the terminal), then no_new_privs, seccomp,
 *      rlimits, capabilities, user, working directory, closes every fd of ours and execve()s
 *      the program: the first process the container can see is already inside
 *   6. report the program's PID, then relay signals to it and its exit status back (or, with
 *      -d, leave it running and exit)
 *
 * fds at start: 0–2 the program's stdio (or /dev/null), 3 the sync socket, 4 the trace (or not).
 *
 * THE ORDER (runtime → us, on fd 3), a framed form encoded by exec.ts (encodeNativeOrder) from
 * the already-validated process description — no JSON parser here:
 *
 *   "mini-run-exec 1\n"                         magic and version
 *   then fields: "<key> <length>\n" + <length bytes> + "\n", until the field "end" (length 0);
 *   pid, cgroup, detach and terminal are read here, the process fields by program.c (program.h)
 *     pid       the container's PID 1 on the host (decimal)
 *     cgroup    a cgroup.procs file to write "0" to (repeated)
 *     trace     the fd our trace lines go to (optional)
 *     detach    "1": report `started`, then exit at once
 *     terminal  "1": a pty of the container's devpts
 *     nnp       "1": no_new_privs
 *     oom       process.oomScoreAdj (optional)
 *     uid, gid  numbers; group: one additional gid (repeated)
 *     cwd       the working directory
 *     arg, env  argv and environment, in order (repeated)
 *     rlimit    "<resource number> <soft> <hard> <RLIMIT_NAME>", soft/hard decimal or "inf" (repeated)
 *     bounding, effective, permitted, inheritable, ambient    capability masks, hex (bit = number)
 *     seccomp   the compiled BPF program, raw bytes (8 per instruction)   (optional)
 *     seccomp-flags, seccomp-unknown   its SECCOMP_FILTER_FLAG_* bits; names skipped (for the trace)
 *
 * Back to the runtime: the JSON lines of sync-socket.ts, as the Node exec process writes them:
 *   {"type":"pty","fd":N}  (then we read {"type":"continue"}: it has copied the master with
 *   pidfd_getfd), {"type":"started","pid":N}, {"type":"error","message":"…","exitCode":N}.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "program.h"

#ifndef CLONE_NEWCGROUP
#define CLONE_NEWCGROUP 0x02000000
#endif
#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

/* The signals the runtime forwards to us (signals.ts's FORWARDED_SIGNALS). */
static const int FORWARDED[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };
#define N_FORWARDED (int)(sizeof FORWARDED / sizeof FORWARDED[0])

/* ------------------------------------------------------------------ the order */

/* The exec-only fields of the order (the process fields are program.h's `o`). */
static struct {
  long pid;
  struct strlist cgroups;
  int detach, terminal;
} x;

/* An exec-only field of the order (read_order's `own`). */
static int exec_field(const char *key, char *v, size_t len) {
  (void)len;
  if (strcmp(key, "pid") == 0) x.pid = to_long(key, v);
  else if (strcmp(key, "cgroup") == 0) { push(&x.cgroups, v); return 2; }
  else if (strcmp(key, "detach") == 0) x.detach = to_long(key, v) == 1;
  else if (strcmp(key, "terminal") == 0) x.terminal = to_long(key, v) == 1;
  else return 0;
  return 1;
}

/* Into the container's cgroup, while its cgroup.procs files are reachable by their host paths. */
static void join_cgroups(void) {
  for (size_t i = 0; i < x.cgroups.n; i++) {
    const char *path = x.cgroups.v[i];
    int fd = open(path, O_WRONLY | O_CLOEXEC); /* never O_CREAT: only the kernel's file */
    if (fd < 0 || write(fd, "0", 1) != 1) {
      int e = errno;
      failf(125, "%s: %s, write '%s'", errno_name(e), errno_lower(e), path);
    }
    close(fd);
    trace("write %s ← 0", path);
  }
}

/* ------------------------------------------------------------------ 2–3. namespaces, root */

/*
 * The namespaces to join, in order. The mount namespace comes LAST: joining it also moves our
 * root and working directory to the container's root, after which /proc/<pid>/… of the host
 * is no longer what we would open. (The PID namespace comes after, for our child; user and time
 * namespaces are not used here: a container with a user namespace of its own takes the Node path.)
 */
static const struct { const char *name; int flag; const char *flag_name; } JOIN_ORDER[] = {
  { "ipc", CLONE_NEWIPC, "CLONE_NEWIPC" },
  { "uts", CLONE_NEWUTS, "CLONE_NEWUTS" },
  { "net", CLONE_NEWNET, "CLONE_NEWNET" },
  { "cgroup", CLONE_NEWCGROUP, "CLONE_NEWCGROUP" },
  { "mnt", CLONE_NEWNS, "CLONE_NEWNS" },
};
#define N_JOIN (int)(sizeof JOIN_ORDER / sizeof JOIN_ORDER[0])

static void __attribute__((noreturn)) container_gone(void) {
  failf(1, "the container's process %ld is gone: the container is not running", x.pid);
}

/* Is /proc/PID/ns/NAME another namespace than ours? -1: this kernel has no such namespace. */
static int differs(const char *name) {
  char theirs[64], ours[64];
  struct stat a, b;
  snprintf(theirs, sizeof theirs, "/proc/%ld/ns/%s", x.pid, name);
  snprintf(ours, sizeof ours, "/proc/self/ns/%s", name);
  if (stat(theirs, &a) != 0 || stat(ours, &b) != 0) {
    char proc[32];
    snprintf(proc, sizeof proc, "/proc/%ld", x.pid);
    if (errno == ENOENT && access(proc, F_OK) != 0) container_gone();
    return -1;
  }
  return a.st_ino != b.st_ino || a.st_dev != b.st_dev;
}

static int open_ns(const char *name) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%ld/ns/%s", x.pid, name);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) container_gone();
    failf(125, "%s: %s, open '%s'", errno_name(errno), errno_lower(errno), path);
  }
  return fd;
}

/*
 * setns(2) into every namespace of host PID `pid` that differs from ours. A namespace the
 * container shares with the host (`--network host`, `--uts host`, …) is the one we are
 * already in: it is skipped (same inode behind /proc/…/ns/X).
 */
static void join_namespaces(void) {
  // Open every namespace first, so that all of them belong to the same, living process: if
  // it exits half-way, the fds still name its namespaces (they stay alive while open).
  int fds[N_JOIN];
  for (int i = 0; i < N_JOIN; i++) {
    fds[i] = -1;
    int d = differs(JOIN_ORDER[i].name);
    if (d < 0) continue; /* this kernel does not have that namespace type */
    if (d == 0) { trace("# %s namespace: the container shares ours (the host's), nothing to join", JOIN_ORDER[i].name); continue; }
    fds[i] = open_ns(JOIN_ORDER[i].name);
  }
  // The container's PID namespace: joined last, it only decides where our children are born.
  int pid_ns = differs("pid") > 0 ? open_ns("pid") : -1;
  // The container's root as a directory fd, opened while /proc is still the host's. Joining
  // the mount namespace puts us at that namespace's root, which is the container's only after
  // pivot_root; a chroot-only container (`--no-pivot`, `--mount-ns host`) has its root below.
  char root[64];
  snprintf(root, sizeof root, "/proc/%ld/root", x.pid);
  int root_fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (root_fd < 0) {
    if (errno == ENOENT) container_gone();
    failf(125, "%s: %s, open '%s'", errno_name(errno), errno_lower(errno), root);
  }
  char args[128];
  for (int i = 0; i < N_JOIN; i++) {
    if (fds[i] < 0) continue;
    // (The Node exec process unshares CLONE_FS first: its threads share one fs_struct, and
    // the kernel refuses to move a task whose fs_struct is shared into another mount
    // namespace. This process has one thread: nothing to unshare.)
    // Joining the mount namespace also sets our root and working directory to its root:
    // after the container's pivot_root, that is the container's root filesystem.
    snprintf(args, sizeof args, "%d /* /proc/%ld/ns/%s */, %s", fds[i], x.pid, JOIN_ORDER[i].name, JOIN_ORDER[i].flag_name);
    checked("setns", args, setns(fds[i], JOIN_ORDER[i].flag), failf);
    close(fds[i]);
  }
  // Same root as the container's PID 1, however it got there (a no-op after pivot_root).
  snprintf(args, sizeof args, "%d /* %s */", root_fd, root);
  checked("fchdir", args, fchdir(root_fd), failf);
  checked("chroot", "\".\"", chroot("."), failf);
  checked("chdir", "\"/\"", chdir("/"), failf);
  close(root_fd);
  if (pid_ns >= 0) {
    snprintf(args, sizeof args, "%d /* /proc/%ld/ns/pid */, CLONE_NEWPID", pid_ns, x.pid);
    checked("setns", args, setns(pid_ns, CLONE_NEWPID), failf);
    close(pid_ns);
  }
}

/* ------------------------------------------------------------------ 4. the terminal */

static int master_fd = -1, slave_fd = -1;

/*
 * A pty of the container's OWN devpts (terminal-init.ts): /dev/ptmx after the chroot is the
 * container's, so inside `tty` prints /dev/pts/N and the device exists there. The slave is
 * opened through the master (TIOCGPTPEER), not by its path: a path in /dev/pts is the
 * container's to change. The master goes to the runtime, which copies it with pidfd_getfd.
 */
static void open_container_pty(void) {
  char args[64];
  master_fd = (int)checked("open", "\"/dev/ptmx\", O_RDWR|O_NOCTTY|O_CLOEXEC", open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC), failf);
  int unlock = 0;
  snprintf(args, sizeof args, "%d, TIOCSPTLCK, 0", master_fd);
  checked("ioctl", args, ioctl(master_fd, TIOCSPTLCK, &unlock), failf);
  snprintf(args, sizeof args, "%d, TIOCGPTPEER, O_RDWR|O_NOCTTY", master_fd);
  slave_fd = (int)checked("ioctl", args, ioctl(master_fd, TIOCGPTPEER, O_RDWR | O_NOCTTY), failf);
}

/* (-t) Hand the pty master to the runtime; return once it has its copy (handOverPty). */
static void hand_over_pty(void) {
  char json[64], line[256];
  snprintf(json, sizeof json, "{\"type\":\"pty\",\"fd\":%d}", master_fd);
  send_line(json);
  rd_line(line, sizeof line);
  if (!strstr(line, "\"type\":\"continue\"")) failf(125, "unexpected message %s", line);
  // The program must not hold the master: only the runtime does.
  close(master_fd);
  master_fd = -1;
}

/* ------------------------------------------------------------------ 5. the child */

/* The program's process: everything between fork and execve (prepareProgram's steps). */
static void __attribute__((noreturn)) become_program(void) {
  // Every signal at its default and none blocked, as from any shell.
  for (int s = 1; s < NSIG; s++) if (s != SIGKILL && s != SIGSTOP) signal(s, SIG_DFL);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);

  // 1. The terminal or the inherited stdio become fds 0, 1, 2 of the program. Either way in a
  //    session of its own: without -t it has *no* controlling terminal, so the caller's
  //    terminal is not its /dev/tty (ENXIO) and TIOCSTI cannot push keystrokes into it. With
  //    -t the program's own process leads the session and takes the terminal: had we (its
  //    parent) led it, our exit (-d) would hang the terminal up and SIGHUP the program.
  checked("setsid", "", setsid(), child_fail);
  if (x.terminal) {
    char args[32];
    snprintf(args, sizeof args, "%d, TIOCSCTTY, 0", slave_fd);
    checked("ioctl", args, ioctl(slave_fd, TIOCSCTTY, 0), child_fail);
    for (int fd = 0; fd <= 2; fd++) {
      snprintf(args, sizeof args, "%d, %d", slave_fd, fd);
      checked("dup2", args, dup2(slave_fd, fd), child_fail);
    }
  }

  // 2–5. no_new_privs, seccomp (without it), rlimits, the bounding set, the user, the working
  //      directory, the PATH lookup, the capability sets: program.c's prepare_program.
  const char *program = prepare_program();

  // 6. No fd of ours may reach the program. The filter as late as possible; then execve.
  close_our_fds();
  if (o.seccomp && o.nnp) install_seccomp();
  trace("# spawn %s: our child, born in the container's PID namespace (its execve now)", program);
  execve(program, o.args.v, o.env.v);
  // e.g. ENOEXEC (a script without #!, a binary for another machine): docker says 126
  child_fail(126, "exec %s: %s", program, errno_lower(errno));
}

/* ------------------------------------------------------------------ 6. the relay */

static volatile pid_t program_pid;

static void forward(int sig) {
  int saved = errno;
  // With -t, ^C and ^\ reach the program through the terminal already (docker does not
  // proxy them in TTY mode): a SIGINT/SIGQUIT sent to us then is not passed on twice.
  if (x.terminal && (sig == SIGINT || sig == SIGQUIT)) return;
  if (program_pid > 0) kill(program_pid, sig);
  errno = saved;
}

int main(void) {
  // First of all: non-dumpable. Until it is inside the container, this process holds the host's
  // root, cwd and fds; non-dumpable, /proc/PID/{root,cwd,fd,mem} and ptrace need CAP_SYS_PTRACE
  // over it (and it lives in the host's PID namespace, where the container cannot name it).
  // Its child stays non-dumpable until its execve.
  if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) failf(125, "prctl(PR_SET_DUMPABLE, 0): %s (%s)", errno_name(errno), errno_text(errno));
  // We die with the runtime (SIGKILL): a program already started lives on in the container.
  if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0) failf(125, "prctl(PR_SET_PDEATHSIG, 9): %s (%s)", errno_name(errno), errno_text(errno));

  // 0. Wait for our orders: whose namespaces to join, the process to start, the cgroup.
  read_order("mini-run-exec 1", exec_field);
  if (x.pid <= 0 || o.args.n == 0 || !o.cwd) failf(125, "exec process: malformed order (pid, arg or cwd missing)");
  trace("# exec process (native/exec-process): orders for PID %ld's container", x.pid);
  apply_oom_score_adj(); // (while /proc is the host's)
  // The container's syscall filter applies to exec'd processes too (as with runc exec),
  // compiled by the runtime while we started.
  check_seccomp();

  // 1. Into the container's cgroup, while its cgroup.procs files are reachable by their host paths.
  join_cgroups();

  // 2–3. Namespaces and root; the PID namespace for our child.
  join_namespaces();

  // 4. The terminal, opened here (inside, as root) and handed over before the fork.
  if (x.terminal) {
    open_container_pty();
    hand_over_pty();
  }

  // 5. The program, as our child in the container's PID namespace. A close-on-exec pipe tells
  //    us how its preparation ended: EOF and nothing read = execve worked; else its error.
  int pipefd[2];
  checked("pipe2", "O_CLOEXEC", pipe2(pipefd, O_CLOEXEC), failf);
  // The forwarded signals are blocked across fork: the child unblocks them at its defaults,
  // we once our handlers are in place (a signal in between is then delivered, not lost).
  sigset_t fwd, old;
  sigemptyset(&fwd);
  for (int i = 0; i < N_FORWARDED; i++) sigaddset(&fwd, FORWARDED[i]);
  sigprocmask(SIG_BLOCK, &fwd, &old);
  pid_t child = fork();
  if (child < 0) checked("fork", "", -1, failf);
  if (child == 0) {
    close(pipefd[0]);
    err_pipe = pipefd[1];
    become_program();
  }
  program_pid = child;
  trace("fork() = %d", (int)child);
  close(pipefd[1]);
  if (slave_fd >= 0) close(slave_fd);
  // From here on we only wait and pass signals on: keep CAP_KILL (the program may run as
  // another user) and give up every other power we still hold in the container's namespaces.
  {
    struct cap_header h = { CAP_V3, 0 };
    struct cap_data d[2] = { { 1u << 5, 1u << 5, 0 }, { 0, 0, 0 } }; /* CAP_KILL = 5 */
    int e = try_call("capset", "{V3, 0}, {eff=0x20, prm=0x20, inh=0x0}", syscall(SYS_capset, &h, d));
    if (e) {
      kill(child, SIGKILL); /* never a program nobody relays for */
      failf(125, "capset(): %s (%s)", errno_name(e), errno_text(e));
    }
  }
  for (int i = 0; i < N_FORWARDED; i++) {
    struct sigaction sa = { 0 };
    sa.sa_handler = forward;
    sigemptyset(&sa.sa_mask);
    sigaction(FORWARDED[i], &sa, NULL); /* no SA_RESTART: waitpid below retries on EINTR */
  }
  sigprocmask(SIG_SETMASK, &old, NULL);

  char err[3100];
  size_t n = 0;
  for (;;) {
    ssize_t r = read(pipefd[0], err + n, sizeof err - 1 - n);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    n += (size_t)r;
    if (n == sizeof err - 1) break;
  }
  close(pipefd[0]);
  int status;
  if (n > 0) {
    // The child failed before execve: reap it, and report its error as ours (same line, same code).
    err[n] = 0;
    while (waitpid(child, &status, 0) < 0 && errno == EINTR) {}
    char *msg;
    long code = strtol(err, &msg, 10);
    if (*msg == ' ') msg++;
    fail_message(code > 0 && code < 256 ? (int)code : 125, msg);
  }

  // 6. Report the program's PID (ours for it: we are in the host's PID namespace).
  char json[64];
  snprintf(json, sizeof json, "{\"type\":\"started\",\"pid\":%d}", (int)child);
  send_line(json);
  if (x.detach) _exit(0); // -d: it runs on; the container's PID 1 becomes its parent

  // Relay: signals for the program go to it (forward above); its exit is ours.
  for (;;) {
    pid_t w = waitpid(child, &status, 0);
    if (w == child) break;
    if (w < 0 && errno != EINTR) failf(125, "waitpid(%d): %s (%s)", (int)child, errno_name(errno), errno_text(errno));
  }
  if (WIFSIGNALED(status)) {
    // Die the same way: the runtime reports 128 + N.
    int sig = WTERMSIG(status);
    trace("# PID %d killed by signal %d", (int)child, sig);
    signal(sig, SIG_DFL);
    sigset_t one;
    sigemptyset(&one);
    sigaddset(&one, sig);
    sigprocmask(SIG_UNBLOCK, &one, NULL);
    kill(getpid(), sig);
    _exit(128 + sig); /* a signal that does not kill (SIGCHLD…): the same number, as a status */
  }
  _exit(WEXITSTATUS(status));
}
