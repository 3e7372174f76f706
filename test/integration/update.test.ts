/**
 * `mini-run update` and the block I/O flags of `run`, typed as a user would, checked where the
 * kernel reads the limits (the container's cgroup files on this host, v1 or v2), in `inspect`
 * and in what the next start applies. Failure paths: one line, Docker's exit code, nothing
 * changed. (The driver-level update and the v2 formats: cgroups-host / cgroups-v2-vm.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CGROUP_PARENT, containerIds, mr, removeAllContainers, removeRoot, tempRoot } from '../helpers/cli';

const IMG = 'mini-run/busybox';
const usable = process.getuid?.() === 0 && existsSync('/bin/busybox');
if (!usable) console.log('update: skipped (needs root and /bin/busybox)');
const V2 = existsSync('/sys/fs/cgroup/cgroup.controllers');
// sh as PID 1 ignores SIGTERM unless it traps it: stop is then quick.
const IDLE = ['sh', '-c', 'trap "exit 0" TERM; while :; do sleep 1; done'];

let root: string;
const cli = (...args: string[]) => mr(root, args);
const idOf = (name: string) => cli('inspect', '-f', '{{.Id}}', name).stdout.trim();

/** A cgroup file of the container as the kernel shows it (v1: under its controller's hierarchy). */
function cgroupFile(name: string, controller: string, file: string): string {
  const dir = V2 ? join('/sys/fs/cgroup', CGROUP_PARENT, `mr-${idOf(name)}`) : join('/sys/fs/cgroup', controller, CGROUP_PARENT, `mr-${idOf(name)}`);
  return readFileSync(join(dir, file), 'utf8').trim();
}
const memoryLimit = (n: string) => cgroupFile(n, 'memory', V2 ? 'memory.max' : 'memory.limit_in_bytes');
const pidsMax = (n: string) => cgroupFile(n, 'pids', 'pids.max');
const hostConfig = (n: string) => JSON.parse(cli('inspect', '-f', '{{json .HostConfig}}', n).stdout);

/** The MAJ:MIN of the disk a directory's filesystem is on (the throttle applies to that disk only). */
function mountSourceDev(dir: string): string {
  const st = statSync(dir);
  return `${Math.floor(st.dev / 256) & 0xfff}:${(st.dev & 0xff) | ((st.dev >> 12) & 0xfff00)}`;
}

/** A whole disk of this machine with its device node (block I/O limits name one). */
function disk(): { path: string; dev: string } | null {
  for (const d of readdirSync('/sys/block').sort((a, b) => Number(/^(loop|ram|zram)/.test(a)) - Number(/^(loop|ram|zram)/.test(b)))) {
    if (existsSync(`/dev/${d}`)) return { path: `/dev/${d}`, dev: readFileSync(`/sys/block/${d}/dev`, 'utf8').trim() };
  }
  return null;
}

