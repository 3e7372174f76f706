/*
 * syscall-probe: tries ~80 system calls and prints what the kernel (or a seccomp filter in
 * front of it) answered, one "NAME RESULT" line each: "ok", an errno name, or "SIGSYS"/"SIGnn"
 * if the call killed the process. The same binary runs in a mini-run container and in a Docker
 * container (tests, lesson 14): equal lines = equal confinement.
 *
 * Every call runs in a forked child, with arguments chosen to do nothing harmful even where
 * the call is allowed (NULL pointers, fd -1, invalid flags) and to fail, when it reaches the
 * kernel, with an error that shows it got there (EFAULT, EBADF, EINVAL, ENOSYS…) — while a
 * seccomp filter answers EPERM (or ENOSYS for clone3) before the kernel looks at anything.
 *
 *   syscall-probe            the table
 *   syscall-probe euid       print the effective uid (as a set-uid test program)
 *   syscall-probe tty        can this process reach a terminal? open /dev/tty, and TIOCSTI
 *                            (push a byte into the terminal's input) on fds 0-2
 *   syscall-probe int80      the same idea through the i386 entry (`int $0x80`, i386 numbers):
 *                            the classic way around a filter that knows only x86_64's numbers.
 *                            A kernel without IA32 emulation answers SIGSEGV to every line.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define CLONE_NEWNS_ 0x00020000L
#define CLONE_NEWUSER_ 0x10000000L
#define SIGCHLD_ 17L

struct probe {
	const char *name;
	long nr;
	long a[6];
};

#define P(label, nr, ...) { label, nr, { __VA_ARGS__ } }

static const struct probe probes[] = {
	/* allowed for every container: reach the kernel */
	P("getpid", SYS_getpid, 0),
	P("read(-1)", SYS_read, -1, 0, 0),
	P("mknod(/nonexistent)", SYS_mknod, (long)"/nonexistent/x", 020000, 0),
	P("chroot(/nonexistent)", SYS_chroot, (long)"/nonexistent"),
	P("clone(SIGCHLD)", SYS_clone, SIGCHLD_, 0, 0, 0, 0),
	P("personality(query)", SYS_personality, 0xffffffffL),
	P("socket(AF_INET)", SYS_socket, 2, 2, 0),
	P("socket(AF_NETLINK)", SYS_socket, 16, 3, 0),
	P("memfd_create", SYS_memfd_create, (long)"probe", 0),
	P("seccomp(bad op)", SYS_seccomp, 99, 0, 0),
	P("adjtimex(NULL)", SYS_adjtimex, 0),
	P("clock_adjtime(NULL)", SYS_clock_adjtime, 0, 0),
	P("io_setup(0)", SYS_io_setup, 0, 0),
	P("modify_ldt(read)", SYS_modify_ldt, 0, 0, 0),
	P("arch_prctl(bad)", SYS_arch_prctl, 0, 0),
	P("mlock(0)", SYS_mlock, 0, 0),
	P("close_range", SYS_close_range, 1000, 1001, 0),
	P("landlock_create_ruleset(version)", SYS_landlock_create_ruleset, 0, 0, 1),
	P("ptrace(bad)", SYS_ptrace, 0xffff, 0, 0, 0),
	P("faccessat2", SYS_faccessat2, -1, (long)"x", 0, 0),
	P("epoll_pwait2(-1)", SYS_epoll_pwait2, -1, 0, 0, 0, 0, 0),
	P("futex_waitv(NULL)", SYS_futex_waitv, 0, 0, 0, 0, 0),
	P("process_mrelease(-1)", SYS_process_mrelease, -1, 0),
	P("sched_setattr(NULL)", SYS_sched_setattr, 0, 0, 0),
	P("setrlimit(NULL)", SYS_setrlimit, 0, 0),
	P("sync_file_range(-1)", SYS_sync_file_range, -1, 0, 0, 0),
	/* not allowed by docker's default profile */
	P("acct", SYS_acct, (long)"/nonexistent/x"),
	P("add_key", SYS_add_key, (long)"user", (long)"x", 0, 0, 0),
	P("bpf", SYS_bpf, -1, 0, 0),
	P("clock_settime(NULL)", SYS_clock_settime, 0, 0),
	P("clone(CLONE_NEWUSER)", SYS_clone, CLONE_NEWUSER_ | SIGCHLD_, 0, 0, 0, 0),
	P("clone(CLONE_NEWNS)", SYS_clone, CLONE_NEWNS_ | SIGCHLD_, 0, 0, 0, 0),
	P("clone3(NULL)", SYS_clone3, 0, 0),
	P("create_module", SYS_create_module, 0, 0),
	P("delete_module(NULL)", SYS_delete_module, 0, 0),
	P("finit_module(-1)", SYS_finit_module, -1, 0, 0),
	P("get_kernel_syms", SYS_get_kernel_syms, 0),
	P("get_mempolicy(NULL)", SYS_get_mempolicy, 0, 0, 0, 0, 0),
	P("init_module(NULL)", SYS_init_module, 0, 0, 0),
	P("ioperm", SYS_ioperm, 0, 0, 0),
	P("iopl(0)", SYS_iopl, 0),
	P("kcmp(bad)", SYS_kcmp, 0, 0, 99, 0, 0),
	P("kexec_file_load(-1)", SYS_kexec_file_load, -1, -1, 0, 0, 0xffff0000L),
	P("kexec_load(bad flags)", SYS_kexec_load, 0, 0, 0, 0xffff0000L),
	P("keyctl(bad op)", SYS_keyctl, 0xffff, 0, 0, 0, 0),
	P("lookup_dcookie", SYS_lookup_dcookie, 0, 0, 0),
	P("mbind(NULL)", SYS_mbind, 0, 0, 0, 0, 0, 0),
	P("migrate_pages", SYS_migrate_pages, 0, 0, 0, 0),
	P("mount(NULL)", SYS_mount, 0, 0, 0, 0, 0),
	P("move_pages", SYS_move_pages, 0, 0, 0, 0, 0, 0),
	P("nfsservctl", SYS_nfsservctl, 0, 0, 0),
	P("open_by_handle_at(-1)", SYS_open_by_handle_at, -1, 0, 0),
	P("perf_event_open(NULL)", SYS_perf_event_open, 0, 0, -1, -1, 0),
	P("personality(READ_IMPLIES_EXEC)", SYS_personality, 0x0400000L),
	P("pidfd_getfd(-1)", SYS_pidfd_getfd, -1, -1, 0),
	P("pivot_root(NULL)", SYS_pivot_root, 0, 0),
	P("process_madvise(-1)", SYS_process_madvise, -1, 0, 0, 0, 0),
	P("query_module", SYS_query_module, 0, 0, 0, 0, 0),
	P("quotactl(NULL)", SYS_quotactl, 0, 0, 0, 0),
	P("reboot(bad magic)", SYS_reboot, 0, 0, 0, 0),
	P("request_key(NULL)", SYS_request_key, 0, 0, 0, 0),
	P("set_mempolicy(default)", SYS_set_mempolicy, 0, 0, 0),
	P("setdomainname(too long)", SYS_setdomainname, (long)"x", 1000),
	P("sethostname(too long)", SYS_sethostname, (long)"x", 1000),
	P("setns(-1)", SYS_setns, -1, 0),
	P("settimeofday(NULL)", SYS_settimeofday, 0, 0),
	P("swapoff(NULL)", SYS_swapoff, 0),
	P("swapon(NULL)", SYS_swapon, 0, 0),
	P("syslog(read all)", SYS_syslog, 3, 0, 0),
	P("sysfs", SYS_sysfs, 1, 0),
	P("_sysctl(NULL)", SYS__sysctl, 0),
	P("umount2(NULL)", SYS_umount2, 0, 0),
	P("unshare(CLONE_NEWNS)", SYS_unshare, CLONE_NEWNS_),
	P("unshare(CLONE_NEWUSER)", SYS_unshare, CLONE_NEWUSER_),
	P("uselib(NULL)", SYS_uselib, 0),
	P("userfaultfd", SYS_userfaultfd, 0),
	P("ustat(NULL)", SYS_ustat, 0, 0),
	P("vhangup", SYS_vhangup, 0),
	P("fsopen(NULL)", SYS_fsopen, 0, 0),
	P("open_tree(-1)", SYS_open_tree, -1, 0, 0),
	P("mount_setattr(-1)", SYS_mount_setattr, -1, 0, 0, 0, 0),
	P("fanotify_init", SYS_fanotify_init, 0, 0),
	P("quotactl_fd(-1)", SYS_quotactl_fd, -1, 0, 0, 0),
	/* where Docker's profile changed between releases (see the tests' list of known differences) */
	P("io_uring_setup(NULL)", SYS_io_uring_setup, 0, 0),
	P("pkey_alloc(bad)", SYS_pkey_alloc, 0xffff, 0),
	P("process_vm_readv(pid 0)", SYS_process_vm_readv, 0, 0, 0, 0, 0, 0),
	P("name_to_handle_at(-1)", SYS_name_to_handle_at, -1, 0, 0, 0, 0),
	P("socket(AF_VSOCK)", SYS_socket, 40, 1, 0),
};

