/**
 * Containers that live on: detached runs under a supervisor, logs, attach, stop/kill/start/
 * restart/wait/rename, restart policies, and the crash cases — each checked from the outside
 * the way a user would, and the host checked for leftovers at the end.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, mr, removeRoot, tempRoot, removeAllContainers, until } from '../helpers/cli';

let root: string;
const IMG = 'mini-run/busybox';
const m = (...args: string[]) => mr(root, args);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const inspect = (name: string, tpl: string) => m('inspect', '-f', tpl, name).stdout.trim();

function ppidOf(pid: number): number {
  return Number(/PPid:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
}

beforeAll(() => {
  root = tempRoot('life');
  expect(m('run', '--rm', IMG, 'true').status).toBe(0);
});

afterAll(() => {
  // Everything still there is removed the way a user would, then nothing may be left.
  expect(removeAllContainers(root)).toEqual([]);
  removeRoot(root);
});

/** Supervisors of `root`'s containers: monitor-main.js processes started with MINI_RUN_ROOT=root. */
function supervisorsOf(dir: string): string[] {
  return readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((p) => {
    try {
      return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('monitor-main.js') && readFileSync(`/proc/${p}/environ`, 'utf8').split('\0').includes(`MINI_RUN_ROOT=${dir}`);
    } catch { return false; }
  });
}

/** Container inits still waiting to be started (not yet the program): argv[0] is mini-run-init. */
function waitingInits(): string[] {
  return readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((p) => {
    try { return readFileSync(`/proc/${p}/cmdline`, 'utf8').startsWith('mini-run-init\0'); } catch { return false; }
  });
}

