/** Rootless mini-run: the re-run command line (cli/rootless.ts), where state goes, what run refuses, when a cgroup may be skipped. */
import { describe, expect, it } from 'vitest';
import { rootlessCommand, rootlessStateRoot } from '../../src/cli/rootless';
import { asksForLimits } from '../../src/runtime/cgroups/none';

const base = {
  user: 'alice', uid: 1000, subuid: 'alice:100000:65536\n', subgid: '1000:300000:65536\n',
  unshare: '/usr/bin/unshare', newuidmap: '/usr/bin/newgidmap', node: '/usr/bin/node', script: '/opt/mini-run/bin/mini-run', argv: ['run', '--rm', 'img'],
};

describe('rootless re-run', () => {
  it('maps 0 to the user and 1.. to its subuid/subgid ranges, in its own mount and PID namespaces with its own /proc', () => {
    expect(rootlessCommand(base)).toEqual({
      file: '/usr/bin/unshare',
      args: ['--map-root-user', '--map-users=100000,1,65536', '--map-groups=300000,1,65536', '--mount', '--propagation', 'private', '--pid', '--fork', '--mount-proc',
        '--', '/usr/bin/node', '/opt/mini-run/bin/mini-run', 'run', '--rm', 'img'],
    });
  });

  it('says what is missing: a range, the set-uid helpers', () => {
    expect(rootlessCommand({ ...base, subuid: '' })).toEqual({ missing: 'alice has no range in /etc/subuid (`mini-run doctor` says what to do)' });
    expect(rootlessCommand({ ...base, subgid: 'bob:1:2' })).toEqual({ missing: 'alice has no range in /etc/subgid (`mini-run doctor` says what to do)' });
    expect(rootlessCommand({ ...base, newuidmap: null })).toEqual({ missing: 'newuidmap/newgidmap are not installed (`mini-run doctor` says what to do)' });
  });

  it('keeps state under $XDG_DATA_HOME/mini-run, else ~/.local/share/mini-run', () => {
    expect(rootlessStateRoot({ XDG_DATA_HOME: '/data/x' }, '/home/a')).toBe('/data/x/mini-run');
    expect(rootlessStateRoot({}, '/home/a')).toBe('/home/a/.local/share/mini-run');
    expect(rootlessStateRoot({ XDG_DATA_HOME: 'relative' }, '/home/a')).toBe('/home/a/.local/share/mini-run');
  });
});

describe('a container without a cgroup of its own', () => {
  it('only when it asks for no limit (the device rules are the runtime\'s own)', () => {
    expect(asksForLimits({ devices: [{ allow: false, access: 'rwm' }] })).toBe(false);
    expect(asksForLimits({})).toBe(false);
    expect(asksForLimits({ memory: {} })).toBe(false);
    expect(asksForLimits({ memory: { limit: 64 << 20 } })).toBe(true);
    expect(asksForLimits({ pids: { limit: 10 } })).toBe(true);
  });
});
