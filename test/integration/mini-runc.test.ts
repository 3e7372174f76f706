/**
 * mini-runc, runc's command line, on hand-written bundles (from `mini-runc spec`), on the real
 * kernel: the create/start split, the runtime's own state, hooks, exec, pause, errors as runc
 * gives them, and nothing left behind (state dirs, cgroups, processes).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, closeSync, copyFileSync, openSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, rmdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cgroupDirs, cgroupOfProcess } from '../helpers/cgroup-paths';
import { REPO, containerCgroups, until } from '../helpers/cli';

const RUNC = join(REPO, 'bin', 'mini-runc');
let dir: string; // scratch: bundle/, state/, hook output
let bundle: string;
let stateRoot: string;
const ids = new Set<string>();

interface Result { status: number; stdout: string; stderr: string }

/**
 * Run `mini-runc --root STATE ARGS…`. Output goes through files, not pipes: after `create` the
 * container's process holds our stdout/stderr (as it holds conmon's), so a pipe would not see
 * EOF until the container ends.
 */
function runc(args: string[], opts: { cwd?: string; timeout?: number } = {}): Result {
  const out = join(dir, 'out.txt');
  const err = join(dir, 'err.txt');
  const fds = [openSync(out, 'w'), openSync(err, 'w')];
  try {
    const r = spawnSync(process.execPath, [RUNC, '--root', stateRoot, ...args], { cwd: opts.cwd, timeout: opts.timeout ?? 30_000, stdio: ['ignore', fds[0], fds[1]] });
    return { status: r.status ?? -1, stdout: readFileSync(out, 'utf8'), stderr: readFileSync(err, 'utf8') };
  } finally {
    fds.forEach((fd) => closeSync(fd));
  }
}

/** A second bundle dir/NAME: the same rootfs (a symlink) and a copy of config.json, for editSpec(…, into). */
function bundleCopy(name: string): string {
  const copy = join(dir, name);
  mkdirSync(copy);
  symlinkSync(join(bundle, 'rootfs'), join(copy, 'rootfs'));
  copyFileSync(join(bundle, 'config.json'), join(copy, 'config.json'));
  return copy;
}

/** The bundle's config.json, changed by `edit`, written back. */
function editSpec(edit: (spec: Record<string, any>) => void, into = bundle): void {
  const file = join(into, 'config.json');
  const spec = JSON.parse(readFileSync(file, 'utf8'));
  edit(spec);
  writeFileSync(file, JSON.stringify(spec));
}

