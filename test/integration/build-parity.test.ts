/**
 * Issue 14, checked against Docker itself: a corpus of Dockerfiles (the study notes' own —
 * `docker build -t web:v1 .`, the CMD/ENTRYPOINT forms, an imported image given a CMD — and
 * the language's corners) built by the Docker engine the tests start (the classic builder,
 * DOCKER_BUILDKIT=0) and by `mini-run build`, from the same context and the same base image
 * (mini-run/busybox, saved by mini-run and loaded into Docker). The image configs and the
 * exported filesystems (path, type, mode, owner, size, link target) must be the same; the
 * differences that are Docker's own runtime files are named in RUNTIME_FILES.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { leaksFor, mr, removeRoot, tempRoot } from '../helpers/cli';

let root: string;
let work: string;
let docker = false;
const P = `mr-bp-${process.pid}`;
const dockerEnv = { ...process.env, DOCKER_BUILDKIT: '0' };
const dk = (args: string[]) => {
  const r = spawnSync('docker', args, { env: dockerEnv, encoding: 'utf8', timeout: 180_000, maxBuffer: 64 << 20 });
  return { status: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
};
const m = (...args: string[]) => mr(root, args, { timeout: 180_000 });

type Entry = string | { body: string; mode: number } | { link: string };
interface Case { name: string; files: Record<string, Entry>; args?: string[]; before?: (ctx: string) => void }

/** Files both engines add to every container (the runtime's, not the image's). */
const RUNTIME_FILES = /^(\.dockerenv|etc\/(hostname|hosts|resolv\.conf|mtab)|dev(\/.*)?|proc|sys)$/;

