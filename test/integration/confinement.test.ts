/**
 * Escapes from a container through what the runtime hands it, attacked from inside on the
 * real kernel: the caller's terminal (TIOCSTI injection, CVE-2016-7545 / CVE-2017-5226 class),
 * host devices (raw device access through mknod in a volume), the runtime binary (CVE-2019-5736:
 * `#!/proc/self/exe` runs the host's node in the container, which then writes it), the exec helper (CVE-2016-9962:
 * reaching the host through a runtime process that joins the container).
 * Each test checks that the attack fails and that nothing is left on the host.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { accessSync, chmodSync, constants, existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, REPO, leaksFor, mr, removeRoot, tempRoot } from '../helpers/cli';

const IMG = 'mini-run/busybox';
const PROBE = join(REPO, 'native', 'build', 'syscall-probe');
let root: string;

beforeAll(() => {
  root = tempRoot('confine');
  const r = mr(root, ['run', '--rm', '--network', 'none', IMG, 'true']); // builds the built-in image
  if (r.status !== 0) throw new Error(`first run failed: ${r.stderr}`);
});

afterAll(() => {
  expect(leaksFor(root)).toEqual([]);
  removeRoot(root);
});

/** Run mini-run with a real terminal as its stdin/stdout/stderr (util-linux `script`), as an operator would. */
function inTerminal(args: string[]): string {
  const line = [process.execPath, BIN, '--root', root, ...args].map((a) => `'${a}'`).join(' ');
  const r = spawnSync('script', ['-qec', line, '/dev/null'], { encoding: 'utf8', timeout: 60_000 });
  return r.stdout.replace(/\r/g, '');
}

describe("the caller's terminal (TIOCSTI injection, CVE-2016-7545 / CVE-2017-5226 class)", () => {
  it('without -t, neither a container nor an exec\'d process can reach the terminal mini-run was started from', () => {
    const probe = ['-v', `${PROBE}:/probe:ro`];
    // no controlling terminal at all (/dev/tty: ENXIO, as in Docker); fds 0–2 are not the terminal
    expect(inTerminal(['run', '--rm', '-i', '--network', 'none', ...probe, IMG, '/probe', 'tty']))
      .toBe('/dev/tty ENXIO\nTIOCSTI(0) ENOTTY\nTIOCSTI(1) ENOTTY\nTIOCSTI(2) ENOTTY\n');
    const name = `mr-confine-tty-${process.pid}`;
    expect(mr(root, ['run', '-d', '--name', name, '--network', 'none', ...probe, IMG, 'sleep', '60']).status).toBe(0);
    try {
      // exec -i without -t gets pipes, as Docker's: no terminal on fds 0–2 (ENOTTY), none to open
      expect(inTerminal(['exec', '-i', name, '/probe', 'tty'])).toBe('/dev/tty ENXIO\nTIOCSTI(0) ENOTTY\nTIOCSTI(1) ENOTTY\nTIOCSTI(2) ENOTTY\n');
      // termios attack: `stty -echo` on fd 0 from inside would turn off the operator's echo;
      // afterwards the operator's terminal (stty in the same `script` session) still echoes
      const line = `'${process.execPath}' '${BIN}' --root '${root}' exec -i ${name} stty -echo; stty -a | grep -o -- ' -*echo ' | head -1`;
      const termios = spawnSync('script', ['-qec', line, '/dev/null'], { encoding: 'utf8', timeout: 60_000 }).stdout.replace(/\r/g, '');
      expect(termios).toBe('stty: standard input: Inappropriate ioctl for device\n echo \n');
      // and the exec'd program's input and output still flow through those pipes
      expect(inTerminal(['exec', '-i', name, 'sh', '-c', 'echo out; echo err >&2; exit 3'])).toBe('out\nerr\n');
      // with -t the process gets a pty of its own, and may type into that one
      expect(inTerminal(['exec', '-t', name, '/probe', 'tty'])).toMatch(/\/dev\/tty ok\nTIOCSTI\(0\) ok\n/);
    } finally {
      mr(root, ['rm', '-f', name]);
    }
  });
});

