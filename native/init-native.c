/*
 * init-native — a new container's init in C: PID 1 of its PID namespace until it execve()s the
 * program. It does what src/runtime/init.ts does, in the same order, with the same system calls
 * and the same trace lines ("[init] …"), for the common case only: no user namespace, no
 * terminal, no hooks, no --device, namespaces of its own. The runtime starts it by default (not
 * with MINI_RUN_INIT=node) for every container it supports (runtime/init-order.ts's choice
 * table); every other container gets the Node init. Why C: the Node init takes ≈ 20 ms from "go"
 * to execve (and ≈ 85 ms to boot); this one ≈ 4 ms (docs/init.md).
 *
 * The runtime spawns it as it spawns the Node init: after unshare(CLONE_NEWPID), from a
 * read-only bind of the binary (/run/mini-run/init-native: the container can never write it,
 * CVE-2019-5736 class), fds 0–2 the program's stdio, 3 the sync socket, 4 the trace. It waits
 * for its order on fd 3 (the runtime writes it once we are in the container's cgroup), then:
 *
 *   1. death signal; oom_score_adj; /proc/self/cgroup read (the host's view: v1's bind sources)
 *   2. unshare the namespaces, `lo` up; tell the runtime ("namespaces") and wait ("continue"):
 *      it moves the veth in meanwhile
 *   3. mounts: private propagation, the root overlay, each spec mount onto a target opened
 *      INSIDE the root with openat2(RESOLVE_IN_ROOT) (mount-target.ts: an image's symlinks never
 *      lead a mount onto the host — CVE-2015-3627, CVE-2021-30465 class); /proc and /sys never
 *      on a symlink (CVE-2019-19921 class); /dev filled; cgroup v1 built by hand
 *   4. pivot_root; fds 0–2 that are /dev/null become the container's; masks, read-only paths
 *   5. hostname; then the program's preparation (program.c) and execve: EOF on fd 3
 *
 * THE ORDER: see src/runtime/init-order.ts (the fields) and program.h (the process fields).
 * Back: sync-socket.ts's JSON lines, {"type":"namespaces"} and {"type":"error",…}.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#include "program.h"

#ifndef CLONE_NEWCGROUP
#define CLONE_NEWCGROUP 0x02000000
#endif
#ifndef SYS_openat2
#define SYS_openat2 437
#endif
#ifndef SYS_pivot_root
#define SYS_pivot_root 155
#endif
#define RESOLVE_NO_MAGICLINKS 0x02
#define RESOLVE_IN_ROOT 0x10

struct open_how_ { uint64_t flags, mode, resolve; };

struct mnt { char *dest, *kind, *type, *source, *data; unsigned long flags, propagation; };

static struct {
  int pdeathsig, lo, root_bind, root_ro;
  unsigned long unshare_flags;
  char *rootfs, *overlay, *overlay_base, *hostname;
  struct mnt *mounts; size_t n_mounts;
  struct strlist masked, readonly;
} n;

/* ------------------------------------------------------------------ the order */

static unsigned long to_hex(const char *key, const char *s) {
  return (unsigned long)to_mask(key, s);
}

/* "dest\0kind\0type\0source\0flags\0data\0propagation" (init-order.ts's encodeMount) */
static void add_mount(char *v, size_t len) {
  char *w[7];
  size_t k = 0, i = 0;
  while (k < 7) {
    w[k++] = v + i;
    while (i < len && v[i]) i++;
    if (i >= len) break;
    i++;
  }
  if (k != 7 || i != len) failf(125, "init: malformed order (mount)");
  struct mnt m = { w[0], w[1], w[2], w[3], w[5], to_hex("mount flags", w[4]), to_hex("mount propagation", w[6]) };
  struct mnt *p = realloc(n.mounts, (n.n_mounts + 1) * sizeof *p);
  if (!p) failf(125, "init: out of memory");
  n.mounts = p;
  n.mounts[n.n_mounts++] = m;
}

