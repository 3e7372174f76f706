/*
 * mini-run-front: the first process of `mini-run` when native/ is built (bin/mini-run starts it).
 *
 * `docker exec` is a small Go client asking a daemon that is already running (dockerd, which
 * asks containerd, which asks the container's shim). mini-run has such a process already
 * running too: every detached container's supervisor (src/shim/supervisor.ts, a warm Node
 * process). So for ONE command line,
 *
 *     mini-run [--root DIR] exec [-i] CONTAINER CMD [ARG...]      (run by root)
 *
 * this program does what the docker client does: it connects to the supervisor's root-only unix
 * socket (src/shim/exec-server.ts), sends the command line and its own stdin/stdout/stderr (the
 * kernel copies open fds between processes with SCM_RIGHTS), and waits for the program's exit
 * status. The supervisor runs the same engine and runtime code as the Node CLI would.
 *
 * For anything else — another command, another flag, --help, a terminal on 0–2, no supervisor
 * socket, or a supervisor that answers "fallback" (another container, not running, paused…) —
 * it replaces itself with the Node CLI, argv unchanged (execvp). It has consumed nothing then,
 * so every other command, every error message and exit code stay the Node CLI's, byte for byte.
 *
 * The conversation (src/shim/exec-server.ts has the other half):
 *   front → supervisor  "MRX1" + u32 length (little endian) + payload, with SCM_RIGHTS [0, 1, 2]
 *                       payload: NUL-terminated strings: state root, CONTAINER as typed,
 *                       "i" (with -i) or "-", then CMD and each ARG
 *   front → supervisor  afterwards, one byte per signal we get: its number (forward it)
 *   supervisor → front  lines: "ok" (accepted: from here on no fallback), then one of
 *                       "exit N" | "error N" + the message to the end (print "mini-run: MESSAGE",
 *                       exit N) | "fallback" (only before "ok")
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <fcntl.h>
#include <unistd.h>

#define MAX_REQUEST (256 * 1024) /* the supervisor refuses more; the Node CLI takes longer lines */

static char **node_argv; /* "node", SCRIPT, the user's arguments: what we become on fallback */

/* Become the Node CLI with the arguments as typed (nothing has been read or written yet). */
static void fallback(void) {
  signal(SIGPIPE, SIG_DFL); /* (ignored dispositions survive execve) */
  /* NODE_EXTRA_CA_CERTS: Node would parse that CA file before any JS (≈ 37 ms); bin/mini-run's sh
   * moves it to MINI_RUN_EXTRA_CA_CERTS, applied where TLS is made (src/sys/node-env.ts). Again
   * here, for a front door started some other way. */
  const char *cas = getenv("NODE_EXTRA_CA_CERTS");
  if (cas && *cas) {
    if (setenv("MINI_RUN_EXTRA_CA_CERTS", cas, 1) == 0) unsetenv("NODE_EXTRA_CA_CERTS");
  }
  execvp("node", node_argv);
  fprintf(stderr, "mini-run: cannot start node: %s\n", strerror(errno));
  exit(125);
}

/* 32-bit FNV-1a over the bytes of s: names the state root's directory of name links. */
static uint32_t fnv1a(const char *s) {
  uint32_t h = 0x811c9dc5u;
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 0x01000193u;
  return h;
}

/* A container name as Docker allows it ([a-zA-Z0-9][a-zA-Z0-9_.-]*), or a full 64-hex id. */
static int plain_name(const char *s) {
  if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= '0' && s[0] <= '9'))) return 0;
  for (const char *p = s; *p; p++)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_' || *p == '.' || *p == '-')) return 0;
  return strlen(s) <= 128;
}

static int full_id(const char *s) {
  if (strlen(s) != 64) return 0;
  for (const char *p = s; *p; p++)
    if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f'))) return 0;
  return 1;
}

static int sock = -1;

/* Signals for the program go to the supervisor, which sends them to the exec process (as the
 * Node CLI's forwardSignals does). Only write(2) here: it is async-signal-safe. */
static void forward(int sig) {
  int saved = errno;
  unsigned char b = (unsigned char)sig;
  if (write(sock, &b, 1) < 0) { /* the supervisor is gone: its answer (or EOF) tells */ }
  errno = saved;
}

/* One line of the answer into buf (without the newline); 0 at EOF before a whole line. */
static int read_line(char *buf, size_t size) {
  size_t n = 0;
  for (;;) {
    char c;
    ssize_t r = read(sock, &c, 1);
    if (r < 0 && errno == EINTR) continue; /* a signal was forwarded: keep waiting */
    if (r <= 0) return 0;
    if (c == '\n') { buf[n] = 0; return 1; }
    if (n + 1 < size) buf[n++] = c;
  }
}

