/**
 * `mini-run run` on the real kernel, as root: what a user sees from inside the container,
 * the exit codes docker gives, and that nothing is left on the host afterwards.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, leaksFor, mr, removeRoot, tempRoot, containerCgroups, until } from '../helpers/cli';

let root: string;
const IMG = 'mini-run/busybox';
const run = (args: string[], input?: string) => mr(root, ['run', '--rm', ...args], { input });
const sh = (script: string, flags: string[] = []) => run([...flags, IMG, 'sh', '-c', script]);

beforeAll(() => {
  root = tempRoot('run');
  // The first run builds the built-in image from the host's busybox.
  const r = sh('true');
  if (r.status !== 0) throw new Error(`first run failed: ${r.stderr}`);
});

afterAll(() => {
  expect(leaksFor(root)).toEqual([]);
  removeRoot(root);
});

describe('isolation seen from inside', () => {
  it('runs the program as PID 1 in a new PID namespace', () => {
    const r = sh('echo $$; ps -o pid,comm > /tmp/ps.txt; cat /tmp/ps.txt');
    expect(r.status).toBe(0);
    const [pid, , ...procs] = r.stdout.trim().split('\n');
    expect(pid).toBe('1');
    // Only the container's own processes are visible: sh as PID 1, and ps.
    expect(procs.map((l) => l.trim().split(/\s+/))).toEqual([['1', 'sh'], [expect.any(String), 'ps']]);
  });

  it('has its own hostname: the first 12 hex digits of the id, or -h', () => {
    const r = sh('hostname; cat /etc/hostname');
    const [h, file] = r.stdout.trim().split('\n');
    expect(h).toMatch(/^[0-9a-f]{12}$/);
    expect(file).toBe(h);
    expect(sh('hostname', ['-h', 'box1']).stdout.trim()).toBe('box1');
    expect(spawnSync('hostname').stdout.toString().trim()).not.toBe('box1');
  });

  it('is in its own mount, UTS, IPC, network, PID namespaces', () => {
    const r = sh('for n in mnt uts ipc net pid; do readlink /proc/1/ns/$n; done');
    const inside = r.stdout.trim().split('\n');
    const host = ['mnt', 'uts', 'ipc', 'net', 'pid'].map((n) => readlinkSync(`/proc/self/ns/${n}`));
    expect(inside).toHaveLength(5);
    inside.forEach((ns, i) => expect(ns).not.toBe(host[i]));
  });

  it('shares the host namespace when asked: --pid host, --uts host, --ipc host, --network host', () => {
    const r = sh('for n in pid uts ipc net; do readlink /proc/self/ns/$n; done',
      ['--pid', 'host', '--uts', 'host', '--ipc', 'host', '--network', 'host']);
    expect(r.status).toBe(0);
    const host = ['pid', 'uts', 'ipc', 'net'].map((n) => readlinkSync(`/proc/self/ns/${n}`));
    expect(r.stdout.trim().split('\n')).toEqual(host);
  });

  it('with --network none sees only lo, and it is up', () => {
    const r = sh('ip -o link | cut -d: -f2; ping -c1 -W1 127.0.0.1 >/dev/null && echo ping-ok', ['--network', 'none']);
    expect(r.stdout.split('\n').map((s) => s.trim()).filter(Boolean)).toEqual(['lo', 'ping-ok']);
  });

  it('has an overlay root built from the image layers', () => {
    const r = sh('grep " / " /proc/self/mountinfo');
    expect(r.stdout).toMatch(/ - overlay overlay .*lowerdir=/);
    // Writes land in the container's layer, not in the image: a new container does not see them.
    expect(sh('echo hi > /bin/new-file && cat /bin/new-file').stdout.trim()).toBe('hi');
    expect(sh('test -e /bin/new-file && echo present || echo absent').stdout.trim()).toBe('absent');
  });

  it('mounts /proc, /dev, /dev/pts, /dev/shm, /dev/mqueue and /sys like docker', () => {
    const r = sh('cat /proc/self/mounts');
    const m = Object.fromEntries(r.stdout.trim().split('\n').map((l) => l.split(' ')).map((f) => [f[1], f]));
    expect(m['/proc'][2]).toBe('proc');
    expect(m['/proc'][3]).toMatch(/nosuid,nodev,noexec/);
    expect(m['/dev'][2]).toBe('tmpfs');
    expect(m['/dev/pts'][2]).toBe('devpts');
    expect(m['/dev/pts'][3]).toMatch(/ptmxmode=666/);
    expect(m['/dev/shm'][3]).toMatch(/size=65536k/);
    expect(m['/dev/mqueue'][2]).toBe('mqueue');
    expect(m['/sys'][3]).toMatch(/^ro,/);
  });

  it('has a small /dev: the standard nodes and links, no host disks', () => {
    const r = sh('ls /dev | sort | tr "\\n" " "; echo; readlink /dev/ptmx; readlink /dev/fd; head -c 4 /dev/zero | wc -c');
    const [list, ptmx, fd, zeros] = r.stdout.trim().split('\n');
    for (const n of ['null', 'zero', 'full', 'random', 'urandom', 'tty', 'ptmx', 'pts', 'shm', 'mqueue', 'fd', 'stdin', 'stdout', 'stderr']) {
      expect(list.split(' ')).toContain(n);
    }
    expect(list).not.toMatch(/vda|sda|nvme|kmsg|mem /);
    expect(ptmx).toBe('pts/ptmx');
    expect(fd).toBe('/proc/self/fd');
    expect(zeros.trim()).toBe('4');
  });

  it('cannot open device nodes it makes itself, or that an image ships (nodev), only the standard ones', () => {
    // CAP_MKNOD is one of docker's defaults: creating the node works, opening it must not.
    const r = sh('mknod /dev/hostdisk b 8 0 && echo made; head -c1 /dev/hostdisk; mknod /tmp/mem c 1 1 && head -c1 /tmp/mem; echo x > /dev/null && echo null-ok');
    expect(r.stdout).toContain('made');
    expect(r.stderr).toMatch(/\/dev\/hostdisk: Permission denied/);
    expect(r.stderr).toMatch(/\/tmp\/mem: Permission denied/);
    expect(r.stdout).toContain('null-ok');
  });

  it('masks host kernel files and makes /proc/sys read-only', () => {
    const r = sh('cat /proc/timer_list | wc -c; cat /proc/keys 2>/dev/null | wc -c; echo 1 > /proc/sys/kernel/ns_last_pid 2>&1 || echo ro-ok; ls /sys/firmware | wc -l');
    const [timer, keys, , firmware] = r.stdout.trim().split('\n');
    expect(timer.trim()).toBe('0');
    expect(keys.trim()).toBe('0');
    expect(r.stdout).toContain('ro-ok');
    expect(firmware.trim()).toBe('0');
  });

  it("has docker's 14 default capabilities, and --cap-add/--cap-drop/--privileged change them", () => {
    const caps = (flags: string[] = []) => sh('grep -E "^Cap(Eff|Bnd)" /proc/self/status', flags).stdout;
    expect(caps()).toContain('CapEff:\t00000000a80425fb');
    expect(caps()).toContain('CapBnd:\t00000000a80425fb');
    expect(caps(['--cap-drop', 'NET_RAW'])).toContain('CapEff:\t00000000a80405fb');
    expect(caps(['--cap-add', 'SYS_ADMIN'])).toContain('CapEff:\t00000000a82425fb');
    const priv = sh('grep CapEff /proc/self/status; grep -c " /proc/sys " /proc/self/mounts', ['--privileged']).stdout;
    expect(priv).not.toContain('00000000a80425fb');
    expect(priv.trim().split('\n')[1]).toBe('0');
  });

  it('starts the program with no signal ignored (Node ignores SIGPIPE for itself): yes | head ends quietly, as in Docker', () => {
    const r = run(['--network', 'none', IMG, 'grep', 'SigIgn', '/proc/self/status']);
    expect([r.status, r.stdout, r.stderr]).toEqual([0, 'SigIgn:\t0000000000000000\n', '']);
    // yes dies of SIGPIPE when head has its line (with SIGPIPE ignored it printed "Broken pipe")
    const p = sh('yes | head -n 1; echo end', ['--network', 'none']);
    expect([p.status, p.stdout, p.stderr]).toEqual([0, 'y\nend\n', '']);
  });

  it("lets no runtime file descriptor reach the program", () => {
    const r = sh('ls /proc/self/fd | sort -n | tr "\\n" " "');
    // 0,1,2 are ours; the 3rd is ls's own open of /proc/self/fd.
    expect(r.stdout.trim().split(' ')).toEqual(['0', '1', '2', '3']);
  });

  it('generates /etc/hosts and /etc/resolv.conf', () => {
    const r = sh('cat /etc/hosts; echo ---; cat /etc/resolv.conf');
    expect(r.stdout).toMatch(/127\.0\.0\.1\tlocalhost/);
    expect(r.stdout.split('---')[1]).not.toMatch(/nameserver 127\./);
  });

  it('--read-only makes the root read-only', () => {
    const r = sh('touch /x 2>&1; echo rc=$?', ['--read-only']);
    expect(r.stdout).toMatch(/Read-only file system/);
    expect(r.stdout).toContain('rc=1');
  });
});

describe('the process: command, env, user, workdir', () => {
  it('into a slow pipe, with and without -t: every byte arrives before the CLI exits', () => {
    // Our stdout is a pipe whose reader starts late, so the output queues in the CLI, which exits
    // early (without Node's teardown) and must not before that queue has left.
    for (const t of ['', '-t ']) {
      const r = spawnSync('sh', ['-c', `${process.execPath} ${BIN} --root ${root} run --rm ${t}--network none ${IMG} head -c 3000000 /dev/zero | (sleep 1; wc -c)`],
        { encoding: 'utf8', input: '', timeout: 60_000 });
      expect(r.stdout.trim(), `run ${t}`).toBe('3000000');
    }
    // The end of a terminal's output is not lost when the program's exit is the pty's last close
    // (the relay holds a slave of its own until the master is drained: runtime/terminal.ts).
    for (let i = 0; i < 3; i++) {
      const r = spawnSync('sh', ['-c', `${process.execPath} ${BIN} --root ${root} run --rm -t --network none ${IMG} seq 1 200000 | wc -l`],
        { encoding: 'utf8', input: '', timeout: 60_000 });
      expect(r.stdout.trim(), `run -t seq, round ${i + 1}`).toBe('200000');
    }
  });

  it('a large output arrives whole through run --rm into a pipe and into files, with the exit code (the CLI ends with _exit)', () => {
    // The CLI leaves with _exit(2) when no fd 0–2 is a terminal (cli/exit-flushed.ts): nothing
    // of the program's stdout/stderr, nor of -i's relay, may be cut off, and its status stays.
    const dir = mkdtempSync('/tmp/mr-exit-');
    try {
      const prog = `${IMG} sh -c 'seq 1 200000; seq 1 200000 >&2; exit 3'`;
      for (const i of ['', '-i ']) {
        const piped = spawnSync('sh', ['-c', `${process.execPath} ${BIN} --root ${root} run --rm ${i}--network none ${prog} 2>${dir}/err | wc -l; echo "err=$(wc -l <${dir}/err)"`],
          { encoding: 'utf8', input: '', timeout: 60_000 });
        expect(piped.stdout.trim().split('\n'), `run ${i}into a pipe`).toEqual(['200000', 'err=200000']);
        const filed = spawnSync('sh', ['-c', `${process.execPath} ${BIN} --root ${root} run --rm ${i}--network none ${prog} >${dir}/out 2>${dir}/err; echo $?`],
          { encoding: 'utf8', input: '', timeout: 60_000 });
        expect(filed.stdout.trim(), `run ${i}into files: exit code`).toBe('3');
        for (const f of ['out', 'err']) {
          const lines = readFileSync(join(dir, f), 'utf8').split('\n');
          expect([lines.length, lines[0], lines[199_999], lines[200_000]], `run ${i}into files: ${f}`).toEqual([200_001, '1', '200000', '']);
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('passes the exit code through', () => {
    expect(sh('exit 3').status).toBe(3);
    expect(sh('exit 0').status).toBe(0);
  });

  it('gives 128+N when the program is killed by signal N', () => {
    // Not PID 1 of its own namespace (the kernel protects that one from signals sent inside it).
    expect(sh('kill -KILL $$', ['--pid', 'host']).status).toBe(137);
    // With --init, PID 1 is mini-init, which reports its child's death by signal the same way.
    expect(sh('kill -TERM $$', ['--init']).status).toBe(143);
  });

  it('forwards SIGTERM sent to the CLI to the container (sig-proxy)', async () => {
    const child = spawn(process.execPath, [BIN, '--root', root, 'run', '--rm', IMG, 'sh', '-c', 'trap "exit 42" TERM; echo ready; while :; do sleep 0.1; done'],
      { stdio: ['ignore', 'pipe', 'pipe'] });
    await new Promise<void>((resolve) => child.stdout!.on('data', (d) => String(d).includes('ready') && resolve()));
    child.kill('SIGTERM');
    const code = await new Promise((r) => child.on('exit', r));
    expect(code).toBe(42);
  });

  it("gives 127 for a command that is not found and 126 for one that cannot be executed", () => {
    const nf = run([IMG, 'no-such-command']);
    expect(nf.status).toBe(127);
    expect(nf.stderr).toMatch(/executable file not found in \$PATH/);
    const ne = run([IMG, '/etc/passwd']);
    expect(ne.status).toBe(126);
    expect(ne.stderr).toMatch(/permission denied/);
  });

  it('sets env from the image, --env-file and -e (later wins), plus HOSTNAME and HOME', () => {
    const file = join(root, 'env.list');
    writeFileSync(file, '# comment\nA=from-file\nB=from-file\n');
    const r = run(['--env-file', file, '-e', 'B=from-flag', '-e', 'C', IMG, 'env'], undefined);
    expect(r.stdout).toMatch(/^PATH=\/usr\/local\/sbin/m);
    expect(r.stdout).toMatch(/^A=from-file$/m);
    expect(r.stdout).toMatch(/^B=from-flag$/m);
    expect(r.stdout).toMatch(/^HOSTNAME=[0-9a-f]{12}$/m);
    expect(r.stdout).toMatch(/^HOME=\/root$/m);
  });

  it('-w sets the working directory (created if missing)', () => {
    expect(sh('pwd', ['-w', '/srv/app']).stdout.trim()).toBe('/srv/app');
  });

  it('-u resolves names from the image and drops capabilities for non-root', () => {
    const r = sh('id -u; id -g; grep CapEff /proc/self/status', ['-u', 'nobody']);
    const [uid, , cap] = r.stdout.trim().split('\n');
    expect(uid).toBe('65534');
    expect(cap).toBe('CapEff:\t0000000000000000');
    expect(sh('id -u; id -g', ['-u', '1234:5678']).stdout.trim().split('\n')).toEqual(['1234', '5678']);
    const bad = sh('true', ['-u', 'no-such-user']);
    expect(bad.status).toBe(125);
    expect(bad.stderr).toMatch(/unable to find user no-such-user/);
  });

  it('--entrypoint replaces the image entrypoint; args follow the image', () => {
    const r = run(['--entrypoint', 'echo', IMG, 'a', '-n', 'b']);
    expect(r.stdout.trim()).toBe('a -n b');
  });

  it('-i passes stdin through', () => {
    const r = mr(root, ['run', '--rm', '-i', IMG, 'cat'], { input: 'hello through stdin\n' });
    expect(r.stdout).toBe('hello through stdin\n');
  });

  it('--init runs a reaping, signal-forwarding init as PID 1', () => {
    const r = sh('ps -o pid,args | sed -n 2p', ['--init']);
    expect(r.stdout).toMatch(/^\s*1 \/sbin\/mini-init -- sh/);
  });

  it('-t gives a terminal with the right size', () => {
    const r = spawnSync('script', ['-qec', `stty cols 101 rows 33; ${process.execPath} ${BIN} --root ${root} run --rm -it ${IMG} sh -c 'tty; stty size; exit 7'`, '/dev/null'],
      { encoding: 'utf8', input: '', timeout: 30_000 });
    expect(r.stdout).toMatch(/\/dev\/pts\/0\r?$/m); // a pty of the container's own devpts
    expect(r.stdout).toContain('33 101');
    expect(r.status).toBe(7);
  });
});

describe('terminal resize', () => {
  it('passes a window size change (SIGWINCH) on to the container', () => {
    // The outer terminal (made by `script`) is resized mid-run; the container must see it. The
    // resize waits until the container has read its first size (a file in a bind), and the
    // container waits (≤ 20 s) for the size to change: no race with a slow start under load.
    const sig = mkdtempSync('/tmp/mr-test-winch-');
    try {
      const resize = `(i=0; while [ ! -e ${sig}/read ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done; stty cols 132 rows 50 </dev/tty) &`;
      const inside = 'stty size; touch /sig/read; i=0; while [ "$(stty size)" = "24 80" ] && [ $i -lt 200 ]; do sleep 0.1; i=$((i+1)); done; stty size';
      const cmd = `stty cols 80 rows 24; ${resize} ${process.execPath} ${BIN} --root ${root} run --rm -it -v ${sig}:/sig ${IMG} sh -c '${inside}'`;
      const r = spawnSync('script', ['-qec', cmd, '/dev/null'], { encoding: 'utf8', input: '', timeout: 60_000 });
      const sizes = r.stdout.replace(/[^0-9 \n]/g, '').split('\n').map((l) => l.trim()).filter(Boolean);
      expect(sizes).toEqual(['24 80', '50 132']);
    } finally {
      rmSync(sig, { recursive: true, force: true });
    }
  });
});

describe('errors: one clear line, docker exit codes, nothing left', () => {
  it('an unknown image', () => {
    // Not local, so run tries to pull it (no registry is reachable from the tests): docker's
    // "Unable to find image … locally", maybe pull progress, then one error line.
    const r = mr(root, ['run', '--rm', 'no-such-image:1.0', 'true']);
    expect(r.status).toBe(125);
    expect(r.stderr).toMatch(/^Unable to find image 'no-such-image:1.0' locally$/m);
    const errors = r.stderr.trim().split('\n').filter((l) => l.startsWith('mini-run:'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/no-such-image/);
  });

  it('a bad flag value', () => {
    const r = mr(root, ['run', '--rm', '--memory', 'lots', IMG, 'true']);
    expect(r.status).toBe(125);
    expect(r.stderr).toMatch(/^mini-run: invalid argument "lots" for "-m, --memory" flag/);
  });

  it('-it without a terminal', () => {
    const r = mr(root, ['run', '--rm', '-it', IMG, 'true']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/the input device is not a TTY/);
  });

  it('a name already in use', () => {
    const first = mr(root, ['run', '--name', 'dup', IMG, 'true']);
    expect(first.status).toBe(0);
    const second = mr(root, ['run', '--name', 'dup', IMG, 'true']);
    expect(second.status).toBe(125);
    expect(second.stderr).toMatch(/already in use/);
  });

  it('leaves no container directory behind with --rm, also after failures', () => {
    const before = readdirSync(join(root, 'containers'));
    sh('exit 5');
    run([IMG, 'no-such-command']);
    expect(readdirSync(join(root, 'containers'))).toEqual(before);
  });
});

describe('no leaks', () => {
  it('cleans up after the CLI is SIGKILLed mid-run', async () => {
    const containers = join(root, 'containers');
    const before = readdirSync(containers).length;
    const child = spawn(process.execPath, [BIN, '--root', root, 'run', '--rm', IMG, 'sleep', '3617'], { stdio: 'ignore' });
    // Wait until the container is running (its cgroup exists), then kill the CLI.
    const deadline = Date.now() + 10_000;
    while (containerCgroups().length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(containerCgroups().length).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 300));
    child.kill('SIGKILL');
    await new Promise((r) => child.on('exit', r));
    // The container's processes die with it (PDEATHSIG → PID 1 gone → namespace killed): the
    // kernel does that asynchronously, so wait for it rather than for a fixed time.
    const sleeperGone = () => spawnSync('pgrep', ['-f', 'sleep 3617']).stdout.toString().trim() === '';
    await until(sleeperGone, 10_000).catch(() => undefined);
    expect(spawnSync('pgrep', ['-f', 'sleep 3617']).stdout.toString().trim()).toBe('');
    expect(readdirSync(containers).length).toBe(before + 1);
    // The next run sweeps the cgroup and the record away.
    expect(sh('true').status).toBe(0);
    expect(containerCgroups()).toEqual([]);
    expect(readdirSync(containers).length).toBe(before);
  });
});

describe('rm', () => {
  it('removes a stopped container by name; an unknown one is an error', () => {
    const c = mr(root, ['run', '--name', 'to-remove', IMG, 'true']);
    expect(c.status).toBe(0);
    const r = mr(root, ['rm', 'to-remove']);
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe('to-remove');
    const again = mr(root, ['rm', 'to-remove']);
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/No such container: to-remove/);
    expect(mr(root, ['rm', 'dup']).status).toBe(0);
  });
});

describe('cgroup limits through run (the cgroup drivers have their own tests on v1 and v2)', () => {
  it('--memory: a program allocating past it is OOM-killed, exit 137, recorded as OOM-killed', () => {
    const r = mr(root, ['run', '--name', 'oom', '--memory', '32m', IMG, 'sh', '-c', 'x=a; while :; do x=$x$x; done']);
    expect(r.status).toBe(137);
    const id = readdirSync(join(root, 'containers')).find((d) =>
      existsSync(join(root, 'containers', d, 'container.json')) && JSON.parse(readFileSync(join(root, 'containers', d, 'container.json'), 'utf8')).name === 'oom')!;
    const rec = JSON.parse(readFileSync(join(root, 'containers', id, 'container.json'), 'utf8'));
    expect(rec.state).toMatchObject({ Status: 'exited', ExitCode: 137, OOMKilled: true });
    expect(mr(root, ['rm', 'oom']).status).toBe(0);
  });

  it('--pids-limit: fork fails past the limit', () => {
    const r = sh('for i in $(seq 20); do sleep 1 & done; wait', ['--pids-limit', '10']);
    expect(r.stderr).toMatch(/can't fork/);
  });

  it('shows the container its own cgroups at /sys/fs/cgroup, read-only (v1: one bind per controller; v2: cgroup2)', () => {
    const v2 = existsSync('/sys/fs/cgroup/cgroup.controllers');
    const read = v2
      ? 'cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max'
      : 'cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max; ls /sys/fs/cgroup/memory/mini-run 2>&1 | head -1';
    const r = sh(`${read}; mkdir /sys/fs/cgroup/x 2>&1; echo 1 > /sys/fs/cgroup/pids/pids.max 2>&1 || true`, ['--memory', '48m', '--pids-limit', '42']);
    const lines = r.stdout.trim().split('\n');
    expect(lines.slice(0, 2)).toEqual([String(48 * 1024 * 1024), '42']);
    // its own group, not the host's tree: there is no mini-run parent to walk into
    if (!v2) expect(lines[2]).toMatch(/No such file or directory/);
    expect(r.stdout).toMatch(/Read-only file system/);
  });

  it('--cpus 0.5 holds a busy loop near 50% of one CPU', () => {
    const r = sh("time timeout 2 sh -c 'while :; do :; done'", ['--cpus', '0.5']);
    const user = Number(/user\s+0m\s*([\d.]+)s/.exec(r.stderr)?.[1]);
    const real = Number(/real\s+0m\s*([\d.]+)s/.exec(r.stderr)?.[1]);
    expect(real).toBeGreaterThan(1.9);
    expect(user / real).toBeGreaterThan(0.35);
    expect(user / real).toBeLessThan(0.65);
  });

  it('rejects impossible limits with docker\'s messages', () => {
    expect(sh('true', ['--memory', '1m']).stderr).toMatch(/minimum memory limit allowed is 6MB/);
    expect(sh('true', ['--cpus', '99']).stderr).toMatch(/range of CPUs is from 0.01 to/);
    expect(sh('true', ['--memory-swap', '64m']).stderr).toMatch(/always set the memory limit/);
  });
});
