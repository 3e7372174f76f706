/**
 * User namespaces in the runtime (issue 18, first part): a bundle whose config.json asks for a
 * `user` namespace with linux.uidMappings/gidMappings runs with container root = an unprivileged
 * host uid. Checked from inside (uid_map, id), from the host (/proc/PID/status, owners of files
 * written through a bind mount), and as an attacker: root in the container, with EVERY
 * capability and no seccomp filter, tries host-root things and fails.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, closeSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, containerCgroups, processesMentioning, until } from '../helpers/cli';

const RUNC = join(REPO, 'bin', 'mini-runc');
const HELPER = join(REPO, 'native', 'build', 'userns-exec');
const PROBE = join(REPO, 'native', 'build', 'syscall-probe');
const HOST_UID = 100000; // container root on the host (a range no user of this machine has)
const SIZE = 65536;
const ALL_CAPS: string[] = require(join(REPO, 'dist', 'sys', 'constants')).CAPABILITIES;

let dir: string;
let bundle: string;
let stateRoot: string;
let hostDir: string; // bind-mounted at /host: a root-only secret, a root-owned file, a dir of the mapped root
const ids = new Set<string>();

interface Result { status: number; stdout: string; stderr: string }

/** `mini-runc --root STATE ARGS…`, output through files (a detached container holds our stdio). */
function runc(args: string[], opts: { cwd?: string } = {}): Result {
  const out = join(dir, 'out.txt');
  const err = join(dir, 'err.txt');
  const fds = [openSync(out, 'w'), openSync(err, 'w')];
  try {
    const r = spawnSync(process.execPath, [RUNC, '--root', stateRoot, ...args], { cwd: opts.cwd ?? bundle, timeout: 30_000, stdio: ['ignore', fds[0], fds[1]] });
    return { status: r.status ?? -1, stdout: readFileSync(out, 'utf8'), stderr: readFileSync(err, 'utf8') };
  } finally {
    fds.forEach((fd) => closeSync(fd));
  }
}

/** Rewrite the bundle's config.json: a user namespace with our mappings, then `edit`. */
function spec(edit: (s: Record<string, any>) => void, userns = true): void {
  const file = join(bundle, 'config.json');
  const s = JSON.parse(readFileSync(join(dir, 'base.json'), 'utf8'));
  s.process.terminal = false;
  s.root.readonly = false;
  s.mounts.push({ destination: '/host', type: 'bind', source: hostDir, options: ['rbind', 'rw'] });
  if (userns) {
    s.linux.namespaces.push({ type: 'user' });
    s.linux.uidMappings = [{ containerID: 0, hostID: HOST_UID, size: SIZE }];
    s.linux.gidMappings = [{ containerID: 0, hostID: HOST_UID, size: SIZE }];
  }
  edit(s);
  writeFileSync(file, JSON.stringify(s));
}

/** Every process still running from this test's bundles (userns-exec or an init): none may be left. */
const leftovers = () => [...processesMentioning('mini-run-userns'), ...processesMentioning(dir)];

const supported = existsSync(HELPER) && Number(readFileSync('/proc/sys/user/max_user_namespaces', 'utf8')) > 0;
if (!supported) console.log(`userns.test: skipped: ${existsSync(HELPER) ? 'user namespaces are disabled (user.max_user_namespaces = 0)' : `${HELPER} is not built (no C compiler)`}`);

