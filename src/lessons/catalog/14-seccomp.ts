/** Lesson 14: seccomp — which system calls reach the kernel at all. */
import type { Lesson } from '../lesson';
import { confinementFacts } from '../../engine/live-facts-confinement';

/**
 * The probe: the container's seccomp mode, then unshare(CLONE_NEWUSER) — a call root needs no
 * capability for, and one Docker's profile refuses (new user namespaces reach much kernel
 * code that was never written for hostile callers) unless CAP_SYS_ADMIN is added.
 */
const PROBE = [
  'exec 2>&1',
  'grep -E "^(Seccomp|Seccomp_filters|NoNewPrivs):" /proc/self/status',
  'unshare -U true && echo "unshare(CLONE_NEWUSER): ok"',
].join('; ');

export const seccompLesson: Lesson = {
  slug: 'seccomp',
  title: 'seccomp: a filter on every system call',
  goal: "Docker's default profile answers EPERM to calls a container has no business making",
  about: [
    "Capabilities decide what root may do inside a call; seccomp decides which calls reach the kernel at all. A process loads a small program (classic BPF, the packet-filter language) with seccomp(2); from then on the kernel runs it on every system call the process and its children make, with the call's number, architecture and arguments, and does what it returns: ALLOW, ERRNO(n), KILL… It can never be removed.",
    "Most kernel escapes start with a rarely used call: keyctl, bpf, userfaultfd, perf_event_open, a new user namespace to reach code never meant for unprivileged callers. Docker's default profile allows ~350 calls and answers EPERM to the rest; some rules depend on the container's capabilities (--cap-add SYS_ADMIN opens mount and unshare) or on arguments (clone may not make namespaces).",
    "mini-run compiles the same profile (the OCI spec's linux.seccomp) to BPF in TypeScript (src/runtime/seccomp.ts): check the architecture (x86_64, i386 through int 0x80 and x32 have different numbers: a filter that knew only one table could be bypassed through another), binary-search the call number, compare arguments. /proc/PID/status says Seccomp: 2 (filter) for a filtered process. --security-opt seccomp=unconfined turns it off, --security-opt seccomp=FILE.json loads another profile, --privileged turns it off too.",
  ],
  calls: {
    run: ['--network', 'none', '{image}', 'true'],
    show: /seccomp|PR_SET_NO_NEW_PRIVS|capset|# exec/,
    note: 'The filter is loaded last, just before execve: "seccomp filter: N BPF instructions" is the compiled profile, seccomp(SECCOMP_SET_MODE_FILTER) hands it to the kernel. Loading one needs CAP_SYS_ADMIN or no_new_privs, so without no-new-privileges it is loaded before capset() drops the capabilities.',
  },
  experiment: {
    intro: 'The same probe as root in three containers: print the seccomp mode, then try unshare(CLONE_NEWUSER) (busybox unshare -U). First unconfined, then with the default profile, then with the default profile and --cap-add SYS_ADMIN.',
    run: (lab) => [
      { title: 'off: --security-opt seccomp=unconfined', text: lab.run(['--network', 'none', '--security-opt', 'seccomp=unconfined', lab.image, 'sh', '-c', PROBE]) },
      { title: "on: Docker's default profile", text: lab.run(['--network', 'none', lab.image, 'sh', '-c', PROBE]) },
      { title: 'default profile, --cap-add SYS_ADMIN', text: lab.run(['--network', 'none', '--cap-add', 'SYS_ADMIN', lab.image, 'sh', '-c', PROBE]) },
    ],
    conclusion: 'Unconfined, Seccomp is 0 and root makes a user namespace (no capability needed). With the profile, Seccomp is 2 with one filter and the very same call gets "Operation not permitted" before the kernel looks at it. Adding SYS_ADMIN changes the profile (its rules depend on capabilities): unshare is allowed again.',
  },
  exercise: {
    run: ['--network', 'none', '{image}', 'sleep', '3600'],
    tryThis: [
      'grep Seccomp /proc/self/status      # 2 = filter; Seccomp_filters: 1',
      'unshare -U true                     # Operation not permitted: the filter, not a capability',
      'on the host: mini-run explain mr-lesson-seccomp   # SECCOMP AND DEVICES: mode, filters, no_new_privs',
      'on the host: mini-run run --rm --security-opt seccomp=unconfined mini-run/busybox unshare -U true && echo ok',
    ],
  },
  check: {
    fact: "The container's processes run under a seccomp filter (Seccomp: 2)",
    counterExample: ['--network', 'none', '--security-opt', 'seccomp=unconfined', '{image}', 'sleep', '3600'],
    verify: (_lab, c) => {
      const f = confinementFacts(c.pid);
      return {
        ok: f.seccomp === 'filter' && f.seccompFilters >= 1,
        evidence: `/proc/${c.pid}/status: Seccomp ${f.seccomp}, ${f.seccompFilters} filter(s), NoNewPrivs ${f.noNewPrivs ? 1 : 0}`,
      };
    },
  },
};
