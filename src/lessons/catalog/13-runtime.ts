/** Lesson 13: the OCI runtime — a bundle, its config.json, and the runtime's create/start/state/kill/delete. */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Lesson } from '../lesson';
import { paths } from '../../paths';
import { shellLine } from '../../sys/trace';
import * as runtime from '../../runtime';
import { runtimeRef } from '../../engine/container-store';

/** bin/mini-runc, run with this same node (sudo's PATH may not have node). */
const MINI_RUNC = join(__dirname, '..', '..', '..', 'bin', 'mini-runc');
const BUSYBOX = ['/bin/busybox', '/usr/bin/busybox'];

/** A command's line as the learner would type it, then what it printed. */
function shown(words: string[], run: () => { stdout: string; stderr: string }): string {
  const r = run();
  return `$ ${shellLine(words)}\n${r.stdout}${r.stderr}`;
}

/** A scratch bundle: rootfs with the host's static busybox, config.json from `mini-runc spec`. */
class Bench {
  readonly dir = `/tmp/mr-lesson-oci-${process.pid}`;
  readonly bundle = join(this.dir, 'bundle');
  readonly root = join(this.dir, 'state');

  constructor() {
    const busybox = BUSYBOX.find((p) => existsSync(p));
    if (!busybox) throw new Error('this lesson needs a static busybox on the host (apt-get install busybox-static)');
    for (const d of ['bin', 'proc', 'sys', 'dev', 'tmp']) mkdirSync(join(this.bundle, 'rootfs', d), { recursive: true });
    copyFileSync(busybox, join(this.bundle, 'rootfs', 'bin', 'busybox'));
    for (const applet of ['sh', 'sleep', 'hostname', 'cat']) symlinkSync('busybox', join(this.bundle, 'rootfs', 'bin', applet));
  }

  /** `mini-runc --root STATE ARGS…`, shown as the learner would type it. */
  runc(args: string[]): string {
    return shown(['mini-runc', '--root', this.root, ...args], () =>
      spawnSync(process.execPath, [MINI_RUNC, '--root', this.root, ...args], { cwd: this.bundle, encoding: 'utf8', timeout: 60_000 }));
  }

  /** Set config.json's process.args (what `vi config.json` would do). */
  setArgs(args: string[]): string {
    const file = join(this.bundle, 'config.json');
    const spec = JSON.parse(readFileSync(file, 'utf8'));
    spec.process.args = args;
    spec.process.terminal = false;
    spec.root.readonly = false;
    writeFileSync(file, JSON.stringify(spec, null, '\t'));
    return `(edit config.json: "terminal": false, "args": ${JSON.stringify(args)})\n`;
  }

