/**
 * The study notes, replayed: every docker command line in ../shared/notes runs as typed, in
 * the notes' order, with `docker` being mini-run (a `docker` on PATH that runs it, `sudo` as
 * root is itself) and a shell running each line, so `$(docker ps -q …)` and `| grep` work.
 * Then the same lines run with `docker` being the Docker client of the engine the suite starts
 * (test/helpers/engines.mjs), and what each line showed is compared (helpers/replay-compare.ts):
 * the only differences allowed are named there and explained in docs/compare.md. Without a
 * Docker engine that part is skipped with the reason printed.
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
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, containerIds, leaksFor, mr, networkBridges, processesMentioning, removeRoot, tempRoot } from '../helpers/cli';
import { busyboxArchive, skopeoPush, startRegistry, type Registry } from '../fixtures/registry';
import { noteCommands, type NoteCommand } from '../helpers/notes';
import { TOLERATED, inspectDifferences, see, type Side } from '../helpers/replay-compare';

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
let reg: Registry;
let dockerWhy = ''; // why Docker's replay does not run, or '' when a Docker engine answers
const m = (...args: string[]) => mr(root, args, { env: engineEnv('mini-run') });
const dk = (...args: string[]) => {
  const r = spawnSync('docker', args, { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
};

/** `docker` and `sudo` as the notes type them: `docker` is mini-run or the Docker client; sudo: the test runs as root. */
function engineEnv(engine: EngineName): NodeJS.ProcessEnv {
  const bin = join(work, engine, 'bin');
  return { ...process.env, PATH: `${bin}:${process.env.PATH}`, MINI_RUN_CONFIG: join(work, 'config.json'), SHELL: '/bin/sh', TERM: 'xterm' };
}

beforeAll(async () => {
  root = tempRoot('notes');
  work = tempRoot('notes-work');
  reg = await startRegistry();
  pushNotesImages(join(work, 'images'), reg);
  const dockerClient = spawnSync('sh', ['-c', 'command -v docker'], { encoding: 'utf8' }).stdout.trim();
  const info = dk('info', '--format', '{{.ServerVersion}}');
  dockerWhy = !dockerClient ? 'no docker client installed' : info.status !== 0 || !info.stdout.trim() ? `no Docker engine answers (${info.stderr.trim().split('\n').pop()})` : '';
  const run: Record<EngineName, string> = {
    'mini-run': `exec ${process.execPath} ${BIN} --root ${root} "$@"`,
    docker: `exec ${dockerClient} "$@"`,
  };
  for (const engine of ['mini-run', 'docker'] as const) {
    const bin = join(work, engine, 'bin');
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, 'docker'), `#!/bin/sh\n${run[engine]}\n`);
    writeFileSync(join(bin, 'sudo'), '#!/bin/sh\nexec "$@"\n');
    for (const f of ['docker', 'sudo']) chmodSync(join(bin, f), 0o755);
  }
  writeFileSync(join(work, 'config.json'), JSON.stringify({ 'registry-mirrors': [reg.url] }));
}, 120_000);

afterAll(async () => {
  cleanUpMiniRun();
  if (!dockerWhy) cleanUpDocker();
  expect(leaksFor(root)).toEqual([]);
  await reg?.stop();
  removeRoot(root);
  removeRoot(work);
});

/** mini-run's replay gone: containers, the notes' networks (and their bridges). */
function cleanUpMiniRun(): void {
  const ids = containerIds(root);
  const bridges = networkBridges(root);
  if (ids.length) m('rm', '-f', ...ids);
  for (const n of ['mybridge', 'my_custom_network']) m('network', 'rm', n);
  for (const b of bridges) expect(spawnSync('ip', ['link', 'show', 'dev', b]).status).not.toBe(0);
}

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

