/**
 * The native init (native/init-native.c, the default; MINI_RUN_INIT=node the way back) against
 * the Node init: for the common case it must be the same container, built the same way.
 *
 *   - Which init runs: the native one for a plain `run`, the Node one with MINI_RUN_INIT=node
 *     or for -t (the trace's spawn line names the binary), and a value naming no init is one
 *     line, exit 125, nothing made.
 *   - `--trace run --rm` with --network none and on the default bridge: the `[init]` lines of
 *     both, normalised (fd numbers, ids, the hostname), are the same calls in the same order
 *     with the same results — what the lessons show of the init stays true for either.
 *   - What a program sees (capabilities, no_new_privs, seccomp, /dev, mounts, user, limits) and
 *     the error lines and exit codes (127 not found, 126 not executable, 126 bad cwd).
 *   - A container the choice table keeps on the Node init (--device) still starts, with the
 *     Node init, and says why in the trace.
 * The mount attack tests run against both inits in mount-destinations.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { leaksFor, mr, removeRoot, tempRoot } from '../helpers/cli';
import { nativeBinary } from '../../src/native';

const hasNativeInit = existsSync(nativeBinary('init-native'));
if (!hasNativeInit) console.log('native-init: native/build/init-native not built (no C compiler): skipped');

let root: string;
const IMG = 'mini-run/busybox';
const withInit = (init: 'node' | 'native', args: string[]) => mr(root, args, { env: { MINI_RUN_INIT: init } });

beforeAll(() => {
  root = tempRoot('ninit');
});

afterAll(() => {
  // the default bridge stays while idle (as docker0): give it back when nobody uses it
  expect(mr(root, ['system', 'prune']).status).toBe(0);
  expect(leaksFor(root)).toEqual([]);
  removeRoot(root);
});

/** The init's trace lines with what differs between two starts made the same (fds, ids, numbers). */
function initLines(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l.startsWith('[init] ')).map((l) => l
    .replace(/mr-[0-9a-f]{64}/g, 'mr-ID')
    .replace(/containers\/[0-9a-f]{64}/g, 'containers/ID')
    .replace(/sethostname\("[0-9a-f]{12}"/, 'sethostname("HOST"')
    .replace(/[0-9]+/g, 'N'));
}

/** Which init the trace says was spawned. */
function spawnedInit(stderr: string): string | undefined {
  return /spawn mini-run-init \(([^ )]+)/.exec(stderr)?.[1];
}

