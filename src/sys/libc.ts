/**
 * libc, through koffi: the raw system calls the runtime is built from.
 *
 * Every wrapper here does three things, always in this order:
 *   1. makes the call (synchronously, on the calling thread — namespaces are per-thread!),
 *   2. on failure throws a SysError naming the call, its arguments and the errno name,
 *   3. prints one trace line (`--trace`) with decoded flags and the result.
 *
 * Nothing here knows about containers; `src/runtime/` composes these calls into one.
 */
import { SysError } from './errors';
import { loadKoffi, type Koffi } from './koffi-load';
import { readdirSync, readFileSync } from 'node:fs';
import { q, traceEnabled, traceSyscall } from './trace';
import {
  CLONE_FLAGS, MS_FLAGS, MNT_FLAGS, decodeFlags, SYS, PR, F_SETFD, F_GETFD, CLOSE_RANGE_CLOEXEC,
  S_IFCHR, S_IFBLK, S_IFIFO, IOCTL, SECCOMP, BPF,
} from './constants';

type Fn = (...args: unknown[]) => any;
/** A function koffi can also run on libuv's thread pool (`.async`, the result in a callback). */
type AsyncFn = Fn & { async: (...args: unknown[]) => void };

/** koffi, loaded at the first system call (commands that make none, like `ps`, never load it). */
let koffiModule: Koffi | null = null;
function koffi(): Koffi {
  return (koffiModule ??= loadKoffi());
}

/** The C prototype of each libc function used here; each is bound at its first use. */
const PROTOTYPES = {
  unshare: 'int unshare(int flags)',
  setns: 'int setns(int fd, int nstype)',
  mount: 'int mount(const char *source, const char *target, const char *fstype, unsigned long flags, const char *data)',
  umount2: 'int umount2(const char *target, int flags)',
  syscall: 'long syscall(long number, ...)',
  chroot: 'int chroot(const char *path)',
  chdir: 'int chdir(const char *path)',
  fchdir: 'int fchdir(int fd)',
  sethostname: 'int sethostname(const char *name, size_t len)',
  mknod: 'int mknod(const char *path, uint32_t mode, uint64_t dev)',
  lsetxattr: 'int lsetxattr(const char *path, const char *name, const void *value, size_t size, int flags)',
  lgetxattr: 'long lgetxattr(const char *path, const char *name, _Out_ void *value, size_t size)',
  llistxattr: 'long llistxattr(const char *path, _Out_ void *list, size_t size)',
  fsetxattr: 'int fsetxattr(int fd, const char *name, const void *value, size_t size, int flags)',
  fgetxattr: 'long fgetxattr(int fd, const char *name, _Out_ void *value, size_t size)',
  flistxattr: 'long flistxattr(int fd, _Out_ void *list, size_t size)',
  prctl: 'int prctl(int option, unsigned long a2, unsigned long a3, unsigned long a4, unsigned long a5)',
  setgroups: 'int setgroups(size_t size, const uint32_t *list)',
  setresuid: 'int setresuid(uint32_t r, uint32_t e, uint32_t s)',
  setresgid: 'int setresgid(uint32_t r, uint32_t e, uint32_t s)',
  execve: 'int execve(const char *path, const char **argv, const char **envp)',
  fcntl: 'int fcntl(int fd, int cmd, ...)',
  ioctl: 'int ioctl(int fd, unsigned long request, ...)',
  setsid: 'int setsid(void)',
  dup2: 'int dup2(int oldfd, int newfd)',
  close: 'int close(int fd)',
  socket: 'int socket(int domain, int type, int protocol)',
  connect: 'int connect(int fd, const void *addr, uint32_t len)',
  sendmsg: 'long sendmsg(int fd, const void *msg, int flags)',
  recvmsg: 'long recvmsg(int fd, void *msg, int flags)',
  recv: 'long recv(int fd, void *buf, size_t len, int flags)',
  send: 'long send(int fd, const void *buf, size_t len, int flags)',
  getsockopt: 'int getsockopt(int fd, int level, int name, _Out_ void *val, _Inout_ uint32_t *len)',
  setsockopt: 'int setsockopt(int fd, int level, int name, const void *val, uint32_t len)',
  isatty: 'int isatty(int fd)',
  posix_openpt: 'int posix_openpt(int flags)',
  grantpt: 'int grantpt(int fd)',
  unlockpt: 'int unlockpt(int fd)',
  ptsname_r: 'int ptsname_r(int fd, _Out_ char *buf, size_t len)',
  umask: 'uint32_t umask(uint32_t mask)',
  flock: 'int flock(int fd, int operation)',
  pipe2: 'int pipe2(_Out_ int *fds, int flags)',
  setrlimit: 'int setrlimit(int resource, const void *rlim)',
  signal: 'void *signal(int signum, void *handler)',
  _exit: 'void _exit(int status)',
  posix_spawn: 'int posix_spawn(_Out_ int *pid, const char *path, const void *actions, const void *attr, const char **argv, const char **envp)',
  posix_spawn_file_actions_init: 'int posix_spawn_file_actions_init(void *actions)',
  posix_spawn_file_actions_destroy: 'int posix_spawn_file_actions_destroy(void *actions)',
  posix_spawn_file_actions_adddup2: 'int posix_spawn_file_actions_adddup2(void *actions, int fd, int newfd)',
  posix_spawn_file_actions_addopen: 'int posix_spawn_file_actions_addopen(void *actions, int fd, const char *path, int oflag, uint32_t mode)',
  posix_spawnattr_init: 'int posix_spawnattr_init(void *attr)',
  posix_spawnattr_destroy: 'int posix_spawnattr_destroy(void *attr)',
  posix_spawnattr_setflags: 'int posix_spawnattr_setflags(void *attr, short flags)',
  posix_spawnattr_setsigmask: 'int posix_spawnattr_setsigmask(void *attr, const void *set)',
  posix_spawnattr_setsigdefault: 'int posix_spawnattr_setsigdefault(void *attr, const void *set)',
  sigemptyset: 'int sigemptyset(void *set)',
  sigfillset: 'int sigfillset(void *set)',
  socketpair: 'int socketpair(int domain, int type, int protocol, _Out_ int *fds)',
  waitpid: 'int waitpid(int pid, _Out_ int *status, int options)',
  poll: 'int poll(void *fds, unsigned long nfds, int timeout)',
} as const;
type Name = keyof typeof PROTOTYPES;
/** Those also run on libuv's thread pool. */
type Bound = { [K in Name]: K extends 'recvmsg' | 'recv' ? AsyncFn : Fn };

let handle: ReturnType<Koffi['load']> | null = null;
function library(): ReturnType<Koffi['load']> {
  return (handle ??= koffi().load('libc.so.6'));
}

/**
 * The bound functions: a getter per name binds it at its first use and replaces itself with the
 * bound function (binding all 43 at the first call cost ≈ 4 ms; `run`'s CLI uses a handful).
 */
const lib = {} as Bound;
for (const name of Object.keys(PROTOTYPES) as Name[]) {
  Object.defineProperty(lib, name, {
    configurable: true,
    enumerable: true,
    get() {
      const fn = library().func(PROTOTYPES[name]) as Fn;
      Object.defineProperty(lib, name, { value: fn, enumerable: true });
      return fn;
    },
  });
}

function libc(): Bound {
  return lib;
}

/** The address of a buffer's memory, for the pointers inside a struct built in a Buffer (msghdr, iovec). */
export function addressOf(buf: Buffer): bigint {
  return BigInt(koffi().address(buf));
}

/** A libc function this module binds (a key of PROTOTYPES). */
export type LibcName = Name;

/**
 * Load koffi and libc now, before the first call needs them, and bind `names` now too (any
 * other function is still bound at its first use: ≈ 0.1 ms each). The container's init calls
 * this with the functions it calls after the runtime's "go", while it waits for "go", so
 * neither the load nor those bindings are on the path from "go" to the program's execve.
 */