static int init_field(const char *key, char *v, size_t len) {
  if (strcmp(key, "pdeathsig") == 0) n.pdeathsig = to_long(key, v) == 1;
  else if (strcmp(key, "unshare") == 0) n.unshare_flags = to_hex(key, v);
  else if (strcmp(key, "lo") == 0) n.lo = to_long(key, v) == 1;
  else if (strcmp(key, "rootfs") == 0) { n.rootfs = v; return 2; }
  else if (strcmp(key, "overlay") == 0) { n.overlay = v; return 2; }
  else if (strcmp(key, "overlay-base") == 0) { n.overlay_base = v; return 2; }
  else if (strcmp(key, "root-bind") == 0) n.root_bind = to_long(key, v) == 1;
  else if (strcmp(key, "mount") == 0) { add_mount(v, len); return 2; }
  else if (strcmp(key, "masked") == 0) { push(&n.masked, v); return 2; }
  else if (strcmp(key, "readonly") == 0) { push(&n.readonly, v); return 2; }
  else if (strcmp(key, "root-ro") == 0) n.root_ro = to_long(key, v) == 1;
  else if (strcmp(key, "hostname") == 0) { n.hostname = v; return 2; }
  else return 0;
  return 1;
}

/* ------------------------------------------------------------------ trace formats (libc.ts) */

/* (q(), a string as JSON.stringify writes it: program.c) */

struct flagname { const char *name; unsigned long bit; };
static const struct flagname MS_NAMES[] = {
  { "MS_RDONLY", 1 }, { "MS_NOSUID", 2 }, { "MS_NODEV", 4 }, { "MS_NOEXEC", 8 }, { "MS_SYNCHRONOUS", 16 },
  { "MS_REMOUNT", 32 }, { "MS_MANDLOCK", 64 }, { "MS_DIRSYNC", 128 }, { "MS_NOSYMFOLLOW", 256 },
  { "MS_NOATIME", 1024 }, { "MS_NODIRATIME", 2048 }, { "MS_BIND", 4096 }, { "MS_MOVE", 8192 },
  { "MS_REC", 16384 }, { "MS_SILENT", 32768 }, { "MS_UNBINDABLE", 1ul << 17 }, { "MS_PRIVATE", 1ul << 18 },
  { "MS_SLAVE", 1ul << 19 }, { "MS_SHARED", 1ul << 20 }, { "MS_RELATIME", 1ul << 21 }, { "MS_STRICTATIME", 1ul << 24 },
  { NULL, 0 },
};
static const struct flagname CLONE_NAMES[] = {
  { "CLONE_NEWNS", CLONE_NEWNS }, { "CLONE_NEWCGROUP", CLONE_NEWCGROUP }, { "CLONE_NEWUTS", CLONE_NEWUTS },
  { "CLONE_NEWIPC", CLONE_NEWIPC }, { "CLONE_NEWUSER", CLONE_NEWUSER }, { "CLONE_NEWPID", CLONE_NEWPID },
  { "CLONE_NEWNET", CLONE_NEWNET }, { NULL, 0 },
};

/* constants.ts's decodeFlags: "A|B|0x10", or 0. */
static const char *flags(char *buf, size_t cap, unsigned long v, const struct flagname *t) {
  if (v == 0) { snprintf(buf, cap, "0"); return buf; }
  size_t k = 0;
  buf[0] = 0;
  for (; t->name; t++) {
    if ((v & t->bit) == t->bit) {
      k += (size_t)snprintf(buf + k, cap - k, "%s%s", k ? "|" : "", t->name);
      v &= ~t->bit;
    }
  }
  if (v) snprintf(buf + k, cap - k, "%s0x%lx", k ? "|" : "", v);
  return buf;
}

/* ------------------------------------------------------------------ traced calls */

static void do_mount(const char *src, const char *target, const char *type, unsigned long fl, const char *data) {
  char a[4096], b[4096], c[256], d[256], e[4096], args[16384];
  snprintf(args, sizeof args, "%s, %s, %s, %s, %s", q(a, sizeof a, src), q(b, sizeof b, target), q(c, sizeof c, type),
    flags(d, sizeof d, fl, MS_NAMES), q(e, sizeof e, data));
  checked("mount", args, mount(src, target, type, fl, data), failf);
}

