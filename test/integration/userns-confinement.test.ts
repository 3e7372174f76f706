/**
 * The confinement and host-safety attacks again, with every container in a user namespace
 * (`--userns private` by the config's userns-remap, a test user mr-uns-cf-PID made by the first
 * run and removed at the end): a user namespace must not open a way that the other protections
 * closed. The caller's terminal (TIOCSTI, CVE-2016-7545 / CVE-2017-5226 class), a host device
 * node reachable in a bind mount, the runtime binary through /proc/self/exe (CVE-2019-5736),
 * the exec helper joining the container (CVE-2016-9962), and cp following a link the container
 * planted (CVE-2018-15664) — for a running and for a stopped container, whose overlay cp mounts
 * with idmapped layers of its own. Each attack fails and nothing is left on the host.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, REPO, leaksFor, mr, removeAllContainers, removeRoot, tempRoot } from '../helpers/cli';
import { rangeStart, removeRemapUser } from '../helpers/remap-user';

const IMG = 'mini-run/busybox';
const HELPER = join(REPO, 'native', 'build', 'userns-exec');
const PROBE = join(REPO, 'native', 'build', 'syscall-probe');
const USER = `mr-uns-cf-${process.pid}`;
let root: string;
let work: string;
let env: NodeJS.ProcessEnv;

const supported = existsSync(HELPER) && Number(readFileSync('/proc/sys/user/max_user_namespaces', 'utf8')) > 0;
if (!supported) console.log(`userns-confinement.test: skipped: ${existsSync(HELPER) ? 'user namespaces are disabled (user.max_user_namespaces = 0)' : `${HELPER} is not built (no C compiler)`}`);

/** mini-run with the test's config: every container gets a user namespace. */
const m = (...args: string[]) => mr(root, args, { env });

/** mini-run with a real terminal as its stdin/stdout/stderr (util-linux `script`), as an operator would. */
function inTerminal(args: string[]): string {
  const line = [process.execPath, BIN, '--root', root, ...args].map((a) => `'${a}'`).join(' ');
  const r = spawnSync('script', ['-qec', line, '/dev/null'], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, ...env } });
  return r.stdout.replace(/\r/g, '');
}

beforeAll(() => {
  if (!supported) return;
  root = tempRoot('userns-confine');
  work = mkdtempSync('/tmp/mr-test-userns-confine-host-');
  chmodSync(work, 0o755);
  writeFileSync(join(work, 'config.json'), JSON.stringify({ 'userns-remap': USER }));
  env = { MINI_RUN_CONFIG: join(work, 'config.json') };
  // every container here is in a user namespace: container root is the range's first uid
  const r = m('run', '--rm', '--network', 'none', IMG, 'cat', '/proc/self/uid_map');
  if (r.status !== 0) throw new Error(`first run failed: ${r.stderr}`);
  expect(r.stdout.trim().split(/\s+/)).toEqual(['0', String(rangeStart(USER)), '65536']);
});

afterAll(() => {
  if (!supported) return;
  const leaks = [...removeAllContainers(root), ...leaksFor(root)];
  removeRoot(root);
  rmSync(work, { recursive: true, force: true });
  expect([...leaks, ...removeRemapUser(USER)]).toEqual([]);
});