export function loadLibc(names: readonly LibcName[] = []): void {
  library();
  for (const name of names) void lib[name]; // the getter binds it and puts the function in its place
}

/**
 * Check a -1-on-error result, trace it, and return it. `args` may be a function: decoding
 * flags costs time, so it is only done when someone will read it (a trace, or an error).
 */
function check(call: string, args: string | (() => string), result: number | bigint): number {
  const r = Number(result);
  if (r === -1) {
    const errno = koffi().errno();
    const text = typeof args === 'function' ? args() : args;
    const err = new SysError(call, text, errno);
    traceSyscall(call, text, `-1 ${err.code}`);
    throw err;
  }
  if (traceEnabled()) traceSyscall(call, typeof args === 'function' ? args() : args, r);
  return r;
}

/** As check, for the runtime's own plumbing that is no container primitive: no trace line. */
function checkUntraced(call: string, args: string, result: number | bigint): number {
  const r = Number(result);
  if (r === -1) throw new SysError(call, args, koffi().errno());
  return r;
}

const oct = (n: number) => '0' + n.toString(8);

// ---------------------------------------------------------------- namespaces

/** unshare(2): move the calling thread into new namespaces. */
export function unshare(flags: number): void {
  check('unshare', () => decodeFlags(flags, CLONE_FLAGS), libc().unshare(flags));
}

/** setns(2): join the namespace that `fd` (an open /proc/PID/ns/* file) refers to. */
export function setns(fd: number, nstype: number, what = ''): void {
  check('setns', () => `${fd}${what ? ` /* ${what} */` : ''}, ${decodeFlags(nstype, CLONE_FLAGS)}`, libc().setns(fd, nstype));
}

// -------------------------------------------------------------------- mounts

export function mount(source: string | null, target: string, fstype: string | null, flags: number, data: string | null = null): void {
  const args = () => `${q(source)}, ${q(target)}, ${q(fstype)}, ${decodeFlags(flags, MS_FLAGS)}, ${q(data)}`;
  check('mount', args, libc().mount(source, target, fstype, flags, data));
}

export function umount2(target: string, flags: number): void {
  check('umount2', () => `${q(target)}, ${decodeFlags(flags, MNT_FLAGS)}`, libc().umount2(target, flags));
}

/**
 * open_tree(2) with OPEN_TREE_CLONE: a private copy of the mount at `path`, not attached
 * anywhere yet (a "detached" mount), returned as an fd. O_CLOEXEC so no child inherits it.
 */
export function openTreeClone(path: string): number {
  const OPEN_TREE_CLONE = 1, O_CLOEXEC = 0o2000000;
  return check('open_tree', `AT_FDCWD, ${q(path)}, OPEN_TREE_CLONE|OPEN_TREE_CLOEXEC`,
    libc().syscall(SYS.open_tree, 'int', -100, 'const char *', path, 'unsigned int', OPEN_TREE_CLONE | O_CLOEXEC));
}

/**
 * mount_setattr(2) with MOUNT_ATTR_IDMAP on a detached mount: files on it show their owners
 * shifted by the uid/gid maps of the user namespace `usernsFd` refers to (an "idmapped mount").
 * The mount is also made private, so nothing mounted on or under it propagates anywhere.
 */
export function mountSetattrIdmap(treeFd: number, usernsFd: number): void {
  const AT_EMPTY_PATH = 0x1000, MOUNT_ATTR_IDMAP = 0x100000, MS_PRIVATE = 1 << 18;
  const attr = Buffer.alloc(32); // struct mount_attr { u64 attr_set, attr_clr, propagation, userns_fd; }
  attr.writeBigUInt64LE(BigInt(MOUNT_ATTR_IDMAP), 0);
  attr.writeBigUInt64LE(BigInt(MS_PRIVATE), 16);
  attr.writeBigUInt64LE(BigInt(usernsFd), 24);
  check('mount_setattr', `${treeFd}, "", AT_EMPTY_PATH, {attr_set=MOUNT_ATTR_IDMAP, propagation=MS_PRIVATE, userns_fd=${usernsFd}}, 32`,
    libc().syscall(SYS.mount_setattr, 'int', treeFd, 'const char *', '', 'unsigned int', AT_EMPTY_PATH, 'void *', attr, 'size_t', 32));
}

/** move_mount(2): attach the detached mount `treeFd` at `target` (in the caller's mount namespace). */
export function moveMountTo(treeFd: number, target: string): void {
  const MOVE_MOUNT_F_EMPTY_PATH = 4;
  check('move_mount', `${treeFd}, "", AT_FDCWD, ${q(target)}, MOVE_MOUNT_F_EMPTY_PATH`,
    libc().syscall(SYS.move_mount, 'int', treeFd, 'const char *', '', 'int', -100, 'const char *', target, 'unsigned int', MOVE_MOUNT_F_EMPTY_PATH));
}

/** pivot_root(2) has no glibc wrapper: syscall(SYS_pivot_root, new_root, put_old). */
export function pivotRoot(newRoot: string, putOld: string): void {
  check('pivot_root', `${q(newRoot)}, ${q(putOld)}`,
    libc().syscall(SYS.pivot_root, 'const char *', newRoot, 'const char *', putOld));
}

export function chroot(path: string): void {
  check('chroot', q(path), libc().chroot(path));
}

/** chdir(2) of the whole process (Node's process.chdir would do the same, untraced). */
export function chdir(path: string): void {
  check('chdir', q(path), libc().chdir(path));
}

/** fchdir(2): make an open directory the working directory (`what` names it in the trace). */
export function fchdir(fd: number, what = ''): void {
  check('fchdir', what ? `${fd} /* ${what} */` : `${fd}`, libc().fchdir(fd));
}

// ----------------------------------------------------------------- identity

export function sethostname(name: string): void {
  const len = Buffer.byteLength(name);
  check('sethostname', `${q(name)}, ${len}`, libc().sethostname(name, len));
}

export function setgroups(gids: readonly number[]): void {
  check('setgroups', `${gids.length}, [${gids.join(', ')}]`, libc().setgroups(gids.length, gids.length ? Uint32Array.from(gids) : null));
}

export function setresgid(gid: number): void {
  check('setresgid', `${gid}, ${gid}, ${gid}`, libc().setresgid(gid, gid, gid));
}

export function setresuid(uid: number): void {
  check('setresuid', `${uid}, ${uid}, ${uid}`, libc().setresuid(uid, uid, uid));
}

/**
 * setfsuid(2)/setfsgid(2): the uid/gid this thread creates files as and is checked as, and
 * nothing else (this thread only; the real and effective ids stay). Returns the previous one
 * (the call has no error return). Going from 0 to another id clears the file capabilities
 * (CAP_CHOWN, CAP_DAC_OVERRIDE…) from the effective set: capset() puts them back.
 */
export function setfsuid(uid: number): number {
  const old = Number(libc().syscall(SYS.setfsuid, 'uint32_t', uid));
  traceSyscall('setfsuid', String(uid), String(old));
  return old;
}

export function setfsgid(gid: number): number {
  const old = Number(libc().syscall(SYS.setfsgid, 'uint32_t', gid));
  traceSyscall('setfsgid', String(gid), String(old));
  return old;
}

export function umask(mask: number): number {
  const old = libc().umask(mask) as number;
  traceSyscall('umask', oct(mask), oct(old));
  return old;
}

// ------------------------------------------------------------ files & nodes

/** makedev(3): the kernel's dev_t encoding of a major/minor pair. */
export function makedev(major: number, minor: number): number {
  return ((major & 0xfff) << 8) + (minor & 0xff) + ((minor & ~0xff) * 4096) + Math.floor(major / 4096) * 2 ** 32 * 4096;
}

