/**
 * `mini-run run --userns private` (issue 18): the engine gives the container a user namespace
 * mapped onto a range of /etc/subuid and /etc/subgid for a host user made on first use (here a
 * test user, mr-uns-PID, named through the config file's userns-remap and removed at the end).
 * Checked from inside (uid_map, owners of the image's files), from the host (the process's uid,
 * owners of what container root writes), and as an attacker with every capability: container
 * root is nobody on the host. Nothing is left: mounts (idmapped ones included), cgroups,
 * processes, and the test's user and ranges.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, mr, removeAllContainers, removeRoot, tempRoot } from '../helpers/cli';
import { linesOf, rangeStart as rangeStartOf, removeRemapUser } from '../helpers/remap-user';

const HELPER = join(REPO, 'native', 'build', 'userns-exec');
const USER = `mr-uns-${process.pid}`;
const IMAGE = 'mini-run/busybox';

let root: string;
let dir: string; // config file, bind-mount sources
let env: NodeJS.ProcessEnv;

const supported = existsSync(HELPER) && Number(readFileSync('/proc/sys/user/max_user_namespaces', 'utf8')) > 0;
if (!supported) console.log(`userns-remap.test: skipped: ${existsSync(HELPER) ? 'user namespaces are disabled (user.max_user_namespaces = 0)' : `${HELPER} is not built (no C compiler)`}`);

/** The test user's range start in /etc/subuid (made by the first --userns private run). */
const rangeStart = (file = '/etc/subuid') => rangeStartOf(USER, file);

/** mini-run with the test's config file (userns-remap: the test user). */
const run = (args: string[]) => mr(root, args, { env });

beforeAll(() => {
  if (!supported) return;
  root = tempRoot('userns-remap');
  dir = mkdtempSync('/tmp/mr-test-userns-remap-host-');
  chmodSync(dir, 0o755);
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ 'userns-remap': USER }));
  env = { MINI_RUN_CONFIG: join(dir, 'config.json') };
});

afterAll(() => {
  if (!supported) return;
  const leaks = removeAllContainers(root);
  removeRoot(root);
  rmSync(dir, { recursive: true, force: true });
  const left = removeRemapUser(USER); // the test's host user and its ranges
  expect([...leaks, ...left]).toEqual([]);
});

