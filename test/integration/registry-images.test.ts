/**
 * Image commands around a registry: tag, push (checked with skopeo), save (read back by skopeo
 * as oci-archive and docker-archive, and by load), history, images filters, image prune.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { mr, tempRoot, removeRoot } from '../helpers/cli';
import { busyboxArchive, Registry, skopeoPush, startRegistry } from '../fixtures/registry';

let reg: Registry;
let fx: string;
let root: string;
const skopeo = (...args: string[]) => JSON.parse(execFileSync('skopeo', args, { stdio: 'pipe' }).toString());

beforeAll(async () => {
  reg = await startRegistry();
  fx = mkdtempSync('/tmp/mr-test-imgfx-');
  skopeoPush(`oci-archive:${busyboxArchive(fx)}`, `${reg.host}/library/alpine:latest`);
  root = tempRoot('images');
  expect(mr(root, ['pull', '-q', `${reg.host}/library/alpine`]).status).toBe(0);
}, 120_000);

afterAll(async () => {
  removeRoot(root);
  await reg?.stop();
  rmSync(fx, { recursive: true, force: true });
});

describe('tag and push', () => {
  it('tags an image and pushes it; skopeo sees the same digest and layers', () => {
    const target = `${reg.host}/pushed/app:v1`;
    expect(mr(root, ['tag', `${reg.host}/library/alpine`, target]).status).toBe(0);
    const r = mr(root, ['push', target]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(`The push refers to repository [${reg.host}/pushed/app]`);
    expect(lines).toContainEqual(expect.stringMatching(/^[0-9a-f]{12}: Pushed$/));
    const m = /^v1: digest: (sha256:[0-9a-f]{64}) size: \d+$/.exec(lines.at(-1)!);
    expect(m).not.toBeNull();
    const info = skopeo('inspect', '--tls-verify=false', `docker://${target}`);
    expect(info.Digest).toBe(m![1]);
    const local = JSON.parse(mr(root, ['image', 'inspect', target]).stdout)[0];
    expect(info.Layers).toHaveLength(local.RootFS.Layers.length);
    expect(local.RepoDigests).toContain(`${reg.host}/pushed/app@${m![1]}`);
    // a second push finds everything there
    expect(mr(root, ['push', target]).stdout).toMatch(/: Layer already exists\n/);
  });

  it('push of a name that is not in the store: one line, exit 1', () => {
    const r = mr(root, ['push', `${reg.host}/nope/x:v1`]);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`mini-run: An image does not exist locally with the tag: ${reg.host}/nope/x:v1\n`);
  });
});

describe('save', () => {
  it('writes one archive that skopeo reads as OCI and as docker-archive, and load reads back', () => {
    const file = join(fx, 'saved.tar');
    const r = mr(root, ['save', '-o', file, `${reg.host}/library/alpine:latest`]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const id = JSON.parse(mr(root, ['image', 'inspect', `${reg.host}/library/alpine`]).stdout)[0].Id;
    const oci = skopeo('inspect', '--config', `oci-archive:${file}`);
    const docker = skopeo('inspect', '--config', `docker-archive:${file}`);
    expect(oci.rootfs.diff_ids).toEqual(docker.rootfs.diff_ids);
    const other = tempRoot('images-load');
    try {
      const l = mr(other, ['load', '-i', file]);
      expect(l.stdout).toBe(`Loaded image: ${reg.host}/library/alpine:latest\n`);
      expect(JSON.parse(mr(other, ['image', 'inspect', `${reg.host}/library/alpine`]).stdout)[0].Id).toBe(id);
    } finally {
      removeRoot(other);
    }
  });
});

describe('history, images filters, prune', () => {
  it('history shows the config\'s history with the layer size', () => {
    const r = mr(root, ['history', `${reg.host}/library/alpine`]);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^IMAGE\s+CREATED\s+CREATED BY\s+SIZE\s+COMMENT$/);
    expect(lines[1]).toMatch(/^[0-9a-f]{12}\s+.* ago\s+rootfs\/busybox\.sh: static busybox from the h…\s+\d+(\.\d+)?MB$/);
  });

  it('images --filter dangling=true lists untagged images, image prune -f removes them', () => {
    // make the pulled image dangling: untag both names it has
    expect(mr(root, ['rmi', `${reg.host}/pushed/app:v1`]).status).toBe(0);
    const id = JSON.parse(mr(root, ['image', 'inspect', `${reg.host}/library/alpine`]).stdout)[0].Id;
    expect(mr(root, ['tag', id, 'keep:me']).status).toBe(0);
    expect(mr(root, ['rmi', `${reg.host}/library/alpine`]).status).toBe(0);
    expect(mr(root, ['images', '--filter', 'dangling=true', '-q']).stdout).toBe('');
    expect(mr(root, ['images', '--filter', 'reference=keep', '--format', '{{.Repository}}:{{.Tag}}']).stdout).toBe('keep:me\n');
    expect(mr(root, ['rmi', 'keep:me']).stdout).toMatch(/^Untagged: keep:me\n/);
    // now nothing is left: prune has nothing to do
    expect(mr(root, ['image', 'prune', '-f']).stdout).toBe('Total reclaimed space: 0B\n');
  });

  it('prune removes the dangling image left by a newer pull of the same tag', () => {
    expect(mr(root, ['pull', '-q', `${reg.host}/library/alpine`]).status).toBe(0);
    // the tag moves to another image in the registry (made by umoci), and we pull it again
    execFileSync('sh', [join(__dirname, '../fixtures/oci-image.sh'), join(fx, 'other'), 'other:v1', '1'], { stdio: 'pipe' });
    skopeoPush(`oci-archive:${join(fx, 'other/oci.tar')}`, `${reg.host}/library/alpine:latest`);
    const again = mr(root, ['pull', `${reg.host}/library/alpine`]);
    expect(again.stdout).toContain('Downloaded newer image');
    const dangling = mr(root, ['images', '--filter', 'dangling=true', '--format', '{{.Repository}} {{.Tag}}']);
    expect(dangling.stdout).toBe('<none> <none>\n');
    const p = mr(root, ['image', 'prune', '-f']);
    expect(p.stdout).toMatch(/^Deleted Images:\n(untagged: .*\n)*deleted: sha256:[0-9a-f]{64}\n[\s\S]*\nTotal reclaimed space: \d+(\.\d+)?[kM]B\n$/);
    expect(mr(root, ['images', '--filter', 'dangling=true', '-q']).stdout).toBe('');
    expect(mr(root, ['images', '--format', '{{.Repository}}:{{.Tag}}']).stdout).toBe(`${reg.host}/library/alpine:latest\n`);
  });
});