export function mknod(path: string, mode: number, major = 0, minor = 0): void {
  const type = (mode & 0o170000) === S_IFCHR ? 'S_IFCHR' : (mode & 0o170000) === S_IFBLK ? 'S_IFBLK' : (mode & 0o170000) === S_IFIFO ? 'S_IFIFO' : '';
  const args = `${q(path)}, ${type}|${oct(mode & 0o7777)}, makedev(${major}, ${minor})`;
  check('mknod', args, libc().mknod(path, mode, makedev(major, minor)));
}

/**
 * The xattr calls take a path (the l* calls: a final symlink is not followed) or an open fd
 * (the f* calls: exactly the inode we opened, whatever its name points to meanwhile).
 */
type XattrTarget = string | number;
const shownTarget = (t: XattrTarget) => (typeof t === 'number' ? String(t) : q(t));

export function lsetxattr(target: XattrTarget, name: string, value: Buffer): void {
  const shown = /^[\x20-\x7e]*$/.test(value.toString('latin1')) ? q(value.toString()) : `<${value.length} bytes>`;
  const call = typeof target === 'number' ? 'fsetxattr' : 'lsetxattr';
  check(call, `${shownTarget(target)}, ${q(name)}, ${shown}, ${value.length}, 0`,
    libc()[call](target, name, value, value.length, 0));
}

/**
 * lgetxattr(2)/fgetxattr(2): the attribute's value, or null when the file does not have it. A
 * value longer than `size` bytes: ERANGE.
 */
export function lgetxattr(target: XattrTarget, name: string, size = 65536): Buffer | null {
  const buf = Buffer.alloc(size);
  const call = typeof target === 'number' ? 'fgetxattr' : 'lgetxattr';
  const n = Number(libc()[call](target, name, buf, buf.length));
  if (n === -1) {
    const errno = koffi().errno();
    if (errno === 61 /* ENODATA */) return null;
    throw new SysError(call, `${shownTarget(target)}, ${q(name)}`, errno);
  }
  return buf.subarray(0, n);
}

/** llistxattr(2)/flistxattr(2): the names of a file's xattrs (those this process may see), sorted. */
export function llistxattr(target: XattrTarget): string[] {
  const buf = Buffer.alloc(65536);
  const call = typeof target === 'number' ? 'flistxattr' : 'llistxattr';
  const n = Number(libc()[call](target, buf, buf.length));
  if (n === -1) {
    const errno = koffi().errno();
    if (errno === 95 /* EOPNOTSUPP */) return [];
    throw new SysError(call, shownTarget(target), errno);
  }
  return buf.toString('utf8', 0, n).split('\0').filter(Boolean).sort();
}

// --------------------------------------------------------------- processes

export function prctl(option: number, a2 = 0, a3 = 0, a4 = 0, a5 = 0, name = `${option}`): number {
  return check('prctl', `${name}, ${a2}${a3 ? `, ${a3}` : ''}`, libc().prctl(option, a2, a3, a4, a5));
}

export function setPdeathsig(signal: number): void {
  prctl(PR.SET_PDEATHSIG, signal, 0, 0, 0, 'PR_SET_PDEATHSIG');
}

/**
 * prctl(PR_SET_NO_NEW_PRIVS, 1): from now on, for us and every child, execve can never give
 * more privileges than we have (setuid bits and file capabilities stop working). One-way.
 */
export function setNoNewPrivs(): void {
  prctl(PR.SET_NO_NEW_PRIVS, 1, 0, 0, 0, 'PR_SET_NO_NEW_PRIVS');
}

/**
 * prctl(PR_SET_DUMPABLE, 0|1). A non-dumpable process cannot be ptrace'd or have its
 * /proc/PID/{mem,root,cwd,fd,environ} opened by other processes of the same user — and its
 * /proc/PID files belong to root. execve resets it (to 1 for an ordinary program).
 */
export function setDumpable(dumpable: boolean): void {
  prctl(PR.SET_DUMPABLE, dumpable ? 1 : 0, 0, 0, 0, 'PR_SET_DUMPABLE');
}

/**
 * seccomp(SECCOMP_SET_MODE_FILTER, flags, &prog): attach a classic-BPF syscall filter to this
 * thread. It stays across execve and is inherited by every child; it can never be removed.
 * Needs no_new_privs or CAP_SYS_ADMIN.
 */
export function seccompSetModeFilter(program: Buffer, flags: number): void {
  const fprog = Buffer.alloc(16); // struct sock_fprog { unsigned short len; struct sock_filter *filter; }
  fprog.writeUInt16LE(program.length / 8, 0);
  fprog.writeBigUInt64LE(BigInt(koffi().address(program)), 8);
  check('seccomp', `SECCOMP_SET_MODE_FILTER, ${flags}, {len=${program.length / 8}, filter=…}`,
    libc().syscall(SYS.seccomp, 'unsigned int', SECCOMP.SET_MODE_FILTER, 'unsigned int', flags, 'void *', fprog));
}

/**
 * bpf(BPF_PROG_LOAD) of a BPF_PROG_TYPE_CGROUP_DEVICE program: the kernel verifies it and
 * returns an fd for it. If it refuses, a second try with the verifier's log puts the log's
 * last lines in the error.
 */
export function bpfLoadDeviceProgram(insns: Buffer): number {
  const license = Buffer.from('MIT\0');
  const load = (log: Buffer | null) => {
    const attr = Buffer.alloc(128); // union bpf_attr, the BPF_PROG_LOAD part; the rest must be zero
    attr.writeUInt32LE(BPF.PROG_TYPE_CGROUP_DEVICE, 0); // prog_type
    attr.writeUInt32LE(insns.length / 8, 4); //            insn_cnt
    attr.writeBigUInt64LE(BigInt(koffi().address(insns)), 8); // insns
    attr.writeBigUInt64LE(BigInt(koffi().address(license)), 16); // license
    if (log) {
      attr.writeUInt32LE(1, 24); //                        log_level
      attr.writeUInt32LE(log.length, 28); //               log_size
      attr.writeBigUInt64LE(BigInt(koffi().address(log)), 32); // log_buf
    }
    attr.write('mr_devices', 48, 'latin1'); // prog_name (16 bytes: letters, digits, _ and . only)
    const r = Number(libc().syscall(SYS.bpf, 'int', BPF.PROG_LOAD, 'void *', attr, 'unsigned int', attr.length));
    return { r, errno: r === -1 ? koffi().errno() : 0 };
  };
  const args = `BPF_PROG_LOAD, {prog_type=BPF_PROG_TYPE_CGROUP_DEVICE, insn_cnt=${insns.length / 8}, license="MIT", prog_name="mr_devices"}, 128`;
  const { r, errno } = load(null);
  if (r === -1) {
    const log = Buffer.alloc(1 << 20);
    load(log);
    const verifier = log.toString('latin1', 0, Math.max(0, log.indexOf(0))).trim().split('\n').slice(-3).join(' | ');
    const err = new SysError('bpf', args + (verifier ? ` /* verifier: ${verifier} */` : ''), errno);
    traceSyscall('bpf', args, `-1 ${err.code}`);
    throw err;
  }
  if (traceEnabled()) traceSyscall('bpf', args, r);
  return r;
}

/** bpf(BPF_PROG_ATTACH): attach the device program `progFd` to the cgroup directory `cgroupFd`. */
export function bpfAttachDeviceProgram(cgroupFd: number, progFd: number, what: string): void {
  const attr = Buffer.alloc(20); // target_fd, attach_bpf_fd, attach_type, attach_flags, replace_bpf_fd
  attr.writeUInt32LE(cgroupFd, 0);
  attr.writeUInt32LE(progFd, 4);
  attr.writeUInt32LE(BPF.CGROUP_DEVICE, 8);
  attr.writeUInt32LE(BPF.F_ALLOW_MULTI, 12);
  check('bpf', `BPF_PROG_ATTACH, {target_fd=${cgroupFd} /* ${what} */, attach_bpf_fd=${progFd}, attach_type=BPF_CGROUP_DEVICE, attach_flags=BPF_F_ALLOW_MULTI}, 20`,
    libc().syscall(SYS.bpf, 'int', BPF.PROG_ATTACH, 'void *', attr, 'unsigned int', attr.length));
}