beforeAll(() => {
  if (!supported) return;
  dir = mkdtempSync('/tmp/mr-test-userns-');
  chmodSync(dir, 0o755); // the mapped root must reach the bundle (as with runc)
  bundle = join(dir, 'bundle');
  stateRoot = join(dir, 'state');
  hostDir = join(dir, 'host');
  const rootfs = join(bundle, 'rootfs');
  for (const d of ['bin', 'proc', 'sys', 'dev', 'tmp', 'etc', 'host', 'data']) mkdirSync(join(rootfs, d), { recursive: true });
  copyFileSync('/bin/busybox', join(rootfs, 'bin', 'busybox'));
  copyFileSync(PROBE, join(rootfs, 'bin', 'syscall-probe'));
  for (const applet of ['sh', 'cat', 'id', 'touch', 'mknod', 'mkdir', 'mount', 'hostname', 'sleep', 'chown', 'grep', 'echo']) symlinkSync('busybox', join(rootfs, 'bin', applet));
  // The image's files belong to the container's root: the mapped range on the host.
  spawnSync('chown', ['-R', `${HOST_UID}:${HOST_UID}`, rootfs]);
  chmodSync(join(rootfs, 'bin', 'busybox'), 0o755);
  chmodSync(join(rootfs, 'bin', 'syscall-probe'), 0o755);

  mkdirSync(hostDir, { mode: 0o755 });
  writeFileSync(join(hostDir, 'secret'), 's3cret\n', { mode: 0o600 }); // root-only
  writeFileSync(join(hostDir, 'rootfile'), 'original\n', { mode: 0o644 }); // root-owned, world-readable
  mkdirSync(join(hostDir, 'data'));
  chownSync(join(hostDir, 'data'), HOST_UID, HOST_UID); // a volume made for the mapped root

  const r = runc(['spec', '--bundle', bundle]);
  if (r.status !== 0) throw new Error(`mini-runc spec: ${r.stderr}`);
  copyFileSync(join(bundle, 'config.json'), join(dir, 'base.json'));
});