static void do_chdir(const char *path) {
  char a[4200];
  checked("chdir", q(a, sizeof a, path), chdir(path), failf);
}

static void do_close(int fd) {
  char a[16];
  snprintf(a, sizeof a, "%d", fd);
  checked("close", a, close(fd), failf);
}

#define O_PATH_ 010000000
#define IN_ROOT (RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS)

/* openat2(root_fd, path, O_PATH|O_CLOEXEC|extra, RESOLVE_IN_ROOT|RESOLVE_NO_MAGICLINKS); -1 with errno (traced). */
static int root_fd = -1;
static int open_in_root_try(const char *path, int extra) {
  const char *rel = path;
  while (*rel == '/') rel++;
  if (!*rel) rel = ".";
  struct open_how_ how = { (uint64_t)(O_PATH | O_CLOEXEC | extra), 0, IN_ROOT };
  char a[4200], args[4400];
  snprintf(args, sizeof args, "%d, %s, {flags=0%llo, resolve=RESOLVE_NO_MAGICLINKS|RESOLVE_IN_ROOT}, 24", root_fd, q(a, sizeof a, rel), (unsigned long long)how.flags);
  return (int)checked("openat2", args, syscall(SYS_openat2, root_fd, rel, &how, sizeof how), NULL);
}

static void __attribute__((noreturn)) fail_openat2(const char *path, int extra) {
  int e = errno;
  const char *rel = path;
  while (*rel == '/') rel++;
  if (!*rel) rel = ".";
  char a[4200];
  failf(125, "openat2(%d, %s, {flags=0%llo, resolve=RESOLVE_NO_MAGICLINKS|RESOLVE_IN_ROOT}, 24): %s (%s)", root_fd, q(a, sizeof a, rel),
    (unsigned long long)(O_PATH | O_CLOEXEC | extra), errno_name(e), errno_text(e));
}

static int open_in_root(const char *path, int extra) {
  int fd = open_in_root_try(path, extra);
  if (fd < 0) fail_openat2(path, extra);
  return fd;
}

static void fd_path(char *buf, size_t cap, int fd) { snprintf(buf, cap, "/proc/self/fd/%d", fd); }

/* ------------------------------------------------------------------ 3. mount targets (mount-target.ts) */

/*
 * secure-join.ts's resolveInRoot: where `unsafe` leads inside `root`, symlinks read as if root
 * were `/` and `..` never above it; a missing component is taken literally (a dangling link's
 * target is what gets created, as runc does). Into `out`: the path relative to the root.
 * The kernel resolves every step again (openat2 RESOLVE_IN_ROOT): a swap meanwhile cannot lead out.
 */
static void resolve_in_root(const char *root, const char *unsafe, char *out, size_t cap) {
  static char pending[16384], next[16384];
  char res[8192] = "", part[256], host[12288], target[4096];
  int links = 0;
  snprintf(pending, sizeof pending, "%s", unsafe);
  char *p = pending;
  for (;;) {
    while (*p == '/') p++;
    if (!*p) break;
    size_t len = strcspn(p, "/");
    if (len >= sizeof part) failf(125, "%s: ENAMETOOLONG (File name too long)", unsafe);
    memcpy(part, p, len);
    part[len] = 0;
    p += len;
    if (strcmp(part, ".") == 0) continue;
    if (strcmp(part, "..") == 0) {
      char *s = strrchr(res, '/');
      if (s) *s = 0; else res[0] = 0; /* at the root, `..` stays at the root */
      continue;
    }
    snprintf(host, sizeof host, "%s/%s%s%s", root, res, *res ? "/" : "", part);
    struct stat st;
    if (lstat(host, &st) == 0 && S_ISLNK(st.st_mode)) {
      if (++links > 40) failf(125, "too many symbolic links resolving %s in %s", unsafe, root);
      ssize_t r = readlink(host, target, sizeof target - 1);
      if (r < 0) failf(125, "%s: %s, readlink '%s'", errno_name(errno), errno_lower(errno), host);
      target[r] = 0;
      if (target[0] == '/') res[0] = 0; /* absolute: from the container's root */
      snprintf(next, sizeof next, "%s/%s", target, p);
      memcpy(pending, next, sizeof pending);
      p = pending;
      continue;
    }
    size_t rl = strlen(res);
    if (rl + len + 2 >= sizeof res) failf(125, "%s: ENAMETOOLONG (File name too long)", unsafe);
    snprintf(res + rl, sizeof res - rl, "%s%s", rl ? "/" : "", part);
  }
  snprintf(out, cap, "%s", res);
}

