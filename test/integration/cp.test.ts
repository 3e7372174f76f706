/**
 * `cp` between the host and a container, running or stopped: files and trees, owners and
 * modes, and the symlink attacks of docker's CVE-2018-15664 — a link planted by the container
 * must never make cp read or write the host.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chownSync, existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, readlinkSync, statSync, symlinkSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { leaksFor, mr, removeRoot, tempRoot } from '../helpers/cli';

let root: string;
let work: string;
const IMG = 'mini-run/busybox';
const m = (...args: string[]) => mr(root, args);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
// Inside every test container: /evil -> /, /tmp/x -> /etc, and a file of its own.
const PLANT = 'mkdir -p /tmp /data; ln -s / /evil; ln -s /etc /tmp/x; ln -s ../../../../../.. /data/up; echo container-secret > /etc/secret';

beforeAll(async () => {
  root = tempRoot('cp');
  work = tempRoot('cpwork');
  expect(m('run', '-d', '--name', 'live', IMG, 'sh', '-c', `${PLANT}; touch /ready; exec sleep 300`).status).toBe(0);
  expect(m('run', '--name', 'dead', IMG, 'sh', '-c', PLANT).status).toBe(0);
  for (let i = 0; i < 100 && m('exec', 'live', 'test', '-e', '/ready').status !== 0; i++) await sleep(50);
  // A host tree to copy in: a file with an odd owner and mode, a subdirectory, a symlink.
  mkdirSync(join(work, 'tree/sub'), { recursive: true });
  writeFileSync(join(work, 'tree/file'), 'hello\n');
  chownSync(join(work, 'tree/file'), 1234, 5678);
  chmodSync(join(work, 'tree/file'), 0o640);
  writeFileSync(join(work, 'tree/sub/deep'), 'deep\n');
  symlinkSync('file', join(work, 'tree/link'));
  mkdirSync(join(work, 'victim'));
  writeFileSync(join(work, 'victim/host-secret'), 'host-only\n');
});

afterAll(() => {
  m('rm', '-f', 'live', 'dead');
  expect(leaksFor(root)).toEqual([]);
  removeRoot(root);
  removeRoot(work);
});

for (const name of ['live', 'dead']) {
  describe(`a ${name === 'live' ? 'running' : 'stopped'} container`, () => {
    it('copies a file out, mode kept', () => {
      const out = join(work, `${name}-secret`);
      expect(m('cp', `${name}:/etc/secret`, out).status).toBe(0);
      expect(readFileSync(out, 'utf8')).toBe('container-secret\n');
    });

    it('copies a tree in; without -a files belong to root, with -a owners are kept', () => {
      expect(m('cp', join(work, 'tree'), `${name}:/data/plain`).status).toBe(0);
      expect(m('cp', '-a', join(work, 'tree'), `${name}:/data/archived`).status).toBe(0);
      // ... and back out with -a, to look at it from the host
      const back = join(work, `${name}-back`);
      expect(m('cp', '-a', `${name}:/data`, back).status).toBe(0);
      const plain = statSync(join(back, 'plain/file'));
      expect([plain.uid, plain.gid, plain.mode & 0o777]).toEqual([0, 0, 0o640]);
      const arch = statSync(join(back, 'archived/file'));
      expect([arch.uid, arch.gid, arch.mode & 0o777]).toEqual([1234, 5678, 0o640]);
      expect(readFileSync(join(back, 'archived/sub/deep'), 'utf8')).toBe('deep\n');
      expect(readlinkSync(join(back, 'archived/link'))).toBe('file');
      expect(lstatSync(join(back, 'up')).isSymbolicLink()).toBe(true); // a link is copied as a link
    });

    it('SRC/. copies the content of a directory into an existing one', () => {
      const dest = join(work, `${name}-dot`);
      mkdirSync(dest);
      expect(m('cp', `${name}:/data/plain/.`, dest).status).toBe(0);
      expect(readdirSync(dest).sort()).toEqual(['file', 'link', 'sub']);
    });

    it('reads the container\'s files through /evil -> / and "..", never the host\'s', () => {
      const a = join(work, `${name}-evil`);
      expect(m('cp', `${name}:/evil/etc/secret`, a).status).toBe(0);
      expect(readFileSync(a, 'utf8')).toBe('container-secret\n');
      // the host's file behind a link that points "up and out": not found inside the container
      const r = m('cp', `${name}:/data/up${work}/victim/host-secret`, join(work, `${name}-stolen`));
      expect(r.status).not.toBe(0);
      expect(r.stderr).toMatch(/Could not find the file/);
      expect(existsSync(join(work, `${name}-stolen`))).toBe(false);
      const dots = m('cp', `${name}:/../../../../etc/secret`, join(work, `${name}-dots`));
      expect(dots.status).toBe(0);
      expect(readFileSync(join(work, `${name}-dots`), 'utf8')).toBe('container-secret\n');
    });

    it('writes through /tmp/x -> /etc into the container\'s /etc, never the host\'s', () => {
      const marker = `mr-cp-test-${process.pid}-${name}`;
      expect(m('cp', join(work, 'tree/file'), `${name}:/tmp/x/${marker}`).status).toBe(0);
      expect(existsSync(`/etc/${marker}`)).toBe(false);
      const back = join(work, `${name}-marker`);
      expect(m('cp', `${name}:/etc/${marker}`, back).status).toBe(0);
      expect(readFileSync(back, 'utf8')).toBe('hello\n');
      // into the host's directory through links out of the root: refused, the host untouched
      const r = m('cp', join(work, 'tree/file'), `${name}:/evil${work}/victim/pwned`);
      expect(r.status).not.toBe(0);
      const r2 = m('cp', join(work, 'tree/file'), `${name}:/data/up${work}/victim/pwned`);
      expect(r2.status).not.toBe(0);
      expect(readdirSync(join(work, 'victim'))).toEqual(['host-secret']);
    });
  });
}

describe('cp errors', () => {
  it('a missing container, a missing path, or two local paths: a clear error', () => {
    expect(m('cp', 'nosuch:/etc/passwd', join(work, 'x')).stderr).toMatch(/No such container: nosuch/);
    expect(m('cp', 'live:/no/such/file', join(work, 'x')).stderr).toMatch(/Could not find the file \/no\/such\/file in container live/);
    expect(m('cp', join(work, 'tree'), join(work, 'y')).stderr).toMatch(/must specify at least one container/);
    expect(existsSync(join(work, 'x'))).toBe(false);
  });

  it('the running container sees files copied in at once', () => {
    expect(m('cp', join(work, 'tree/sub/deep'), 'live:/deep').status).toBe(0);
    expect(m('exec', 'live', 'cat', '/deep').stdout).toBe('deep\n');
  });
});
