/**
 * Layer unpacking (LayerStore + LayerWriter): OCI whiteouts, metadata kept, digests verified,
 * hostile entries refused — and after any failure, nothing stored and nothing left in ROOT/tmp.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setStateRoot, paths } from '../../src/paths';
import { unpackLayer, layerFsDir, hasLayer } from '../../src/image/layer-store';
import { hasBlob } from '../../src/image/content-store';
import { lgetxattr } from '../../src/sys/libc';
import { makeTar, gzip, digest, FixtureEntry } from '../fixtures/tar-writer';

let root: string;
let work: string;
const sh = (cmd: string) => execFileSync('sh', ['-c', cmd], { stdio: 'pipe' }).toString();

beforeAll(() => {
  work = mkdtempSync('/tmp/mr-test-layerfx-');
});
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
  rmSync(root, { recursive: true, force: true });
  setStateRoot(null);
});
beforeEach(() => {
  if (root) rmSync(root, { recursive: true, force: true });
  root = mkdtempSync('/tmp/mr-test-layer-');
  setStateRoot(root);
});

let n = 0;
/** Write `blob` to a file and unpack it, claiming the given (or true) digests. */
async function unpack(tar: Buffer, opts: { gzip?: boolean; diffId?: string; blobDigest?: string } = {}) {
  const blob = opts.gzip ? gzip(tar) : tar;
  const file = join(work, `blob-${n++}`);
  writeFileSync(file, blob);
  const diffId = opts.diffId ?? digest(tar);
  const r = await unpackLayer({ source: { file, offset: 0, size: blob.length }, diffId, blobDigest: opts.blobDigest ?? digest(blob), keepBlob: true });
  return { ...r, fs: layerFsDir(diffId) };
}

function expectNothingStored(): void {
  const list = (p: string) => (existsSync(p) ? readdirSync(p) : []);
  expect(list(paths.tmp())).toEqual([]);
  expect(list(paths.blobs())).toEqual([]);
  expect(list(paths.layers()).filter((x) => x !== 'l')).toEqual([]);
  expect(list(paths.layerLinks())).toEqual([]);
}

