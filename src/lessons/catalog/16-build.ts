/** Lesson 16: build — a RUN step is a container run plus the diff of its upper dir; the cache key. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Lab } from '../lab';
import type { Lesson } from '../lesson';
import { readHostFile } from '../lab';
import { shellLine } from '../../sys/trace';
import { layerFsDir } from '../../image/layer-info';
import { rootMountFact } from '../../engine/live-facts';

const TAG = 'mr-lesson-build';
/** The file the check writes in the learner's container (as a RUN step would). */
const STEP_FILE = '/lesson-build-step';

const dockerfile = (image: string) => [
  `FROM ${image}`,
  'ENV GREETING=hello',
  'RUN echo "$GREETING from a RUN step" > /greeting && rm /linuxrc && mkdir /app',
  'COPY app.sh /app/',
  'CMD ["sh", "/app/app.sh"]',
  '',
].join('\n');

/** `mini-run ARGS…` as the learner would type it, then what it printed. */
function mrShown(lab: Lab, args: string[]): string {
  const r = lab.mr(args);
  return `$ ${shellLine(['mini-run', ...args])}\n${r.stdout}${r.stderr}`;
}

/** The layers (diff_ids, bottom first) of an image, [] when it is not there. */
function layersOf(lab: Lab, image: string): string[] {
  try {
    return JSON.parse(lab.mr(['image', 'inspect', '-f', '{{json .RootFS.Layers}}', image]).stdout) as string[];
  } catch {
    return [];
  }
}

/** A Docker engine answering (the tests start one; on a laptop: the system's)? */
function dockerAnswers(): boolean {
  const r = spawnSync('docker', ['info', '--format', '{{.ServerVersion}}'], { encoding: 'utf8', timeout: 15_000 });
  return r.status === 0 && r.stdout.trim() !== '';
}

/** The same Dockerfile through `docker build` (classic builder), removing what it added. */
function dockerColumn(lab: Lab, ctx: string): string {
  if (!dockerAnswers()) return '(no Docker engine answers here: with one running, `DOCKER_BUILDKIT=0 docker build -t web:v1 DIR` then `docker history web:v1` show the same steps, layers and empty layers)\n';
  const env = { ...process.env, DOCKER_BUILDKIT: '0' };
  const docker = (args: string[], shownEnv = '') => {
    const r = spawnSync('docker', args, { encoding: 'utf8', env, timeout: 120_000, maxBuffer: 16 << 20 });
    return { status: r.status ?? 1, text: `$ ${shownEnv}${shellLine(['docker', ...args])}\n${r.stdout ?? ''}${r.stderr ?? ''}` };
  };
  let text = '';
  const hadBase = spawnSync('docker', ['image', 'inspect', lab.image], { stdio: 'ignore', timeout: 15_000 }).status === 0;
  const saved = join(ctx, '..', 'base.tar');
  try {
    if (!hadBase) { // the same base image in both engines
      text += mrShown(lab, ['save', '-o', saved, lab.image]) + docker(['load', '-i', saved]).text;
    }
    text += docker(['build', '-t', `${TAG}:docker`, ctx], 'DOCKER_BUILDKIT=0 ').text;
    text += docker(['history', `${TAG}:docker`]).text;
  } finally {
    spawnSync('docker', ['rmi', `${TAG}:docker`, ...(hadBase ? [] : [lab.image])], { stdio: 'ignore', timeout: 60_000 });
  }
  return text;
}