describe('run -d', () => {
  it('prints the id and leaves the container running under its own supervisor', async () => {
    const r = m('run', '-d', '--name', 'web', IMG, 'sh', '-c', 'echo started; while :; do sleep 0.1; done');
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toMatch(/^[0-9a-f]{64}$/);
    expect(inspect('web', '{{.State.Status}}')).toBe('running');
    const pid = Number(inspect('web', '{{.State.Pid}}'));
    // ps axf: the shim is the parent of the container's PID 1, and the CLI is gone.
    const shim = ppidOf(pid);
    expect(readFileSync(`/proc/${shim}/cmdline`, 'utf8')).toMatch(/^mini-run-shim [0-9a-f]{12}/);
    await until(() => m('logs', 'web').stdout.includes('started'));
  });

  it('stop sends SIGTERM, then SIGKILL after -t seconds (sh as PID 1 ignores SIGTERM)', () => {
    const t0 = Date.now();
    expect(m('stop', '-t', '1', 'web').stdout.trim()).toBe('web');
    expect(Date.now() - t0).toBeGreaterThan(900);
    expect(inspect('web', '{{.State.Status}} {{.State.ExitCode}}')).toBe('exited 137');
  });

  it('a program that handles SIGTERM stops at once with its own code', () => {
    m('run', '-d', '--name', 'polite', IMG, 'sh', '-c', 'trap "exit 0" TERM; while :; do sleep 0.1; done');
    const t0 = Date.now();
    m('stop', 'polite');
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(inspect('polite', '{{.State.ExitCode}}')).toBe('0');
  });

  it('start brings a stopped container back; restart too; wait prints the exit code', async () => {
    expect(m('start', 'polite').status).toBe(0);
    expect(inspect('polite', '{{.State.Status}}')).toBe('running');
    expect(m('restart', '-t', '1', 'polite').status).toBe(0);
    expect(inspect('polite', '{{.State.Status}}')).toBe('running');
    m('run', '-d', '--name', 'seven', IMG, 'sh', '-c', 'sleep 0.3; exit 7');
    expect(m('wait', 'seven').stdout.trim()).toBe('7');
  });

  it('kill -s sends the signal to PID 1', () => {
    m('run', '-d', '--name', 'trapper', IMG, 'sh', '-c', 'trap "exit 42" USR1; while :; do sleep 0.1; done');
    expect(m('kill', '-s', 'USR1', 'trapper').status).toBe(0);
    expect(m('wait', 'trapper').stdout.trim()).toBe('42');
    expect(m('kill', 'trapper').stderr).toMatch(/is not running/);
  });

  it('kill works on a paused container (it is thawed so the signal can act)', () => {
    m('run', '-d', '--name', 'frozen', IMG, 'sleep', '600');
    expect(m('pause', 'frozen').status).toBe(0);
    const t0 = Date.now();
    expect(m('kill', 'frozen').status).toBe(0);
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(inspect('frozen', '{{.State.Status}} {{.State.ExitCode}}')).toBe('exited 137');
  });

  it('rename changes the name; a taken name is refused', () => {
    expect(m('rename', 'seven', 'eight').status).toBe(0);
    expect(inspect('eight', '{{.Name}}')).toBe('/eight');
    const r = m('rename', 'eight', 'trapper');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/already in use/);
  });

  it('a run -d that cannot create its container leaves no supervisor and no init behind', async () => {
    // run -d starts the container's supervisor, which spawns an init, before it creates the
    // container (engine/lifecycle.ts launchSupervisor): a create that fails must end both.
    expect(m('run', '-d', '--name', 'dup', IMG, 'sleep', '30').status).toBe(0);
    const supervisors = supervisorsOf(root).length;
    const inits = new Set(waitingInits());
    const r = m('run', '-d', '--name', 'dup', IMG, 'sleep', '30');
    expect(r.status).toBe(125);
    expect(r.stderr).toMatch(/already in use/);
    await until(() => supervisorsOf(root).length === supervisors && waitingInits().every((p) => inits.has(p)));
    expect(m('rm', '-f', 'dup').status).toBe(0);
  });

  it('run -d --rm removes the container when it exits', async () => {
    const id = m('run', '-d', '--rm', IMG, 'sh', '-c', 'sleep 0.2').stdout.trim();
    await until(() => !existsSync(join(root, 'containers', id)));
  });

  it('rm -f of a running --rm container prints its name and exits 0, as Docker\'s (its supervisor removes it at the same moment)', () => {
    // Before the fix this always ended "cannot read its record … ENOENT", exit 1.
    for (let i = 0; i < 2; i++) {
      const id = m('run', '-d', '--rm', '--name', `gone${i}`, IMG, 'sleep', '100').stdout.trim();
      const r = m('rm', '-f', `gone${i}`);
      expect(r.stderr).toBe('');
      expect(r.stdout).toBe(`gone${i}\n`);
      expect(r.status).toBe(0);
      expect(existsSync(join(root, 'containers', id))).toBe(false);
      expect(m('ps', '-aq', '-f', `name=gone${i}`).stdout).toBe('');
    }
  });
});

describe('ps', () => {
  it("lists running containers, -a all, -q ids, with docker's columns and filters", () => {
    const running = m('ps').stdout;
    expect(running.split('\n')[0]).toMatch(/^CONTAINER ID +IMAGE +COMMAND +CREATED +STATUS +PORTS +NAMES$/);
    expect(running).toMatch(/ Up .* polite\n/);
    expect(running).not.toContain(' web\n'); // stopped: only with -a
    const all = m('ps', '-a').stdout;
    expect(all).toMatch(/Exited \(137\) .* ago +web\n/);
    expect(m('ps', '-a', '-q', '-f', 'name=^web$').stdout.trim()).toBe(inspect('web', '{{.Id}}').slice(0, 12));
    expect(m('ps', '-a', '-f', 'status=exited', '--format', '{{.Names}}').stdout.split('\n')).toContain('web');
    expect(m('ps', '--no-trunc', '-q', '-f', 'name=polite').stdout.trim()).toMatch(/^[0-9a-f]{64}$/);
    const bad = m('ps', '-f', 'colour=blue');
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/invalid filter 'colour'/);
    expect(m('container', 'ls', '-a', '-q').stdout.trim().split('\n').length).toBeGreaterThanOrEqual(2);
  });
});

