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
 *   then fields: "<key> <length>\n" + <length bytes> + "\n", until the field "end" (length 0)
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
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <grp.h>
#include <termios.h>
#include <unistd.h>

#define SYNC_FD 3

#ifndef CLONE_NEWCGROUP
#define CLONE_NEWCGROUP 0x02000000
#endif
#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT 47
#define PR_CAP_AMBIENT_RAISE 2
#define PR_CAP_AMBIENT_CLEAR_ALL 4
#endif
#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif
#ifndef SYS_close_range
#define SYS_close_range 436
#endif
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#define SECCOMP_SET_MODE_FILTER 1
/* TSYNC | LOG | SPEC_ALLOW: the flags the runtime may send (seccomp-load.ts's KNOWN_FLAGS) */
#define SECCOMP_KNOWN_FLAGS (1U | 2U | 4U)
#define BPF_MAXINSNS 4096

/* The kernel's capability numbers (constants.ts's CAPABILITIES): the trace names them. */
static const char *const CAP_NAMES[] = {
  "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
  "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE",
  "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER",
  "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT",
  "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME",
  "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL",
  "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM",
  "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
};
#define N_CAP_NAMES (int)(sizeof CAP_NAMES / sizeof CAP_NAMES[0])

/* The signals the runtime forwards to us (signals.ts's FORWARDED_SIGNALS). */
static const int FORWARDED[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };
#define N_FORWARDED (int)(sizeof FORWARDED / sizeof FORWARDED[0])

/* ------------------------------------------------------------------ the order */

struct strlist { char **v; size_t n; };
struct rlim { int resource; unsigned long long soft, hard; char name[32]; };

static struct {
  long pid;
  struct strlist cgroups, args, env;
  int trace_fd, detach, terminal, nnp, has_oom;
  long oom;
  unsigned uid, gid;
  gid_t *groups; size_t n_groups;
  char *cwd;
  struct rlim *rlimits; size_t n_rlimits;
  uint64_t bounding, effective, permitted, inheritable, ambient;
  unsigned char *seccomp; size_t seccomp_len;
  unsigned seccomp_flags; long seccomp_unknown;
} o = { .trace_fd = -1 };

/* ------------------------------------------------------------------ trace and errors */

static void put_all(int fd, const char *s, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, s, n);
    if (w < 0) { if (errno == EINTR) continue; return; }
    s += w; n -= (size_t)w;
  }
}

/* One trace line, "[exec] …", in trace.ts's format; a write(2) each, never reordered. */
static void trace(const char *fmt, ...) {
  if (o.trace_fd < 0) return;
  char line[2048];
  int n = snprintf(line, sizeof line, "[exec] ");
  va_list ap;
  va_start(ap, fmt);
  int m = vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
  va_end(ap);
  n += (m < 0 ? 0 : m);
  if (n > (int)sizeof line - 2) n = (int)sizeof line - 2;
  line[n++] = '\n';
  put_all(o.trace_fd, line, (size_t)n);
}

/* errno's name and text as the Node side prints them (errors.ts), not libc's wording. */
static const struct { int no; const char *name, *text; } ERRNOS[] = {
  { EPERM, "EPERM", "Operation not permitted" }, { ENOENT, "ENOENT", "No such file or directory" },
  { ESRCH, "ESRCH", "No such process" }, { EINTR, "EINTR", "Interrupted system call" },
  { EIO, "EIO", "Input/output error" }, { EBADF, "EBADF", "Bad file descriptor" },
  { ECHILD, "ECHILD", "No child processes" }, { EAGAIN, "EAGAIN", "Resource temporarily unavailable" },
  { ENOMEM, "ENOMEM", "Cannot allocate memory" }, { EACCES, "EACCES", "Permission denied" },
  { EFAULT, "EFAULT", "Bad address" }, { EBUSY, "EBUSY", "Device or resource busy" },
  { EEXIST, "EEXIST", "File exists" }, { EXDEV, "EXDEV", "Invalid cross-device link" },
  { ENODEV, "ENODEV", "No such device" }, { ENOTDIR, "ENOTDIR", "Not a directory" },
  { EISDIR, "EISDIR", "Is a directory" }, { EINVAL, "EINVAL", "Invalid argument" },
  { EMFILE, "EMFILE", "Too many open files" }, { ENOTTY, "ENOTTY", "Inappropriate ioctl for device" },
  { ENOSPC, "ENOSPC", "No space left on device" }, { EROFS, "EROFS", "Read-only file system" },
  { ENAMETOOLONG, "ENAMETOOLONG", "File name too long" }, { ENOSYS, "ENOSYS", "Function not implemented" },
  { ENOTEMPTY, "ENOTEMPTY", "Directory not empty" }, { ELOOP, "ELOOP", "Too many levels of symbolic links" },
  { ENODATA, "ENODATA", "No data available" }, { EOPNOTSUPP, "EOPNOTSUPP", "Operation not supported" },
  { ENOEXEC, "ENOEXEC", "Exec format error" }, { E2BIG, "E2BIG", "Argument list too long" },
  { ETXTBSY, "ETXTBSY", "Text file busy" }, { ENXIO, "ENXIO", "No such device or address" },
};

