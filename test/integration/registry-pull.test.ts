/**
 * `pull`, and `run` pulling when the image is missing, against a real docker-registry on
 * 127.0.0.1 holding images that GNU tar, umoci and skopeo made.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { mr, tempRoot, removeRoot, leaksFor } from '../helpers/cli';
import { expectNothingStored, rootFactory } from '../helpers/store';
import {
  busyboxArchive, layeredLayout, rawGet, rawPushBlob, rawPushManifest, Registry, sh, skopeoPush, startRegistry,
} from '../fixtures/registry';

let reg: Registry;
let fx: string;
const { newRoot, roots } = rootFactory('pull');

beforeAll(async () => {
  reg = await startRegistry();
  fx = mkdtempSync('/tmp/mr-test-pullfx-');
  const layered = layeredLayout(fx);
  skopeoPush(`oci:${layered}`, `${reg.host}/test/layered:v1`);
  skopeoPush(`oci-archive:${busyboxArchive(fx)}`, `${reg.host}/library/alpine:latest`);
}, 120_000);

afterAll(async () => {
  // Mounts and processes of this root; cgroups are host-wide (other suites' containers may be running).
  const leaks = roots.flatMap((r) => leaksFor(r).filter((l) => !l.startsWith('cgroup:')));
  // Clean up first, so a failed check never leaves a registry running.
  for (const r of roots) removeRoot(r);
  await reg?.stop();
  rmSync(fx, { recursive: true, force: true });
  expect(leaks).toEqual([]);
});

describe('mini-run pull', () => {
  it('a big layer (unpacked on a thread of its own) arrives whole; a hostile one is refused there: a symlink to a host directory, then a file "through" it (tar-slip class, CWE-22/CWE-59)', () => {
    // Layers of 1 MiB and more are unpacked on a worker thread (src/image/unpack-thread.ts):
    // random data keeps these above that once gzipped. The attack aims at a directory this
    // test makes (what a real image would aim at: /etc).
    const target = mkdtempSync('/tmp/mr-test-slip-target-');
    const w = join(fx, 'slip');
    try {
      mkdirSync(join(w, 'good/big'), { recursive: true });
      mkdirSync(join(w, 'bad/evil'), { recursive: true });
      mkdirSync(join(w, 'badlink'), { recursive: true });
      const pad = randomBytes(2 << 20);
      writeFileSync(join(w, 'good/big/pad'), pad);
      writeFileSync(join(w, 'bad/pad'), randomBytes(2 << 20));
      writeFileSync(join(w, 'bad/evil/pwned'), 'written outside the layer\n');
      symlinkSync(target, join(w, 'badlink/evil'));
      const tarOpts = '--owner=0 --group=0 --numeric-owner';
      sh(`tar ${tarOpts} -C ${w}/good -cf ${w}/good.tar big`);
      // GNU tar: the padding and the symlink, then the file under the symlink's name appended.
      sh(`tar ${tarOpts} -C ${w}/bad -cf ${w}/bad.tar pad && tar ${tarOpts} -C ${w}/badlink -rf ${w}/bad.tar evil && tar ${tarOpts} -C ${w}/bad -rf ${w}/bad.tar evil/pwned`);
      sh(`cd ${w} && umoci init --layout layout && umoci new --image layout:good && umoci raw add-layer --image layout:good good.tar`
        + ` && umoci new --image layout:bad && umoci raw add-layer --image layout:bad bad.tar`);
      skopeoPush(`oci:${w}/layout:good`, `${reg.host}/test/big:good`);
      skopeoPush(`oci:${w}/layout:bad`, `${reg.host}/test/big:bad`);

      const root = newRoot();
      const ok = mr(root, ['pull', '-q', `${reg.host}/test/big:good`]);
      expect(ok.stderr).toBe('');
      expect(ok.status).toBe(0);
      const [img] = JSON.parse(mr(root, ['image', 'inspect', `${reg.host}/test/big:good`]).stdout);
      const lower: string = img.GraphDriver.Data.LowerDir;
      const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
      expect(sha(readFileSync(join(lower, 'big/pad')))).toBe(sha(pad));

      const bad = newRoot();
      const r = mr(bad, ['pull', '-q', `${reg.host}/test/big:bad`]);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/^mini-run: layer sha256:[0-9a-f]{12}: refusing tar entry "evil\/pwned": path goes through the symlink "evil"\n$/);
      expect(readdirSync(target)).toEqual([]);
      expectNothingStored(bad);
    } finally {
      rmSync(target, { recursive: true, force: true });
    }
  });

  it('pulls a multi-layer image pushed by skopeo, printing docker-like progress lines', () => {
    const root = newRoot();
    const r = mr(root, ['pull', `${reg.host}/test/layered:v1`]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('v1: Pulling from test/layered');
    expect(lines.filter((l) => /^[0-9a-f]{12}: Pull complete$/.test(l))).toHaveLength(3);
    expect(lines.filter((l) => /^[0-9a-f]{12}: Download complete$/.test(l))).toHaveLength(3);
    expect(lines.at(-3)).toMatch(/^Digest: sha256:[0-9a-f]{64}$/);
    expect(lines.at(-2)).toBe(`Status: Downloaded newer image for ${reg.host}/test/layered:v1`);
    expect(lines.at(-1)).toBe(`${reg.host}/test/layered:v1`);

    // the digest is what the registry serves for the tag
    const digest = lines.at(-3)!.slice('Digest: '.length);
    const images = mr(root, ['images', '--digests', '--format', '{{.Repository}} {{.Tag}} {{.Digest}}']);
    expect(images.stdout).toBe(`${reg.host}/test/layered v1 ${digest}\n`);
  });

  it('unpacks whiteouts, opaque directories, hardlinks and symlinks as the layers say', () => {
    const root = newRoot();
    expect(mr(root, ['pull', '-q', `${reg.host}/test/layered:v1`]).status).toBe(0);
    const r = mr(root, ['run', '--rm', `${reg.host}/test/layered:v1`, 'sh', '-c',
      'ls /data; ls /data/dir; cat /data/symlink; stat -c %i /data/original /data/hardlink | uniq | wc -l']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('dir\nhardlink\noriginal\nsymlink\nc\nlinked content\n1\n');
    expect(r.status).toBe(0);
  });

  it('says "Already exists" and "Image is up to date" the second time, and -q prints only the name', () => {
    const root = newRoot();
    const q = mr(root, ['pull', '-q', `${reg.host}/library/alpine`]);
    expect(q.stdout).toBe(`${reg.host}/library/alpine:latest\n`);
    const r = mr(root, ['pull', `${reg.host}/library/alpine`]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^Using default tag: latest\nlatest: Pulling from library\/alpine\n[0-9a-f]{12}: Already exists\nDigest: sha256:[0-9a-f]{64}\nStatus: Image is up to date for 127\.0\.0\.1:\d+\/library\/alpine:latest\n127\.0\.0\.1:\d+\/library\/alpine:latest\n$/);
  });

  it('pulls by digest: no tag, the RepoDigest names it', async () => {
    const root = newRoot();
    const m = await rawGet(`${reg.url}/v2/library/alpine/manifests/latest`, 'application/vnd.oci.image.manifest.v1+json');
    const digest = String(m.headers['docker-content-digest']);
    const r = mr(root, ['pull', `${reg.host}/library/alpine@${digest}`]);
    expect(r.status).toBe(0);
    expect(r.stdout.trimEnd().split('\n').at(-1)).toBe(`${reg.host}/library/alpine@${digest}`);
    const inspect = JSON.parse(mr(root, ['image', 'inspect', `${reg.host}/library/alpine@${digest}`]).stdout);
    expect(inspect[0].RepoTags).toEqual([]);
    expect(inspect[0].RepoDigests).toEqual([`${reg.host}/library/alpine@${digest}`]);
  });

  it('pulls plain (uncompressed) and gzip layers in one docker schema-2 image', async () => {
    const root = newRoot();
    const dir = mkdtempSync(join(fx, 'plain-'));
    mkdirp(join(dir, 'a/etc'));
    writeFileSync(join(dir, 'a/etc/plain.txt'), 'plain layer\n');
    mkdirp(join(dir, 'b/etc'));
    writeFileSync(join(dir, 'b/etc/gzip.txt'), 'gzip layer\n');
    const opts = '--sort=name --mtime=@1000000000 --owner=0 --group=0 --numeric-owner';
    const plain = Buffer.from(sh(`tar ${opts} -C ${dir}/a -cf - . | base64 -w0`), 'base64');
    const plainB = Buffer.from(sh(`tar ${opts} -C ${dir}/b -cf - . | base64 -w0`), 'base64');
    const gz = gzipSync(plainB);
    const diff = (b: Buffer) => 'sha256:' + require('node:crypto').createHash('sha256').update(b).digest('hex');
    const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Cmd: ['sh'] }, rootfs: { type: 'layers', diff_ids: [diff(plain), diff(plainB)] } }));
    const l1 = await rawPushBlob(reg, 'test/plain', plain);
    const l2 = await rawPushBlob(reg, 'test/plain', gz);
    const c = await rawPushBlob(reg, 'test/plain', config);
    const manifest = Buffer.from(JSON.stringify({
      schemaVersion: 2, mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
      config: { mediaType: 'application/vnd.docker.container.image.v1+json', ...c },
      layers: [
        { mediaType: 'application/vnd.docker.image.rootfs.diff.tar', ...l1 },
        { mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', ...l2 },
      ],
    }));
    await rawPushManifest(reg, 'test/plain', 'v1', manifest, 'application/vnd.docker.distribution.manifest.v2+json');
    const r = mr(root, ['pull', `${reg.host}/test/plain:v1`]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const inspect = JSON.parse(mr(root, ['image', 'inspect', `${reg.host}/test/plain:v1`]).stdout)[0];
    expect(inspect.RootFS.Layers).toEqual([diff(plain), diff(plainB)]);
    const lower: string[] = inspect.GraphDriver.Data.LowerDir.split(':');
    expect(lower.some((d) => existsSync(join(d, 'etc/plain.txt')))).toBe(true);
    expect(lower.some((d) => existsSync(join(d, 'etc/gzip.txt')))).toBe(true);
  });

  it('an unknown tag: one line naming the reference, exit 1, nothing stored', () => {
    const root = newRoot();
    const r = mr(root, ['pull', `${reg.host}/library/alpine:nope`]);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`mini-run: manifest for ${reg.host}/library/alpine:nope not found: manifest unknown\n`);
    expectNothingStored(root);
  });

  it('an unknown repository: exit 1, one line', () => {
    const root = newRoot();
    const r = mr(root, ['pull', `${reg.host}/no/such:v1`]);
    expect(r.status).toBe(1);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^mini-run: manifest for 127\.0\.0\.1:\d+\/no\/such:v1 not found: /);
  });

  it('a registry that is down: one line, exit 1', () => {
    const root = newRoot();
    const r = mr(root, ['pull', '127.0.0.1:9/library/alpine']);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('mini-run: manifest for 127.0.0.1:9/library/alpine:latest: GET http://127.0.0.1:9/v2/library/alpine/manifests/latest: connection refused\n');
    expectNothingStored(root);
  });
});

describe('run pulls like docker run', () => {
  it('pulls a missing image with the messages on stderr, keeping stdout for the program', () => {
    const root = newRoot();
    const r = mr(root, ['run', '--rm', `${reg.host}/library/alpine`, 'echo', 'hi']);
    expect(r.stdout).toBe('hi\n');
    expect(r.status).toBe(0);
    const err = r.stderr.split('\n');
    expect(err[0]).toBe(`Unable to find image '${reg.host}/library/alpine:latest' locally`);
    expect(err[1]).toBe('latest: Pulling from library/alpine');
    expect(r.stderr).toContain(`Status: Downloaded newer image for ${reg.host}/library/alpine:latest`);
    // the second run finds it locally and prints nothing about pulling
    const again = mr(root, ['run', '--rm', `${reg.host}/library/alpine`, 'echo', 'again']);
    expect(again.stderr).toBe('');
    expect(again.stdout).toBe('again\n');
  });

  it('--pull never fails on a missing image; --pull always pulls again', () => {
    const root = newRoot();
    const never = mr(root, ['run', '--rm', '--pull', 'never', `${reg.host}/library/alpine`, 'true']);
    expect(never.status).toBe(125);
    expect(never.stderr).toBe(`mini-run: No such image: ${reg.host}/library/alpine\n`);
    expect(mr(root, ['pull', '-q', `${reg.host}/library/alpine`]).status).toBe(0);
    const always = mr(root, ['run', '--rm', '--pull', 'always', `${reg.host}/library/alpine`, 'echo', 'ok']);
    expect(always.stdout).toBe('ok\n');
    expect(always.stderr).not.toContain('Unable to find image');
    expect(always.stderr).toContain('Image is up to date');
    const bad = mr(root, ['run', '--rm', '--pull', 'sometimes', `${reg.host}/library/alpine`, 'true']);
    expect(bad.status).toBe(125);
  });

  it('a failed pull during run exits 125 with one line', () => {
    const root = newRoot();
    const r = mr(root, ['run', '--rm', `${reg.host}/library/alpine:nope`, 'true']);
    expect(r.status).toBe(125);
    expect(r.stderr.trimEnd().split('\n').at(-1)).toBe(`mini-run: manifest for ${reg.host}/library/alpine:nope not found: manifest unknown`);
    expectNothingStored(root);
  });
});

describe('configuration: registry mirrors', () => {
  it('`run alpine` works through a docker.io mirror with no other flag', () => {
    const root = newRoot();
    const cfg = join(fx, 'mirror.json');
    writeFileSync(cfg, JSON.stringify({ 'registry-mirrors': [reg.url] }));
    const r = mr(root, ['run', '--rm', 'alpine', 'echo', 'hi'], { env: { MINI_RUN_CONFIG: cfg } });
    expect(r.stdout).toBe('hi\n');
    expect(r.status).toBe(0);
    expect(r.stderr).toContain("Unable to find image 'alpine:latest' locally");
    expect(r.stderr).toContain('Status: Downloaded newer image for alpine:latest');
    const images = mr(root, ['images', '--format', '{{.Repository}}:{{.Tag}}'], { env: { MINI_RUN_CONFIG: cfg } });
    expect(images.stdout).toBe('alpine:latest\n');
  });

  it('a broken configuration file is one error line naming the file', () => {
    const root = newRoot();
    const cfg = join(fx, 'broken.json');
    writeFileSync(cfg, '{"registry-mirrors": [');
    const r = mr(root, ['pull', 'alpine'], { env: { MINI_RUN_CONFIG: cfg } });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^mini-run: the configuration file ${cfg} is not valid JSON: .*\\n$`));
    writeFileSync(cfg, '{"registry-mirrors": ["ftp://x"]}');
    const r2 = mr(root, ['pull', 'alpine'], { env: { MINI_RUN_CONFIG: cfg } });
    expect(r2.stderr).toMatch(new RegExp(`^mini-run: the configuration file ${cfg} is invalid: "registry-mirrors.0": must be an http`));
  });
});

function mkdirp(p: string): void {
  require('node:fs').mkdirSync(p, { recursive: true });
}