describe('host devices (class: raw host device access — mknod a host device node where it can be opened)', () => {
  const cgroupV1 = existsSync('/sys/fs/cgroup/devices/devices.list');

  it('container root may mknod in a volume but not open the node; --privileged may (the device cgroup decides)', () => {
    const dir = mkdtempSync('/tmp/mr-test-devices-');
    try {
      // /dev/kmsg's node (c 1:11), opened for writing and closed at once: nothing is written
      const script = 'mknod /v/kmsg c 1 11 && mknod /v/disk b 7 0 && echo made; exec 3>/v/kmsg && echo opened';
      const confined = mr(root, ['run', '--rm', '--network', 'none', '-v', `${dir}:/v`, IMG, 'sh', '-c', script]);
      expect(confined.stdout).toBe('made\n');
      expect(confined.stderr).toBe("sh: can't create /v/kmsg: Operation not permitted\n");
      const privileged = mr(root, ['run', '--rm', '--network', 'none', '--privileged', '-v', `${dir}:/v`, IMG, 'sh', '-c', `rm /v/kmsg /v/disk; ${script}`]);
      expect([privileged.stdout, privileged.stderr]).toEqual(['made\nopened\n', '']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('--privileged makes the host\'s device nodes in the container\'s /dev, as Docker does (no mount each; ptmx stays the container\'s own)', () => {
    const hostNodes = readdirSync('/dev').filter((n) => !['console', 'ptmx'].includes(n)).filter((n) => {
      const st = lstatSync(`/dev/${n}`);
      return st.isCharacterDevice() || st.isBlockDevice();
    }).sort();
    const r = mr(root, ['run', '--rm', '--network', 'none', '--privileged', IMG, 'sh', '-c',
      'for n in /dev/*; do [ -L "$n" ] && continue; { [ -c "$n" ] || [ -b "$n" ]; } && echo "${n#/dev/}"; done; echo ---; ls -l /dev/kmsg; readlink /dev/ptmx; echo ---; cut -d" " -f5 /proc/self/mountinfo | grep "^/dev/" | sort']);
    expect(r.stderr).toBe('');
    const [names, details, devMounts] = r.stdout.split('---\n');
    expect(names.trim().split('\n').sort()).toEqual(hostNodes);
    expect(details).toMatch(/^c\S+\s+\d+\s+\S+\s+\S+\s+1,\s+11 .*\/dev\/kmsg\npts\/ptmx\n$/);
    expect(devMounts.trim().split('\n')).toEqual(['/dev/mqueue', '/dev/pts', '/dev/shm']);
    // without --privileged: only Docker's few
    const plain = mr(root, ['run', '--rm', '--network', 'none', IMG, 'sh', '-c', 'for n in /dev/*; do [ -L "$n" ] && continue; [ -c "$n" ] && echo "${n#/dev/}"; done']);
    expect(plain.stdout.trim().split('\n').sort()).toEqual(['full', 'null', 'random', 'tty', 'urandom', 'zero']);
  });

  it('-v DIR:/dev is the user\'s /dev, as in Docker: no pts/shm/mqueue mounts or device nodes made in the user\'s directory', () => {
    const dir = mkdtempSync('/tmp/mr-test-userdev-');
    try {
      writeFileSync(join(dir, 'mine'), 'x\n');
      const r = mr(root, ['run', '--rm', '--network', 'none', '-v', `${dir}:/dev`, IMG, 'sh', '-c', 'cut -d" " -f4,5 /proc/self/mountinfo | grep " /dev"; echo ---; ls /dev']);
      expect([r.status, r.stderr]).toEqual([0, '']);
      const [mountLines, listing] = r.stdout.split('---\n');
      const devMounts = mountLines.trim().split('\n').map((l) => l.split(' ')); // [root in its fs, mount point]
      // what the container sees at /dev is the user's directory (the bind on top; the runtime's
      // own tmpfs lies covered under it, only to hold the null device the masks bind)
      expect(devMounts.filter(([, at]) => at === '/dev').pop()?.[0]).toBe(dir);
      expect(listing).toBe('mine\n');
      // Docker's defaults under /dev are not mounted (Docker 20.10 here lists none either)
      expect(devMounts.map(([, at]) => at).filter((at) => /^\/dev\/(pts|shm|mqueue)$/.test(at))).toEqual([]);
      expect(readdirSync(dir)).toEqual(['mine']); // nothing made on the host through the bind
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.skipIf(!cgroupV1)("cgroup v1: the container's devices.list is Docker's default list", () => {
    const r = mr(root, ['run', '--rm', '--network', 'none', IMG, 'cat', '/sys/fs/cgroup/devices/devices.list']);
    expect(r.stdout.trim().split('\n').sort()).toEqual([
      'b *:* m', 'c *:* m', 'c 1:3 rwm', 'c 1:5 rwm', 'c 1:7 rwm', 'c 1:8 rwm', 'c 1:9 rwm',
      'c 10:200 rwm', 'c 136:* rwm', 'c 5:0 rwm', 'c 5:1 rwm', 'c 5:2 rwm',
    ].sort());
    const host = readFileSync('/sys/fs/cgroup/devices/devices.list', 'utf8');
    expect(host).toBe('a *:* rwm\n'); // the host's own list is untouched
  });
});

describe('--device and --device-cgroup-rule (Docker\'s syntax): the named device opens, every other one stays refused', () => {
  const hasFuse = existsSync('/dev/fuse'); // c 10:229, opening it has no effect until a FUSE mount

  it.skipIf(!hasFuse)('--device /dev/fuse makes the node and lets it open; a node made for /dev/kmsg is still refused', () => {
    const dir = mkdtempSync('/tmp/mr-test-device-');
    try {
      const script = 'stat -c "%F %t:%T" /dev/fuse; exec 3<>/dev/fuse && echo fuse-opened; '
        + 'mknod /v/kmsg c 1 11; exec 4>/v/kmsg && echo kmsg-opened';
      const r = mr(root, ['run', '--rm', '--network', 'none', '--device', '/dev/fuse', '-v', `${dir}:/v`, IMG, 'sh', '-c', script]);
      expect(r.stdout).toBe('character special file a:e5\nfuse-opened\n');
      expect(r.stderr).toBe("sh: can't create /v/kmsg: Operation not permitted\n");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.skipIf(!hasFuse)('HOST:CONTAINER:PERMS: the node at the new path, read allowed and write refused by the cgroup', () => {
    // (a failed `exec` redirection ends a POSIX shell: the opens run in subshells)
    const script = '(exec 3</dev/myfuse) && echo read-opened; (exec 4>/dev/myfuse) && echo WRITE-OPENED; ls /dev/fuse';
    const r = mr(root, ['run', '--rm', '--network', 'none', '--device', '/dev/fuse:/dev/myfuse:r', IMG, 'sh', '-c', script]);
    expect(r.stdout).toBe('read-opened\n');
    expect(r.stderr).toMatch(/^sh: can't create \/dev\/myfuse: Operation not permitted\nls: \/dev\/fuse: No such file or directory\n$/);
  });

  it.skipIf(!hasFuse)('--device-cgroup-rule opens a node made inside; without the rule the same node is refused', () => {
    const dir = mkdtempSync('/tmp/mr-test-device-');
    try {
      const script = 'rm -f /v/fuse; mknod /v/fuse c 10 229 && exec 3<>/v/fuse && echo opened';
      const withRule = mr(root, ['run', '--rm', '--network', 'none', '--device-cgroup-rule', 'c 10:* rw', '-v', `${dir}:/v`, IMG, 'sh', '-c', script]);
      expect([withRule.stdout, withRule.stderr]).toEqual(['opened\n', '']);
      const without = mr(root, ['run', '--rm', '--network', 'none', '-v', `${dir}:/v`, IMG, 'sh', '-c', script]);
      expect([without.stdout, without.stderr]).toEqual(['', "sh: can't create /v/fuse: Operation not permitted\n"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('inspect shows HostConfig.Devices and DeviceCgroupRules as Docker does; bad values are one line, exit 125, nothing created', () => {
    const name = `mr-confine-devices-${process.pid}`;
    expect(mr(root, ['create', '--name', name, '--device', '/dev/null:/dev/mynull:r', '--device-cgroup-rule', 'c 10:* rm', IMG, 'true']).status).toBe(0);
    try {
      expect(JSON.parse(mr(root, ['inspect', '-f', '{{json .HostConfig.Devices}}', name]).stdout))
        .toEqual([{ PathOnHost: '/dev/null', PathInContainer: '/dev/mynull', CgroupPermissions: 'r' }]);
      expect(mr(root, ['inspect', '-f', '{{json .HostConfig.DeviceCgroupRules}}', name]).stdout).toBe('["c 10:* rm"]\n');
    } finally {
      mr(root, ['rm', '-f', name]);
    }
    const before = mr(root, ['ps', '-aq']).stdout;
    for (const [flag, value, message] of [
      ['--device', '/dev/null:/x:rwz', 'bad mode specified: rwz'],
      ['--device', '/dev/null:rel', 'rel is not an absolute path'],
      ['--device', 'a:b:c:d', 'bad format for path: a:b:c:d'],
      ['--device', '/nonexistent', 'error gathering device information while adding custom device "/nonexistent": no such file or directory'],
      ['--device', '/etc/passwd', 'error gathering device information while adding custom device "/etc/passwd": not a device node'],
      ['--device-cgroup-rule', 'c 1:3 rwq', 'invalid argument "c 1:3 rwq" for "--device-cgroup-rule" flag: invalid device cgroup format \'c 1:3 rwq\''],
    ]) {
      const bad = mr(root, ['run', '--rm', '--network', 'none', flag, value, IMG, 'true']);
      expect([bad.status, bad.stderr]).toEqual([125, `mini-run: ${message}\n`]);
    }
    expect(mr(root, ['ps', '-aq']).stdout).toBe(before);
  });
});

describe('the exec helper (CVE-2016-9962 class: the host reached through a runtime process joining the container)', () => {
  it('a container allowed to ptrace finds no process whose root is the host\'s during 20 execs', () => {
    const name = `mr-confine-ptrace-${process.pid}`;
    // Inside: look at every process's /proc/PID/root, again and again, for a file only the host
    // has (this repository's package.json). A runtime helper that is visible in the container's
    // PID namespace while its root is still the host's would show up here.
    const marker = join(REPO, 'package.json');
    const watcher = `while :; do for p in /proc/[0-9]*; do [ -e $p/root${marker} ] && echo "LEAK \${p#/proc/}"; done; done`;
    const started = mr(root, ['run', '-d', '--name', name, '--network', 'none', '--cap-add', 'SYS_PTRACE', IMG, 'sh', '-c', watcher]);
    expect(started.stderr).toBe('');
    try {
      for (let i = 0; i < 20; i++) expect(mr(root, ['exec', name, 'true']).status).toBe(0);
      // the watcher really can read /proc/PID/root: its own shows the container's files
      expect(mr(root, ['exec', name, 'sh', '-c', 'ls /proc/1/root/bin/busybox']).stdout).toBe('/proc/1/root/bin/busybox\n');
      expect(mr(root, ['logs', name]).stdout).toBe('');
    } finally {
      mr(root, ['rm', '-f', name]);
    }
  });
});

describe('what else a Docker user sees: supplementary groups, --group-add, --ulimit', () => {
  it('id shows the primary group among the groups, as in Docker; --group-add adds more (unknown name: exit 125)', () => {
    expect(mr(root, ['run', '--rm', '--network', 'none', IMG, 'id']).stdout).toBe('uid=0(root) gid=0(root) groups=0(root),10(wheel)\n');
    expect(mr(root, ['run', '--rm', '--network', 'none', '-u', 'user', '--group-add', 'tty', '--group-add', '4242', IMG, 'id']).stdout)
      .toBe('uid=1000(user) gid=1000(user) groups=5(tty),100(users),1000(user),4242\n'); // the kernel sorts them
    const bad = mr(root, ['run', '--rm', '--network', 'none', '--group-add', 'nosuchgroup', IMG, 'id']);
    expect([bad.status, bad.stderr]).toEqual([125, 'mini-run: Unable to find group nosuchgroup: no matching entries in group file\n']);
  });

  it('exec -u USER joins the container\'s --group-add groups too, as Docker\'s exec; inspect shows HostConfig.GroupAdd', () => {
    // Docker 20.10 here, same image and flags: exec -u user id → groups=5(tty),100(users),1000(user),4242
    const name = `mr-confine-groups-${process.pid}`;
    expect(mr(root, ['run', '-d', '--name', name, '--network', 'none', '--group-add', 'tty', '--group-add', '4242', IMG, 'sleep', '60']).status).toBe(0);
    try {
      expect(mr(root, ['exec', '-u', 'user', name, 'id']).stdout).toBe('uid=1000(user) gid=1000(user) groups=5(tty),100(users),1000(user),4242\n');
      expect(mr(root, ['exec', name, 'id']).stdout).toBe('uid=0(root) gid=0(root) groups=0(root),5(tty),10(wheel),4242\n');
      expect(mr(root, ['inspect', '-f', '{{json .HostConfig.GroupAdd}}', name]).stdout).toBe('["tty","4242"]\n');
    } finally {
      mr(root, ['rm', '-f', name]);
    }
    const none = mr(root, ['create', '--network', 'none', IMG, 'true']);
    expect(mr(root, ['inspect', '-f', '{{json .HostConfig.GroupAdd}}', none.stdout.trim()]).stdout).toBe('null\n');
    mr(root, ['rm', none.stdout.trim()]);
  });

  it('stdin without -i is the container\'s /dev/null opened read-write, as runc and Docker give it (a write to fd 0 works)', () => {
    // Docker 20.10 here: flags 0100002 (O_RDWR|O_LARGEFILE), `echo >&0` succeeds
    const r = mr(root, ['run', '--rm', '--network', 'none', IMG, 'sh', '-c', 'grep flags /proc/self/fdinfo/0; echo hi >&0 && echo wrote; readlink /proc/self/fd/0']);
    expect(r.stderr).toBe('');
    // exactly Docker's flags: O_RDWR|O_LARGEFILE, no O_NOFOLLOW left from a guarded open (was 0500002)
    expect(r.stdout).toMatch(/^flags:\s+0100002\nwrote\n\/dev\/null\n$/);
    // the null device the container's /dev has, not the host's (same device, another mount)
    const ids = mr(root, ['run', '--rm', '--network', 'none', IMG, 'sh', '-c', 'grep mnt_id /proc/self/fdinfo/0; grep mnt_id /proc/self/fdinfo/3 3</dev/null']);
    const [stdinMnt, devNullMnt] = ids.stdout.trim().split('\n').map((l) => l.split(/\s+/)[1]);
    expect(stdinMnt).toBe(devNullMnt);
  });

  it('--ulimit sets soft and hard limits for the container and its exec\'d processes; a bad one is exit 125', () => {
    const r = mr(root, ['run', '--rm', '--network', 'none', '--ulimit', 'nofile=100:200', '--ulimit', 'core=0', IMG, 'sh', '-c', 'ulimit -Sn; ulimit -Hn; ulimit -c']);
    expect([r.stderr, r.stdout]).toEqual(['', '100\n200\n0\n']);
    for (const [flag, message] of [
      ['nofile', 'invalid argument "nofile" for "--ulimit" flag: invalid ulimit argument: nofile'],
      ['bogus=1', 'invalid argument "bogus=1" for "--ulimit" flag: invalid ulimit type: bogus'],
      ['nofile=300:200', 'invalid argument "nofile=300:200" for "--ulimit" flag: ulimit soft limit must be less than or equal to hard limit: 300 > 200'],
    ]) {
      const bad = mr(root, ['run', '--rm', '--network', 'none', '--ulimit', flag, IMG, 'true']);
      expect([bad.status, bad.stderr]).toEqual([125, `mini-run: ${message}\n`]);
    }
  });
});

describe('the runtime binary (CVE-2019-5736 class: #!/proc/self/exe runs the host\'s node inside, which then overwrites it)', () => {
  it('an entrypoint `#!/proc/self/exe` gets the init\'s node, on a read-only mount: EROFS directly and through an O_PATH fd', () => {
    const dir = mkdtempSync('/tmp/mr-test-selfexe-');
    try {
      // The entrypoint is a script whose interpreter is /proc/self/exe: the kernel runs the
      // init's own binary (node) with the script as its argument — and node runs it as JavaScript.
      writeFileSync(join(dir, 'evil'), `#!/proc/self/exe
const fs = require('fs');
const out = [];
for (const how of ['direct', 'O_PATH fd']) {
  const path = how === 'direct' ? '/proc/self/exe' : '/proc/self/fd/' + fs.openSync('/proc/self/exe', fs.constants.O_PATH);
  let access = 'writable', open = 'OPENED FOR WRITING';
  try { fs.accessSync(path, fs.constants.W_OK); } catch (e) { access = e.code; }
  // never O_TRUNC: were the protection gone, that would empty the host's node
  try { fs.closeSync(fs.openSync(path, 'r+')); } catch (e) { open = e.code === 'EROFS' || e.code === 'ETXTBSY' ? 'refused' : e.code; }
  out.push(how + ': ' + access + ', ' + open);
}
console.log(out.join('\\n'));
`);
      chmodSync(join(dir, 'evil'), 0o755);
      // node needs the host's C libraries inside (a busybox image has none): read-only binds
      const libs = ['/lib', '/lib64', '/usr/lib'].filter(existsSync).flatMap((d) => ['-v', `${d}:${d}:ro`]);
      // (the Node init: its binary is node; the native init's case is below)
      const r = mr(root, ['run', '--rm', '--network', 'none', ...libs, '-v', `${dir}:/v:ro`, '--entrypoint', '/v/evil', IMG], { env: { MINI_RUN_INIT: 'node' } });
      // access(W_OK) says what an open would meet once no node runs (ETXTBSY may come first while one does)
      expect([r.stderr, r.stdout]).toEqual(['', 'direct: EROFS, refused\nO_PATH fd: EROFS, refused\n']);
      // the same through exec (runc's CVE-2019-5736 used exec): the exec'd program is the exec
      // helper's child, so its /proc/self/exe is the helper's node — with the Node exec process
      // (the native one, a C binary, finds no order there: exec.test's attack case)
      const name = `mr-confine-selfexe-${process.pid}`;
      expect(mr(root, ['run', '-d', '--name', name, '--network', 'none', ...libs, '-v', `${dir}:/v:ro`, IMG, 'sleep', '60']).status).toBe(0);
      try {
        const e = mr(root, ['exec', name, '/v/evil'], { env: { MINI_RUN_EXEC_NODE: '1' } });
        expect([e.stderr, e.stdout]).toEqual(['', 'direct: EROFS, refused\nO_PATH fd: EROFS, refused\n']);
      } finally {
        mr(root, ['rm', '-f', name]);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.skipIf(!existsSync(join(REPO, 'native', 'build', 'init-native')))('the native init (MINI_RUN_INIT=native) runs from a read-only bind: `#!/proc/self/exe` gets a process that finds no order and does nothing, and its binary cannot be opened for writing', () => {
    const dir = mkdtempSync('/tmp/mr-test-selfexe-');
    try {
      writeFileSync(join(dir, 'evil'), '#!/proc/self/exe\n');
      chmodSync(join(dir, 'evil'), 0o755);
      const r = mr(root, ['--trace', 'run', '--rm', '--network', 'none', '-v', `${dir}:/v:ro`, '--entrypoint', '/v/evil', IMG], { env: { MINI_RUN_INIT: 'native' } });
      expect(/spawn mini-run-init \(([^ )]+)/.exec(r.stderr)?.[1]).toBe('/run/mini-run/init-native');
      // the kernel ran init-native again inside, as the program: fd 3 is gone (closed on exec),
      // so it stops with 125 before any system call of its own — nothing written, nothing said
      expect([r.status, r.stdout]).toEqual([125, '']);
      expect(r.stderr.split('\n').filter((l) => l && !l.startsWith('['))).toEqual([]);
      // and what a container process would meet through /proc/PID/exe: a read-only mount
      expect(() => accessSync('/run/mini-run/init-native', constants.W_OK)).toThrow(/EROFS/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