describe('logs', () => {
  it('keeps stdout and stderr in docker\'s json-file format, with --tail, -t, --since', async () => {
    const id = m('run', '-d', '--name', 'talker', IMG, 'sh', '-c', 'echo one; echo two >&2; sleep 0.2; echo three').stdout.trim();
    expect(m('wait', 'talker').stdout.trim()).toBe('0');
    const r = m('logs', 'talker');
    expect(r.stdout).toBe('one\nthree\n');
    expect(r.stderr).toBe('two\n');
    expect(m('logs', '--tail', '1', 'talker').stdout).toBe('three\n');
    expect(m('logs', '-t', 'talker').stdout).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z one$/m);
    expect(m('logs', '--since', '1h', 'talker').stdout).toBe('one\nthree\n');
    expect(m('logs', '--until', '2000-01-01T00:00:00Z', 'talker').stdout).toBe('');
    const file = join(root, 'containers', id, `${id}-json.log`);
    const first = JSON.parse(readFileSync(file, 'utf8').split('\n')[0]);
    expect(first).toMatchObject({ log: 'one\n', stream: 'stdout' });
    expect(first.time).toMatch(/Z$/);
  });

  it('-f follows until the container exits', () => {
    m('run', '-d', '--name', 'ticker', IMG, 'sh', '-c', 'for i in 1 2 3; do echo tick $i; sleep 0.2; done');
    const r = m('logs', '-f', 'ticker');
    expect(r.stdout).toBe('tick 1\ntick 2\ntick 3\n');
  });

  it('rotates with --log-opt max-size and max-file', () => {
    const id = m('run', '-d', '--name', 'chatty', '--log-opt', 'max-size=2k', '--log-opt', 'max-file=2', IMG,
      'sh', '-c', 'i=0; while [ $i -lt 200 ]; do echo line-$i; i=$((i+1)); done').stdout.trim();
    m('wait', 'chatty');
    const dir = join(root, 'containers', id);
    const logs = readdirSync(dir).filter((f) => f.includes('-json.log')).sort();
    expect(logs).toEqual([`${id}-json.log`, `${id}-json.log.1`]);
    for (const f of logs) expect(readFileSync(join(dir, f)).length).toBeLessThanOrEqual(2048);
    const out = m('logs', 'chatty').stdout.trim().split('\n');
    expect(out[out.length - 1]).toBe('line-199');
  });
});

describe('attach', () => {
  it('relays stdin and output of a -i container, and returns its exit code', () => {
    m('run', '-d', '-i', '--name', 'cat', IMG, 'sh', '-c', 'cat; exit 5');
    const r = mr(root, ['attach', 'cat'], { input: 'hello attach\n' });
    expect(r.stdout).toBe('hello attach\n');
    expect(r.status).toBe(5);
  });

  it('start -a attaches before the program starts, so no output is missed', () => {
    m('create', '--name', 'quick', IMG, 'echo', 'from the very start');
    const r = m('start', '-a', 'quick');
    expect(r.stdout).toBe('from the very start\n');
    expect(r.status).toBe(0);
  });

  it('detaches with Ctrl-P Ctrl-Q from a terminal and leaves the container running', () => {
    m('run', '-d', '-it', '--name', 'shell', IMG, 'sh');
    const cmd = `(sleep 2; printf 'echo hi-from-tty\\r'; sleep 1; printf '\\020\\021') | ${process.execPath} ${BIN} --root ${root} attach shell`;
    const r = spawnSync('script', ['-qec', cmd, '/dev/null'], { encoding: 'utf8', input: '', timeout: 20_000 });
    expect(r.stdout).toContain('hi-from-tty');
    expect(r.stdout).toContain('read escape sequence');
    expect(r.status).toBe(1); // as docker attach after the detach keys
    expect(inspect('shell', '{{.State.Status}}')).toBe('running');
  });
});

