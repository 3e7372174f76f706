/**
 * `mini-run exec` through the front door (native/mini-run-front.c → the container's supervisor,
 * src/shim/exec-server.ts), beside the Node CLI's way (MINI_RUN_FRONT=node): the same output,
 * errors and exit codes; and the supervisor's socket attacked as an exposed control socket
 * (CWE-306, the docker.sock class).
 *
 * Which way a command went is shown without timing: with PATH=/nonexistent the wrapper and the
 * front still start (both by path), but a fallback to Node cannot ("cannot start node").
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import * as net from 'node:net';
import { join } from 'node:path';
import { BIN, REPO, leaksFor, mr, removeRoot, tempRoot, until } from '../helpers/cli';

const IMG = 'mini-run/busybox';
const FRONT = join(REPO, 'native', 'build', 'mini-run-front');
const built = existsSync(FRONT);
const RUNDIR = process.env.MINI_RUN_RUNDIR ?? '/run/mini-run';

let root: string;
let id: string;
let supervisorPid: number;

interface Out { status: number | null; stdout: string; stderr: string }
/** `mini-run --root ROOT ARGS…` as a user types it (the sh wrapper, then the front door). */
function cli(args: string[], o: { env?: NodeJS.ProcessEnv; shell?: string } = {}): Out {
  const r = o.shell !== undefined
    ? spawnSync('sh', ['-c', o.shell], { encoding: 'utf8', env: { ...process.env, ...o.env }, timeout: 60_000 })
    : spawnSync(BIN, ['--root', root, ...args], { encoding: 'utf8', env: { ...process.env, ...o.env }, input: '', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
const node = { MINI_RUN_FRONT: 'node' };
const noNode = { PATH: '/nonexistent' };

/** The same command both ways: stdout, stderr and exit code must be equal; returns the front's. */
function same(args: string[], shell?: (bin: string) => string): Out {
  const s = shell?.(`${BIN} --root ${root}`);
  const front = cli(args, { shell: s });
  const viaNode = cli(args, { shell: s, env: node });
  expect(front).toEqual(viaNode);
  return front;
}

/** As src/shim/sockets.ts's rootKey (and the C front's): FNV-1a 32 of the root's bytes. */
function rootKeyOf(s: string): string {
  let h = 0x811c9dc5;
  for (const b of Buffer.from(s)) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}

/** The link at `p` (existsSync would follow it), or null. */
const linkAt = (p: string) => { try { return lstatSync(p).isSymbolicLink() ? readlinkSync(p) : null; } catch { return null; } };

const fdCount = () => readdirSync(`/proc/${supervisorPid}/fd`).length;

beforeAll(async () => {
  root = tempRoot('execfront');
  const r = mr(root, ['run', '-d', '--network', 'none', '--name', 'mr-front', IMG, 'sleep', '600']);
  if (r.status !== 0) throw new Error(`the container did not start: ${r.stderr}`);
  id = r.stdout.trim();
  const rec = JSON.parse(readFileSync(join(root, 'containers', id, 'container.json'), 'utf8'));
  supervisorPid = rec.monitor.pid;
  if (built) await until(() => existsSync(join(RUNDIR, `${id}.exec`)));
});

afterAll(async () => {
  expect(mr(root, ['rm', '-f', 'mr-front']).status).toBe(0);
  expect(leaksFor(root)).toEqual([]);
  // Nothing of the front door left: the socket, the name link.
  expect(existsSync(join(RUNDIR, `${id}.exec`))).toBe(false);
  const names = join(RUNDIR, 'names');
  // (other tests' supervisors may remove their directories meanwhile: a vanished one lists as empty)
  const list = (d: string) => { try { return readdirSync(d); } catch { return []; } };
  const links = list(names).flatMap((d) => list(join(names, d)).map((n) => linkAt(join(names, d, n)) ?? ''));
  expect(links.filter((l) => l.includes(id))).toEqual([]);
  expect(existsSync(join(names, rootKeyOf(root)))).toBe(false); // (the root's directory, once empty)
  // names/ itself goes with the last link (another test's containers may still have theirs)
  await until(() => !existsSync(names) || list(names).length > 0, 10_000);
  removeRoot(root);
});

describe.skipIf(!built)('exec through the supervisor (native front door)', () => {
  it('runs without starting Node, by name and by full id; every other command goes to Node', () => {
    expect(cli(['exec', 'mr-front', 'echo', 'hi'], { env: noNode })).toEqual({ status: 0, stdout: 'hi\n', stderr: '' });
    expect(cli(['exec', id, 'hostname'], { env: noNode })).toEqual({ status: 0, stdout: `${id.slice(0, 12)}\n`, stderr: '' });
    // another command: the wrapper goes straight to Node, without the front (sh's own error here)
    const ps = cli(['ps'], { env: noNode });
    expect(ps.status).toBe(127);
    expect(ps.stderr).toMatch(/node: not found/);
    // any other exec line: the front hands it to the Node CLI (which PATH cannot find here)
    for (const args of [['exec', '-t', 'mr-front', 'true'], ['exec', '-e', 'A=1', 'mr-front', 'true'], ['exec', id.slice(0, 12), 'true'], ['exec', '--help']]) {
      expect(cli(args, { env: noNode }).stderr).toBe('mini-run: cannot start node: No such file or directory\n');
    }
    // MINI_RUN_FRONT=node: the wrapper skips the front door
    expect(cli(['exec', 'mr-front', 'true'], { env: { ...noNode, ...node } }).status).toBe(127);
  });

  it('gives the same output, errors and exit codes as the Node CLI', () => {
    expect(same(['exec', 'mr-front', 'nope'])).toMatchObject({ status: 127, stderr: 'mini-run: exec: "nope": executable file not found in $PATH\n' });
    expect(same(['exec', 'mr-front', '/etc/passwd'])).toMatchObject({ status: 126 });
    expect(same(['exec', 'mr-nosuch', 'true'])).toMatchObject({ status: 1, stderr: 'mini-run: No such container: mr-nosuch\n' });
    expect(same(['exec', 'mr-front', 'sh', '-c', 'echo out; echo err >&2; exit 3'])).toEqual({ status: 3, stdout: 'out\n', stderr: 'err\n' });
    expect(same(['exec', 'mr-front', 'sh', '-c', 'kill -9 $$']).status).toBe(137);
    expect(same(['exec', 'mr-front', 'sh', '-c', 'grep -E "^(Cap|NoNewPrivs|Seccomp)" /proc/self/status; env']).status).toBe(0);
    // stdin: with -i the caller's, without it /dev/null
    expect(same([], (b) => `echo hi | ${b} exec -i mr-front cat`)).toEqual({ status: 0, stdout: 'hi\n', stderr: '' });
    expect(same([], (b) => `echo hi | ${b} exec mr-front cat`)).toEqual({ status: 0, stdout: '', stderr: '' });
    // 3 MB into a pipe read late: all of it arrives
    expect(same([], (b) => `${b} exec mr-front head -c 3000000 /dev/zero | (sleep 1; wc -c)`).stdout.trim()).toBe('3000000');
    // the state root from the environment
    expect(cli([], { shell: `MINI_RUN_ROOT=${root} PATH=/nonexistent ${BIN} exec mr-front hostname` }).stdout).toBe(`${id.slice(0, 12)}\n`);
  });

  it('paused: the Node CLI answers (same line and code)', () => {
    expect(mr(root, ['pause', 'mr-front']).status).toBe(0);
    try {
      expect(cli(['exec', 'mr-front', 'true'], { env: noNode }).stderr).toBe('mini-run: cannot start node: No such file or directory\n');
      expect(same(['exec', 'mr-front', 'true'])).toMatchObject({ status: 1, stderr: expect.stringContaining('is paused, unpause the container before exec') });
    } finally {
      expect(mr(root, ['unpause', 'mr-front']).status).toBe(0);
    }
  });

  it('forwards SIGTERM to the program, as the Node CLI does', async () => {
    for (const env of [{}, node]) {
      const child = spawn(BIN, ['--root', root, 'exec', 'mr-front', 'sh', '-c', 'trap "echo got TERM; exit 5" TERM; echo ready; while :; do sleep 0.1; done'], { env: { ...process.env, ...env } });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      await until(() => out.includes('ready'), 20_000);
      child.kill('SIGTERM');
      const code = await new Promise((r) => child.on('exit', (c) => r(c)));
      expect({ code, out }).toEqual({ code: 5, out: 'ready\ngot TERM\n' });
    }
  });

  it('the front killed -9: its exec process goes too (as with the Node CLI), the supervisor stays', async () => {
    const child = spawn(BIN, ['--root', root, 'exec', 'mr-front', 'sh', '-c', 'echo ready; sleep 300'], { env: { ...process.env, PATH: '/nonexistent' } });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    await until(() => out.includes('ready'), 20_000);
    const execProcs = () => readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((p) => {
      try { return readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1].split(' ')[1] === String(supervisorPid) && readFileSync(`/proc/${p}/cmdline`, 'utf8').startsWith('mini-run-exec'); } catch { return false; }
    });
    expect(execProcs().length).toBe(1);
    child.kill('SIGKILL');
    await until(() => execProcs().length === 0, 20_000);
    expect(cli(['exec', 'mr-front', 'sh', '-c', 'pkill -f "sleep 300"; echo alive'], { env: noNode }).stdout).toBe('alive\n');
  });

  it('closes every descriptor it received: the same count after 20 execs', async () => {
    cli(['exec', 'mr-front', 'true']);
    const before = fdCount();
    for (let i = 0; i < 20; i++) expect(cli(['exec', 'mr-front', 'true'], { env: noNode }).status).toBe(0);
    expect(cli(['exec', 'mr-front', 'nope'], { env: noNode }).status).toBe(127);
    // (the last exec's own sockets close just after its client has its answer: wait for that;
    // a leak of 21 descriptors would never come back to the count)
    await until(() => fdCount() <= before, 10_000).catch(() => undefined);
    expect(fdCount()).toBeLessThanOrEqual(before);
  });
  it('rename: the link follows the name — exec NEWNAME through the front door, the old name is no such container', async () => {
    const r = mr(root, ['run', '-d', '--network', 'none', '--name', 'mr-front-r', IMG, 'sleep', '600']);
    expect(r.status).toBe(0);
    const rid = r.stdout.trim();
    const dir = join(RUNDIR, 'names', rootKeyOf(root));
    try {
      await until(() => linkAt(join(dir, 'mr-front-r')) !== null, 20_000);
      expect(mr(root, ['rename', 'mr-front-r', 'mr-front-r2']).status).toBe(0);
      expect(linkAt(join(dir, 'mr-front-r'))).toBeNull();
      expect(linkAt(join(dir, 'mr-front-r2'))).toBe(`../../${rid}.exec`);
      expect(cli(['exec', 'mr-front-r2', 'hostname'], { env: noNode })).toEqual({ status: 0, stdout: `${rid.slice(0, 12)}\n`, stderr: '' });
      expect(cli(['exec', 'mr-front-r', 'true'])).toEqual({ status: 1, stdout: '', stderr: 'mini-run: No such container: mr-front-r\n' });
      // the container's life ends: its supervisor removes the link of the name it has now
      expect(mr(root, ['kill', 'mr-front-r2']).status).toBe(0);
      await until(() => linkAt(join(dir, 'mr-front-r2')) === null, 20_000);
      // stopped: rename makes no link (nothing would answer it)
      expect(mr(root, ['rename', 'mr-front-r2', 'mr-front-r3']).status).toBe(0);
      expect(linkAt(join(dir, 'mr-front-r3'))).toBeNull();
    } finally {
      expect(mr(root, ['rm', '-f', rid]).status).toBe(0);
    }
  });
});

describe.skipIf(!built)('attacks on the supervisor\'s exec socket (CWE-306, the docker.sock class)', () => {
  const sock = () => join(RUNDIR, `${id}.exec`);

  it('is root\'s only: a non-root user is refused, even one who can reach the file (CAP_DAC_OVERRIDE)', () => {
    const marker = `/tmp/mr-front-pwned-${process.pid}`;
    // A request that would create a file in the container's /tmp: it must never run.
    const client = `
      const net = require('net');
      const parts = ['${root}', 'mr-front', '-', 'touch', '${marker}'];
      const payload = Buffer.from(parts.join('\\0') + '\\0');
      const head = Buffer.alloc(8); head.write('MRX1'); head.writeUInt32LE(payload.length, 4);
      const s = net.connect('${sock()}');
      s.on('error', (e) => { console.log('error ' + e.code); });
      s.on('connect', () => s.write(Buffer.concat([head, payload])));
      let got = ''; s.on('data', (d) => got += d); s.on('close', () => console.log('closed [' + got + ']'));`;
    const plain = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, '-e', client], { encoding: 'utf8', cwd: '/' });
    expect(plain.stdout).toMatch(/^error EACCES\n/);
    const dac = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=+dac_override', '--ambient-caps=+dac_override', process.execPath, '-e', client], { encoding: 'utf8', cwd: '/' });
    expect(dac.stdout).toMatch(/^(error E[A-Z]+\n)?closed \[\]\n$/); // connected, hung up on: no answer
    expect(cli(['exec', 'mr-front', 'ls', marker]).status).toBe(1); // never ran
    // the front run as non-root: the Node CLI's own "needs root" line
    const asNobody = (env: Record<string, string>) => spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'env', ...Object.entries(env).map(([k, v]) => `${k}=${v}`), BIN, '--root', root, 'exec', 'mr-front', 'true'], { encoding: 'utf8', cwd: '/' });
    const a = asNobody({}), b = asNobody(node);
    expect({ status: a.status, stdout: a.stdout, stderr: a.stderr }).toEqual({ status: b.status, stdout: b.stdout, stderr: b.stderr });
    expect(a.status).not.toBe(0);
  });

  it('cannot be seen from inside the container', () => {
    const r = cli(['exec', 'mr-front', 'sh', '-c', `ls ${RUNDIR} 2>&1; find / -xdev -type s 2>/dev/null | grep -c exec`]);
    expect(r.stdout).toMatch(/No such file or directory\n0\n$/);
  });

  it('garbage, an oversized frame, half a request and fds-then-gone: no crash, no wedge, no leak', async () => {
    cli(['exec', 'mr-front', 'true']);
    const before = fdCount();
    const talk = (data: Buffer, wait = true) => new Promise<string>((resolve) => {
      const s = net.connect(sock());
      let got = '';
      s.on('error', () => resolve(got)); // (a reset: what it sent was not read)
      s.on('data', (d) => (got += d));
      s.on('close', () => resolve(got));
      s.on('connect', () => { s.write(data); if (!wait) s.end(); });
    });
    const head = (magic: string, len: number) => { const h = Buffer.alloc(8); h.write(magic, 'latin1'); h.writeUInt32LE(len, 4); return h; };
    expect(await talk(Buffer.from('GET / HTTP/1.0\r\n\r\n'))).toBe('');
    expect(await talk(head('MRX1', 0xffffffff))).toBe('');
    expect(await talk(Buffer.concat([head('MRX1', 12), Buffer.from('/x\0y\0-\0')]))).toBe(''); // malformed payload
    // half a request, held open: the supervisor gives up after its timeout, and serves others meanwhile
    const half = talk(Buffer.concat([head('MRX1', 100), Buffer.from('/only-this')]));
    expect(cli(['exec', 'mr-front', 'echo', 'meanwhile'], { env: noNode }).stdout).toBe('meanwhile\n');
    expect(await half).toBe('');
    // descriptors sent with half a header, then gone (the runtime's own SCM_RIGHTS sender)
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { sendFdToUnixSocket } = require(join(REPO, 'dist', 'sys', 'libc.js'));
    for (let i = 0; i < 5; i++) sendFdToUnixSocket(sock(), 1, 'MRX1');
    await until(() => fdCount() <= before, 20_000);
    expect(cli(['exec', 'mr-front', 'echo', 'still'], { env: noNode })).toEqual({ status: 0, stdout: 'still\n', stderr: '' });
    await until(() => fdCount() <= before, 10_000).catch(() => undefined); // (that exec's own sockets close just after)
    expect(fdCount()).toBeLessThanOrEqual(before);
    expect(JSON.parse(readFileSync(join(root, 'containers', id, 'container.json'), 'utf8')).state.Status).toBe('running');
  });
});