const CORPUS: Case[] = [
  {
    name: 'notes-web', // note 003: docker build -t web:v1 . then run -d -p
    files: {
      Dockerfile: [
        'FROM mini-run/busybox',
        'RUN mkdir -p /var/www && echo "<h1>notes</h1>" > /var/www/index.html',
        'COPY index.html /www/',
        'ADD extra.txt /www/',
        'ENV PORT=80',
        'EXPOSE 80',
        'VOLUME /data',
        'ENTRYPOINT ["httpd", "-f"]',
        'CMD ["-p", "80", "-h", "/www"]',
      ].join('\n'),
      'index.html': '<h1>web v1</h1>\n',
      'extra.txt': { body: 'extra\n', mode: 0o600 },
    },
  },
  {
    name: 'notes-cmd-forms', // note 003: shell form vs exec form, ENTRYPOINT then CMD
    files: {
      Dockerfile: [
        'FROM mini-run/busybox',
        'CMD "/usr/sbin/httpd -D FOREGROUND"',
        'ENTRYPOINT /bin/echo entry',
        'CMD ["sh","-c","httpd","-D","FOREGROUND"]',
      ].join('\n'),
    },
  },
  {
    name: 'language',
    args: ['--build-arg', 'WHO=me'],
    files: {
      Dockerfile: [
        '# escape=`',
        '# syntax=docker/dockerfile:1',
        'ARG BASE=mini-run/busybox',
        'FROM ${BASE}',
        'ARG WHO=nobody',
        'ARG UNUSED',
        'ENV A=1 `',
        '    # a comment line inside a continuation',
        '    B="two words"',
        'ENV C=${A}-$B D=${UNSET:-fallback} E=${A:+set} F=`$A',
        'ENV OLD legacy form value',
        'LABEL "com.example.vendor"="ACME" version=1.0 description="a \\"quoted\\" label"',
        'workdir /app',
        'WORKDIR sub',
        'RUN echo "$WHO $A $C $D $E" > out.txt',
        'USER 65534:65534',
        'EXPOSE 80 53/udp 8000-8001/tcp',
        'VOLUME ["/v1", "/v2"]',
        'VOLUME /v3 /v4',
        'STOPSIGNAL SIGTERM',
        'HEALTHCHECK --interval=30s --timeout=5s --retries=3 CMD wget -q -O- http://localhost/ || exit 1',
        'SHELL ["/bin/sh", "-ec"]',
        'ONBUILD RUN echo child',
        'MAINTAINER someone <someone@example.org>',
        'CMD echo hello',
      ].join('\n'),
    },
  },
  {
    name: 'copy-rules',
    before: (ctx) => {
      const t = join(ctx, 't');
      mkdirSync(join(t, 'pkg'), { recursive: true });
      writeFileSync(join(t, 'pkg', 'inside.txt'), 'in the tar\n');
      expect(spawnSync('tar', ['-C', t, '--owner=0', '--group=0', '-czf', join(ctx, 'pkg.tar.gz'), 'pkg']).status).toBe(0);
      expect(spawnSync('tar', ['-C', t, '--owner=0', '--group=0', '-cf', join(ctx, 'plain.tar'), 'pkg']).status).toBe(0);
      rmSync(t, { recursive: true });
      chmodSync(join(ctx, 'dir'), 0o750);
    },
    files: {
      Dockerfile: [
        'FROM mini-run/busybox',
        'COPY dir /copied/',
        'COPY dir/a.txt dir/b.txt /multi/',
        'COPY dir/*.txt /wild/',
        'COPY dir/a.txt /renamed.txt',
        'COPY --chown=65534:65534 dir /owned',
        'COPY --chown=nobody:65534 dir/a.txt /owned-by-name/',
        'COPY link.txt /links/',
        'COPY exec.sh /usr/local/bin/',
        'ADD pkg.tar.gz /unpacked/',
        'ADD plain.tar /unpacked-plain/',
        'COPY dir/sub /deep/er/',
        'COPY dir/a.txt /tmp/',
        'COPY dir /copied/',
        'COPY . /whole/',
      ].join('\n'),
      'dir/a.txt': 'a\n',
      'dir/b.txt': { body: 'b\n', mode: 0o600 },
      'dir/sub/c.txt': 'c\n',
      'link.txt': { link: 'dir/a.txt' },
      'exec.sh': { body: '#!/bin/sh\necho hi\n', mode: 0o755 },
      'secret.key': 'no\n',
      'keep.key': 'yes\n',
      'ignored/x': 'x\n',
      '.dockerignore': '# not sent\n*.key\n!keep.key\nignored\n',
    },
  },
  {
    name: 'run-changes', // whiteouts and opaque directories from a RUN
    files: {
      Dockerfile: [
        'FROM mini-run/busybox',
        'RUN mkdir -p /opq/keep && echo 1 > /opq/old && echo k > /opq/keep/k',
        'RUN rm -rf /opq && mkdir /opq && echo 2 > /opq/new && rm -f /bin/vi && chmod 700 /root',
        "RUN echo 'app:x:1234:1234::/home/app:/bin/sh' >> /etc/passwd && mkdir -p /home/app && touch /home/app/mine && chown app /home/app/mine",
      ].join('\n'),
    },
  },
  {
    name: 'multi-stage',
    files: {
      Dockerfile: [
        'FROM mini-run/busybox AS build',
        'WORKDIR /src',
        'RUN echo compiled > app && chmod 750 app . && ln -s app app-link && chown 65534:65534 app',
        'FROM mini-run/busybox AS unused',
        'RUN echo never > /never',
        'FROM mini-run/busybox',
        'COPY --from=build /src/app /usr/local/bin/',
        'COPY --from=0 /src /src-all',
        'COPY --from=build /src/app-link /link',
        'CMD ["/usr/local/bin/app"]',
      ].join('\n'),
    },
  },
  {
    name: 'scratch',
    files: {
      Dockerfile: 'FROM scratch\nCOPY dir /\nCMD ["/a.txt"]\n',
      'dir/a.txt': 'a\n',
    },
  },
];