static const char *errno_name(int e) {
  static char buf[24];
  for (size_t i = 0; i < sizeof ERRNOS / sizeof ERRNOS[0]; i++) if (ERRNOS[i].no == e) return ERRNOS[i].name;
  snprintf(buf, sizeof buf, "errno %d", e);
  return buf;
}

static const char *errno_text(int e) {
  for (size_t i = 0; i < sizeof ERRNOS / sizeof ERRNOS[0]; i++) if (ERRNOS[i].no == e) return ERRNOS[i].text;
  return errno_name(e);
}

/* errno_text in lower case (Docker's "no such file or directory"), in a static buffer. */
static const char *errno_lower(int e) {
  static char buf[64];
  snprintf(buf, sizeof buf, "%s", errno_text(e));
  for (char *p = buf; *p; p++) if (*p >= 'A' && *p <= 'Z') *p = (char)(*p - 'A' + 'a');
  return buf;
}

/* Append `s` to `out` as the inside of a JSON string. */
static size_t json_escape(char *out, size_t cap, const char *s) {
  size_t n = 0;
  for (; *s && n + 7 < cap; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') { out[n++] = '\\'; out[n++] = (char)c; }
    else if (c < 0x20) n += (size_t)snprintf(out + n, cap - n, "\\u%04x", c);
    else out[n++] = (char)c;
  }
  out[n] = 0;
  return n;
}

static void send_line(const char *json) {
  char line[4200];
  int n = snprintf(line, sizeof line, "%s\n", json);
  put_all(SYNC_FD, line, (size_t)n);
}

/* Tell the runtime why we failed, then exit with `code` (sync-socket.ts's failAndExit). */
static void __attribute__((noreturn)) fail_message(int code, const char *message) {
  char esc[3600], json[4096];
  json_escape(esc, sizeof esc, message);
  snprintf(json, sizeof json, "{\"type\":\"error\",\"message\":\"%s\",\"exitCode\":%d}", esc, code);
  send_line(json);
  _exit(code);
}

static void __attribute__((noreturn, format(printf, 2, 3))) failf(int code, const char *fmt, ...) {
  char msg[3000];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  fail_message(code, msg);
}

static int err_pipe = -1; /* the child's end (5.): an error for the parent to pass on */

/* In the child: hand the error to the parent (which reports it), exit with its code. */
static void __attribute__((noreturn, format(printf, 2, 3))) child_fail(int code, const char *fmt, ...) {
  char msg[3000];
  int n = snprintf(msg, sizeof msg, "%d ", code);
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg + n, sizeof msg - (size_t)n, fmt, ap);
  va_end(ap);
  put_all(err_pipe, msg, strlen(msg));
  _exit(code);
}

/* Where a failed call's error goes: failf (before the fork, and in the parent) or child_fail. */
typedef void (*fail_path)(int code, const char *fmt, ...);

/*
 * A system call's result, traced as libc.ts's check() does — "name(args) = r" or "= -1 ECODE" —
 * and on failure the runtime's usual error line, "name(args): ECODE (Text)", exit 125, through
 * `fail`. With `fail` NULL it returns -1 with errno kept instead (see try_call).
 */
static long checked(const char *call, const char *args, long r, fail_path fail) {
  if (r == -1) {
    int e = errno;
    trace("%s(%s) = -1 %s", call, args, errno_name(e));
    if (fail) fail(125, "%s(%s): %s (%s)", call, args, errno_name(e), errno_text(e));
    errno = e;
    return -1;
  }
  trace("%s(%s) = %ld", call, args, r);
  return r;
}