/*
 * openMountTarget: the mount point for `dest`, what is missing made inside the root one level
 * at a time in a parent held by fd (a directory, or for a file bind an empty file, created
 * O_EXCL|O_NOFOLLOW: never through a link). An O_PATH fd; the caller mounts onto /proc/self/fd/N.
 */
static int open_mount_target(const char *dest, int as_file) {
  char rel[8192], sub[8192], name[8400];
  resolve_in_root(n.rootfs, dest, rel, sizeof rel);
  size_t total = strlen(rel);
  for (size_t i = 0; i <= total; i++) {
    if (i < total && rel[i] != '/') continue;
    if (i == 0) break; /* the root itself */
    memcpy(sub, rel, i);
    sub[i] = 0;
    int fd = open_in_root_try(sub, 0);
    if (fd >= 0) { do_close(fd); continue; }
    if (errno != ENOENT) fail_openat2(sub, 0);
    char *slash = strrchr(sub, '/');
    const char *base = slash ? slash + 1 : sub;
    if (slash) *slash = 0;
    int parent = open_in_root(slash ? sub : "", O_DIRECTORY);
    snprintf(name, sizeof name, "/proc/self/fd/%d/%s", parent, base);
    int r;
    if (as_file && i == total) {
      r = open(name, O_CREAT | O_EXCL | O_NOFOLLOW | O_WRONLY | O_CLOEXEC, 0644);
      if (r >= 0) close(r);
    } else {
      r = mkdir(name, 0755); /* mkdir(2) never follows a link in its last component */
    }
    if (r < 0 && errno != EEXIST) failf(125, "%s: %s, %s '%s'", errno_name(errno), errno_lower(errno), as_file && i == total ? "open" : "mkdir", name);
    do_close(parent);
  }
  return open_in_root(rel, 0);
}

/* isSymlinkInRoot: is `dest` itself a symlink in the image? */
static int is_symlink_in_root(const char *dest) {
  int fd = open_in_root_try(dest, O_NOFOLLOW);
  if (fd < 0) {
    if (errno == ENOENT) return 0;
    fail_openat2(dest, O_NOFOLLOW);
  }
  struct stat st;
  int link = fstat(fd, &st) == 0 && S_ISLNK(st.st_mode);
  do_close(fd);
  return link;
}

/* mounts.ts's changeMounted: a remount or propagation change on what is now mounted at dest. */
static void change_mounted(const char *dest, unsigned long fl) {
  char p[64];
  int fd = open_in_root(dest, 0);
  fd_path(p, sizeof p, fd);
  do_mount(NULL, p, NULL, fl, NULL);
  do_close(fd);
}