describe('attach: terminal size', () => {
  it('passes our terminal size, and its changes, to the container', () => {
    m('run', '-d', '-it', '--name', 'sizer', IMG, 'sh', '-c', 'while :; do stty size; sleep 0.3; done');
    const cmd = `stty cols 100 rows 30; (sleep 1.5; stty cols 120 rows 40 </dev/tty) & timeout --foreground 3 ${process.execPath} ${BIN} --root ${root} attach sizer`;
    const r = spawnSync('script', ['-qec', cmd, '/dev/null'], { encoding: 'utf8', input: '', timeout: 20_000 });
    const sizes = new Set(r.stdout.replace(/[^0-9 \n]/g, '').split('\n').map((l) => l.trim()).filter(Boolean));
    expect(sizes).toContain('30 100');
    expect(sizes).toContain('40 120');
    m('rm', '-f', 'sizer');
  });
});

describe('restart policies', () => {
  it('on-failure:2 restarts twice, then stays exited', async () => {
    m('run', '-d', '--name', 'flaky', '--restart', 'on-failure:2', IMG, 'sh', '-c', 'exit 3');
    await until(() => inspect('flaky', '{{.State.Status}} {{.RestartCount}}') === 'exited 2', 15_000);
    expect(inspect('flaky', '{{.State.ExitCode}}')).toBe('3');
  });

  it('always restarts with a growing back-off, until stopped', async () => {
    m('run', '-d', '--name', 'phoenix', '--restart', 'always', IMG, 'sh', '-c', 'exit 0');
    await until(() => Number(inspect('phoenix', '{{.RestartCount}}')) >= 3, 15_000);
    m('stop', 'phoenix');
    await sleep(1000);
    const count = inspect('phoenix', '{{.RestartCount}}');
    await sleep(1000);
    expect(inspect('phoenix', '{{.RestartCount}}')).toBe(count);
    expect(inspect('phoenix', '{{.State.Status}}')).toBe('exited');
  });

  it('system boot brings back always and unless-stopped containers after a "reboot"', async () => {
    m('run', '-d', '--name', 'survivor', '--restart', 'always', IMG, 'sleep', '600');
    m('run', '-d', '--name', 'resting', '--restart', 'unless-stopped', IMG, 'sleep', '600');
    m('stop', '-t', '0', 'resting');
    // The power goes out: supervisor and container die at once, the record still says running.
    const pid = Number(inspect('survivor', '{{.State.Pid}}'));
    const shim = ppidOf(pid);
    process.kill(shim, 'SIGKILL');
    process.kill(pid, 'SIGKILL');
    await until(() => !existsSync(`/proc/${pid}`));
    const r = m('system', 'boot');
    expect(r.stdout).toContain('started survivor');
    expect(r.stdout).not.toContain('resting');
    expect(inspect('survivor', '{{.State.Status}}')).toBe('running');
    expect(inspect('resting', '{{.State.Status}}')).toBe('exited');
    m('rm', '-f', 'survivor', 'resting');
  });

  it('--restart with --rm is refused like docker', () => {
    const r = m('run', '--rm', '--restart', 'always', IMG, 'true');
    expect(r.status).toBe(125);
    expect(r.stderr).toMatch(/Conflicting options: --restart and --rm/);
  });
});