/* Same, returning the errno (0: it worked) instead of failing: the caller words the error. */
static int try_call(const char *call, const char *args, long r) {
  return checked(call, args, r, NULL) == -1 ? errno : 0;
}

/* ------------------------------------------------------------------ reading fd 3 */

static char rbuf[65536];
static size_t rpos, rlen;

static int rd_byte(void) {
  if (rpos == rlen) {
    ssize_t n;
    do n = read(SYNC_FD, rbuf, sizeof rbuf); while (n < 0 && errno == EINTR);
    if (n <= 0) return -1;
    rpos = 0; rlen = (size_t)n;
  }
  return (unsigned char)rbuf[rpos++];
}

/* A line without its "\n" (at most cap-1 bytes), or fail. */
static void rd_line(char *out, size_t cap) {
  size_t n = 0;
  for (;;) {
    int c = rd_byte();
    if (c < 0) failf(125, "runtime closed the sync socket");
    if (c == '\n') break;
    if (n + 1 >= cap) failf(125, "exec process: a line of the order is too long");
    out[n++] = (char)c;
  }
  out[n] = 0;
}

#define MAX_FIELD (1u << 20)

static char *rd_bytes(size_t len) {
  char *p = malloc(len + 1);
  if (!p) failf(125, "exec process: out of memory");
  for (size_t i = 0; i < len; i++) {
    int c = rd_byte();
    if (c < 0) failf(125, "runtime closed the sync socket");
    p[i] = (char)c;
  }
  p[len] = 0;
  if (rd_byte() != '\n') failf(125, "exec process: malformed order (field not followed by a newline)");
  return p;
}

static void push(struct strlist *l, char *s) {
  char **v = realloc(l->v, (l->n + 2) * sizeof *v);
  if (!v) failf(125, "exec process: out of memory");
  l->v = v;
  l->v[l->n++] = s;
  l->v[l->n] = NULL;
}

static long to_long(const char *key, const char *s) {
  char *end;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (errno || end == s || *end) failf(125, "exec process: malformed order (%s: \"%s\")", key, s);
  return v;
}

static uint64_t to_mask(const char *key, const char *s) {
  char *end;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 16);
  if (errno || end == s || *end) failf(125, "exec process: malformed order (%s: \"%s\")", key, s);
  return (uint64_t)v;
}

static unsigned long long to_limit(const char *s) {
  if (strcmp(s, "inf") == 0) return RLIM_INFINITY;
  char *end;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno || end == s || *end) failf(125, "exec process: malformed order (rlimit \"%s\")", s);
  return v;
}