describe.skipIf(!supported)('confinement with a user namespace (--userns private)', () => {
  it.skipIf(!existsSync(PROBE))("the caller's terminal stays out of reach without -t (TIOCSTI injection, CVE-2016-7545 / CVE-2017-5226 class)", () => {
    const probe = ['-v', `${PROBE}:/probe:ro`];
    expect(inTerminal(['run', '--rm', '-i', '--network', 'none', ...probe, IMG, '/probe', 'tty']))
      .toBe('/dev/tty ENXIO\nTIOCSTI(0) ENOTTY\nTIOCSTI(1) ENOTTY\nTIOCSTI(2) ENOTTY\n');
    const name = `mr-uns-tty-${process.pid}`;
    expect(m('run', '-d', '--name', name, '--network', 'none', ...probe, IMG, 'sleep', '60').status).toBe(0);
    try {
      // exec joins the container's user namespace (userns-exec --join): still pipes, no terminal
      expect(inTerminal(['exec', '-i', name, '/probe', 'tty'])).toBe('/dev/tty ENXIO\nTIOCSTI(0) ENOTTY\nTIOCSTI(1) ENOTTY\nTIOCSTI(2) ENOTTY\n');
    } finally {
      m('rm', '-f', name);
    }
  });

  it('a host device node in a bind mount cannot be opened, and no new one can be made, even with every capability (raw host device access)', () => {
    const dir = mkdtempSync(join(work, 'dev-'));
    chmodSync(dir, 0o777);
    // the host's own /dev/kmsg numbers (c 1:11), made by host root where the container sees it
    spawnSync('mknod', ['-m', '0666', join(dir, 'kmsg'), 'c', '1', '11']);
    const script = 'exec 2>&1; mknod /v/made c 1 11 && echo made; (exec 3>/v/kmsg) && echo opened; (exec 3</v/kmsg) && echo opened-read; true';
    const r = m('run', '--rm', '--network', 'none', '--cap-add', 'ALL', '--security-opt', 'seccomp=unconfined', '-v', `${dir}:/v`, IMG, 'sh', '-c', script);
    expect(r.status).toBe(0);
    expect(r.stdout).not.toMatch(/^(made|opened|opened-read)$/m);
    expect(r.stdout).toMatch(/mknod: \/v\/made: Operation not permitted/);
    expect(existsSync(join(dir, 'made'))).toBe(false);
  });

  it('the exec helper: a container allowed to ptrace finds no process whose root is the host\'s during 20 execs (CVE-2016-9962 class)', () => {
    const name = `mr-uns-ptrace-${process.pid}`;
    const marker = join(REPO, 'package.json');
    const watcher = `while :; do for p in /proc/[0-9]*; do [ -e $p/root${marker} ] && echo "LEAK \${p#/proc/}"; done; done`;
    const started = m('run', '-d', '--name', name, '--network', 'none', '--cap-add', 'SYS_PTRACE', IMG, 'sh', '-c', watcher);
    expect(started.stderr).toBe('');
    try {
      for (let i = 0; i < 20; i++) expect(m('exec', name, 'true').status).toBe(0);
      expect(m('exec', name, 'sh', '-c', 'ls /proc/1/root/bin/busybox').stdout).toBe('/proc/1/root/bin/busybox\n');
      expect(m('logs', name).stdout).toBe('');
    } finally {
      m('rm', '-f', name);
    }
  });

  it('an entrypoint `#!/proc/self/exe` cannot write the host\'s node, directly or through an O_PATH fd, in run and in exec (CVE-2019-5736 class)', () => {
    const dir = mkdtempSync(join(work, 'selfexe-'));
    chmodSync(dir, 0o755);
    writeFileSync(join(dir, 'evil'), `#!/proc/self/exe
const fs = require('fs');
const out = [];
for (const how of ['direct', 'O_PATH fd']) {
  const path = how === 'direct' ? '/proc/self/exe' : '/proc/self/fd/' + fs.openSync('/proc/self/exe', fs.constants.O_PATH);
  let access = 'writable', open = 'OPENED FOR WRITING';
  try { fs.accessSync(path, fs.constants.W_OK); } catch (e) { access = 'refused'; }
  try { fs.closeSync(fs.openSync(path, 'r+')); } catch (e) { open = ['EROFS', 'ETXTBSY', 'EACCES', 'EPERM'].includes(e.code) ? 'refused' : e.code; }
  out.push(how + ': ' + access + ', ' + open);
}
console.log(out.join('\\n'));
`);
    chmodSync(join(dir, 'evil'), 0o755);
    const libs = ['/lib', '/lib64', '/usr/lib'].filter(existsSync).flatMap((d) => ['-v', `${d}:${d}:ro`]);
    const before = readFileSync(process.execPath).length;
    const r = m('run', '--rm', '--network', 'none', '--cap-add', 'ALL', ...libs, '-v', `${dir}:/v:ro`, '--entrypoint', '/v/evil', IMG);
    expect([r.stderr, r.stdout]).toEqual(['', 'direct: refused, refused\nO_PATH fd: refused, refused\n']);
    const name = `mr-uns-selfexe-${process.pid}`;
    expect(m('run', '-d', '--name', name, '--network', 'none', '--cap-add', 'ALL', ...libs, '-v', `${dir}:/v:ro`, IMG, 'sleep', '60').status).toBe(0);
    try {
      const e = m('exec', name, '/v/evil');
      expect([e.stderr, e.stdout]).toEqual(['', 'direct: refused, refused\nO_PATH fd: refused, refused\n']);
    } finally {
      m('rm', '-f', name);
    }
    expect(readFileSync(process.execPath).length).toBe(before);
  });

  for (const state of ['running', 'stopped']) {
    it(`cp from a ${state} container: the second cp of a planted link writes nothing outside the destination (CVE-2018-15664 class)`, () => {
      const base = mkdtempSync(join(work, `cp-${state}-`));
      mkdirSync(join(base, 'victim'));
      writeFileSync(join(base, 'victim/host-secret'), 'host-only\n');
      mkdirSync(join(base, 'payload/d'), { recursive: true });
      writeFileSync(join(base, 'payload/evil'), '* * * * * root sh -c pwned\n');
      writeFileSync(join(base, 'payload/d/f'), 'inside\n');
      const name = `cp-${state}`;
      const plant = `mkdir /out && ln -s ${base}/victim/cron-evil /out/x && ln -s ${base}/victim /out/d`;
      const started = state === 'running'
        ? m('run', '-d', '--name', name, '--network', 'none', IMG, 'sh', '-c', `${plant} && exec sleep 300`)
        : m('run', '--name', name, '--network', 'none', IMG, 'sh', '-c', plant);
      expect(started.status).toBe(0);
      for (let i = 0; state === 'running' && i < 50 && m('exec', name, 'test', '-L', '/out/d').status !== 0; i++) spawnSync('sleep', ['0.1']);
      const backup = join(base, 'backup');
      expect(m('cp', `${name}:/out/.`, backup).status).toBe(0);
      expect(readlinkSync(join(backup, 'x'))).toBe(`${base}/victim/cron-evil`);
      expect(m('cp', join(base, 'payload/evil'), `${name}:/out/x`).status).toBe(0);
      expect(m('cp', join(base, 'payload/d'), `${name}:/out/d`).status).toBe(0);
      const again = m('cp', `${name}:/out/.`, backup);
      expect([again.status, again.stderr]).toEqual([0, '']);
      expect(readdirSync(join(base, 'victim'))).toEqual(['host-secret']);
      expect(lstatSync(join(backup, 'x')).isFile()).toBe(true);
      expect(readdirSync(join(backup, 'd'))).toEqual(['f']);
      expect(readdirSync(backup).sort()).toEqual(['d', 'x']);
      expect(m('rm', '-f', name).status).toBe(0);
    });
  }
});
