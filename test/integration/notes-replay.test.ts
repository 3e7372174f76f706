/**
 * The study notes, replayed: every docker command line in ../shared/notes runs as typed, in
 * the notes' order, with `docker` being mini-run (a `docker` on PATH that runs it, `sudo` as
 * root is itself) and a shell running each line, so `$(docker ps -q …)` and `| grep` work.
 *
 * What is not the learner's machine is swapped, and only that:
 *  - the images: the notes pull centos, ubuntu, mysql, wordpress, nginx (and build node apps);
 *    here they are busybox images under those names in a local docker-registry, reached the
 *    way a host without internet reaches Docker Hub — a `registry-mirrors` entry — so the lines
 *    keep their image names. `bash` is a stand-in for busybox sh; the servers are a stand-in
 *    that says "ready" and runs until stopped (they expose the ports the real images do);
 *  - host paths (`-v /home/wordpress_db:…`, `/root/html`) go below a temporary directory;
 *  - names and ids the notes copied from their own output (`docker stop inspiring_goldberg`,
 *    `stop 7df`, `ps -f id=2c6c`) are those of the same containers here;
 *  - steps the notes give in prose before using their result (`docker network create
 *    --driver bridge mybridge` before `--net mybridge`; the `centos` and `ubuntu` containers
 *    their `docker commit` lines name) run where the prose says.
 * Lines that need a terminal (`run -it`, `exec -it`) and streams (`stats`, `logs -f`) run in a
 * pseudo-terminal (script(1)); once the container's prompt or first line shows, the learner's
 * keys go in: `exit` for `exec -it`, Ctrl-C for a stream. A `run -it` terminal stays open, as
 * the notes keep it ("터미널1") while a later line execs into the container ("터미널2"); they
 * are ended at the end (`exit`, or Ctrl-C for a server in the foreground), each by its keys.
 * Templates (`docker cp [복사할 파일 경로] [container]:[복사 경로]`) are listed, not run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, containerIds, leaksFor, mr, networkBridges, removeRoot, tempRoot } from '../helpers/cli';
import { busyboxArchive, skopeoPush, startRegistry, type Registry } from '../fixtures/registry';
import { noteCommands, type NoteCommand } from '../helpers/notes';

const NOTES = join(__dirname, '../../../shared/notes');

/** The notes' images: what each is a stand-in for decides its command and ports. */
const IMAGES: Record<string, { kind: 'shell' | 'server'; ports?: string[] }> = {
  'centos:7-git': { kind: 'shell' }, 'centos:7': { kind: 'shell' }, 'ubuntu:14.04': { kind: 'shell' },
  'mysql:5.7': { kind: 'server', ports: ['3306/tcp', '33060/tcp'] }, 'wordpress:latest': { kind: 'server', ports: ['80/tcp'] },
  'nginx:latest': { kind: 'server', ports: ['80/tcp'] }, 'noderun:1.0': { kind: 'server', ports: ['6060/tcp'] },
  'nodrun:v1.0': { kind: 'server', ports: ['6060/tcp'] },
};

/** Steps the notes give in prose, run before the line that needs them. */
const PROSE_STEPS: Array<{ before: string; where: string; command: string }> = [
  // "레지스트리에 등록된 공식 이미지 우분투와 CentOS를 기동한 후 …": the containers `docker commit centos|ubuntu` name
  { before: '000:61', where: '000:44 (prose)', command: 'docker run -itd --name centos centos:7' },
  { before: '000:61', where: '000:44 (prose)', command: 'docker run -itd --name ubuntu ubuntu:14.04' },
  { before: '001:296', where: '001:289 (prose)', command: 'docker network create --driver bridge mybridge' },
];

let root: string;
let work: string;
let bin: string;
let reg: Registry;
let env: NodeJS.ProcessEnv;
const m = (...args: string[]) => mr(root, args, { env });

