/**
 * Rootless limits where the host delegates a cgroup v2 subtree to the user (issue 18): these build
 * machines are cgroup v1 hybrid (there the refusal is tested: rootless.test.ts), so this runs
 * rootless-cgroup-vm.sh inside one boot of the throw-away cgroup-v2 VM
 * (../shared/tools/run-in-vm.sh): a user of its own with a subuid range, a group delegated to it
 * as systemd delegates user@UID.service, and `mini-run run --memory --pids-limit --cpus` as that
 * user without sudo. Slow (TCG, no KVM): one boot, two runs.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

const REPO = resolve(__dirname, '../..');
const RUN_IN_VM = process.env.RUN_IN_VM ?? resolve(REPO, '../shared/tools/run-in-vm.sh');
const TIMEOUT_S = 600;

const haveTool = existsSync(RUN_IN_VM) && process.getuid?.() === 0 && existsSync('/usr/bin/newuidmap');
if (!haveTool) console.log(`rootless-cgroups-v2-vm: skipped (needs root, newuidmap and ${RUN_IN_VM})`);

describe.skipIf(!haveTool)('rootless limits in a delegated cgroup v2 subtree (qemu VM, one boot)', () => {
  let status: number | null = null;
  let stdout = '';
  let stderr = '';
  const got = new Map<string, string>();

  beforeAll(async () => {
    await new Promise<void>((done) => {
      const child = spawn(RUN_IN_VM, ['echo vm-up; sh test/integration/rootless-cgroup-vm.sh'], {
        cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, RUN_IN_VM_TIMEOUT: String(TIMEOUT_S) },
      });
      child.stdout.on('data', (d) => { stdout += d; });
      child.stderr.on('data', (d) => { stderr += d; });
      child.on('close', (s) => { status = s; done(); });
    });
    for (const line of stdout.split('\n')) {
      const eq = line.indexOf('=');
      if (eq > 0) got.set(line.slice(0, eq), line.slice(eq + 1));
    }
    console.log(`rootless-cgroups-v2-vm: exit ${status}\n${stdout}`);
  }, (TIMEOUT_S + 60) * 1000);

  it('a user without sudo runs a container with --memory, --pids-limit and --cpus: the limits hold in its group', (ctx) => {
    if (status === 125) ctx.skip(`run-in-vm.sh could not start the VM: ${stderr.trim().split('\n').slice(-3).join(' | ')}`);
    expect(status, stderr.slice(-2000)).toBe(0);
    expect(got.get('limited-err'), stdout).toBe('');
    expect(got.get('limited-rc')).toBe('0');
    expect(got.get('uid')).toBe('0');
    expect(got.get('memory.max')).toBe(String(32 << 20));
    expect(got.get('pids.max')).toBe('20');
    expect(got.get('cpu.max')).toBe('50000 100000');
    // its group (TOP/mini-run/mr-<id>) and the mini-run parent went with it; the user's own group stays
    expect(got.get('left')).toBe('./session ');
    expect(got.get('containers')).toBe('0');
  });

  it('where the caller\'s cgroup is not delegated: one line, exit 125', (ctx) => {
    if (status === 125) ctx.skip('no VM');
    expect(got.get('refused-rc')).toBe('125');
    expect(got.get('refused-err')).toBe('mini-run: limits need a delegated cgroup: your cgroup /mr-rootowned is not delegated to you; start mini-run inside a delegated cgroup (on systemd: systemd-run --user --scope mini-run …), or run with sudo|');
  });
});
