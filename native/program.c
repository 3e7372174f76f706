/* program.c — see program.h: what exec-process and init-native share. */
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

#include "program.h"

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

struct program_order o = { .trace_fd = -1 };
const char *trace_prefix = "[exec] ";
const char *self_name = "exec process";

/* ------------------------------------------------------------------ trace and errors */

void put_all(int fd, const char *s, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, s, n);
    if (w < 0) { if (errno == EINTR) continue; return; }
    s += w; n -= (size_t)w;
  }
}

/* One trace line, "[exec] …", in trace.ts's format; a write(2) each, never reordered. */
void trace(const char *fmt, ...) {
  if (o.trace_fd < 0) return;
  char line[2048];
  int n = snprintf(line, sizeof line, "%s", trace_prefix);
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

const char *errno_name(int e) {
  static char buf[24];
  for (size_t i = 0; i < sizeof ERRNOS / sizeof ERRNOS[0]; i++) if (ERRNOS[i].no == e) return ERRNOS[i].name;
  snprintf(buf, sizeof buf, "errno %d", e);
  return buf;
}

const char *errno_text(int e) {
  for (size_t i = 0; i < sizeof ERRNOS / sizeof ERRNOS[0]; i++) if (ERRNOS[i].no == e) return ERRNOS[i].text;
  return errno_name(e);
}

/* errno_text in lower case (Docker's "no such file or directory"), in a static buffer. */
const char *errno_lower(int e) {
  static char buf[64];
  snprintf(buf, sizeof buf, "%s", errno_text(e));
  for (char *p = buf; *p; p++) if (*p >= 'A' && *p <= 'Z') *p = (char)(*p - 'A' + 'a');
  return buf;
}

/* Append `s` to `out` as the inside of a JSON string. */
size_t json_escape(char *out, size_t cap, const char *s) {
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

void send_line(const char *json) {
  char line[4200];
  int n = snprintf(line, sizeof line, "%s\n", json);
  put_all(SYNC_FD, line, (size_t)n);
}

/* Tell the runtime why we failed, then exit with `code` (sync-socket.ts's failAndExit). */
void __attribute__((noreturn)) fail_message(int code, const char *message) {
  char esc[3600], json[4096];
  json_escape(esc, sizeof esc, message);
  snprintf(json, sizeof json, "{\"type\":\"error\",\"message\":\"%s\",\"exitCode\":%d}", esc, code);
  send_line(json);
  _exit(code);
}

void __attribute__((noreturn, format(printf, 2, 3))) failf(int code, const char *fmt, ...) {
  char msg[3000];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  fail_message(code, msg);
}

int err_pipe = -1; /* the child's end (5.): an error for the parent to pass on */

/* In the child: hand the error to the parent (which reports it), exit with its code. */
void __attribute__((noreturn, format(printf, 2, 3))) child_fail(int code, const char *fmt, ...) {
  char msg[3000];
  int n = err_pipe >= 0 ? snprintf(msg, sizeof msg, "%d ", code) : 0;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg + n, sizeof msg - (size_t)n, fmt, ap);
  va_end(ap);
  if (err_pipe < 0) fail_message(code, msg);
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
long checked(const char *call, const char *args, long r, fail_path fail) {
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
int try_call(const char *call, const char *args, long r) {
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
void rd_line(char *out, size_t cap) {
  size_t n = 0;
  for (;;) {
    int c = rd_byte();
    if (c < 0) failf(125, "runtime closed the sync socket");
    if (c == '\n') break;
    if (n + 1 >= cap) failf(125, "%s: a line of the order is too long", self_name);
    out[n++] = (char)c;
  }
  out[n] = 0;
}

#define MAX_FIELD (1u << 20)

static char *rd_bytes(size_t len) {
  char *p = malloc(len + 1);
  if (!p) failf(125, "%s: out of memory", self_name);
  for (size_t i = 0; i < len; i++) {
    int c = rd_byte();
    if (c < 0) failf(125, "runtime closed the sync socket");
    p[i] = (char)c;
  }
  p[len] = 0;
  if (rd_byte() != '\n') failf(125, "%s: malformed order (field not followed by a newline)", self_name);
  return p;
}

void push(struct strlist *l, char *s) {
  char **v = realloc(l->v, (l->n + 2) * sizeof *v);
  if (!v) failf(125, "%s: out of memory", self_name);
  l->v = v;
  l->v[l->n++] = s;
  l->v[l->n] = NULL;
}

long to_long(const char *key, const char *s) {
  char *end;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (errno || end == s || *end) failf(125, "%s: malformed order (%s: \"%s\")", self_name, key, s);
  return v;
}

uint64_t to_mask(const char *key, const char *s) {
  char *end;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 16);
  if (errno || end == s || *end) failf(125, "%s: malformed order (%s: \"%s\")", self_name, key, s);
  return (uint64_t)v;
}

static unsigned long long to_limit(const char *s) {
  if (strcmp(s, "inf") == 0) return RLIM_INFINITY;
  char *end;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno || end == s || *end) failf(125, "%s: malformed order (rlimit \"%s\")", self_name, s);
  return v;
}

void read_order(const char *magic, int (*own)(const char *key, char *v, size_t len)) {
  char line[128];
  rd_line(line, sizeof line);
  if (strcmp(line, magic) != 0) failf(125, "%s: not an order it understands (\"%s\")", self_name, line);
  for (;;) {
    rd_line(line, sizeof line);
    char *sp = strchr(line, ' ');
    if (!sp) failf(125, "%s: malformed order (\"%s\")", self_name, line);
    *sp = 0;
    const char *key = line;
    long len = to_long(key, sp + 1);
    if (len < 0 || (unsigned long)len > MAX_FIELD) failf(125, "%s: malformed order (%s: length %ld)", self_name, key, len);
    char *v = rd_bytes((size_t)len);
    if (strcmp(key, "end") == 0) { free(v); break; }
    else if (strcmp(key, "trace") == 0) o.trace_fd = (int)to_long(key, v);
    else if (strcmp(key, "nnp") == 0) o.nnp = to_long(key, v) == 1;
    else if (strcmp(key, "oom") == 0) { o.has_oom = 1; o.oom = to_long(key, v); }
    else if (strcmp(key, "uid") == 0) o.uid = (unsigned)to_long(key, v);
    else if (strcmp(key, "gid") == 0) o.gid = (unsigned)to_long(key, v);
    else if (strcmp(key, "group") == 0) {
      gid_t *g = realloc(o.groups, (o.n_groups + 1) * sizeof *g);
      if (!g) failf(125, "%s: out of memory", self_name);
      o.groups = g;
      o.groups[o.n_groups++] = (gid_t)to_long(key, v);
    }
    else if (strcmp(key, "cwd") == 0) { o.cwd = v; continue; }
    else if (strcmp(key, "arg") == 0) { push(&o.args, v); continue; }
    else if (strcmp(key, "env") == 0) { push(&o.env, v); continue; }
    else if (strcmp(key, "rlimit") == 0) {
      struct rlim r = { 0 };
      char soft[32], hard[32];
      if (sscanf(v, "%d %31s %31s %31s", &r.resource, soft, hard, r.name) != 4) failf(125, "%s: malformed order (rlimit \"%s\")", self_name, v);
      r.soft = to_limit(soft);
      r.hard = to_limit(hard);
      struct rlim *p = realloc(o.rlimits, (o.n_rlimits + 1) * sizeof *p);
      if (!p) failf(125, "%s: out of memory", self_name);
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
    else {
      int taken = own ? own(key, v, (size_t)len) : 0;
      if (taken == 0) failf(125, "%s: malformed order (unknown field %s)", self_name, key);
      if (taken == 2) continue;
    }
    free(v);
  }
  if (!o.env.v) push(&o.env, NULL), o.env.n = 0;
}

/* ------------------------------------------------------------------ seccomp */

struct sock_filter_ { uint16_t code; uint8_t jt, jf; uint32_t k; };
struct sock_fprog_ { unsigned short len; struct sock_filter_ *filter; };

/* The filter the runtime sent, checked as fromWire does: one well-formed program, or no start. */
void check_seccomp(void) {
  if (!o.seccomp) return;
  size_t n = o.seccomp_len / 8;
  if (o.seccomp_len % 8 != 0 || n < 1 || n > BPF_MAXINSNS)
    failf(125, "seccomp: the runtime's compiled filter is malformed (%zu bytes): not starting without it", o.seccomp_len);
  if (o.seccomp_flags & ~SECCOMP_KNOWN_FLAGS)
    failf(125, "seccomp: the runtime's compiled filter is malformed (flags %u): not starting without it", o.seccomp_flags);
}

/* Load the filter on this thread: inherited by execve, never removed (seccomp-load.ts). */
void install_seccomp(void) {
  struct sock_fprog_ prog = { (unsigned short)(o.seccomp_len / 8), (struct sock_filter_ *)o.seccomp };
  if (o.seccomp_unknown > 0) trace("# seccomp filter: %zu BPF instructions (%ld names unknown on x86_64, skipped)", o.seccomp_len / 8, o.seccomp_unknown);
  else trace("# seccomp filter: %zu BPF instructions", o.seccomp_len / 8);
  char args[96];
  snprintf(args, sizeof args, "SECCOMP_SET_MODE_FILTER, %u, {len=%zu, filter=…}", o.seccomp_flags, o.seccomp_len / 8);
  checked("seccomp", args, syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, o.seccomp_flags, &prog), failf);
}

/* ------------------------------------------------------------------ 1. cgroup, oom */

/* process.oomScoreAdj, while /proc is the host's (process.ts's applyOomScoreAdj). */
void apply_oom_score_adj(void) {
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


static const char *cap_name(int i, char *buf, size_t cap) {
  if (i < N_CAP_NAMES) return CAP_NAMES[i];
  snprintf(buf, cap, "%d", i);
  return buf;
}

/* setrlimit(2) for each of process.rlimits, with a clear error when refused (process.ts). */
void apply_rlimits(void) {
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
void limit_bounding_set(void) {
  char name[16], args[64];
  for (int i = 0; i < 64; i++) {
    if (o.bounding & (1ULL << i)) continue;
    if (prctl(PR_CAPBSET_READ, i, 0, 0, 0) != 1) continue; /* not held, or unknown to this kernel */
    snprintf(args, sizeof args, "PR_CAPBSET_DROP, %s", cap_name(i, name, sizeof name));
    checked("prctl", args, prctl(PR_CAPBSET_DROP, i, 0, 0, 0), child_fail);
  }
}


/*
 * After the user switch: effective/permitted/inheritable, then the ambient set
 * (capabilities.ts's applyProcessCapabilities: what execve then leaves to the program).
 */
void apply_capabilities(void) {
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
void switch_user(void) {
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
char *find_executable(const char *name) {
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
void close_our_fds(void) {
  if (try_call("close_range", "3, ~0U, CLOSE_RANGE_CLOEXEC", syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC)) == 0) return;
  struct rlimit nofile;
  int max = getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur < (1u << 20) ? (int)nofile.rlim_cur : 1 << 20;
  for (int fd = 3; fd < max; fd++) {
    int fl = fcntl(fd, F_GETFD);
    if (fl >= 0 && !(fl & FD_CLOEXEC)) fcntl(fd, F_SETFD, fl | FD_CLOEXEC);
  }
}

/* A string as JSON.stringify writes it (trace.ts's q), or NULL: the trace's way of quoting. */
const char *q(char *buf, size_t cap, const char *s) {
  if (!s) { snprintf(buf, cap, "NULL"); return buf; }
  size_t k = 0;
  buf[k++] = '"';
  for (; *s && k + 8 < cap; s++) {
    unsigned char c = (unsigned char)*s;
    const char *esc = c == '"' ? "\\\"" : c == '\\' ? "\\\\" : c == '\n' ? "\\n" : c == '\r' ? "\\r" : c == '\t' ? "\\t" : c == '\b' ? "\\b" : c == '\f' ? "\\f" : NULL;
    if (esc) { size_t l = strlen(esc); memcpy(buf + k, esc, l); k += l; }
    else if (c < 0x20) k += (size_t)snprintf(buf + k, cap - k, "\\u%04x", c);
    else buf[k++] = (char)c;
  }
  buf[k++] = '"';
  buf[k] = 0;
  return buf;
}

/*
 * process.ts's prepareProgram, from no_new_privs to the capability sets: what both the init and
 * exec's child do in the program's own process before its execve. Returns the program's path.
 */
const char *prepare_program(void) {
  // no_new_privs: execve can never raise privileges again (setuid bits, file caps). Without it
  // the kernel loads a seccomp filter only for CAP_SYS_ADMIN, which we still hold now: then the
  // filter goes in here, and must allow the few calls left before execve.
  if (o.nnp) checked("prctl", "PR_SET_NO_NEW_PRIVS, 1", prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), child_fail);
  if (o.seccomp && !o.nnp) install_seccomp();

  // Resource limits (--ulimit), while still root: raising a hard limit needs CAP_SYS_RESOURCE.
  apply_rlimits();

  // Privileges: shrink the capability bounding set, switch user (keeping the permitted set:
  // switching from uid 0 would empty it, and the effective set is empty until the last step).
  limit_bounding_set();
  checked("prctl", "PR_SET_KEEPCAPS, 1", prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0), child_fail);
  switch_user();

  // Working directory (as the user, without capabilities: it may not be allowed in) and the
  // program itself.
  char args[4200];
  int e = try_call("chdir", q(args, sizeof args, o.cwd), chdir(o.cwd));
  // docker (runc): "chdir to cwd ("/x") set in config.json failed: …", exit 126
  if (e) child_fail(126, "chdir to cwd (\"%s\") set in config.json failed: %s", o.cwd, errno_lower(e));
  const char *program = find_executable(o.args.v[0]);

  // The capability sets the spec asks for, and the ambient ones (capabilities.ts).
  apply_capabilities();
  return program;
}