/** bpf(BPF_PROG_QUERY): the ids of the device programs attached to a cgroup directory. */
export function bpfQueryDevicePrograms(cgroupFd: number): number[] {
  const ids = Buffer.alloc(64 * 4);
  const attr = Buffer.alloc(40); // target_fd, attach_type, query_flags, attach_flags, prog_ids (u64), prog_cnt
  attr.writeUInt32LE(cgroupFd, 0);
  attr.writeUInt32LE(BPF.CGROUP_DEVICE, 4);
  attr.writeBigUInt64LE(BigInt(koffi().address(ids)), 16);
  attr.writeUInt32LE(64, 24);
  check('bpf', `BPF_PROG_QUERY, {target_fd=${cgroupFd}, attach_type=BPF_CGROUP_DEVICE}`,
    libc().syscall(SYS.bpf, 'int', BPF.PROG_QUERY, 'void *', attr, 'unsigned int', attr.length));
  const n = attr.readUInt32LE(24);
  return Array.from({ length: n }, (_, i) => ids.readUInt32LE(i * 4));
}

/** setrlimit(2): values of 2^63 and more mean RLIM_INFINITY (JSON numbers cannot say 2^64 - 1). */
export function setrlimit(resource: number, name: string, soft: number, hard: number): void {
  const v = (n: number) => (n >= 2 ** 63 ? 0xffffffffffffffffn : BigInt(n));
  const show = (n: number) => (n >= 2 ** 63 ? 'RLIM_INFINITY' : String(n));
  const rlim = Buffer.alloc(16); // struct rlimit { rlim_t rlim_cur; rlim_t rlim_max; }
  rlim.writeBigUInt64LE(v(soft), 0);
  rlim.writeBigUInt64LE(v(hard), 8);
  check('setrlimit', `${name}, {rlim_cur=${show(soft)}, rlim_max=${show(hard)}}`, libc().setrlimit(resource, rlim));
}

export function setsid(): number {
  return check('setsid', '', libc().setsid());
}

export function dup2(oldfd: number, newfd: number): void {
  check('dup2', `${oldfd}, ${newfd}`, libc().dup2(oldfd, newfd));
}

export function close(fd: number): void {
  check('close', `${fd}`, libc().close(fd));
}

/**
 * execve(2): replace this process with `path`. Returns only on failure (as a thrown SysError).
 * The trace line is printed *before* the call: after a successful execve nothing of us is left.
 */
export function execve(path: string, argv: readonly string[], envp: readonly string[]): never {
  traceSyscall('execve', `${q(path)}, [${argv.map(q).join(', ')}], [${envp.length} vars]`, '…');
  libc().execve(path, [...argv, null], [...envp, null]);
  const errno = koffi().errno();
  throw new SysError('execve', q(path), errno);
}

/** Has a system call loaded koffi and libc in this process yet? */
export function libcLoaded(): boolean {
  return handle !== null;
}

/**
 * _exit(2): end this process now, with no atexit handlers, no heap teardown and no restoring of
 * terminal modes (the caller checks nothing needs them). The trace line is printed before the call.
 */
export function exitNow(status: number): never {
  traceSyscall('_exit', `${status}`, '…');
  libc()._exit(status);
  throw new Error('_exit returned');
}

/**
 * signal(2) with SIG_DFL (a NULL handler) for each signal this process ignores (SigIgn of
 * /proc/self/status). Node ignores SIGPIPE and SIGXFSZ for itself, and an *ignored* signal stays
 * ignored across execve (only caught ones are reset), so a program we exec would inherit them:
 * `yes | head -n1` would then see EPIPE instead of dying quietly of SIGPIPE, as it does in Docker.
 */
export function defaultIgnoredSignals(): void {
  // The container may have no /proc (a bundle without that mount): then the two Node ignores.
  let status = '';
  try { status = readFileSync('/proc/self/status', 'utf8'); } catch { /* no /proc here */ }
  const line = /^SigIgn:\s*([0-9a-f]+)$/m.exec(status);
  const mask = line ? BigInt('0x' + line[1]) : (1n << 12n) | (1n << 24n); // SIGPIPE, SIGXFSZ
  for (let sig = 1; sig <= 64; sig++) {
    if (!((mask >> BigInt(sig - 1)) & 1n)) continue;
    const previous: unknown = libc().signal(sig, null);
    const failed = previous !== null && koffi().address(previous) === 0xffffffffffffffffn; // SIG_ERR
    traceSyscall('signal', `${sig}, SIG_DFL`, failed ? `-1 errno ${koffi().errno()}` : 0);
  }
}

// ---------------------------------------------------------- file descriptors

/** Clear FD_CLOEXEC so `fd` survives execve (Node opens even 0–2 close-on-exec). */
export function clearCloexec(fd: number): void {
  const flags = check('fcntl', `${fd}, F_GETFD`, libc().fcntl(fd, F_GETFD));
  check('fcntl', `${fd}, F_SETFD, ${flags & ~1}`, libc().fcntl(fd, F_SETFD, 'int', flags & ~1));
}

/** F_DUPFD_CLOEXEC: a close-on-exec duplicate of `fd`, numbered `lowest` or above. */
export function dupCloexec(fd: number, lowest = 3): number {
  const F_DUPFD_CLOEXEC = 1030;
  return check('fcntl', `${fd}, F_DUPFD_CLOEXEC, ${lowest}`, libc().fcntl(fd, F_DUPFD_CLOEXEC, 'int', lowest));
}

/** fcntl(2) commands on the status flags and the owner of an open file description, and the flag for SIGIO. */
const F_GETFL = 3, F_SETFL = 4, F_SETOWN = 8, O_ASYNC = 0o20000;

/** F_GETFL: the open file description's status flags (O_NONBLOCK, O_APPEND, the access mode…). */
export function getStatusFlags(fd: number): number {
  return check('fcntl', `${fd}, F_GETFL`, libc().fcntl(fd, F_GETFL));
}

/**
 * F_SETFL: set them. They belong to the open file *description*, so every duplicate of it (in
 * this process or another) sees the change.
 */
export function setStatusFlags(fd: number, flags: number): void {
  check('fcntl', `${fd}, F_SETFL, 0${flags.toString(8)}`, libc().fcntl(fd, F_SETFL, 'int', flags));
}

/**
 * Signal-driven input (sys/signal-io.ts) on or off for `fd`: F_SETOWN to this process, then
 * O_ASYNC set or cleared in its status flags. Not traced: the CLI's own plumbing, as isatty.
 */
export function setSignalDriven(fd: number, on: boolean): void {
  const c = libc();
  if (on) checkUntraced('fcntl', `${fd}, F_SETOWN, ${process.pid}`, c.fcntl(fd, F_SETOWN, 'int', process.pid));
  const flags = checkUntraced('fcntl', `${fd}, F_GETFL`, c.fcntl(fd, F_GETFL));
  const want = on ? flags | O_ASYNC : flags & ~O_ASYNC;
  if (want !== flags) checkUntraced('fcntl', `${fd}, F_SETFL, ${oct(want)}`, c.fcntl(fd, F_SETFL, 'int', want));
}

/** F_GETFL's O_ASYNC bit of `fd` (tests). Not traced. */
export function signalDriven(fd: number): boolean {
  return (checkUntraced('fcntl', `${fd}, F_GETFL`, libc().fcntl(fd, F_GETFL)) & O_ASYNC) !== 0;
}

const POLLIN = 0x1, POLLERR = 0x8, POLLHUP = 0x10, POLLNVAL = 0x20;
const pollfd = Buffer.alloc(8); // struct pollfd { int fd; short events; short revents; }