/* mounts.ts's mountOne. */
static void mount_one(const struct mnt *m) {
  int bind = strncmp(m->kind, "bind-", 5) == 0;
  if (strcmp(m->kind, "proc") == 0 && is_symlink_in_root(m->dest))
    failf(125, "mount destination %s is a symbolic link in the image: filesystem \"%s\" must be mounted on an ordinary directory", m->dest, m->type);
  if (bind) {
    struct stat st; /* the source is the host's: checked as the Node init's statSync would */
    if (stat(m->source, &st) != 0) failf(125, "%s: %s, stat '%s'", errno_name(errno), errno_lower(errno), m->source);
  }
  int target = open_mount_target(m->dest, strcmp(m->kind, "bind-file") == 0);
  char p[64];
  fd_path(p, sizeof p, target);
  if (!bind) {
    do_mount(m->source, p, *m->type ? m->type : NULL, m->flags, *m->data ? m->data : NULL);
  } else {
    // A bind mount ignores most flags on the first call: bind, then remount for ro/nosuid/…
    do_mount(m->source, p, NULL, MS_BIND | (m->flags & MS_REC), NULL);
    unsigned long extra = m->flags & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC);
    if (extra) change_mounted(m->dest, MS_BIND | MS_REMOUNT | extra);
  }
  if (m->propagation) change_mounted(m->dest, m->propagation);
  do_close(target);
}

/* ------------------------------------------------------------------ /dev (devices.ts) */

static const char *const DEVICES[] = { "null", "zero", "full", "random", "urandom", "tty" };
static const char *const LINKS[][2] = {
  { "fd", "/proc/self/fd" }, { "stdin", "/proc/self/fd/0" }, { "stdout", "/proc/self/fd/1" },
  { "stderr", "/proc/self/fd/2" }, { "ptmx", "pts/ptmx" }, { "core", "/proc/kcore" },
};

static void unlink_if_present(const char *path) {
  if (unlink(path) != 0 && errno != ENOENT) failf(125, "%s: %s, unlink '%s'", errno_name(errno), errno_lower(errno), path);
}