describe.skipIf(!usable)('update and block I/O limits', () => {
  beforeAll(() => { root = tempRoot('update'); });
  afterAll(() => {
    const leaks = removeAllContainers(root);
    removeRoot(root);
    expect(leaks).toEqual([]);
  });

  it('changes memory, CPUs, shares, pids and the restart policy of a running container: cgroup, inspect, and the next start', () => {
    expect(cli('run', '-d', '--name', 'u1', '--network', 'none', IMG, ...IDLE).status).toBe(0);
    // Docker's rule: a memory limit above the memory+swap already set (none = 0) needs --memory-swap too.
    const alone = cli('update', '--memory', '64m', 'u1');
    expect(alone.status).toBe(1);
    expect(alone.stderr.trim()).toMatch(/Cannot update container [0-9a-f]{64}: Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time$/);
    const r = cli('update', '--memory', '64m', '--memory-swap', '128m', '--cpus', '0.5', '--cpu-shares', '512', '--pids-limit', '50', '--restart', 'on-failure:3', 'u1');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('u1\n');
    expect(memoryLimit('u1')).toBe(String(64 << 20));
    expect(pidsMax('u1')).toBe('50');
    expect(cgroupFile('u1', 'cpu', V2 ? 'cpu.max' : 'cpu.cfs_quota_us')).toBe(V2 ? '50000 100000' : '50000');
    expect(hostConfig('u1')).toMatchObject({ Memory: 64 << 20, MemorySwap: 128 << 20, NanoCpus: 500000000, CpuShares: 512, PidsLimit: 50, RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 3 } });
    // Unlimited pids, shown as 0 like Docker; the memory limit raised within the swap limit.
    expect(cli('update', '--pids-limit', '-1', '--memory', '100m', 'u1').status).toBe(0);
    expect(pidsMax('u1')).toBe('max');
    expect(hostConfig('u1')).toMatchObject({ PidsLimit: 0, Memory: 100 << 20 });
    // A new life: the limits come from the bundle, which update rewrote.
    expect(cli('stop', 'u1').status).toBe(0);
    expect(cli('start', 'u1').status).toBe(0);
    expect(memoryLimit('u1')).toBe(String(100 << 20));
    expect(pidsMax('u1')).toBe('max');
  });

  it('a memory limit below what the container holds is refused in one line (exit 1) and nothing changes', async () => {
    // dd holds a 30 MiB buffer (blocked writing to a pipe nobody reads), without swap.
    expect(cli('run', '-d', '--name', 'm1', '--network', 'none', '--memory', '64m', '--memory-swap', '64m', IMG, 'sh', '-c', 'dd if=/dev/zero bs=30M count=1 | sleep 1000').status).toBe(0);
    const usage = () => Number(cgroupFile('m1', 'memory', V2 ? 'memory.current' : 'memory.usage_in_bytes'));
    for (let i = 0; i < 200 && usage() < 28 << 20; i++) await new Promise((ok) => setTimeout(ok, 50));
    expect(usage()).toBeGreaterThan(28 << 20);
    const spec = () => JSON.parse(readFileSync(join(root, 'containers', idOf('m1'), 'config.json'), 'utf8')).linux.resources.memory;
    const before = { cg: memoryLimit('m1'), hc: hostConfig('m1'), spec: spec() };
    const r = cli('update', '--memory', '8m', '--memory-swap', '100m', 'm1');
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/Cannot update container [0-9a-f]{64}: memory limit 8388608 is below what the container uses now .*nothing was changed/);
    expect({ cg: memoryLimit('m1'), hc: hostConfig('m1'), spec: spec() }).toEqual(before);
    if (!V2) expect(cgroupFile('m1', 'memory', 'memory.memsw.limit_in_bytes')).toBe(String(64 << 20)); // raised first, put back
    expect(cli('inspect', '-f', '{{.State.Status}}', 'm1').stdout.trim()).toBe('running');
    expect(cli('rm', '-f', 'm1').status).toBe(0);
  });

  it('updates a container that is not running (the record and its bundle), refuses a restart policy with --rm, and says what is wrong in Docker\'s words', () => {
    expect(cli('create', '--name', 'c1', '--rm', '--network', 'none', IMG, ...IDLE).status).toBe(0);
    const rm = cli('update', '--restart', 'always', 'c1');
    expect(rm.status).toBe(1);
    expect(rm.stderr).toMatch(/Restart policy cannot be updated because AutoRemove is enabled for the container/);
    // (the runtime's init is a node process that joins the cgroup before exec: limits below ~48m kill it)
    expect(cli('update', '--pids-limit', '30', '--memory', '80m', '--memory-swap', '160m', 'c1').stdout).toBe('c1\n');
    expect(cli('start', 'c1').status).toBe(0);
    expect(pidsMax('c1')).toBe('30');
    expect(memoryLimit('c1')).toBe(String(80 << 20));
    expect(cli('stop', 'c1').status).toBe(0); // --rm: its supervisor removes it

    const cases: Array<[string[], number, RegExp]> = [
      [['update', '--cpus', '1', 'nope'], 1, /No such container: nope/],
      [['update', 'u1'], 1, /you must provide one or more flags when using this command/],
      [['update', '--bogus=1', 'u1'], 125, /unknown flag: --bogus/],
      [['update', '--memory', '10x', 'u1'], 125, /invalid argument "10x" for "-m, --memory" flag/],
      [['update', '--memory', '2m', 'u1'], 1, /Minimum memory limit allowed is 6MB/],
      [['update', '--cpus', '99', 'u1'], 1, /Range of CPUs is from 0\.01 to \d+\.00, as there are only \d+ CPUs available/],
      [['update', '--restart', 'bogus', 'u1'], 125, /invalid restart policy format: unknown policy 'bogus'/],
    ];
    const hc = hostConfig('u1');
    for (const [args, code, msg] of cases) {
      const r = cli(...args);
      expect({ args, status: r.status }).toEqual({ args, status: code });
      expect(r.stderr).toMatch(msg);
    }
    expect(hostConfig('u1')).toEqual(hc);
  });

  it('--device-write-bps / --device-read-iops limit a disk (shown in inspect); what the kernel lacks is dropped with Docker\'s warning; bad devices refused (125), nothing created', () => {
    const d = disk();
    if (!d) return void console.log('update: no block device on this machine, block I/O case not run');
    const r = cli('run', '-d', '--name', 'b1', '--network', 'none', '--device-write-bps', `${d.path}:1mb`, '--device-read-iops', `${d.path}:100`, IMG, ...IDLE);
    expect(r.status).toBe(0);
    expect(hostConfig('b1')).toMatchObject({ BlkioDeviceWriteBps: [{ Path: d.path, Rate: 1048576 }], BlkioDeviceReadIOps: [{ Path: d.path, Rate: 100 }], BlkioDeviceReadBps: [], BlkioWeight: 0 });
    const spec = JSON.parse(readFileSync(join(root, 'containers', idOf('b1'), 'config.json'), 'utf8')).linux.resources.blockIO;
    const [major, minor] = d.dev.split(':').map(Number);
    expect(spec).toEqual({ throttleWriteBpsDevice: [{ major, minor, rate: 1048576 }], throttleReadIOPSDevice: [{ major, minor, rate: 100 }] });
    // In the running container's cgroup, as the kernel shows it.
    if (V2) expect(cgroupFile('b1', 'io', 'io.max')).toBe(`${d.dev} rbps=max wbps=1048576 riops=100 wiops=max`);
    else {
      expect(cgroupFile('b1', 'blkio', 'blkio.throttle.write_bps_device')).toBe(`${d.dev} 1048576`);
      expect(cgroupFile('b1', 'blkio', 'blkio.throttle.read_iops_device')).toBe(`${d.dev} 100`);
    }
    expect(cli('rm', '-f', 'b1').status).toBe(0);
    // Enforced: 3 MiB written with O_DIRECT (no page cache to hide in) at 1 MiB/s takes about 3 s.
    if (!V2) {
      const timed = cli('run', '--rm', '--network', 'none', '--device-write-bps', `${d.path}:1mb`, IMG, 'sh', '-c',
        'a=$(cut -d" " -f1 /proc/uptime); dd if=/dev/zero of=/f bs=1M count=3 oflag=direct 2>/dev/null; b=$(cut -d" " -f1 /proc/uptime); echo $a $b');
      const [a, b] = timed.stdout.trim().split(' ').map(Number);
      if (Number.isFinite(b - a) && mountSourceDev('/tmp') === d.dev) expect(b - a).toBeGreaterThan(1.5);
    }

    const weight = cli('run', '--rm', '--network', 'none', '--blkio-weight', '300', IMG, 'true');
    expect(weight.status).toBe(0);
    const v1Weight = ['blkio.weight', 'blkio.bfq.weight'].some((f) => existsSync(join('/sys/fs/cgroup/blkio', f)));
    if (!V2 && !v1Weight) expect(weight.stderr).toContain('WARNING: Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded.');

    const before = containerIds(root).length;
    const bad: Array<[string[], RegExp]> = [
      [['--device-write-bps', '/dev/mr-nope:1mb'], /^mini-run: stat \/dev\/mr-nope: no such file or directory$/],
      [['--device-write-bps', '/dev/null:1mb'], /\/dev\/null is not a block device/],
      [['--device-write-bps', 'vda:1mb'], /bad format for device path: vda:1mb/],
      [['--device-read-iops', `${d.path}:1mb`], /invalid rate for device/],
      [['--blkio-weight', '5'], /Range of blkio weight is from 10 to 1000/],
    ];
    for (const [flags, msg] of bad) {
      const b = cli('run', '--rm', '--network', 'none', ...flags, IMG, 'true');
      expect({ flags, status: b.status }).toEqual({ flags, status: 125 });
      expect(b.stderr.trim()).toMatch(msg);
    }
    expect(containerIds(root).length).toBe(before);
  });
});
