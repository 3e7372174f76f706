/** Rootless mini-run: the re-run command line (cli/rootless.ts), where state goes, what run refuses, when a cgroup may be skipped. */
import { describe, expect, it } from 'vitest';
import { rootlessCommand, rootlessStateRoot } from '../../src/cli/rootless';
import { asksForLimits } from '../../src/runtime/cgroups/none';
import { givenGlobalOptions } from '../../src/cli/global-options';
import { splitAtImage } from '../../src/cli/args';
import { RUN_FLAGS } from '../../src/cli/commands/run';

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

describe('a state root given on the command line (the re-run then sets no MINI_RUN_ROOT)', () => {
  // main.ts marks where run's container command starts (markCommandStart: splitAtImage), then asks.
  const rootOf = (argv: string[]) => givenGlobalOptions(argv[0] === 'run' ? ['run', ...splitAtImage(argv.slice(1), RUN_FLAGS)] : argv).root;
  it('finds --root DIR and --root=DIR, before or after the command\'s name', () => {
    expect(rootOf(['--root', '/s', 'ps'])).toBe('/s');
    expect(rootOf(['--root=/s', 'ps', '-a'])).toBe('/s');
    expect(rootOf(['ps', '-a', '--root=/s'])).toBe('/s');
    expect(rootOf(['run', '--rm', '--root', '/s', '-v', '/a:/b', 'img', 'true'])).toBe('/s');
    expect(rootOf(['run', '--rm', '--root=/s', 'img'])).toBe('/s');
    expect(rootOf(['--trace', '--root=/a', 'images', '--root', '/b'])).toBe('/b'); // the last one, as yargs
  });
  it('not in the container\'s command, a flag\'s value, or a longer name', () => {
    expect(rootOf(['run', '--rm', 'img', 'ls', '--root=/x'])).toBeUndefined();
    expect(rootOf(['run', '--rm', '-e', 'A=--root', 'img', 'sh', '-c', 'x', '--root', '/y'])).toBeUndefined();
    expect(rootOf(['run', '--rm', '--', 'img', '--root', '/y'])).toBeUndefined();
    expect(rootOf(['ps', '--rootless'])).toBeUndefined();
    expect(rootOf(['ps', '-a'])).toBeUndefined();
  });
  it('--trace is seen in either place', () => {
    expect(givenGlobalOptions(['ps', '--trace']).trace).toBe(true);
    expect(givenGlobalOptions(['--trace', 'ps']).trace).toBe(true);
    expect(givenGlobalOptions(['ps']).trace).toBe(false);
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
