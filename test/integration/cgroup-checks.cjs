#!/usr/bin/env node
/**
 * Real-kernel checks of the cgroup drivers (dist/runtime/cgroups), shared by
 *   test/integration/cgroups-host.test.ts   (this host: cgroup v1 hybrid; requires this file)
 *   test/integration/cgroups-v2-vm.test.ts  (a cgroup-v2 VM: `node cgroup-checks.cjs` prints
 *                                            one JSON line per check, all in ONE boot)
 * Each check creates its own mr-* cgroup, puts a busybox child in it, measures, destroys it
 * and returns plain numbers; the tests decide what is acceptable. Busybox is static and small,
 * so its page cache barely counts against the memory limit.
 *
 * The child always starts with `read x`: it waits on stdin until it has been moved into the
 * cgroup (addProcess), so everything it does afterwards is limited from the first byte.
 */
'use strict';
const { spawn } = require('node:child_process');
const { existsSync, readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const cgroups = require(join(__dirname, '../../dist/runtime/cgroups/index.js'));
const BUSYBOX = process.env.BUSYBOX || '/bin/busybox';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** A deadline for Promise.race that does not keep node alive once the race is won. */
const giveUpAfter = (ms, value) => new Promise((r) => setTimeout(r, ms, value).unref());

/** A unique container id per check (pid + name), so parallel runs never collide. */
const idFor = (name) => `chk${process.pid}-${name}`;

/** Start `busybox sh -c 'read x; SCRIPT'` held at the `read`, in cgroup `cg`, then release it. */
function startIn(cg, script) {
  const child = spawn(BUSYBOX, ['sh', '-c', `read x; ${script}`], { stdio: ['pipe', 'pipe', 'pipe'] });
  const out = { stdout: '', stderr: '' };
  child.stdout.on('data', (d) => (out.stdout += d));
  child.stderr.on('data', (d) => (out.stderr += d));
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  cg.addProcess(child.pid);
  child.stdin.end('go\n');
  return { child, out, exited };
}

/** A pid counts as gone when /proc has no entry or it is a zombie (dead, waiting to be reaped). */
function alive(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

function leftovers(cg) {
  return cg.paths.filter((p) => existsSync(p));
}

/** The limit files as the kernel shows them after create(). */
async function limits() {
  const cg = cgroups.openCgroup(idFor('limits'), { onWarning: () => {} });
  cg.create({ memory: { limit: 64 << 20, swap: 96 << 20 }, pids: { limit: 20 }, cpu: { ...cgroups.cpusToQuota(0.5), shares: 512 } });
  const read = (p, f) => (existsSync(join(p, f)) ? readFileSync(join(p, f), 'utf8').trim() : null);
  const files = {};
  const names = cg.version === 2
    ? ['memory.max', 'memory.swap.max', 'cpu.max', 'cpu.weight', 'pids.max', 'cgroup.controllers']
    : ['memory.limit_in_bytes', 'memory.memsw.limit_in_bytes', 'cpu.cfs_quota_us', 'cpu.cfs_period_us', 'cpu.shares', 'pids.max', 'cpuset.cpus', 'cpuset.mems'];
  for (const n of names) for (const p of cg.paths) { const v = read(p, n); if (v !== null) files[n] = v; }
  const paths = cg.paths;
  cg.destroy();
  return { check: 'limits', version: cg.version, paths, files, warnings: cg.warnings, left: leftovers(cg) };
}

/** A shell doubling a string until it is past the memory limit: the OOM killer must SIGKILL it. */
async function oom(limitMiB = 64) {
  const cg = cgroups.openCgroup(idFor('oom'));
  // swap = limit: no swap at all, so the limit bites at once even on a host with swap.
  cg.create({ memory: { limit: limitMiB << 20, swap: limitMiB << 20 } });
  const t0 = Date.now();
  const { exited } = startIn(cg, 'x=a; while :; do x=$x$x; done');
  const timeout = giveUpAfter(120_000, { code: null, signal: 'TIMEOUT' });
  const r = await Promise.race([exited, timeout]);
  const ms = Date.now() - t0;
  const oomKilled = cg.oomKilled();
  cg.destroy();
  const exitCode = r.signal === 'SIGKILL' ? 137 : r.code;
  return { check: 'oom', limitMiB, signal: r.signal, exitCode, oomKilled, ms, left: leftovers(cg) };
}

/** Start 40 sleeping children with a pids limit of 20: fork must fail, the count stays ≤ 20. */
async function pidsLimit(limit = 20) {
  const cg = cgroups.openCgroup(idFor('pids'));
  cg.create({ pids: { limit } });
  const { out, exited } = startIn(cg, `i=0; while [ $i -lt 40 ]; do ${BUSYBOX} sleep 600 & i=$((i+1)); done; echo looped; wait`);
  // Wait until the loop is over (or the shell gave up) and the count is stable.
  const deadline = Date.now() + 90_000;
  let done = false;
  exited.then(() => (done = true));
  while (!done && !out.stdout.includes('looped') && Date.now() < deadline) await sleep(100);
  const inside = cg.pids().length;
  const current = cg.stats().pidsCurrent;
  const pids = cg.pids();
  cg.destroy();
  await Promise.race([exited, giveUpAfter(10_000)]);
  const survivors = pids.filter(alive);
  return {
    check: 'pids', limit, inside, pidsCurrent: current,
    cantFork: /can't fork|Resource temporarily unavailable/.test(out.stderr),
    stderr: out.stderr.split('\n').find((l) => l.trim()) ?? '',
    survivors, left: leftovers(cg),
  };
}

/** A busy loop under --cpus 0.5 for `seconds`: CPU time / wall time must be near 50%. */
async function cpu(seconds = 2, cpus = 0.5) {
  const cg = cgroups.openCgroup(idFor('cpu'));
  cg.create({ cpu: cgroups.cpusToQuota(cpus) });
  const { child } = startIn(cg, 'while :; do :; done');
  await sleep(300); // let it get going (and past the first, possibly partial, period)
  const u0 = cg.stats().cpuUsageUsec; const t0 = process.hrtime.bigint();
  await sleep(seconds * 1000);
  const u1 = cg.stats().cpuUsageUsec; const t1 = process.hrtime.bigint();
  const wallUsec = Number(t1 - t0) / 1000;
  const percent = Math.round(((u1 - u0) / wallUsec) * 1000) / 10;
  const pid = child.pid;
  cg.destroy(); // kills the still-running loop: part of what destroy() must do
  await sleep(100);
  return { check: 'cpu', cpus, seconds, percent, killedByDestroy: !alive(pid), left: leftovers(cg) };
}

/**
 * destroy() of two containers with live processes (a shell and two sleeping children each):
 * the processes die, the first destroy keeps the shared mini-run parent (the other container
 * still uses it), the second removes it.
 */
async function destroy() {
  const a = cgroups.openCgroup(idFor('destroy-a'));
  const b = cgroups.openCgroup(idFor('destroy-b'));
  a.create({ pids: { limit: 50 } });
  b.create({ pids: { limit: 50 } });
  const script = `${BUSYBOX} sleep 600 & ${BUSYBOX} sleep 600 & echo started; wait`;
  const ra = startIn(a, script);
  const rb = startIn(b, script);
  const deadline = Date.now() + 60_000;
  while ((a.pids().length < 3 || b.pids().length < 3) && Date.now() < deadline) await sleep(50);
  const pidsA = a.pids(); const pidsB = b.pids();
  const parents = a.paths.map((p) => join(p, '..'));
  a.destroy();
  const parentKept = parents.every((p) => existsSync(p));
  const bUntouched = pidsB.every(alive);
  b.destroy();
  await Promise.race([Promise.all([ra.exited, rb.exited]), giveUpAfter(10_000)]);
  await sleep(100);
  return {
    check: 'destroy', killed: pidsA.length + pidsB.length,
    survivors: [...pidsA, ...pidsB].filter(alive), parentKept, bUntouched,
    parentRemoved: parents.every((p) => !existsSync(p)),
    // Another mini-run on this host (a parallel test) legitimately keeps the parent alive.
    othersPresent: cgroups.listContainerCgroups().filter((id) => !id.startsWith(`chk${process.pid}-`)).length > 0,
    left: [...leftovers(a), ...leftovers(b)], listed: cgroups.listContainerCgroups().filter((id) => id.startsWith(`chk${process.pid}-`)),
  };
}

/**
 * cgroup v2's "no internal processes" rule, as on a systemd host: this script runs in a
 * non-root cgroup (RUN_IN_VM_CGROUP). That cgroup holds a process, so it cannot delegate
 * controllers to children (EBUSY) — yet container cgroups under /sys/fs/cgroup/mini-run,
 * which never holds processes, get memory and pids.
 */
async function noInternalProcesses() {
  const own = readFileSync('/proc/self/cgroup', 'utf8').split('\n').find((l) => l.startsWith('0::'))?.slice(3) ?? '';
  let directError = null;
  if (own !== '/' && own !== '') {
    try {
      writeFileSync(join('/sys/fs/cgroup', own, 'cgroup.subtree_control'), '+memory');
      directError = 'none';
    } catch (e) {
      directError = e.code;
    }
  }
  const cg = cgroups.openCgroup(idFor('nip'));
  if (cg.version !== 2) return { check: 'no-internal-processes', skipped: 'cgroup v1: the rule does not exist there' };
  let controllers, memoryMax;
  try {
    cg.create({ memory: { limit: 64 << 20 }, pids: { limit: 10 } });
    controllers = readFileSync(join(cg.paths[0], 'cgroup.controllers'), 'utf8').trim().split(/\s+/);
    memoryMax = readFileSync(join(cg.paths[0], 'memory.max'), 'utf8').trim();
  } finally {
    cg.destroy();
  }
  return { check: 'no-internal-processes', ownCgroup: own, directEnableError: directError, controllers, memoryMax, left: leftovers(cg) };
}

/**
 * The freezer (pause/unpause): a busy loop and a forking loop are frozen; their CPU time must
 * stop growing while frozen and grow again once thawed. Then the group is frozen again and
 * destroyed while frozen (what `rm -f` of a paused container does): everything must die.
 */
async function freeze(settleMs = 300) {
  const cg = cgroups.openCgroup(idFor('freeze'));
  cg.create({ pids: { limit: 50 } });
  // A busy loop plus a loop that keeps forking short-lived children (fork vs freezer race).
  const { child } = startIn(cg, `(while :; do ${BUSYBOX} true; done) & while :; do :; done`);
  await sleep(settleMs);
  const cpu = () => cg.stats().cpuUsageUsec;
  const t0 = process.hrtime.bigint();
  cg.freeze();
  const freezeMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const frozen = cg.frozen();
  const f0 = cpu();
  await sleep(settleMs);
  const f1 = cpu();
  const t1 = process.hrtime.bigint();
  cg.thaw();
  const thawMs = Number(process.hrtime.bigint() - t1) / 1e6;
  const thawedState = cg.frozen();
  const r0 = cpu();
  await sleep(settleMs);
  const r1 = cpu();
  cg.freeze();
  const pids = cg.pids();
  cg.destroy(); // destroying a FROZEN group must still kill everything
  await sleep(100);
  return {
    check: 'freeze', freezeMs: Math.round(freezeMs * 10) / 10, thawMs: Math.round(thawMs * 10) / 10, frozen, thawedState,
    frozenCpuUsec: f1 - f0, runningCpuUsec: r1 - r0, windowMs: settleMs,
    survivors: pids.filter(alive), killedByDestroy: !alive(child.pid), left: leftovers(cg),
  };
}

/**
 * stats(): a shell that holds an 8 MiB string, writes and reads 4 MiB with O_DIRECT, under a 64 MiB limit.
 * Also times stats() itself (it is what `mini-run stats` calls every second).
 */
async function stats() {
  const cg = cgroups.openCgroup(idFor('stats'));
  cg.create({ memory: { limit: 64 << 20 }, pids: { limit: 50 } });
  const file = `/tmp/mr-chk${process.pid}-stats`;
  const { out, exited } = startIn(cg,
    `x=a; i=0; while [ $i -lt 23 ]; do x=$x$x; i=$((i+1)); done; ` +
    // O_DIRECT I/O goes straight to the block device, charged to this group on v1 and v2.
    `${BUSYBOX} dd if=/dev/zero of=${file} bs=1M count=4 oflag=direct 2>/dev/null; ` +
    `${BUSYBOX} dd if=${file} of=/dev/null bs=1M iflag=direct 2>/dev/null; echo ready; ${BUSYBOX} sleep 600; echo $x`);
  const deadline = Date.now() + 60_000;
  while (!out.stdout.includes('ready') && Date.now() < deadline) await sleep(50);
  await sleep(100);
  const s = cg.stats();
  const n = 200;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) cg.stats();
  const statsUsec = Math.round(Number(process.hrtime.bigint() - t0) / 1000 / n);
  cg.destroy();
  await Promise.race([exited, giveUpAfter(10_000)]);
  try { require('node:fs').unlinkSync(file); } catch { /* not written */ }
  return { check: 'stats', version: cg.version, ...s, statsUsec, left: leftovers(cg) };
}

/**
 * The same limits end to end through the CLI: `mini-run run --rm --memory 32m …` must exit 137,
 * `--pids-limit 10` must make fork fail, and nothing (mr-* cgroup) may stay behind.
 */
async function cli() {
  const { spawnSync } = require('node:child_process');
  const bin = join(__dirname, '../../bin/mini-run');
  const root = cliRoot();
  const run = (args) => {
    const t0 = Date.now();
    const r = spawnSync(process.execPath, [bin, '--root', root, 'run', '--rm', '--network', 'none', ...args], { encoding: 'utf8', timeout: 300_000 });
    return { status: r.status, stderr: (r.stderr || '').trim().split('\n').slice(-2).join(' | '), ms: Date.now() - t0 };
  };
  try {
    const before = new Set(cgroups.listContainerCgroups());
    const memory = run(['--memory', '32m', 'mini-run/busybox', 'sh', '-c', 'x=a; while :; do x=$x$x; done']);
    const pids = run(['--pids-limit', '10', 'mini-run/busybox', 'sh', '-c', 'for i in $(seq 20); do sleep 1 & done; wait']);
    const left = cgroups.listContainerCgroups().filter((id) => !before.has(id) && !id.startsWith('chk'));
    return { check: 'cli', memory, pids, pidsCantFork: /can't fork/.test(pids.stderr), left };
  } finally {
    if (require.main !== module) removeCliRoot(); // the host test calls this check alone
  }
}

/**
 * The device cgroup on v2 is a BPF program attached to the container's cgroup: container root
 * makes device nodes in a bind-mounted directory (mknod is allowed, as in Docker): a block
 * node, and /dev/kmsg's (c 1:11, the kernel log) which it then tries to open for writing —
 * refused; with --privileged (every device allowed) the same open works, so the refusal is
 * the program's doing. Class: raw host device access. (Nothing is written to the log.)
 */
async function devices() {
  const { spawnSync } = require('node:child_process');
  const { mkdtempSync, rmSync } = require('node:fs');
  const bin = join(__dirname, '../../bin/mini-run');
  const root = cliRoot();
  const shared = mkdtempSync('/tmp/mr-test-cgdev-vol-');
  const script = 'mknod /v/disk b 7 0 && mknod /v/kmsg c 1 11 && echo made; exec 3>/v/kmsg && echo opened';
  const run = (flags) => {
    const r = spawnSync(process.execPath, [bin, '--root', root, 'run', '--rm', '--network', 'none', ...flags, '-v', `${shared}:/v`, 'mini-run/busybox', 'sh', '-c', `rm -f /v/disk /v/kmsg; ${script}`], { encoding: 'utf8', timeout: 300_000 });
    return { status: r.status, stdout: (r.stdout || '').trim(), stderr: (r.stderr || '').trim() };
  };
  try {
    const before = new Set(cgroups.listContainerCgroups());
    const confined = run([]);
    const privileged = run(['--privileged']);
    const left = cgroups.listContainerCgroups().filter((id) => !before.has(id) && !id.startsWith('chk'));
    return { check: 'devices', confined, privileged, left };
  } finally {
    rmSync(shared, { recursive: true, force: true });
  }
}

/**
 * seccomp for i386 calls (the VM's stock kernel has IA32 emulation; the build hosts' does not):
 * the probe makes calls through `int $0x80` with i386 numbers — the classic way around a
 * filter that knows only x86_64's numbers (keyctl is 288 there, 250 on x86_64). Run once
 * outside any container (the kernel's own answers) and once in a container under the default
 * profile: allowed calls work, denied ones get EPERM as Docker's profile (SCMP_ARCH_X86) says.
 */
async function seccompI386() {
  const { spawnSync } = require('node:child_process');
  const bin = join(__dirname, '../../bin/mini-run');
  const probeDir = join(__dirname, '../../native/build');
  const root = cliRoot();
  const lines = (out) => Object.fromEntries((out || '').trim().split('\n').filter(Boolean).map((l) => {
    const i = l.lastIndexOf(' ');
    return [l.slice(0, i), l.slice(i + 1)];
  }));
  const host = spawnSync(join(probeDir, 'syscall-probe'), ['int80'], { encoding: 'utf8', timeout: 60_000 });
  const r = spawnSync(process.execPath, [bin, '--root', root, 'run', '--rm', '--network', 'none', '-v', `${probeDir}:/probe:ro`,
    'mini-run/busybox', '/probe/syscall-probe', 'int80'], { encoding: 'utf8', timeout: 300_000 });
  return { check: 'seccompI386', host: lines(host.stdout), container: { status: r.status, calls: lines(r.stdout), stderr: (r.stderr || '').trim() } };
}

/**
 * `--storage-opt size` as a project quota (engine/layer-quota.ts). The build hosts' kernel has no
 * quota format for ext4 and an xfs without quota support; the VM's stock kernel has both. The
 * shared CLI state root's containers/ gets a loop-mounted filesystem with project quotas (the
 * image store stays where it is), one round per filesystem:
 *  - xfs mounted `pquota` (the issue's case): a 10 MiB-limited container and one without the
 *    option each write 20 MiB at the same time — the first stops at its limit, the other is
 *    unaffected;
 *  - ext4 made with `-O quota,project` and mounted `prjquota`: two limited containers get ids of
 *    their own.
 * rm gives the ids back; after each round nothing is left: no container dir, the mount unmounts
 * (not busy) and its loop device is detached. Runs after the other CLI checks (their containers
 * are gone).
 */
const QUOTA_FILESYSTEMS = {
  // (no /sbin/modprobe in the VM: busybox's resolves no dependencies, so they come first;
  // crc32c for ext4's metadata_csum and xfs's v5 format)
  xfs: { modules: ['loop', 'crc32c_generic', 'libcrc32c', 'xfs'], size: '300M', mkfs: ['mkfs.xfs', '-q'], option: 'pquota' },
  ext4: { modules: ['loop', 'crc32c_generic', 'ext4', 'quota_v2'], size: '64M', mkfs: ['mkfs.ext4', '-q', '-O', 'quota,project'], option: 'prjquota' },
};

async function storageQuotaOn(fsType, containerOpts) {
  const { execFileSync, spawnSync } = require('node:child_process');
  const fs = require('node:fs');
  const sys = require(join(__dirname, '../../dist/sys/index.js'));
  const bin = join(__dirname, '../../bin/mini-run');
  const root = cliRoot();
  const containers = join(root, 'containers');
  const image = join(root, '..', `mr-test-quota-${fsType}-${process.pid}.img`);
  const spec = QUOTA_FILESYSTEMS[fsType];
  const cli = (args) => spawnSync(process.execPath, [bin, '--root', root, ...args], { encoding: 'utf8', timeout: 300_000 });
  const dirFd = (path) => fs.openSync(path, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
  const quotaOf = (path, projectId) => { const fd = dirFd(path); try { return sys.getProjectQuota(fd, projectId); } finally { fs.closeSync(fd); } };
  const projectIdOf = (path) => { const fd = dirFd(path); try { return sys.getProjectId(fd); } finally { fs.closeSync(fd); } };
  /** The container's log once its script said `dd=N` (json-file lines, read where the engine writes them). */
  const ddOutput = async (id) => {
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline) {
      const dir = join(containers, id);
      const log = fs.existsSync(dir) ? fs.readdirSync(dir).find((f) => f.endsWith('-json.log')) : undefined;
      const text = log ? fs.readFileSync(join(dir, log), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l).log || '').join('') : '';
      if (/dd=\d+/.test(text)) return text.trim();
      await sleep(250);
    }
    return 'no dd= line within 120 s';
  };
  for (const m of spec.modules) spawnSync('busybox', ['modprobe', m]);
  fs.mkdirSync(containers, { recursive: true });
  if (fs.readdirSync(containers).length) throw new Error(`${containers} is not empty: ${fs.readdirSync(containers)}`);
  execFileSync('truncate', ['-s', spec.size, image]);
  execFileSync(spec.mkfs[0], [...spec.mkfs.slice(1), image]);
  execFileSync('mount', ['-o', `loop,${spec.option}`, image, containers]);
  let result;
  try {
    const mountOptions = execFileSync('findmnt', ['-n', '-o', 'FSTYPE,OPTIONS', containers], { encoding: 'utf8' }).trim();
    const script = 'dd if=/dev/zero of=/big bs=1M count=20 2>&1; echo dd=$?';
    const starts = containerOpts.map((opts) => cli(['run', '-d', '--network', 'none', ...opts, 'mini-run/busybox', 'sh', '-c', `${script}; sleep 600`]));
    const ids = starts.map((s) => s.stdout.trim());
    const written = [];
    for (const id of ids) {
      const output = await ddOutput(id);
      const upper = join(containers, id, 'upper');
      const projectId = projectIdOf(upper);
      const record = JSON.parse(fs.readFileSync(join(containers, id, 'container.json'), 'utf8')); // (read directly: every CLI call costs seconds in here)
      written.push({
        output, projectId, workProjectId: projectIdOf(join(containers, id, 'work')),
        quota: projectId ? quotaOf(upper, projectId) : null, bigBytes: fs.statSync(join(upper, 'big')).size,
        recordedStorageOpt: record.hostConfig.StorageOpt ?? null,
      });
    }
    const rm = cli(['rm', '-f', ...ids]);
    const afterRm = written.filter((w) => w.projectId).map((w) => quotaOf(containers, w.projectId));
    result = {
      check: fsType === 'xfs' ? 'storageQuotaXfs' : 'storageQuotaExt4', mountOptions, starts: starts.map((s) => s.status), startErrors: starts.map((s) => s.stderr.trim()),
      written, rm: { status: rm.status, stderr: rm.stderr.trim() }, afterRm,
      left: fs.readdirSync(containers).filter((f) => f !== 'lost+found'),
    };
  } finally {
    const leftIds = fs.readdirSync(containers).filter((f) => /^[0-9a-f]{64}$/.test(f));
    if (leftIds.length) cli(['rm', '-f', ...leftIds]);
    try {
      execFileSync('umount', [containers]); // fails (busy) if a mount was left under it: the check fails then
    } finally {
      // `mount -o loop` asked for an auto-clearing loop device: unmounted, it must be gone
      const loopDevices = execFileSync('losetup', ['-j', image], { encoding: 'utf8' }).trim();
      const mounted = readFileSync('/proc/self/mountinfo', 'utf8').includes(` ${containers} `);
      if (!mounted) fs.rmSync(image, { force: true });
      if (result) Object.assign(result, { loopDevices, mounted });
    }
  }
  return result;
}

const storageQuotaXfs = () => storageQuotaOn('xfs', [['--storage-opt', 'size=10M'], []]);
const storageQuotaExt4 = () => storageQuotaOn('ext4', [['--storage-opt', 'size=10M'], ['--storage-opt', 'size=10M']]);

let sharedCliRoot = null;
/**
 * One state root for the checks that start containers with the CLI (cli, devices, seccompI386, storageQuota*):
 * the built-in image is made once — minutes in the VM on a busy host. Removed after the last check.
 */
function cliRoot() {
  if (!sharedCliRoot) sharedCliRoot = require('node:fs').mkdtempSync('/tmp/mr-test-cgchk-'); // overlay upper dirs must be on a real fs
  return sharedCliRoot;
}
/** Never rm -rf through a mount a failed run may have left: the leak is the bug to report. */
function removeCliRoot() {
  if (sharedCliRoot && !readFileSync('/proc/self/mountinfo', 'utf8').includes(sharedCliRoot)) require('node:fs').rmSync(sharedCliRoot, { recursive: true, force: true });
  sharedCliRoot = null;
}

/**
 * update(): limits changed while a process runs (`mini-run update`). The child holds 30 MiB of
 * anonymous memory under 64 MiB without swap; a new limit of 8 MiB must be refused and leave
 * every value as it was (v1: the kernel cannot reclaim, EBUSY, after memsw was already raised —
 * the driver puts it back; v2: refused before the kernel would OOM-kill). Raising works and
 * the child lives on. Then a read throttle on the first block device there is.
 */
async function update() {
  const cg = cgroups.openCgroup(idFor('update'), { onWarning: () => {} });
  cg.create({ memory: { limit: 64 << 20, swap: 64 << 20 }, pids: { limit: 20 } });
  const { child } = startIn(cg, `${BUSYBOX} dd if=/dev/zero bs=30M count=1 | ${BUSYBOX} sleep 600`);
  const usage = () => cg.stats().memoryUsageBytes || 0;
  for (let i = 0; i < 400 && usage() < (28 << 20); i++) await sleep(50);
  const held = usage();
  const names = cg.version === 2 ? ['memory.max', 'memory.swap.max', 'pids.max', 'cpu.weight'] : ['memory.limit_in_bytes', 'memory.memsw.limit_in_bytes', 'pids.max', 'cpu.shares'];
  const files = () => {
    const out = {};
    for (const n of names) for (const p of cg.paths) if (existsSync(join(p, n))) out[n] = readFileSync(join(p, n), 'utf8').trim();
    return out;
  };
  const before = files();
  let refused = null;
  try { cg.update({ memory: { limit: 8 << 20, swap: 100 << 20 } }); } catch (e) { refused = String(e.message); }
  const afterRefusal = files();
  cg.update({ memory: { limit: 128 << 20, swap: 256 << 20 }, pids: { limit: 50 }, cpu: { shares: 512 } });
  const raised = files();
  const survived = alive(child.pid);
  // A block device of this machine (a whole disk: /sys/block lists only those).
  const { readdirSync } = require('node:fs');
  const disks = readdirSync('/sys/block').map((d) => ({ name: d, dev: readFileSync(`/sys/block/${d}/dev`, 'utf8').trim() }));
  const disk = disks.find((d) => !/^(loop|ram|zram)/.test(d.name)) || disks[0] || null;
  let io = null;
  if (disk) {
    const [major, minor] = disk.dev.split(':').map(Number);
    cg.update({ blockIO: { throttleReadBpsDevice: [{ major, minor, rate: 1048576 }] } });
    const file = cg.version === 2 ? 'io.max' : 'blkio.throttle.read_bps_device';
    for (const p of cg.paths) if (existsSync(join(p, file))) io = readFileSync(join(p, file), 'utf8').trim();
  }
  cg.destroy();
  return { check: 'update', version: cg.version, held, before, refused, afterRefusal, raised, survived, disk, io, left: leftovers(cg) };
}

/** Destroy whatever a failed check left behind (only this process's chk<pid>-* cgroups). */
function cleanup() {
  const mine = cgroups.listContainerCgroups().filter((id) => id.startsWith(`chk${process.pid}-`));
  for (const id of mine) cgroups.openCgroup(id).destroy();
  return mine;
}

const ALL = { limits, oom, pids: pidsLimit, cpu, destroy, freeze, stats, noInternalProcesses, cli, devices, seccompI386, update, storageQuotaXfs, storageQuotaExt4 };
module.exports = { ...ALL, cleanup };

if (require.main === module) {
  // `node cgroup-checks.cjs [name…]` — one JSON line per check; a failing check prints {error}.
  (async () => {
    const names = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(ALL);
    const cpuSeconds = Number(process.env.CHECK_CPU_SECONDS || 3);
    for (const name of names) {
      const t0 = Date.now();
      let r;
      try {
        r = name === 'cpu' ? await ALL.cpu(cpuSeconds) : await ALL[name]();
      } catch (e) {
        r = { check: name, error: String(e && e.message ? e.message : e), cleaned: cleanup() };
      }
      console.log(JSON.stringify({ ...r, elapsedMs: Date.now() - t0 }));
    }
    removeCliRoot();
  })();
}
