/**
 * `mini-run exec` on the real kernel, as root: a process started in a running container
 * joins every namespace and the cgroup of that container, and behaves like docker exec.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { accessSync, closeSync, constants, existsSync, mkdtempSync, openSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, leaksFor, mr, removeRoot, tempRoot } from '../helpers/cli';

const IMG = 'mini-run/busybox';

let root: string;
let pid1: number; // host PID of the container's PID 1
let hostname: string;
const ourIds = new Set<string>(); // containers this file made (other test runs may share the host)

const exec = (args: string[], input?: string) => mr(root, ['exec', ...args], { input });
const sh = (script: string, flags: string[] = []) => exec([...flags, 'target', 'sh', '-c', script]);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function record(ref: string): { id: string; state: { Status: string; Pid: number }; config: { Hostname: string } } {
  const dir = join(root, 'containers');
  for (const id of readdirSync(dir)) {
    const rec = JSON.parse(readFileSync(join(dir, id, 'container.json'), 'utf8'));
    if (rec.name === ref) return rec;
  }
  throw new Error(`no container ${ref}`);
}

beforeAll(async () => {
  root = tempRoot('exec');
  // A long-running container to exec into: `sleep 600` is its PID 1.
  const r = mr(root, ['run', '-d', '--name', 'target', IMG, 'sleep', '600']);
  if (r.status !== 0) throw new Error(`the target container did not start: ${r.stderr}`);
  let rec = record('target');
  for (let i = 0; i < 100 && rec.state.Status !== 'running'; i++) {
    await sleep(100);
    rec = record('target');
  }
  expect(rec.state.Status).toBe('running');
  ourIds.add(rec.id);
  pid1 = rec.state.Pid;
  hostname = rec.config.Hostname;
});

afterAll(() => {
  expect(mr(root, ['rm', '-f', 'target']).status).toBe(0);
  // Mounts and processes are found by our root; cgroups are host-wide, so keep only ours.
  const leaks = leaksFor(root).filter((l) => !l.startsWith('cgroup:') || [...ourIds].some((id) => l.includes(id)));
  expect(leaks).toEqual([]);
  removeRoot(root);
});

describe('joins the running container', () => {
  it("runs in the container's PID namespace: ps shows its PID 1 and the exec'd process", () => {
    const r = exec(['target', 'ps', '-o', 'pid,args']);
    const rows = r.stdout.trim().split('\n').slice(1).map((l) => l.trim());
    // PID 1 of the container, and ps itself: not the host's processes, no runtime helper.
    expect({ rows, stderr: r.stderr }).toEqual({ rows: ['1 sleep 600', expect.stringMatching(/^\d+ ps -o pid,args$/)], stderr: '' });
    expect(sh('readlink /proc/self/ns/pid').stdout.trim()).toBe(readlinkSync(`/proc/${pid1}/ns/pid`));
  });

  it('has the same hostname (UTS namespace)', () => {
    expect(exec(['target', 'hostname']).stdout.trim()).toBe(hostname);
    expect(hostname).not.toBe(spawnSync('hostname').stdout.toString().trim());
  });

  it("is in the container's mount, UTS, IPC and network namespaces", () => {
    const names = ['mnt', 'uts', 'ipc', 'net'];
    const inside = sh(`for n in ${names.join(' ')}; do readlink /proc/self/ns/$n; done`).stdout.trim().split('\n');
    expect(inside).toEqual(names.map((n) => readlinkSync(`/proc/${pid1}/ns/${n}`)));
    inside.forEach((ns, i) => expect(ns).not.toBe(readlinkSync(`/proc/self/ns/${names[i]}`)));
  });

  it('sees the same filesystem: a file written by one exec is read by another', () => {
    expect(sh('echo from-exec > /tmp/shared').status).toBe(0);
    expect(exec(['target', 'cat', '/tmp/shared']).stdout).toBe('from-exec\n');
    expect(existsSync('/tmp/shared') && readFileSync('/tmp/shared', 'utf8') === 'from-exec\n').toBe(false);
  });

  it("joins the container's cgroup", () => {
    expect(exec(['target', 'cat', '/proc/self/cgroup']).stdout).toBe(readFileSync(`/proc/${pid1}/cgroup`, 'utf8'));
  });

  it("gets the container's environment, user and working directory by default", () => {
    const r = sh('echo $HOSTNAME; id -u; pwd; echo $PATH');
    expect(r.stdout.trim().split('\n')).toEqual([hostname, '0', '/', '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin']);
  });
});

describe('exit codes like docker exec', () => {
  it("passes the program's exit code through", () => {
    expect(sh('exit 3').status).toBe(3);
    expect(exec(['target', 'true']).status).toBe(0);
  });

  it('128+N when the program is killed by signal N', () => {
    expect(sh('kill -9 $$').status).toBe(137);
  });

  it('127 when the command is not found, 126 when it cannot be executed', () => {
    const nf = exec(['target', 'no-such-command']);
    expect(nf.status).toBe(127);
    expect(nf.stderr).toMatch(/executable file not found/);
    const ne = exec(['target', '/etc/passwd']);
    expect(ne.status).toBe(126);
    expect(ne.stderr).toMatch(/permission denied/);
  });

  it('an unknown container: "No such container", exit 1', () => {
    const r = exec(['x', 'true']);
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe('mini-run: No such container: x');
  });

  it('a stopped container: a clear message, exit 1', () => {
    expect(mr(root, ['run', '--name', 'stopped', IMG, 'true']).status).toBe(0);
    ourIds.add(record('stopped').id);
    const r = exec(['stopped', 'true']);
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toMatch(/^mini-run: container [0-9a-f]{64} is not running$/);
    expect(mr(root, ['rm', 'stopped']).status).toBe(0);
  });

  it('a missing working directory: 126, naming it', () => {
    const r = exec(['-w', '/no/such/dir', 'target', 'pwd']);
    expect(r.status).toBe(126);
    expect(r.stderr).toMatch(/\/no\/such\/dir/);
  });
});

describe('options', () => {
  it('-e and --env-file add to the environment, -w sets the directory', () => {
    const dir = mkdtempSync('/tmp/mr-exec-env-');
    try {
      writeFileSync(join(dir, 'env'), '# comment\nFROM_FILE=f\nBOTH=file\n');
      const r = exec(['-e', 'FOO=bar', '--env-file', join(dir, 'env'), '-e', 'BOTH=flag', '-w', '/tmp', 'target',
        'sh', '-c', 'echo $FOO $FROM_FILE $BOTH $HOSTNAME; pwd']);
      expect(r.stdout.trim().split('\n')).toEqual([`bar f flag ${hostname}`, '/tmp']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('everything after the command belongs to it, even if it looks like a flag', () => {
    expect(exec(['target', 'echo', '-u', 'nobody', '-i', '--privileged']).stdout).toBe('-u nobody -i --privileged\n');
  });

  it('-u nobody runs as uid 65534 with no capabilities', () => {
    const r = sh('id -u; id -g; grep CapEff /proc/self/status; echo $HOME', ['-u', 'nobody']);
    expect(r.stdout.trim().split('\n')).toEqual(['65534', '65534', 'CapEff:\t0000000000000000', '/nonexistent']);
  });

  it("-u resolves names in the container's current /etc/passwd", () => {
    expect(sh("echo 'late:x:4242:4243::/home/late:/bin/sh' >> /etc/passwd").status).toBe(0);
    expect(sh('id -u; id -g', ['-u', 'late']).stdout.trim().split('\n')).toEqual(['4242', '4243']);
    const r = exec(['-u', 'nosuchuser', 'target', 'id']);
    expect(r.status).toBe(126);
    expect(r.stderr).toMatch(/unable to find user nosuchuser/);
  });

  it("-u never reads a host file through a symlink in the container's /etc", () => {
    // A host file the container must not be able to point us at.
    const probe = mkdtempSync('/tmp/mr-exec-probe-');
    writeFileSync(join(probe, 'passwd'), 'escaped:x:4343:4343::/:/bin/sh\n');
    try {
      expect(sh(`cp /etc/passwd /etc/passwd.orig && ln -sf /../../../../../..${probe}/passwd /etc/passwd`).status).toBe(0);
      const r = exec(['-u', 'escaped', 'target', 'id', '-u']);
      expect(r.stdout).not.toContain('4343');
      expect(r.status).toBe(126);
    } finally {
      sh('mv /etc/passwd.orig /etc/passwd');
      rmSync(probe, { recursive: true, force: true });
    }
  });

  it('--privileged gives the command every capability', () => {
    const caps = (flags: string[]) => sh('grep -E "^Cap(Eff|Bnd)" /proc/self/status', flags).stdout;
    expect(caps([])).toContain('CapEff:\t00000000a80425fb'); // the container's (docker's defaults)
    expect(caps([])).toContain('CapBnd:\t00000000a80425fb');
    const priv = caps(['--privileged']);
    expect(priv).not.toContain('00000000a80425fb');
    const eff = BigInt('0x' + /CapEff:\t([0-9a-f]+)/.exec(priv)![1]);
    expect(eff & 0x200000n).toBe(0x200000n); // CAP_SYS_ADMIN
  });

  it('-i passes stdin through; without -i the command gets none', () => {
    expect(exec(['-i', 'target', 'sh', '-c', 'cat; echo end'], 'hello\n').stdout).toBe('hello\nend\n');
    expect(exec(['target', 'sh', '-c', 'cat; echo end'], 'hello\n').stdout).toBe('end\n');
  });

  it("-t gives a terminal from the container's devpts", () => {
    const r = spawnSync('script', ['-qec', `stty cols 91 rows 27; ${process.execPath} ${BIN} --root ${root} exec -it target sh -c 'tty; stty size; echo $TERM; exit 5'`, '/dev/null'],
      { encoding: 'utf8', input: '', timeout: 30_000 });
    // (no ^ anchor: `script` may echo its own input's EOF as ^@ before our output)
    expect(r.stdout).toMatch(/\/dev\/pts\/\d+\r*$/m);
    expect(r.stdout).toContain('27 91');
    expect(r.stdout).toContain('xterm');
    expect(r.status).toBe(5);
  });

  it('-t into a slow pipe: every byte of the output arrives before the CLI exits', () => {
    // Our stdout is a pipe whose reader starts late: the terminal's output queues in the CLI,
    // which must not exit (it exits early, without Node's teardown) before that queue has left.
    const r = spawnSync('sh', ['-c', `${process.execPath} ${BIN} --root ${root} exec -t target head -c 3000000 /dev/zero | (sleep 1; wc -c)`],
      { encoding: 'utf8', input: '', timeout: 60_000 });
    expect(r.stdout.trim()).toBe('3000000');
    // …and its end is not lost at the pty's last close (runtime/terminal.ts holds a slave until drained)
    for (let i = 0; i < 3; i++) {
      const s = spawnSync('sh', ['-c', `${process.execPath} ${BIN} --root ${root} exec -t target seq 1 200000 | wc -l`], { encoding: 'utf8', input: '', timeout: 60_000 });
      expect(s.stdout.trim(), `exec -t seq, round ${i + 1}`).toBe('200000');
    }
  });

  it('-t without a terminal on stdin: "the input device is not a TTY", exit 1', () => {
    const r = exec(['-it', 'target', 'true']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/not a TTY/);
  });

  it('-d returns at once and the command runs on in the background', async () => {
    const t0 = Date.now();
    const r = exec(['-d', 'target', 'sh', '-c', 'sleep 1.5; echo later > /tmp/detached']);
    const took = Date.now() - t0;
    expect({ status: r.status, stdout: r.stdout, stderr: r.stderr }).toEqual({ status: 0, stdout: '', stderr: '' });
    expect(took).toBeLessThan(1500);
    expect(exec(['target', 'cat', '/tmp/detached']).stdout).toBe(''); // not yet
    let out = '';
    for (let i = 0; i < 50 && out !== 'later\n'; i++) {
      await sleep(100);
      out = exec(['target', 'cat', '/tmp/detached']).stdout;
    }
    expect(out).toBe('later\n');
  });

  it("lets no runtime file descriptor reach the program", () => {
    const r = sh('ls /proc/self/fd | sort -n | tr "\\n" " "');
    // 0,1,2 are ours; the 3rd is ls's own open of /proc/self/fd.
    expect(r.stdout.trim().split(' ')).toEqual(['0', '1', '2', '3']);
  });

  it('--trace shows the setns calls: mount namespace and root first, the PID namespace (for the child) last', () => {
    const r = mr(root, ['--trace', 'exec', 'target', 'true']);
    expect(r.status).toBe(0);
    // the order is the protection (CVE-2016-9962 class): nothing runs in the container's PID
    // namespace before the container's root is ours
    expect(r.stderr).toMatch(/\[exec\] setns\(\d+ \/\* \/proc\/\d+\/ns\/mnt \*\/, CLONE_NEWNS\) = 0\n(.*\n)*\[exec\] chroot\("\."\) = 0\n(.*\n)*\[exec\] setns\(\d+ \/\* \/proc\/\d+\/ns\/pid \*\/, CLONE_NEWPID\) = 0\n(.*\n)*\[exec\] # spawn \/bin\/true/);
    expect(r.stderr).not.toMatch(/\[run\] setns/);
  });
});

// (The whole file also runs with MINI_RUN_EXEC_NODE=1, the Node exec process: then these cases,
// which compare the two or look at the C one, have nothing to look at.)
const nodeForced = process.env.MINI_RUN_EXEC_NODE === '1';
if (nodeForced) console.log('exec.test: MINI_RUN_EXEC_NODE=1: the native exec process cases are skipped');
describe.skipIf(nodeForced)('the native exec process (native/exec-process.c; MINI_RUN_EXEC_NODE=1: the Node one)', () => {
  const nodePath = { env: { MINI_RUN_EXEC_NODE: '1' } };

  it('is the one used when built; the Node one when forced, with the same output, exit code and steps', () => {
    const native = mr(root, ['--trace', 'exec', '-u', 'nobody', '-w', '/tmp', 'target', 'sh', '-c', 'id -u; pwd; exit 7']);
    const node = mr(root, ['--trace', 'exec', '-u', 'nobody', '-w', '/tmp', 'target', 'sh', '-c', 'id -u; pwd; exit 7'], nodePath);
    expect([native.status, native.stdout]).toEqual([7, '65534\n/tmp\n']);
    expect([node.status, node.stdout]).toEqual([7, '65534\n/tmp\n']);
    expect(native.stderr).toMatch(/\[run\] # exec process \d+: native\/exec-process \(C\)/);
    expect(node.stderr).not.toMatch(/native\/exec-process/);
    // …with a terminal the runtime relays too (-t without -d: the relay drains the pty, terminal.ts)
    const tty = mr(root, ['--trace', 'exec', '-t', 'target', 'true']);
    expect([tty.status, tty.stderr]).toEqual([0, expect.stringMatching(/\[run\] # exec process \d+: native\/exec-process \(C\)/)]);
    // the same primitives in the same order, as the lessons show them
    const steps = (t: string) => t.split('\n').filter((l) => l.startsWith('[exec] '))
      .map((l) => /^\[exec\] (?:# )?(setns|chroot|seccomp|setresuid|chdir|capset|close_range|spawn)\b/.exec(l)?.[1]).filter(Boolean);
    // (the native one also gives up, after its fork, every capability but CAP_KILL: it only relays)
    expect(native.stderr).toContain('[exec] capset({V3, 0}, {eff=0x20, prm=0x20, inh=0x0}) = 0\n');
    const relay = '[exec] capset({V3, 0}, {eff=0x20, prm=0x20, inh=0x0}) = 0';
    expect(steps(native.stderr.split('\n').filter((l) => l !== relay).join('\n'))).toEqual(steps(node.stderr));
  });

  it('errors of the program\'s own process (cwd, PATH) come back as the same line and code on both paths', () => {
    for (const opts of [{}, nodePath]) {
      const cwd = mr(root, ['exec', '-w', '/no/such/dir', 'target', 'pwd'], opts);
      expect([cwd.status, cwd.stderr]).toEqual([126, 'mini-run: chdir to cwd ("/no/such/dir") set in config.json failed: no such file or directory\n']);
      const nf = mr(root, ['exec', 'target', 'no-such-command'], opts);
      expect([nf.status, nf.stderr]).toEqual([127, 'mini-run: exec: "no-such-command": executable file not found in $PATH\n']);
    }
  });

  it('a variable with a NUL byte (an env file can hold one): the same one line and 125 on both paths, nothing run', () => {
    // execve's strings end at the NUL: the C process would have run the program with "X=a"
    const dir = mkdtempSync('/tmp/mr-test-exec-nul-');
    try {
      writeFileSync(join(dir, 'env'), 'X=a\0b\n');
      for (const opts of [{}, nodePath]) {
        const r = mr(root, ['exec', '--env-file', join(dir, 'env'), 'target', 'sh', '-c', 'echo "X=$X" > /tmp/nul-ran'], opts);
        expect([r.status, r.stdout, r.stderr]).toEqual([125, '', 'mini-run: exec: env "X=a\\u0000b" contains a NUL byte\n']);
        expect(exec(['target', 'sh', '-c', 'cat /tmp/nul-ran 2>&1 || true']).stdout).toMatch(/No such file/);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('relays a signal sent to exec to the program and dies by it (SIGTERM: 143)', async () => {
    const child = spawn(process.execPath, [BIN, '--root', root, 'exec', 'target', 'sh', '-c', 'echo ready; sleep 60'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    for (let i = 0; i < 300 && out !== 'ready\n'; i++) await sleep(100);
    expect(out).toBe('ready\n');
    const done = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await done).toBe(143);
  });

  it('attack (CVE-2019-5736 class): the exec process runs from a read-only bind — its /proc/PID/exe cannot be opened for writing, and `#!/proc/self/exe` in the container gets a process that finds no order and does nothing', async () => {
    const child = spawn(process.execPath, [BIN, '--root', root, 'exec', 'target', 'sh', '-c', 'echo ready; sleep 60'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    const done = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    try {
      for (let i = 0; i < 300 && out !== 'ready\n'; i++) await sleep(100);
      expect(out).toBe('ready\n');
      // the exec process: the CLI's child whose binary is the exec-process
      const helper = readdirSync('/proc').filter((p) => /^\d+$/.test(p)).find((p) => {
        try {
          return readFileSync(`/proc/${p}/stat`, 'utf8').replace(/^.*\) /, '').split(' ')[1] === String(child.pid);
        } catch { return false; }
      });
      expect(helper).toBeDefined();
      expect(readlinkSync(`/proc/${helper}/exe`)).toBe('/run/mini-run/exec-process');
      // what the container's root would meet through /proc/PID/exe: EROFS (never O_TRUNC here)
      expect(() => accessSync(`/proc/${helper}/exe`, constants.W_OK)).toThrow(/EROFS/);
      expect(() => closeSync(openSync(`/proc/${helper}/exe`, 'r+'))).toThrow(/EROFS|ETXTBSY/);
    } finally {
      child.kill('SIGTERM');
      await done;
    }
    // the exec'd program's interpreter is /proc/self/exe: the kernel runs the exec process's
    // own binary inside the container. It has no sync socket there (fd 3 closed on exec): it
    // stops with 125 before doing anything, and the container is as it was.
    expect(sh('printf "#!/proc/self/exe\\n" > /tmp/selfexe && chmod +x /tmp/selfexe').status).toBe(0);
    const r = exec(['target', '/tmp/selfexe']);
    expect([r.status, r.stdout, r.stderr]).toEqual([125, '', '']);
    expect(exec(['target', 'ps', '-o', 'pid,args']).stdout.trim().split('\n').slice(1).map((l) => l.trim()))
      .toEqual(['1 sleep 600', expect.stringMatching(/^\d+ ps -o pid,args$/)]);
  });
});
