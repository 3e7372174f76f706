/**
 * The Vagrant lab's definition, checked where Vagrant cannot run (no VirtualBox/libvirt here), at
 * the level of `vagrant validate`: the Vagrantfile is valid Ruby and, loaded with a stand-in for
 * Vagrant's configuration object (test/fixtures/vagrant-recorder.rb, which refuses settings it
 * does not know), sets the box, the providers and three shell provisioners, each a step of
 * scripts/lab-provision.sh. How the script itself was run (build on this host, system and install
 * in the cgroup-v2 VM): docs/install.md.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const repo = resolve(__dirname, '..', '..');
const hasRuby = spawnSync('ruby', ['--version']).status === 0;
if (!hasRuby) console.log('vagrantfile: Ruby checks skipped: no ruby (scripts/install-deps.sh installs it)');

describe('Vagrantfile', () => {
  it.skipIf(!hasRuby)('is valid Ruby (ruby -c)', () => {
    const r = spawnSync('ruby', ['-c', join(repo, 'Vagrantfile')], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('Syntax OK\n');
  });

  it.skipIf(!hasRuby)('sets only known settings: the box, 2 CPUs and 4 GiB on both providers, the three steps of lab-provision.sh', () => {
    const r = spawnSync('ruby', [join(repo, 'test/fixtures/vagrant-recorder.rb'), join(repo, 'Vagrantfile')], { cwd: repo, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const [vm] = JSON.parse(r.stdout);
    expect(vm.box).toBe('bento/ubuntu-24.04');
    expect(vm.providers).toEqual({ virtualbox: { cpus: 2, memory: 4096 }, libvirt: { cpus: 2, memory: 4096 } });
    expect(vm.provisioners).toEqual([
      { name: 'system', type: 'shell', path: 'scripts/lab-provision.sh', args: ['system'] },
      { name: 'build', type: 'shell', privileged: false, path: 'scripts/lab-provision.sh', args: ['build'] },
      { name: 'install', type: 'shell', path: 'scripts/lab-provision.sh', args: ['install'] },
    ]);
    for (const p of vm.provisioners) expect(existsSync(join(repo, p.path))).toBe(true);
  });

  it.skipIf(!hasRuby)('the recorder refuses a setting it does not know (as vagrant validate would)', () => {
    const bad = 'Vagrant.configure("2") do |config|\n  config.vm.box = "x"\n  config.vm.boxx = "typo"\nend\n';
    const run = spawnSync('sh', ['-c', `f=$(mktemp /tmp/mr-test-vagrantfile-XXXXXX); cat > "$f"; ruby ${join(repo, 'test/fixtures/vagrant-recorder.rb')} "$f"; s=$?; rm -f "$f"; exit $s`], { input: bad, encoding: 'utf8' });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('unknown Vagrant setting: config.vm.boxx=');
  });
});

describe('scripts/lab-provision.sh', () => {
  const script = readFileSync(join(repo, 'scripts/lab-provision.sh'), 'utf8');

  it('is valid bash (bash -n) and stops at the first failure', () => {
    const r = spawnSync('bash', ['-n', join(repo, 'scripts/lab-provision.sh')], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(script).toMatch(/^set -euo pipefail$/m);
  });

  it('system: Node 24 LTS from NodeSource by default, the packages of scripts/install-deps.sh, Docker running', () => {
    expect(script).toMatch(/^LAB_NODE_MAJOR=\$\{LAB_NODE_MAJOR:-24\}$/m);
    expect(script).toContain('https://deb.nodesource.com/node_${LAB_NODE_MAJOR}.x nodistro main');
    expect(script).toMatch(/^\s*bash "\$LAB_SRC\/scripts\/install-deps\.sh"$/m);
    expect(script).toMatch(/^\s*systemctl enable --now docker$/m);
  });

  it('an unknown step: usage, exit 2', () => {
    const r = spawnSync('bash', [join(repo, 'scripts/lab-provision.sh'), 'bogus'], { encoding: 'utf8' });
    expect(r.stderr).toMatch(/^usage: .*lab-provision\.sh system\|build\|install \[SOURCE\]\n$/);
    expect(r.status).toBe(2);
  });
});