beforeAll(async () => {
  root = tempRoot('notes');
  work = tempRoot('notes-work');
  reg = await startRegistry();
  pushNotesImages(join(work, 'images'), reg);
  // `docker` and `sudo` as the notes type them
  bin = join(work, 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'docker'), `#!/bin/sh\nexec ${process.execPath} ${BIN} --root ${root} "$@"\n`);
  writeFileSync(join(bin, 'sudo'), '#!/bin/sh\nexec "$@"\n'); // the test runs as root already
  for (const f of ['docker', 'sudo']) chmodSync(join(bin, f), 0o755);
  writeFileSync(join(work, 'config.json'), JSON.stringify({ 'registry-mirrors': [reg.url] }));
  env = { ...process.env, PATH: `${bin}:${process.env.PATH}`, MINI_RUN_CONFIG: join(work, 'config.json'), SHELL: '/bin/sh', TERM: 'xterm' };
}, 120_000);

afterAll(async () => {
  const ids = containerIds(root);
  const bridges = networkBridges(root);
  if (ids.length) m('rm', '-f', ...ids);
  for (const n of ['mybridge', 'my_custom_network']) m('network', 'rm', n);
  for (const b of bridges) expect(spawnSync('ip', ['link', 'show', 'dev', b]).status).not.toBe(0);
  expect(leaksFor(root)).toEqual([]);
  await reg?.stop();
  removeRoot(root);
  removeRoot(work);
});

/**
 * Busybox images under the notes' names, pushed to `reg` as docker.io's official images are
 * named there (library/NAME): one extra layer with the `bash` and server stand-ins and an
 * nginx page, then each name's command and exposed ports (umoci).
 */
function pushNotesImages(dir: string, r: Registry): void {
  mkdirSync(dir);
  const base = busyboxArchive(dir, 'docker.io/library/base:latest');
  const layout = join(dir, 'layout');
  execFileSync('skopeo', ['copy', '-q', `oci-archive:${base}`, `oci:${layout}:base`]);
  const extra = join(dir, 'extra');
  for (const d of ['bin', 'usr/local/bin', 'usr/share/nginx/html']) mkdirSync(join(extra, d), { recursive: true });
  writeFileSync(join(extra, 'bin/bash'), '#!/bin/sh\n# a stand-in for bash: busybox sh\nexec /bin/sh "$@"\n', { mode: 0o755 });
  writeFileSync(join(extra, 'usr/local/bin/serve'), [
    '#!/bin/sh',
    '# a stand-in for the notes\' servers (mysql, wordpress, nginx, a node app): up, then running until stopped',
    'echo "server ready"',
    "trap 'exit 0' TERM INT",
    'while :; do sleep 1 & wait $!; done',
    '',
  ].join('\n'), { mode: 0o755 });
  writeFileSync(join(extra, 'usr/share/nginx/html/index.html'), '<h1>Welcome to nginx!</h1>\n');
  execFileSync('tar', ['--owner=0', '--group=0', '--numeric-owner', '-C', extra, '-cf', join(dir, 'extra.tar'), '.']);
  execFileSync('umoci', ['raw', 'add-layer', '--image', `${layout}:base`, join(dir, 'extra.tar')]);
  for (const [name, image] of Object.entries(IMAGES)) {
    const tag = name.replace(/[:.]/g, '-');
    const cmd = image.kind === 'shell' ? '/bin/bash' : '/usr/local/bin/serve';
    const ports = (image.ports ?? []).flatMap((p) => ['--config.exposedports', p]);
    execFileSync('umoci', ['config', '--image', `${layout}:base`, '--tag', tag, '--config.cmd', cmd, ...ports]);
    skopeoPush(`oci:${layout}:${tag}`, `${r.host}/library/${name}`);
  }
}

interface Outcome { status: number | null; output: string; stderr: string }

/**
 * How a line is typed at a terminal, or null when it needs none: the output to wait for
 * (`ready`), the keys that end it, and whether it ends at once (`exec -it`, a stream) or stays
 * open like the notes' first terminal (`run -it`: a later `exec -it` in "terminal 2" needs the
 * container running; it is ended at the end of the replay).
 */