static void read_order(void) {
  char line[128];
  rd_line(line, sizeof line);
  if (strcmp(line, "mini-run-exec 1") != 0) failf(125, "exec process: not an order it understands (\"%s\")", line);
  for (;;) {
    rd_line(line, sizeof line);
    char *sp = strchr(line, ' ');
    if (!sp) failf(125, "exec process: malformed order (\"%s\")", line);
    *sp = 0;
    const char *key = line;
    long len = to_long(key, sp + 1);
    if (len < 0 || (unsigned long)len > MAX_FIELD) failf(125, "exec process: malformed order (%s: length %ld)", key, len);
    char *v = rd_bytes((size_t)len);
    if (strcmp(key, "end") == 0) { free(v); break; }
    else if (strcmp(key, "pid") == 0) o.pid = to_long(key, v);
    else if (strcmp(key, "cgroup") == 0) { push(&o.cgroups, v); continue; }
    else if (strcmp(key, "trace") == 0) o.trace_fd = (int)to_long(key, v);
    else if (strcmp(key, "detach") == 0) o.detach = to_long(key, v) == 1;
    else if (strcmp(key, "terminal") == 0) o.terminal = to_long(key, v) == 1;
    else if (strcmp(key, "nnp") == 0) o.nnp = to_long(key, v) == 1;
    else if (strcmp(key, "oom") == 0) { o.has_oom = 1; o.oom = to_long(key, v); }
    else if (strcmp(key, "uid") == 0) o.uid = (unsigned)to_long(key, v);
    else if (strcmp(key, "gid") == 0) o.gid = (unsigned)to_long(key, v);
    else if (strcmp(key, "group") == 0) {
      gid_t *g = realloc(o.groups, (o.n_groups + 1) * sizeof *g);
      if (!g) failf(125, "exec process: out of memory");
      o.groups = g;
      o.groups[o.n_groups++] = (gid_t)to_long(key, v);
    }
    else if (strcmp(key, "cwd") == 0) { o.cwd = v; continue; }
    else if (strcmp(key, "arg") == 0) { push(&o.args, v); continue; }
    else if (strcmp(key, "env") == 0) { push(&o.env, v); continue; }
    else if (strcmp(key, "rlimit") == 0) {
      struct rlim r = { 0 };
      char soft[32], hard[32];
      if (sscanf(v, "%d %31s %31s %31s", &r.resource, soft, hard, r.name) != 4) failf(125, "exec process: malformed order (rlimit \"%s\")", v);
      r.soft = to_limit(soft);
      r.hard = to_limit(hard);
      struct rlim *p = realloc(o.rlimits, (o.n_rlimits + 1) * sizeof *p);
      if (!p) failf(125, "exec process: out of memory");
      o.rlimits = p;
      o.rlimits[o.n_rlimits++] = r;
    }
    else if (strcmp(key, "bounding") == 0) o.bounding = to_mask(key, v);
    else if (strcmp(key, "effective") == 0) o.effective = to_mask(key, v);
    else if (strcmp(key, "permitted") == 0) o.permitted = to_mask(key, v);
    else if (strcmp(key, "inheritable") == 0) o.inheritable = to_mask(key, v);
    else if (strcmp(key, "ambient") == 0) o.ambient = to_mask(key, v);
    else if (strcmp(key, "seccomp") == 0) { o.seccomp = (unsigned char *)v; o.seccomp_len = (size_t)len; continue; }
    else if (strcmp(key, "seccomp-flags") == 0) o.seccomp_flags = (unsigned)to_long(key, v);
    else if (strcmp(key, "seccomp-unknown") == 0) o.seccomp_unknown = to_long(key, v);
    else failf(125, "exec process: malformed order (unknown field %s)", key);
    free(v);
  }
  if (o.pid <= 0 || o.args.n == 0 || !o.cwd) failf(125, "exec process: malformed order (pid, arg or cwd missing)");
  if (!o.env.v) push(&o.env, NULL), o.env.n = 0;
}

/* ------------------------------------------------------------------ seccomp */

struct sock_filter_ { uint16_t code; uint8_t jt, jf; uint32_t k; };
struct sock_fprog_ { unsigned short len; struct sock_filter_ *filter; };

/* The filter the runtime sent, checked as fromWire does: one well-formed program, or no start. */
static void check_seccomp(void) {
  if (!o.seccomp) return;
  size_t n = o.seccomp_len / 8;
  if (o.seccomp_len % 8 != 0 || n < 1 || n > BPF_MAXINSNS)
    failf(125, "seccomp: the runtime's compiled filter is malformed (%zu bytes): not starting without it", o.seccomp_len);
  if (o.seccomp_flags & ~SECCOMP_KNOWN_FLAGS)
    failf(125, "seccomp: the runtime's compiled filter is malformed (flags %u): not starting without it", o.seccomp_flags);
}

/* Load the filter on this thread: inherited by execve, never removed (seccomp-load.ts). */
static void install_seccomp(void) {
  struct sock_fprog_ prog = { (unsigned short)(o.seccomp_len / 8), (struct sock_filter_ *)o.seccomp };
  if (o.seccomp_unknown > 0) trace("# seccomp filter: %zu BPF instructions (%ld names unknown on x86_64, skipped)", o.seccomp_len / 8, o.seccomp_unknown);
  else trace("# seccomp filter: %zu BPF instructions", o.seccomp_len / 8);
  char args[96];
  snprintf(args, sizeof args, "SECCOMP_SET_MODE_FILTER, %u, {len=%zu, filter=…}", o.seccomp_flags, o.seccomp_len / 8);
  checked("seccomp", args, syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, o.seccomp_flags, &prog), failf);
}

/* ------------------------------------------------------------------ 1. cgroup, oom */

