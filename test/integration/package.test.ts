/**
 * mini-run as a new user meets it: the npm package. `npm pack` of this checkout, installed with
 * the real npm (`npm install -g --prefix TMP`, and `npm exec` from the tarball) into places that
 * have never seen the repo, then run. Dependencies come from npm's cache or the registry (as
 * `npm ci` did); with neither the install tests are skipped with the reason.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, removeRoot, tempRoot } from '../helpers/cli';
// @ts-ignore -- a plain ES module (also a command: node test/helpers/fresh-machine.mjs OUT.tar)
import { writeFreshMachineTar } from '../helpers/fresh-machine.mjs';

const work = mkdtempSync('/tmp/mr-test-pack-');
const run = (cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeout?: number } = {}) => {
  const r = spawnSync(cmd, args, { cwd: opts.cwd ?? work, env: { ...process.env, ...opts.env }, encoding: 'utf8', timeout: opts.timeout ?? 180_000 });
  return { status: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
};

const NETWORK_ERROR = /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|ENOTCACHED|ENETUNREACH/;
let tarball = '';
let files: string[] = [];
let installError = '';
const prefix = join(work, 'prefix');
const installed = join(prefix, 'lib', 'node_modules', 'mini-run');
const bin = join(prefix, 'bin', 'mini-run');

beforeAll(() => {
  // --ignore-scripts: dist/ is already built for this test run (prepack would rebuild it).
  const packed = run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: REPO });
  expect(packed.status, packed.stderr).toBe(0);
  const info = JSON.parse(packed.stdout)[0] as { filename: string; files: Array<{ path: string }> };
  tarball = join(work, info.filename);
  files = info.files.map((f) => f.path);
  mkdirSync(join(prefix, 'lib'), { recursive: true });
  const inst = run('npm', ['install', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', tarball]);
  if (inst.status !== 0) {
    const reason = inst.stderr.trim().split('\n').find((l) => NETWORK_ERROR.test(l));
    if (!reason) throw new Error(`npm install -g of the tarball failed:\n${inst.stderr}`);
    installError = reason;
    console.log(`package: install tests skipped (dependencies neither in npm's cache nor reachable: ${reason})`);
  }
}, 300_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('npm pack', () => {
  it('ships the program, the native sources, the rootfs recipe, scripts and the README; not tests, benches or sources', () => {
    for (const f of ['bin/mini-run', 'dist/cli/main.js', 'dist/cli-bundle.js', 'dist/cli-bundle-inspect.js', 'dist/cli-bundle-run.js', 'dist/runtime/init-bundle.js', 'dist/compile-cache.js', 'scripts/bundle.mjs', 'scripts/cli-bundle-parts.json', 'native/Makefile', 'native/mini-init.c', 'rootfs/busybox.sh', 'scripts/install-deps.sh', 'scripts/build-native.sh', 'README.md', 'package.json']) {
      expect(files).toContain(f);
    }
    expect(files.filter((f) => /^(test|bench|src|native\/build|\.ci)\//.test(f) || f.includes('.v8-cache'))).toEqual([]);
  });
});

describe('installed from the tarball', () => {
  it('npm install -g puts mini-run on PATH and it runs a container', (ctx) => {
    if (installError) ctx.skip();
    expect(existsSync(bin)).toBe(true);
    const root = tempRoot('pack');
    try {
      const r = run(bin, ['--root', root, 'run', '--rm', 'mini-run/busybox', 'echo', 'hello from the package']);
      expect(r.stderr).toBe('');
      expect(r.stdout).toBe('hello from the package\n');
      expect(r.status).toBe(0);
      // The V8 code cache is kept outside the package (root: /var/cache/mini-run/v8).
      expect(readdirSync(installed, { recursive: true }).filter((f) => String(f).includes('.v8-cache'))).toEqual([]);
      if (process.getuid?.() === 0) {
        expect(readdirSync('/var/cache/mini-run/v8').length).toBeGreaterThan(0);
        // The installed CLI ran its bundles (scripts/bundle.mjs), compiled through the cache: each
        // has a cache file, whose first line names it.
        const named = readdirSync('/var/cache/mini-run/v8').flatMap((f) => {
          try {
            const head = readFileSync(join('/var/cache/mini-run/v8', f)).subarray(0, 4096).toString('latin1');
            return [head.slice(0, head.indexOf('\0'))];
          } catch { return []; }
        });
        for (const bundle of ['dist/cli-bundle.js', 'dist/cli-bundle-inspect.js', 'dist/cli-bundle-run.js', 'dist/runtime/init-bundle.js']) expect(named).toContain(join(realpathSync(installed), bundle));
      }
    } finally {
      removeRoot(root);
    }
  }, 120_000);

  it('without native/ built (no compiler at install), run --init says how to add it, exit 125', (ctx) => {
    if (installError) ctx.skip();
    expect(existsSync(join(installed, 'native', 'build'))).toBe(false);
    const root = tempRoot('pack');
    try {
      const r = run(bin, ['--root', root, 'run', '--rm', '--init', 'mini-run/busybox', 'true']);
      expect(r.stderr).toBe(`mini-run: --init needs ${installed}/native/build/mini-init, not built (no C compiler when mini-run was built): sudo apt-get install -y gcc libc6-dev make && sudo make -C ${installed}/native\n`);
      expect(r.status).toBe(125);
    } finally {
      removeRoot(root);
    }
  });

  it('system install-boot writes a unit naming this node and the installed mini-run; its command works; uninstall-boot removes it', (ctx) => {
    if (installError) ctx.skip();
    const units = join(work, 'units');
    const root = tempRoot('pack');
    try {
      const r = run(bin, ['--root', root, 'system', 'install-boot', '--unit-dir', units]);
      expect(r.stderr).toBe('');
      const file = join(units, 'mini-run-boot.service');
      expect(r.stdout).toBe(`Wrote ${file}\nsystemd is not managing ${units} here; where it does: systemctl daemon-reload && systemctl enable mini-run-boot.service\n`);
      const node = run('sh', ['-c', 'command -v node']).stdout.trim(); // what the bin's #!/usr/bin/env node finds
      const exec = /^ExecStart=(.*)$/m.exec(readFileSync(file, 'utf8'))?.[1] ?? '';
      expect(exec).toBe(`${realpathSync(node)} ${bin} --root ${root} system boot`);
      // The unit's command, as systemd would run it (no spaces in these paths): boots nothing here.
      const words = exec.split(' ');
      const boot = run(words[0], words.slice(1));
      expect(boot.stderr).toBe('');
      expect(boot.status).toBe(0);
      const verify = run('sh', ['-c', 'command -v systemd-analyze']);
      if (verify.status === 0) expect(run('systemd-analyze', ['verify', file]).status).toBe(0);
      expect(run(bin, ['--root', root, 'system', 'uninstall-boot', '--unit-dir', units]).stdout).toBe(`Removed ${file}\n`);
      expect(existsSync(file)).toBe(false);
    } finally {
      removeRoot(root);
    }
  });

  it('npm exec (npx) runs it straight from the tarball', (ctx) => {
    if (installError) ctx.skip();
    const r = run('npm', ['exec', '--yes', '--prefer-offline', `--package=${tarball}`, '--', 'mini-run', '--help'], { env: { npm_config_cache: join(work, 'npm-cache') } });
    // A cache of its own (npx installs into it): with no registry reachable, say so and skip.
    const offline = r.stderr.split('\n').find((l) => NETWORK_ERROR.test(l));
    if (r.status !== 0 && offline) ctx.skip(`npm exec: registry not reachable (${offline})`);
    expect(r.stdout).toMatch(/^Usage: mini-run \[OPTIONS\] COMMAND/);
    expect(r.status).toBe(0);
  }, 180_000);
});

describe('on a machine that has never seen the repo: a container of the Docker engine', () => {
  // Its image is a bare Debian userland with Node and npm (test/helpers/fresh-machine.mjs: the
  // README's prerequisites, from this host's packages); nothing of this checkout, no npm prefix,
  // no state. The only things handed in: the tarball, and a copy of npm's cache because this
  // container has no network (--network none), as `npm install --offline` on a machine that
  // has the packages cached. The capabilities are root's here less CAP_SYS_RESOURCE, which
  // this host's root lacks (so --privileged is refused); /sys/fs/cgroup is the host's, as a
  // machine's own, so the cgroups mini-run makes there are checked gone afterwards.
  it('npm install -g TARBALL puts mini-run on PATH, and `mini-run run --rm mini-run/busybox` works there', (ctx) => {
    if (installError) ctx.skip();
    const docker = run('docker', ['info', '--format', '{{.ServerVersion}}'], { timeout: 20_000 });
    if (docker.status !== 0 || !docker.stdout.trim()) ctx.skip(`no Docker engine answers (${(docker.stderr.trim().split('\n')[0] ?? '')})`);
    const fresh = join(work, 'fresh');
    mkdirSync(join(fresh, 'pkg'), { recursive: true });
    mkdirSync(join(fresh, 'state'));
    cpSync(tarball, join(fresh, 'pkg', 'mini-run.tgz'));
    cpSync(join(run('npm', ['config', 'get', 'cache']).stdout.trim(), '_cacache'), join(fresh, 'npm', '_cacache'), { recursive: true });
    writeFreshMachineTar(join(fresh, 'machine.tar'));
    const image = `mr-fresh-machine:${process.pid}`;
    const name = `mr-fresh-machine-${process.pid}`;
    const imported = run('docker', ['import', join(fresh, 'machine.tar'), image]);
    expect(imported.status, imported.stderr).toBe(0);
    const caps = run('sh', ['-c', "capsh --decode=$(awk '/^CapBnd/{print $2}' /proc/self/status)"]).stdout.trim().split('=')[1].split(',');
    const ours = () => ['memory', 'pids', 'cpu', 'freezer'].flatMap((c) => { try { return readdirSync(`/sys/fs/cgroup/${c}/mini-run`).filter((d) => d.startsWith('mr-')).map((d) => `${c}/${d}`); } catch { return []; } });
    const cgroupsBefore = ours();
    const script = [
      'set -e',
      `test ! -e ${REPO} && test ! -e /root/.npm-global && echo "fresh: no ${REPO}"`,
      'npm install -g --offline --no-audit --no-fund /pkg/mini-run.tgz >/tmp/npm.log 2>&1 || { cat /tmp/npm.log >&2; exit 1; }',
      'echo "installed: $(command -v mini-run)"',
      'mini-run run --rm mini-run/busybox echo hello from a fresh machine',
      'mini-run run --rm mini-run/busybox true && echo "true: exit $?"',
      'mini-run ps -aq | wc -l | sed "s/^/containers left: /"',
    ].join('\n');
    const dockerRun = (capAdd: string[]) => run('docker', ['run', '--rm', '--name', name, '--network', 'none',
      ...capAdd.flatMap((c) => ['--cap-add', c]),
      '--security-opt', 'seccomp=unconfined', '--security-opt', 'apparmor=unconfined', '--security-opt', 'systempaths=unconfined',
      '--device-cgroup-rule', 'a *:* rwm', '--cgroupns', 'host', '-v', '/sys/fs/cgroup:/sys/fs/cgroup',
      '-v', `${join(fresh, 'pkg')}:/pkg:ro`, '-v', `${join(fresh, 'npm')}:/root/.npm`,
      // overlayfs cannot put its upper dir on Docker's own overlay: the state root on a disk dir
      '-v', `${join(fresh, 'state')}:/var/lib/mini-run`, '--tmpfs', '/run:rw,exec,mode=755',
      '-w', '/root', image, 'sh', '-c', script], { timeout: 240_000 });
    try {
      // An engine older than the kernel (Docker 20.10: no CAP_BPF, CAP_PERFMON, CAP_CHECKPOINT_RESTORE)
      // refuses the names it does not know, one at a time: leave those out.
      let capAdd = caps.map((c) => c.replace(/^cap_/, '').toUpperCase());
      let r = dockerRun(capAdd);
      for (let unknown = /unknown capability: "CAP_(\w+)"/.exec(r.stderr); unknown && capAdd.includes(unknown[1]); unknown = /unknown capability: "CAP_(\w+)"/.exec(r.stderr)) {
        capAdd = capAdd.filter((c) => c !== unknown![1]);
        r = dockerRun(capAdd);
      }
      expect(r.stderr, r.stdout).toBe('');
      // npm's global prefix follows node's place (/usr/bin/node: /usr).
      expect(r.stdout).toMatch(new RegExp(`^fresh: no ${REPO}\ninstalled: /usr(/local)?/bin/mini-run\nhello from a fresh machine\ntrue: exit 0\ncontainers left: 0\n$`));
      expect(r.status).toBe(0);
      expect(ours()).toEqual(cgroupsBefore);
    } finally {
      run('docker', ['rm', '-f', name]);
      run('docker', ['rmi', image]);
      rmSync(fresh, { recursive: true, force: true });
    }
  }, 300_000);
});

describe('native/ without a C compiler', () => {
  it('the build is skipped with one line and succeeds', () => {
    // A copy of native/ and a PATH with make and sh but no gcc or musl-gcc.
    const dir = join(work, 'nocc');
    mkdirSync(join(dir, 'path'), { recursive: true });
    cpSync(join(REPO, 'native'), join(dir, 'native'), { recursive: true, filter: (s) => !s.includes('/build') });
    for (const tool of ['make', 'sh']) {
      const where = run('sh', ['-c', `command -v ${tool}`]).stdout.trim();
      symlinkSync(where, join(dir, 'path', tool));
    }
    const copy = run(join(dir, 'path', 'make'), ['-s', '-C', join(dir, 'native')], { env: { PATH: join(dir, 'path') } });
    expect(copy.status).toBe(0);
    expect(copy.stderr.trim().split('\n')).toHaveLength(1);
    expect(copy.stderr).toMatch(/^native: no C compiler \(gcc or musl-gcc\): skipped mini-init \(run --init\).*sudo apt-get install -y gcc libc6-dev make && make -C /);
    expect(existsSync(join(dir, 'native', 'build'))).toBe(false);
  });
});
