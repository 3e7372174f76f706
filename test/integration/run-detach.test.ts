/**
 * Issue 20, item 1: the detach keys in a foreground `run -it` (and `start -ai`), as Docker's.
 *
 * Ctrl-P Ctrl-Q (or --detach-keys) leaves the container running and the client exits 0; a later
 * `attach` finds the shell again. Closing the terminal of a `run -it` that was not detached
 * (the client gets SIGHUP) behaves as Docker's. Each case runs in a real pseudo-terminal
 * (util-linux `script`), with the keys typed once the shell's prompt shows; the same steps run
 * in the Docker engine when one answers (the test setup starts one under /tmp), on the same
 * busybox image, and what the user sees is compared.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, containerIds, leaksFor, mr, removeAllContainers, tempRoot, until } from '../helpers/cli';

const IMG = 'mini-run/busybox';
let root: string;
let work: string;
let docker = false;
/** Docker's containers get this suffix: its engine is shared by the whole test run. */
const D = `-${process.pid}`;

interface Engine { name: string; cli: string; n: (base: string) => string; inspect: (name: string, tpl: string) => string }
const miniRun = (): Engine => ({
  name: 'mini-run', cli: `${process.execPath} ${BIN} --root ${root}`, n: (b) => b,
  inspect: (name, tpl) => mr(root, ['inspect', '-f', tpl, name]).stdout.trim(),
});
const dockerEngine = (): Engine => ({
  name: 'docker', cli: 'docker', n: (b) => b + D,
  inspect: (name, tpl) => spawnSync('docker', ['inspect', '-f', tpl, name], { encoding: 'utf8' }).stdout.trim(),
});
const engines = (): Engine[] => [miniRun(), ...(docker ? [dockerEngine()] : [])];

/** A command line run in a pseudo-terminal of its own (script), typed into as a user would. */
class Terminal {
  private output = '';
  readonly child: ChildProcess;
  readonly closed: Promise<{ status: number | null; signal: NodeJS.Signals | null }>;