async function expectRefused(entries: FixtureEntry[], message: RegExp): Promise<void> {
  const err = await unpack(makeTar(entries)).then(() => null, (e: Error) => e);
  expect(err, 'the layer should have been refused').not.toBeNull();
  expect(err!.message).toMatch(/^layer sha256:[0-9a-f]{12}: refusing tar entry "/);
  expect(err!.message).toMatch(message);
  expect(err!.message).not.toContain('\n');
  expectNothingStored();
}

// The attacks are the tar-extraction CVE classes: path traversal ("tar slip", CWE-22: e.g.
// CVE-2018-20482-style "../" names, CVE-2019-14271/CVE-2018-15664-style symlink escapes) and
// link following (CWE-59): a hostile image must not write one byte outside its layer.
describe('hostile layer entries are refused, and nothing is left half-written', () => {
  it('refuses "../x" smuggled in a PAX path record under an innocent header name (CWE-22)', async () => {
    await expectRefused([{ path: 'innocent', data: 'pwned', pax: { path: '../../mr-pax-escape' } }], /path escapes the layer/);
    expect(existsSync('/tmp/mr-pax-escape')).toBe(false);
  });

  it('refuses a hardlink whose PAX linkpath climbs out, under an innocent ustar link name (CWE-59)', async () => {
    await expectRefused([{ path: 'h', type: '1', linkpath: 'ok', pax: { linkpath: '../../../etc/shadow' } }], /hardlink target escapes the layer/);
  });

  it('refuses "../x" (escapes the layer)', async () => {
    await expectRefused([{ path: 'ok', data: 'x' }, { path: '../x', data: 'pwned' }], /"\.\.\/x": path escapes the layer/);
    expect(existsSync(join(paths.tmp(), 'x'))).toBe(false);
  });

  it('refuses "a/../../x"', async () => {
    await expectRefused([{ path: 'a/', type: '5' }, { path: 'a/../../x', data: 'pwned' }], /path escapes the layer/);
  });

  it('makes an absolute "/etc/x" relative to the layer (as docker does)', async () => {
    const r = await unpack(makeTar([{ path: '/etc/x', data: 'inside' }]));
    expect(readFileSync(join(r.fs, 'etc/x'), 'utf8')).toBe('inside');
    expect(existsSync('/etc/x')).toBe(false);
  });

  it('refuses writing through a symlink to an absolute host path (evil -> HOST, evil/passwd)', async () => {
    // The image's real aim would be /etc (evil -> /etc, evil/passwd = a root without password);
    // the test aims at a directory of its own, so a broken protection damages nothing of the host's.
    const host = hostVictim('passwd');
    await expectRefused([{ path: 'evil', type: '2', linkpath: host.dir }, { path: 'evil/passwd', data: 'root::0:0::/:/bin/sh\n' }],
      /goes through the symlink "evil"/);
    expect(readFileSync(host.file, 'utf8')).toBe('host data\n');
  });

  it('refuses writing through a relative symlink that climbs out (evil -> ../../..)', async () => {
    await expectRefused([{ path: 'evil', type: '2', linkpath: '../../..' }, { path: 'evil/tmp/mr-pwned', data: 'x' }], /symlink "evil"/);
    expect(existsSync('/tmp/mr-pwned')).toBe(false);
  });

  // The writer remembers directories it has checked (one lstat each): a directory that a later
  // entry replaces must be checked again, or the old answer would let a write through a symlink.
  // The "host" here is a directory of the test's own outside the layer, never /etc: if the
  // protection broke, the attack would land there.
  function hostVictim(name = 'victim'): { dir: string; file: string } {
    const dir = mkdtempSync(join(work, 'host-'));
    writeFileSync(join(dir, name), 'host data\n');
    return { dir, file: join(dir, name) };
  }

  it('refuses writing through a directory that a later entry replaced with a symlink (d/, d/x, d -> HOST, d/victim)', async () => {
    const host = hostVictim();
    await expectRefused([
      { path: 'd/', type: '5' }, { path: 'd/x', data: 'fine' },
      { path: 'd', type: '2', linkpath: host.dir }, { path: 'd/victim', data: 'pwned\n' },
    ], /"d\/victim": path goes through the symlink "d"/);
    expect(readFileSync(host.file, 'utf8')).toBe('host data\n');
    expect(readdirSync(host.dir)).toEqual(['victim']);
  });

  it('refuses writing through a nested directory whose parent was replaced with a symlink (a/b/, a -> HOST, a/b/x)', async () => {
    const host = hostVictim();
    mkdirSync(join(host.dir, 'b'));
    await expectRefused([
      { path: 'a/b/', type: '5' }, { path: 'a/b/y', data: 'fine' },
      { path: 'a', type: '2', linkpath: host.dir }, { path: 'a/b/x', data: 'pwned' },
    ], /path goes through the symlink "a"/);
    expect(readdirSync(join(host.dir, 'b'))).toEqual([]);
  });

  it('refuses a hardlink through a directory that was replaced with a symlink (d/f, d -> HOST, h => d/victim)', async () => {
    const host = hostVictim();
    await expectRefused([
      { path: 'd/f', data: 'fine' }, { path: 'd', type: '2', linkpath: host.dir }, { path: 'h', type: '1', linkpath: 'd/victim' },
    ], /hardlink target goes through the symlink "d"/);
    expect(statSync(host.file).nlink).toBe(1);
  });

  // A file is created first and its name looked at only when it exists: a symlink (or a file, or
  // a directory) already at that name must be replaced, never written through.
  it('replaces a symlink to a host file with the regular file of the same name (s -> HOST/victim, then s)', async () => {
    const host = hostVictim();
    const r = await unpack(makeTar([{ path: 's', type: '2', linkpath: host.file }, { path: 's', data: 'layer data\n' }]));
    expect(lstatSync(join(r.fs, 's')).isFile()).toBe(true);
    expect(readFileSync(join(r.fs, 's'), 'utf8')).toBe('layer data\n');
    expect(readFileSync(host.file, 'utf8')).toBe('host data\n');
  });

  it('replaces an earlier file and an earlier directory of the same name with the later file', async () => {
    const r = await unpack(makeTar([
      { path: 'f', data: 'first' }, { path: 'f', data: 'second' },
      { path: 'd/', type: '5' }, { path: 'd/inner', data: 'x' }, { path: 'd', data: 'now a file' },
    ]));
    expect(readFileSync(join(r.fs, 'f'), 'utf8')).toBe('second');
    expect(readFileSync(join(r.fs, 'd'), 'utf8')).toBe('now a file');
  });

  it('refuses writing into a directory a whiteout removed in the same layer (a/b/, .wh.a, a/b/x)', async () => {
    await expectRefused([{ path: 'a/b/', type: '5' }, { path: '.wh.a', data: '' }, { path: 'a/b/x', data: 'x' }],
      /path goes through "a", which is not a directory/);
  });

  it('refuses a hardlink to ../../etc/passwd', async () => {
    await expectRefused([{ path: 'h', type: '1', linkpath: '../../etc/passwd' }], /hardlink target escapes the layer/);
  });

  it('refuses a hardlink to a file the layer does not have', async () => {
    await expectRefused([{ path: 'h', type: '1', linkpath: 'missing' }], /hardlink target "missing" does not exist in the layer/);
  });

  it('refuses a hardlink through a symlink (dir -> /etc, h => dir/passwd)', async () => {
    await expectRefused([{ path: 'dir', type: '2', linkpath: '/etc' }, { path: 'h', type: '1', linkpath: 'dir/passwd' }],
      /hardlink target goes through the symlink "dir"/);
  });

  it('refuses a sparse file whose map writes past its size or does not cover its data, leaving nothing', async () => {
    for (const [pax, why] of [
      [{ 'GNU.sparse.size': '100', 'GNU.sparse.map': '1000000,10' }, /chunk outside the file/],
      [{ 'GNU.sparse.size': '100', 'GNU.sparse.map': '0,4' }, /its map covers 4 bytes but the archive holds 10/],
    ] as const) {
      const err = await unpack(makeTar([{ path: 'sp', data: 'x'.repeat(10), pax: { ...pax } }])).then(() => null, (e: Error) => e);
      expect(err?.message).toMatch(/^layer sha256:[0-9a-f]{12}: bad sparse file "sp": /);
      expect(err?.message).toMatch(why);
      expect(err?.message).not.toContain('\n');
      expectNothingStored();
    }
  });

  it('keeps symlinks verbatim, absolute targets included, and hardlinks inside the layer', async () => {
    const r = await unpack(makeTar([
      { path: 'etc/', type: '5' },
      { path: 'etc/file', data: 'content' },
      { path: 'abs', type: '2', linkpath: '/etc/passwd' },
      { path: 'hard', type: '1', linkpath: 'etc/file' },
    ]));
    expect(readlinkSync(join(r.fs, 'abs'))).toBe('/etc/passwd');
    expect(statSync(join(r.fs, 'hard')).ino).toBe(statSync(join(r.fs, 'etc/file')).ino);
  });
});

describe('OCI whiteouts become what overlayfs expects', () => {
  it('turns .wh.NAME into a 0/0 character device NAME', async () => {
    const r = await unpack(makeTar([{ path: 'a/', type: '5' }, { path: 'a/.wh.gone', data: '' }]));
    const st = lstatSync(join(r.fs, 'a/gone'));
    expect(st.isCharacterDevice()).toBe(true);
    expect(st.rdev).toBe(0);
    expect(existsSync(join(r.fs, 'a/.wh.gone'))).toBe(false);
  });

  it('turns .wh..wh..opq into trusted.overlay.opaque=y on the directory', async () => {
    const r = await unpack(makeTar([{ path: 'c/', type: '5' }, { path: 'c/.wh..wh..opq', data: '' }, { path: 'c/new', data: 'n' }]));
    expect(lgetxattr(join(r.fs, 'c'), 'trusted.overlay.opaque')?.toString()).toBe('y');
    expect(readdirSync(join(r.fs, 'c'))).toEqual(['new']);
  });

  it('ignores overlay xattrs smuggled in through PAX records', async () => {
    const r = await unpack(makeTar([{ path: 'd/', type: '5', pax: { 'SCHILY.xattr.trusted.overlay.redirect': '/etc' } }]));
    expect(lgetxattr(join(r.fs, 'd'), 'trusted.overlay.redirect')).toBeNull();
  });
});

describe('metadata made by GNU tar is kept', () => {
  let tarFile: string;
  let src: string;
  beforeAll(() => {
    src = join(work, 'meta-src');
    mkdirSync(join(src, 'dir'), { recursive: true });
    writeFileSync(join(src, 'dir/owned'), 'owned');
    writeFileSync(join(src, 'ping'), 'pretend binary');
    sh(`cd ${src} && chown 1234:5678 dir/owned && chmod 4750 dir/owned && touch -h -d '2001-02-03 04:05:06' dir/owned`);
    sh(`cd ${src} && mknod dev-null c 1 3 && mkfifo fifo && chmod 600 fifo && ln -s dir/owned link && ln dir/owned hardlink`);
    sh(`cd ${src} && setcap cap_net_raw+ep ping && chmod 1777 dir && touch -d '1999-01-01 00:00:00' dir`);
    tarFile = join(work, 'meta.tar');
    sh(`tar --xattrs --xattrs-include='*' --format=posix -C ${src} -cf ${tarFile} .`);
  });

  it('keeps ownership, modes (setuid, sticky) and mtimes of files and directories', async () => {
    const r = await unpack(readFileSync(tarFile));
    const owned = lstatSync(join(r.fs, 'dir/owned'));
    expect([owned.uid, owned.gid]).toEqual([1234, 5678]);
    expect(owned.mode & 0o7777).toBe(0o4750);
    expect(owned.mtime.toISOString()).toBe(new Date('2001-02-03T04:05:06').toISOString());
    const dir = lstatSync(join(r.fs, 'dir'));
    expect(dir.mode & 0o7777).toBe(0o1777);
    expect(dir.mtime.toISOString()).toBe(new Date('1999-01-01T00:00:00').toISOString());
    expect(statSync(join(r.fs, 'hardlink')).ino).toBe(owned.ino);
    expect(readlinkSync(join(r.fs, 'link'))).toBe('dir/owned');
  });

  it('keeps device nodes and fifos', async () => {
    const r = await unpack(readFileSync(tarFile));
    const dev = lstatSync(join(r.fs, 'dev-null'));
    expect(dev.isCharacterDevice()).toBe(true);
    expect(dev.rdev).toBe(lstatSync('/dev/null').rdev);
    const fifo = lstatSync(join(r.fs, 'fifo'));
    expect(fifo.isFIFO()).toBe(true);
    expect(fifo.mode & 0o777).toBe(0o600);
  });

  it('keeps security.capability (a binary PAX SCHILY.xattr record)', async () => {
    const r = await unpack(readFileSync(tarFile));
    const want = lgetxattr(join(src, 'ping'), 'security.capability');
    expect(want).not.toBeNull();
    expect(lgetxattr(join(r.fs, 'ping'), 'security.capability')).toEqual(want);
    expect(sh(`getcap ${join(r.fs, 'ping')}`)).toMatch(/cap_net_raw[=+]ep/);
  });

  it('reads gzip and plain layers (detected by magic bytes) to the same diff_id, unpacked once', async () => {
    const tar = readFileSync(tarFile);
    const a = await unpack(tar, { gzip: true });
    expect(a.compression).toBe('gzip');
    expect(a.reused).toBe(false);
    const b = await unpack(tar);
    expect(b.compression).toBe('none');
    expect(b.reused).toBe(true);
    expect(b.diffId).toBe(a.diffId);
    expect(hasBlob(a.blobDigest) && hasBlob(b.blobDigest)).toBe(true);
    expect(readdirSync(paths.layers()).filter((x) => x !== 'l')).toHaveLength(1);
    expect(readdirSync(paths.tmp())).toEqual([]);
  });

  it('gives each layer a short link l/<10 chars> -> ../<hex>/fs', async () => {
    const r = await unpack(readFileSync(tarFile));
    const links = readdirSync(paths.layerLinks());
    expect(links).toHaveLength(1);
    expect(links[0]).toMatch(/^[A-Z2-7]{10}$/);
    expect(readlinkSync(join(paths.layerLinks(), links[0]))).toBe(`../${r.diffId.slice(7)}/fs`);
  });
});

describe('digests are verified in the same pass', () => {
  const tar = makeTar([{ path: 'f', data: 'data' }]);

  it('refuses a blob whose content does not match its digest', async () => {
    const wrong = 'sha256:' + '0'.repeat(64);
    await expect(unpack(tar, { gzip: true, blobDigest: wrong })).rejects.toThrow(/^layer sha256:000000000000: digest mismatch: the blob's content hashes to sha256:[0-9a-f]{64}, not sha256:0{64}$/);
    expectNothingStored();
  });

  it('refuses a layer whose uncompressed tar does not match its diff_id', async () => {
    const wrong = 'sha256:' + '1'.repeat(64);
    await expect(unpack(tar, { gzip: true, diffId: wrong })).rejects.toThrow(/diff_id mismatch: the uncompressed layer hashes to sha256:[0-9a-f]{64}, but the image config says sha256:1{64}/);
    expectNothingStored();
    expect(hasLayer(wrong)).toBe(false);
  });

  it('refuses a truncated tar and a truncated gzip stream with one-line errors', async () => {
    const big = makeTar([{ path: 'f', data: Buffer.alloc(5000, 1) }]);
    await expect(unpack(big.subarray(0, 2000))).rejects.toThrow(/the archive is truncated/);
    expectNothingStored();
    const gz = gzip(big);
    const file = join(work, 'trunc.gz');
    writeFileSync(file, gz.subarray(0, gz.length - 20));
    await expect(unpackLayer({ source: { file, offset: 0, size: gz.length - 20 }, diffId: digest(big), keepBlob: true }))
      .rejects.toThrow(/corrupt or truncated gzip data/);
    expectNothingStored();
  });

  it('refuses garbage that is not a tar', async () => {
    await expect(unpack(Buffer.alloc(4096, 0x41))).rejects.toThrow(/not a tar archive/);
    expectNothingStored();
  });
});
