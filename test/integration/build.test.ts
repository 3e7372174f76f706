/**
 * `mini-run build`: the notes' flow (`docker build -t web:v1 .` with FROM/RUN/COPY/EXPOSE/CMD,
 * then `run -d -p`), what the image holds (config, history, files, .dockerignore, ARG/ENV
 * scoping), and failures that must leave nothing: a failing RUN, a Dockerfile error with its
 * file:line, a COPY source that is missing, Ctrl-C half-way — no container, mount, cgroup or
 * extra image left.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { BIN, containerIds, leaksFor, mr, removeAllContainers, removeRoot, tempRoot, until } from '../helpers/cli';
import { leasesOf, sh } from '../helpers/network';
import { freePort } from '../fixtures/registry';

let root: string;
let work: string;
const m = (...args: string[]) => mr(root, args, { timeout: 120_000 });
const imageIds = () => m('images', '-q').stdout.trim().split('\n').filter(Boolean).sort();
const list = (dir: string) => (existsSync(dir) ? readdirSync(dir).sort() : []);
/** What the store holds besides image records: unpacked layers and build-cache entries. */
const storeFiles = () => ({ layers: list(join(root, 'layers')).filter((n) => n !== 'l'), cache: list(join(root, 'build-cache')) });
const build = (ctx: string, ...args: string[]) => mr(root, ['build', '--network', 'none', ...args, ctx], { timeout: 120_000 });

function context(files: Record<string, string>): string {
  const dir = mkdtempSync(join(work, 'ctx-'));
  for (const [name, body] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), body);
  }
  return dir;
}


beforeAll(() => {
  root = tempRoot('build');
  work = mkdtempSync('/tmp/mr-test-buildctx-');
  expect(m('run', '--rm', '--network', 'none', 'mini-run/busybox', 'true').status).toBe(0); // the base image
});

afterAll(() => {
  expect(removeAllContainers(root)).toEqual([]);
  expect(leasesOf(root)).toEqual([]);
  rmSync(work, { recursive: true, force: true });
  removeRoot(root);
});