/**
 * poll(2) with timeout 0 on one fd: would a read(2) return now (data, EOF, or an error)?
 * Not traced (sys/signal-io.ts asks it after every read). Throws EBADF for a closed fd.
 */
export function readableNow(fd: number): boolean {
  pollfd.writeInt32LE(fd, 0);
  pollfd.writeInt16LE(POLLIN, 4);
  pollfd.writeInt16LE(0, 6);
  for (;;) {
    const r = Number(libc().poll(pollfd, 1, 0));
    if (r === -1) {
      const errno = koffi().errno();
      if (errno === 4 /* EINTR */) continue;
      throw new SysError('poll', `[{fd: ${fd}, POLLIN}], 1, 0`, errno);
    }
    const revents = pollfd.readInt16LE(6);
    if (revents & POLLNVAL) throw new SysError('poll', `[{fd: ${fd}, POLLIN}], 1, 0`, 9 /* EBADF */);
    return (revents & (POLLIN | POLLHUP | POLLERR)) !== 0;
  }
}

/** isatty(3): is a terminal open on `fd`? (Not traced: a question, not a container primitive.) */
export function isatty(fd: number): boolean {
  return Number(libc().isatty(fd)) === 1;
}

/**
 * close_range(first, ~0U, CLOSE_RANGE_CLOEXEC): mark every descriptor from `first` up
 * close-on-exec in one call, so none of Node's fds (epoll, eventfds, pipes) leaks into the
 * container's program (the class of runc's CVE-2024-21626).
 */
export function closeRangeCloexec(first: number): void {
  try {
    check('close_range', `${first}, ~0U, CLOSE_RANGE_CLOEXEC`,
      libc().syscall(SYS.close_range, 'unsigned int', first, 'unsigned int', 0xffffffff, 'unsigned int', CLOSE_RANGE_CLOEXEC));
  } catch (e) {
    // A kernel before 5.11 (ENOSYS), or a seccomp filter already in place that predates
    // close_range (EPERM: older Docker profiles, the OCI validation suite's): the same, one
    // descriptor at a time, with the calls any profile allows (as runc does).
    if (!(e instanceof SysError) || (e.code !== 'EPERM' && e.code !== 'ENOSYS')) throw e;
    for (const name of readdirSync('/proc/self/fd')) {
      const fd = Number(name);
      if (fd < first) continue;
      const flags = libc().fcntl(fd, F_GETFD);
      if (flags >= 0) check('fcntl', `${fd}, F_SETFD, FD_CLOEXEC`, libc().fcntl(fd, F_SETFD, 'int', flags | 1));
      // (flags < 0: the directory listing's own fd, closed by now)
    }
  }
}

/** openat2(2)'s `resolve` flags: how the kernel may walk the path. */
export const RESOLVE = { NO_XDEV: 0x01, NO_MAGICLINKS: 0x02, NO_SYMLINKS: 0x04, BENEATH: 0x08, IN_ROOT: 0x10 } as const;

/**
 * openat2(2): open `path` relative to `dirfd` with `resolve` rules enforced by the kernel.
 * With RESOLVE_IN_ROOT, `dirfd` acts as `/` for the whole walk — absolute symlinks and `..`
 * cannot leave it, and it cannot be raced (a userspace resolver can: check, then swap).
 */
export function openat2(dirfd: number, path: string, flags: number, resolve: number): number {
  const how = Buffer.alloc(24); // struct open_how { u64 flags; u64 mode; u64 resolve; }
  how.writeBigUInt64LE(BigInt(flags), 0);
  how.writeBigUInt64LE(BigInt(resolve), 16);
  const names = Object.entries(RESOLVE).filter(([, v]) => resolve & v).map(([k]) => `RESOLVE_${k}`).join('|') || '0';
  return check('openat2', `${dirfd}, ${q(path)}, {flags=0${flags.toString(8)}, resolve=${names}}, 24`,
    libc().syscall(SYS.openat2, 'int', dirfd, 'const char *', path, 'void *', how, 'size_t', 24));
}

// --------------------------------------------------------------- terminals

export function setWinsize(fd: number, rows: number, cols: number): void {
  const ws = Buffer.alloc(8);
  ws.writeUInt16LE(rows, 0);
  ws.writeUInt16LE(cols, 2);
  check('ioctl', `${fd}, TIOCSWINSZ, {ws_row=${rows}, ws_col=${cols}}`, libc().ioctl(fd, IOCTL.TIOCSWINSZ, 'void *', ws));
}

/**
 * Turn off output processing (OPOST) of the terminal open on `fd`, as cfmakeraw(3) does. The
 * kernel's struct termios starts c_iflag, c_oflag (u32 each); OPOST is c_oflag's bit 0.
 */
export function clearOutputProcessing(fd: number): void {
  const t = Buffer.alloc(64); // struct termios is 36 bytes on Linux; room to spare
  check('ioctl', `${fd}, TCGETS`, libc().ioctl(fd, IOCTL.TCGETS, 'void *', t));
  t.writeUInt32LE(t.readUInt32LE(4) & ~1, 4);
  check('ioctl', `${fd}, TCSETS, {c_oflag&=~OPOST}`, libc().ioctl(fd, IOCTL.TCSETS, 'void *', t));
}

/**
 * TIOCGPTPEER: open the slave of the pty whose master is `masterFd`, through the master (no path
 * in anybody's /dev/pts is looked up). O_RDWR | O_NOCTTY | O_CLOEXEC.
 */
export function openPtyPeer(masterFd: number): number {
  return check('ioctl', `${masterFd}, TIOCGPTPEER, O_RDWR|O_NOCTTY|O_CLOEXEC`, libc().ioctl(masterFd, IOCTL.TIOCGPTPEER, 'int', 0o2 | 0o400 | 0o2000000));
}

/** FIONREAD: how many bytes a read of `fd` would get now (for a pty master: what its line discipline holds). */
export function bytesReadable(fd: number): number {
  const n = Buffer.alloc(4);
  check('ioctl', `${fd}, FIONREAD`, libc().ioctl(fd, IOCTL.FIONREAD, 'void *', n));
  return n.readInt32LE(0);
}

/** Make the terminal open on `fd` the controlling terminal of this (new) session. */
export function setControllingTerminal(fd: number): void {
  check('ioctl', `${fd}, TIOCSCTTY, 0`, libc().ioctl(fd, IOCTL.TIOCSCTTY, 'int', 0));
}

/**
 * pidfd_open + pidfd_getfd: copy file descriptor `fd` out of process `pid` into ours
 * (Linux ≥ 5.6; needs ptrace rights over it, which the container's parent has).
 */
export function pidfdGetfd(pid: number, fd: number): number {
  const pidfd = check('pidfd_open', `${pid}, 0`, libc().syscall(SYS.pidfd_open, 'int', pid, 'unsigned int', 0));
  try {
    return check('pidfd_getfd', `${pidfd}, ${fd}, 0`, libc().syscall(SYS.pidfd_getfd, 'int', pidfd, 'int', fd, 'unsigned int', 0));
  } finally {
    libc().close(pidfd);
  }
}

/** grantpt + unlockpt + ptsname on an open /dev/ptmx: the path of its slave side. */
export function unlockPty(masterFd: number): string {
  check('grantpt', `${masterFd}`, libc().grantpt(masterFd));
  check('unlockpt', `${masterFd}`, libc().unlockpt(masterFd));
  const buf = Buffer.alloc(64);
  const r = libc().ptsname_r(masterFd, buf, buf.length) as number;
  if (r !== 0) throw new SysError('ptsname_r', `${masterFd}`, r);
  const path = buf.toString('latin1', 0, buf.indexOf(0));
  traceSyscall('ptsname_r', `${masterFd}`, q(path));
  return path;
}

// ------------------------------------------------------------------ network