afterAll(() => {
  if (!supported) return;
  for (const id of ids) runc(['delete', '--force', id]);
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!supported)('user namespaces (mini-runc, config.json linux.uidMappings/gidMappings)', () => {
  it('maps container root to the host uid asked for: uid_map inside, uid on the host, nothing left', async () => {
    const id = 'mr-userns-map';
    ids.add(id);
    spec((s) => { s.process.args = ['sh', '-c', 'cat /proc/self/uid_map /proc/self/gid_map; id; exec sleep 600']; });
    const pidFile = join(dir, 'map.pid');
    expect(runc(['run', '--detach', '--pid-file', pidFile, id]).status).toBe(0);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    await until(() => readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('sleep'));
    // From the host: the container's PID 1 runs as the mapped uid, not as root.
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    expect(status).toMatch(new RegExp(`\\nUid:\\s+${HOST_UID}\\s+${HOST_UID}\\s+${HOST_UID}\\s+${HOST_UID}\\n`));
    expect(status).toMatch(new RegExp(`\\nGid:\\s+${HOST_UID}\\s+${HOST_UID}\\s+${HOST_UID}\\s+${HOST_UID}\\n`));
    expect(readFileSync(`/proc/${pid}/uid_map`, 'utf8').trim().split(/\s+/)).toEqual(['0', String(HOST_UID), String(SIZE)]);
    // Its user namespace is not ours, and owns its other namespaces (it could mount its /proc).
    expect(statSync(`/proc/${pid}/ns/user`).ino).not.toBe(statSync('/proc/self/ns/user').ino);
    // From inside (exec joins the user namespace too): root, with the same map.
    const e = runc(['exec', id, 'sh', '-c', 'id; cat /proc/self/uid_map']);
    expect(e.stderr).toBe('');
    expect(e.stdout).toMatch(/^uid=0 gid=0\n\s*0\s+100000\s+65536\n$/);
    const execd = runc(['exec', id, 'sh', '-c', 'grep ^Uid /proc/self/status']);
    expect(execd.stdout).toMatch(/^Uid:\s+0\s+0\s+0\s+0\n$/); // 0 inside…
    expect(runc(['kill', id, 'KILL']).status).toBe(0);
    await until(() => !existsSync(`/proc/${pid}`) || readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z '));
    expect(runc(['delete', id]).status).toBe(0);
    ids.delete(id);
    expect(existsSync(join(stateRoot, id))).toBe(false);
    expect(containerCgroups()).toEqual([]);
    await until(() => leftovers().length === 0);
  });

  it('the exit status comes back through userns-exec, by code and by signal', async () => {
    spec((s) => { s.process.args = ['sh', '-c', 'exit 7']; });
    expect(runc(['run', 'mr-userns-exit']).status).toBe(7);
    // Killed from the host: `run` reports 128 + 9, as for a container without a user namespace.
    spec((s) => { s.process.args = ['sleep', '600']; });
    const pidFile = join(dir, 'sig.pid');
    const run = spawn(process.execPath, [RUNC, '--root', stateRoot, 'run', '--pid-file', pidFile, 'mr-userns-sig'], { cwd: bundle, stdio: 'ignore' });
    const exited = new Promise<number | null>((r) => run.on('exit', (code) => r(code)));
    await until(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').length > 0);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    await until(() => readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('sleep'));
    process.kill(pid, 'SIGKILL');
    expect(await exited).toBe(137);
    expect(containerCgroups()).toEqual([]);
    await until(() => leftovers().length === 0);
  });

  it('a file written through a bind mount belongs to the mapped uid on the host', () => {
    spec((s) => {
      s.process.args = ['sh', '-c', 'touch /host/data/by-root && touch /host/data/by-1000 && chown 1000:1000 /host/data/by-1000'];
      const caps = ['CAP_CHOWN', 'CAP_FOWNER', 'CAP_DAC_OVERRIDE'];
      s.process.capabilities = { bounding: caps, effective: caps, permitted: caps };
    });
    const r = runc(['run', 'mr-userns-files']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(statSync(join(hostDir, 'data', 'by-root')).uid).toBe(HOST_UID);
    expect(statSync(join(hostDir, 'data', 'by-root')).gid).toBe(HOST_UID);
    expect(statSync(join(hostDir, 'data', 'by-1000')).uid).toBe(HOST_UID + 1000);
    // …and a host root-owned file shows inside as nobody (65534): its owner is not mapped.
    spec((s) => { s.process.args = ['sh', '-c', 'ls -ln /host/rootfile']; });
    expect(runc(['run', 'mr-userns-nobody']).stdout).toMatch(/ 65534 +65534 /);
  });

  // The class behind CVE-2019-5736 and CVE-2022-0492: root in the container IS root on the
  // host unless something else holds it back. Here it holds every capability and no syscall
  // filter — what `--privileged` gives — and still cannot do host-root things.
  it('attack: container root with every capability cannot act as host root (CVE-2019-5736 / CVE-2022-0492 class)', () => {
    const attack = [
      'cat /host/secret && echo READ-SECRET', // a root-only host file through a bind mount
      'echo pwned > /host/rootfile && echo WROTE-ROOTFILE', // a root-owned host file
      'touch /host/planted && echo PLANTED', // a new file in a root-owned host directory
      'mknod /tmp/disk b 8 0 && echo MKNOD-DISK', // a block device node (the host's disk)
      'mkdir /tmp/cg && mount -t cgroup -o memory cgroup /tmp/cg 2>/dev/null && echo /tmp/evil > /tmp/cg/release_agent && echo RELEASE-AGENT', // CVE-2022-0492
      'syscall-probe | grep -E "^(init_module|finit_module)"', // loading a kernel module
      'hostname inside-only && hostname', // this one is allowed: the container's own UTS namespace
      'grep ^CapEff /proc/self/status',
    ].join('; ');
    const releaseAgents = readdirSync('/sys/fs/cgroup').map((c) => join('/sys/fs/cgroup', c, 'release_agent')).filter((f) => existsSync(f));
    const before = releaseAgents.map((f) => readFileSync(f, 'utf8'));
    const hostname = readFileSync('/proc/sys/kernel/hostname', 'utf8');
    spec((s) => {
      s.process.args = ['sh', '-c', attack];
      s.process.capabilities = { bounding: ALL_CAPS, effective: ALL_CAPS, permitted: ALL_CAPS };
      s.process.noNewPrivileges = false;
    });
    const r = runc(['run', 'mr-userns-attack']);
    expect(r.stdout).toMatch(/^CapEff:\s+0*1ff+\n/m); // it did hold every capability (in its namespace)
    expect(r.stdout).not.toMatch(/READ-SECRET|WROTE-ROOTFILE|PLANTED|MKNOD-DISK|RELEASE-AGENT|s3cret/);
    expect(r.stderr).toMatch(/can't open '\/host\/secret': Permission denied/);
    expect(r.stderr).toMatch(/can't create \/host\/rootfile: Permission denied/);
    expect(r.stderr).toMatch(/mknod: \/tmp\/disk: Operation not permitted/);
    for (const line of r.stdout.split('\n').filter((l) => /^(init|finit)_module/.test(l))) {
      expect(line).toMatch(/ (EPERM|ENOSYS)$/); // ENOSYS: this kernel has no module support at all
    }
    expect(r.stdout).toMatch(/\ninside-only\n/);
    // Nothing reached the host.
    expect(readFileSync(join(hostDir, 'rootfile'), 'utf8')).toBe('original\n');
    expect(existsSync(join(hostDir, 'planted'))).toBe(false);
    expect(releaseAgents.map((f) => readFileSync(f, 'utf8'))).toEqual(before);
    expect(readFileSync('/proc/sys/kernel/hostname', 'utf8')).toBe(hostname);

    // The same container WITHOUT a user namespace reads the secret: the test is not vacuous.
    spec((s) => {
      s.process.args = ['cat', '/host/secret'];
      s.process.capabilities = { bounding: ALL_CAPS, effective: ALL_CAPS, permitted: ALL_CAPS };
    }, false);
    expect(runc(['run', 'mr-userns-control']).stdout).toBe('s3cret\n');
  });

  it('spec --rootless: a user namespace mapping only our own ids, no network namespace, /sys bound read-only; it runs', () => {
    const rootless = join(dir, 'rootless');
    mkdirSync(rootless);
    symlinkSync(join(bundle, 'rootfs'), join(rootless, 'rootfs'));
    expect(runc(['spec', '--rootless', '--bundle', rootless]).status).toBe(0);
    const s = JSON.parse(readFileSync(join(rootless, 'config.json'), 'utf8'));
    expect(s.linux.namespaces.map((n: { type: string }) => n.type).sort()).toEqual(['cgroup', 'ipc', 'mount', 'pid', 'user', 'uts']);
    expect(s.linux.uidMappings).toEqual([{ containerID: 0, hostID: process.geteuid!(), size: 1 }]);
    expect(s.linux.gidMappings).toEqual([{ containerID: 0, hostID: process.getegid!(), size: 1 }]);
    expect(s.linux.resources).toBeUndefined();
    expect(s.mounts.find((m: { destination: string }) => m.destination === '/sys')).toMatchObject({ source: '/sys', options: expect.arrayContaining(['rbind', 'ro']) });
    s.process.terminal = false;
    s.root.readonly = false;
    s.process.args = ['sh', '-c', 'id; cat /proc/self/uid_map'];
    writeFileSync(join(rootless, 'config.json'), JSON.stringify(s));
    const r = runc(['run', 'mr-userns-rootless'], { cwd: rootless });
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(new RegExp(`^uid=0 gid=0\\n\\s*0\\s+${process.geteuid!()}\\s+1\\n$`));
    expect(containerCgroups()).toEqual([]);
  });

  it('refuses a user namespace without mappings (and mappings without one) in one line, leaving nothing', () => {
    spec((s) => { delete s.linux.uidMappings; });
    const r = runc(['run', 'mr-userns-nomap']);
    expect(r.status).not.toBe(0);
    expect(r.stderr.trim()).toMatch(/^mini-runc: .*no uid mappings found.*$/);
    spec((s) => { s.linux.namespaces = s.linux.namespaces.filter((n: { type: string }) => n.type !== 'user'); });
    const r2 = runc(['run', 'mr-userns-nons']);
    expect(r2.stderr.trim()).toMatch(/^mini-runc: .*need a "user" namespace.*$/);
    expect(readdirSync(stateRoot).filter((d) => d.startsWith('mr-userns-no'))).toEqual([]);
    expect(containerCgroups()).toEqual([]);
    expect(leftovers()).toEqual([]);
  });
});
