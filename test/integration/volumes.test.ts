/**
 * Storage that outlives a container: bind mounts, named and anonymous volumes (with docker's
 * copy-up of the image's content), --volumes-from, tmpfs — checked from inside the container,
 * and the host checked for leftovers at the end.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mr, removeRoot, tempRoot, removeAllContainers } from '../helpers/cli';

let root: string;
let work: string;
const IMG = 'mini-run/busybox';
const m = (...args: string[]) => mr(root, args);
const sh = (...args: string[]) => m('run', '--rm', ...args);

beforeAll(() => {
  root = tempRoot('vol');
  work = tempRoot('volwork');
  expect(m('run', '--rm', IMG, 'true').status).toBe(0);
});

afterAll(() => {
  expect(removeAllContainers(root)).toEqual([]);
  removeRoot(root);
  removeRoot(work);
});

describe('named volumes', () => {
  it('keeps data written by one container for the next one, after rm', () => {
    const r = m('run', '--name', 'writer', '-v', 'dbdata:/var/lib/db', IMG, 'sh', '-c', 'echo row1 > /var/lib/db/table');
    expect(r.status).toBe(0);
    expect(m('rm', 'writer').status).toBe(0);
    const r2 = sh('-v', 'dbdata:/data', IMG, 'cat', '/data/table');
    expect(r2.stdout).toBe('row1\n');
    expect(readFileSync(join(root, 'volumes/dbdata/_data/table'), 'utf8')).toBe('row1\n');
  });

  it('volume create/ls/inspect show it docker-style', () => {
    expect(m('volume', 'create', '--label', 'team=db', 'labelled').stdout.trim()).toBe('labelled');
    expect(m('volume', 'ls', '-q').stdout.split('\n').filter(Boolean)).toEqual(['dbdata', 'labelled']);
    const [info] = JSON.parse(m('volume', 'inspect', 'labelled').stdout);
    expect(info).toMatchObject({ Name: 'labelled', Driver: 'local', Labels: { team: 'db' }, Scope: 'local', Mountpoint: join(root, 'volumes/labelled/_data') });
    expect(m('volume', 'inspect', '-f', '{{.Mountpoint}}', 'dbdata').stdout.trim()).toBe(join(root, 'volumes/dbdata/_data'));
    expect(m('volume', 'inspect', 'nope').status).toBe(1);
  });

  it('copies the image content into an empty volume first (copy-up), owners and modes kept', () => {
    const r = sh('-v', 'etcvol:/etc', IMG, 'sh', '-c', 'cat /etc/passwd | head -1; stat -c "%a %u" /etc/passwd');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^root:x:0:0:/);
    const st = statSync(join(root, 'volumes/etcvol/_data/passwd'));
    expect(st.uid).toBe(0);
    expect(r.stdout.split('\n')[1]).toBe((st.mode & 0o777).toString(8) + ' 0');
    // Not again once the volume has content: the volume is the truth from now on.
    sh('-v', 'etcvol:/etc', IMG, 'sh', '-c', 'echo changed > /etc/motd-test');
    expect(sh('-v', 'etcvol:/etc', IMG, 'cat', '/etc/motd-test').stdout).toBe('changed\n');
  });

  it('refuses volume rm while a container (even a stopped one) uses it; then removes it', () => {
    expect(m('create', '--name', 'holder', '-v', 'busy:/b', IMG, 'true').status).toBe(0);
    const r = m('volume', 'rm', 'busy');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/volume is in use/);
    expect(m('volume', 'rm', '-f', 'busy').status).toBe(1);
    expect(m('volume', 'ls', '-q', '--filter', 'dangling=true').stdout).not.toMatch(/busy/);
    expect(m('rm', 'holder').status).toBe(0);
    expect(m('volume', 'ls', '-q', '--filter', 'dangling=true').stdout).toMatch(/busy/);
    expect(m('volume', 'rm', 'busy').stdout.trim()).toBe('busy');
    expect(existsSync(join(root, 'volumes/busy'))).toBe(false);
    expect(m('volume', 'rm', '-f', 'busy').status).toBe(0); // -f: a missing volume is fine
  });

  it('--mount type=volume works like -v, and readonly is enforced', () => {
    const r = sh('--mount', 'type=volume,source=dbdata,target=/db,readonly', IMG, 'sh', '-c', 'cat /db/table; echo x > /db/new');
    expect(r.stdout).toBe('row1\n');
    expect(r.stderr).toMatch(/Read-only file system/);
    expect(r.status).not.toBe(0);
  });
});

describe('bind mounts', () => {
  it('-v creates a missing host directory and shows host files inside', () => {
    const dir = join(work, 'made-by-run');
    const r = sh('-v', `${dir}:/host`, IMG, 'sh', '-c', 'echo from-container > /host/f');
    expect(r.status).toBe(0);
    expect(readFileSync(join(dir, 'f'), 'utf8')).toBe('from-container\n');
  });

  it(':ro is enforced inside the container', () => {
    const dir = join(work, 'ro');
    mkdirSync(dir);
    writeFileSync(join(dir, 'keep'), 'original\n');
    const r = sh('-v', `${dir}:/ro:ro`, IMG, 'sh', '-c', 'cat /ro/keep; echo evil > /ro/keep');
    expect(r.stdout).toBe('original\n');
    expect(r.stderr).toMatch(/Read-only file system/);
    expect(readFileSync(join(dir, 'keep'), 'utf8')).toBe('original\n');
  });

  it('--mount type=bind refuses a missing source (unlike -v)', () => {
    const r = sh('--mount', `type=bind,source=${join(work, 'missing')},target=/x`, IMG, 'true');
    expect(r.status).toBe(125);
    expect(r.stderr).toMatch(/bind source path does not exist/);
  });

  it('bad specifications are refused with a clear error and nothing is created', () => {
    expect(sh('-v', 'relative:dst', IMG, 'true').stderr).toMatch(/mount path must be absolute/);
    expect(sh('-v', 'va:/x', '-v', 'vb:/x', IMG, 'true').stderr).toMatch(/Duplicate mount point: \/x/);
    expect(m('volume', 'ls', '-q').stdout).not.toMatch(/^a$|^b$/m);
  });

  it('shows mounts in inspect and ps --format {{.Mounts}}', () => {
    const dir = join(work, 'insp');
    m('create', '--name', 'insp', '-v', `${dir}:/h:ro`, '-v', 'dbdata:/d', '--tmpfs', '/t:size=1m', IMG, 'true');
    const mounts = JSON.parse(m('inspect', '-f', '{{json .Mounts}}', 'insp').stdout);
    expect(mounts).toContainEqual({ Type: 'bind', Source: dir, Destination: '/h', Mode: 'ro', RW: false, Propagation: 'rprivate' });
    expect(mounts).toContainEqual({ Type: 'volume', Name: 'dbdata', Source: join(root, 'volumes/dbdata/_data'), Destination: '/d', Driver: 'local', Mode: 'z', RW: true, Propagation: '' });
    expect(mounts.find((x: { Destination: string }) => x.Destination === '/t')).toMatchObject({ Type: 'tmpfs', RW: true });
    const ps = m('ps', '-a', '--no-trunc', '--filter', 'name=insp', '--format', '{{.Mounts}}').stdout.trim();
    expect(ps.split(',').sort()).toEqual([dir, 'dbdata'].sort());
    m('rm', 'insp');
  });
});

describe('--volumes-from, anonymous volumes, tmpfs', () => {
  it('--volumes-from shares another container\'s volumes, :ro makes them read-only', () => {
    m('create', '--name', 'source', '-v', 'shared:/shared', '-v', '/anon', IMG, 'true');
    expect(sh('--volumes-from', 'source', IMG, 'sh', '-c', 'echo hello > /shared/f; touch /anon/a').status).toBe(0);
    const r = sh('--volumes-from', 'source:ro', IMG, 'sh', '-c', 'cat /shared/f; ls /anon; touch /shared/g');
    expect(r.stdout).toBe('hello\na\n');
    expect(r.stderr).toMatch(/Read-only file system/);
  });

  it('rm -v removes the anonymous volumes, named ones stay', () => {
    const [anon] = JSON.parse(m('inspect', '-f', '{{json .Mounts}}', 'source').stdout).filter((x: { Destination: string }) => x.Destination === '/anon');
    expect(anon.Name).toMatch(/^[0-9a-f]{64}$/);
    expect(existsSync(join(root, 'volumes', anon.Name))).toBe(true);
    expect(m('rm', '-v', 'source').status).toBe(0);
    expect(existsSync(join(root, 'volumes', anon.Name))).toBe(false);
    expect(existsSync(join(root, 'volumes', 'shared'))).toBe(true);
  });

  it('the image\'s VOLUME gets an anonymous volume filled from the image; --rm removes it', () => {
    const dir = join(work, 'img');
    mkdirSync(join(dir, 'src/bin'), { recursive: true });
    mkdirSync(join(dir, 'src/data'));
    execFileSync('cp', ['/bin/busybox', join(dir, 'src/bin/busybox')]);
    execFileSync('ln', ['-s', 'busybox', join(dir, 'src/bin/sh')]);
    writeFileSync(join(dir, 'src/data/seed'), 'seeded\n');
    const run = (cmd: string) => execFileSync('sh', ['-c', cmd], { cwd: dir, stdio: 'pipe' });
    run('umoci init --layout layout && umoci new --image layout:v1 && tar --owner=0 --group=0 --numeric-owner -C src -cf layer.tar . '
      + '&& umoci raw add-layer --image layout:v1 layer.tar && umoci config --image layout:v1 --config.volume /data --config.cmd sh '
      + '&& skopeo copy -q oci:layout:v1 oci-archive:img.tar:volimg:v1');
    expect(m('load', '-i', join(dir, 'img.tar')).status).toBe(0);
    const before = m('volume', 'ls', '-q').stdout;
    m('create', '--name', 'withvol', 'volimg:v1', 'true');
    const [mount] = JSON.parse(m('inspect', '-f', '{{json .Mounts}}', 'withvol').stdout);
    expect(mount).toMatchObject({ Type: 'volume', Destination: '/data', RW: true });
    expect(readFileSync(join(mount.Source, 'seed'), 'utf8')).toBe('seeded\n');
    m('rm', '-v', 'withvol');
    expect(sh('volimg:v1', 'sh', '-c', 'cat /data/seed').stdout).toBe('seeded\n');
    expect(m('volume', 'ls', '-q').stdout).toBe(before); // --rm took its anonymous volume along
  });

  it('--tmpfs and --mount type=tmpfs mount a tmpfs, with options', () => {
    const r = sh('--tmpfs', '/scratch:size=1m', '--mount', 'type=tmpfs,target=/t2,tmpfs-size=2097152', IMG, 'sh', '-c', 'grep -E " /(scratch|t2) " /proc/mounts');
    expect(r.stdout).toMatch(/tmpfs \/scratch tmpfs rw,nosuid,nodev,noexec,relatime,size=1024k/);
    expect(r.stdout).toMatch(/tmpfs \/t2 tmpfs .*size=2048k/);
  });

  it('volume prune removes unused anonymous volumes (all unused ones with -a)', () => {
    m('create', '--name', 'anonholder', '-v', '/x', IMG, 'true');
    m('rm', 'anonholder'); // without -v: its anonymous volume stays, dangling
    const r = m('volume', 'prune', '-f');
    expect(r.stdout).toMatch(/Deleted Volumes:\n[0-9a-f]{64}\n/);
    expect(m('volume', 'ls', '-q').stdout).toMatch(/dbdata/);
    m('volume', 'prune', '-f', '-a');
    expect(m('volume', 'ls', '-q').stdout).toBe('');
  });
});