/** Bring a network interface up: SIOCGIFFLAGS, set IFF_UP, SIOCSIFFLAGS on a datagram socket. */
export function interfaceUp(name: string): void {
  const AF_INET = 2, SOCK_DGRAM = 2, SOCK_CLOEXEC = 0o2000000, IFF_UP = 1;
  const s = check('socket', 'AF_INET, SOCK_DGRAM|SOCK_CLOEXEC, 0', libc().socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  try {
    const ifr = Buffer.alloc(40); // struct ifreq: char ifr_name[16]; union { short ifr_flags; … }
    ifr.write(name, 0, 15, 'latin1');
    check('ioctl', `${s}, SIOCGIFFLAGS, {ifr_name=${q(name)}}`, libc().ioctl(s, IOCTL.SIOCGIFFLAGS, 'void *', ifr));
    ifr.writeInt16LE(ifr.readInt16LE(16) | IFF_UP, 16);
    check('ioctl', `${s}, SIOCSIFFLAGS, {ifr_name=${q(name)}, ifr_flags|=IFF_UP}`, libc().ioctl(s, IOCTL.SIOCSIFFLAGS, 'void *', ifr));
  } finally {
    libc().close(s);
  }
}

/**
 * A blocking stream connection to the unix socket at `path` (close-on-exec): the fd, for
 * fs.writeSync/readSync — a short request and answer without the event loop (slirp4netns's API).
 */
export function connectUnixSocket(path: string): number {
  const AF_UNIX = 1, SOCK_STREAM = 1, SOCK_CLOEXEC = 0o2000000;
  const pathBytes = Buffer.from(path);
  if (pathBytes.length > 107) throw new SysError('connect', q(path), 36 /* ENAMETOOLONG */);
  const addr = Buffer.alloc(110); // struct sockaddr_un { sa_family_t sun_family; char sun_path[108]; }
  addr.writeUInt16LE(AF_UNIX, 0);
  pathBytes.copy(addr, 2);
  const sock = check('socket', 'AF_UNIX, SOCK_STREAM|SOCK_CLOEXEC, 0', libc().socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  try {
    check('connect', () => `${sock}, {AF_UNIX, ${q(path)}}`, libc().connect(sock, addr, 2 + pathBytes.length + 1));
  } catch (err) {
    libc().close(sock);
    throw err;
  }
  return sock;
}

/**
 * Send an open fd to whoever listens on the unix socket at `path` (SCM_RIGHTS), with `name` as
 * the message's bytes — runc's `--console-socket` handing the pty master to containerd's shim or
 * to conmon. The receiver gets its own copy of the fd; ours stays open.
 */
export function sendFdToUnixSocket(path: string, fd: number, name: string): void {
  const AF_UNIX = 1, SOCK_STREAM = 1, SOCK_CLOEXEC = 0o2000000, SOL_SOCKET = 1, SCM_RIGHTS = 1;
  const pathBytes = Buffer.from(path);
  if (pathBytes.length > 107) throw new SysError('connect', q(path), 36 /* ENAMETOOLONG */);
  // struct sockaddr_un { sa_family_t sun_family; char sun_path[108]; }
  const addr = Buffer.alloc(110);
  addr.writeUInt16LE(AF_UNIX, 0);
  pathBytes.copy(addr, 2);
  const sock = check('socket', 'AF_UNIX, SOCK_STREAM|SOCK_CLOEXEC, 0', libc().socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  try {
    check('connect', () => `${sock}, {AF_UNIX, ${q(path)}}`, libc().connect(sock, addr, 2 + pathBytes.length + 1));
    const data = Buffer.from(name);
    // struct iovec { void *iov_base; size_t iov_len; }
    const iov = Buffer.alloc(16);
    iov.writeBigUInt64LE(BigInt(koffi().address(data)), 0);
    iov.writeBigUInt64LE(BigInt(data.length), 8);
    // struct cmsghdr { size_t cmsg_len; int cmsg_level; int cmsg_type; } + one int: CMSG_LEN(4) = 20, CMSG_SPACE(4) = 24
    const control = Buffer.alloc(24);
    control.writeBigUInt64LE(20n, 0);
    control.writeInt32LE(SOL_SOCKET, 8);
    control.writeInt32LE(SCM_RIGHTS, 12);
    control.writeInt32LE(fd, 16);
    // struct msghdr { name, namelen(+pad), iov, iovlen, control, controllen, flags(+pad) }
    const msg = Buffer.alloc(56);
    msg.writeBigUInt64LE(BigInt(koffi().address(iov)), 16);
    msg.writeBigUInt64LE(1n, 24);
    msg.writeBigUInt64LE(BigInt(koffi().address(control)), 32);
    msg.writeBigUInt64LE(BigInt(control.length), 40);
    check('sendmsg', () => `${sock}, {${q(name)}, SCM_RIGHTS [${fd}]}, 0`, libc().sendmsg(sock, msg, 0));
  } finally {
    libc().close(sock);
  }
}

/**
 * SO_PEERCRED: who is on the other end of the connected unix socket `fd` — the kernel's record
 * of the peer's pid, uid and gid as of its connect() (it cannot be forged by the peer).
 */
export function peerCredentials(fd: number): { pid: number; uid: number; gid: number } {
  const SOL_SOCKET = 1, SO_PEERCRED = 17;
  const cred = Buffer.alloc(12); // struct ucred { pid_t pid; uid_t uid; gid_t gid; }
  const len = [12];
  check('getsockopt', `${fd}, SOL_SOCKET, SO_PEERCRED`, libc().getsockopt(fd, SOL_SOCKET, SO_PEERCRED, cred, len));
  return { pid: cred.readInt32LE(0), uid: cred.readUInt32LE(4), gid: cred.readUInt32LE(8) };
}

/** SO_RCVTIMEO: a blocking receive on `fd` gives up (EAGAIN) after `ms` without data. */
export function setReceiveTimeout(fd: number, ms: number): void {
  const SOL_SOCKET = 1, SO_RCVTIMEO = 20;
  const tv = Buffer.alloc(16); // struct timeval { long tv_sec; long tv_usec; } (64-bit: 8 + 8)
  tv.writeBigInt64LE(BigInt(Math.floor(ms / 1000)), 0);
  tv.writeBigInt64LE(BigInt((ms % 1000) * 1000), 8);
  check('setsockopt', `${fd}, SOL_SOCKET, SO_RCVTIMEO, {tv_sec=${Math.floor(ms / 1000)}, tv_usec=${(ms % 1000) * 1000}}, 16`,
    libc().setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, tv, 16));
}

/**
 * A NETLINK_ROUTE socket (rtnetlink: links, addresses, routes) in the calling thread's network
 * namespace — a netlink socket acts on the namespace it was made in, whatever thread uses it
 * later. NETLINK_EXT_ACK: an error answer carries the kernel's own sentence ("Nexthop has
 * invalid gateway"); NETLINK_CAP_ACK: it does not echo our whole request back.
 */
export function netlinkRouteSocket(): number {
  const AF_NETLINK = 16, SOCK_RAW = 3, SOCK_CLOEXEC = 0o2000000, NETLINK_ROUTE = 0, SOL_NETLINK = 270, NETLINK_CAP_ACK = 10, NETLINK_EXT_ACK = 11;
  const fd = check('socket', 'AF_NETLINK, SOCK_RAW|SOCK_CLOEXEC, NETLINK_ROUTE', libc().socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE));
  const one = Buffer.alloc(4);
  one.writeInt32LE(1, 0);
  // Both are only niceties (older kernels lack them): a refusal leaves the plain errno answers.
  libc().setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, one, 4);
  libc().setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, one, 4);
  return fd;
}

/**
 * send(2) and recv(2) of whole netlink messages, blocking, on the calling thread. Not traced:
 * the caller prints one line per request, with what it asked and what the kernel answered.
 */
export function sendQuiet(fd: number, buf: Buffer): number {
  const r = Number(libc().send(fd, buf, buf.length, 0));
  if (r === -1) throw new SysError('send', `${fd}, <${buf.length} bytes>`, koffi().errno());
  return r;
}

