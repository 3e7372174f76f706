/**
 * Real runc clients drive mini-runc unchanged: podman (through conmon) with `--runtime
 * PATH/bin/mini-runc`, and containerd's runc shim v2 (`ctr run --runc-binary`), as Kubernetes'
 * containerd would. Each client gets throw-away state: podman a --root/--runroot/--tmpdir under
 * /tmp, containerd (the one test/global-setup.ts starts, or the system's) a namespace of this
 * file's own, removed at the end with its image. The test image is the busybox OCI archive the
 * other tests use, imported by each client itself. Every container must leave no cgroup and no
 * runtime state behind.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { cgroupDirs, cgroupOfProcess } from '../helpers/cgroup-paths';
import { REPO, processesMentioning } from '../helpers/cli';
import { busyboxArchive } from '../fixtures/registry';
// @ts-ignore -- a plain ES module shared with test/global-setup.ts and .ci/run
import { CONTAINERD_DIR, CONTAINERD_SOCK } from '../helpers/engines.mjs';

const RUNC = join(REPO, 'bin', 'mini-runc');
const IMAGE = 'docker.io/library/mr-runc-clients:latest';

interface Result { status: number; stdout: string; stderr: string }
function run(cmd: string, args: string[], timeout = 120_000): Result {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout, stdio: ['ignore', 'pipe', 'pipe'] });
  return { status: r.status ?? -1, stdout: r.stdout ?? '', stderr: (r.stderr ?? '') + (r.error ? String(r.error) : '') };
}
const lines = (s: string) => s.split('\n').filter(Boolean);

const podmanVersion = run('podman', ['--version']);
const havePodman = podmanVersion.status === 0;
if (!havePodman) console.log(`runc-clients: podman tests skipped (podman not found: ${podmanVersion.stderr.trim()})`);
const ctrVersion = run('ctr', ['--address', CONTAINERD_SOCK, 'version'], 15_000);
const haveCtr = ctrVersion.status === 0;
if (!haveCtr) console.log(`runc-clients: containerd tests skipped (no containerd answers at ${CONTAINERD_SOCK}: ${ctrVersion.stderr.trim().split('\n').pop()})`);

let dir: string;
let archive: string;

beforeAll(() => {
  dir = mkdtempSync('/tmp/mr-test-clients-');
  if (havePodman || haveCtr) archive = busyboxArchive(dir, IMAGE);
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/**
 * What a container must not leave once its client removed it: a cgroup at the path the client
 * gave, mini-runc's state (ROOT/<id>/state.json under whatever --root the client passes:
 * /run/mini-runc for podman, /run/containerd/runc/<ns> for containerd's shim), and processes
 * (init, conmon, the shim) naming it. A shim or conmon exits just after the client returns:
 * the check waits up to 10 s for them.
 */
function leftOf(id: string, cgroup: string): string[] {
  const states = () => {
    const r = spawnSync('find', ['/run', CONTAINERD_DIR, dir, '-maxdepth', '6', '-path', `*/${id}/state.json`], { encoding: 'utf8' });
    return lines(r.stdout ?? '').map((f) => `state: ${f}`);
  };
  const now = () => [...cgroupDirs(cgroup).map((d) => `cgroup: ${d}`), ...states(), ...processesMentioning(id).map((p) => `process: ${p}`)];
  const deadline = Date.now() + 10_000;
  let left = now();
  while (left.length > 0 && Date.now() < deadline) {
    spawnSync('sleep', ['0.2']);
    left = now();
  }
  return left;
}