  cleanUp(ids: string[]): void {
    for (const id of ids) spawnSync(process.execPath, [MINI_RUNC, '--root', this.root, 'delete', '--force', id]);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

const cmdline = (pid: number) => {
  try { return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' '); } catch { return '(gone)'; }
};

function hasRunc(): boolean {
  return spawnSync('runc', ['--version'], { stdio: 'ignore' }).status === 0;
}

export const runtimeLesson: Lesson = {
  slug: 'runtime',
  title: 'The OCI runtime: a bundle, config.json, create and start',
  goal: 'A runtime turns a bundle (config.json + rootfs) into a process: create parks it, start runs it',
  about: [
    'Everything the earlier lessons switched on and off — namespaces, mounts, pivot_root, cgroups, capabilities — is written down, per container, in one file: config.json, the OCI runtime spec. A directory holding config.json and the root filesystem it names is a bundle. An OCI runtime (runc, crun, youki, and mini-run\'s own mini-runc) reads only the bundle: it knows nothing of images, names or networks. mini-run writes a bundle for every container in $ROOT/containers/<id>/ and hands it to its runtime, as docker hands one to containerd and containerd to runc.',
    'The runtime\'s command line is the same for all of them: `create` builds the container — the process exists in its new namespaces and its cgroup, but is parked just before execve of your program — and returns; `start` lets it run the program; `state` prints {status, pid, bundle}; `kill` signals it; `delete` removes what is left (the cgroup, the runtime\'s own record). Splitting create from start is what lets containerd and podman set up networking and watch the process before the program runs.',
    'mini-runc parks the process on a fifo ($ROOT/<id>/exec.fifo): the init opens it before pivot_root, says "created", and blocks reading it; `start` writes one byte. The status is never stored, it is read from the kernel each time: the fifo still there means created, a frozen cgroup paused, a dead pid (or one whose start time changed: the pid was reused) stopped.',
  ],
  calls: {
    run: ['--network', 'none', '{image}', 'true'],
    show: /spawn mini-run-init|container [0-9a-f]{12} (created|running)|exec .* as PID|exited/,
    note: 'mini-run run is create and start in one go: the engine wrote config.json, the runtime spawned its init (PID 1 of a new PID namespace), built the container from the bundle, recorded its state, and the init became your program with execve.',
  },
  experiment: {
    intro: 'A bundle made by hand: the host\'s busybox as the root filesystem, config.json from `mini-runc spec` with process.args changed to `sleep 600`. Then create (the process is parked: still mini-run\'s init, not sleep), start (now it is sleep), and the same bundle run by runc beside mini-runc.',
    run: () => {
      const bench = new Bench();
      const id = 'mr-lesson-oci';
      try {
        let created = bench.runc(['spec', '--bundle', bench.bundle]) + bench.setArgs(['sleep', '600']);
        const pidFile = join(bench.dir, 'pid');
        created += bench.runc(['create', '--bundle', bench.bundle, '--pid-file', pidFile, id]);
        created += bench.runc(['state', id]);
        const pid = Number(readFileSync(pidFile, 'utf8'));
        created += `$ cat /proc/${pid}/cmdline\n${cmdline(pid)}\n`;
        let started = bench.runc(['start', id]) + bench.runc(['state', id]);
        started += `$ cat /proc/${pid}/cmdline\n${cmdline(pid)}\n`;
        started += bench.runc(['delete', '--force', id]);
        let both = bench.setArgs(['sh', '-c', 'echo "I am PID $$ on $(hostname)"']);
        both += bench.runc(['run', `${id}-run`]);
        both += hasRunc()
          ? shown(['runc', '--root', `${bench.dir}/runc`, 'run', `${id}-runc`], () =>
            spawnSync('runc', ['--root', `${bench.dir}/runc`, 'run', `${id}-runc`], { cwd: bench.bundle, encoding: 'utf8', timeout: 60_000 }))
          : '(runc is not installed here: apt-get install runc, then run the same bundle with `runc run ID`)\n';
        return [
          { title: 'create: parked before execve', text: created },
          { title: 'start: the program runs', text: started },
          { title: 'one bundle, two runtimes', text: both },
        ];
      } finally {
        bench.cleanUp([id, `${id}-run`]);
      }
    },
    conclusion: 'After create the runtime has returned, the state says "created", and the process is still the runtime\'s init (mini-run-init), already in its namespaces and cgroup; after start it has become `sleep 600` with the same pid. delete leaves nothing of it. The same bundle runs the same way under runc, which is why containerd and podman can drive either.',
  },
  exercise: {
    run: ['--network', 'none', '{image}', 'sleep', '3600'],
    tryThis: [
      'on the host: cat $ROOT/containers/<full id>/config.json    # the bundle mini-run wrote (mini-run inspect -f {{.Id}} NAME)',
      'on the host: mini-runc --root $ROOT/runtime state <full id>   # the runtime\'s own record: pid, bundle, status',
      'on the host: mini-runc --root $ROOT/runtime ps <full id>',
      'on the host: mini-runc --root $ROOT/runtime pause <full id>; then mini-run ps shows it Paused; resume',
      'cat /proc/1/cmdline; echo    # inside: what config.json\'s process.args said',
    ],
  },
  check: {
    fact: "What the container's config.json asks for is what the kernel shows: a new PID namespace with the program as PID 1, and the runtime's state names that process, running",
    counterExample: ['--network', 'none', '--pid', 'host', '{image}', 'sleep', '3600'],
    verify: (_lab, c) => {
      const specFile = join(paths.container(c.id), 'config.json');
      const spec = JSON.parse(readFileSync(specFile, 'utf8')) as { linux?: { namespaces?: { type: string; path?: string }[] }; process?: { args?: string[] } };
      const asksPid = (spec.linux?.namespaces ?? []).some((n) => n.type === 'pid' && !n.path);
      const nspid = /NSpid:\s+([\d\s]+)\n/.exec(readFileSync(`/proc/${c.pid}/status`, 'utf8'))?.[1].trim().split(/\s+/) ?? [];
      const pidInside = nspid[nspid.length - 1] ?? '?';
      let st: runtime.OciState | null = null;
      try { st = runtime.state(runtimeRef(c.id)); } catch { /* no state */ }
      return {
        ok: asksPid && pidInside === '1' && st !== null && st.pid === c.pid && st.status === 'running',
        evidence: [
          `${specFile}: linux.namespaces ${asksPid ? 'has' : 'has no'} new "pid"; process.args ${JSON.stringify(spec.process?.args ?? [])}`,
          `the kernel: host PID ${c.pid} is PID ${pidInside} in its PID namespace (NSpid: ${nspid.join(' ')})`,
          st ? `the runtime's state: ${st.status}, pid ${st.pid}, bundle ${st.bundle}` : "the runtime's state: none",
        ].join('\n'),
      };
    },
  },
};