export function recvQuiet(fd: number, buf: Buffer): number {
  for (;;) {
    const r = Number(libc().recv(fd, buf, buf.length, 0));
    if (r !== -1) return r;
    const errno = koffi().errno();
    if (errno !== 4 /* EINTR: a signal arrived; the answer is still coming */) throw new SysError('recv', `${fd}, <${buf.length} bytes>`, errno);
  }
}

/**
 * Run `f` on libuv's thread pool (koffi's `.async`): a blocking call that must not stop the
 * event loop. koffi puts the worker's errno back while the callback runs, so it is read there.
 */
function checkAsync(call: string, args: () => string, f: AsyncFn, ...params: unknown[]): Promise<number> {
  return new Promise((resolve, reject) => {
    f.async(...params, (err: unknown, result: unknown) => {
      if (err) { reject(err); return; }
      try { resolve(check(call, args, result as number)); } catch (e) { reject(e); }
    });
  });
}

const MSG_FLAGS = { MSG_CTRUNC: 0x8, MSG_WAITALL: 0x100, MSG_CMSG_CLOEXEC: 0x40000000 } as const;
const msgFlags = (flags: number) => Object.entries(MSG_FLAGS).filter(([, v]) => flags & v).map(([k]) => k).join('|') || '0';

/**
 * recvmsg(2) on the thread pool: `msg` is a struct msghdr the caller built (its iovecs and
 * control buffer); the kernel fills them and msg_controllen/msg_flags. Resolves with the bytes
 * read; rejects with a SysError (EAGAIN: SO_RCVTIMEO ran out).
 */
export function recvmsgAsync(fd: number, msg: Buffer, flags: number): Promise<number> {
  return checkAsync('recvmsg', () => `${fd}, {msghdr}, ${msgFlags(flags)}`, libc().recvmsg, fd, msg, flags);
}

/** recv(2) into `buf` on the thread pool (as recvmsgAsync): the bytes read. */
export function recvAsync(fd: number, buf: Buffer, flags: number): Promise<number> {
  return checkAsync('recv', () => `${fd}, <${buf.length} bytes>, ${buf.length}, ${msgFlags(flags)}`, libc().recv, fd, buf, buf.length, flags);
}

// ------------------------------------------------------------- capabilities

const CAP_V3 = 0x20080522;

export interface CapSets { effective: bigint; permitted: bigint; inheritable: bigint }

/** capget(2) for this thread. */
export function capget(): CapSets {
  const hdr = Buffer.alloc(8);
  hdr.writeUInt32LE(CAP_V3, 0);
  const data = Buffer.alloc(24);
  const r = Number(libc().syscall(SYS.capget, 'void *', hdr, 'void *', data));
  if (r === -1) throw new SysError('capget', '', koffi().errno());
  const word = (i: number) => BigInt(data.readUInt32LE(i)) | (BigInt(data.readUInt32LE(i + 12)) << 32n);
  return { effective: word(0), permitted: word(4), inheritable: word(8) };
}

/** capset(2): set this thread's effective, permitted and inheritable sets. */
export function capset(sets: CapSets): void {
  const hdr = Buffer.alloc(8);
  hdr.writeUInt32LE(CAP_V3, 0);
  const data = Buffer.alloc(24);
  const put = (i: number, v: bigint) => {
    data.writeUInt32LE(Number(v & 0xffffffffn), i);
    data.writeUInt32LE(Number((v >> 32n) & 0xffffffffn), i + 12);
  };
  put(0, sets.effective);
  put(4, sets.permitted);
  put(8, sets.inheritable);
  const hex = (v: bigint) => '0x' + v.toString(16);
  check('capset', `{V3, 0}, {eff=${hex(sets.effective)}, prm=${hex(sets.permitted)}, inh=${hex(sets.inheritable)}}`,
    libc().syscall(SYS.capset, 'void *', hdr, 'void *', data));
}

/** Drop one capability from the bounding set (needs CAP_SETPCAP). */
export function capbsetDrop(cap: number, name: string): void {
  check('prctl', `PR_CAPBSET_DROP, ${name}`, libc().prctl(PR.CAPBSET_DROP, cap, 0, 0, 0));
}

/** Is `cap` in this thread's bounding set? (-1 with EINVAL: the kernel does not know it.) */
export function capbsetRead(cap: number): boolean {
  return Number(libc().prctl(PR.CAPBSET_READ, cap, 0, 0, 0)) === 1;
}

export function clearAmbientCaps(): void {
  check('prctl', 'PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL', libc().prctl(PR.CAP_AMBIENT, PR.CAP_AMBIENT_CLEAR_ALL, 0, 0, 0));
}

/** Add one capability to the ambient set (it must be in the permitted and inheritable sets). */
export function raiseAmbientCap(cap: number, name: string): void {
  check('prctl', `PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, ${name}`, libc().prctl(PR.CAP_AMBIENT, PR.CAP_AMBIENT_RAISE, cap, 0, 0));
}

/**
 * prctl(PR_SET_KEEPCAPS, 0|1): with it set, a switch from uid 0 to another uid keeps the
 * permitted set (the effective set is still emptied). execve clears the flag.
 */
export function setKeepCaps(keep: boolean): void {
  prctl(PR.SET_KEEPCAPS, keep ? 1 : 0, 0, 0, 0, 'PR_SET_KEEPCAPS');
}

/**
 * pipe2(2) with O_CLOEXEC: a real pipe (not a socketpair, which is what Node's `stdio: 'pipe'`
 * makes). Programs may open /dev/stdout (= /proc/self/fd/1): that works on a pipe, and fails
 * with ENXIO on a socket — nginx's images log to /dev/stdout, for one.
 */
export function pipe(): { read: number; write: number } {
  const fds = [0, 0];
  check('pipe2', 'O_CLOEXEC', libc().pipe2(fds, 0o2000000));
  return { read: fds[0], write: fds[1] };
}

/**
 * socketpair(AF_UNIX, SOCK_STREAM|SOCK_CLOEXEC): what Node makes for a child's `stdio: 'pipe'`
 * (posixSpawn's sync socket). Not traced, as Node's is not.
 */
export function socketpair(): [number, number] {
  const fds = [0, 0];
  const r = Number(libc().socketpair(1 /* AF_UNIX */, 1 /* SOCK_STREAM */ | 0o2000000 /* SOCK_CLOEXEC */, 0, fds));
  if (r === -1) throw new SysError('socketpair', 'AF_UNIX, SOCK_STREAM|SOCK_CLOEXEC, 0', koffi().errno());
  return [fds[0], fds[1]];
}

/** What the child of posixSpawn finds on one of its fds: a copy of one of ours, or /dev/null. */
export type SpawnFd = { fd: number; from: number } | { fd: number; devNull: true };

/**
 * posix_spawn(3): start `path` as a new child process, in one call. glibc makes it with
 * clone(CLONE_VM|CLONE_VFORK) on a stack of its own, with every signal blocked, and the child
 * runs only async-signal-safe code until its execve: no copy of our (large) address space, as
 * the fork behind Node's spawn makes, and safe beside Node's other threads, which keep running.
 * The child's signal handlers are reset to SIG_DFL, its mask emptied (as libuv's child does).
 * `fds` are set up in the order given (the caller makes sure no source is overwritten first);
 * any fd not named is inherited unless it is close-on-exec. Returns the child's pid; an error
 * (EAGAIN, ENOMEM, ENOENT…: glibc returns it, the child's execve's included) is thrown.
 */
