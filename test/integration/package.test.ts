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
    for (const f of ['bin/mini-run', 'dist/cli/main.js', 'dist/compile-cache.js', 'native/Makefile', 'native/mini-init.c', 'rootfs/busybox.sh', 'scripts/install-deps.sh', 'scripts/build-native.sh', 'README.md', 'package.json']) {
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
      if (process.getuid?.() === 0) expect(readdirSync('/var/cache/mini-run/v8').length).toBeGreaterThan(0);
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
