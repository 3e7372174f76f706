/**
 * The host stays safe from its own (non-root) users: each test performs an attack as a local
 * unprivileged user (uid 65534 through setpriv, no groups) or from inside a container, shows
 * it fails, and checks that nothing is left behind.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, lstatSync, mkdirSync, readFileSync, readdirSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mr, removeAllContainers, removeRoot, tempRoot } from '../helpers/cli';

const IMG = 'mini-run/busybox';
let root: string;
const m = (...args: string[]) => mr(root, args);

/** Run a shell command as uid/gid 65534 with no supplementary groups: a local user. */
function asNobody(cmd: string): { status: number; out: string } {
  const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'sh', '-c', cmd], { encoding: 'utf8', cwd: '/' });
  return { status: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

const modeOf = (p: string) => statSync(p).mode & 0o7777;

beforeAll(() => {
  root = tempRoot('hostsafe');
  chmodSync(root, 0o755); // as an older mini-run (or `mkdir -p`) would have left it
});

afterAll(() => {
  expect(removeAllContainers(root)).toEqual([]);
  removeRoot(root);
});

describe('state root private to root (CVE-2021-41091 class: host users reach container files)', () => {
  it('a root made loose by an older mini-run is tightened on the next command, and doctor says so', () => {
    writeFileSync(join(root, 'lock'), '');
    chmodSync(join(root, 'lock'), 0o644);
    mkdirSync(join(root, 'volumes'), { mode: 0o755 });
    chmodSync(join(root, 'volumes'), 0o755);
    const d = m('doctor');
    expect(d.stdout).toMatch(new RegExp(`^ok +state root .*made private to root now \\(0700; ${root} was 0755, ${root}/volumes was 0755, ${root}/lock was 0644\\)`, 'm'));
    expect([modeOf(root), modeOf(join(root, 'volumes')), modeOf(join(root, 'lock'))]).toEqual([0o700, 0o700, 0o600]);
    expect(m('doctor').stdout).toMatch(/^ok +state root .*, private to root \(0700\)$/m);
  });

  it('a setuid-root binary a container leaves in a volume cannot be reached or run by a local user', () => {
    const plant = m('run', '--rm', '-v', 'planted:/data', IMG, 'sh', '-c', 'cp /bin/busybox /data/rootsh && chmod 4755 /data/rootsh');
    expect(plant.status).toBe(0);
    const data = join(root, 'volumes/planted/_data');
    expect(modeOf(join(data, 'rootsh'))).toBe(0o4755); // the bait is really there, setuid root
    expect(statSync(join(data, 'rootsh')).uid).toBe(0);
    const run = asNobody(`${data}/rootsh id -u`);
    expect(run.status).not.toBe(0);
    expect(run.out).toMatch(/Permission denied/);
    for (const dir of [root, join(root, 'volumes'), data, join(root, 'layers'), join(root, 'blobs/sha256'), join(root, 'containers')]) {
      const ls = asNobody(`ls ${dir}`);
      expect([dir, ls.status]).toEqual([dir, 2]);
      expect(ls.out).toMatch(/Permission denied/);
    }
    expect(m('volume', 'rm', 'planted').status).toBe(0);
  });

  it('a local user cannot open the state lock to hang every mini-run command', () => {
    const hold = asNobody(`flock -n ${root}/lock true`);
    expect(hold.status).not.toBe(0);
    expect(hold.out).toMatch(/Permission denied/);
    expect(m('run', '--rm', IMG, 'true').status).toBe(0); // and mini-run still works for root
  });

  it('refuses a state root owned by another user (it could swap anything under it), exit 125, one line', () => {
    const other = tempRoot('hostsafe-owned');
    try {
      chownSync(other, 65534, 65534);
      const r = mr(other, ['ps']);
      expect(r.status).toBe(125);
      expect(r.stderr).toBe(`mini-run: state root ${other} is owned by uid 65534, not root: refusing to use it (that user could change anything mini-run runs)\n`);
    } finally {
      removeRoot(other);
    }
  });

  it('a fresh root is made 0700', () => {
    const fresh = join(tempRoot('hostsafe-fresh'), 'nested', 'root');
    try {
      expect(mr(fresh, ['ps']).status).toBe(0);
      expect(modeOf(fresh)).toBe(0o700);
      expect(m('run', '--rm', IMG, 'true').status).toBe(0);
      expect(modeOf(join(root, 'lock'))).toBe(0o600);
    } finally {
      removeRoot(join(fresh, '../..'));
    }
  });
});

describe('cp never follows a link the container controls on the host side (CVE-2018-15664 class, host half)', () => {
  let work: string;
  beforeAll(() => {
    work = tempRoot('hostsafe-cp');
    mkdirSync(join(work, 'victim'));
    writeFileSync(join(work, 'victim/host-secret'), 'host-only\n');
    mkdirSync(join(work, 'payload/d'), { recursive: true });
    writeFileSync(join(work, 'payload/evil'), '* * * * * root sh -c pwned\n');
    writeFileSync(join(work, 'payload/d/f'), 'inside\n');
    writeFileSync(join(work, 'payload/suid'), '#!/bin/sh\n');
    chmodSync(join(work, 'payload/suid'), 0o4755);
  });
  afterAll(() => removeRoot(work));

  for (const state of ['running', 'stopped']) {
    it(`a ${state} container: the second cp of a planted link writes nothing outside the destination`, () => {
      const name = `cp-${state}`;
      // /out/x -> a host file that does not exist yet, /out/d -> a host directory: dangling inside the container.
      const plant = `mkdir /out && ln -s ${work}/victim/cron-evil /out/x && ln -s ${work}/victim /out/d`;
      const started = state === 'running'
        ? m('run', '-d', '--name', name, IMG, 'sh', '-c', `${plant} && exec sleep 300`)
        : m('run', '--name', name, IMG, 'sh', '-c', plant);
      expect(started.status).toBe(0);
      for (let i = 0; state === 'running' && i < 50 && m('exec', name, 'test', '-L', '/out/d').status !== 0; i++) spawnSync('sleep', ['0.1']);
      const backup = join(work, `backup-${state}`);
      expect(m('cp', `${name}:/out/.`, backup).status).toBe(0);
      expect(readlinkSync(join(backup, 'x'))).toBe(`${work}/victim/cron-evil`); // links are copied as links
      expect(readlinkSync(join(backup, 'd'))).toBe(`${work}/victim`);
      // The container swaps its links for a file and a directory (here through cp in, as root in it could).
      expect(m('cp', join(work, 'payload/evil'), `${name}:/out/x`).status).toBe(0);
      expect(m('cp', join(work, 'payload/d'), `${name}:/out/d`).status).toBe(0);
      const again = m('cp', `${name}:/out/.`, backup);
      expect([again.status, again.stderr]).toEqual([0, '']);
      // The links were replaced, not written through: the host's directory is as it was.
      expect(readdirSync(join(work, 'victim'))).toEqual(['host-secret']);
      expect(lstatSync(join(backup, 'x')).isFile()).toBe(true);
      expect(readFileSync(join(backup, 'x'), 'utf8')).toBe('* * * * * root sh -c pwned\n');
      expect(lstatSync(join(backup, 'd')).isDirectory()).toBe(true);
      expect(readdirSync(join(backup, 'd'))).toEqual(['f']);
      expect(readdirSync(backup).sort()).toEqual(['d', 'x']); // no temp names left
      expect(m('rm', '-f', name).status).toBe(0);
    });
  }

  it('set-uid bits are dropped on files copied to the host, kept with -a (as docker cp)', () => {
    expect(m('create', '--name', 'cp-suid', IMG, 'true').status).toBe(0);
    expect(m('cp', join(work, 'payload/suid'), 'cp-suid:/suid').status).toBe(0);
    expect(m('cp', 'cp-suid:/suid', join(work, 'suid-plain')).status).toBe(0);
    expect(m('cp', '-a', 'cp-suid:/suid', join(work, 'suid-archive')).status).toBe(0);
    expect(modeOf(join(work, 'suid-plain'))).toBe(0o755);
    expect(modeOf(join(work, 'suid-archive'))).toBe(0o4755);
    expect(m('rm', 'cp-suid').status).toBe(0);
  });
});