describe.skipIf(!hasNativeInit)('the native init (the default) and the Node init (MINI_RUN_INIT=node)', () => {
  it('a plain run gets the native init, MINI_RUN_INIT=node the Node init, -t the Node init with the reason; a value naming no init: one line, exit 125, nothing made', () => {
    const args = ['--trace', 'run', '--rm', '--network', 'none', IMG, 'sh', '-c', 'echo ran'];
    const unset = mr(root, args, { env: { MINI_RUN_INIT: undefined } }); // (the CI may export it)
    expect([unset.status, unset.stdout], unset.stderr).toEqual([0, 'ran\n']);
    expect(spawnedInit(unset.stderr)).toBe('/run/mini-run/init-native');
    expect(unset.stderr).not.toMatch(/native init: not/);
    const node = withInit('node', args);
    expect([node.status, node.stdout], node.stderr).toEqual([0, 'ran\n']);
    expect(spawnedInit(node.stderr)).toMatch(/\/node$/);
    expect(node.stderr).not.toContain('init-native');
    const tty = mr(root, ['--trace', 'run', '--rm', '-t', '--network', 'none', IMG, 'sh', '-c', 'echo ran'], { env: { MINI_RUN_INIT: undefined } });
    expect([tty.status, tty.stdout], tty.stderr).toEqual([0, 'ran\r\n']);
    expect(spawnedInit(tty.stderr)).toMatch(/\/node$/);
    expect(tty.stderr).toMatch(/native init: not for this container \(a terminal \(-t\)[^\n]*\): the Node init/);
    const refused = (bad: string) => `mini-run: MINI_RUN_INIT="${bad}": not an init (native, the default, or node)\n`;
    for (const bad of ['nodejs', 'Native']) {
      const r = mr(root, ['run', '--rm', '--network', 'none', IMG, 'true'], { env: { MINI_RUN_INIT: bad } });
      expect([r.status, r.stdout, r.stderr], bad).toEqual([125, '', refused(bad)]);
    }
    // run -d and create are refused the same way, before anything is made (checkRunnable)
    for (const cmd of [['run', '-d'], ['create']]) {
      const d = mr(root, [...cmd, '--name', 'mr-bad-init', '--network', 'none', IMG, 'true'], { env: { MINI_RUN_INIT: 'nodejs' } });
      expect([d.status, d.stdout, d.stderr], cmd.join(' ')).toEqual([125, '', refused('nodejs')]);
    }
    expect(mr(root, ['ps', '-aq']).stdout).toBe(''); // no container was made
  });

  for (const network of ['none', 'bridge']) {
    it(`--trace run --rm --network ${network}: the same [init] calls, in the same order, with the same results`, () => {
      const args = ['--trace', 'run', '--rm', '--network', network, IMG, 'sh', '-c', 'ip addr | grep -c "inet "'];
      const node = withInit('node', args);
      const native = withInit('native', args);
      expect([node.status, node.stdout], node.stderr).toEqual([0, network === 'none' ? '1\n' : '2\n']);
      expect([native.status, native.stdout], native.stderr).toEqual([0, node.stdout]);
      expect(spawnedInit(node.stderr)).toMatch(/\/node$/);
      expect(spawnedInit(native.stderr)).toBe('/run/mini-run/init-native');
      const lines = initLines(native.stderr);
      expect(lines.length).toBeGreaterThan(50);
      expect(lines).toEqual(initLines(node.stderr));
    });
  }

  it('the program sees the same container: capabilities, no_new_privs, seccomp, /dev, mounts, user, limits, cwd', () => {
    const script = 'grep -E "^(Cap|NoNewPrivs|Seccomp)" /proc/self/status; ls -la /dev | sed 1d | cut -c1-10,40- | sed "s/ [A-Z][a-z][a-z] .* [0-9:]* / /"; '
      + 'cut -d" " -f5,6,9 /proc/self/mountinfo | sort; id; pwd; ulimit -n; hostname | wc -c; touch /x 2>&1; echo $?; ls -l /proc/self/fd | wc -l';
    const args = ['run', '--rm', '--network', 'none', '--read-only', '-u', '1000:1000', '-w', '/tmp/work', '--ulimit', 'nofile=100:200',
      '--tmpfs', '/run', '--cap-add', 'NET_ADMIN', IMG, 'sh', '-c', script];
    const node = withInit('node', args);
    const native = withInit('native', args);
    expect(node.status, node.stderr).toBe(0);
    expect(node.stdout).toMatch(/NoNewPrivs:\t0\nSeccomp:\t2\n/);
    expect(node.stdout).toMatch(/\/tmp\/work\n100\n13\ntouch: \/x: Read-only file system\n1\n/);
    expect([native.status, native.stdout, native.stderr]).toEqual([node.status, node.stdout, node.stderr]);
  });

  it('the same error lines and exit codes: 127 not found, 126 not executable, 126 a cwd that cannot be entered', () => {
    const cases = [
      ['nosuch'],
      ['/etc/passwd'],
      ['/etc'],
      ['/no/such/file'],
    ];
    for (const c of cases) {
      const node = withInit('node', ['run', '--rm', '--network', 'none', IMG, ...c]);
      const native = withInit('native', ['run', '--rm', '--network', 'none', IMG, ...c]);
      expect([native.status, native.stderr], c.join(' ')).toEqual([node.status, node.stderr]);
      expect(node.status).toBeGreaterThanOrEqual(126);
    }
    const cwd = ['run', '--rm', '--network', 'none', '-u', '1000', '-w', '/root/x', IMG, 'true'];
    const node = withInit('node', cwd);
    const native = withInit('native', cwd);
    expect([native.status, native.stderr]).toEqual([node.status, node.stderr]);
    expect(node.status).toBe(126);
  });

  it('a container the choice table keeps on the Node init (--device) starts with the Node init, and the trace says why', () => {
    const r = withInit('native', ['--trace', 'run', '--rm', '--network', 'none', '--device', '/dev/null:/dev/mr-null', IMG, 'sh', '-c', 'test -c /dev/mr-null && echo ok']);
    expect([r.status, r.stdout], r.stderr).toEqual([0, 'ok\n']);
    expect(r.stderr).toMatch(/native init: not for this container \(--device nodes are made by the Node init\): the Node init/);
  });

  it('run -d, stop and rm with the native init: exit code kept, nothing left', () => {
    const d = withInit('native', ['run', '-d', '--network', 'none', IMG, 'sh', '-c', 'trap "exit 7" TERM; while :; do sleep 0.1; done']);
    expect(d.status, d.stderr).toBe(0);
    const id = d.stdout.trim();
    expect(mr(root, ['stop', '-t', '10', id]).status).toBe(0);
    expect(mr(root, ['inspect', '-f', '{{.State.ExitCode}}', id]).stdout).toBe('7\n');
    expect(mr(root, ['rm', id]).status).toBe(0);
  });
});
