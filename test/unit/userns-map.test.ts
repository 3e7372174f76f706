/** runtime/userns.ts: the uid_map text, id translation, and the spec checks made before anything starts. */
import { describe, expect, it } from 'vitest';
import { checkUserNamespaceSpec, hostIdOf, idMapText, userNamespaceCommand } from '../../src/runtime/userns';
import type { RuntimeSpec } from '../../src/runtime/spec';

const range = [{ containerID: 0, hostID: 100000, size: 65536 }];

function spec(linux: Partial<RuntimeSpec['linux']>): RuntimeSpec {
  return {
    ociVersion: '1.0.2',
    process: { user: { uid: 0, gid: 0 }, args: ['sh'], cwd: '/' },
    root: { path: 'rootfs' },
    linux: { namespaces: [{ type: 'pid' }, { type: 'user' }], ...linux },
  };
}

describe('user namespace mappings', () => {
  it('writes one "inside outside count" line per mapping, as /proc/PID/uid_map takes them', () => {
    expect(idMapText(range)).toBe('0 100000 65536\n');
    expect(idMapText([{ containerID: 0, hostID: 1000, size: 1 }, { containerID: 1, hostID: 200000, size: 65535 }])).toBe('0 1000 1\n1 200000 65535\n');
  });

  it('translates a container id to the host id it stands for, or null when unmapped', () => {
    expect(hostIdOf(range, 0)).toBe(100000);
    expect(hostIdOf(range, 1000)).toBe(101000);
    expect(hostIdOf(range, 65535)).toBe(165535);
    expect(hostIdOf(range, 65536)).toBeNull();
  });

  it('refuses a user namespace without mappings, mappings without one, a joined one with mappings or a bad path, an unmapped root', () => {
    expect(() => checkUserNamespaceSpec(spec({ gidMappings: range }))).toThrow(/no uid mappings found/);
    expect(() => checkUserNamespaceSpec(spec({ uidMappings: range }))).toThrow(/no gid mappings found/);
    expect(() => checkUserNamespaceSpec(spec({ namespaces: [{ type: 'pid' }], uidMappings: range, gidMappings: range }))).toThrow(/need a "user" namespace/);
    expect(() => checkUserNamespaceSpec(spec({ namespaces: [{ type: 'user', path: '/proc/1/ns/user' }], uidMappings: range, gidMappings: range }))).toThrow(/already has its mappings/);
    expect(() => checkUserNamespaceSpec(spec({ namespaces: [{ type: 'user', path: '/etc/passwd' }] }))).toThrow('config.json: a "user" namespace path must be /proc/PID/ns/user (got /etc/passwd)');
    const noRoot = [{ containerID: 1, hostID: 100000, size: 10 }];
    expect(() => checkUserNamespaceSpec(spec({ uidMappings: noRoot, gidMappings: range }))).toThrow(/must map uid 0/);
    expect(() => checkUserNamespaceSpec(spec({ namespaces: [{ type: 'pid' }] }))).not.toThrow();
  });

  it('starts the init through userns-exec: a PID namespace with it, no death signal when detached', () => {
    const c = userNamespaceCommand({ newPidNamespace: true, detached: false }, '/node', '/init-main.js');
    expect(c.file).toMatch(/native\/build\/userns-exec$/);
    expect(c.args).toEqual(['--pid', '--pdeathsig', '--', '/node', '/init-main.js', '--userns']);
    expect(userNamespaceCommand({ newPidNamespace: false, detached: true }, '/node', '/i.js').args).toEqual(['--', '/node', '/i.js', '--userns']);
    // joining another container's (--network container: with --userns private): a new PID namespace inside it
    expect(userNamespaceCommand({ newPidNamespace: true, detached: true, join: '/proc/42/ns/user' }, '/node', '/i.js').args)
      .toEqual(['--join', '/proc/42/ns/user', '--pid', '--', '/node', '/i.js', '--userns']);
  });
});
