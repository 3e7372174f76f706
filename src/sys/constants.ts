/**
 * Kernel constants (x86_64 Linux) and decoders that turn a flag word back into names,
 * so the trace shows `unshare(CLONE_NEWNS|CLONE_NEWUTS)` rather than `unshare(201457664)`.
 */

export type FlagTable = ReadonlyArray<readonly [string, number]>;

/** Namespace flags for unshare(2), setns(2) and clone(2). */
export const CLONE = {
  NEWNS: 0x00020000, // mount namespace
  NEWCGROUP: 0x02000000,
  NEWUTS: 0x04000000, // hostname and domain name
  NEWIPC: 0x08000000, // System V IPC, POSIX message queues
  NEWUSER: 0x10000000,
  NEWPID: 0x20000000,
  NEWNET: 0x40000000,
  NEWTIME: 0x00000080,
  FS: 0x00000200, // share cwd/root/umask with other threads; unshare it before setns(NEWNS)
  FILES: 0x00000400,
} as const;

/** mount(2) flags. */
export const MS = {
  RDONLY: 1,
  NOSUID: 2,
  NODEV: 4,
  NOEXEC: 8,
  SYNCHRONOUS: 16,
  REMOUNT: 32,
  MANDLOCK: 64,
  DIRSYNC: 128,
  NOSYMFOLLOW: 256,
  NOATIME: 1024,
  NODIRATIME: 2048,
  BIND: 4096,
  MOVE: 8192,
  REC: 16384,
  SILENT: 32768,
  UNBINDABLE: 1 << 17,
  PRIVATE: 1 << 18,
  SLAVE: 1 << 19,
  SHARED: 1 << 20,
  RELATIME: 1 << 21,
  STRICTATIME: 1 << 24,
} as const;

/** umount2(2) flags. */
export const MNT = {
  FORCE: 1,
  DETACH: 2, // lazy: detach now, clean up when no longer busy
  EXPIRE: 4,
} as const;

/** prctl(2) options used by the runtime. */
export const PR = {
  SET_PDEATHSIG: 1,
  SET_DUMPABLE: 4,
  SET_NAME: 15,
  CAPBSET_READ: 23,
  CAPBSET_DROP: 24,
  SET_KEEPCAPS: 8,
  SET_NO_NEW_PRIVS: 38,
  GET_NO_NEW_PRIVS: 39,
  CAP_AMBIENT: 47,
  CAP_AMBIENT_RAISE: 2,
  CAP_AMBIENT_CLEAR_ALL: 4,
} as const;

/** ioctl requests. */
export const IOCTL = {
  TCGETS: 0x5401,
  TCSETS: 0x5402,
  TIOCSCTTY: 0x540e,
  TIOCGWINSZ: 0x5413,
  TIOCSWINSZ: 0x5414,
  FIONREAD: 0x541b,
  TIOCGPTPEER: 0x5441,
  SIOCGIFFLAGS: 0x8913,
  SIOCSIFFLAGS: 0x8914,
} as const;

export const F_GETFD = 1;
export const F_SETFD = 2;
export const FD_CLOEXEC = 1;
export const CLOSE_RANGE_CLOEXEC = 4;

/** x86_64 syscall numbers for calls glibc does not wrap (or wraps differently). */
export const SYS = {
  pivot_root: 155,
  capget: 125,
  capset: 126,
  setfsuid: 122,
  setfsgid: 123,
  close_range: 436,
  pidfd_open: 434,
  pidfd_getfd: 438,
  openat2: 437,
  open_tree: 428,
  move_mount: 429,
  mount_setattr: 442,
  quotactl_fd: 443,
  seccomp: 317,
  bpf: 321,
} as const;

/** bpf(2) commands and the constants of the device cgroup's program. */
export const BPF = {
  PROG_LOAD: 5,
  PROG_ATTACH: 8,
  PROG_QUERY: 16,
  PROG_TYPE_CGROUP_DEVICE: 15,
  CGROUP_DEVICE: 6, // attach type
  F_ALLOW_MULTI: 2,
} as const;

/** seccomp(2) operations and filter flags. */
export const SECCOMP = {
  SET_MODE_FILTER: 1,
  FILTER_FLAG_TSYNC: 1,
  FILTER_FLAG_LOG: 2,
  FILTER_FLAG_SPEC_ALLOW: 4,
} as const;