export function posixSpawn(path: string, argv: readonly string[], envp: readonly string[], fds: readonly SpawnFd[]): number {
  const c = libc();
  // Opaque glibc types, sized generously (x86-64: 80, 336 and 128 bytes).
  const actions = Buffer.alloc(256), attr = Buffer.alloc(512), none = Buffer.alloc(128), all = Buffer.alloc(128);
  c.posix_spawn_file_actions_init(actions);
  c.posix_spawnattr_init(attr);
  try {
    c.sigemptyset(none);
    c.sigfillset(all);
    // glibc's sigfillset leaves out its two internal signals (32 and 33, used for thread
    // cancellation and setuid across threads), and its posix_spawn child then sets those to
    // SIG_IGN — which an execve keeps: the init, and every program it starts, would begin with
    // them ignored. Node's spawn (libuv) leaves them at SIG_DFL. So: every signal, 1–64, by hand.
    all.fill(0xff, 0, 8);
    c.posix_spawnattr_setsigmask(attr, none);
    c.posix_spawnattr_setsigdefault(attr, all);
    c.posix_spawnattr_setflags(attr, 0x04 /* POSIX_SPAWN_SETSIGDEF */ | 0x08 /* POSIX_SPAWN_SETSIGMASK */);
    for (const f of fds) {
      if ('devNull' in f) c.posix_spawn_file_actions_addopen(actions, f.fd, '/dev/null', 2 /* O_RDWR */, 0);
      else c.posix_spawn_file_actions_adddup2(actions, f.from, f.fd);
    }
    const pid = [0];
    const err = Number(c.posix_spawn(pid, path, actions, attr, [...argv, null], [...envp, null]));
    const args = () => `${q(path)}, {${fds.map((f) => ('devNull' in f ? `${f.fd}</dev/null` : `${f.fd}<&${f.from}`)).join(', ')}}, {SETSIGDEF, SETSIGMASK}, [${argv.map(q).join(', ')}], [${envp.length} vars]`;
    if (err !== 0) {
      const e = new SysError('posix_spawn', args(), err);
      traceSyscall('posix_spawn', args(), `${err} ${e.code}`);
      throw e;
    }
    if (traceEnabled()) traceSyscall('posix_spawn', args(), pid[0]);
    return pid[0];
  } finally {
    c.posix_spawn_file_actions_destroy(actions);
    c.posix_spawnattr_destroy(attr);
  }
}

/**
 * waitpid(pid, WNOHANG): the child's exit if it has ended (and reaped now), else null. Not traced
 * (Node's reaping of its own children is not either).
 */
export function waitpidNoHang(pid: number): { code: number | null; signal: number | null } | null {
  const status = [0];
  const r = Number(libc().waitpid(pid, status, 1 /* WNOHANG */));
  if (r === 0) return null;
  if (r === -1) {
    const errno = koffi().errno();
    if (errno === 4 /* EINTR */) return null;
    throw new SysError('waitpid', `${pid}, WNOHANG`, errno);
  }
  const s = status[0];
  // WIFEXITED: low 7 bits 0, code in bits 8–15; else WTERMSIG in the low 7 bits
  return (s & 0x7f) === 0 ? { code: (s >> 8) & 0xff, signal: null } : { code: null, signal: s & 0x7f };
}

// ----------------------------------------------------------- project quotas
//
// A *project quota* limits the blocks used by every file carrying one project id, wherever
// they are on the filesystem (xfs; ext4 made with -O quota,project). A directory marked
// PROJINHERIT passes its id to everything created under it, so giving a container's upper
// dir an id and the id a limit caps its writable layer (what `--storage-opt size` asks for).

const FS_IOC_FSGETXATTR = 0x801c581f; // _IOR('X', 31, struct fsxattr)
const FS_IOC_FSSETXATTR = 0x401c5820; // _IOW('X', 32, struct fsxattr)
const FS_XFLAG_PROJINHERIT = 0x200;
const PRJQUOTA = 2;
const Q_GETQUOTA = 0x800007, Q_SETQUOTA = 0x800008, QIF_BLIMITS = 1;
const qcmd = (cmd: number, type: number) => ((cmd << 8) | type) >>> 0;

/** The project id of the file open on `fd` (FS_IOC_FSGETXATTR: struct fsxattr's fsx_projid at byte 12). */
export function getProjectId(fd: number): number {
  const fsx = Buffer.alloc(28); // struct fsxattr { u32 xflags, extsize, nextents, projid, cowextsize; u8 pad[8]; }
  check('ioctl', `${fd}, FS_IOC_FSGETXATTR`, libc().ioctl(fd, FS_IOC_FSGETXATTR, 'void *', fsx));
  return fsx.readUInt32LE(12);
}

/** Give the directory open on `fd` project id `id`, inherited by everything created under it. */
export function setProjectId(fd: number, id: number): void {
  const fsx = Buffer.alloc(28);
  check('ioctl', `${fd}, FS_IOC_FSGETXATTR`, libc().ioctl(fd, FS_IOC_FSGETXATTR, 'void *', fsx));
  fsx.writeUInt32LE((fsx.readUInt32LE(0) | FS_XFLAG_PROJINHERIT) >>> 0, 0);
  fsx.writeUInt32LE(id, 12);
  check('ioctl', `${fd}, FS_IOC_FSSETXATTR, {fsx_xflags|=FS_XFLAG_PROJINHERIT, fsx_projid=${id}}`, libc().ioctl(fd, FS_IOC_FSSETXATTR, 'void *', fsx));
}

/**
 * quotactl_fd(2) (Linux 5.14+; `fd` is any file on the filesystem, so no device path is needed):
 * set project `id`'s block limit (hard = soft, in KiB as struct if_dqblk counts; 0 = no limit).
 * One call for ext4 and xfs (the kernel maps it onto xfs's own quota code).
 */
export function setProjectBlockLimit(fd: number, id: number, bytes: number): void {
  const kib = BigInt(Math.ceil(bytes / 1024));
  const dq = Buffer.alloc(72); // struct if_dqblk { u64 bhardlimit, bsoftlimit, curspace, ihardlimit, isoftlimit, curinodes, btime, itime; u32 valid; }
  dq.writeBigUInt64LE(kib, 0);
  dq.writeBigUInt64LE(kib, 8);
  dq.writeUInt32LE(QIF_BLIMITS, 64);
  check('quotactl_fd', `${fd}, QCMD(Q_SETQUOTA, PRJQUOTA), ${id}, {dqb_bhardlimit=dqb_bsoftlimit=${kib} KiB, dqb_valid=QIF_BLIMITS}`,
    libc().syscall(SYS.quotactl_fd, 'unsigned int', fd, 'unsigned int', qcmd(Q_SETQUOTA, PRJQUOTA), 'unsigned int', id, 'void *', dq));
}

/** Project `id`'s block limit and usage in bytes (quotactl_fd Q_GETQUOTA). */
export function getProjectQuota(fd: number, id: number): { limitBytes: number; usedBytes: number } {
  const dq = Buffer.alloc(72);
  try {
    check('quotactl_fd', `${fd}, QCMD(Q_GETQUOTA, PRJQUOTA), ${id}`,
      libc().syscall(SYS.quotactl_fd, 'unsigned int', fd, 'unsigned int', qcmd(Q_GETQUOTA, PRJQUOTA), 'unsigned int', id, 'void *', dq));
  } catch (err) {
    // xfs keeps no record for an id without limits or usage and says ENOENT (ext4 answers zeros)
    if (err instanceof SysError && err.code === 'ENOENT') return { limitBytes: 0, usedBytes: 0 };
    throw err;
  }
  return { limitBytes: Number(dq.readBigUInt64LE(0)) * 1024, usedBytes: Number(dq.readBigUInt64LE(16)) };
}

// -------------------------------------------------------------------- locks

/** flock(2) LOCK_EX, blocking (state writes are short, so waiting is fine). Not traced: not a container primitive. */
export function flockExclusive(fd: number): void {
  const r = Number(libc().flock(fd, 2 /* LOCK_EX */));
  if (r === -1) throw new SysError('flock', `${fd}, LOCK_EX`, koffi().errno());
}

export { CLOSE_RANGE_CLOEXEC };
