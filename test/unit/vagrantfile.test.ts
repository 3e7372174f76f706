/**
 * The Vagrant lab's provisioning, checked where Vagrant cannot run (no VirtualBox/libvirt here):
 * each inline shell provisioner of the Vagrantfile parses with `bash -n`, installs Node 22 LTS,
 * takes its package list from scripts/install-deps.sh (one list for README, CI and the VM), and
 * builds mini-run the README's way. (docs/install.md: the build provisioner run for real.)
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const repo = resolve(__dirname, '..', '..');
const vagrantfile = readFileSync(join(repo, 'Vagrantfile'), 'utf8');
/** name → script of every `config.vm.provision NAME, type: "shell", …, inline: <<-'SHELL'` block. */
const provisioners = new Map([...vagrantfile.matchAll(/config\.vm\.provision "([\w-]+)", type: "shell",[^\n]*inline: <<-'SHELL'\n([\s\S]*?)\n\s*SHELL\n/g)].map((m) => [m[1], m[2]]));

describe('Vagrantfile provisioning', () => {
  it('has the system and build shell provisioners, each valid bash (bash -n)', () => {
    expect([...provisioners.keys()]).toEqual(['system', 'build']);
    for (const [name, script] of provisioners) {
      const r = spawnSync('bash', ['-n'], { input: script, encoding: 'utf8' });
      expect(r.stderr, name).toBe('');
      expect(r.status, name).toBe(0);
      expect(script, name).toMatch(/^\s*set -euo pipefail$/m);
    }
  });

  it('system: Node 22 from NodeSource, the packages of scripts/install-deps.sh, Docker running', () => {
    const system = provisioners.get('system') ?? '';
    expect(system).toContain('https://deb.nodesource.com/node_22.x');
    expect(system).toMatch(/^\s*bash \/vagrant\/scripts\/install-deps\.sh$/m);
    expect(system).toMatch(/^\s*systemctl enable --now docker$/m);
  });

  it('build: copies the source without build outputs, then npm ci && npm run build and install-boot', () => {
    const build = provisioners.get('build') ?? '';
    expect(build).toMatch(/rsync -a --delete --exclude node_modules --exclude dist --exclude native\/build/);
    expect(build.indexOf('npm ci')).toBeGreaterThan(0);
    expect(build.indexOf('npm run build')).toBeGreaterThan(build.indexOf('npm ci'));
    expect(build).toMatch(/^\s*sudo mini-run system install-boot$/m);
  });
});