describe('without a supervisor: the Node CLI', () => {
  it('a stopped container, and a foreground run\'s (no socket): the same answer both ways', () => {
    const r = mr(root, ['create', '--name', 'mr-front-stopped', IMG, 'true']);
    expect(r.status).toBe(0);
    try {
      expect(same(['exec', 'mr-front-stopped', 'true'])).toMatchObject({ status: 1, stderr: expect.stringContaining('is not running') });
    } finally {
      mr(root, ['rm', '-f', 'mr-front-stopped']);
    }
    const fg = spawn(process.execPath, [BIN, '--root', root, 'run', '--rm', '--network', 'none', '--name', 'mr-front-fg', IMG, 'sleep', '60']);
    return until(() => mr(root, ['inspect', '-f', '{{.State.Status}}', 'mr-front-fg']).stdout.trim() === 'running', 30_000).then(() => {
      expect(cli(['exec', 'mr-front-fg', 'true'], { env: noNode }).stderr).toBe('mini-run: cannot start node: No such file or directory\n');
      expect(same(['exec', 'mr-front-fg', 'echo', 'fg'])).toEqual({ status: 0, stdout: 'fg\n', stderr: '' });
      const exited = new Promise((r) => fg.on('exit', r));
      expect(mr(root, ['rm', '-f', 'mr-front-fg']).status).toBe(0); // (a PID 1 sleep ignores SIGTERM)
      return exited;
    });
  });
});
