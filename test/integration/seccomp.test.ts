/**
 * seccomp and no-new-privileges, attacked from inside a container on the real kernel.
 *
 * The attack class: the kernel's attack surface. Most container escapes of the last decade
 * went through a call few programs need — keyctl (CVE-2016-0728), a new user namespace to
 * reach fsconfig (CVE-2022-0185), bpf, perf_event_open, userfaultfd races… Docker's default
 * profile answers EPERM to those before the kernel looks at them; mini-run must too. The
 * probe (native/syscall-probe.c) tries ~80 calls in a mini-run container and, when a Docker
 * engine answers, in a Docker container: the answers must be the same.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, leaksFor, mr, removeRoot, tempRoot } from '../helpers/cli';
import { NEWER_MOBY_PROFILE } from '../../src/compare/probes';

const IMG = 'mini-run/busybox';
const PROBE = join(REPO, 'native', 'build', 'syscall-probe');
let root: string;
let scratch: string;

const run = (flags: string[], args: string[]) => mr(root, ['run', '--rm', '--network', 'none', ...flags, IMG, ...args]);
const status = (flags: string[] = []) => run(flags, ['grep', '-E', '^(Seccomp|Seccomp_filters|NoNewPrivs):', '/proc/self/status']).stdout;
/** The probe's table: call → answer. */
const probe = (flags: string[] = []) => {
  const r = run([...flags, '-v', `${PROBE}:/probe:ro`], ['/probe']);
  expect(r.stderr).toBe('');
  return parseProbe(r.stdout);
};
const parseProbe = (out: string) => new Map(out.trim().split('\n').map((l) => {
  const i = l.lastIndexOf(' ');
  return [l.slice(0, i), l.slice(i + 1)] as [string, string];
}));

beforeAll(() => {
  root = tempRoot('seccomp');
  scratch = mkdtempSync('/tmp/mr-test-seccomp-files-');
  const r = run([], ['true']); // builds the built-in image
  if (r.status !== 0) throw new Error(`first run failed: ${r.stderr}`);
});

afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
  expect(leaksFor(root)).toEqual([]);
  removeRoot(root);
});