function writeContext(c: Case): string {
  const dir = mkdtempSync(join(work, `${c.name}-`));
  chmodSync(dir, 0o755);
  for (const [name, e] of Object.entries(c.files)) {
    const p = join(dir, name);
    mkdirSync(join(p, '..'), { recursive: true });
    if (typeof e === 'string') writeFileSync(p, e);
    else if ('link' in e) symlinkSync(e.link, p);
    else { writeFileSync(p, e.body); chmodSync(p, e.mode); }
  }
  c.before?.(dir);
  return dir;
}

/** The config fields the issue names, with Docker's empty values (null, [], {}, '') as absent. */
function configOf(json: string): Record<string, unknown> {
  const c = JSON.parse(json) as Record<string, unknown>;
  const keys = ['Env', 'Cmd', 'Entrypoint', 'WorkingDir', 'User', 'ExposedPorts', 'Volumes', 'Labels', 'StopSignal', 'Healthcheck', 'Shell', 'OnBuild'];
  const out: Record<string, unknown> = {};
  for (const k of keys) {
    const v = c[k];
    if (v === null || v === undefined || v === '' || (Array.isArray(v) && v.length === 0) || (typeof v === 'object' && Object.keys(v as object).length === 0)) continue;
    out[k] = v;
  }
  return out;
}

/**
 * The exported filesystem as "path type mode uid/gid size -> target" lines (runtime files left
 * out, and the image's VOLUME paths: mini-run's `create` makes a volume's mount point in the
 * container's layer, Docker's only when the container starts).
 */
