/** compare's pure parts: line alignment, the probe script and table, capability decoding, subnets. */
import { describe, expect, it } from 'vitest';
import { alignLines, fit, renderSideBySide, toLines } from '../../src/compare/side-by-side';
import { decodeCapabilities, evaluateProbes, probeRunFlags, probeScript, splitProbeOutput, PROBES, PROBE_MARKER, PROBE_RUN_FLAGS, type Probe } from '../../src/compare/probes';
import { probeSummary, renderProbeTable, wrap } from '../../src/compare/probe-table';
import { cidrsOverlap } from '../../src/compare/engines';

describe('side by side', () => {
  it('lines up equal lines around an extra one and a changed one', () => {
    const rows = alignLines(['a', 'b', 'x', 'c'], ['a', 'y', 'b', 'z', 'c', 'd']);
    expect(rows.map((r) => `${r.left}${r.mark}${r.right}`)).toEqual(['a a', '>y', 'b b', 'x|z', 'c c', '>d']);
  });

  it('marks a line only on the left with <', () => {
    expect(alignLines(['core', 'fd'], ['fd']).map((r) => r.mark)).toEqual(['<', ' ']);
  });

  it('fits lines to the column (cut with …) and renders two titled columns', () => {
    expect(fit('abcdef', 4)).toBe('abc…');
    expect(fit('ab', 4)).toBe('ab  ');
    const out = renderSideBySide(alignLines(['hi', 'one'], ['hi', 'two']), ['mini-run', 'podman'], 23);
    expect(out.split('\n')).toEqual(['mini-run     podman', '──────────   ──────────', 'hi           hi', 'one        | two', '']);
  });

  it('toLines: a final newline makes no empty line', () => {
    expect(toLines('')).toEqual([]);
    expect(toLines('a\nb\n')).toEqual(['a', 'b']);
  });
});