describe('the seccomp compiler, in the real kernel', () => {
  // A node process loads a compiled filter (under no_new_privs, as any user may) and calls
  // getpriority(2) with 64-bit arguments: each rule answers its own errno, so the errno says
  // which comparison held. High and low halves are compared separately in classic BPF.
  const script = `
    const koffi = require('koffi');
    const { compileSeccomp } = require('${REPO}/dist/runtime/seccomp.js');
    const { setNoNewPrivs, seccompSetModeFilter } = require('${REPO}/dist/sys/libc.js');
    const spec = JSON.parse(process.argv[1]);
    const c = compileSeccomp(spec);
    setNoNewPrivs();
    seccompSetModeFilter(c.program, c.flags);
    const syscall = koffi.load('libc.so.6').func('long syscall(long number, ...)');
    const out = [];
    for (const [a0, a1] of JSON.parse(process.argv[2])) {
      const r = syscall(140, 'uint64_t', BigInt(a0), 'uint64_t', BigInt(a1));
      out.push(Number(r) === -1 ? koffi.errno() : 0);
    }
    console.log(JSON.stringify(out));`;
  const answers = (spec: unknown, calls: Array<[string, string]>) => {
    const r = spawnSync(process.execPath, ['-e', script, JSON.stringify(spec), JSON.stringify(calls)], { cwd: REPO, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    return JSON.parse(r.stdout) as number[];
  };
  const rule = (errnoRet: number, op: string, value: number, valueTwo?: number, index = 0) =>
    ({ names: ['getpriority'], action: 'SCMP_ACT_ERRNO', errnoRet, args: [{ index, value, op, ...(valueTwo !== undefined ? { valueTwo } : {}) }] });

  it('compares 64-bit arguments: EQ, NE, GT, GE, LT, LE, MASKED_EQ', () => {
    const spec = (r: object) => ({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [r] });
    const big = 2 ** 32 + 5; // high half 1, low half 5
    // getpriority(which, who): an invalid `which` gives EINVAL (22) when the call reaches the kernel
    const calls: Array<[string, string]> = [['5', '0'], [String(big), '0'], [String(2 ** 33 + 5), '0'], ['4', '0']];
    expect(answers(spec(rule(101, 'SCMP_CMP_EQ', big)), calls)).toEqual([22, 101, 22, 22]);
    expect(answers(spec(rule(102, 'SCMP_CMP_NE', big)), calls)).toEqual([102, 22, 102, 102]);
    expect(answers(spec(rule(103, 'SCMP_CMP_GT', big)), calls)).toEqual([22, 22, 103, 22]);
    expect(answers(spec(rule(104, 'SCMP_CMP_GE', big)), calls)).toEqual([22, 104, 104, 22]);
    expect(answers(spec(rule(105, 'SCMP_CMP_LT', 5)), calls)).toEqual([22, 22, 22, 105]);
    expect(answers(spec(rule(106, 'SCMP_CMP_LE', 5)), calls)).toEqual([106, 22, 22, 106]);
    // (arg1 & 0xff00) == 0x1200
    expect(answers(spec(rule(107, 'SCMP_CMP_MASKED_EQ', 0xff00, 0x1200, 1)), [['9', String(0x12ab)], ['9', String(0x13ab)]])).toEqual([107, 22]);
  });

  it('tries the rules with conditions first, then the unconditional one', () => {
    const spec = {
      defaultAction: 'SCMP_ACT_ALLOW',
      syscalls: [{ names: ['getpriority'], action: 'SCMP_ACT_ERRNO', errnoRet: 110 }, rule(111, 'SCMP_CMP_EQ', 7)],
    };
    expect(answers(spec, [['7', '0'], ['8', '0']])).toEqual([111, 110]);
  });
});

describe('the default profile (as Docker\'s)', () => {
  it('is on: Seccomp 2 with one filter, as in Docker', () => {
    expect(status()).toBe('NoNewPrivs:\t0\nSeccomp:\t2\nSeccomp_filters:\t1\n');
  });

  it('kernel attack surface (CVE-2016-0728 keyctl, CVE-2022-0185 via a user namespace): blocked calls get EPERM; unconfined they reach the kernel', () => {
    const confined = probe();
    const unconfined = probe(['--security-opt', 'seccomp=unconfined']);
    const blocked = ['keyctl(bad op)', 'add_key', 'bpf', 'perf_event_open(NULL)', 'mount(NULL)', 'unshare(CLONE_NEWUSER)',
      'clone(CLONE_NEWUSER)', 'kexec_load(bad flags)', 'open_tree(-1)', 'userfaultfd', 'setns(-1)', 'socket(AF_VSOCK)'];
    for (const call of blocked) expect([call, confined.get(call)]).toEqual([call, 'EPERM']);
    // without the filter the same calls got past it: the kernel answered (EINVAL, EFAULT, ok…)
    for (const call of ['keyctl(bad op)', 'add_key', 'bpf', 'perf_event_open(NULL)', 'mount(NULL)', 'unshare(CLONE_NEWUSER)', 'clone(CLONE_NEWUSER)', 'setns(-1)']) {
      expect([call, unconfined.get(call)]).not.toEqual([call, 'EPERM']);
    }
    // clone3 says "not implemented" so that libc falls back to clone(), whose flags a filter can read
    expect([confined.get('clone3(NULL)'), unconfined.get('clone3(NULL)')]).toEqual(['ENOSYS', 'EINVAL']);
    // and ordinary calls are untouched
    for (const call of ['getpid', 'clone(SIGCHLD)', 'socket(AF_INET)', 'memfd_create', 'personality(query)']) expect(confined.get(call)).toBe('ok');
  });

  it('i386 calls (int 0x80: the 32-bit bypass of a filter that knows only x86_64 numbers) get the same answers: allowed ones work, keyctl/unshare/mount… EPERM', (ctx) => {
    const onHost = parseProbe(spawnSync(PROBE, ['int80'], { encoding: 'utf8' }).stdout);
    if (onHost.get('getpid') !== 'ok') {
      // e.g. this build host's kernel (no IA32 emulation at run time): the VM test (cgroups-v2-vm) runs it on a stock kernel
      console.log(`skipped: this kernel runs no i386 system calls (getpid through int 0x80: ${onHost.get('getpid')})`);
      ctx.skip();
    }
    const r = run(['-v', `${PROBE}:/probe:ro`], ['/probe', 'int80']);
    expect(r.stderr).toBe('');
    const confined = parseProbe(r.stdout);
    for (const call of ['getpid', 'personality(query)', 'socket(AF_INET)']) expect([call, confined.get(call)]).toEqual([call, 'ok']);
    for (const call of ['socket(AF_VSOCK)', 'keyctl(get session keyring)', 'add_key(NULL)', 'unshare(CLONE_NEWUSER)',
      'clone(CLONE_NEWUSER|SIGCHLD)', 'bpf(bad cmd)', 'userfaultfd', 'mount(NULL)']) {
      expect([call, confined.get(call)]).toEqual([call, 'EPERM']);
      expect([call, onHost.get(call)]).not.toEqual([call, 'EPERM']);
    }
  });

  it('--cap-add SYS_ADMIN opens mount/unshare; --privileged and seccomp=unconfined run without a filter', () => {
    const admin = probe(['--cap-add', 'SYS_ADMIN']);
    expect([admin.get('unshare(CLONE_NEWUSER)'), admin.get('mount(NULL)'), admin.get('clone3(NULL)')]).toEqual(['ok', 'EFAULT', 'EINVAL']);
    expect(status(['--privileged'])).toMatch(/^Seccomp:\t0$/m);
    expect(status(['--security-opt', 'seccomp=unconfined'])).toMatch(/^Seccomp:\t0$/m);
  });

  it('same answers as the Docker engine for every probed call (except where Docker 20.10\'s older profile differs)', () => {
    const info = spawnSync('docker', ['info', '--format', '{{.ServerVersion}}'], { encoding: 'utf8' });
    if (info.status !== 0) {
      console.log('skipped: no Docker engine answers (`docker info` failed): seccomp parity not checked');
      return;
    }
    const tag = `mr-seccomp-probe:${process.pid}`;
    const dir = mkdtempSync('/tmp/mr-test-probe-image-');
    try {
      copyFileSync(PROBE, join(dir, 'probe'));
      const imported = spawnSync('sh', ['-c', `tar -C ${dir} -c probe | docker import - ${tag}`], { encoding: 'utf8' });
      expect(imported.stderr).toBe('');
      for (const caps of [[], ['--cap-add', 'SYS_ADMIN', '--cap-add', 'SYS_PTRACE']]) {
        const d = spawnSync('docker', ['run', '--rm', '--network', 'none', ...caps, tag, '/probe'], { encoding: 'utf8' });
        expect(d.stderr).toBe('');
        const docker = parseProbe(d.stdout);
        const mini = probe(caps);
        expect([...mini.keys()]).toEqual([...docker.keys()]);
        // moby's profile after 20.10: io_uring and AF_VSOCK/AF_ALG sockets blocked; pkey_*,
        // name_to_handle_at and (kernel ≥ 4.8) process_vm_* allowed. mini-run follows the newer one.
        const NEWER_PROFILE = new Set(Object.keys(NEWER_MOBY_PROFILE)); // the table compare --probe explains them with
        const differ = [...mini.keys()].filter((k) => mini.get(k) !== docker.get(k));
        expect(differ.filter((k) => !NEWER_PROFILE.has(k)), `caps ${caps.join(' ')}`).toEqual([]);
        expect(mini.size - differ.length).toBeGreaterThanOrEqual(75);
      }
    } finally {
      spawnSync('docker', ['rmi', '-f', tag]);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('--security-opt seccomp=PROFILE.json (Docker\'s format)', () => {
  it('applies the profile: a call it denies fails with its errno, capability rules included', () => {
    const profile = join(scratch, 'no-mkdir.json');
    writeFileSync(profile, JSON.stringify({
      defaultAction: 'SCMP_ACT_ALLOW',
      syscalls: [
        { names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 13 },
        { names: ['chown', 'fchownat', 'lchown'], action: 'SCMP_ACT_ERRNO', excludes: { caps: ['CAP_SYS_ADMIN'] } },
      ],
    }));
    const r = run(['--security-opt', `seccomp=${profile}`], ['sh', '-c', 'mkdir /x; chown 1 /tmp; grep ^Seccomp: /proc/self/status']);
    expect(r.stderr).toBe("mkdir: can't create directory '/x': Permission denied\nchown: /tmp: Operation not permitted\n");
    expect(r.stdout).toBe('Seccomp:\t2\n');
    const admin = run(['--cap-add', 'SYS_ADMIN', '--security-opt', `seccomp=${profile}`], ['sh', '-c', 'chown 1 /tmp && echo chowned']);
    expect(admin.stdout).toBe('chowned\n');
  });

  it('a broken or missing profile: one clear line, exit 125, nothing created', () => {
    const bad = join(scratch, 'bad.json');
    writeFileSync(bad, JSON.stringify({ defaultAction: 'SCMP_ACT_MAYBE', syscalls: [] }));
    const before = readdirCount();
    const r = run(['--security-opt', `seccomp=${bad}`], ['true']);
    expect(r.status).toBe(125);
    expect(r.stderr).toMatch(new RegExp(`^mini-run: decoding seccomp profile \\(${bad}\\) failed: defaultAction: .+\\n$`));
    const missing = run(['--security-opt', 'seccomp=/nonexistent.json'], ['true']);
    expect([missing.status, missing.stderr]).toEqual([125, 'mini-run: opening seccomp profile (/nonexistent.json) failed: no such file or directory\n']);
    const unknown = run(['--security-opt', 'sandbox=yes'], ['true']);
    expect([unknown.status, unknown.stderr]).toEqual([125, 'mini-run: invalid --security-opt 2: "sandbox=yes"\n']);
    expect(readdirCount()).toBe(before);
  });
});

describe('exec and no-new-privileges', () => {
  it('an exec\'d process is under the container\'s filter; no-new-privileges stops a set-uid binary (privilege escalation)', () => {
    for (const nnp of [false, true]) {
      const name = `mr-seccomp-exec-${process.pid}-${nnp}`;
      const flags = nnp ? ['--security-opt', 'no-new-privileges'] : [];
      const started = mr(root, ['run', '-d', '--name', name, '--network', 'none', ...flags, '-v', `${PROBE}:/probe:ro`, IMG, 'sleep', '60']);
      expect(started.stderr).toBe('');
      try {
        const s = mr(root, ['exec', name, 'grep', '-E', '^(Seccomp|NoNewPrivs):', '/proc/self/status']);
        expect(s.stdout).toBe(`NoNewPrivs:\t${nnp ? 1 : 0}\nSeccomp:\t2\n`);
        expect(mr(root, ['exec', name, 'sh', '-c', 'cp /probe /tmp/suid && chmod 4755 /tmp/suid']).status).toBe(0);
        const euid = mr(root, ['exec', '-u', '65534', name, '/tmp/suid', 'euid']);
        expect([euid.stderr, euid.stdout]).toEqual(['', nnp ? '65534\n' : '0\n']);
      } finally {
        mr(root, ['rm', '-f', name]);
      }
    }
  });
});

function readdirCount(): number {
  return existsSync(join(root, 'containers')) ? readdirSync(join(root, 'containers')).length : 0;
}

describe('the compiled filter cache and system prune', () => {
  it('system prune removes <root>/runtime/.seccomp (counted in the total); the next run compiles again and is confined', () => {
    const cache = join(root, 'runtime', '.seccomp');
    const traced = () => mr(root, ['--trace', 'run', '--rm', '--network', 'none', IMG, 'grep', '^Seccomp:', '/proc/self/status']);
    traced(); // whatever was there, now an entry for this build
    const before = traced();
    expect(before.stdout).toBe('Seccomp:\t2\n');
    expect(before.stderr).toMatch(/seccomp profile: \d+ BPF instructions, compiled before/);
    expect(readdirSync(cache).length).toBeGreaterThan(0);
    const pruned = mr(root, ['system', 'prune', '-f']);
    expect(pruned.status).toBe(0);
    expect(pruned.stdout).toMatch(/^Total reclaimed space: (?!0B)\d+(\.\d+)?[kMG]?B$/m); // the entry (~17 kB) at least
    expect(existsSync(cache)).toBe(false);
    const after = traced();
    expect(after.stdout).toBe('Seccomp:\t2\n');
    expect(after.stderr).toMatch(/seccomp profile compiled to \d+ BPF instructions \(by the runtime/);
    expect(after.stderr).not.toMatch(/compiled before/);
    expect(readdirSync(cache).length).toBe(1);
  });
});