describe.skipIf(!havePodman)('podman --runtime mini-runc', () => {
  const pdir = () => join(dir, 'podman');
  // cgroupfs (there is no systemd here), file events, and rlimits the runtime can set: podman
  // asks root containers for nofile and nproc of 1048576, and raising a hard limit needs
  // CAP_SYS_RESOURCE, which root lacks on some hosts (these build machines; runc fails the same).
  // nofile: our own hard limit (podman and conmon keep it). nproc: podman runs the runtime with a
  // hard nproc of 32768 (seen through a wrapper logging the runtime's /proc/self/limits), so no
  // more than that; a limit this high never stops the container's few processes.
  const podman = (...args: string[]) => run('podman', [
    '--root', join(pdir(), 'root'), '--runroot', join(pdir(), 'run'), '--tmpdir', join(pdir(), 'tmp'),
    '--cgroup-manager', 'cgroupfs', '--events-backend', 'file', '--runtime', RUNC, ...args,
  ]);
  const hardLimit = (name: string) => {
    const v = new RegExp(`^${name}\\s+\\S+\\s+(\\d+|unlimited)`, 'm').exec(readFileSync('/proc/self/limits', 'utf8'))?.[1] ?? '1024';
    return v === 'unlimited' ? Infinity : Number(v);
  };
  const nofile = Math.min(hardLimit('Max open files'), 1048576);
  const nproc = Math.min(hardLimit('Max processes'), 32768);
  const runArgs = ['--network', 'none', '--ulimit', `nofile=${nofile}:${nofile}`, '--ulimit', `nproc=${nproc}:${nproc}`];

  beforeAll(() => {
    const r = podman('load', '-i', archive);
    if (r.status !== 0) throw new Error(`podman load: ${r.stderr}`);
  });

  afterAll(() => {
    podman('rm', '-af');
    podman('rmi', '-af');
    const mounts = readFileSync('/proc/mounts', 'utf8').split('\n').filter((l) => l.includes(pdir()));
    for (const m of mounts.reverse()) spawnSync('umount', ['-l', m.split(' ')[1]]);
    expect(mounts).toEqual([]);
  });

  it('run --rm: the output and the exit status come back; no container, cgroup or state is left', () => {
    const cidFile = join(dir, 'podman-echo.cid');
    const r = podman('run', '--rm', '--cidfile', cidFile, ...runArgs, IMAGE, 'sh', '-c', 'echo hi; exit 3');
    expect(r.stdout).toBe('hi\n');
    expect(r.status).toBe(3);
    const id = readFileSync(cidFile, 'utf8').trim();
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    expect(podman('ps', '-aq').stdout).toBe('');
    expect(leftOf(id, `/libpod_parent/libpod-${id}`)).toEqual([]);
  });

  it('run -d, exec, stop, rm', () => {
    const d = podman('run', '-d', '--name', 'mr-clients-sleeper', ...runArgs, IMAGE, 'sleep', '600');
    // (podman may warn that the host's CNI bridge plugins are missing: unrelated to --network none)
    expect(lines(d.stderr).filter((l) => !/level=warning msg="Error validating CNI config file/.test(l))).toEqual([]);
    expect(d.status).toBe(0);
    const id = d.stdout.trim();
    expect(podman('inspect', '-f', '{{.State.Status}}', id).stdout.trim()).toBe('running');
    const e = podman('exec', id, 'sh', '-c', 'cat /proc/1/cmdline; echo; echo $$');
    // \x00, not \0: in a regex \0 followed by a digit is an octal escape.
    expect(e.stdout).toMatch(/^sleep\x00600\x00\n\d+\n$/);
    expect(e.status).toBe(0);
    // The cgroup is where podman's linux.cgroupsPath says (cgroupfs manager).
    const pid = Number(podman('inspect', '-f', '{{.State.Pid}}', id).stdout.trim());
    expect(cgroupOfProcess(pid)).toBe(`/libpod_parent/libpod-${id}`);
    expect(cgroupDirs(`/libpod_parent/libpod-${id}`).length).toBeGreaterThan(0);
    expect(podman('stop', '-t', '1', id).status).toBe(0);
    expect(podman('inspect', '-f', '{{.State.Status}}', id).stdout.trim()).toBe('exited');
    expect(podman('rm', id).status).toBe(0);
    expect(leftOf(id, `/libpod_parent/libpod-${id}`)).toEqual([]);
  });

  it('run -t: the program gets a terminal (the pty master went to conmon over --console-socket)', () => {
    const cidFile = join(dir, 'podman-tty.cid');
    const r = podman('run', '--rm', '-t', '--cidfile', cidFile, ...runArgs, IMAGE, 'sh', '-c', 'tty; stty size');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^\/dev\/pts\/0\r\n\d+ \d+\r\n$/);
    const id = readFileSync(cidFile, 'utf8').trim();
    expect(leftOf(id, `/libpod_parent/libpod-${id}`)).toEqual([]);
  });
  it('run -d --memory, pause, unpause: the limit is in the container\'s cgroup, pause freezes it and unpause lets it run', () => {
    const d = podman('run', '-d', '--memory', '64m', ...runArgs, IMAGE, 'sleep', '600');
    expect(d.status).toBe(0);
    const id = d.stdout.trim();
    const cgroup = `/libpod_parent/libpod-${id}`;
    // v1: the memory hierarchy's memory.limit_in_bytes; v2: memory.max (podman's swap setting
    // may only warn here: no swap accounting on some hosts)
    const limitFile = cgroupDirs(cgroup).map((dir) => [join(dir, 'memory.limit_in_bytes'), join(dir, 'memory.max')]).flat().find((f) => existsSync(f));
    expect(limitFile).toBeDefined();
    expect(readFileSync(limitFile!, 'utf8').trim()).toBe(String(64 << 20));
    const status = () => podman('inspect', '-f', '{{.State.Status}}', id).stdout.trim();
    const frozen = () => {
      const files = cgroupDirs(cgroup).map((dir) => [join(dir, 'freezer.state'), join(dir, 'cgroup.freeze')]).flat().filter((f) => existsSync(f));
      return files.map((f) => readFileSync(f, 'utf8').trim()).join(' ');
    };
    expect(podman('pause', id).status).toBe(0);
    expect(status()).toBe('paused');
    expect(frozen()).toMatch(/^(FROZEN|1)$/);
    expect(podman('unpause', id).status).toBe(0);
    expect(status()).toBe('running');
    expect(frozen()).toMatch(/^(THAWED|0)$/);
    expect(podman('exec', id, 'true').status).toBe(0); // it runs again
    expect(podman('rm', '-f', '-t', '0', id).status).toBe(0);
    expect(leftOf(id, cgroup)).toEqual([]);
  });

  it('exec -t: the exec\'d program leads a session whose terminal is its own pty (master to conmon over --console-socket)', () => {
    const d = podman('run', '-d', ...runArgs, IMAGE, 'sleep', '600');
    expect(d.status).toBe(0);
    const id = d.stdout.trim();
    // The program outlives the exec process that started it (sleep 1 first): no SIGHUP, it
    // leads its session (session id = its pid), and its exit status comes back through conmon.
    const e = podman('exec', '-t', id, 'sh', '-c', 'sleep 1; tty; echo "sid=$(cut -d" " -f6 /proc/$$/stat) pid=$$"; exit 7');
    expect(e.stdout).toMatch(/^\/dev\/pts\/\d+\r\nsid=(\d+) pid=\1\r\n$/);
    expect(e.status).toBe(7);
    expect(podman('rm', '-f', '-t', '0', id).status).toBe(0);
    expect(leftOf(id, `/libpod_parent/libpod-${id}`)).toEqual([]);
  });
});

describe.skipIf(!haveCtr)('containerd (ctr, runc shim v2) with mini-runc as the runc binary', () => {
  const ns = `mr-runc-clients-${process.pid}`;
  const ctr = (...args: string[]) => run('ctr', ['--address', CONTAINERD_SOCK, '--namespace', ns, ...args]);

  beforeAll(() => {
    const r = ctr('images', 'import', archive);
    if (r.status !== 0) throw new Error(`ctr images import: ${r.stderr}`);
  });

  afterAll(() => {
    for (const t of lines(ctr('tasks', 'ls', '-q').stdout)) ctr('tasks', 'rm', '-f', t);
    for (const c of lines(ctr('containers', 'ls', '-q').stdout)) ctr('containers', 'rm', c);
    ctr('images', 'rm', '--sync', IMAGE);
    // Whatever the collector has not taken yet: snapshots (children before parents), then blobs.
    for (let pass = 0; pass < 5 && lines(ctr('snapshots', 'ls').stdout).length > 1; pass++) {
      for (const key of lines(ctr('snapshots', 'ls').stdout).slice(1).map((l) => l.split(/\s+/)[0])) ctr('snapshots', 'rm', key);
    }
    for (const blob of lines(ctr('content', 'ls', '-q').stdout)) ctr('content', 'rm', blob);
    const rm = ctr('namespaces', 'rm', ns);
    expect(rm.stderr).toBe('');
    expect(rm.status).toBe(0);
    // containerd's parent cgroup /<namespace> is left to the client, as runc leaves it: it must
    // be empty (rmdir of a cgroup with children or processes fails), and the test removes it.
    for (const d of cgroupDirs(`/${ns}`)) rmdirSync(d);
  });

  it('ctr run --rm: the output and the exit status come back; nothing is left', () => {
    const id = `${ns}-echo`;
    const r = ctr('run', '--rm', '--runc-binary', RUNC, IMAGE, id, 'sh', '-c', 'echo hi; exit 3');
    expect(r.stdout).toBe('hi\n');
    expect(r.status).toBe(3);
    expect(ctr('containers', 'ls', '-q').stdout).toBe('');
    expect(leftOf(id, `/${ns}/${id}`)).toEqual([]);
  });

  it('ctr run -d, task exec, kill, delete', () => {
    const id = `${ns}-sleeper`;
    const d = ctr('run', '-d', '--runc-binary', RUNC, IMAGE, id, 'sleep', '600');
    expect(d.stderr).toBe('');
    expect(d.status).toBe(0);
    expect(ctr('tasks', 'ls').stdout).toMatch(new RegExp(`^${id}\\s+\\d+\\s+RUNNING`, 'm'));
    const e = ctr('tasks', 'exec', '--exec-id', 'e1', id, 'sh', '-c', 'cat /proc/1/cmdline; echo');
    expect(e.stdout).toBe('sleep\0' + '600\0\n');
    expect(e.status).toBe(0);
    // The cgroup is where containerd's linux.cgroupsPath says: /<namespace>/<id>.
    const pid = Number(new RegExp(`^${id}\\s+(\\d+)`, 'm').exec(ctr('tasks', 'ls').stdout)?.[1]);
    expect(cgroupOfProcess(pid)).toBe(`/${ns}/${id}`);
    expect(ctr('tasks', 'kill', '-s', 'SIGKILL', id).status).toBe(0);
    const rm = ctr('tasks', 'rm', '-f', id);
    expect(rm.status).toBe(0);
    expect(ctr('containers', 'rm', id).status).toBe(0);
    expect(leftOf(id, `/${ns}/${id}`)).toEqual([]);
  });

  it('ctr run -t: the program gets a terminal (the pty master went to the shim over --console-socket)', () => {
    // ctr needs a terminal of its own for -t: `script` gives it one, 24 rows by 80 columns, and
    // a stdin that stays open while the container runs (a FIFO opened read-write), as a user's
    // terminal. After the start ctr sends its terminal's size to the shim, which sets it on the
    // pty master it received: the program waits (≤ 10 s) until its terminal says 24 80.
    const id = `${ns}-tty`;
    const program = 'tty; i=0; until [ "$(stty size 2>/dev/null)" = "24 80" ] || [ $i = 100 ]; do sleep 0.1; i=$((i+1)); done; stty size';
    const cmd = `stty rows 24 cols 80; exec ctr --address ${CONTAINERD_SOCK} --namespace ${ns} run --rm -t --runc-binary ${RUNC} ${IMAGE} ${id} sh -c '${program}'`;
    const fifo = join(dir, 'ctr-tty-stdin');
    spawnSync('mkfifo', [fifo]);
    const stdin = openSync(fifo, 'r+');
    const r = spawnSync('script', ['-qec', cmd, '/dev/null'], { encoding: 'utf8', timeout: 120_000, stdio: [stdin, 'pipe', 'pipe'] });
    closeSync(stdin);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/\/dev\/pts\/0\r+\n24 80\r+\n/); // script's own terminal adds a \r
    expect(leftOf(id, `/${ns}/${id}`)).toEqual([]);
  });
  it('ctr task exec -t: the exec\'d program leads a session whose terminal is its own pty (master to the shim over --console-socket)', () => {
    const id = `${ns}-exec-tty`;
    const d = ctr('run', '-d', '--runc-binary', RUNC, IMAGE, id, 'sleep', '600');
    expect(d.status).toBe(0);
    // In `script` with a 24x80 terminal and a stdin that stays open, as for ctr run -t. The
    // program outlives the exec process that started it (sleep 1 first: no SIGHUP), leads its
    // session (session id = its pid), gets ctr's size through the shim, and its exit status
    // comes back through the shim's reaper (the pid mini-runc wrote to --pid-file).
    const program = 'sleep 1; tty; echo "sid=$(cut -d" " -f6 /proc/$$/stat) pid=$$"; i=0; until [ "$(stty size 2>/dev/null)" = "24 80" ] || [ $i = 100 ]; do sleep 0.1; i=$((i+1)); done; stty size; exit 7';
    const cmd = `stty rows 24 cols 80; exec ctr --address ${CONTAINERD_SOCK} --namespace ${ns} tasks exec -t --exec-id t1 ${id} sh -c '${program}'`;
    const fifo = join(dir, 'ctr-exec-tty-stdin');
    spawnSync('mkfifo', [fifo]);
    const stdin = openSync(fifo, 'r+');
    const r = spawnSync('script', ['-qec', cmd, '/dev/null'], { encoding: 'utf8', timeout: 120_000, stdio: [stdin, 'pipe', 'pipe'] });
    closeSync(stdin);
    expect(r.stdout).toMatch(/\/dev\/pts\/\d+\r+\nsid=(\d+) pid=\1\r+\n24 80\r+\n/);
    expect(r.status).toBe(7);
    expect(ctr('tasks', 'kill', '-s', 'SIGKILL', id).status).toBe(0);
    expect(ctr('tasks', 'rm', '-f', id).status).toBe(0);
    expect(ctr('containers', 'rm', id).status).toBe(0);
    expect(leftOf(id, `/${ns}/${id}`)).toEqual([]);
  });
});