describe('probes', () => {
  it('decodes CapEff into names: 14 for docker/mini-run, 11 for podman', () => {
    const docker = decodeCapabilities('00000000a80425fb');
    expect(docker).toHaveLength(14);
    expect(docker).toEqual(expect.arrayContaining(['CHOWN', 'NET_RAW', 'MKNOD', 'AUDIT_WRITE', 'SETFCAP']));
    const podman = decodeCapabilities('00000000800405fb');
    expect(podman).toHaveLength(11);
    expect(docker.filter((c) => !podman.includes(c))).toEqual(['AUDIT_WRITE', 'MKNOD', 'NET_RAW']);
  });

  it('one script runs every probe after a marker; its output splits back per probe', () => {
    const script = probeScript();
    expect(script.split('\n')).toHaveLength(PROBES.length);
    const out = splitProbeOutput(`${PROBE_MARKER} 0\nabc\n${PROBE_MARKER} 1\n1\n`);
    expect(out.slice(0, 3)).toEqual(['abc\n', '1\n', '']);
  });

  it('explains podman\'s capabilities and env, and leaves an unknown difference unexplained', () => {
    const idx = (n: string) => PROBES.findIndex((p) => p.name === n);
    const raw = (caps: string, env: string) => {
      const r = new Array<string>(PROBES.length).fill('');
      r[idx('capabilities')] = `CapEff:\t${caps}\n`;
      r[idx('env')] = env;
      return r;
    };
    const mini = raw('00000000a80425fb', 'HOSTNAME=abc\nPATH=/bin\n');
    const pod = raw('00000000800405fb', 'HOSTNAME=def\nPATH=/bin\ncontainer=podman\n');
    const byName = (rs: ReturnType<typeof evaluateProbes>) => Object.fromEntries(rs.map((r) => [r.name, r]));
    const withPodman = byName(evaluateProbes(mini, pod, { engine: 'podman', cgroupVersion: 1 }));
    expect(withPodman.capabilities.same).toBe(false);
    expect(withPodman.capabilities.reason).toMatch(/podman leaves out AUDIT_WRITE, MKNOD, NET_RAW/);
    expect(withPodman.env.reason).toMatch(/container=podman/);
    const withDocker = byName(evaluateProbes(mini, pod, { engine: 'docker', cgroupVersion: 1 }));
    expect(withDocker.capabilities.reason).toBeUndefined(); // docker should grant the same 14
    expect(probeSummary(Object.values(withDocker))).toMatch(/2 different \(0 explained, 2 unexplained\)/);
  });

  it('seccomp: the mode named from /proc/self/status; the same filter on both is the same row', () => {
    const idx = PROBES.findIndex((p) => p.name === 'seccomp');
    const r = new Array<string>(PROBES.length).fill('');
    r[idx] = 'NoNewPrivs:\t0\nSeccomp:\t2\n';
    const off = [...r]; off[idx] = 'NoNewPrivs:\t0\nSeccomp:\t0\n';
    const [same] = evaluateProbes(r, r, { engine: 'docker', cgroupVersion: 1 }).filter((x) => x.name === 'seccomp');
    expect([same.same, same.mini]).toEqual([true, ['NoNewPrivs: 0', 'Seccomp: 2 (filter)']]);
    const [diff] = evaluateProbes(r, off, { engine: 'docker', cgroupVersion: 1 }).filter((x) => x.name === 'seccomp');
    expect([diff.same, diff.other[1], diff.reason]).toEqual([false, 'Seccomp: 0 (off)', undefined]); // unexplained: exit 1
  });

  it('device cgroup: only the console rule missing in podman is explained; anything else, or against docker, is not', () => {
    const idx = PROBES.findIndex((p) => p.name === 'device cgroup');
    const withRules = (rules: string[]) => { const r = new Array<string>(PROBES.length).fill(''); r[idx] = rules.join('\n') + '\n'; return r; };
    const docker = ['c 1:3 rwm', 'c 5:0 rwm', 'c 5:1 rwm', 'b *:* m', 'c *:* m'];
    const podman = docker.filter((l) => l !== 'c 5:1 rwm');
    const pick = (mini: string[], other: string[], engine: 'docker' | 'podman') => evaluateProbes(withRules(mini), withRules(other), { engine, cgroupVersion: 1 }).find((x) => x.name === 'device cgroup')!;
    expect(pick(docker, [...docker].reverse(), 'docker').same).toBe(true); // order does not matter
    const explained = pick(docker, podman, 'podman');
    expect([explained.same, explained.reason]).toEqual([false, "mini-run, like the Docker engine, allows c 5:1 rwm (/dev/console) in every container; podman's default list leaves it out"]);
    expect(pick(docker, podman, 'docker').reason).toBeUndefined(); // Docker gives the console: a real difference
    expect(pick(docker, [...podman, 'c 10:229 rwm'], 'podman').reason).toBeUndefined(); // podman allowing more: unexplained
    expect(pick(podman, docker, 'podman').reason).toBeUndefined(); // mini-run lacking the console: unexplained
  });

  it('system calls: the probe binary bound into both; only the calls moby\'s profile changed after 20.10 are explained against docker, podman\'s own profile by kind', () => {
    expect(probeRunFlags('/nonexistent/syscall-probe')).toEqual(PROBE_RUN_FLAGS); // not built: the row says so
    expect(probeRunFlags(process.execPath).slice(-2)).toEqual(['-v', `${process.execPath}:/.mini-run-syscall-probe:ro`]);
    const idx = PROBES.findIndex((p) => p.name === 'system calls');
    const withCalls = (calls: Record<string, string>) => {
      const r = new Array<string>(PROBES.length).fill('');
      r[idx] = Object.entries(calls).map(([k, v]) => `${k} ${v}\n`).join('');
      return r;
    };
    const pick = (mini: Record<string, string>, other: Record<string, string>, engine: 'docker' | 'podman') =>
      evaluateProbes(withCalls(mini), withCalls(other), { engine, cgroupVersion: 1 }).find((x) => x.name === 'system calls')!;
    const base = { getpid: 'ok', 'keyctl(bad op)': 'EPERM', 'mount(NULL)': 'EPERM', 'io_uring_setup(NULL)': 'EPERM', 'pkey_alloc(bad)': 'EINVAL', 'futex_waitv(NULL)': 'EINVAL' };
    const same = pick(base, { ...base }, 'docker');
    expect([same.same, same.mini.slice(0, 3)]).toEqual([true, ['io_uring_setup(NULL) EPERM', 'keyctl(bad op) EPERM', 'mount(NULL) EPERM']]); // refused first
    // Docker 20.10: io_uring reaches the kernel, pkey_alloc is denied
    const older = pick(base, { ...base, 'io_uring_setup(NULL)': 'EFAULT', 'pkey_alloc(bad)': 'EPERM' }, 'docker');
    expect([older.same, older.reason]).toEqual([false, "4 of 6 calls answered the same; io_uring_setup(NULL): EPERM vs EFAULT, pkey_alloc(bad): EINVAL vs EPERM — where moby's default profile changed after this engine's version (Docker 20.10); mini-run follows the current one"]);
    // keyctl reaching the kernel in docker (or mini-run letting io_uring through) is a real difference
    expect(pick(base, { ...base, 'keyctl(bad op)': 'EOPNOTSUPP' }, 'docker').reason).toBeUndefined();
    expect(pick({ ...base, 'io_uring_setup(NULL)': 'EFAULT' }, base, 'docker').reason).toBeUndefined();
    expect(pick(base, { getpid: 'ok' }, 'docker').reason).toBeUndefined(); // not the same calls tried
    // podman 4.3's profile: ENOSYS for what it does not list, mount passed to the kernel, futex_waitv unknown to it
    const pod = pick(base, { ...base, 'keyctl(bad op)': 'ENOSYS', 'mount(NULL)': 'EFAULT', 'futex_waitv(NULL)': 'ENOSYS' }, 'podman');
    expect(pod.reason).toBe("podman uses its own seccomp profile (containers/common), not Docker's: 3 of 6 calls answered the same; 1 refused by both, ENOSYS in podman (keyctl(bad op)); 1 denied by Docker's profile (mini-run's) but passed to the kernel by podman's (mount(NULL)); 1 newer than podman's profile, ENOSYS there (futex_waitv(NULL))");
    expect(pick(base, { ...base, getpid: 'EPERM' }, 'podman').reason).toBeUndefined(); // podman stricter on an ordinary call: unexplained
  });

  it('a probe is data: a new entry shows up in the table', () => {
    const extra: Probe = { name: 'kernel', command: 'uname -r', normalise: (s) => [s.trim()], explain: () => undefined };
    const [r] = evaluateProbes(['6.1\n'], ['6.1\n'], { engine: 'podman', cgroupVersion: 2 }, [extra]);
    const table = renderProbeTable([r], 'podman', 100);
    expect(table).toMatch(/^kernel +│ 6\.1 +│ 6\.1 +│ same$/m);
  });

  it('wraps long cells at spaces', () => {
    expect(wrap('one two three', 7)).toEqual(['one two', 'three']);
    expect(wrap('abcdefghij', 4)).toEqual(['abcd', 'efgh', 'ij']);
  });
});

describe('subnets', () => {
  it('podman\'s default 10.88.0.0/16 overlaps mini-run\'s bridge; 10.87.0.0/24 does not', () => {
    expect(cidrsOverlap('10.88.0.0/16', '10.88.0.1/16')).toBe(true);
    expect(cidrsOverlap('10.87.0.0/24', '10.88.0.0/16')).toBe(false);
    expect(cidrsOverlap('10.89.3.0/24', '10.89.0.0/16')).toBe(true);
  });
});
