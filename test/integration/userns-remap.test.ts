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
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, REPO, mr, removeAllContainers, removeRoot, tempRoot } from '../helpers/cli';
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
const run = (args: string[], o: { input?: string } = {}) => mr(root, args, { env, ...o });

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

  it('cp in and out keeps the container\'s view of owners: 0 inside is START on the host; -a shifts ids into the range and back', () => {
    const start = rangeStart();
    const src = mkdtempSync(join(dir, 'cp-'));
    writeFileSync(join(src, 'plain'), 'plain\n');
    writeFileSync(join(src, 'owned'), 'owned\n');
    chownSync(join(src, 'owned'), 1000, 1000);
    expect(run(['run', '-d', '--name', 'cp1', '--userns', 'private', '--network', 'none', IMAGE, 'sh', '-c', 'touch /by-1000 && chown 1000:1000 /by-1000 && sleep 300']).status).toBe(0);
    const pid = Number(run(['inspect', '-f', '{{.State.Pid}}', 'cp1']).stdout.trim());
    const upper = JSON.parse(run(['inspect', 'cp1']).stdout)[0].GraphDriver.Data.UpperDir;
    // in: without -a the container's root owns it; with -a the host's 1000 is the container's 1000
    expect(run(['cp', join(src, 'plain'), 'cp1:/plain']).status).toBe(0);
    expect(run(['cp', '-a', join(src, 'owned'), 'cp1:/owned']).status).toBe(0);
    // a tar stream whose parent directories do not exist yet: made for the container's root
    const tar = spawnSync('tar', ['-C', src, '-cf', '-', '--transform', 's,^,new/dir/,', 'plain'], { maxBuffer: 1 << 20 });
    expect(run(['cp', '-', 'cp1:/'], { input: tar.stdout.toString('latin1') }).status).toBe(0); // plain ASCII headers and text
    const inside = run(['exec', 'cp1', 'stat', '-c', '%u:%g %n', '/plain', '/owned', '/new', '/new/dir/plain']);
    expect(inside.stdout.trim().split('\n')).toEqual(['0:0 /plain', '1000:1000 /owned', '0:0 /new', '0:0 /new/dir/plain']);
    expect([statSync(join(upper, 'plain')).uid, statSync(join(upper, 'owned')).uid, statSync(join(upper, 'new', 'dir')).uid]).toEqual([start, start + 1000, start]);
    expect(readFileSync(`/proc/${pid}/status`, 'utf8')).toMatch(new RegExp(`^Uid:\\s+${start}\\s`, 'm'));
    // out: -a gives the container's owners (1000, not START+1000); without -a the caller's
    const out = mkdtempSync(join(dir, 'cp-out-'));
    expect(run(['cp', '-a', 'cp1:/by-1000', join(out, 'a')]).status).toBe(0);
    expect(run(['cp', 'cp1:/by-1000', join(out, 'b')]).status).toBe(0);
    expect([statSync(join(out, 'a')).uid, statSync(join(out, 'b')).uid]).toEqual([1000, 0]);
    const listed = spawnSync('tar', ['-tvf', '-'], { input: run(['cp', 'cp1:/by-1000', '-']).stdout, encoding: 'utf8' });
    expect(listed.stdout).toMatch(/^-\S+ 1000\/1000 /);
    // an id the range cannot hold is refused, nothing written
    writeFileSync(join(src, 'far'), 'far\n');
    chownSync(join(src, 'far'), 70000, 70000);
    const far = run(['cp', '-a', join(src, 'far'), 'cp1:/far']);
    expect(far.status).toBe(1);
    expect(far.stderr.trim()).toBe("mini-run: cp: uid 70000 cannot be mapped into the container's user namespace (its ids are 0..65535)");
    expect(existsSync(join(upper, 'far'))).toBe(false);
    expect(run(['rm', '-f', 'cp1']).status).toBe(0);
  });

  it('cp into a STOPPED --userns private container: the directories overlay copies up stay the container root\'s, so it can still write them when started', () => {
    const start = rangeStart();
    const src = mkdtempSync(join(dir, 'cp-stopped-'));
    writeFileSync(join(src, 'conf'), 'conf\n');
    expect(run(['create', '--name', 'cp2', '--userns', 'private', '--network', 'none', IMAGE, 'sh', '-c', 'touch /etc/after && stat -c "%u:%g %n" /etc /etc/conf /etc/after']).status).toBe(0);
    const cp = run(['cp', join(src, 'conf'), 'cp2:/etc/conf']);
    expect(cp.stderr).toBe('');
    expect(cp.status).toBe(0);
    const upper = JSON.parse(run(['inspect', 'cp2']).stdout)[0].GraphDriver.Data.UpperDir;
    expect([statSync(join(upper, 'etc')).uid, statSync(join(upper, 'etc', 'conf')).uid]).toEqual([start, start]);
    const started = run(['start', '-a', 'cp2']);
    expect(started.stderr).toBe('');
    expect(started.stdout.trim().split('\n')).toEqual(['0:0 /etc', '0:0 /etc/conf', '0:0 /etc/after']);
    // and out of the stopped container again, with the owners it sees
    const out = mkdtempSync(join(dir, 'cp-stopped-out-'));
    expect(run(['cp', '-a', 'cp2:/etc/after', join(out, 'after')]).status).toBe(0);
    expect(statSync(join(out, 'after')).uid).toBe(0);
    expect(run(['rm', 'cp2']).status).toBe(0);
    expect(readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(root))).toEqual([]);
  });

  it('an existing volume: an empty one (volume create) is given to the range; one holding host-owned files is refused, its files untouched', () => {
    const start = rangeStart();
    const empty = `mr-uns-vc-${process.pid}`;
    const hostOwned = `mr-uns-vh-${process.pid}`;
    expect(run(['volume', 'create', empty]).status).toBe(0);
    const data = JSON.parse(run(['volume', 'inspect', empty]).stdout)[0].Mountpoint;
    expect(statSync(data).uid).toBe(0);
    const w = run(['run', '--rm', '--userns', 'private', '--network', 'none', '-v', `${empty}:/data`, IMAGE, 'sh', '-c', 'touch /data/f && stat -c "%u:%g %n" /data /data/f']);
    expect(w.stderr).toBe('');
    expect(w.stdout.trim().split('\n')).toEqual(['0:0 /data', '0:0 /data/f']);
    expect([statSync(data).uid, statSync(join(data, 'f')).uid]).toEqual([start, start]);
    // the next container of the same range uses it as it is
    const again = run(['run', '--rm', '--userns', 'private', '--network', 'none', '-v', `${empty}:/data`, IMAGE, 'sh', '-c', 'touch /data/g && ls /data']);
    expect(again.stdout.split('\n').filter(Boolean)).toEqual(['f', 'g']);
    // a volume a container without a user namespace wrote (host root's files): refused, not chowned
    expect(run(['run', '--rm', '--userns', 'host', '--network', 'none', '-v', `${hostOwned}:/data`, IMAGE, 'sh', '-c', 'echo kept > /data/f']).status).toBe(0);
    const hdata = JSON.parse(run(['volume', 'inspect', hostOwned]).stdout)[0].Mountpoint;
    const refused = run(['run', '--rm', '--userns', 'private', '--network', 'none', '-v', `${hostOwned}:/data`, IMAGE, 'true']);
    expect(refused.status).toBe(125);
    expect(refused.stderr.trim()).toBe(`mini-run: volume ${hostOwned} holds files owned by host users (written without a user namespace): this --userns private container's root could not write them; use another volume, or --userns host`);
    expect([statSync(hdata).uid, statSync(join(hdata, 'f')).uid]).toEqual([0, 0]);
    expect(run(['ps', '-aq']).stdout).toBe('');
    // a container without a user namespace may still use the range's volume (its root is host root)
    expect(run(['run', '--rm', '--userns', 'host', '--network', 'none', '-v', `${empty}:/data`, IMAGE, 'cat', '/data/f']).status).toBe(0);
    expect(run(['volume', 'rm', empty, hostOwned]).status).toBe(0);
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

  it('--network container:NAME joins NAME\'s network and the user namespace that owns it, with PID and mount namespaces of its own; a NAME without one is refused', () => {
    const start = rangeStart();
    expect(run(['run', '-d', '--name', 'net1', '--userns', 'private', '--network', 'none', '--hostname', 'net1host', IMAGE, 'sleep', '301']).status).toBe(0);
    const pid1 = Number(run(['inspect', '-f', '{{.State.Pid}}', 'net1']).stdout.trim());
    const j = run(['run', '-d', '--name', 'net2', '--userns', 'private', '--network', 'container:net1', IMAGE, 'sleep', '300']);
    expect(j.stderr).toBe('');
    expect(j.status).toBe(0);
    const pid2 = Number(run(['inspect', '-f', '{{.State.Pid}}', 'net2']).stdout.trim());
    const ns = (pid: number, n: string) => readlinkSync(`/proc/${pid}/ns/${n}`);
    expect(ns(pid2, 'net')).toBe(ns(pid1, 'net'));
    expect(ns(pid2, 'user')).toBe(ns(pid1, 'user'));
    for (const n of ['pid', 'mnt', 'ipc']) expect(ns(pid2, n)).not.toBe(ns(pid1, n));
    expect(readFileSync(`/proc/${pid2}/status`, 'utf8')).toMatch(new RegExp(`^Uid:\\s+${start}\\s`, 'm'));
    // inside: root of the range, its own PID 1 (net1's sleep is not there), net1's hostname and
    // interfaces, sysfs mounted (only the network namespace's owner may)
    const inside = run(['exec', 'net2', 'sh', '-c', 'id -u; cat /proc/1/cmdline | tr "\\0" " "; echo; for p in /proc/[0-9]*; do tr "\\0" " " < $p/cmdline; echo; done | grep -c "^sleep 301"; hostname; ls /sys/class/net; stat -c "%u:%g" /bin/busybox']);
    expect(inside.stderr).toBe('');
    expect(inside.stdout.trim().split('\n').map((l) => l.trim())).toEqual(['0', 'sleep 300', '0', 'net1host', 'lo', '0:0']);
    expect(run(['rm', '-f', 'net2', 'net1']).status).toBe(0);
    // a container without a user namespace: its network belongs to the host's user namespace
    expect(run(['run', '-d', '--name', 'net3', '--userns', 'host', '--network', 'none', IMAGE, 'sleep', '300']).status).toBe(0);
    const refused = run(['run', '--rm', '--userns', 'private', '--network', 'container:net3', IMAGE, 'true']);
    expect([refused.status, refused.stderr]).toEqual([125, "mini-run: --network container:net3: net3 has no user namespace (its network belongs to the host's); run both with --userns private, or this one with --userns host\n"]);
    expect(run(['rm', '-f', 'net3']).status).toBe(0);
    expect(run(['ps', '-aq']).stdout).toBe('');
  });

  it('--device in a user namespace: the host\'s node is bind-mounted (mknod of a device is EPERM there) and keeps the host\'s owner and mode, as runc does', () => {
    // before: the init's mknod failed (EPERM: only the host's user namespace may name devices) and run exited 125.
    // /dev/zero (host mode 0666) under another name opens and reads zeros. The host's /dev/fuse is
    // root's 0600 here: container root is not host root (its owner, uid 0, is unmapped: nobody
    // inside), so the node is there but refused (EACCES) — the Docker engine with userns-remap
    // binds it the same way (runc's bindMountDeviceNode). Raw device access stays closed: container
    // root cannot mknod a disk either. (The open is tried in a subshell: a failed redirection of the
    // special built-in ':' makes sh itself exit)
    const fuseMode = statSync('/dev/fuse').mode & 0o777;
    const r = run(['run', '--rm', '--userns', 'private', '--network', 'none', '--device', '/dev/zero:/dev/myzero', '--device', '/dev/fuse', IMAGE, 'sh', '-c',
      'stat -c "%t,%T %a %u" /dev/myzero /dev/fuse; head -c 4 /dev/myzero | od -An -tx1; ( : </dev/fuse ) 2>/dev/null && echo fuse opened || echo fuse refused; mknod /tmp/disk b 7 0 2>/dev/null && echo made || echo mknod refused']);
    expect(r.stderr).toBe('');
    const lines = r.stdout.split('\n').map((l) => l.trim());
    expect(lines.slice(0, 3)).toEqual(['1,5 666 65534', `a,e5 ${fuseMode.toString(8)} 65534`, '00 00 00 00']);
    expect(lines[3]).toBe((fuseMode & 0o004) !== 0 ? 'fuse opened' : 'fuse refused');
    expect(lines[4]).toBe('mknod refused');
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

  it('makes nothing in the home of the uid it starts as: the init, unmapped "nobody" with no HOME at first, keeps no code cache in /nonexistent', () => {
    // (nobody's passwd home is /nonexistent; a fallback to it made /nonexistent/.cache/mini-run
    // on the host, so that a later `--device /nonexistent` found a directory there)
    const nobodyHome = '/nonexistent';
    const existed = existsSync(nobodyHome);
    const r = run(['run', '--rm', '--network', 'none', '--userns', 'private', IMAGE, 'true']);
    expect([r.status, r.stderr]).toEqual([0, '']);
    if (existed) console.log(`userns-remap: ${nobodyHome} existed before this test (not made by it): only its cache dir is checked`);
    if (existed) expect(existsSync(join(nobodyHome, '.cache', 'mini-run'))).toBe(false);
    else expect(existsSync(nobodyHome)).toBe(false);
  });
});

describe('without root: what rootless mini-run cannot do (yet)', () => {
  it('a normal user who starts or enters a container gets one line naming what to do, exit 125, and nothing is made', () => {
    const r0 = tempRoot('rootless');
    try {
      for (const args of [['run', '--rm', IMAGE, 'true'], ['create', IMAGE], ['exec', 'x', 'true'], ['container', 'run', '-h', 'box', IMAGE, 'true'], ['start', 'x']]) {
        const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, BIN, '--root', r0, ...args], { encoding: 'utf8', cwd: '/' });
        const word = args[0] === 'container' ? args[1] : args[0];
        // these work rootless for a user with a subuid range (rootless.test.ts); nobody has none
        expect([r.status, r.stdout, r.stderr]).toEqual([125, '',
          `mini-run: ${word} without root: nobody has no range in /etc/subuid (\`mini-run doctor\` says what to do); or try: sudo mini-run --root ${r0} ${args.join(' ')}\n`]);
      }
      const build = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, BIN, '--root', r0, 'build', '.'], { encoding: 'utf8', cwd: '/' });
      expect([build.status, build.stdout, build.stderr]).toEqual([125, '',
        `mini-run: build needs root: rootless mini-run (without sudo) is not available yet, see "Rootless" in docs/security.md (try: sudo mini-run --root ${r0} build .)\n`]);
      expect(readdirSync(r0)).toEqual([]);
      expect(existsSync('/tmp/mini-run-65534')).toBe(false);
    } finally {
      removeRoot(r0);
    }
  });
});