function inTerminal(line: string, ready: RegExp, env: NodeJS.ProcessEnv): Terminal {
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

/**
 * Type `keys` and wait for the end (at most 30 s: then it is killed and fails). `closeAfter`:
 * when it has not ended 5 s after the keys, close its terminal (Docker's client 28 does not end
 * `docker stats CONTAINER` on Ctrl-C: docker/cli#6090); `closed` then says so.
 */
async function end(t: Terminal, keys: string, closeAfter = false): Promise<Outcome & { closed?: boolean }> {
  t.type(keys);
  let closed = false;
  const closer = closeAfter ? setTimeout(() => { closed = true; t.kill(); }, 5_000) : undefined;
  let killed = false;
  const killer = setTimeout(() => { killed = true; t.kill(); }, 30_000); // a stuck line fails instead of hanging
  const o = await t.closed;
  clearTimeout(killer);
  clearTimeout(closer);
  if (closed) return { ...o, closed };
  return killed ? { ...o, status: null, stderr: `${o.stderr}(did not end within 30 s of its keys)` } : o;
}

function inShell(line: string, env: NodeJS.ProcessEnv): Outcome {
  const r = spawnSync('sh', ['-c', line], { env, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, output: r.stdout, stderr: r.stderr };
}

/** The shortest prefix (at least `min` characters) of `id` that no other id in `all` starts with. */
function uniquePrefix(id: string, all: string[], min: number): string {
  const others = all.filter((x) => x !== id);
  for (let n = min; n < id.length; n++) if (!others.some((x) => x.startsWith(id.slice(0, n)))) return id.slice(0, n);
  return id;
}

type EngineName = 'mini-run' | 'docker';

/** What the replay needs of an engine beyond the `docker` on its PATH. */
interface Engine {
  name: EngineName;
  /** every container id the engine holds (full) */
  containerIds(): string[];
  nameOf(id: string): string;
  /** the names of all its containers */
  names(): string[];
  /** the line as run in this engine (what is not the learner's machine swapped) */
  prepare(line: string): string;
}

const miniRun = (): Engine => ({
  name: 'mini-run',
  containerIds: () => containerIds(root),
  nameOf: (id) => m('inspect', '-f', '{{.Name}}', id).stdout.trim().replace(/^\//, ''),
  names: () => m('ps', '-a', '--format', '{{.Names}}').stdout.trim().split('\n').filter(Boolean),
  prepare: (line) => line,
});

/**
 * The Docker engine the suite starts has no registry mirror (its configuration is the suite's,
 * not this test's), so the test registry stands in for Docker Hub by hand: before a line that
 * runs an image Docker does not have yet, the image is pulled by its registry name, tagged with
 * the notes' name and the registry name dropped (what a mirror's pull leaves); `docker pull X`
 * pulls the registry's X the same way.
 */
function dockerEngine(): Engine {
  const fetched = new Set<string>();
  const fetch = (name: string) => {
    const full = name.includes(':') ? name : `${name}:latest`;
    if (fetched.has(full)) return;
    fetched.add(full);
    for (const args of [['pull', '-q', `${reg.host}/library/${full}`], ['tag', `${reg.host}/library/${full}`, full], ['rmi', `${reg.host}/library/${full}`]]) {
      const r = dk(...args);
      if (r.status !== 0) throw new Error(`docker ${args.join(' ')}: ${r.stderr.trim()}`);
    }
  };
  const imageOf = (line: string) => line.split(/\s+/).find((w) => IMAGES[w] || IMAGES[`${w}:latest`]);
  return {
    name: 'docker',
    containerIds: () => dk('ps', '-aq', '--no-trunc').stdout.trim().split('\n').filter(Boolean),
    nameOf: (id) => dk('inspect', '-f', '{{.Name}}', id).stdout.trim().replace(/^\//, ''),
    names: () => dk('ps', '-a', '--format', '{{.Names}}').stdout.trim().split('\n').filter(Boolean),
    prepare: (line) => {
      const pull = /^docker pull (\S+)$/.exec(line);
      if (pull) {
        const full = pull[1].includes(':') ? pull[1] : `${pull[1]}:latest`;
        fetched.add(full);
        return `docker pull ${reg.host}/library/${full} && docker tag ${reg.host}/library/${full} ${full} && docker rmi ${reg.host}/library/${full} >/dev/null`;
      }
      const image = /\bdocker run\b/.test(line) ? imageOf(line) : undefined;
      if (image) fetch(image);
      return line;
    },
  };
}

/** The Docker engine's objects before the replay: the suite shares the engine, and only the replay's are its own. */
interface DockerBefore { containers: Set<string>; volumes: Set<string>; networks: Set<string> }
let dockerBefore: DockerBefore | undefined;
const dockerList = (...args: string[]) => new Set(dk(...args).stdout.trim().split('\n').filter(Boolean));

/** The replay's objects in the Docker engine gone: containers, volumes, networks, the notes' images. */
function cleanUpDocker(): void {
  if (!dockerBefore) return;
  const before = dockerBefore;
  const mine = (set: Set<string>, now: Set<string>) => [...now].filter((x) => !set.has(x));
  const containers = mine(before.containers, dockerList('ps', '-aq', '--no-trunc'));
  if (containers.length) dk('rm', '-f', '-v', ...containers);
  const networks = mine(before.networks, dockerList('network', 'ls', '-q', '--no-trunc'));
  if (networks.length) dk('network', 'rm', ...networks);
  const volumes = mine(before.volumes, dockerList('volume', 'ls', '-q'));
  if (volumes.length) dk('volume', 'rm', ...volumes);
  const images = [...Object.keys(IMAGES), 'my-centos:0.1', 'my-ubuntu:0.1'].filter((i) => dk('image', 'inspect', i).status === 0);
  if (images.length) dk('rmi', ...images);
  expect(mine(before.containers, dockerList('ps', '-aq', '--no-trunc'))).toEqual([]);
  expect(mine(before.networks, dockerList('network', 'ls', '-q', '--no-trunc'))).toEqual([]);
  expect(mine(before.volumes, dockerList('volume', 'ls', '-q'))).toEqual([]);
  expect([...Object.keys(IMAGES), 'my-centos:0.1', 'my-ubuntu:0.1'].filter((i) => dk('image', 'inspect', i).status === 0)).toEqual([]);
  dockerBefore = undefined;
}

interface Replay {
  lines: NoteCommand[]; ran: Map<string, Outcome & { closed?: boolean }>; failures: string[]; templates: NoteCommand[];
  /** each line as run in the engine */
  typed: Map<string, string>;
  /** names the engine made up for containers the notes start without --name */
  generatedNames: string[];
  /** what the test typed in place of the notes' own names and ids */
  typedValues: string[];
}

/** Every docker command line of the notes, in order, in `engine`: what each printed and how it ended. */
async function replay(engine: Engine): Promise<Replay> {
  const env = engineEnv(engine.name);
  const all = noteCommands(NOTES);
  const templates = all.filter((c) => c.template);
  const lines: NoteCommand[] = [];
  for (const c of all.filter((x) => !x.template)) {
    for (const p of PROSE_STEPS.filter((s) => s.before === c.where)) lines.push({ where: p.where, command: p.command });
    lines.push(c);
  }
  const ran = new Map<string, Outcome & { closed?: boolean }>();
  const typedValues: string[] = [];
  const idOf = (where: string) => ran.get(where)!.output.trim().split('\n').pop()!;
  /** What is the learner's machine's and not the notes': host paths, and names/ids from the notes' output. */
  const swap = (c: NoteCommand): string => {
    let line = c.command.replace(/(^|[\s=])(\/home\/wordpress_db|\/root\/html)/g, (_, pre, p) => pre + join(work, engine.name, p));
    const put = (notes: string, here: string) => { typedValues.push(here); line = line.replace(notes, here); };
    if (c.where === '004:99') put('2c6c', uniquePrefix(idOf('004:65'), engine.containerIds(), 4));
    if (c.where === '004:270') put('inspiring_goldberg', engine.nameOf(idOf('004:65')));
    if (c.where === '004:277') put('7df', uniquePrefix(idOf('004:119'), engine.containerIds(), 3));
    return line;
  };
  const failures: string[] = [];
  const judge = (where: string, line: string, r: Outcome & { closed?: boolean }, byCtrlC: boolean) => {
    ran.set(where, r);
    // A stream or a server ended with Ctrl-C ends as the learner's does: by SIGINT (130) or cleanly.
    if (r.status === 0 || (byCtrlC && r.status === 130)) return;
    if (r.closed) return; // docker/cli#6090: its terminal closed
    if (engine.name === 'docker' && /^docker search /.test(line)) return; // no-docker-hub: judged with the comparison
    failures.push(`${engine.name} ${where}: ${line}\n  exit ${r.status}: ${(r.stderr || r.output).trim().split('\n').slice(-3).join('\n  ')}`);
  };
  const open: Array<{ where: string; line: string; t: Terminal; keys: string }> = [];
  const typed = new Map<string, string>();
  const notesText = all.map((c) => c.command).join('\n');
  const generatedNames = new Set<string>();
  const noteGeneratedNames = () => {
    for (const n of engine.names()) if (/^[a-z]+_[a-z]+$/.test(n) && !notesText.includes(n)) generatedNames.add(n);
  };
  for (const c of lines) {
    const line = engine.prepare(swap(c));
    typed.set(c.where, line);
    const need = terminalNeeds(line);
    if (!need) judge(c.where, line, inShell(line, env), false);
    else {
      const t = inTerminal(line, need.ready, env);
      if (!(await t.ready)) judge(c.where, line, await t.closed, false);
      else if (need.stays) open.push({ where: c.where, line, t, keys: need.keys });
      else {
        // docker/cli#6090: Docker's client 28 does not end `docker stats CONTAINER` on Ctrl-C
        const closeAfter = engine.name === 'docker' && / stats /.test(` ${line} `);
        judge(c.where, line, await end(t, need.keys, closeAfter), need.keys === '\x03');
      }
    }
    if (/\bdocker run\b/.test(line) && !/--name/.test(line)) noteGeneratedNames();
  }
  // The terminals the notes left open: now `exit` (or Ctrl-C for a server in the foreground).
  for (const o of open) judge(o.where, o.line, await end(o.t, o.keys), o.keys === '\x03');
  return { lines, ran, failures, templates, typed, generatedNames: [...generatedNames], typedValues };
}

describe('the study notes, line by line', () => {
  it('every docker command line runs as typed, in order, in mini-run and in the Docker engine, and both show the same', async () => {
    const mini = await replay(miniRun());
    const { lines, ran, templates } = mini;
    expect(lines.length).toBeGreaterThan(50); // the notes have not gone missing
    console.log(`notes replay: ${lines.length} lines ran, ${templates.length} templates not run:\n${templates.map((c) => `  ${c.where}: ${c.command}`).join('\n')}`);
    expect(mini.failures).toEqual([]);

    // A few things the notes show of their output
    expect(ran.get('000:64')!.output).toMatch(/^my-centos +0\.1 /m);
    expect(ran.get('000:64')!.output).toMatch(/^my-ubuntu +0\.1 /m);
    expect(ran.get('002:132')!.output).toContain('6060/tcp -> 0.0.0.0:6060');
    expect(ran.get('004:126')!.output).toContain('0.0.0.0:8080->80/tcp');
    expect(ran.get('004:99')!.output.trim().split('\n')).toHaveLength(2); // the header and that container
    expect(ran.get('004:313')!.output.trim().split('\n')).toHaveLength(4); // rm: the four nginx containers
    const volume = JSON.parse(m('volume', 'inspect', 'nginx-volume').stdout)[0].Mountpoint as string;
    expect(execFileSync('ls', [volume]).toString()).toBe('index.html\n'); // copy-up, as the notes' `ls …/_data/` shows
    cleanUpMiniRun(); // its ports (80, 6060, 8080…) are the ones Docker's replay publishes next

    if (dockerWhy) {
      console.log(`notes replay in the Docker engine skipped: ${dockerWhy}`);
      return;
    }
    dockerBefore = { containers: dockerList('ps', '-aq', '--no-trunc'), volumes: dockerList('volume', 'ls', '-q'), networks: dockerList('network', 'ls', '-q', '--no-trunc') };
    const dock = await replay(dockerEngine());
    expect(dock.failures).toEqual([]);
    // Docker's copy-up into a new named volume, as the notes' `ls …/_data/` shows
    const dockerVolume = dk('volume', 'inspect', '-f', '{{.Mountpoint}}', 'nginx-volume').stdout.trim();
    expect(execFileSync('ls', [dockerVolume]).toString()).toBe('index.html\n');

    // What the user sees, line by line: the same in both engines but for the named differences
    const imageNames = [...Object.keys(IMAGES), 'my-centos:0.1', 'my-ubuntu:0.1'];
    const sides = {
      mini: { engine: 'mini-run', stateRoot: root, registry: reg.host, generatedNames: mini.generatedNames, typedValues: mini.typedValues, imageNames, used: new Set() } as Side,
      docker: {
        engine: 'docker', stateRoot: dk('info', '-f', '{{.DockerRootDir}}').stdout.trim(), registry: reg.host, generatedNames: dock.generatedNames, typedValues: dock.typedValues, imageNames,
        before: { volumes: dockerBefore.volumes, containers: [...dockerBefore.containers] }, used: new Set(),
      } as Side,
    };
    const differences: string[] = [];
    for (const c of mini.lines) {
      const [a, b] = [mini.ran.get(c.where)!, dock.ran.get(c.where)!];
      const where = `${c.where}: ${mini.typed.get(c.where)}`;
      if (c.command === 'docker search nginx') {
        // no-docker-hub: Docker's search fails for want of Docker Hub, and only for that
        expect(b.status).toBe(1);
        expect(b.stderr).toMatch(/index\.docker\.io.*(no such host|dial tcp|timeout)/);
        expect(a.output).toMatch(/^nginx +.*\[OK\]$/m);
        sides.docker.used.add('no-docker-hub');
        continue;
      }
      if (b.closed) sides.docker.used.add('docker-cli-6090');
      else if (a.status !== b.status) differences.push(`${where}\n  exit status: mini-run ${a.status}, Docker ${b.status}`);
      if (/^\s*\[\s*\{/.test(a.output) && /^\s*\[\s*\{/.test(b.output)) {
        for (const d of inspectDifferences(a.output, b.output, sides)) differences.push(`${where}\n  ${d}`);
        continue;
      }
      for (const stream of ['output', 'stderr'] as const) {
        const x = see(c.command, a[stream], a.status, sides.mini).lines;
        const y = see(c.command, b[stream], b.status, sides.docker).lines;
        if (JSON.stringify(x) !== JSON.stringify(y)) differences.push(`${where}\n  ${stream}, mini-run:\n    ${x.join('\n    ')}\n  Docker:\n    ${y.join('\n    ')}`);
      }
    }
    const used = [...new Set([...sides.mini.used, ...sides.docker.used])].sort();
    console.log(`notes replay in both engines: ${mini.lines.length} lines compared; tolerated differences (docs/compare.md):\n${used.map((t) => `  ${t}: ${TOLERATED[t]}`).join('\n')}`);
    expect(differences).toEqual([]);
    // each tolerated difference is explained to users
    const doc = readFileSync(join(__dirname, '../../docs/compare.md'), 'utf8');
    expect(used.filter((t) => !doc.includes(`\`${t}\``))).toEqual([]);
    expect(processesMentioning('stats node-run')).toEqual([]); // the closed terminal's client is gone
  }, 600_000);
});
