/*
 * program.{c,h} — what mini-run's two native container-side processes share: exec-process
 * (`exec` into a running container) and init-native (a new container's PID 1). Both read an
 * order from the runtime on fd 3 in the same framed form, trace in libc.ts's format, report
 * errors as sync-socket.ts's JSON lines, and prepare the program the same way before execve:
 * no_new_privs, seccomp, rlimits, the capability bounding set, the user, the working
 * directory, the PATH lookup, the capability sets, closing every fd of ours (process.ts's
 * prepareProgram, in C). Each binary is one of them plus this file.
 *
 * THE PROCESS FIELDS of an order (exec-order.ts's encodeProcessFields), read by program_field:
 *     trace     the fd our trace lines go to (optional)
 *     nnp       "1": no_new_privs
 *     oom       process.oomScoreAdj (optional)
 *     uid, gid  numbers; group: one additional gid (repeated)
 *     cwd       the working directory
 *     arg, env  argv and environment, in order (repeated)
 *     rlimit    "<resource number> <soft> <hard> <RLIMIT_NAME>", soft/hard decimal or "inf" (repeated)
 *     bounding, effective, permitted, inheritable, ambient    capability masks, hex (bit = number)
 *     seccomp   the compiled BPF program, raw bytes (8 per instruction)   (optional)
 *     seccomp-flags, seccomp-unknown   its SECCOMP_FILTER_FLAG_* bits; names skipped (for the trace)
 */
#ifndef MINI_RUN_PROGRAM_H
#define MINI_RUN_PROGRAM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define SYNC_FD 3

/* capget/capset(2)'s structures, version 3 (two data elements: capabilities 0–31, 32–63). */
struct cap_header { uint32_t version; int pid; };
struct cap_data { uint32_t effective, permitted, inheritable; };
#define CAP_V3 0x20080522

struct strlist { char **v; size_t n; };
struct rlim { int resource; unsigned long long soft, hard; char name[32]; };

/* The program to start: the process fields of the order. */
struct program_order {
  struct strlist args, env;
  int trace_fd, nnp, has_oom;
  long oom;
  unsigned uid, gid;
  gid_t *groups; size_t n_groups;
  char *cwd;
  struct rlim *rlimits; size_t n_rlimits;
  uint64_t bounding, effective, permitted, inheritable, ambient;
  unsigned char *seccomp; size_t seccomp_len;
  unsigned seccomp_flags; long seccomp_unknown;
};
extern struct program_order o;

/* Who we are, for the trace ("[exec] ") and for the order's error lines ("exec process"). */
extern const char *trace_prefix;
extern const char *self_name;

/* ---- trace and errors */
void put_all(int fd, const char *s, size_t n);
void trace(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
const char *errno_name(int e);
const char *errno_text(int e);
const char *errno_lower(int e);
size_t json_escape(char *out, size_t cap, const char *s);
void send_line(const char *json);
void fail_message(int code, const char *message) __attribute__((noreturn));
void failf(int code, const char *fmt, ...) __attribute__((noreturn, format(printf, 2, 3)));
/*
 * The program's preparation fails through child_fail: in a forked child (err_pipe set) the
 * error goes down err_pipe for the parent to pass on; without one (the init is the program's
 * own process) it is failf's.
 */
extern int err_pipe;
void child_fail(int code, const char *fmt, ...) __attribute__((noreturn, format(printf, 2, 3)));
/* Where a failed call's error goes: failf or child_fail. */
typedef void (*fail_path)(int code, const char *fmt, ...);
long checked(const char *call, const char *args, long r, fail_path fail);
int try_call(const char *call, const char *args, long r);

/* ---- reading fd 3 */
void rd_line(char *out, size_t cap);
long to_long(const char *key, const char *s);
uint64_t to_mask(const char *key, const char *s);
void push(struct strlist *l, char *s);
/*
 * The order: `magic` first, then fields until "end". A process field goes into `o`; any
 * other to `own(key, value, length)`, which returns 0 (unknown: malformed order), 1 (taken,
 * value freed) or 2 (taken, value kept).
 */
void read_order(const char *magic, int (*own)(const char *key, char *v, size_t len));

/* ---- the program's preparation, in this order (see exec-process.c's become_program) */
void check_seccomp(void);
void install_seccomp(void);
void apply_oom_score_adj(void);
void apply_rlimits(void);
void limit_bounding_set(void);
void apply_capabilities(void);
void switch_user(void);
char *find_executable(const char *name);
void close_our_fds(void);
/* no_new_privs, seccomp (without nnp), rlimits, bounding set, user, cwd, PATH lookup, capability sets: the program's path */
const char *prepare_program(void);

/* ---- trace formats */
const char *q(char *buf, size_t cap, const char *s);

#endif