/* process.oomScoreAdj, while /proc is the host's (process.ts's applyOomScoreAdj). */
static void apply_oom_score_adj(void) {
  if (!o.has_oom) return;
  int fd = open("/proc/self/oom_score_adj", O_RDWR | O_CLOEXEC);
  char v[32];
  int n = snprintf(v, sizeof v, "%ld", o.oom);
  if (fd < 0) failf(125, "open /proc/self/oom_score_adj: %s", errno_lower(errno));
  if (write(fd, v, (size_t)n) != n) {
    int e = errno;
    if (e == EACCES || e == EPERM) {
      char now[32] = "?";
      ssize_t r = pread(fd, now, sizeof now - 1, 0);
      if (r > 0) { now[r] = 0; now[strcspn(now, "\n")] = 0; }
      failf(125, "cannot set process.oomScoreAdj to %ld: lowering it below %s needs CAP_SYS_RESOURCE, which mini-run does not have here", o.oom, now);
    }
    failf(125, "write /proc/self/oom_score_adj: %s", errno_lower(e));
  }
  trace("write /proc/self/oom_score_adj ← %s", v);
  close(fd);
}

/* Into the container's cgroup, while its cgroup.procs files are reachable by their host paths. */
static void join_cgroups(void) {
  for (size_t i = 0; i < o.cgroups.n; i++) {
    const char *path = o.cgroups.v[i];
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
  failf(1, "the container's process %ld is gone: the container is not running", o.pid);
}

/* Is /proc/PID/ns/NAME another namespace than ours? -1: this kernel has no such namespace. */
static int differs(const char *name) {
  char theirs[64], ours[64];
  struct stat a, b;
  snprintf(theirs, sizeof theirs, "/proc/%ld/ns/%s", o.pid, name);
  snprintf(ours, sizeof ours, "/proc/self/ns/%s", name);
  if (stat(theirs, &a) != 0 || stat(ours, &b) != 0) {
    char proc[32];
    snprintf(proc, sizeof proc, "/proc/%ld", o.pid);
    if (errno == ENOENT && access(proc, F_OK) != 0) container_gone();
    return -1;
  }
  return a.st_ino != b.st_ino || a.st_dev != b.st_dev;
}

static int open_ns(const char *name) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%ld/ns/%s", o.pid, name);
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
  snprintf(root, sizeof root, "/proc/%ld/root", o.pid);
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
    snprintf(args, sizeof args, "%d /* /proc/%ld/ns/%s */, %s", fds[i], o.pid, JOIN_ORDER[i].name, JOIN_ORDER[i].flag_name);
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
    snprintf(args, sizeof args, "%d /* /proc/%ld/ns/pid */, CLONE_NEWPID", pid_ns, o.pid);
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

static const char *cap_name(int i, char *buf, size_t cap) {
  if (i < N_CAP_NAMES) return CAP_NAMES[i];
  snprintf(buf, cap, "%d", i);
  return buf;
}

/* setrlimit(2) for each of process.rlimits, with a clear error when refused (process.ts). */
static void apply_rlimits(void) {
  for (size_t i = 0; i < o.n_rlimits; i++) {
    struct rlim *r = &o.rlimits[i];
    struct rlimit v = { r->soft, r->hard };
    char soft[32], hard[32], args[128];
    if (r->soft == RLIM_INFINITY) strcpy(soft, "RLIM_INFINITY"); else snprintf(soft, sizeof soft, "%llu", r->soft);
    if (r->hard == RLIM_INFINITY) strcpy(hard, "RLIM_INFINITY"); else snprintf(hard, sizeof hard, "%llu", r->hard);
    snprintf(args, sizeof args, "%s, {rlim_cur=%s, rlim_max=%s}", r->name, soft, hard);
    int e = try_call("setrlimit", args, setrlimit(r->resource, &v));
    if (e == EPERM) child_fail(125, "cannot set %s to %s:%s: raising a hard limit needs CAP_SYS_RESOURCE, which mini-run does not have here", r->name,
      r->soft == RLIM_INFINITY ? "-1" : soft, r->hard == RLIM_INFINITY ? "-1" : hard);
    if (e) child_fail(125, "setrlimit(%s): %s (%s)", args, errno_name(e), errno_text(e));
  }
}

/* Shrink the bounding set to process.capabilities.bounding (capabilities.ts). */
static void limit_bounding_set(void) {
  char name[16], args[64];
  for (int i = 0; i < 64; i++) {
    if (o.bounding & (1ULL << i)) continue;
    if (prctl(PR_CAPBSET_READ, i, 0, 0, 0) != 1) continue; /* not held, or unknown to this kernel */
    snprintf(args, sizeof args, "PR_CAPBSET_DROP, %s", cap_name(i, name, sizeof name));
    checked("prctl", args, prctl(PR_CAPBSET_DROP, i, 0, 0, 0), child_fail);
  }
}

struct cap_header { uint32_t version; int pid; };
struct cap_data { uint32_t effective, permitted, inheritable; };
#define CAP_V3 0x20080522

/*
 * After the user switch: effective/permitted/inheritable, then the ambient set
 * (capabilities.ts's applyProcessCapabilities: what execve then leaves to the program).
 */
static void apply_capabilities(void) {
  checked("prctl", "PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL", prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0), child_fail);
  struct cap_header h = { CAP_V3, 0 };
  struct cap_data d[2];
  if (syscall(SYS_capget, &h, d) != 0) child_fail(125, "capget(): %s (%s)", errno_name(errno), errno_text(errno));
  // We can only keep what we have: on hosts where root itself lacks a capability, --privileged
  // gets everything the host allows.
  uint64_t have = (uint64_t)d[0].permitted | ((uint64_t)d[1].permitted << 32);
  uint64_t eff = o.effective & have, prm = o.permitted & have, inh = o.inheritable & have;
  d[0].effective = (uint32_t)eff; d[1].effective = (uint32_t)(eff >> 32);
  d[0].permitted = (uint32_t)prm; d[1].permitted = (uint32_t)(prm >> 32);
  d[0].inheritable = (uint32_t)inh; d[1].inheritable = (uint32_t)(inh >> 32);
  char args[128];
  snprintf(args, sizeof args, "{V3, 0}, {eff=0x%llx, prm=0x%llx, inh=0x%llx}", (unsigned long long)eff, (unsigned long long)prm, (unsigned long long)inh);
  checked("capset", args, syscall(SYS_capset, &h, d), child_fail);
  char name[16];
  for (int i = 0; i < 64; i++) {
    if (!(o.ambient & (1ULL << i))) continue;
    // The kernel refuses an ambient capability outside permitted ∩ inheritable; runc warns and
    // goes on (its `runc spec` lists ambient ones without inheritable): so do we.
    if (!(prm & inh & (1ULL << i))) {
      trace("# %s not made ambient: it is not both permitted and inheritable", cap_name(i, name, sizeof name));
      continue;
    }
    snprintf(args, sizeof args, "PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, %s", cap_name(i, name, sizeof name));
    checked("prctl", args, prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, i, 0, 0), child_fail);
  }
  checked("prctl", "PR_SET_KEEPCAPS, 0", prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0), child_fail); /* (execve clears it too) */
}