function terminalNeeds(command: string): { ready: RegExp; keys: string; stays: boolean } | null {
  const words = command.replace(/^sudo /, '').split(/\s+/);
  let sub = words[1];
  if (sub === 'container') sub = words[2];
  const short = words.filter((w) => /^-[a-zA-Z]+$/.test(w)).join('');
  const tty = short.includes('t') || words.includes('--tty');
  const detach = short.includes('d') || words.includes('--detach');
  const prompt = /[#$] $/;
  if (sub === 'exec' && tty) return { ready: prompt, keys: 'exit\r', stays: false };
  if (sub === 'run' && tty && !detach) {
    const last = words[words.length - 1];
    const image = IMAGES[last] ?? IMAGES[`${last}:latest`]; // the image's own command, not one typed after it
    // A server in the foreground: Ctrl-C (the terminal sends SIGINT); a shell: exit.
    return image?.kind === 'server' ? { ready: /server ready/, keys: '\x03', stays: true } : { ready: prompt, keys: 'exit\r', stays: true };
  }
  if (sub === 'stats' && !words.includes('--no-stream')) return { ready: /CONTAINER ID/, keys: '\x03', stays: false };
  if (sub === 'logs' && (words.includes('-f') || words.includes('--follow'))) return { ready: /server ready/, keys: '\x03', stays: false };
  return null;
}

/** A line run by sh in a pseudo-terminal (script(1)): `ready` once the output matches, then `type`. */
interface Terminal { ready: Promise<boolean>; type(keys: string): void; kill(): void; closed: Promise<Outcome> }

function inTerminal(line: string, ready: RegExp): Terminal {
  const child = spawn('script', ['-qfec', line, '/dev/null'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  let stderr = '';
  let shown = false;
  let onReady: (ok: boolean) => void = () => undefined;
  const readyP = new Promise<boolean>((r) => { onReady = r; });
  const timer = setTimeout(() => { if (!shown) child.kill('SIGKILL'); }, 30_000);
  child.stdout.on('data', (d: Buffer) => {
    output += d.toString();
    if (!shown && ready.test(output.replace(/\x1b\[[0-9;?]*[a-zA-Z]/g, ''))) {
      shown = true;
      clearTimeout(timer);
      onReady(true);
    }
  });
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  const closed = new Promise<Outcome>((resolve) => {
    child.on('close', (status) => {
      clearTimeout(timer);
      onReady(false);
      resolve({ status: shown ? status : null, output, stderr: shown ? stderr : `${stderr}${output}(never showed ${ready} within 30 s)` });
    });
  });
  return {
    ready: readyP,
    type: (keys) => child.stdin.write(keys),
    kill: () => child.kill('SIGKILL'),
    closed: closed.then(async (o) => { child.stdin.destroy(); return o; }),
  };
}

/** Type `keys` and wait for the end (at most 30 s: then it is killed and fails). */
async function end(t: Terminal, keys: string): Promise<Outcome> {
  t.type(keys);
  let killed = false;
  const killer = setTimeout(() => { killed = true; t.kill(); }, 30_000); // a stuck line fails instead of hanging
  const o = await t.closed;
  clearTimeout(killer);
  return killed ? { ...o, status: null, stderr: `${o.stderr}(did not end within 30 s of its keys)` } : o;
}

function inShell(line: string): Outcome {
  const r = spawnSync('sh', ['-c', line], { env, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, output: r.stdout, stderr: r.stderr };
}

/** The shortest prefix (at least `min` characters) of `id` that no other container's id starts with. */
function uniquePrefix(id: string, min: number): string {
  const others = containerIds(root).filter((x) => x !== id);
  for (let n = min; n < id.length; n++) if (!others.some((x) => x.startsWith(id.slice(0, n)))) return id.slice(0, n);
  return id;
}

describe('the study notes, line by line', () => {
  it('every docker command line runs as typed, in order', async () => {
    const all = noteCommands(NOTES);
    const templates = all.filter((c) => c.template);
    const lines: NoteCommand[] = [];
    for (const c of all.filter((x) => !x.template)) {
      for (const p of PROSE_STEPS.filter((s) => s.before === c.where)) lines.push({ where: p.where, command: p.command });
      lines.push(c);
    }
    expect(lines.length).toBeGreaterThan(50); // the notes have not gone missing
    const ran = new Map<string, Outcome>();
    const idOf = (where: string) => ran.get(where)!.output.trim().split('\n').pop()!;
    const nameOf = (id: string) => m('inspect', '-f', '{{.Name}}', id).stdout.trim().replace(/^\//, '');
    /** What is the learner's machine's and not the notes': host paths, and names/ids from the notes' output. */
    const swap = (c: NoteCommand): string => {
      let line = c.command.replace(/(^|[\s=])(\/home\/wordpress_db|\/root\/html)/g, (_, pre, p) => pre + join(work, p));
      if (c.where === '004:99') line = line.replace('id=2c6c', `id=${uniquePrefix(idOf('004:65'), 4)}`);
      if (c.where === '004:270') line = line.replace('inspiring_goldberg', nameOf(idOf('004:65')));
      if (c.where === '004:277') line = line.replace('stop 7df', `stop ${uniquePrefix(idOf('004:119'), 3)}`);
      return line;
    };
    const failures: string[] = [];
    const judge = (where: string, line: string, r: Outcome, byCtrlC: boolean) => {
      ran.set(where, r);
      // A stream or a server ended with Ctrl-C ends as the learner's does: by SIGINT (130) or cleanly.
      if (r.status === 0 || (byCtrlC && r.status === 130)) return;
      failures.push(`${where}: ${line}\n  exit ${r.status}: ${(r.stderr || r.output).trim().split('\n').slice(-3).join('\n  ')}`);
    };
    const open: Array<{ where: string; line: string; t: Terminal; keys: string }> = [];
    for (const c of lines) {
      const line = swap(c);
      const need = terminalNeeds(line);
      if (!need) {
        judge(c.where, line, inShell(line), false);
        continue;
      }
      const t = inTerminal(line, need.ready);
      if (!(await t.ready)) judge(c.where, line, await t.closed, false);
      else if (need.stays) open.push({ where: c.where, line, t, keys: need.keys });
      else judge(c.where, line, await end(t, need.keys), need.keys === '\x03');
    }
    // The terminals the notes left open: now `exit` (or Ctrl-C for a server in the foreground).
    for (const o of open) judge(o.where, o.line, await end(o.t, o.keys), o.keys === '\x03');
    console.log(`notes replay: ${lines.length} lines ran, ${templates.length} templates not run:\n${templates.map((c) => `  ${c.where}: ${c.command}`).join('\n')}`);
    expect(failures).toEqual([]);

    // A few things the notes show of their output
    expect(ran.get('000:64')!.output).toMatch(/^my-centos +0\.1 /m);
    expect(ran.get('000:64')!.output).toMatch(/^my-ubuntu +0\.1 /m);
    expect(ran.get('002:132')!.output).toContain('6060/tcp -> 0.0.0.0:6060');
    expect(ran.get('004:126')!.output).toContain('0.0.0.0:8080->80/tcp');
    expect(ran.get('004:99')!.output.trim().split('\n')).toHaveLength(2); // the header and that container
    expect(ran.get('004:313')!.output.trim().split('\n')).toHaveLength(4); // rm: the four nginx containers
    const volume = JSON.parse(m('volume', 'inspect', 'nginx-volume').stdout)[0].Mountpoint as string;
    expect(execFileSync('ls', [volume]).toString()).toBe('index.html\n'); // copy-up, as the notes' `ls …/_data/` shows
  }, 300_000);
});
