/**
 * Mount set-up never follows an image's symlinks out of the container's root
 * (CVE-2015-3627 / CVE-2021-30465 class; runc's CVE-2019-19921 for /proc).
 *
 * Before pivot_root the runtime still sees the host's `/`. A malicious image ships symlinks
 * where the runtime mounts or creates things — `/dev/null`, `/etc/hosts`, a VOLUME path,
 * a `--tmpfs` or `-v` destination — pointing at host paths. The images here are made with
 * independent tools (GNU tar for the layer, umoci for the image, skopeo for the archive).
 * Each run must either mount inside the container's root or refuse with one clear line, and
 * the host paths the links name must be exactly as they were.
 *
 * Every case runs against both inits: the Node one and the native one (native/init-native.c,
 * MINI_RUN_INIT=native), which resolve destinations with their own code (mount-target.ts's and
 * its C twin): an attack that one stops and the other lets through shows here.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nativeBinary } from '../../src/native';
import { leaksFor, mr, mr as mrCli, removeRoot, tempRoot } from '../helpers/cli';

let root: string;
let work: string;
/** The host directory every malicious link points into. */
let host: string;

/** Everything under `dir` as "path kind content": what the host looks like. */
function snapshot(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string, rel: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const st = statSync(p);
      if (st.isDirectory()) { out.push(`${rel}${name}/`); walk(p, `${rel}${name}/`); }
      else out.push(`${rel}${name} ${st.size} ${readFileSync(p, 'utf8')}`);
    }
  };
  walk(dir, '');
  return out;
}

/** An image whose one layer is `files` on top of busybox, built by GNU tar + umoci + skopeo. */
function buildImage(tag: string, links: Record<string, string>, volumes: string[]): void {
  const dir = join(work, tag);
  mkdirSync(join(dir, 'src/bin'), { recursive: true });
  execFileSync('cp', ['/bin/busybox', join(dir, 'src/bin/busybox')]);
  for (const tool of ['sh', 'cat', 'ls', 'grep', 'touch', 'echo']) symlinkSync('busybox', join(dir, 'src/bin', tool));
  for (const [path, target] of Object.entries(links)) {
    mkdirSync(join(dir, 'src', path, '..'), { recursive: true });
    symlinkSync(target, join(dir, 'src', path));
  }
  const config = volumes.map((v) => `--config.volume ${v}`).join(' ');
  execFileSync('sh', ['-c', 'umoci init --layout layout && umoci new --image layout:v1 '
    + '&& tar --owner=0 --group=0 --numeric-owner -C src -cf layer.tar . '
    + `&& umoci raw add-layer --image layout:v1 layer.tar && umoci config --image layout:v1 ${config} --config.cmd sh `
    + `&& skopeo copy -q oci:layout:v1 oci-archive:img.tar:mr-escape:${tag}`], { cwd: dir, stdio: 'pipe' });
  const r = mr(root, ['load', '-i', join(dir, 'img.tar')]);
  if (r.status !== 0) throw new Error(`load failed: ${r.stderr}`);
}

beforeAll(() => {
  root = tempRoot('mountdest');
  work = mkdtempSync('/tmp/mr-test-mountdest-work-');
  host = mkdtempSync('/tmp/mr-test-mountdest-host-');
  writeFileSync(join(host, 'hosts'), 'the host file\n');
  for (const d of ['vol', 'tmp', 'bind']) {
    mkdirSync(join(host, d));
    writeFileSync(join(host, d, 'kept'), 'host data\n');
  }
  buildImage('links', {
    'dev/null': join(host, 'devnull'),            // VOLUME /dev: the runtime puts devices in it
    'dev/zero': `../../../../..${host}/devzero`,  // the same, relative and climbing
    'etc/hosts': join(host, 'hosts'),             // the runtime bind-mounts its own hosts file here
    data: join(host, 'vol'),                      // a VOLUME path
    scratch: join(host, 'tmp'),                   // a --tmpfs destination
    bound: `../../..${host}/bind`,                // a -v destination
  }, ['/dev', '/data']);
  buildImage('proc', { proc: join(host, 'vol') }, []);
});

afterAll(() => {
  expect(leaksFor(root)).toEqual([]);
  expect(leaksFor(host)).toEqual([]);
  removeRoot(root);
  rmSync(work, { recursive: true, force: true });
  rmSync(host, { recursive: true, force: true });
});

const hasNativeInit = existsSync(nativeBinary('init-native'));
if (!hasNativeInit) console.log('mount-destinations: native/build/init-native not built (no C compiler): the native init\'s cases are skipped');

describe.each([
  { init: 'node', skip: false },
  { init: 'native', skip: !hasNativeInit },
])('mount destinations are resolved inside the root (CVE-2015-3627 / CVE-2021-30465 class), the $init init', ({ init, skip }) => {
  const env = { MINI_RUN_INIT: init };
  const mr = (r: string, args: string[]) => mrCli(r, args, { env });

  it.skipIf(skip)(`starts its containers with the ${init} init`, () => {
    const r = mr(root, ['--trace', 'run', '--rm', '--network', 'none', 'mr-escape:links', 'sh', '-c', 'exit 0']);
    expect(r.status).toBe(0);
    const spawned = /spawn mini-run-init \(([^ )]+)/.exec(r.stderr)?.[1];
    if (init === 'native') expect(spawned).toBe('/run/mini-run/init-native');
    else expect(spawned).toMatch(/node$/);
  });

  it.skipIf(skip)('an image with symlinks at /dev/*, /etc/hosts, a VOLUME, --tmpfs and -v destinations changes nothing on the host', () => {
    const before = snapshot(host);
    const src = mkdtempSync('/tmp/mr-test-mountdest-src-');
    try {
      writeFileSync(join(src, 'from-bind'), 'bound\n');
      const script = 'echo x > /data/new; echo y > /scratch/new; cat /bound/from-bind; echo z > /bound/new; '
        + 'grep -c localhost /etc/hosts; echo w > /etc/hosts; ls /dev';
      const r = mr(root, ['run', '--rm', '--network', 'none', '--tmpfs', '/scratch', '-v', `${src}:/bound`, 'mr-escape:links', 'sh', '-c', script]);
      // the host paths the links name: not created, not written, not mounted over
      expect(existsSync(join(host, 'devnull'))).toBe(false);
      expect(existsSync(join(host, 'devzero'))).toBe(false);
      expect(snapshot(host)).toEqual(before);
      // everything landed inside the container: the bind, the tmpfs, the volume, its hosts file
      expect(r.stderr).toBe('');
      expect(r.stdout).toMatch(/^bound\n[1-9]\n/);
      expect(r.status).toBe(0);
      expect(readFileSync(join(src, 'new'), 'utf8')).toBe('z\n');
    } finally {
      rmSync(src, { recursive: true, force: true });
    }
  });

  it.skipIf(skip)('a /proc symlink in the image is refused with one line (proc must be mounted on a directory)', () => {
    const before = snapshot(host);
    const r = mr(root, ['run', '--rm', '--network', 'none', 'mr-escape:proc', 'true']);
    expect([r.status, r.stderr]).toEqual([125,
      'mini-run: mount destination /proc is a symbolic link in the image: filesystem "proc" must be mounted on an ordinary directory\n']);
    expect(snapshot(host)).toEqual(before);
  });
});