/* i386 system call numbers (arch/x86/entry/syscalls/syscall_32.tbl) */
static const struct probe int80_probes[] = {
	P("getpid", 20, 0),
	P("personality(query)", 136, 0xffffffffL),
	P("socket(AF_INET)", 359, 2, 2, 0),
	P("socket(AF_VSOCK)", 359, 40, 1, 0),
	P("keyctl(get session keyring)", 288, 0, -3L, 0),
	P("add_key(NULL)", 286, 0, 0, 0, 0, 0),
	P("unshare(CLONE_NEWUSER)", 310, CLONE_NEWUSER_),
	P("clone(CLONE_NEWUSER|SIGCHLD)", 120, CLONE_NEWUSER_ | SIGCHLD_, 0, 0, 0, 0),
	P("bpf(bad cmd)", 357, -1L, 0, 0),
	P("userfaultfd", 374, 0),
	P("mount(NULL)", 21, 0, 0, 0, 0, 0),
};

#if defined(__x86_64__)
/* An i386 system call from this (64-bit) process: eax = number, ebx ecx edx esi edi = arguments
 * (the probes need at most five); returns -errno on failure, like the raw kernel interface.
 * Pointers must fit in 32 bits (NULL does). */
static long int80(long nr, const long *a)
{
	long r;
	__asm__ volatile("int $0x80"
			 : "=a"(r)
			 : "a"(nr), "b"(a[0]), "c"(a[1]), "d"(a[2]), "S"(a[3]), "D"(a[4])
			 : "memory");
	return (int)r; /* the result is in eax: sign-extend it */
}
#endif