describe.skipIf(!supported)('--userns private: root in the container is nobody on the host', () => {
  it('makes the remap user and its ranges on first use, and maps container root onto the range', () => {
    expect(linesOf('/etc/passwd').some((l) => l.startsWith(`${USER}:`))).toBe(false);
    const r = run(['run', '--rm', '--userns', 'private', '--network', 'none', IMAGE, 'sh', '-c', 'id -u; cat /proc/self/uid_map /proc/self/gid_map; stat -c "%u:%g %n" /bin/busybox /etc/passwd /']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const start = rangeStart();
    expect(linesOf('/etc/passwd').some((l) => l.startsWith(`${USER}:`))).toBe(true);
    const [uid, uidMap, gidMap, ...owners] = r.stdout.trim().split('\n');
    expect(uid).toBe('0');
    expect(uidMap.trim().split(/\s+/)).toEqual(['0', String(start), '65536']);
    expect(gidMap.trim().split(/\s+/)).toEqual(['0', String(rangeStart('/etc/subgid')), '65536']);
    // the image's layers (owned by host root, shared, not copied) show as the container's root's,
    // through the idmapped mount
    expect(owners).toEqual(['0:0 /bin/busybox', '0:0 /etc/passwd', '0:0 /']);
  });

  it('the config\'s userns-remap is the default; --userns host opts out', () => {
    const byDefault = run(['run', '--rm', '--network', 'none', IMAGE, 'cat', '/proc/self/uid_map']);
    expect(byDefault.status).toBe(0);
    expect(byDefault.stdout.trim().split(/\s+/)).toEqual(['0', String(rangeStart()), '65536']);
    const host = run(['run', '--rm', '--userns', 'host', '--network', 'none', IMAGE, 'cat', '/proc/self/uid_map']);
    expect(host.status).toBe(0);
    expect(host.stdout.trim().split(/\s+/)).toEqual(['0', '0', '4294967295']);
  });

  it('runs detached with exec, inspect and explain showing the mapping; the host sees the range\'s uid', () => {
    const start = rangeStart();
    const d = run(['run', '-d', '--name', 'u1', '--userns', 'private', '--network', 'none', IMAGE, 'sleep', '300']);
    expect(d.stderr).toBe('');
    expect(d.status).toBe(0);
    const pid = Number(run(['inspect', '-f', '{{.State.Pid}}', 'u1']).stdout.trim());
    expect(readFileSync(`/proc/${pid}/status`, 'utf8')).toMatch(new RegExp(`^Uid:\\s+${start}\\s+${start}\\s+${start}\\s+${start}$`, 'm'));
    const e = run(['exec', 'u1', 'sh', '-c', 'id -u; cat /proc/self/uid_map']);
    expect(e.status).toBe(0);
    expect(e.stdout.trim().split('\n').map((l) => l.trim().split(/\s+/).join(' '))).toEqual(['0', `0 ${start} 65536`]);
    const inspect = JSON.parse(run(['inspect', 'u1']).stdout)[0];
    expect(inspect.HostConfig.UsernsMode).toBe('private');
    expect(inspect.UsernsRemap).toEqual({ User: USER, UidMap: [`0 ${start} 65536`], GidMap: [`0 ${rangeStart('/etc/subgid')} 65536`] });
    const explain = run(['explain', 'u1']);
    expect(explain.status).toBe(0);
    expect(explain.stdout).toContain(`/proc/${pid}/uid_map`);
    expect(explain.stdout).toMatch(new RegExp(`uid_map\\s+0 ${start} 65536`));
    expect(explain.stdout).toContain(`root inside is host uid ${start}: nobody on the host`);
    expect(run(['rm', '-f', 'u1']).status).toBe(0);
  });

  it('a file container root writes in a bind mount, a volume or its own layer is owned by the mapped uid on the host', () => {
    const start = rangeStart();
    const bind = mkdtempSync(join(dir, 'bind-'));
    chmodSync(bind, 0o777); // the host lets anyone write here: container root writes as host uid START
    const r = run(['run', '--name', 'w1', '--userns', 'private', '--network', 'none', '-v', `${bind}:/bind`, '-v', `mr-uns-vol-${process.pid}:/vol`, IMAGE,
      'sh', '-c', 'touch /bind/f /vol/f /etc/f && stat -c %u /bind/f /vol/f /vol']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual(['0', '0', '0']);
    expect(statSync(join(bind, 'f')).uid).toBe(start);
    const volData = JSON.parse(run(['volume', 'inspect', `mr-uns-vol-${process.pid}`]).stdout)[0].Mountpoint;
    expect(statSync(join(volData, 'f')).uid).toBe(start);
    const upper = JSON.parse(run(['inspect', 'w1']).stdout)[0].GraphDriver.Data.UpperDir;
    expect(statSync(join(upper, 'etc', 'f')).uid).toBe(start);
    expect(run(['rm', '-v', 'w1']).status).toBe(0);
    expect(run(['volume', 'rm', `mr-uns-vol-${process.pid}`]).status).toBe(0);
  });

  it('commit keeps the container\'s owners (0, 1000), not the host range\'s, as dockerd\'s commit under userns-remap', () => {
    const image = `mr-uns-commit-${process.pid}`;
    const c = run(['run', '--name', 'c1', '--userns', 'private', '--network', 'none', IMAGE, 'sh', '-c', 'touch /by-root /by-1000 && chown 1000:1000 /by-1000']);
    expect(c.status).toBe(0);
    expect(run(['commit', 'c1', image]).status).toBe(0);
    const r = run(['run', '--rm', '--userns', 'host', '--network', 'none', image, 'stat', '-c', '%u:%g %n', '/by-root', '/by-1000', '/bin/busybox']);
    expect(r.stdout.trim().split('\n')).toEqual(['0:0 /by-root', '1000:1000 /by-1000', '0:0 /bin/busybox']);
    expect(run(['rm', 'c1']).status).toBe(0);
    expect(run(['rmi', image]).status).toBe(0);
  });

  it('container root with every capability cannot read a host root-only file bind-mounted in (Shocker, CVE-2014-3519 class) nor change it', () => {
    const secrets = mkdtempSync(join(dir, 'secret-'));
    chmodSync(secrets, 0o755);
    writeFileSync(join(secrets, 'shadow'), 'host-secret\n', { mode: 0o600 });
    writeFileSync(join(secrets, 'root-owned'), 'kept\n', { mode: 0o644 });
    const r = run(['run', '--rm', '--userns', 'private', '--cap-add', 'ALL', '--security-opt', 'seccomp=unconfined', '--network', 'none', '-v', `${secrets}:/s`, IMAGE,
      'sh', '-c', 'cat /s/shadow; echo "cat=$?"; echo pwned > /s/root-owned; echo "write=$?"; chown 0:0 /s/shadow; echo "chown=$?"; stat -c "%u %n" /s/shadow']);
    expect(r.stdout).not.toContain('host-secret');
    expect(r.stdout).toMatch(/cat=1/);
    expect(r.stdout).toMatch(/write=[12]/);
    expect(r.stdout).toMatch(/chown=1/);
    expect(r.stdout).toContain('65534 /s/shadow'); // host root is unmapped: `nobody` inside
    expect(readFileSync(join(secrets, 'root-owned'), 'utf8')).toBe('kept\n');
    // control: the same container without a user namespace is host root and reads it
    const control = run(['run', '--rm', '--userns', 'host', '--network', 'none', '-v', `${secrets}:/s:ro`, IMAGE, 'cat', '/s/shadow']);
    expect(control.stdout).toBe('host-secret\n');
  });

  it('container root with every capability cannot change host kernel settings through a fresh /proc (core_pattern escape, CVE-2019-5736-class host root)', () => {
    const before = readFileSync('/proc/sys/kernel/core_pattern', 'utf8');
    const r = run(['run', '--rm', '--userns', 'private', '--cap-add', 'ALL', '--security-opt', 'seccomp=unconfined', '--network', 'none', IMAGE,
      'sh', '-c', 'echo "|/tmp/x" > /proc/sys/kernel/core_pattern; echo "direct=$?"; mkdir -p /tmp/p && mount -t proc proc /tmp/p; echo "mount=$?"; echo "|/tmp/x" > /tmp/p/sys/kernel/core_pattern; echo "fresh=$?"']);
    expect(r.stdout).toMatch(/direct=[12]/);
    expect(r.stdout).toMatch(/fresh=[12]/);
    expect(readFileSync('/proc/sys/kernel/core_pattern', 'utf8')).toBe(before);
  });

  it('refuses what cannot work in a user namespace with one line and exit 125, leaving no container', () => {
    for (const [args, what] of [[['--privileged'], 'privileged mode'], [['--pid', 'host'], '--pid host'], [['--network', 'host'], '--network host']] as const) {
      const r = run(['run', '--rm', '--userns', 'private', ...args, IMAGE, 'true']);
      expect(r.status).toBe(125);
      expect(r.stderr.trim()).toBe(`mini-run: ${what} is incompatible with user namespaces: run the container with --userns host`);
    }
    const bad = run(['run', '--rm', '--userns', 'nope', IMAGE, 'true']);
    expect(bad.status).toBe(125);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(run(['ps', '-a', '-q']).stdout).toBe('');
  });

  it('leaves no idmapped mount on the host, and the state root passable only by the remapped root\'s group', () => {
    expect(readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(root) || l.includes('idmapped'))).toEqual([]);
    const st = statSync(root);
    expect([st.mode & 0o777, st.uid, st.gid]).toEqual([0o710, 0, rangeStart('/etc/subgid')]);
    // another command does not tighten it back (the container's root could no longer reach its files)
    expect(run(['ps']).status).toBe(0);
    expect(statSync(root).mode & 0o777).toBe(0o710);
    expect(statSync(join(root, 'layers')).mode & 0o777).toBe(0o700);
  });
});