  constructor(line: string) {
    this.child = spawn('script', ['-qfec', line, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout!.on('data', (d: Buffer) => { this.output += d.toString('latin1'); });
    this.child.stderr!.on('data', (d: Buffer) => { this.output += d.toString('latin1'); });
    this.closed = new Promise((resolve) => this.child.on('close', (status, signal) => resolve({ status, signal })));
  }

  /** What the screen shows, without the terminal's control sequences (busybox asks for the cursor position). */
  get shown(): string {
    return this.output.replace(/\x1b\[[0-9;?]*[a-zA-Z]/g, '');
  }

  /** Wait until the screen shows `re` (after `from` characters); fail with what it shows. */
  async waitFor(re: RegExp, from = 0, ms = 20_000): Promise<number> {
    const end = Date.now() + ms;
    for (;;) {
      const m = re.exec(this.shown.slice(from));
      if (m) return from + m.index + m[0].length;
      if (Date.now() > end) throw new Error(`never showed ${re} within ${ms / 1000} s; shown: ${JSON.stringify(this.shown)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  type(keys: string): void {
    this.child.stdin!.write(keys);
  }

  /** The command's end (script passes on its exit status), at most `ms` later. */
  async end(ms = 20_000): Promise<{ status: number | null; signal: NodeJS.Signals | null }> {
    const timer = setTimeout(() => this.child.kill('SIGKILL'), ms);
    const r = await this.closed;
    clearTimeout(timer);
    this.child.stdin!.destroy();
    return r;
  }
}

/** A process that still runs (a zombie nobody reaped yet has ended). */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

const PROMPT = /# $/;
const DETACH = '\x10\x11'; // Ctrl-P Ctrl-Q
const NAMES = ['mr-dt-a', 'mr-dt-k', 'mr-dt-h', 'mr-dt-s', 'mr-dt-r'];

beforeAll(() => {
  root = tempRoot('detach');
  work = mkdtempSync('/tmp/mr-test-detach-');
  expect(mr(root, ['run', '--rm', '--network', 'none', IMG, 'true']).status).toBe(0);
  const info = spawnSync('docker', ['info', '--format', '{{.ServerVersion}}'], { encoding: 'utf8', timeout: 15_000 });
  docker = info.status === 0 && info.stdout.trim() !== '';
  if (!docker) {
    console.log(`Docker comparisons skipped: no Docker engine answers (docker info: ${(info.stderr || info.error?.message || '').trim().split('\n').pop()})`);
    return;
  }
  // The same image in both engines: mini-run's busybox, saved by mini-run, loaded by Docker.
  expect(mr(root, ['save', '-o', join(work, 'bb.tar'), IMG]).status).toBe(0);
  expect(spawnSync('docker', ['load', '-i', join(work, 'bb.tar')], { encoding: 'utf8' }).status).toBe(0);
});

afterAll(() => {
  if (docker) spawnSync('docker', ['rm', '-f', ...NAMES.map((b) => b + D)]);
  expect(removeAllContainers(root)).toEqual([]);
  expect(leaksFor(root)).toEqual([]);
  rmSync(root, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
});

/** `attach NAME` in a terminal: type `line`, see its output, then detach; what it showed from `marker` on, and its exit. */
async function attachAndDetach(e: Engine, name: string, line: string, marker: string): Promise<{ status: number | null; shown: string }> {
  const a = new Terminal(`${e.cli} attach ${name}`);
  a.type('\r'); // attach shows nothing until the shell writes: a fresh prompt to wait for
  let at = await a.waitFor(PROMPT);
  a.type(line + '\r');
  at = await a.waitFor(new RegExp(`${marker}\r\n`), at);
  await a.waitFor(PROMPT, at);
  a.type(DETACH);
  const r = await a.end();
  return { status: r.status, shown: a.shown.slice(a.shown.lastIndexOf(marker)) };
}

describe('the detach keys in a foreground run -it (issue 20 item 1)', () => {
  it('Ctrl-P Ctrl-Q detaches silently with exit 0, the shell goes on, and attach finds it again', async () => {
    const seen: Record<string, unknown> = {};
    for (const e of engines()) {
      const name = e.n('mr-dt-a');
      const t = new Terminal(`${e.cli} run -it --name ${name} --network none ${IMG} sh`);
      let at = await t.waitFor(PROMPT);
      t.type('X=kept; echo one-$((40+2))\r');
      at = await t.waitFor(/one-42\r\n/, at);
      await t.waitFor(PROMPT, at);
      t.type(DETACH);
      const detached = await t.end();
      const status = e.inspect(name, '{{.State.Status}}');
      // The same shell: the variable set before detaching is still there.
      const again = await attachAndDetach(e, name, 'echo again-$X', 'again-kept');
      seen[e.name] = {
        exit: detached.status, afterKeys: t.shown.slice(t.shown.lastIndexOf('one-42')), status,
        attachExit: again.status, attachShown: again.shown, stillRunning: e.inspect(name, '{{.State.Status}}'),
      };
    }
    expect(seen['mini-run']).toEqual({
      exit: 0, afterKeys: 'one-42\r\n/ # ', status: 'running',
      attachExit: 1, attachShown: 'again-kept\r\n/ # read escape sequence\r\n', stillRunning: 'running',
    });
    if (docker) expect(seen.docker).toEqual(seen['mini-run']);
  });

  it('--detach-keys chooses other keys; Ctrl-P Ctrl-Q then reach the shell', async () => {
    const seen: Record<string, unknown> = {};
    for (const e of engines()) {
      const name = e.n('mr-dt-k');
      const t = new Terminal(`${e.cli} run -it --detach-keys ctrl-a,x --name ${name} --network none ${IMG} sh`);
      let at = await t.waitFor(PROMPT);
      t.type(DETACH); // not the keys now: typed into the shell's line editor
      t.type('\x03'); // Ctrl-C: the shell drops the line and prompts again
      t.type('echo still-$((1+1))\r');
      at = await t.waitFor(/still-2\r\n/, at);
      await t.waitFor(PROMPT, at);
      t.type('\x01x');
      const r = await t.end();
      seen[e.name] = { exit: r.status, status: e.inspect(name, '{{.State.Status}}') };
    }
    expect(seen['mini-run']).toEqual({ exit: 0, status: 'running' });
    if (docker) expect(seen.docker).toEqual(seen['mini-run']);
  });

  it('refuses bad --detach-keys before creating anything', () => {
    const before = containerIds(root).length;
    const r = mr(root, ['run', '-it', '--detach-keys', 'ctrl-', IMG, 'sh']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/detach keys/);
    expect(containerIds(root).length).toBe(before);
  });

  it('start -ai detaches the same way (exit 0, no message)', async () => {
    const seen: Record<string, unknown> = {};
    for (const e of engines()) {
      const name = e.n('mr-dt-s');
      // create -it needs no terminal of ours (nothing is attached yet), as Docker's.
      const created = spawnSync('sh', ['-c', `${e.cli} create -it --name ${name} --network none ${IMG} sh`], { encoding: 'utf8', input: '' });
      expect(created.stderr).toBe('');
      expect(created.status).toBe(0);
      const t = new Terminal(`${e.cli} start -ai ${name}`);
      let at = await t.waitFor(PROMPT);
      t.type('echo started-$((2+3))\r');
      at = await t.waitFor(/started-5\r\n/, at);
      await t.waitFor(PROMPT, at);
      t.type(DETACH);
      const r = await t.end();
      seen[e.name] = { exit: r.status, afterKeys: t.shown.slice(t.shown.lastIndexOf('started-5')), status: e.inspect(name, '{{.State.Status}}') };
    }
    expect(seen['mini-run']).toEqual({ exit: 0, afterKeys: 'started-5\r\n/ # ', status: 'running' });
    if (docker) expect(seen.docker).toEqual(seen['mini-run']);
  });

  it('run -it --rm: detached, it goes on; its exit through attach removes it', async () => {
    const seen: Record<string, unknown> = {};
    for (const e of engines()) {
      const name = e.n('mr-dt-r');
      const t = new Terminal(`${e.cli} run -it --rm --name ${name} --network none ${IMG} sh`);
      await t.waitFor(PROMPT);
      t.type(DETACH);
      const r = await t.end();
      const status = e.inspect(name, '{{.State.Status}}');
      const a = new Terminal(`${e.cli} attach ${name}`);
      a.type('\r');
      await a.waitFor(PROMPT);
      a.type('exit 3\r');
      const ended = await a.end();
      seen[e.name] = { exit: r.status, status, attachExit: ended.status, gone: e.inspect(name, '{{.State.Status}}') };
    }
    expect(seen['mini-run']).toEqual({ exit: 0, status: 'running', attachExit: 3, gone: '' });
    if (docker) expect(seen.docker).toEqual(seen['mini-run']);
  });

  it('a closed terminal (SIGHUP) without detaching leaves the container running, as Docker does', async () => {
    // The client is the terminal's session leader (exec), as a login shell's job is reached by
    // the hangup: killing script closes the terminal's master side and the kernel sends SIGHUP.
    const seen: Record<string, unknown> = {};
    for (const e of engines()) {
      const name = e.n('mr-dt-h');
      const pidFile = join(work, `${e.name}.pid`);
      const t = new Terminal(`echo $$ > ${pidFile}; exec ${e.cli} run -it --name ${name} --network none ${IMG} sh`);
      await t.waitFor(PROMPT);
      const client = Number(readFileSync(pidFile, 'utf8'));
      t.child.kill('SIGKILL');
      await t.closed;
      if (e.name === 'mini-run') {
        await until(() => !alive(client), 10_000); // the client ends (Docker's stays, attached to nothing)
      } else {
        await new Promise((r) => setTimeout(r, 1000)); // Docker's client does not end: nothing to wait for
      }
      seen[e.name] = { status: e.inspect(name, '{{.State.Status}}') };
    }
    expect(seen['mini-run']).toEqual({ status: 'running' });
    if (docker) expect(seen.docker).toEqual(seen['mini-run']);
    // Still the same shell, reachable.
    const again = await attachAndDetach(miniRun(), 'mr-dt-h', 'echo here-$((6*7))', 'here-42');
    expect(again).toEqual({ status: 1, shown: 'here-42\r\n/ # read escape sequence\r\n' });
  });
});
