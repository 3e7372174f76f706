/**
 * `load`, `images`, `image inspect`, `rmi` against images made by independent tools
 * (GNU tar, umoci, skopeo): what a user sees, and that nothing is left behind.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, lstatSync, readlinkSync, rmSync, writeFileSync, mkdirSync, statSync, symlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { mr, tempRoot, removeRoot, leaksFor, REPO } from '../helpers/cli';
import { setStateRoot } from '../../src/paths';
import { findImage, layerShortLinks, layerDirs, ensureBuiltinImage, imageConfig } from '../../src/image/store';

const FIXTURE = resolve(__dirname, '../fixtures/oci-image.sh');
let fx: string;
const sh = (cmd: string) => execFileSync('sh', ['-c', cmd], { stdio: 'pipe' }).toString();
const roots: string[] = [];
function newRoot(): string {
  const r = tempRoot('image');
  roots.push(r);
  return r;
}
const list = (p: string) => (existsSync(p) ? readdirSync(p) : []);
function expectEmptyStore(root: string): void {
  expect(list(join(root, 'images'))).toEqual([]);
  expect(list(join(root, 'blobs/sha256'))).toEqual([]);
  expect(list(join(root, 'layers')).filter((x) => x !== 'l')).toEqual([]);
  expect(list(join(root, 'layers/l'))).toEqual([]);
  expect(list(join(root, 'tmp'))).toEqual([]);
}
const layerCount = (root: string) => list(join(root, 'layers')).filter((x) => x !== 'l').length;

beforeAll(() => {
  fx = mkdtempSync('/tmp/mr-test-imagefx-');
  // A base layer shared by images a and b, made with GNU tar.
  mkdirSync(join(fx, 'base/etc'), { recursive: true });
  writeFileSync(join(fx, 'base/etc/os-release'), 'NAME=test\n');
  sh(`tar --sort=name --mtime=@1000000000 --owner=0 --group=0 -C ${fx}/base -cf ${fx}/base.tar .`);
  sh(`sh ${FIXTURE} ${fx}/a example.com/test/a:v1 2 ${fx}/base.tar`);
  sh(`sh ${FIXTURE} ${fx}/b example.com/test/b:v1 1 ${fx}/base.tar`);
  sh(`skopeo copy -q oci:${fx}/a/layout:v1 docker-archive:${fx}/a/other.tar:other:v2`);
}, 120_000);

afterAll(() => {
  setStateRoot(null);
  for (const r of roots) {
    expect(leaksFor(r)).toEqual([]);
    removeRoot(r);
  }
  rmSync(fx, { recursive: true, force: true });
});

describe('mini-run load', () => {
  it('loads an OCI archive made by umoci + skopeo and shows it in images and image inspect', () => {
    const root = newRoot();
    const r = mr(root, ['load', '-i', `${fx}/a/oci.tar`]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('Loaded image: example.com/test/a:v1\n');
    expect(r.status).toBe(0);

    const images = mr(root, ['images']);
    const lines = images.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^REPOSITORY\s+TAG\s+IMAGE ID\s+CREATED\s+SIZE$/);
    expect(lines[1]).toMatch(/^example\.com\/test\/a\s+v1\s+[0-9a-f]{12}\s+\d+ years ago\s+\d+(\.\d+)?B$/);

    const inspect = mr(root, ['image', 'inspect', 'example.com/test/a:v1']);
    expect(inspect.status).toBe(0);
    const [doc] = JSON.parse(inspect.stdout);
    expect(doc.Id).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(doc.RepoTags).toEqual(['example.com/test/a:v1']);
    expect(doc.Created).toBe('2020-01-02T03:04:05Z');
    expect(doc.Author).toBe('mini-run tests');
    expect(doc.Config.Cmd).toEqual(['sh', '-c', 'echo hi']);
    expect(doc.Config.Env).toEqual(['PATH=/usr/bin:/bin', 'FOO=bar']);
    expect(doc.Config.WorkingDir).toBe('/data');
    expect(doc.Config.User).toBe('1000:1000');
    expect(doc.Config.Labels).toEqual({ 'org.example': 'test' });
    expect(doc.Os).toBe('linux');
    expect(doc.RootFS.Type).toBe('layers');
    expect(doc.RootFS.Layers).toHaveLength(3);
    // the files of every layer are there, unpacked
    const lower: string[] = doc.GraphDriver.Data.LowerDir.split(':');
    expect(readFileSync(join(lower[2], 'etc/os-release'), 'utf8')).toBe('NAME=test\n');
    expect(readFileSync(join(lower[0], 'data/example.com_test_a_v1-2'), 'utf8')).toBe('layer 2 of example.com/test/a:v1\n');

    expect(mr(root, ['image', 'inspect', '-f', '{{.Id}}', doc.Id.slice(7, 19)]).stdout).toBe(`${doc.Id}\n`);
    expect(mr(root, ['images', '-q']).stdout).toBe(`${doc.Id.slice(7, 19)}\n`);
    expect(list(join(root, 'tmp'))).toEqual([]);
  });

  it('loads a docker-archive (docker save format, made by skopeo) from stdin', () => {
    const root = newRoot();
    const r = mr(root, ['load'], { input: readFileSync(`${fx}/b/docker.tar`) as unknown as string });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('Loaded image: example.com/test/b:v1\n');
    const [doc] = JSON.parse(mr(root, ['image', 'inspect', 'example.com/test/b:v1']).stdout);
    expect(doc.Config.Cmd).toEqual(['sh', '-c', 'echo hi']);
    expect(doc.RootFS.Layers).toHaveLength(2);
    expect(list(join(root, 'tmp'))).toEqual([]);
  });

  it('stores each layer once when the same image is loaded twice (OCI, then docker format)', () => {
    const root = newRoot();
    expect(mr(root, ['load', '-i', `${fx}/a/oci.tar`]).status).toBe(0);
    const r = mr(root, ['load', '-i', `${fx}/a/docker.tar`]);
    expect(r.stdout).toBe('Loaded image: example.com/test/a:v1\n');
    expect(layerCount(root)).toBe(3);
    expect(list(join(root, 'layers/l'))).toHaveLength(3);
    expect(mr(root, ['images', '-q']).stdout.trim().split('\n')).toHaveLength(1);
    // removing it removes every blob of both loads
    expect(mr(root, ['rmi', 'example.com/test/a:v1']).status).toBe(0);
    expectEmptyStore(root);
  });

  it('refuses a truncated or garbage archive with one line, and stores nothing', () => {
    const root = newRoot();
    const whole = readFileSync(`${fx}/a/oci.tar`);
    writeFileSync(`${fx}/truncated.tar`, whole.subarray(0, Math.floor(whole.length / 2)));
    writeFileSync(`${fx}/garbage.tar`, Buffer.alloc(10_000, 'garbage '));
    for (const [file, why] of [['truncated.tar', /truncated/], ['garbage.tar', /not a tar archive/]] as const) {
      const r = mr(root, ['load', '-i', `${fx}/${file}`]);
      expect(r.status).not.toBe(0);
      expect(r.stderr).toMatch(why);
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(r.stdout).toBe('');
      expectEmptyStore(root);
    }
    const empty = mr(root, ['load']);
    expect(empty.status).not.toBe(0);
    expect(empty.stderr).toMatch(/stdin, but it is empty/);
  });

  it('refuses a layer blob that does not match its digest: no image, nothing of the bad layer; the finished layer is kept and reused by the next load', () => {
    const root = newRoot();
    const bad = join(fx, 'bad');
    sh(`rm -rf ${bad} && cp -a ${fx}/b/layout ${bad}`);
    const manifest = JSON.parse(readFileSync(join(bad, 'blobs/sha256', JSON.parse(readFileSync(join(bad, 'index.json'), 'utf8')).manifests[0].digest.slice(7)), 'utf8'));
    const layer = join(bad, 'blobs/sha256', manifest.layers[1].digest.slice(7));
    const bytes = readFileSync(layer);
    bytes[bytes.length - 30] ^= 0xff; // corrupt the gzip stream's data, keep its size
    sh(`chmod u+w ${layer}`);
    writeFileSync(layer, bytes);
    sh(`tar -C ${bad} -cf ${fx}/bad.tar oci-layout index.json blobs`);
    const r = mr(root, ['load', '-i', `${fx}/bad.tar`]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/^mini-run: layer sha256:[0-9a-f]{12}: (digest mismatch|corrupt or truncated gzip data)/);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(list(join(root, 'images'))).toEqual([]);
    expect(list(join(root, 'blobs/sha256'))).not.toContain(manifest.layers[1].digest.slice(7));
    expect(list(join(root, 'tmp'))).toEqual([]);
    // Issue 21: the first (good) layer was unpacked and verified: it stays, whole (as after a
    // failed pull, and as docker keeps it) ...
    expect(layerCount(root)).toBe(1);
    expect(list(join(root, 'layers/l'))).toHaveLength(1);
    expect(list(join(root, 'blobs/sha256'))).toEqual([manifest.layers[0].digest.slice(7)]);
    // ... and loading the good archive reuses it instead of unpacking it again.
    const again = mr(root, ['--trace', 'load', '-i', `${fx}/b/oci.tar`]);
    expect(again.status).toBe(0);
    expect(again.stderr).toContain(`layer ${JSON.parse(readFileSync(join(bad, 'blobs/sha256', manifest.config.digest.slice(7)), 'utf8')).rootfs.diff_ids[0].slice(0, 19)} is already unpacked; reusing it`);
    expect(list(join(root, 'layers/l'))).toHaveLength(layerCount(root));
    // Removing the image leaves nothing: the kept layer was the image's own.
    expect(mr(root, ['rmi', 'example.com/test/b:v1']).status).toBe(0);
    expectEmptyStore(root);
  });
});

describe('a hostile layer in a loaded archive (tar-slip class, CWE-22/CWE-59)', () => {
  // The same attack through a pull, where a big layer is unpacked on a thread of its own, is in
  // registry-pull.test.ts. The attack aims at a directory this test makes (what a real image
  // would aim at: /etc).
  it('a symlink to a host directory, then a file "through" it: refused, nothing written there, nothing stored', () => {
    const root = newRoot();
    const target = mkdtempSync('/tmp/mr-test-slip-target-');
    const w = join(fx, 'slip');
    try {
      sh(`rm -rf ${w} && mkdir -p ${w}/one ${w}/two/evil`);
      symlinkSync(target, join(w, 'one/evil'));
      writeFileSync(join(w, 'two/evil/pwned'), 'written outside the layer\n');
      // GNU tar: the symlink in one archive, the file under the same name appended after it.
      sh(`tar --owner=0 --group=0 -C ${w}/one -cf ${w}/layer.tar evil && tar --owner=0 --group=0 -C ${w}/two -rf ${w}/layer.tar evil/pwned`);
      sh(`cd ${w} && umoci init --layout layout && umoci new --image layout:v1 && umoci raw add-layer --image layout:v1 ${fx}/base.tar && umoci raw add-layer --image layout:v1 layer.tar && skopeo copy -q oci:layout:v1 oci-archive:slip.tar:example.com/test/slip:v1`);
      const r = mr(root, ['load', '-i', `${w}/slip.tar`]);
      expect(r.status).not.toBe(0);
      expect(r.stderr).toMatch(/^mini-run: layer sha256:[0-9a-f]{12}: refusing tar entry "evil\/pwned": path goes through the symlink "evil"\n$/);
      expect(readdirSync(target)).toEqual([]);
      expect(list(join(root, 'images'))).toEqual([]);
      expect(list(join(root, 'tmp'))).toEqual([]);
      // The good base layer before it was verified and stays, as after a failed pull.
      expect(layerCount(root)).toBe(1);
    } finally {
      rmSync(target, { recursive: true, force: true });
    }
  });
});

describe('mini-run rmi', () => {
  it('keeps layers shared with another image when one is removed', () => {
    const root = newRoot();
    expect(mr(root, ['load', '-i', `${fx}/a/oci.tar`]).status).toBe(0);
    expect(mr(root, ['load', '-i', `${fx}/b/oci.tar`]).status).toBe(0);
    expect(layerCount(root)).toBe(4); // base + 2 (a) + 1 (b)
    const r = mr(root, ['rmi', 'example.com/test/a:v1']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^Untagged: example\.com\/test\/a:v1\nDeleted: sha256:[0-9a-f]{64}\n/);
    expect(layerCount(root)).toBe(2);
    const [b] = JSON.parse(mr(root, ['image', 'inspect', 'example.com/test/b:v1']).stdout);
    for (const d of b.GraphDriver.Data.LowerDir.split(':')) expect(existsSync(d)).toBe(true);
    expect(mr(root, ['image', 'rm', 'example.com/test/b:v1']).status).toBe(0);
    expectEmptyStore(root);
  });

  it('untags while other names remain, deletes with the last one, and needs -f for an id in several repositories', () => {
    const root = newRoot();
    expect(mr(root, ['load', '-i', `${fx}/a/oci.tar`]).status).toBe(0);
    expect(mr(root, ['load', '-i', `${fx}/a/other.tar`]).stdout).toBe('Loaded image: other:v2\n');
    const id = mr(root, ['images', '-q']).stdout.trim();
    expect(id).toMatch(/^[0-9a-f]{12}$/);
    expect(mr(root, ['images']).stdout.trim().split('\n')).toHaveLength(3);

    const conflict = mr(root, ['rmi', id]);
    expect(conflict.status).toBe(1);
    expect(conflict.stderr).toBe(`mini-run: conflict: unable to delete ${id} (must be forced) - image is referenced in multiple repositories\n`);

    const untag = mr(root, ['rmi', 'other:v2']);
    expect(untag.stdout).toBe('Untagged: other:v2\n');
    expect(layerCount(root)).toBe(3);

    expect(mr(root, ['load', '-i', `${fx}/a/other.tar`]).status).toBe(0);
    const forced = mr(root, ['rmi', '-f', id]);
    expect(forced.status).toBe(0);
    expect(forced.stdout).toContain('Untagged: example.com/test/a:v1\nUntagged: other:v2\nDeleted: sha256:');
    expectEmptyStore(root);
  });

  it('reports unknown images like docker, per argument, with exit code 1', () => {
    const root = newRoot();
    expect(mr(root, ['load', '-i', `${fx}/b/oci.tar`]).status).toBe(0);
    const r = mr(root, ['rmi', 'foo', 'example.com/test/b:v1', 'bar:1']);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^Untagged: example\.com\/test\/b:v1\n/);
    expect(r.stderr).toBe('mini-run: No such image: foo:latest\nmini-run: No such image: bar:1\n');
    const inspect = mr(root, ['image', 'inspect', 'nope']);
    expect(inspect.status).toBe(1);
    expect(inspect.stdout.trim()).toBe('[]');
    expect(inspect.stderr).toBe('Error: No such image: nope\n');
  });
});

describe('many layers', () => {
  it('loads a 100-layer image whose overlay lowerdir of short links fits in a page, and overlay mounts it', () => {
    const root = newRoot();
    sh(`sh ${FIXTURE} ${fx}/big localhost/big:v1 100`);
    const r = mr(root, ['load', '-i', `${fx}/big/oci.tar`]);
    expect(r.stdout).toBe('Loaded image: localhost/big:v1\n');
    setStateRoot(root);
    const img = findImage('localhost/big:v1')!;
    expect(img.layers).toHaveLength(100);
    const links = layerShortLinks(img);
    const lowerdir = [...links].reverse().join(':');
    expect(lowerdir.length).toBeLessThan(3000);
    for (const [i, l] of links.entries()) expect(resolve(join(root, 'layers/l'), readlinkSync(join(root, 'layers/l', l)))).toBe(layerDirs(img)[i]);
    // the runtime's way: chdir into layers/l and pass the short names (in a private mount namespace)
    const target = mkdtempSync('/tmp/mr-test-ovl-');
    try {
      const out = sh(`unshare -m sh -c 'cd ${root}/layers/l && mount -t overlay overlay -o lowerdir=${lowerdir} ${target} && cat ${target}/data/localhost_big_v1-1 ${target}/data/localhost_big_v1-100 && ls ${target}/data | wc -l'`);
      expect(out).toBe('layer 1 of localhost/big:v1\nlayer 100 of localhost/big:v1\n100\n');
    } finally {
      rmSync(target, { recursive: true, force: true });
    }
  });
});

describe('the built-in image mini-run/busybox', () => {
  it('is built from the host busybox with GNU tar, deterministically', () => {
    const out = mkdtempSync('/tmp/mr-test-bb-');
    try {
      sh(`sh ${REPO}/rootfs/busybox.sh ${out}/1.tar && sh ${REPO}/rootfs/busybox.sh ${out}/2.tar`);
      expect(readFileSync(`${out}/1.tar`).equals(readFileSync(`${out}/2.tar`))).toBe(true);
      expect(list(out).sort()).toEqual(['1.tar', '2.tar']);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('refuses a dynamically linked busybox with a clear message', () => {
    const r = (() => {
      try { sh(`BUSYBOX=/bin/ls sh ${REPO}/rootfs/busybox.sh /tmp/mr-test-never.tar`); return ''; } catch (e) { return String((e as { stderr: Buffer }).stderr); }
    })();
    expect(r).toMatch(/dynamically linked; install the static one \(apt-get install busybox-static\)/);
    expect(existsSync('/tmp/mr-test-never.tar')).toBe(false);
  });

  it('tells static from dynamic by the ELF\'s program interpreter, also on a machine without ldd and readelf', () => {
    // A PATH with every host command but ldd and readelf (binutils): node reads the program
    // headers. The static busybox has the string "ld-linux" in it, which once made it "dynamic".
    const bin = mkdtempSync('/tmp/mr-test-bb-path-');
    const out = mkdtempSync('/tmp/mr-test-bb-');
    try {
      for (const dir of ['/usr/local/bin', '/usr/bin', '/bin', '/usr/sbin', '/sbin']) {
        for (const name of list(dir)) {
          if (name === 'ldd' || name === 'readelf' || existsSync(join(bin, name))) continue;
          symlinkSync(join(dir, name), join(bin, name));
        }
      }
      const recipe = (busybox: string) => spawnSync('sh', [`${REPO}/rootfs/busybox.sh`, `${out}/image.tar`],
        { env: { PATH: bin, NODE: process.execPath, BUSYBOX: busybox, TMPDIR: out }, encoding: 'utf8' });
      const fine = recipe('/bin/busybox');
      expect(fine.stderr).toBe('');
      expect(fine.status).toBe(0);
      expect(existsSync(`${out}/image.tar`)).toBe(true);
      rmSync(`${out}/image.tar`);
      const refused = recipe('/bin/ls');
      expect(refused.stderr).toBe('busybox.sh: /bin/ls is dynamically linked; install the static one (apt-get install busybox-static)\n');
      expect(refused.status).toBe(1);
      expect(list(out)).toEqual([]);
    } finally {
      rmSync(bin, { recursive: true, force: true });
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('is loaded on demand through the load path, with a user, /tmp 1777 and an applet per symlink', async () => {
    const root = newRoot();
    setStateRoot(root);
    const img = await ensureBuiltinImage();
    expect(img.repoTags).toEqual(['docker.io/mini-run/busybox:latest']);
    expect(imageConfig(img)).toEqual({ Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], Cmd: ['sh'] });
    const [fs] = layerDirs(img);
    expect(readlinkSync(join(fs, 'bin/sh'))).toBe('/bin/busybox');
    expect(readlinkSync(join(fs, 'bin/ls'))).toBe('/bin/busybox');
    expect(readFileSync(join(fs, 'etc/passwd'), 'utf8')).toMatch(/^user:x:1000:1000:/m);
    expect(statSync(join(fs, 'tmp')).mode & 0o7777).toBe(0o1777);
    expect(lstatSync(join(fs, 'home/user')).uid).toBe(1000);
    for (const d of ['proc', 'sys', 'dev', 'root', 'var']) expect(statSync(join(fs, d)).isDirectory()).toBe(true);
    expect((await ensureBuiltinImage()).id).toBe(img.id);
    const images = mr(root, ['images']).stdout;
    expect(images).toMatch(/^mini-run\/busybox\s+latest\s+[0-9a-f]{12}\s/m);
    expect(list(join(root, 'tmp'))).toEqual([]);
  });
});
