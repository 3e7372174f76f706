/**
 * The cgroup v2 driver on a REAL cgroup-v2 kernel: these build machines are cgroup v1 hybrid,
 * so the checks of cgroup-checks.cjs run inside one boot of a throw-away qemu VM
 * (../shared/tools/run-in-vm.sh: stock Debian kernel, cgroup2 only, root subtree_control =
 * cpu io memory pids). Without KVM everything in there is 20–30× slower, so it is one boot,
 * few and short checks, one JSON line each.
 *
 * The same boot also checks `--storage-opt size` on a filesystem with project quotas, which the
 * build hosts' kernel cannot mount (no quota format for ext4) and the VM's stock kernel can.
 *
 * The command runs in /user.slice/session-1.scope, like a login shell on a systemd host, so the
 * "no internal processes" rule is live: mini-run must still get memory and pids for containers.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

const REPO = resolve(__dirname, '../..');
const RUN_IN_VM = process.env.RUN_IN_VM ?? resolve(REPO, '../shared/tools/run-in-vm.sh');
const TIMEOUT_S = 600;

interface VmRun { status: number | null; stdout: string; stderr: string; bootMs: number | null; totalMs: number }

function runInVm(command: string): Promise<VmRun> {
  return new Promise((done) => {
    const t0 = Date.now();
    let bootMs: number | null = null;
    let stdout = '';
    let stderr = '';
    const child = spawn(RUN_IN_VM, [command], {
      cwd: REPO,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        RUN_IN_VM_TIMEOUT: String(TIMEOUT_S),
        RUN_IN_VM_CGROUP: '/user.slice/session-1.scope',
        CHECK_CPU_SECONDS: '3',
      },
    });
    child.stdout.on('data', (d) => {
      stdout += d;
      if (bootMs === null && stdout.includes('vm-up')) bootMs = Date.now() - t0;
    });
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (status) => done({ status, stdout, stderr, bootMs, totalMs: Date.now() - t0 }));
  });
}

const haveTool = existsSync(RUN_IN_VM) && process.getuid?.() === 0;
if (!haveTool) console.log(`cgroups-v2-vm: skipped (needs root and ${RUN_IN_VM})`);

describe.skipIf(!haveTool)('cgroup v2 driver on a real cgroup-v2 kernel (qemu VM, one boot)', () => {
  let vm: VmRun;
  let skipReason: string | null = null;
  const results = new Map<string, any>();

  beforeAll(async () => {
    vm = await runInVm('echo vm-up; node test/integration/cgroup-checks.cjs limits oom pids cpu destroy freeze stats noInternalProcesses cli devices seccompI386 update storageQuotaXfs storageQuotaExt4');
    if (vm.status === 125) {
      skipReason = `run-in-vm.sh could not start the VM (exit 125): ${vm.stderr.trim().split('\n').slice(-3).join(' | ')}`;
      console.log(`cgroups-v2-vm: skipped — ${skipReason}`);
      return;
    }
    for (const line of vm.stdout.split('\n')) {
      if (!line.startsWith('{')) continue;
      const r = JSON.parse(line);
      results.set(r.check, r);
    }
    console.log(`cgroups-v2-vm: VM up after ${vm.bootMs} ms, all checks done after ${vm.totalMs} ms (exit ${vm.status})`);
    for (const r of results.values()) console.log(`cgroups-v2-vm: ${JSON.stringify(r)}`);
  }, (TIMEOUT_S + 60) * 1000);

  const get = (name: string, ctx: { skip: (note?: string) => void }) => {
    if (skipReason) ctx.skip(skipReason);
    expect(vm.status, vm.stderr.slice(-2000)).toBe(0);
    const r = results.get(name);
    expect(r, `no result line for ${name}; stdout:\n${vm.stdout}\nstderr:\n${vm.stderr.slice(-2000)}`).toBeDefined();
    expect(r.error).toBeUndefined();
    return r;
  };

  it('writes memory.max, memory.swap.max, cpu.max, cpu.weight, pids.max', (ctx) => {
    const r = get('limits', ctx);
    expect(r.version).toBe(2);
    expect(r.paths).toEqual([expect.stringMatching(/^\/sys\/fs\/cgroup\/mini-run\/mr-chk\d+-limits$/)]);
    expect(r.files).toMatchObject({
      'memory.max': '67108864', 'memory.swap.max': String(32 << 20), 'cpu.max': '50000 100000', 'cpu.weight': '20', 'pids.max': '20',
    });
    expect(r.files['cgroup.controllers'].split(' ')).toEqual(expect.arrayContaining(['memory', 'pids', 'cpu']));
    expect(r.left).toEqual([]);
  });

  it('OOM-kills a program allocating past memory.max (exit 137), seen in memory.events oom_kill', (ctx) => {
    const r = get('oom', ctx);
    expect(r).toMatchObject({ signal: 'SIGKILL', exitCode: 137, oomKilled: true, left: [] });
  });

  it('stops a fork loop at pids.max', (ctx) => {
    const r = get('pids', ctx);
    expect(r.cantFork).toBe(true);
    expect(r.inside).toBeLessThanOrEqual(20);
    expect(r.survivors).toEqual([]);
    expect(r.left).toEqual([]);
  });

  it('holds a busy loop near 50% with cpu.max "50000 100000"', (ctx) => {
    const r = get('cpu', ctx);
    expect(r.percent).toBeGreaterThanOrEqual(35);
    expect(r.percent).toBeLessThanOrEqual(65);
    expect(r.killedByDestroy).toBe(true);
  });

  it('destroy() kills leftovers (cgroup.kill), keeps mini-run/ for the other container, then removes it', (ctx) => {
    const r = get('destroy', ctx);
    expect(r).toMatchObject({ killed: 6, survivors: [], parentKept: true, bUntouched: true, parentRemoved: true, othersPresent: false, left: [], listed: [] });
  });

  it('cgroup.freeze stops a busy, forking group (cgroup.events "frozen 1"); thaw resumes it; destroy kills it frozen', (ctx) => {
    const r = get('freeze', ctx);
    expect(r.frozen).toBe(true);
    expect(r.thawedState).toBe(false);
    expect(r.frozenCpuUsec).toBeLessThan(20_000);
    expect(r.runningCpuUsec).toBeGreaterThan(50_000);
    expect(r.killedByDestroy).toBe(true);
    expect(r.survivors).toEqual([]);
    expect(r.left).toEqual([]);
  });

  it('stats() reads memory.current, memory.max, cpu.stat, pids.current and io.stat', (ctx) => {
    const r = get('stats', ctx);
    expect(r.version).toBe(2);
    expect(r.memoryLimitBytes).toBe(64 << 20);
    expect(r.memoryUsageBytes).toBeGreaterThan(8 << 20);
    expect(r.cpuUsageUsec).toBeGreaterThan(0);
    expect(r.pidsCurrent).toBe(2);
    expect(r.blockReadBytes).toBeGreaterThanOrEqual(0);
    expect(r.blockWriteBytes).toBeGreaterThanOrEqual(0);
    expect(r.left).toEqual([]);
  });

  it('update(): memory.max below what the group holds refused, nothing changed; raised values and io.max written', (ctx) => {
    const r = get('update', ctx);
    expect([r.refused, r.afterRefusal, r.raised, r.survived]).toEqual([expect.stringMatching(/below what the container uses now/), r.before, { 'memory.max': String(128 << 20), 'memory.swap.max': String(128 << 20), 'pids.max': '50', 'cpu.weight': '20' }, true]);
    if (r.disk) expect(r.io).toContain(`${r.disk.dev} rbps=1048576 wbps=max riops=max wiops=max`);
  });

  it('no internal processes: the caller\'s own cgroup cannot delegate (EBUSY), mini-run/ still can', (ctx) => {
    const r = get('no-internal-processes', ctx);
    expect(r.ownCgroup).toBe('/user.slice/session-1.scope');
    expect(r.directEnableError).toBe('EBUSY');
    expect(r.controllers).toEqual(expect.arrayContaining(['memory', 'pids']));
    expect(r.memoryMax).toBe('67108864');
    expect(r.left).toEqual([]);
  });

  it('end to end: `mini-run run --rm --memory 32m` exits 137 and `--pids-limit 10` makes fork fail on cgroup v2', (ctx) => {
    const r = get('cli', ctx);
    expect(r.memory.status).toBe(137);
    expect(r.pidsCantFork).toBe(true);
    expect(r.left).toEqual([]);
  });

  it('device cgroup on v2 (raw host device access): a BPF_PROG_TYPE_CGROUP_DEVICE program lets root mknod device nodes but not open them; --privileged opens', (ctx) => {
    const r = get('devices', ctx);
    expect(r.confined.stdout).toBe('made');
    expect(r.confined.status).not.toBe(0);
    expect(r.confined.stderr).toMatch(/can't create \/v\/kmsg: Operation not permitted/);
    expect(r.privileged).toEqual({ status: 0, stdout: 'made\nopened', stderr: '' });
    expect(r.left).toEqual([]);
  });

  /** A container that wrote 20 MiB into a 10 MiB project quota: its dd stopped at the limit. */
  const expectStoppedAtLimit = (w: any, error: RegExp) => {
    expect(w.output).toMatch(new RegExp(`^dd: error writing '/big': ${error.source}\\n[\\s\\S]*\\ndd=1$`));
    expect(w.workProjectId).toBe(w.projectId); // overlayfs renames from work into upper: one id for both
    expect(w.projectId).toBeGreaterThan(0);
    expect(w.quota).toEqual({ limitBytes: 10 << 20, usedBytes: expect.any(Number) });
    expect(w.quota.usedBytes).toBeLessThanOrEqual(10 << 20);
    expect(w.bigBytes).toBeGreaterThan(8 << 20);
    expect(w.bigBytes).toBeLessThanOrEqual(10 << 20);
    expect(w.recordedStorageOpt).toEqual({ size: '10M' }); // inspect's HostConfig.StorageOpt
  };
  /** rm -f gave the ids back, and the round left nothing: no container dir, no mount, no loop device. */
  const expectNothingLeft = (r: any, limitedCount: number) => {
    expect(r.rm).toEqual({ status: 0, stderr: '' });
    expect(r.afterRm).toEqual(Array(limitedCount).fill({ limitBytes: 0, usedBytes: 0 }));
    expect(r.left).toEqual([]);
    expect(r.mounted).toBe(false);
    expect(r.loopDevices).toBe('');
  };

  it('--storage-opt size=10M on a loop xfs mounted with pquota: the container cannot write past 10 MiB (dd fails), one without the option writes 20 MiB beside it, rm gives the project id back, the loop device is detached', (ctx) => {
    const r = get('storageQuotaXfs', ctx);
    expect(r.mountOptions).toMatch(/^xfs\s.*\bprjquota\b/); // (xfs shows pquota as prjquota)
    expect(r.starts, r.startErrors.join(' | ')).toEqual([0, 0]);
    const [limited, free] = r.written;
    expectStoppedAtLimit(limited, /(Disk quota exceeded|No space left on device)/); // xfs answers a full project with ENOSPC
    expect(free.projectId).toBe(0);
    expect(free.output).toMatch(/^20\+0 records in\n20\+0 records out\n[\s\S]*dd=0$/);
    expect(free.bigBytes).toBe(20 << 20);
    expect(free.recordedStorageOpt).toBeNull();
    expectNothingLeft(r, 1);
  });

  it('--storage-opt size=10M on a loop ext4 with prjquota: two containers each stop at 10 MiB with "Disk quota exceeded", under project ids of their own; rm gives the ids back', (ctx) => {
    const r = get('storageQuotaExt4', ctx);
    expect(r.mountOptions).toMatch(/^ext4\s.*\bprjquota\b/);
    expect(r.starts, r.startErrors.join(' | ')).toEqual([0, 0]);
    for (const w of r.written) expectStoppedAtLimit(w, /Disk quota exceeded/);
    expect(r.written[1].projectId).not.toBe(r.written[0].projectId); // one id each, never shared
    expectNothingLeft(r, 2);
  });

  it('seccomp covers i386 calls (int 0x80, the 32-bit bypass of a 64-bit-only filter): allowed ones work, denied ones get EPERM as in Docker\'s profile', (ctx) => {
    const r = get('seccompI386', ctx);
    if (r.host.getpid !== 'ok') ctx.skip(`the VM kernel runs no i386 calls (getpid via int 0x80: ${r.host.getpid})`);
    expect(r.container.stderr).toBe('');
    expect(r.container.status).toBe(0);
    const allowed = ['getpid', 'personality(query)', 'socket(AF_INET)'];
    const denied = ['socket(AF_VSOCK)', 'keyctl(get session keyring)', 'add_key(NULL)', 'unshare(CLONE_NEWUSER)',
      'clone(CLONE_NEWUSER|SIGCHLD)', 'bpf(bad cmd)', 'userfaultfd', 'mount(NULL)'];
    for (const call of allowed) expect([call, r.container.calls[call]]).toEqual([call, 'ok']);
    for (const call of denied) {
      expect([call, r.container.calls[call]]).toEqual([call, 'EPERM']);
      expect([call, r.host[call]]).not.toEqual([call, 'EPERM']); // outside, the kernel itself answers
    }
  });
});