function filesOf(tar: string, volumes: string[] = []): string[] {
  const r = spawnSync('tar', ['-tvf', tar, '--numeric-owner', '--quoting-style=literal'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  expect(r.status).toBe(0);
  const out: string[] = [];
  for (const line of r.stdout.trim().split('\n')) {
    // drwxr-xr-x 0/0 0 2026-12-04 12:00 name[ -> target| link to target]
    const f = /^(\S+) (\S+) +(\d+|\d+,\s*\d+) \S+ \S+ (.*)$/.exec(line);
    if (!f) { out.push(`?? ${line}`); continue; }
    const [, mode, owner, size, rest] = f;
    const [path, target] = rest.split(/ -> | link to /);
    const clean = path.replace(/^\.\//, '').replace(/\/$/, '');
    if (clean === '' || clean === '.' || RUNTIME_FILES.test(clean) || volumes.includes(`/${clean}`)) continue;
    out.push(`${clean} ${mode} ${owner} ${mode.startsWith('d') ? '-' : size}${target !== undefined ? ` -> ${target}` : ''}`);
  }
  // An empty /etc only Docker's runtime made (for hosts, hostname, resolv.conf: FROM scratch)
  if (!out.some((l) => l.startsWith('etc/'))) return out.filter((l) => !l.startsWith('etc ')).sort();
  return out.sort();
}

beforeAll(() => {
  root = tempRoot('build-parity');
  work = mkdtempSync('/tmp/mr-test-build-parity-');
  const info = spawnSync('docker', ['info', '--format', '{{.ServerVersion}}'], { encoding: 'utf8', timeout: 15_000 });
  docker = info.status === 0 && info.stdout.trim() !== '';
  if (!docker) {
    console.log('build parity with Docker skipped: no Docker engine answers (`docker info` failed; test/helpers/engines.mjs starts one when docker.io is installed)');
    return;
  }
  // The same base image in both: mini-run's built-in busybox, saved and loaded into Docker.
  expect(m('run', '--rm', '--network', 'none', 'mini-run/busybox', 'true').status).toBe(0);
  const base = join(work, 'busybox.tar');
  expect(m('save', '-o', base, 'mini-run/busybox').status).toBe(0);
  const load = dk(['load', '-i', base]);
  expect(load.stderr).toBe('');
  expect(load.status).toBe(0);
}, 120_000);

afterAll(() => {
  if (docker) {
    const mine = dk(['images', '--format', '{{.Repository}}:{{.Tag}}']).stdout.split('\n').filter((t) => t.startsWith(P));
    if (mine.length) dk(['rmi', '-f', ...mine]); // (their untagged parent images go with them)
  }
  expect(leaksFor(root)).toEqual([]);
  removeRoot(root);
  rmSync(work, { recursive: true, force: true });
});

/** Export an image's filesystem the way each engine does it (create, export, remove). */
function exportMine(tag: string, out: string): void {
  const id = m('create', tag, 'x').stdout.trim();
  expect(m('export', '-o', out, id).status).toBe(0);
  expect(m('rm', id).status).toBe(0);
}
function exportDocker(tag: string, out: string): void {
  const id = dk(['create', tag, 'x']).stdout.trim();
  expect(dk(['export', '-o', out, id]).status).toBe(0);
  expect(dk(['rm', id]).status).toBe(0);
}

describe('mini-run build matches docker build (classic builder)', () => {
  for (const c of CORPUS) {
    it(`${c.name}: the same image config and the same files`, () => {
      if (!docker) return;
      const ctx = writeContext(c);
      const tag = `${P}-${c.name}`;
      const theirs = dk(['build', '-q', ...(c.args ?? []), '-t', tag, ctx]);
      expect(theirs.stderr.replace(/^DEPRECATED:[\s\S]*?\n\n/, '')).toBe('');
      expect(theirs.status).toBe(0);
      const mine = m('build', '-q', ...(c.args ?? []), '-t', tag, ctx);
      expect(mine.stderr).toBe('');
      expect(mine.status).toBe(0);
      expect(configOf(m('image', 'inspect', '-f', '{{json .Config}}', tag).stdout))
        .toEqual(configOf(dk(['image', 'inspect', '-f', '{{json .Config}}', tag]).stdout));
      exportMine(tag, join(work, `${c.name}-mine.tar`));
      exportDocker(tag, join(work, `${c.name}-docker.tar`));
      const volumes = Object.keys(JSON.parse(dk(['image', 'inspect', '-f', '{{json .Config.Volumes}}', tag]).stdout) ?? {});
      expect(filesOf(join(work, `${c.name}-mine.tar`), volumes)).toEqual(filesOf(join(work, `${c.name}-docker.tar`), volumes));
    }, 300_000);
  }

  it("ONBUILD triggers run when the image is a base, in both", () => {
    if (!docker) return;
    const base = `${P}-onbuild-base`;
    const ctx = writeContext({
      name: 'onbuild',
      files: { Dockerfile: 'FROM mini-run/busybox\nONBUILD COPY trigger.txt /trig/\nONBUILD RUN echo ran > /onbuild-ran\n', 'trigger.txt': 't\n' },
    });
    expect(dk(['build', '-q', '-t', base, ctx]).status).toBe(0);
    expect(m('build', '-q', '-t', base, ctx).status).toBe(0);
    writeFileSync(join(ctx, 'Dockerfile'), `FROM ${base}\nCMD ["cat", "/onbuild-ran"]\n`);
    const tag = `${P}-onbuild-child`;
    expect(dk(['build', '-q', '-t', tag, ctx]).status).toBe(0);
    expect(m('build', '-q', '-t', tag, ctx).status).toBe(0);
    expect(configOf(m('image', 'inspect', '-f', '{{json .Config}}', tag).stdout))
      .toEqual(configOf(dk(['image', 'inspect', '-f', '{{json .Config}}', tag]).stdout));
    exportMine(tag, join(work, 'onbuild-mine.tar'));
    exportDocker(tag, join(work, 'onbuild-docker.tar'));
    expect(filesOf(join(work, 'onbuild-mine.tar'))).toEqual(filesOf(join(work, 'onbuild-docker.tar')));
  }, 300_000);
});