/* Switch to the container's user. Order matters: groups and gid while still root, uid last. */
static void switch_user(void) {
  char args[256];
  int n = snprintf(args, sizeof args, "%zu, [", o.n_groups);
  for (size_t i = 0; i < o.n_groups && n < (int)sizeof args - 16; i++) n += snprintf(args + n, sizeof args - (size_t)n, "%s%u", i ? ", " : "", (unsigned)o.groups[i]);
  snprintf(args + n, sizeof args - (size_t)n, "]");
  checked("setgroups", args, setgroups(o.n_groups, o.groups), child_fail);
  snprintf(args, sizeof args, "%u, %u, %u", o.gid, o.gid, o.gid);
  checked("setresgid", args, setresgid(o.gid, o.gid, o.gid), child_fail);
  snprintf(args, sizeof args, "%u, %u, %u", o.uid, o.uid, o.uid);
  checked("setresuid", args, setresuid(o.uid, o.uid, o.uid), child_fail); /* after this (uid ≠ 0) no more group changes */
}

/* Find the program as execvp would, in the container's PATH; Docker's exit codes on failure (findExecutable). */
static char *find_executable(const char *name) {
  static char path[4096];
  struct stat st;
  if (strchr(name, '/')) {
    if (stat(name, &st) == 0) {
      if (S_ISDIR(st.st_mode)) child_fail(126, "exec: \"%s\": is a directory", name);
      if (access(name, X_OK) == 0) return (char *)name;
      child_fail(126, "exec: \"%s\": permission denied", name);
    }
    child_fail(127, "exec: \"%s\": stat %s: no such file or directory", name, name);
  }
  const char *dirs = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  for (size_t i = 0; i < o.env.n; i++) if (strncmp(o.env.v[i], "PATH=", 5) == 0) { dirs = o.env.v[i] + 5; break; }
  int no_permission = 0;
  for (const char *d = dirs; *d;) {
    const char *end = strchr(d, ':');
    size_t len = end ? (size_t)(end - d) : strlen(d);
    if (len > 0 && len + strlen(name) + 2 < sizeof path) {
      memcpy(path, d, len);
      if (path[len - 1] != '/') path[len++] = '/';
      strcpy(path + len, name);
      if (stat(path, &st) == 0 && !S_ISDIR(st.st_mode)) {
        if (access(path, X_OK) == 0) return path;
        no_permission = 1;
      }
    }
    if (!end) break;
    d = end + 1;
  }
  if (no_permission) child_fail(126, "exec: \"%s\": permission denied", name);
  child_fail(127, "exec: \"%s\": executable file not found in $PATH", name);
}