/* createDevices: the standard devices, each a bind of the host's node onto a file made here. Returns the held null. */
static int create_devices(void) {
  int dev = open_in_root("/dev", O_DIRECTORY);
  int null_fd = -1;
  char entry[128], p[64], src[32];
  for (size_t i = 0; i < sizeof DEVICES / sizeof DEVICES[0]; i++) {
    snprintf(entry, sizeof entry, "/proc/self/fd/%d/%s", dev, DEVICES[i]);
    unlink_if_present(entry);
    int f = open(entry, O_CREAT | O_EXCL | O_NOFOLLOW | O_WRONLY | O_CLOEXEC, 0666);
    if (f < 0) failf(125, "%s: %s, open '%s'", errno_name(errno), errno_lower(errno), entry);
    close(f);
    int node = open(entry, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (node < 0) failf(125, "%s: %s, open '%s'", errno_name(errno), errno_lower(errno), entry);
    fd_path(p, sizeof p, node);
    snprintf(src, sizeof src, "/dev/%s", DEVICES[i]);
    do_mount(src, p, NULL, MS_BIND, NULL);
    close(node);
    if (i == 0) null_fd = open(entry, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  }
  for (size_t i = 0; i < sizeof LINKS / sizeof LINKS[0]; i++) {
    if (strcmp(LINKS[i][0], "core") == 0 && access("/proc/kcore", F_OK) != 0) continue;
    snprintf(entry, sizeof entry, "/proc/self/fd/%d/%s", dev, LINKS[i][0]);
    unlink_if_present(entry);
    if (symlink(LINKS[i][1], entry) != 0) failf(125, "%s: %s, symlink '%s' -> '%s'", errno_name(errno), errno_lower(errno), LINKS[i][1], entry);
  }
  do_close(dev);
  return null_fd;
}

/* ------------------------------------------------------------------ cgroup v1 (cgroup-mount.ts) */

static char own_cgroups[16384];

static void mount_cgroup_v1(const struct mnt *m) {
  unsigned long locked = MS_NOSUID | MS_NODEV | MS_NOEXEC;
  int ro = (m->flags & MS_RDONLY) != 0;
  int mp = open_mount_target(m->dest, 0);
  char p[64];
  fd_path(p, sizeof p, mp);
  do_mount("tmpfs", p, "tmpfs", locked, "mode=755");
  do_close(mp);
  int tmpfs = open_in_root(m->dest, O_DIRECTORY);
  char target[64];
  fd_path(target, sizeof target, tmpfs);
  char copy[sizeof own_cgroups];
  memcpy(copy, own_cgroups, sizeof copy);
  char *save = NULL;
  for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    char *c1 = strchr(line, ':');
    if (!c1) continue;
    char *controllers = c1 + 1;
    char *c2 = strchr(controllers, ':');
    if (!c2) continue; /* no path */
    *c2 = 0;
    const char *path = c2 + 1;
    // "0::/…" is the (empty) v2 tree of a hybrid host; "name=systemd" holds no controller
    if (!*controllers || strncmp(controllers, "name=", 5) == 0) continue;
    char source[4096], dir[4200];
    snprintf(source, sizeof source, "/sys/fs/cgroup/%s%s%s", controllers, path[0] == '/' ? "" : "/", path);
    if (access(source, F_OK) != 0) continue; /* a hierarchy mounted elsewhere: leave it out */
    snprintf(dir, sizeof dir, "%s/%s", target, controllers);
    if (mkdir(dir, 0777) != 0) failf(125, "%s: %s, mkdir '%s'", errno_name(errno), errno_lower(errno), dir);
    do_mount(source, dir, NULL, MS_BIND, NULL);
    do_mount(NULL, dir, NULL, MS_BIND | MS_REMOUNT | locked | (ro ? MS_RDONLY : 0), NULL);
    if (strchr(controllers, ',')) {
      char names[256], link[4300];
      snprintf(names, sizeof names, "%s", controllers);
      char *s2 = NULL;
      for (char *name = strtok_r(names, ",", &s2); name; name = strtok_r(NULL, ",", &s2)) {
        snprintf(link, sizeof link, "%s/%s", target, name);
        if (symlink(controllers, link) != 0) failf(125, "%s: %s, symlink '%s' -> '%s'", errno_name(errno), errno_lower(errno), controllers, link);
      }
    }
  }
  // the tmpfs itself is read-only for the program too (no new directories in it)
  do_mount(NULL, target, NULL, MS_REMOUNT | locked | MS_RDONLY, "mode=755");
  do_close(tmpfs);
}

/* ------------------------------------------------------------------ 4. after pivot_root */

/* devices.ts's reopenDevNull: fds 0–2 that are a null device become the container's, read-write. */
static void reopen_dev_null(void) {
  int held = open("/dev/null", O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (held < 0) return;
  struct stat want, st;
  int nul = -1;
  if (fstat(held, &want) != 0 || !S_ISCHR(want.st_mode)) goto out;
  char p[64];
  fd_path(p, sizeof p, held);
  nul = open(p, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (nul < 0) nul = open("/dev/null", O_RDWR | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
  if (nul < 0 || fstat(nul, &st) != 0 || st.st_rdev != want.st_rdev) goto out;
  for (int fd = 0; fd <= 2; fd++) {
    if (fstat(fd, &st) != 0) continue;
    if (S_ISCHR(st.st_mode) && st.st_rdev == want.st_rdev) {
      char args[32];
      snprintf(args, sizeof args, "%d, %d", nul, fd);
      if (checked("dup2", args, dup2(nul, fd), NULL) < 0) goto out;
    }
  }
out:
  if (nul >= 0) close(nul);
  close(held);
}

/* mkdir -p, inside the root now (docker creates the working directory too). */
static void mkdir_p(const char *path) {
  char buf[4096];
  snprintf(buf, sizeof buf, "%s", path);
  for (char *s = buf + 1; ; s++) {
    if (*s == '/' || *s == 0) {
      char c = *s;
      *s = 0;
      struct stat st;
      if (mkdir(buf, 0777) != 0) {
        if (errno != EEXIST) failf(125, "%s: %s, mkdir '%s'", errno_name(errno), errno_lower(errno), path);
        if (stat(buf, &st) == 0 && !S_ISDIR(st.st_mode)) {
          if (c) failf(125, "ENOTDIR: not a directory, mkdir '%s'", path);
          failf(125, "EEXIST: file already exists, mkdir '%s'", path);
        }
      }
      *s = c;
      if (!c) break;
    }
  }
}

/* masked-paths.ts */
static void mask_path(const char *path, const char *null_device) {
  struct stat st;
  if (stat(path, &st) != 0) return; /* not on this kernel: nothing to hide */
  if (S_ISDIR(st.st_mode)) do_mount("tmpfs", path, "tmpfs", MS_RDONLY, NULL);
  else do_mount(null_device, path, NULL, MS_BIND, NULL);
}

static void readonly_path(const char *path) {
  struct stat st;
  if (stat(path, &st) != 0) return;
  do_mount(path, path, NULL, MS_BIND | MS_REC, NULL);
  do_mount(NULL, path, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
}

/* ------------------------------------------------------------------ steps */

static void enter_namespaces(void) {
  char names[256];
  if (n.unshare_flags) checked("unshare", flags(names, sizeof names, n.unshare_flags, CLONE_NAMES), unshare((int)n.unshare_flags), failf);
  if (!n.lo) return;
  // A new network namespace has only `lo`, and it is down: even 127.0.0.1 would not work.
  int s = (int)checked("socket", "AF_INET, SOCK_DGRAM|SOCK_CLOEXEC, 0", socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), failf);
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "lo");
  char args[96];
  snprintf(args, sizeof args, "%d, SIOCGIFFLAGS, {ifr_name=\"lo\"}", s);
  checked("ioctl", args, ioctl(s, SIOCGIFFLAGS, &ifr), failf);
  ifr.ifr_flags |= IFF_UP;
  snprintf(args, sizeof args, "%d, SIOCSIFFLAGS, {ifr_name=\"lo\", ifr_flags|=IFF_UP}", s);
  checked("ioctl", args, ioctl(s, SIOCSIFFLAGS, &ifr), failf);
  close(s);
}

/* init.ts's buildFilesystem. */
static void build_filesystem(void) {
  do_mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
  if (n.overlay) {
    if (n.overlay_base) do_chdir(n.overlay_base); /* relative lowerdir names resolve from here */
    do_mount("overlay", n.rootfs, "overlay", MS_NODEV, n.overlay);
  } else {
    do_mount(n.rootfs, n.rootfs, NULL, MS_BIND | MS_REC, NULL);
  }
  root_fd = open(n.rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root_fd < 0) failf(125, "%s: %s, open '%s'", errno_name(errno), errno_lower(errno), n.rootfs);
  int null_fd = -1;
  for (size_t i = 0; i < n.n_mounts; i++) {
    const struct mnt *m = &n.mounts[i];
    if (strcmp(m->kind, "cgroup-v1") == 0) mount_cgroup_v1(m);
    else mount_one(m);
    if (strcmp(m->kind, "dev") == 0) {
      if (null_fd >= 0) close(null_fd);
      null_fd = create_devices();
    }
  }
  close(root_fd);
  do_chdir(n.rootfs);
  checked("pivot_root", "\".\", \".\"", syscall(SYS_pivot_root, ".", "."), failf);
  checked("umount2", "\".\", MNT_DETACH", umount2(".", MNT_DETACH), failf); /* the host's old root: gone */
  do_chdir("/");
  reopen_dev_null();
  mkdir_p(o.cwd);
  char null_path[64] = "/dev/null";
  if (null_fd >= 0) fd_path(null_path, sizeof null_path, null_fd);
  for (size_t i = 0; i < n.masked.n; i++) mask_path(n.masked.v[i], null_path);
  if (null_fd >= 0) close(null_fd);
  for (size_t i = 0; i < n.readonly.n; i++) readonly_path(n.readonly.v[i]);
  if (n.root_ro) do_mount(NULL, "/", NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL);
}

/* process.ts's becomeProgram, without a terminal: never returns. */
static void __attribute__((noreturn)) become_program(void) {
  checked("setsid", "", setsid(), failf);
  for (int fd = 0; fd <= 2; fd++) {
    char args[32];
    snprintf(args, sizeof args, "%d, F_GETFD", fd);
    int fl = (int)checked("fcntl", args, fcntl(fd, F_GETFD), failf);
    snprintf(args, sizeof args, "%d, F_SETFD, %d", fd, fl & ~FD_CLOEXEC);
    checked("fcntl", args, fcntl(fd, F_SETFD, fl & ~FD_CLOEXEC), failf);
  }
  // (without err_pipe, program.c's child_fail is failf: the error goes to the runtime from here)
  const char *program = prepare_program();
  char a[4200];
  close_our_fds();
  if (o.seccomp && o.nnp) install_seccomp();
  // Every signal at its default (we ignored SIGPIPE and SIGXFSZ, as Node does: the same lines).
  checked("signal", "13, SIG_DFL", signal(SIGPIPE, SIG_DFL) == SIG_ERR ? -1 : 0, NULL);
  checked("signal", "25, SIG_DFL", signal(SIGXFSZ, SIG_DFL) == SIG_ERR ? -1 : 0, NULL);
  trace("# exec %s as PID %d (in its PID namespace)", program, (int)getpid());
  {
    static char line[8192];
    size_t k = (size_t)snprintf(line, sizeof line, "%s, [", q(a, sizeof a, program));
    for (size_t i = 0; i < o.args.n && k < sizeof line - 64; i++) {
      static char qa[4200];
      k += (size_t)snprintf(line + k, sizeof line - k, "%s%s", i ? ", " : "", q(qa, sizeof qa, o.args.v[i]));
    }
    snprintf(line + (k < sizeof line ? k : sizeof line - 1), sizeof line - (k < sizeof line ? k : sizeof line - 1), "], [%zu vars]", o.env.n);
    trace("execve(%s) = …", line);
  }
  execve(program, o.args.v, o.env.v);
  // e.g. ENOEXEC (a script without #!, a binary for another machine): docker says 126
  failf(126, "exec %s: %s", program, errno_lower(errno));
}

int main(void) {
  trace_prefix = "[init] ";
  self_name = "init";
  // As Node: a write to a runtime that is gone is EPIPE, not death (reset before execve).
  signal(SIGPIPE, SIG_IGN);
  signal(SIGXFSZ, SIG_IGN);
  // 0. Our orders, once the runtime has put us in the container's cgroup. EOF first: it died.
  read_order("mini-run-init 1", init_field);
  if (!n.rootfs || o.args.n == 0 || !o.cwd) failf(125, "init: malformed order (rootfs, arg or cwd missing)");
  // 1. If the runtime dies, so do we (and with PID 1 gone, the kernel kills the namespace).
  if (n.pdeathsig && prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0) failf(125, "prctl(PR_SET_PDEATHSIG, 9): %s (%s)", errno_name(errno), errno_text(errno));
  apply_oom_score_adj(); /* (while /proc is the host's) */
  check_seccomp();
  // Our cgroups as the host names them, read before a cgroup namespace hides the paths.
  int cg = open("/proc/self/cgroup", O_RDONLY | O_CLOEXEC);
  if (cg < 0) failf(125, "%s: %s, open '/proc/self/cgroup'", errno_name(errno), errno_lower(errno));
  ssize_t got = 0, r;
  while ((r = read(cg, own_cgroups + got, sizeof own_cgroups - 1 - (size_t)got)) > 0) got += r;
  own_cgroups[got] = 0;
  close(cg);

  // 2. New namespaces; the runtime's turn (networking), then ours again.
  enter_namespaces();
  send_line("{\"type\":\"namespaces\"}");
  char line[256];
  rd_line(line, sizeof line);
  if (!strstr(line, "\"type\":\"continue\"")) failf(125, "unexpected message %s", line);

  // 3–4. The root filesystem and the container's mounts; pivot_root; masks.
  build_filesystem();
  // 5. Identity, then the program.
  if (n.hostname) {
    char a[512], args[600];
    snprintf(args, sizeof args, "%s, %zu", q(a, sizeof a, n.hostname), strlen(n.hostname));
    checked("sethostname", args, sethostname(n.hostname, strlen(n.hostname)), failf);
  }
  become_program();
}
