/**
 * `mini-run build`: the notes' flow (`docker build -t web:v1 .` with FROM/RUN/COPY/EXPOSE/CMD,
 * then `run -d -p`), what the image holds (config, history, files, .dockerignore, ARG/ENV
 * scoping), and failures that must leave nothing: a failing RUN, a Dockerfile error with its
 * file:line, a COPY source that is missing — no container, mount, cgroup or extra image left.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { containerIds, leaksFor, mr, removeAllContainers, removeRoot, tempRoot, until } from '../helpers/cli';
import { leasesOf, sh } from '../helpers/network';
import { freePort } from '../fixtures/registry';

let root: string;
let work: string;
const m = (...args: string[]) => mr(root, args, { timeout: 120_000 });
const imageIds = () => m('images', '-q').stdout.trim().split('\n').filter(Boolean).sort();

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

  it('Dockerfile errors name file:line, exit 1, and store nothing', () => {
    const before = imageIds();
    const cases: Array<[string, RegExp]> = [
      ['FROM mini-run/busybox\nRUN true\nFROBNICATE x\n', /Dockerfile:3: unknown instruction: FROBNICATE/],
      ['RUN true\n', /Dockerfile:1: no build stage in current context/],
      ['FROM mini-run/busybox\nCOPY missing.txt /x\n', /Dockerfile:2: COPY failed: file not found in build context.*missing\.txt/],
      ['FROM mini-run/busybox\nSHELL /bin/bash -c\n', /Dockerfile:2: SHELL requires the arguments to be in JSON form/],
    ];
    for (const [text, err] of cases) {
      const r = mr(root, ['build', context({ Dockerfile: text })], { timeout: 120_000 });
      expect(r.stderr).toMatch(err);
      expect(r.status).toBe(1);
    }
    expect(imageIds()).toEqual(before);
    expect(containerIds(root)).toEqual([]);
  });

  it('build - reads the Dockerfile from stdin (no context); image build is the same command', () => {
    const r = mr(root, ['image', 'build', '-t', 'fromstdin', '-'], { input: 'FROM mini-run/busybox\nENV FROM_STDIN=yes\n', timeout: 120_000 });
    expect(r.status).toBe(0);
    expect(m('run', '--rm', '--network', 'none', 'fromstdin', 'sh', '-c', 'echo $FROM_STDIN').stdout).toBe('yes\n');
    expect(m('rmi', 'fromstdin').status).toBe(0);
  });
});