describe('crashes', () => {
  it('SIGKILL of the container\'s PID 1 is recorded as exit 137', async () => {
    m('run', '-d', '--name', 'victim', IMG, 'sleep', '600');
    process.kill(Number(inspect('victim', '{{.State.Pid}}')), 'SIGKILL');
    expect(m('wait', 'victim').stdout.trim()).toBe('137');
  });

  it('SIGKILL of the supervisor takes the container down; the state says so and rm -f cleans', async () => {
    m('run', '-d', '--name', 'orphan', IMG, 'sleep', '600');
    const pid = Number(inspect('orphan', '{{.State.Pid}}'));
    const id = inspect('orphan', '{{.Id}}');
    // The supervisor's attach and exec sockets and its name link (shim/sockets.ts): a supervisor
    // killed with SIGKILL cannot remove them; the crash sweep must.
    const rundir = process.env.MINI_RUN_RUNDIR ?? '/run/mini-run';
    const sockets = [join(rundir, `${id}.sock`), join(rundir, `${id}.exec`)];
    const nameLinks = () => {
      const names = join(rundir, 'names');
      const dirs = existsSync(names) ? readdirSync(names) : [];
      return dirs.flatMap((d) => { try { return readdirSync(join(names, d)).map((n) => readlinkSync(join(names, d, n))); } catch { return []; } }).filter((l) => l.includes(id));
    };
    await until(() => sockets.every((p) => existsSync(p)));
    expect(nameLinks()).toEqual([`../../${id}.exec`]);
    process.kill(ppidOf(pid), 'SIGKILL');
    await until(() => !existsSync(`/proc/${pid}`));
    expect(sockets.filter((p) => existsSync(p))).toEqual(sockets); // left behind by the killed supervisor
    expect(inspect('orphan', '{{.State.Status}}')).toBe('exited'); // (the crash sweep ran)
    expect(sockets.filter((p) => existsSync(p))).toEqual([]);
    expect(nameLinks()).toEqual([]);
    expect(m('rm', '-f', 'orphan').status).toBe(0);
  });

  it('20 containers started at once get distinct names and consistent records', async () => {
    const { spawn } = await import('node:child_process');
    const runs = Array.from({ length: 20 }, () => new Promise<string>((resolve) => {
      const c = spawn(process.execPath, [BIN, '--root', root, 'run', '-d', '--label', 'batch=1', IMG, 'true'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      c.stdout.on('data', (d) => (out += d));
      c.on('exit', () => resolve(out.trim()));
    }));
    const ids = await Promise.all(runs);
    expect(new Set(ids).size).toBe(20);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{64}$/);
    const names = ids.map((id) => inspect(id, '{{.Name}}'));
    expect(new Set(names).size).toBe(20);
    for (const id of ids) expect(m('wait', id).stdout.trim()).toBe('0');
    expect(m('rm', ...ids).status).toBe(0);
    // 20 starts at once on 2 cores took 23-37 s in CI and 54 s on a loaded host: the limit is
    // generous because this checks names and records, not speed (bench/ measures speed).
  }, 180_000);

  it('a corrupt record gives a clear error and rm -f still cleans the container', () => {
    const id = m('create', '--name', 'broken', IMG, 'true').stdout.trim();
    writeFileSync(join(root, 'containers', id, 'container.json'), '{not json');
    const r = m('inspect', id);
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(m('rm', '-f', id).status).toBe(0);
    expect(existsSync(join(root, 'containers', id))).toBe(false);
  });

  it('leaves no zombie behind: every process of ours reaps its children', () => {
    // A zombie whose parent is a mini-run process (a supervisor or a CLI) is our bug. Exited
    // supervisors themselves are orphans of PID 1 and reaped by it (systemd does; note that
    // some sandboxes' PID 1 reaps nothing, so those are not counted here).
    const ps = spawnSync('ps', ['-eo', 'stat=,ppid=,pid=,comm=']).stdout.toString().split('\n');
    const ours = (pid: string) => {
      try { return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('mini-run'); } catch { return false; }
    };
    const zombies = ps.map((l) => l.trim().split(/\s+/)).filter((f) => f[0]?.startsWith('Z') && f[1] !== '1' && ours(f[1]));
    expect(zombies).toEqual([]);
  });
});