int main(int argc, char **argv) {
  /* argv: mini-run-front SCRIPT ARG...   (bin/mini-run passes its own path as SCRIPT) */
  if (argc < 2) { fprintf(stderr, "usage: mini-run-front SCRIPT [ARG...] (started by bin/mini-run)\n"); return 125; }
  node_argv = calloc((size_t)argc + 1, sizeof *node_argv);
  if (!node_argv) return 125;
  node_argv[0] = "node";
  for (int i = 1; i < argc; i++) node_argv[i] = argv[i];
  char **a = argv + 2;
  int n = argc - 2;

  /* 1. Only the plain form, only as root, only without tracing or the Node exec switch. */
  if (getuid() != 0 || geteuid() != 0) fallback(); /* (Node says "needs root" or runs rootless) */
  if (getenv("MINI_RUN_TRACE") || getenv("MINI_RUN_TRACE_FILE") || getenv("MINI_RUN_EXEC_NODE")) fallback();
  for (char **e = environ; *e; e++)
    if (strncmp(*e, "MINI_RUN_TRACE", 14) == 0) fallback();
  const char *root = getenv("MINI_RUN_ROOT");
  if (!root || !*root) root = "/var/lib/mini-run"; /* as src/paths.ts */
  int i = 0;
  if (n >= 2 && strcmp(a[0], "--root") == 0) { root = a[1]; i = 2; }
  if (i >= n || strcmp(a[i], "exec") != 0) fallback();
  i++;
  int interactive = 0;
  if (i < n && strcmp(a[i], "-i") == 0) { interactive = 1; i++; }
  if (n - i < 2) fallback();
  const char *container = a[i++];
  if (container[0] == '-' || a[i][0] == '-' || !plain_name(container)) fallback();
  if (root[0] != '/') fallback(); /* (a relative root: the Node CLI resolves it as it does) */
  for (const char *p = root; *p; p++)
    if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e) fallback();

  /* Our fds 0–2 go to the program as they are. A terminal does not: the Node CLI shields the
   * operator's terminal behind pipes (runtime/exec.ts), which only it can relay. */
  for (int fd = 0; fd < 3; fd++)
    if (fcntl(fd, F_GETFD) < 0 || isatty(fd)) fallback();

  /* 2. The supervisor's socket: by id, or by name through the state root's links (the
   * supervisor keeps them: RUNDIR/names/<fnv1a(root)>/<name> -> ../../<id>.exec). */
  const char *rundir = getenv("MINI_RUN_RUNDIR");
  if (!rundir || !*rundir) rundir = "/run/mini-run"; /* as src/shim/attach-protocol.ts */
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  int len = full_id(container)
    ? snprintf(addr.sun_path, sizeof addr.sun_path, "%s/%s.exec", rundir, container)
    : snprintf(addr.sun_path, sizeof addr.sun_path, "%s/names/%08x/%s", rundir, fnv1a(root), container);
  if (len < 0 || (size_t)len >= sizeof addr.sun_path) fallback();
  sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (sock < 0 || connect(sock, (struct sockaddr *)&addr, sizeof addr) != 0) fallback(); /* none: Node */

  /* 3. The request, and our fds 0, 1, 2 with its first byte. */
  size_t size = strlen(root) + 1 + strlen(container) + 1 + 2;
  for (int j = i; j < n; j++) size += strlen(a[j]) + 1;
  if (size > MAX_REQUEST) fallback();
  char *req = malloc(8 + size);
  if (!req) fallback();
  memcpy(req, "MRX1", 4);
  uint32_t le = (uint32_t)size; /* little endian: the only byte order Linux on x86/arm64 gives us */
  memcpy(req + 4, &le, 4);
  char *p = req + 8;
  p = stpcpy(p, root) + 1;
  p = stpcpy(p, container) + 1;
  p = stpcpy(p, interactive ? "i" : "-") + 1;
  for (int j = i; j < n; j++) p = stpcpy(p, a[j]) + 1;

  int fds[3] = { 0, 1, 2 };
  union { char buf[CMSG_SPACE(sizeof fds)]; struct cmsghdr align; } control;
  memset(&control, 0, sizeof control);
  struct iovec iov = { .iov_base = req, .iov_len = 8 + size };
  struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf, .msg_controllen = sizeof control.buf };
  struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
  cm->cmsg_level = SOL_SOCKET;
  cm->cmsg_type = SCM_RIGHTS;
  cm->cmsg_len = CMSG_LEN(sizeof fds);
  memcpy(CMSG_DATA(cm), fds, sizeof fds);
  signal(SIGPIPE, SIG_IGN);
  /* The fds go with the first sendmsg; the rest of a long request follows without them. */
  size_t sent = 0;
  while (sent < iov.iov_len) {
    ssize_t r = sent == 0 ? sendmsg(sock, &msg, 0) : write(sock, req + sent, iov.iov_len - sent);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) fallback(); /* nothing was started: the supervisor went away */
    sent += (size_t)r;
  }
  free(req);

  /* 4. From now on our signals are the program's (the Node CLI forwards these six). */
  struct sigaction sa = { .sa_handler = forward }; /* no SA_RESTART: read() sees EINTR, goes on */
  sigemptyset(&sa.sa_mask);
  int forwarded[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };
  for (size_t k = 0; k < sizeof forwarded / sizeof *forwarded; k++) sigaction(forwarded[k], &sa, NULL);

  /* 5. The answer. */
  char line[65536];
  int accepted = 0;
  while (read_line(line, sizeof line)) {
    if (strcmp(line, "ok") == 0) { accepted = 1; continue; }
    if (strcmp(line, "fallback") == 0 && !accepted) {
      close(sock);
      for (size_t k = 0; k < sizeof forwarded / sizeof *forwarded; k++) signal(forwarded[k], SIG_DFL);
      fallback();
    }
    int code;
    if (sscanf(line, "exit %d", &code) == 1) return code;
    if (sscanf(line, "error %d", &code) == 1) {
      /* the message: everything after this line, to the end (it may hold newlines) */
      size_t m = 0;
      for (ssize_t r; m < sizeof line - 1 && ((r = read(sock, line + m, sizeof line - 1 - m)) > 0 || (r < 0 && errno == EINTR));)
        if (r > 0) m += (size_t)r;
      line[m] = 0;
      fprintf(stderr, "mini-run: %s\n", line);
      return code;
    }
  }
  if (!accepted) { /* closed before accepting anything: nothing ran, Node can do it */
    close(sock);
    for (size_t k = 0; k < sizeof forwarded / sizeof *forwarded; k++) signal(forwarded[k], SIG_DFL);
    fallback();
  }
  fprintf(stderr, "mini-run: the container's supervisor went away during the exec (the container stopped?)\n");
  return 125;
}