function state(id: string): { status: string; pid: number; bundle: string; id: string } {
  const r = runc(['state', id]);
  if (r.status !== 0) throw new Error(`state ${id}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');
  } catch {
    return false;
  }
}

beforeAll(() => {
  dir = mkdtempSync('/tmp/mr-test-runc-');
  bundle = join(dir, 'bundle');
  stateRoot = join(dir, 'state');
  const rootfs = join(bundle, 'rootfs');
  const busybox = ['/bin/busybox', '/usr/bin/busybox'].find((p) => existsSync(p));
  if (!busybox) throw new Error('busybox-static is needed (apt-get install busybox-static)');
  for (const d of ['bin', 'proc', 'sys', 'dev', 'tmp', 'etc', 'out']) mkdirSync(join(rootfs, d), { recursive: true });
  copyFileSync(busybox, join(rootfs, 'bin', 'busybox'));
  chmodSync(join(rootfs, 'bin', 'busybox'), 0o755);
  for (const applet of ['sh', 'echo', 'cat', 'sleep', 'true', 'ls', 'hostname', 'touch']) symlinkSync('busybox', join(rootfs, 'bin', applet));
  const r = runc(['spec', '--bundle', bundle]);
  if (r.status !== 0) throw new Error(`mini-runc spec: ${r.stderr}`);
  editSpec((s) => {
    s.process.terminal = false;
    s.root.readonly = false;
    writeFileSync(join(dir, 'caps.json'), JSON.stringify(s.process.capabilities)); // the defaults, to put back
  });
});

afterAll(() => {
  for (const id of ids) runc(['delete', '--force', id]);
  rmSync(dir, { recursive: true, force: true });
});

describe('mini-runc', () => {
  it('spec writes a config.json, and refuses to overwrite one', () => {
    const spec = JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8'));
    expect(spec.ociVersion).toMatch(/^1\./);
    expect(spec.linux.namespaces.map((n: { type: string }) => n.type)).toContain('pid');
    const again = runc(['spec', '--bundle', bundle]);
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/config.json exists/);
  });

  it('run: the program is PID 1 of its PID namespace, its exit status comes back, nothing is left', () => {
    editSpec((s) => { s.process.args = ['sh', '-c', 'echo pid=$$; cat /proc/1/cmdline; echo; exit 7']; });
    const r = runc(['run', 'mr-runc-run'], { cwd: bundle });
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^pid=1\nsh\0-c\0echo pid=/);
    expect(r.status).toBe(7);
    expect(runc(['state', 'mr-runc-run']).status).toBe(1); // deleted
    expect(existsSync(join(stateRoot, 'mr-runc-run'))).toBe(false);
    expect(containerCgroups()).toEqual([]);
  });

  it('create parks the process before execve; start lets it run; kill, delete clean up', async () => {
    const id = 'mr-runc-split';
    ids.add(id);
    editSpec((s) => { s.process.args = ['sh', '-c', 'touch /out/started; exec sleep 600']; });
    const pidFile = join(dir, 'split.pid');
    const c = runc(['create', '--bundle', bundle, '--pid-file', pidFile, id]);
    expect(c.stderr).toBe('');
    expect(c.status).toBe(0);
    const st = state(id);
    expect(st.status).toBe('created');
    expect(st.bundle).toBe(bundle);
    expect(Number(readFileSync(pidFile, 'utf8'))).toBe(st.pid);
    // The init outlived `create`, but has not become the program yet.
    expect(alive(st.pid)).toBe(true);
    expect(readFileSync(`/proc/${st.pid}/cmdline`, 'utf8')).not.toContain('sleep');
    expect(existsSync(join(bundle, 'rootfs', 'out', 'started'))).toBe(false);
    // Already in its own cgroup and namespaces.
    expect(readFileSync(`/proc/${st.pid}/cgroup`, 'utf8')).toContain(`mr-${id}`);
    expect(readFileSync(`/proc/${st.pid}/status`, 'utf8')).toMatch(/NSpid:\s+\d+\s+1\n/);

    expect(runc(['start', id]).status).toBe(0);
    await until(() => existsSync(join(bundle, 'rootfs', 'out', 'started')));
    await until(() => readFileSync(`/proc/${st.pid}/cmdline`, 'utf8').startsWith('sleep'));
    expect(state(id).status).toBe('running');

    const again = runc(['start', id]);
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/cannot start an already running container/);
    const del = runc(['delete', id]);
    expect(del.status).toBe(1);
    expect(del.stderr).toMatch(/not stopped: running/);

    expect(runc(['kill', id, 'KILL']).status).toBe(0);
    await until(() => state(id).status === 'stopped');
    const late = runc(['start', id]);
    expect(late.stderr).toMatch(/cannot start a container that has stopped/);
    expect(runc(['delete', id]).status).toBe(0);
    expect(runc(['state', id]).stderr).toMatch(/does not exist/);
    expect(existsSync(join(stateRoot, id))).toBe(false);
    expect(containerCgroups()).toEqual([]);
    rmSync(join(bundle, 'rootfs', 'out', 'started'), { force: true });
  });

  it('exec, pause/resume, ps and list on a running container', async () => {
    const id = 'mr-runc-exec';
    ids.add(id);
    editSpec((s) => { s.process.args = ['sleep', '600']; s.hostname = 'runc-box'; });
    expect(runc(['run', '--detach', '--bundle', bundle, id]).status).toBe(0);
    expect(state(id).status).toBe('running');
    const e = runc(['exec', id, 'sh', '-c', 'hostname; cat /proc/1/cmdline']);
    expect(e.status).toBe(0);
    expect(e.stdout).toBe('runc-box\nsleep\0' + '600\0');
    const failing = runc(['exec', id, 'sh', '-c', 'exit 5']);
    expect(failing.status).toBe(5);
    // runc's rules for a terminal: detached, it goes to a console socket; a socket only then.
    const noSocket = runc(['exec', '--tty', '--detach', id, 'true']);
    expect([noSocket.status, noSocket.stderr]).toEqual([1, 'mini-runc: cannot allocate tty if runc will detach without setting console socket\n']);
    const noTty = runc(['exec', '--detach', '--console-socket', join(dir, 'unused.sock'), id, 'true']);
    expect([noTty.status, noTty.stderr]).toEqual([1, 'mini-runc: cannot use console socket if runc will not detach or allocate tty\n']);

    const ps = JSON.parse(runc(['ps', '--format', 'json', id]).stdout);
    expect(ps).toContain(state(id).pid);
    const list = JSON.parse(runc(['list', '--format', 'json']).stdout);
    expect(list.map((c: { id: string }) => c.id)).toContain(id);

    expect(runc(['pause', id]).status).toBe(0);
    expect(state(id).status).toBe('paused');
    expect(runc(['exec', id, 'true']).stderr).toMatch(/paused/);
    expect(runc(['resume', id]).status).toBe(0);
    expect(state(id).status).toBe('running');

    expect(runc(['delete', '--force', id]).status).toBe(0);
    expect(existsSync(join(stateRoot, id))).toBe(false);
    expect(containerCgroups()).toEqual([]);
  });

  it('runs hooks with the state on stdin: prestart at create, poststart at start, poststop at delete', async () => {
    const id = 'mr-runc-hooks';
    ids.add(id);
    const log = join(dir, 'hooks.log');
    const hook = (name: string) => ({ path: '/bin/sh', args: ['sh', '-c', `echo ${name} $(cat) >> ${log}`], timeout: 5 });
    const hooked = bundleCopy('hooked');
    editSpec((s) => {
      s.process.args = ['sleep', '600'];
      s.hooks = { prestart: [hook('prestart')], poststart: [hook('poststart')], poststop: [hook('poststop')] };
    }, hooked);
    expect(runc(['create', '--bundle', hooked, id]).status).toBe(0);
    const pid = state(id).pid;
    expect(readFileSync(log, 'utf8')).toMatch(new RegExp(`^prestart .*"id":"${id}".*"status":"created".*"pid":${pid}`));
    expect(runc(['start', id]).status).toBe(0);
    expect(readFileSync(log, 'utf8')).toMatch(new RegExp(`\npoststart .*"status":"running".*"pid":${pid}`));
    expect(runc(['delete', '--force', id]).status).toBe(0);
    expect(readFileSync(log, 'utf8')).toMatch(/\npoststop .*"status":"stopped"/);
  });

  it('a poststart hook reads "running" and the pid even when the program has already exited (runtime-tools hooks_stdin)', async () => {
    const id = 'mr-runc-hooks-short';
    ids.add(id);
    const log = join(dir, 'hooks-short.log');
    const hooked = bundleCopy('hooked-short');
    editSpec((s) => {
      s.process.args = ['true'];
      s.hooks = { poststart: [{ path: '/bin/sh', args: ['sh', '-c', `cat >> ${log}`], timeout: 5 }] };
    }, hooked);
    expect(runc(['create', '--bundle', hooked, id]).status).toBe(0);
    const pid = state(id).pid;
    expect(runc(['start', id]).status).toBe(0);
    const seen = JSON.parse(readFileSync(log, 'utf8'));
    expect(seen).toMatchObject({ id, status: 'running', pid, bundle: hooked });
    await until(() => state(id).status === 'stopped');
    expect(runc(['delete', id]).status).toBe(0);
    expect(containerCgroups()).toEqual([]);
  });

  it('a created container: kill signals its parked init; delete without --force kills and forgets it, as runc does', async () => {
    const id = 'mr-runc-created';
    ids.add(id);
    editSpec((s) => { s.process.args = ['sleep', '600']; });
    expect(runc(['create', '--bundle', bundle, id]).status).toBe(0);
    const first = state(id);
    expect(first.status).toBe('created');
    expect(runc(['kill', id, 'KILL']).status).toBe(0);
    await until(() => !alive(first.pid));
    expect(state(id).status).toBe('stopped');
    expect(runc(['delete', id]).status).toBe(0);

    expect(runc(['create', '--bundle', bundle, id]).status).toBe(0);
    const second = state(id);
    expect(second.status).toBe('created');
    const del = runc(['delete', id]);
    expect(del.stderr).toBe('');
    expect(del.status).toBe(0);
    await until(() => !alive(second.pid));
    expect(runc(['state', id]).stderr).toMatch(/does not exist/);
    expect(existsSync(join(stateRoot, id))).toBe(false);
    expect(containerCgroups()).toEqual([]);
  });

  it('a foreground run without a mount namespace, read-only root: SIGTERM ends it and no mount is left on the host; neither when the program is not found', async () => {
    const id = 'mr-runc-fg-term';
    ids.add(id);
    const other = bundleCopy('fg-term');
    const rootfs = join(bundle, 'rootfs'); // the copy's rootfs is a link to it: the mount table shows this path
    const ours = () => readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(rootfs));
    editSpec((s) => {
      s.root.readonly = true;
      s.linux.namespaces = s.linux.namespaces.filter((n: { type: string }) => n.type !== 'mount');
      // PID 1 of its namespace dies of SIGTERM only with a handler: the trap says it came.
      s.process.args = ['sh', '-c', 'trap "exit 3" TERM; echo ready; while :; do sleep 1 & wait; done'];
    }, other);
    const child = spawn(process.execPath, [RUNC, '--root', stateRoot, 'run', '--bundle', other, id], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { err += d; });
    const ended = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
    await until(() => out.includes('ready'), 30_000);
    expect(ours().length).toBeGreaterThan(0); // its mounts are in our table while it runs
    child.kill('SIGTERM'); // forwarded to the container's PID 1
    expect(await ended).toBe(3);
    expect(err).toBe('');
    expect(ours()).toEqual([]);
    expect(existsSync(join(stateRoot, id))).toBe(false);
    expect(containerCgroups()).toEqual([]);

    // The init dies after its mounts, before any program runs (the path a signal during the
    // build takes too): what it mounted in our table goes with it.
    editSpec((s) => { s.process.args = ['/nonexistent']; }, other);
    const missing = runc(['run', '--bundle', other, id]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/^mini-runc: exec: "\/nonexistent": .*no such file or directory\n$/);
    expect(ours()).toEqual([]);
    expect(existsSync(join(stateRoot, id))).toBe(false);
    expect(runc(['create', '--bundle', other, id]).status).toBe(1);
    expect(ours()).toEqual([]);
    expect(existsSync(join(stateRoot, id))).toBe(false);
    expect(containerCgroups()).toEqual([]);
  });

  it('a failing prestart hook fails create and leaves nothing', () => {
    const id = 'mr-runc-badhook';
    const bad = bundleCopy('badhook');
    editSpec((s) => { s.hooks = { prestart: [{ path: '/bin/false' }] }; }, bad);
    const r = runc(['create', '--bundle', bad, id]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^mini-runc: prestart hook \/bin\/false failed: exit status 1\n$/);
    expect(existsSync(join(stateRoot, id))).toBe(false);
    expect(containerCgroups()).toEqual([]);
  });

  it('create --console-socket hands the pty master to the caller (SCM_RIGHTS), as conmon and containerd-shim expect', async () => {
    // The receiver is independent of mini-run: python's socket.recv_fds, reading the terminal to its end.
    const python = ['/usr/bin/python3', '/usr/local/bin/python3'].find((p) => existsSync(p));
    if (!python) {
      console.log('mini-runc: console-socket test skipped: no python3 to receive the fd (apt-get install python3)');
      return;
    }
    const id = 'mr-runc-console';
    ids.add(id);
    const sock = join(dir, 'console.sock');
    const receiver = spawn(python, ['-c', [
      'import os, socket, sys',
      's = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); s.bind(sys.argv[1]); s.listen(1)',
      'c, _ = s.accept()',
      'msg, fds, _, _ = socket.recv_fds(c, 1024, 1)',
      'print("name=%s fds=%d" % (msg.decode(), len(fds)), flush=True)',
      'out = b""',
      'while True:',
      '    try: d = os.read(fds[0], 4096)',
      '    except OSError: break  # EIO: the last holder of the slave side is gone',
      '    if not d: break',
      '    out += d',
      'sys.stdout.write(out.decode())',
    ].join('\n'), sock], { stdio: ['ignore', 'pipe', 'pipe'] });
    let received = '';
    receiver.stdout.on('data', (d: Buffer) => (received += d.toString()));
    receiver.stderr.on('data', (d: Buffer) => (received += d.toString()));
    const done = new Promise<number | null>((resolve) => receiver.on('close', (code) => resolve(code))); // close: after its output too
    await until(() => existsSync(sock));

    const ttyBundle = bundleCopy('tty');
    editSpec((s) => {
      s.process.terminal = true;
      s.process.consoleSize = { height: 33, width: 101 };
      s.process.args = ['sh', '-c', 'busybox tty; busybox stty size; echo done'];
    }, ttyBundle);
    // Without the socket, a terminal cannot be handed to anyone: refused, nothing left.
    const refused = runc(['create', '--bundle', ttyBundle, id]);
    expect(refused.stderr).toBe('mini-runc: cannot allocate tty if runc will detach without setting console socket\n');
    expect(existsSync(join(stateRoot, id))).toBe(false);
    // A socket nobody listens on: the parked init is taken down with its cgroup.
    const nobody = runc(['create', '--bundle', ttyBundle, '--console-socket', join(dir, 'nobody.sock'), id]);
    expect(nobody.status).toBe(1);
    expect(nobody.stderr).toMatch(/^mini-runc: cannot send the terminal to the console socket \S+nobody.sock: .*ENOENT.*\n$/);
    expect(existsSync(join(stateRoot, id))).toBe(false);
    expect(containerCgroups()).toEqual([]);

    const c = runc(['create', '--bundle', ttyBundle, '--console-socket', sock, id]);
    expect(c.stderr).toBe('');
    expect(c.status).toBe(0);
    expect(state(id).status).toBe('created');
    expect(runc(['start', id]).status).toBe(0);
    expect(await done).toBe(0);
    expect(received).toMatch(/^name=\/dev\/ptmx fds=1\n/);
    // The container's own devpts: the program's terminal is /dev/pts/0 inside, sized as asked.
    expect(received).toMatch(/\/dev\/pts\/0\r\n33 101\r\ndone\r\n$/);
    await until(() => state(id).status === 'stopped');
    expect(runc(['delete', id]).status).toBe(0);
    expect(containerCgroups()).toEqual([]);
  });

  it('linux.cgroupsPath: the cgroup is where the spec says while it runs, and delete removes it (not the client\'s parent)', () => {
    const id = 'mr-runc-cgpath';
    ids.add(id);
    const parent = `/mr-runc-cgparent-${process.pid}`;
    const path = `${parent}/box-${id}`;
    const other = bundleCopy('cgpath');
    editSpec((s) => { s.process.args = ['sleep', '600']; s.linux.cgroupsPath = path; }, other);
    expect(runc(['run', '--detach', '--bundle', other, id]).status).toBe(0);
    expect(cgroupOfProcess(state(id).pid)).toBe(path);
    expect(cgroupDirs(path).length).toBeGreaterThan(0);
    expect(runc(['delete', '--force', id]).status).toBe(0);
    expect(cgroupDirs(path)).toEqual([]);
    // The parent is the client's, as runc leaves it: empty, and removable.
    const parents = cgroupDirs(parent);
    expect(parents.length).toBeGreaterThan(0);
    for (const d of parents) rmdirSync(d);

    // systemd's slice:prefix:name form needs a systemd driver: refused in one line, nothing made.
    editSpec((s) => { s.linux.cgroupsPath = 'system.slice:mr-runc:x'; }, other);
    const r = runc(['create', '--bundle', other, 'mr-runc-systemd']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^mini-runc: linux\.cgroupsPath "system\.slice:mr-runc:x" is in systemd's slice:prefix:name form: mini-runc drives cgroupfs only .*\n$/);
    expect(existsSync(join(stateRoot, 'mr-runc-systemd'))).toBe(false);
    expect(cgroupDirs('/system.slice:mr-runc:x')).toEqual([]);
    expect(containerCgroups()).toEqual([]);
  });

  it('a pid namespace given by path is joined: the second container sees the first one\'s processes', () => {
    const first = 'mr-runc-pidns-a';
    const second = 'mr-runc-pidns-b';
    ids.add(first);
    ids.add(second);
    editSpec((s) => { s.process.args = ['sleep', '600']; });
    expect(runc(['run', '--detach', '--bundle', bundle, first]).status).toBe(0);
    const joiner = bundleCopy('pidns');
    const nsPath = `/proc/${state(first).pid}/ns/pid`;
    editSpec((s) => {
      s.process.args = ['sh', '-c', 'cat /proc/1/cmdline; echo; echo $$'];
      s.linux.namespaces = s.linux.namespaces.map((n: { type: string }) => (n.type === 'pid' ? { type: 'pid', path: nsPath } : n));
    }, joiner);
    const r = runc(['run', '--bundle', joiner, second]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    // PID 1 is the first container's program; the second's shell is another pid of that namespace.
    const [cmdline, shellPid] = r.stdout.split('\n');
    expect(cmdline).toBe('sleep\0' + '600\0');
    expect(Number(shellPid)).toBeGreaterThan(1);
    expect(runc(['state', second]).stderr).toMatch(/does not exist/);
    expect(runc(['delete', '--force', first]).status).toBe(0);
    expect(containerCgroups()).toEqual([]);
  });

  it('process.capabilities: a non-root user keeps exactly its ambient set through execve; inheritable passes through', () => {
    // Bits of /proc/self/status's Cap* lines: CHOWN 0, NET_BIND_SERVICE 10, NET_RAW 13.
    const capLines = (out: string) => Object.fromEntries([...out.matchAll(/^(Cap(?:Inh|Prm|Eff|Amb)):\s+([0-9a-f]+)$/gm)].map((m) => [m[1], BigInt('0x' + m[2])]));
    editSpec((s) => {
      s.process.args = ['cat', '/proc/self/status'];
      s.process.user = { uid: 1000, gid: 1000 };
      s.process.capabilities = {
        bounding: ['CAP_CHOWN', 'CAP_NET_BIND_SERVICE', 'CAP_NET_RAW'],
        effective: ['CAP_CHOWN', 'CAP_NET_BIND_SERVICE', 'CAP_NET_RAW'],
        permitted: ['CAP_CHOWN', 'CAP_NET_BIND_SERVICE', 'CAP_NET_RAW'],
        inheritable: ['CAP_CHOWN', 'CAP_NET_BIND_SERVICE'],
        ambient: ['CAP_NET_BIND_SERVICE', 'CAP_NET_RAW'], // NET_RAW is not inheritable: it cannot be ambient
      };
    });
    const r = runc(['run', 'mr-runc-caps'], { cwd: bundle });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^Uid:\s+1000\s+1000\s+1000\s+1000$/m);
    expect(capLines(r.stdout)).toEqual({ CapInh: 0x401n, CapPrm: 0x400n, CapEff: 0x400n, CapAmb: 0x400n });

    // Without ambient capabilities, a non-root program has none (what docker's -u gives).
    editSpec((s) => { delete s.process.capabilities.ambient; });
    const none = runc(['run', 'mr-runc-caps'], { cwd: bundle });
    expect(none.status).toBe(0);
    expect(capLines(none.stdout)).toEqual({ CapInh: 0x401n, CapPrm: 0n, CapEff: 0n, CapAmb: 0n });
    editSpec((s) => {
      s.process.user = { uid: 0, gid: 0 };
      s.process.capabilities = JSON.parse(readFileSync(join(dir, 'caps.json'), 'utf8'));
    });
    expect(containerCgroups()).toEqual([]);
  });

  it('namespaces given by path are joined, of every type: mount, uts, ipc, network', async () => {
    // The namespaces' holder, made by util-linux's unshare (as the OCI validation suite does):
    // a copy of our mount table, so the bundle's host paths still mean the same there.
    const ready = join(dir, 'ns-ready');
    const holder = spawn('unshare', ['--mount', '--uts', '--ipc', '--net', 'sh', '-c', `hostname mr-joined-ns && touch ${ready} && exec sleep 600`], { stdio: 'ignore' });
    try {
      await until(() => existsSync(ready));
      const types = { mount: 'mnt', uts: 'uts', ipc: 'ipc', network: 'net' } as Record<string, string>;
      const joined = Object.fromEntries(Object.values(types).map((n) => [n, readlinkSync(`/proc/${holder.pid}/ns/${n}`)]));
      editSpec((s) => {
        s.process.args = ['sh', '-c', 'hostname; ls -l /proc/self/ns/'];
        delete s.hostname; // the joined UTS namespace keeps its own
        s.linux.namespaces = s.linux.namespaces.map((n: { type: string }) => (types[n.type] ? { type: n.type, path: `/proc/${holder.pid}/ns/${types[n.type]}` } : n));
      });
      const r = runc(['run', 'mr-runc-nspath'], { cwd: bundle });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(r.stdout.split('\n')[0]).toBe('mr-joined-ns');
      for (const [name, link] of Object.entries(joined)) expect(r.stdout).toContain(`${name} -> ${link}`);
      expect(existsSync(join(stateRoot, 'mr-runc-nspath'))).toBe(false);
      expect(containerCgroups()).toEqual([]);
    } finally {
      holder.kill('SIGKILL');
      editSpec((s) => {
        s.hostname = 'mini-runc';
        s.linux.namespaces = s.linux.namespaces.map((n: { type: string }) => ({ type: n.type }));
      });
    }
  });

  it('a spec without linux.namespaces runs in the runtime\'s own namespaces, and leaves no mount behind', () => {
    const id = 'mr-runc-nons';
    ids.add(id);
    const other = bundleCopy('nons');
    editSpec((s) => {
      s.process.args = ['sleep', '600'];
      delete s.linux.namespaces;
      delete s.hostname; // no UTS namespace of its own: it must not rename the host
      s.mounts = [];
      delete s.linux.maskedPaths;
      delete s.linux.readonlyPaths;
    }, other);
    const hostName = readFileSync('/proc/sys/kernel/hostname', 'utf8');
    expect(runc(['run', '--detach', '--bundle', other, id]).stderr).toBe('');
    const pid = state(id).pid;
    for (const ns of ['mnt', 'uts', 'ipc', 'net', 'pid']) expect(readlinkSync(`/proc/${pid}/ns/${ns}`)).toBe(readlinkSync(`/proc/self/ns/${ns}`));
    expect(runc(['delete', '--force', id]).status).toBe(0);
    expect(readFileSync('/proc/sys/kernel/hostname', 'utf8')).toBe(hostName);
    expect(readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(other);
    expect(readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(join(bundle, 'rootfs'));
    expect(containerCgroups()).toEqual([]);
  });

  it('mount options shared/slave/private/unbindable set the mount\'s propagation (a second mount(2) call, after the mount)', () => {
    editSpec((s) => {
      s.process.args = ['cat', '/proc/self/mountinfo'];
      s.mounts.push({ destination: '/tmp', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'size=1k', 'shared'] });
      s.mounts.push({ destination: '/out', type: 'bind', source: join(dir, 'bundle', 'rootfs', 'out'), options: ['rbind', 'unbindable'] });
    });
    try {
      const r = runc(['run', 'mr-runc-propagation'], { cwd: bundle });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      // mountinfo: ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL FIELDS…] - TYPE SOURCE SUPER
      const line = (point: string) => r.stdout.split('\n').find((l) => l.split(' ')[4] === point) ?? '';
      expect(line('/tmp')).toMatch(/ shared:\d+ .*- tmpfs /);
      expect(line('/tmp')).toMatch(/[ ,]size=4k(,|$)/); // the data options still reach tmpfs (1k rounded up to a page)
      expect(line('/out')).toMatch(/ unbindable .*- /);
      expect(line('/proc')).not.toMatch(/shared:|unbindable/); // the rest stays private
    } finally {
      editSpec((s) => { s.mounts = s.mounts.filter((m: { destination: string }) => m.destination !== '/tmp' && m.destination !== '/out'); });
    }
    expect(containerCgroups()).toEqual([]);
  });

  it('linux.resources: memory reservation, swappiness, OOM killer off and the cpuset are in the container\'s cgroup (v1; refused on v2)', async () => {
    const id = 'mr-runc-tuning';
    ids.add(id);
    const other = bundleCopy('tuning');
    editSpec((s) => {
      s.process.args = ['sh', '-c', 'cat /proc/self/status; exec sleep 600'];
      s.linux.resources = { memory: { limit: 64 << 20, reservation: 32 << 20, swappiness: 7, disableOOMKiller: true }, cpu: { cpus: '0', mems: '0' } };
    }, other);
    const v1 = existsSync('/sys/fs/cgroup/memory/cgroup.procs');
    const log = join(dir, 'tuning.out');
    const fd = openSync(log, 'w'); // the container's stdout and stderr, as runc's caller gives them
    const r = spawnSync(process.execPath, [RUNC, '--root', stateRoot, 'run', '--detach', '--bundle', other, id], { stdio: ['ignore', fd, fd], timeout: 30_000 });
    closeSync(fd);
    if (!v1) {
      expect(r.status).toBe(1);
      expect(readFileSync(log, 'utf8')).toMatch(/swappiness: cgroup v2 has no per-group swappiness/);
      expect(containerCgroups()).toEqual([]);
      return;
    }
    expect(r.status).toBe(0);
    const path = cgroupOfProcess(state(id).pid);
    const cg = (controller: string, name: string) => readFileSync(join('/sys/fs/cgroup', controller, path, name), 'utf8').trim();
    expect(cg('memory', 'memory.soft_limit_in_bytes')).toBe(String(32 << 20));
    expect(cg('memory', 'memory.swappiness')).toBe('7');
    expect(cg('memory', 'memory.oom_control')).toMatch(/^oom_kill_disable 1$/m);
    expect(cg('cpuset', 'cpuset.cpus')).toBe('0');
    // what the program itself sees: it may run on CPU 0 only
    await until(() => readFileSync(log, 'utf8').includes('Cpus_allowed_list'));
    expect(readFileSync(log, 'utf8')).toMatch(/^Cpus_allowed_list:\s+0$/m);
    expect(runc(['delete', '--force', id]).status).toBe(0);
    expect(cgroupDirs(path)).toEqual([]);
    expect(containerCgroups()).toEqual([]);
  });

  it('process.oomScoreAdj is the program\'s /proc/self/oom_score_adj', () => {
    editSpec((s) => { s.process.args = ['cat', '/proc/self/oom_score_adj']; s.process.oomScoreAdj = 500; });
    try {
      const r = runc(['run', 'mr-runc-oomadj'], { cwd: bundle });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(r.stdout).toBe('500\n');
    } finally {
      editSpec((s) => { delete s.process.oomScoreAdj; });
    }
    expect(containerCgroups()).toEqual([]);
  });

  it('linux.resources the cgroup drivers do not set (net_cls/net_prio, hugetlb) are refused in one line, leaving nothing', () => {
    let original: object = {};
    editSpec((s) => { original = s.linux.resources ?? {}; });
    for (const [resources, msg] of [
      [{ network: { classID: 255, priorities: [{ name: 'lo', priority: 10 }] } }, /linux\.resources\.network \(net_cls classID, net_prio priorities\) is not supported/],
      [{ hugepageLimits: [{ pageSize: '2MB', limit: 1 << 21 }] }, /linux\.resources\.hugepageLimits is not supported/],
    ] as Array<[object, RegExp]>) {
      editSpec((s) => { s.process.args = ['true']; s.linux.resources = { ...original, ...resources }; });
      const r = runc(['create', '--bundle', bundle, 'mr-runc-refused']);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(msg);
      expect(r.stderr.split('\n').length).toBe(2);
      expect(existsSync(join(stateRoot, 'mr-runc-refused'))).toBe(false);
      expect(containerCgroups()).toEqual([]);
    }
    editSpec((s) => { s.linux.resources = original; });
  });

  it('errors are one line, exit 1, and write the --log in json like runc', () => {
    const log = join(dir, 'log.json');
    const r = spawnSync(process.execPath, [RUNC, '--root', stateRoot, '--log', log, '--log-format', 'json', 'start', 'nosuch'], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('mini-runc: container "nosuch" does not exist\n');
    expect(JSON.parse(readFileSync(log, 'utf8').trim())).toMatchObject({ level: 'error', msg: 'container "nosuch" does not exist' });
    const sys = runc(['--systemd-cgroup', 'list']);
    expect(sys.status).toBe(1);
    expect(sys.stderr).toMatch(/systemd-cgroup is not supported/);
    const noBundle = runc(['create', '--bundle', join(dir, 'nowhere'), 'mr-runc-nob']);
    expect(noBundle.status).toBe(1);
    expect(noBundle.stderr.split('\n').length).toBe(2);
    expect(existsSync(join(stateRoot, 'mr-runc-nob'))).toBe(false);
  });
});