describe('mini-run build', () => {
  it("the notes' flow: build -t web:v1 . (FROM/RUN/COPY/EXPOSE/CMD), then run -d -p serves the copied page", async () => {
    const ctx = context({
      Dockerfile: [
        '# syntax=docker/dockerfile:1',
        'FROM mini-run/busybox',
        'COPY index.html /www/',
        'RUN echo "built by RUN" > /www/built.txt',
        'EXPOSE 80',
        'CMD ["httpd", "-f", "-p", "80", "-h", "/www"]',
      ].join('\n'),
      'index.html': '<h1>web v1</h1>\n',
    });
    const before = imageIds();
    const r = mr(root, ['build', '-t', 'web:v1', ctx], { timeout: 120_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^Step 1\/5 : FROM mini-run\/busybox\n ---> [0-9a-f]{12}\nStep 2\/5 : COPY index.html \/www\//);
    expect(r.stdout).toMatch(/Step 3\/5 : RUN echo "built by RUN" > \/www\/built.txt\n ---> Running in [0-9a-f]{12}\nRemoving intermediate container [0-9a-f]{12}\n ---> [0-9a-f]{12}\n/);
    expect(r.stdout).toMatch(/\nSuccessfully built [0-9a-f]{12}\nSuccessfully tagged web:v1\n$/);
    // one new image: the intermediate ones are gone, no container is left
    expect(imageIds().length).toBe(before.length + 1);
    expect(containerIds(root)).toEqual([]);
    expect(m('image', 'inspect', '-f', '{{json .Config.Cmd}} {{json .Config.ExposedPorts}}', 'web:v1').stdout.trim())
      .toBe('["httpd","-f","-p","80","-h","/www"] {"80/tcp":{}}');
    const history = m('history', '--no-trunc', '--format', '{{.CreatedBy}}', 'web:v1').stdout;
    expect(history).toContain('/bin/sh -c echo "built by RUN" > /www/built.txt');
    expect(history).toMatch(/#\(nop\) +CMD \["httpd","-f","-p","80","-h","\/www"\]/);

    const port = await freePort();
    expect(m('run', '-d', '--name', 'web', '-p', `${port}:80`, 'web:v1').status).toBe(0);
    let body = '';
    await until(() => (body = sh(`timeout 10 busybox wget -qO- http://127.0.0.1:${port}/`).stdout) !== '', 20_000);
    expect(body).toBe('<h1>web v1</h1>\n');
    expect(sh(`timeout 10 busybox wget -qO- http://127.0.0.1:${port}/built.txt`).stdout).toBe('built by RUN\n');
    expect(m('rm', '-f', 'web').status).toBe(0);
    expect(leaksFor(root)).toEqual([]);
  });

  it('ENV/ARG scoping, WORKDIR, --build-arg, .dockerignore, --chown, LABEL/USER/ENTRYPOINT in the config; ARG values not kept', () => {
    const ctx = context({
      Dockerfile: [
        'ARG BASE=mini-run/busybox',
        'FROM ${BASE}',
        'ARG WHO=nobody',
        'ENV A=1 \\',
        '    # a comment line inside a continuation is dropped',
        '    B=two',
        'ENV C=${A}-$B D=${UNSET:-fallback} E=${A:+set}',
        'workdir /app',
        'WORKDIR sub',
        'COPY --chown=65534:65534 files/ ./',
        'RUN echo "$WHO $A $C $D $E $(pwd)" > /app/sub/out.txt',
        'LABEL org.example.k="v 1"',
        'USER 65534',
        'ENTRYPOINT ["cat"]',
        'CMD ["/app/sub/out.txt"]',
      ].join('\n'),
      'files/keep.txt': 'keep\n',
      'files/secret.key': 'no\n',
      '.dockerignore': '# ignore keys\n**/*.key\n',
    });
    const r = mr(root, ['build', '-q', '-t', 'scoped', '--build-arg', 'WHO=me', ctx], { timeout: 120_000 });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^sha256:[0-9a-f]{64}\n$/);
    const run = m('run', '--rm', '--network', 'none', 'scoped');
    expect(run.stdout).toBe('me 1 1-two fallback set /app/sub\n');
    const ls = m('run', '--rm', '--network', 'none', '--entrypoint', 'ls', 'scoped', '-ln', '/app/sub');
    expect(ls.stdout).toMatch(/65534 +65534 .* keep.txt/);
    expect(ls.stdout).not.toContain('secret.key');
    const cfg = JSON.parse(m('image', 'inspect', '-f', '{{json .Config}}', 'scoped').stdout);
    expect(cfg.Env).toEqual(expect.arrayContaining(['A=1', 'B=two', 'C=1-two', 'D=fallback', 'E=set']));
    expect(cfg.Env.join(' ')).not.toContain('WHO');
    expect(cfg.WorkingDir).toBe('/app/sub');
    expect(cfg.User).toBe('65534');
    expect(cfg.Labels).toEqual({ 'org.example.k': 'v 1' });
    expect(cfg.Entrypoint).toEqual(['cat']);
    expect(m('rmi', 'scoped').status).toBe(0);
  });

  it('a failing RUN ends the build with its exit code and the command named; nothing is left', () => {
    const before = imageIds();
    const ctx = context({ Dockerfile: 'FROM mini-run/busybox\nRUN echo partial > /f\nRUN exit 3\nCMD ["true"]\n' });
    const r = mr(root, ['build', '-t', 'broken', ctx], { timeout: 120_000 });
    expect(r.status).toBe(3);
    expect(r.stderr).toContain("The command '/bin/sh -c exit 3' returned a non-zero code: 3");
    expect(r.stdout).not.toContain('Successfully');
    expect(imageIds()).toEqual(before);
    expect(containerIds(root)).toEqual([]);
    expect(leaksFor(root)).toEqual([]);
  });

  it('Ctrl-C in the middle of a RUN (SIGINT to build): the build stops at once with 130, no container, mount, cgroup or image left, the finished steps still cached', async () => {
    const before = imageIds();
    const ctx = context({ Dockerfile: 'FROM mini-run/busybox\nRUN echo first > /first\nRUN sleep 120\nCMD ["true"]\n' });
    const child = spawn(process.execPath, [BIN, '--root', root, 'build', '--network', 'none', '-t', 'interrupted', ctx], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { err += d; });
    const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
    // the sleep's container is running: its step was announced and its container made
    await until(() => /Step 3\/4 : RUN sleep 120\n ---> Running in [0-9a-f]{12}\n/.test(out), 60_000);
    await until(() => containerIds(root).length === 1 && m('ps', '-q').stdout.trim() !== '', 30_000);
    const sent = Date.now();
    child.kill('SIGINT');
    const code = await exited;
    expect(Date.now() - sent).toBeLessThan(20_000); // not the 120 s of the sleep
    expect(code).toBe(130);
    expect(err.trim()).toBe('mini-run: build cancelled by SIGINT at step 3/4: nothing of it was tagged (finished steps stay in the cache)');
    expect(out).not.toContain('Successfully');
    expect(imageIds()).toEqual(before);
    expect(containerIds(root)).toEqual([]);
    expect(leaksFor(root)).toEqual([]);
    // the step before the interrupted one is still in the cache
    const again = context({ Dockerfile: 'FROM mini-run/busybox\nRUN echo first > /first\n' });
    const r = build(again, '-t', 'after-interrupt');
    expect(r.stdout).toMatch(/Step 2\/2 : RUN echo first > \/first\n ---> Using cache\n/);
    expect(r.status).toBe(0);
    expect(m('rmi', 'after-interrupt').status).toBe(0);
  });

  it('Dockerfile errors name file:line, exit 1, and store nothing', () => {
    const before = imageIds();
    const cases: Array<[string, RegExp]> = [
      ['FROM mini-run/busybox\nRUN true\nFROBNICATE x\n', /Dockerfile:3: unknown instruction: FROBNICATE/],
      ['RUN true\n', /Dockerfile:1: no build stage in current context/],
      ['FROM mini-run/busybox\nCOPY missing.txt /x\n', /Dockerfile:2: COPY failed: file not found in build context.*missing\.txt/],
      ['FROM mini-run/busybox\nSHELL /bin/bash -c\n', /Dockerfile:2: SHELL requires the arguments to be in JSON form/],
      ['FROM mini-run/busybox\nCOPY --chwon=1:1 Dockerfile /x\n', /Dockerfile:2: unknown flag for COPY: --chwon/],
      ['FROM mini-run/busybox\nENV S=SIGNOPE\nSTOPSIGNAL $S\n', /Dockerfile:3: Invalid signal: SIGNOPE/],
    ];
    for (const [text, err] of cases) {
      const r = mr(root, ['build', context({ Dockerfile: text })], { timeout: 120_000 });
      expect(r.stderr).toMatch(err);
      expect(r.status).toBe(1);
    }
    expect(imageIds()).toEqual(before);
    expect(containerIds(root)).toEqual([]);
  });

  it('a context symlink cannot make COPY read a host file outside the context (CWE-59, link following)', () => {
    const secret = join(work, 'host-secret');
    writeFileSync(secret, 'host only\n');
    const ctx = context({ 'inside/ok.txt': 'ok\n' });
    symlinkSync(work, join(ctx, 'abs'));            // absolute: starts again at the context's top
    symlinkSync('../..', join(ctx, 'inside', 'up')); // relative: stops at the context's top
    for (const src of ['abs/host-secret', 'inside/up/host-secret', 'inside/up/up/host-secret']) {
      writeFileSync(join(ctx, 'Dockerfile'), `FROM mini-run/busybox\nCOPY ${src} /stolen\n`);
      const r = build(ctx, '-t', 'stolen');
      expect(r.stderr).toContain(`Dockerfile:2: COPY failed: file not found in build context or excluded by .dockerignore: stat ${src}`);
      expect(r.status).toBe(1);
    }
    // a link inside the context is followed inside it
    symlinkSync('inside', join(ctx, 'alias'));
    writeFileSync(join(ctx, 'Dockerfile'), 'FROM mini-run/busybox\nCOPY alias/ok.txt /ok.txt\n');
    expect(build(ctx, '-t', 'stolen').status).toBe(0);
    expect(m('run', '--rm', '--network', 'none', 'stolen', 'cat', '/ok.txt').stdout).toBe('ok\n');
    expect(m('rmi', 'stolen').status).toBe(0);
  });

  it('build - reads the Dockerfile from stdin (no context); image build is the same command', () => {
    const r = mr(root, ['image', 'build', '-t', 'fromstdin', '-'], { input: 'FROM mini-run/busybox\nENV FROM_STDIN=yes\n', timeout: 120_000 });
    expect(r.status).toBe(0);
    expect(m('run', '--rm', '--network', 'none', 'fromstdin', 'sh', '-c', 'echo $FROM_STDIN').stdout).toBe('yes\n');
    expect(m('rmi', 'fromstdin').status).toBe(0);
  });

  it('a rebuild reuses each step (---> Using cache) and gives the same image id; a changed file reruns from its COPY; times alone change nothing; --no-cache runs every step', () => {
    const ctx = context({
      Dockerfile: [
        'FROM mini-run/busybox',
        'ENV STAGE=cache',
        'COPY app.txt /app/',
        'RUN cat /proc/sys/kernel/random/uuid > /app/run-id',
        'CMD ["cat", "/app/run-id"]',
      ].join('\n'),
      'app.txt': 'v1\n',
    });
    const first = build(ctx, '-t', 'cached');
    expect(first.status).toBe(0);
    expect(first.stdout).not.toContain('Using cache');
    const runId = m('run', '--rm', '--network', 'none', 'cached').stdout;
    const again = build(ctx, '-t', 'cached');
    expect(again.status).toBe(0);
    // every step after FROM says so, nothing runs, and the image is the same one
    expect(again.stdout.match(/ ---> Using cache\n/g)?.length).toBe(4);
    expect(again.stdout).not.toContain('Running in');
    expect(again.stdout.match(/Successfully built ([0-9a-f]{12})/)![1]).toBe(first.stdout.match(/Successfully built ([0-9a-f]{12})/)![1]);
    // a new modification time with the same content: still cached (Docker's checksum leaves times out)
    utimesSync(join(ctx, 'app.txt'), new Date(2001, 1, 1), new Date(2001, 1, 1));
    expect(build(ctx, '-t', 'cached').stdout.match(/ ---> Using cache\n/g)?.length).toBe(4);
    // new content: ENV still cached, COPY and everything after it run again
    writeFileSync(join(ctx, 'app.txt'), 'v2\n');
    const changed = build(ctx, '-t', 'cached');
    expect(changed.stdout).toMatch(/Step 2\/5 : ENV STAGE=cache\n ---> Using cache\n/);
    expect(changed.stdout).toMatch(/Step 3\/5 : COPY app.txt \/app\/\n ---> [0-9a-f]{12}\n/);
    expect(changed.stdout).toMatch(/Step 4\/5 : RUN .*\n ---> Running in /);
    expect(m('run', '--rm', '--network', 'none', '--entrypoint', 'cat', 'cached', '/app/app.txt').stdout).toBe('v2\n');
    const noCache = build(ctx, '--no-cache', '-t', 'cached');
    expect(noCache.status).toBe(0);
    expect(noCache.stdout).not.toContain('Using cache');
    expect(noCache.stdout).toContain('Running in');
    expect(m('run', '--rm', '--network', 'none', 'cached').stdout).not.toBe(runId);
    expect(m('rmi', 'cached').status).toBe(0);
    expect(m('image', 'prune', '-f').status).toBe(0); // the earlier builds' images, untagged by the later ones
    expect(containerIds(root)).toEqual([]);
  });

  it('the cache survives a failed build (the steps before the failure are reused), and image prune removes what leads to no image; rmi removes the cache of an image', () => {
    expect(m('image', 'prune', '-f').status).toBe(0); // what earlier tests' failed builds cached
    const before = storeFiles();
    const beforeImages = imageIds();
    const ctx = context({ Dockerfile: 'FROM mini-run/busybox\nRUN echo step > /step\nRUN exit 4\n' });
    expect(build(ctx).status).toBe(4);
    const retry = build(ctx);
    expect(retry.status).toBe(4);
    expect(retry.stdout).toMatch(/Step 2\/3 : RUN echo step > \/step\n ---> Using cache\n/);
    expect(imageIds()).toEqual(beforeImages);
    expect(m('image', 'prune', '-f').status).toBe(0);
    expect(storeFiles()).toEqual(before);
    expect(build(ctx).stdout).not.toContain('Using cache');
    expect(m('image', 'prune', '-f').status).toBe(0);

    const ok = context({ Dockerfile: 'FROM mini-run/busybox\nRUN echo kept > /kept\nCOPY Dockerfile /\n' });
    expect(build(ok, '-t', 'rmi-me').status).toBe(0);
    expect(build(ok, '-t', 'rmi-me').stdout).toContain('Using cache');
    expect(m('rmi', 'rmi-me').status).toBe(0);
    expect(storeFiles()).toEqual(before);
    expect(build(ok, '-t', 'rmi-me').stdout).not.toContain('Using cache');
    expect(m('rmi', 'rmi-me').status).toBe(0);
    expect(storeFiles()).toEqual(before);
  });

  it('multi-stage: COPY --from a stage by name and by index, FROM an earlier stage, --target; stages the target does not need are skipped', () => {
    const ctx = context({
      Dockerfile: [
        'FROM mini-run/busybox AS builder',
        'WORKDIR /src',
        'RUN echo compiled > app && mkdir -p out/lib && echo lib > out/lib/x.so',
        'FROM mini-run/busybox AS broken',
        'RUN exit 9',
        'FROM builder AS tested',
        'RUN test -f /src/app',
        'FROM mini-run/busybox',
        'COPY --from=builder /src/app /usr/local/bin/',
        'COPY --from=0 /src/out /opt/',
        'COPY --from=mini-run/busybox /bin/busybox /copied-busybox',
        'CMD ["cat", "/usr/local/bin/app", "/opt/lib/x.so"]',
      ].join('\n'),
    });
    const r = build(ctx, '-t', 'multi');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).not.toContain('exit 9');
    expect(r.stdout).not.toContain('test -f');
    expect(m('run', '--rm', '--network', 'none', 'multi').stdout).toBe('compiled\nlib\n');
    expect(m('run', '--rm', '--network', 'none', 'multi', 'ls', '-l', '/copied-busybox').stdout).toMatch(/^-rwx/);
    // the final image has only its own stage's layers: no /src
    expect(m('run', '--rm', '--network', 'none', 'multi', 'ls', '/src').status).not.toBe(0);
    const target = build(ctx, '--target', 'tested', '-t', 'multi-tested');
    expect(target.status).toBe(0);
    expect(target.stdout).toContain('RUN test -f /src/app');
    expect(target.stdout).not.toContain('COPY --from');
    expect(m('run', '--rm', '--network', 'none', 'multi-tested', 'pwd').stdout).toBe('/src\n');
    const missing = build(ctx, '--target', 'nope');
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('failed to reach build target nope');
    expect(m('rmi', 'multi', 'multi-tested').status).toBe(0);
    expect(containerIds(root)).toEqual([]);
  });

  it('ADD fetches a URL (mode 0600) and unpacks a local tar; an unreachable URL is one line, exit 1', async () => {
    const tarDir = mkdtempSync(join(work, 'tar-'));
    mkdirSync(join(tarDir, 'pkg'));
    writeFileSync(join(tarDir, 'pkg', 'inside.txt'), 'from the tar\n');
    const ctx = context({});
    expect(sh(`tar -czf ${ctx}/pkg.tar.gz -C ${tarDir} pkg`).status).toBe(0);
    // a real HTTP server in its own process (this test process blocks while mini-run runs)
    const www = mkdtempSync(join(work, 'www-'));
    mkdirSync(join(www, 'files'));
    writeFileSync(join(www, 'files', 'notes.txt'), 'served\n');
    utimesSync(join(www, 'files', 'notes.txt'), 1445412480, 1445412480); // its Last-Modified: 2015-10-21 07:28:00 GMT
    const port = await freePort();
    const httpd = spawn('busybox', ['httpd', '-f', '-p', `127.0.0.1:${port}`, '-h', www], { stdio: 'ignore' });
    try {
      await until(() => sh(`timeout 5 busybox wget -qO- http://127.0.0.1:${port}/files/notes.txt`).stdout === 'served\n', 10_000);
      writeFileSync(join(ctx, 'Dockerfile'), `FROM mini-run/busybox\nADD http://127.0.0.1:${port}/files/notes.txt /dl/\nADD pkg.tar.gz /x/\n`);
      const r = mr(root, ['build', '--network', 'none', '-t', 'adds', ctx], { timeout: 120_000 });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(m('run', '--rm', '--network', 'none', 'adds', 'sh', '-c', 'cat /dl/notes.txt /x/pkg/inside.txt; stat -c "%a %Y" /dl/notes.txt').stdout)
        .toBe('served\nfrom the tar\n600 1445412480\n');
      writeFileSync(join(ctx, 'Dockerfile'), `FROM mini-run/busybox\nADD http://127.0.0.1:${port}/missing.txt /dl/\n`);
      const missing = mr(root, ['build', ctx], { timeout: 120_000 });
      expect(missing.status).toBe(1);
      expect(missing.stderr.trim()).toBe(`mini-run: Dockerfile:2: ADD failed: failed to GET http://127.0.0.1:${port}/missing.txt with status 404 Not Found`);
    } finally {
      httpd.kill();
    }
    const closed = await freePort();
    writeFileSync(join(ctx, 'Dockerfile'), `FROM mini-run/busybox\nADD http://127.0.0.1:${closed}/x /x\n`);
    const refused = mr(root, ['build', ctx], { timeout: 120_000 });
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/^mini-run: Dockerfile:2: ADD failed: Get "http:\/\/127\.0\.0\.1:\d+\/x": .*ECONNREFUSED.*\n$/);
    expect(m('rmi', 'adds').status).toBe(0);
  });

  it('an image that lists the same layer twice runs (the same COPY repeated gives the same layer)', () => {
    const ctx = context({ Dockerfile: 'FROM mini-run/busybox\nCOPY d /d/\nRUN true\nCOPY d /d/\n', 'd/f': 'twice\n' });
    expect(build(ctx, '-t', 'twice').status).toBe(0);
    const layers = JSON.parse(m('image', 'inspect', '-f', '{{json .RootFS.Layers}}', 'twice').stdout) as string[];
    expect(new Set(layers).size).toBeLessThan(layers.length);
    expect(m('run', '--rm', '--network', 'none', 'twice', 'cat', '/d/f')).toMatchObject({ status: 0, stdout: 'twice\n' });
    expect(m('rmi', 'twice').status).toBe(0);
  });

  it('-q prints only the image id and hides RUN output; --iidfile writes the id', () => {
    const ctx = context({ Dockerfile: 'FROM mini-run/busybox\nRUN echo visible-output && echo to-stderr >&2\n' });
    const iid = join(work, 'iid');
    const r = build(ctx, '-q', '--no-cache', '--iidfile', iid);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^sha256:[0-9a-f]{64}\n$/);
    expect(r.stderr).toBe('');
    expect(readFileSync(iid, 'utf8')).toBe(r.stdout.trim());
    const plain = build(ctx, '--progress', 'plain');
    expect(plain.stdout).toContain('Step 2/2 : RUN echo visible-output');
    expect(m('rmi', r.stdout.trim()).status).toBe(0);
  });
});