static void result(const char *name, int status)
{
	if (WIFSIGNALED(status)) {
		int sig = WTERMSIG(status);
		printf("%s %s\n", name, sig == SIGSYS ? "SIGSYS" : strsignal(sig));
		return;
	}
	int e = WEXITSTATUS(status);
	if (e == 0) printf("%s ok\n", name);
	else printf("%s %s\n", name, strerrorname_np(e) ? strerrorname_np(e) : "E?");
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "euid") == 0) {
		printf("%d\n", (int)geteuid());
		return 0;
	}
	if (argc > 1 && strcmp(argv[1], "tty") == 0) {
		char report[256];
		int n = 0;
		int fd = open("/dev/tty", O_RDWR | O_NOCTTY);
		n += snprintf(report + n, sizeof report - n, "/dev/tty %s\n", fd >= 0 ? "ok" : strerrorname_np(errno));
		for (int i = 0; i <= 2; i++) {
			char c = '#';
			int r = ioctl(i, TIOCSTI, &c);
			n += snprintf(report + n, sizeof report - n, "TIOCSTI(%d) %s\n", i, r == 0 ? "ok" : strerrorname_np(errno));
		}
		fputs(report, stdout);
		return 0;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
#if defined(__x86_64__)
	if (argc > 1 && strcmp(argv[1], "int80") == 0) {
		for (size_t i = 0; i < sizeof int80_probes / sizeof int80_probes[0]; i++) {
			const struct probe *p = &int80_probes[i];
			pid_t child = fork();
			if (child < 0) {
				perror("fork");
				return 1;
			}
			if (child == 0) {
				long r = int80(p->nr, p->a);
				_exit(r < 0 ? (int)-r : 0);
			}
			int status;
			while (waitpid(child, &status, 0) < 0 && errno == EINTR)
				;
			result(p->name, status);
		}
		return 0;
	}
#endif
	for (size_t i = 0; i < sizeof probes / sizeof probes[0]; i++) {
		const struct probe *p = &probes[i];
		pid_t child = fork();
		if (child < 0) {
			perror("fork");
			return 1;
		}
		if (child == 0) {
			long r = syscall(p->nr, p->a[0], p->a[1], p->a[2], p->a[3], p->a[4], p->a[5]);
			/* a successful clone returns 0 in its own child too: both leave at once */
			_exit(r == -1 ? errno : 0);
		}
		int status;
		while (waitpid(child, &status, 0) < 0 && errno == EINTR)
			;
		result(p->name, status);
	}
	return 0;
}