export const buildLesson: Lesson = {
  slug: 'build',
  title: 'Build: a Dockerfile step is a container run and a diff',
  goal: 'RUN = a container from the image so far + its upper dir as the next layer; the cache reuses a step with the same parent',
  about: [
    'A Dockerfile is a list of steps, each applied to the image the step before made. RUN has no magic of its own: the builder starts an ordinary container from the image so far — its layers as overlay\'s read-only lower dirs, an empty upper dir on top (lesson 5) — and runs the command. When it exits, the upper dir holds exactly what the command changed: new and changed files, a whiteout (a 0,0 character device) for each deleted one, an "opaque" mark on a directory that was replaced. That directory, as a tar, is the new layer (the same writer as `mini-run commit`); its sha256 is appended to the config\'s rootfs.diff_ids, a history row names the step, and the new config\'s sha256 is the new image id.',
    'COPY and ADD make a layer the same way without a container: the files are put in a directory shaped like / (owned by root unless --chown) and that directory is the layer. ENV, CMD, EXPOSE, LABEL, USER, WORKDIR of an existing directory… only change the config: a history row marked empty_layer, no layer at all.',
    'The cache: a step\'s result is filed under a key made of the image id before it and the step itself — the instruction text (for RUN with the build args it sees) and, for COPY/ADD, a hash of the content of every file it reads. The next build with the same parent and the same step reuses the result (" ---> Using cache"). Once one step misses, its image id is new, so every later step has a new parent and runs again: that is why a Dockerfile copies the often-changing source late. mini-run keeps the entries in $ROOT/build-cache/; Docker\'s classic builder keeps intermediate images for the same purpose.',
  ],
  calls: {
    run: ['--network', 'none', '{image}', 'sh', '-c', 'echo "hello from a RUN step" > /greeting'],
    show: /mount\("overlay"|execve/,
    note: 'A RUN step is this very run: overlay with the image\'s layers as lowerdir and the container\'s own empty upperdir, then the shell as PID 1. After it exits, build writes that upperdir as the next layer, and the container is removed.',
  },
  experiment: {
    intro: 'A four-step Dockerfile built by mini-run: the build\'s output, the history and the files of each new layer (the RUN\'s deleted /linuxrc is a whiteout in its layer), then the same build again (every step from the cache), one changed file (only the steps from its COPY on run again), and the same Dockerfile built by the Docker engine when one answers.',
    run: (lab) => {
      const dir = `/tmp/mr-lesson-build-${process.pid}`;
      const ctx = join(dir, 'ctx');
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(ctx, { recursive: true });
      try {
        writeFileSync(join(ctx, 'Dockerfile'), dockerfile(lab.image));
        writeFileSync(join(ctx, 'app.sh'), 'cat /greeting\n');
        let built = lab.host(`cat ${ctx}/Dockerfile`) + mrShown(lab, ['build', '-t', `${TAG}:v1`, ctx]) +
          mrShown(lab, ['run', '--rm', '--network', 'none', `${TAG}:v1`]);

        const base = layersOf(lab, lab.image);
        const added = layersOf(lab, `${TAG}:v1`).slice(base.length);
        let steps = mrShown(lab, ['history', `${TAG}:v1`]) +
          mrShown(lab, ['image', 'inspect', '-f', '{{json .Config.Env}} {{json .Config.Cmd}}', `${TAG}:v1`]) +
          `# ${added.length} new layers (the base has ${base.length}): RUN's, then COPY's\n`;
        for (const [i, diffId] of added.entries()) {
          steps += lab.host(`cd ${layerFsDir(diffId)} && find . -mindepth 1 | sort | xargs stat -c '%A %u:%g %s %n'`);
          if (i === 0) steps += '# (c--------- ./linuxrc: a character device 0,0 — a whiteout, how a layer says "deleted"; in the layer\'s tar it is an empty file .wh.linuxrc)\n';
        }

        let cache = mrShown(lab, ['build', '-t', `${TAG}:v1`, ctx]);
        writeFileSync(join(ctx, 'app.sh'), 'cat /greeting\necho version 2\n');
        cache += `$ echo 'echo version 2' >> ${ctx}/app.sh\n` + mrShown(lab, ['build', '-t', `${TAG}:v2`, ctx]) +
          mrShown(lab, ['run', '--rm', '--network', 'none', `${TAG}:v2`]);
        return [
          { title: 'a Dockerfile, built', text: built },
          { title: 'each step in the image', text: steps },
          { title: 'built again: the cache', text: cache },
          { title: 'docker build, the same Dockerfile', text: dockerColumn(lab, ctx) },
        ];
      } finally {
        lab.mr(['rmi', `${TAG}:v1`, `${TAG}:v2`]);
        rmSync(dir, { recursive: true, force: true });
      }
    },
    conclusion: 'Only RUN and COPY made layers; ENV and CMD are history rows marked as empty layers and fields of the config. The RUN\'s layer holds just what the command changed — /greeting, /app, and a whiteout for /linuxrc — nothing of the rest of the image. Built again, every step says "Using cache" and the image id is the same. After app.sh changed, FROM, ENV and RUN still come from the cache (same parent, same text) while COPY reads different content: a new key, so it and every step after it run again. Docker\'s history shows the same steps, with layers for the same ones.',
  },
  exercise: {
    run: ['--network', 'none', '{image}', 'sleep', '3600'],
    tryThis: [
      'echo changed > /etc/motd; rm /linuxrc; mkdir /new            # what a RUN step does',
      'on the host: mini-run diff mr-lesson-build                    # A/C/D: what the step\'s layer would hold',
      'on the host: ls -la $(mini-run inspect -f "{{.GraphDriver.Data.UpperDir}}" mr-lesson-build)   # the upper dir itself',
      'on the host: mini-run commit mr-lesson-build mine:v1 && mini-run history mine:v1   # the same step, by hand',
      'on the host: a Dockerfile in a new directory, then mini-run build -t web:v1 DIR twice: the second build says ---> Using cache',
    ],
  },
  check: {
    fact: 'What a command writes in the container lands only in its own upper dir (the directory a build step stores as its layer) and `mini-run diff` lists it; the image\'s layers are untouched',
    counterExample: ['--network', 'none', '--read-only', '{image}', 'sleep', '3600'],
    verify: (lab, c) => {
      const w = lab.exec(c.name, ['sh', '-c', `echo step > ${STEP_FILE} 2>&1 && echo written`]);
      const root = rootMountFact(c.pid);
      const upperHas = root.upperdir ? readHostFile(join(root.upperdir, STEP_FILE)) : '';
      const lowerHas = root.lowerdirs.filter((l) => existsSync(join(l.path, STEP_FILE)));
      const diff = lab.mr(['diff', c.name]).stdout;
      const listed = diff.split('\n').includes(`A ${STEP_FILE}`);
      lab.exec(c.name, ['rm', '-f', STEP_FILE]);
      return {
        ok: upperHas === 'step\n' && lowerHas.length === 0 && listed,
        evidence: [
          `echo step > ${STEP_FILE} in the container: ${(w.stdout + w.stderr).trim() || '(no output)'}`,
          `upper dir: ${root.upperdir ? `${root.upperdir}${STEP_FILE} ${upperHas ? `holds ${JSON.stringify(upperHas)}` : 'is missing'}` : 'none: / is mounted READ-ONLY (--read-only), no layer to write'}`,
          `image layers holding it: ${lowerHas.length ? lowerHas.map((l) => l.path).join(' ') : 'none'}`,
          `mini-run diff ${c.name}: ${listed ? `lists A ${STEP_FILE}` : `does not list ${STEP_FILE}`}`,
        ].join('\n'),
      };
    },
  },
};