/*
 * close_range(3, ~0U, CLOSE_RANGE_CLOEXEC): no fd of ours reaches the program (CVE-2024-21626
 * class) — the sync socket, the trace fd, the error pipe. Under an older seccomp profile that
 * predates close_range (EPERM), or an old kernel (ENOSYS), one descriptor at a time.
 */
static void close_our_fds(void) {
  if (try_call("close_range", "3, ~0U, CLOSE_RANGE_CLOEXEC", syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC)) == 0) return;
  struct rlimit nofile;
  int max = getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur < (1u << 20) ? (int)nofile.rlim_cur : 1 << 20;
  for (int fd = 3; fd < max; fd++) {
    int fl = fcntl(fd, F_GETFD);
    if (fl >= 0 && !(fl & FD_CLOEXEC)) fcntl(fd, F_SETFD, fl | FD_CLOEXEC);
  }
}

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
  if (o.terminal) {
    char args[32];
    snprintf(args, sizeof args, "%d, TIOCSCTTY, 0", slave_fd);
    checked("ioctl", args, ioctl(slave_fd, TIOCSCTTY, 0), child_fail);
    for (int fd = 0; fd <= 2; fd++) {
      snprintf(args, sizeof args, "%d, %d", slave_fd, fd);
      checked("dup2", args, dup2(slave_fd, fd), child_fail);
    }
  }

  // 2. no_new_privs: execve can never raise privileges again (setuid bits, file caps). Without
  //    it the kernel loads a seccomp filter only for CAP_SYS_ADMIN, which we still hold now:
  //    then the filter goes in here, and must allow the few calls left before execve.
  if (o.nnp) checked("prctl", "PR_SET_NO_NEW_PRIVS, 1", prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), child_fail);
  if (o.seccomp && !o.nnp) install_seccomp();

  // Resource limits (--ulimit), while still root: raising a hard limit needs CAP_SYS_RESOURCE.
  apply_rlimits();

  // 3. Privileges: shrink the capability bounding set, switch user (keeping the permitted set:
  //    switching from uid 0 would empty it, and the effective set is empty until step 5).
  limit_bounding_set();
  checked("prctl", "PR_SET_KEEPCAPS, 1", prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0), child_fail);
  switch_user();

  // 4. Working directory (as the user, without capabilities: it may not be allowed in) and the
  //    program itself.
  char args[4200];
  snprintf(args, sizeof args, "\"%s\"", o.cwd);
  int e = try_call("chdir", args, chdir(o.cwd));
  // docker (runc): "chdir to cwd ("/x") set in config.json failed: …", exit 126
  if (e) child_fail(126, "chdir to cwd (\"%s\") set in config.json failed: %s", o.cwd, errno_lower(e));
  const char *program = find_executable(o.args.v[0]);

  // 5. The capability sets the spec asks for, and the ambient ones (capabilities.ts).
  apply_capabilities();

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
  if (o.terminal && (sig == SIGINT || sig == SIGQUIT)) return;
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
  read_order();
  trace("# exec process (native/exec-process): orders for PID %ld's container", o.pid);
  apply_oom_score_adj(); // (while /proc is the host's)
  // The container's syscall filter applies to exec'd processes too (as with runc exec),
  // compiled by the runtime while we started.
  check_seccomp();

  // 1. Into the container's cgroup, while its cgroup.procs files are reachable by their host paths.
  join_cgroups();

  // 2–3. Namespaces and root; the PID namespace for our child.
  join_namespaces();

  // 4. The terminal, opened here (inside, as root) and handed over before the fork.
  if (o.terminal) {
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
  if (o.detach) _exit(0); // -d: it runs on; the container's PID 1 becomes its parent

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