/** setrlimit(2) resources (x86_64), by their OCI names. */
export const RLIMITS: Record<string, number> = {
  RLIMIT_CPU: 0, RLIMIT_FSIZE: 1, RLIMIT_DATA: 2, RLIMIT_STACK: 3, RLIMIT_CORE: 4, RLIMIT_RSS: 5,
  RLIMIT_NPROC: 6, RLIMIT_NOFILE: 7, RLIMIT_MEMLOCK: 8, RLIMIT_AS: 9, RLIMIT_LOCKS: 10,
  RLIMIT_SIGPENDING: 11, RLIMIT_MSGQUEUE: 12, RLIMIT_NICE: 13, RLIMIT_RTPRIO: 14, RLIMIT_RTTIME: 15,
};

/** File type bits of st_mode, for mknod(2). */
export const S_IFCHR = 0o020000;
export const S_IFBLK = 0o060000;
export const S_IFIFO = 0o010000;

export const CLONE_FLAGS: FlagTable = [
  ['CLONE_NEWNS', CLONE.NEWNS],
  ['CLONE_NEWCGROUP', CLONE.NEWCGROUP],
  ['CLONE_NEWUTS', CLONE.NEWUTS],
  ['CLONE_NEWIPC', CLONE.NEWIPC],
  ['CLONE_NEWUSER', CLONE.NEWUSER],
  ['CLONE_NEWPID', CLONE.NEWPID],
  ['CLONE_NEWNET', CLONE.NEWNET],
  ['CLONE_NEWTIME', CLONE.NEWTIME],
  ['CLONE_FS', CLONE.FS],
  ['CLONE_FILES', CLONE.FILES],
];

export const MS_FLAGS: FlagTable = Object.entries(MS).map(([k, v]) => [`MS_${k}`, v] as const);
export const MNT_FLAGS: FlagTable = Object.entries(MNT).map(([k, v]) => [`MNT_${k}`, v] as const);

/** Decode a flag word into `A|B|0x10` form; 0 when no flag is set. */
export function decodeFlags(value: number, table: FlagTable): string {
  if (value === 0) return '0';
  const names: string[] = [];
  let rest = value >>> 0;
  for (const [name, bit] of table) {
    if (bit !== 0 && (rest & bit) === bit) {
      names.push(name);
      rest = (rest & ~bit) >>> 0;
    }
  }
  if (rest !== 0) names.push('0x' + rest.toString(16));
  return names.join('|');
}

/** Linux capabilities, by number (capability.h). */
export const CAPABILITIES: readonly string[] = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL',
  'CAP_SETGID', 'CAP_SETUID', 'CAP_SETPCAP', 'CAP_LINUX_IMMUTABLE', 'CAP_NET_BIND_SERVICE',
  'CAP_NET_BROADCAST', 'CAP_NET_ADMIN', 'CAP_NET_RAW', 'CAP_IPC_LOCK', 'CAP_IPC_OWNER',
  'CAP_SYS_MODULE', 'CAP_SYS_RAWIO', 'CAP_SYS_CHROOT', 'CAP_SYS_PTRACE', 'CAP_SYS_PACCT',
  'CAP_SYS_ADMIN', 'CAP_SYS_BOOT', 'CAP_SYS_NICE', 'CAP_SYS_RESOURCE', 'CAP_SYS_TIME',
  'CAP_SYS_TTY_CONFIG', 'CAP_MKNOD', 'CAP_LEASE', 'CAP_AUDIT_WRITE', 'CAP_AUDIT_CONTROL',
  'CAP_SETFCAP', 'CAP_MAC_OVERRIDE', 'CAP_MAC_ADMIN', 'CAP_SYSLOG', 'CAP_WAKE_ALARM',
  'CAP_BLOCK_SUSPEND', 'CAP_AUDIT_READ', 'CAP_PERFMON', 'CAP_BPF', 'CAP_CHECKPOINT_RESTORE',
];

/** Signals by name (x86_64). */
export const SIGNALS: Record<string, number> = {
  SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGILL: 4, SIGTRAP: 5, SIGABRT: 6, SIGBUS: 7, SIGFPE: 8,
  SIGKILL: 9, SIGUSR1: 10, SIGSEGV: 11, SIGUSR2: 12, SIGPIPE: 13, SIGALRM: 14, SIGTERM: 15,
  SIGSTKFLT: 16, SIGCHLD: 17, SIGCONT: 18, SIGSTOP: 19, SIGTSTP: 20, SIGTTIN: 21, SIGTTOU: 22,
  SIGURG: 23, SIGXCPU: 24, SIGXFSZ: 25, SIGVTALRM: 26, SIGPROF: 27, SIGWINCH: 28, SIGIO: 29,
  SIGPWR: 30, SIGSYS: 31,
};
