/**
 * When a limit runs out (issue 21): a low `ulimit -n` around mini-run itself, and a size limit
 * on the writable layer the backing filesystem cannot enforce. Either way: one clear line,
 * Docker's exit code 125, no stack trace, and nothing left behind (no container, mount,
 * cgroup or process).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, leaksFor, mr, removeRoot, tempRoot } from '../helpers/cli';

const IMG = 'mini-run/busybox';
let root: string;

beforeAll(() => {
  root = tempRoot('limits');
  const r = mr(root, ['run', '--rm', '--network', 'none', IMG, 'true']); // builds the built-in image
  if (r.status !== 0) throw new Error(`first run failed: ${r.stderr}`);
});

afterAll(() => {
  expect(leaksFor(root)).toEqual([]);
  removeRoot(root);
});

/** What the user sees of `run` under `prlimit --nofile=N:N`. */
function runWithOpenFiles(n: number) {
  const r = spawnSync('prlimit', [`--nofile=${n}:${n}`, process.execPath, BIN, '--root', root, 'run', '--rm', '--network', 'none', IMG, 'true'],
    { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stderr: r.stderr ?? '' };
}

describe('a low ulimit -n around mini-run', () => {
  it('fails with one line naming the limit (exit 125, no stack trace) at 20-32 open files, and leaves nothing', () => {
    const seen: string[] = [];
    for (const n of [20, 22, 24, 26, 28, 30, 32]) {
      const r = runWithOpenFiles(n);
      seen.push(`${n}: ${r.status} ${r.stderr.trim()}`);
      if (r.status === 0) {
        expect(r.stderr, `ulimit -n ${n}`).toBe('');
      } else {
        // (the number when a descriptor is left to read /proc/self/limits with)
        const line = new RegExp(`^mini-run: too many open files: mini-run reached its limit of open files \\(ulimit -n( is ${n})?\\); raise it \\(ulimit -n 4096\\) and try again\n$`);
        expect([n, r.status, r.stderr]).toEqual([n, 125, expect.stringMatching(line)]);
      }
      expect(mr(root, ['ps', '-a', '-q']).stdout, `ulimit -n ${n}: a container was left`).toBe('');
      expect(leaksFor(root), `ulimit -n ${n}`).toEqual([]);
    }
    console.log(`exhausted-limits: ${seen.join(' | ')}`);
    // the lowest limit really was too low (the error path ran), and a sane one still works
    expect(seen[0]).toMatch(/^20: 125 /);
    expect(runWithOpenFiles(64).status).toBe(0);
  });
});

/** Host processes that are exec processes (argv0 mini-run-exec), as `pid cmdline`. */
function execProcesses(): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (cmdline.startsWith('mini-run-exec')) found.push(`${pid} ${cmdline.replace(/\0/g, ' ')}`);
    } catch { /* gone */ }
  }
  return found;
}

describe('a low ulimit -n around mini-run exec', () => {
  it('fails with one line naming the limit (exit 126 or 125, no stack trace) where it is too low, leaves no exec process, and the container runs on', () => {
    const name = `mr-lim-exec-${process.pid}`;
    expect(mr(root, ['run', '-d', '--name', name, '--network', 'none', IMG, 'sleep', '300']).status).toBe(0);
    try {
      const seen: string[] = [];
      for (const n of [20, 22, 24, 26, 28, 30, 32, 36, 40]) {
        const r = spawnSync('prlimit', [`--nofile=${n}:${n}`, process.execPath, BIN, '--root', root, 'exec', name, 'echo', 'ran'], { encoding: 'utf8', timeout: 60_000 });
        seen.push(`${n}: ${r.status} ${(r.stderr ?? '').trim() || r.stdout.trim()}`);
        if (r.status === 0) {
          expect([n, r.stdout, r.stderr]).toEqual([n, 'ran\n', '']);
        } else {
          const line = new RegExp(`^mini-run: too many open files: mini-run reached its limit of open files \\(ulimit -n( is ${n})?\\); raise it \\(ulimit -n 4096\\) and try again\n$`);
          expect([n, r.stderr]).toEqual([n, expect.stringMatching(line)]);
          expect([125, 126], `ulimit -n ${n}: exit ${r.status}`).toContain(r.status);
        }
        expect(execProcesses(), `ulimit -n ${n}: an exec process was left`).toEqual([]);
      }
      console.log(`exhausted-limits exec: ${seen.join(' | ')}`);
      expect(seen[0]).toMatch(/^20: 12[56] /); // the lowest limit really was too low
      // the container is untouched: still running, only its own process in it
      const ps = mr(root, ['exec', name, 'ps', '-o', 'pid,args']);
      expect(ps.status).toBe(0);
      expect(ps.stdout.trim().split('\n').slice(1).map((l) => l.trim())).toEqual(['1 sleep 300', expect.stringMatching(/^\d+ ps -o pid,args$/)]);
    } finally {
      expect(mr(root, ['rm', '-f', name]).status).toBe(0);
    }
    expect(leaksFor(root)).toEqual([]);
  });
});

describe('--storage-opt size=N (a limit on the writable layer)', () => {
  it('refused as Docker refuses it where the state root\'s filesystem has no project quotas: one line, exit 125, nothing created', () => {
    const fs = spawnSync('findmnt', ['-n', '-o', 'FSTYPE,OPTIONS', '-T', root], { encoding: 'utf8' }).stdout.trim();
    if (/^(xfs|ext4)\s.*\b(prjquota|pquota)\b/.test(fs)) {
      console.log(`skipped: ${root} is on a filesystem with project quotas (${fs}): the refusal is for filesystems without`);
      return;
    }
    const before = readdirSync(join(root, 'containers')).sort();
    for (const opt of ['size=10M', 'Size=1G']) {
      const r = mr(root, ['run', '--rm', '--network', 'none', '--storage-opt', opt, IMG, 'true']);
      // Docker's words, then what this filesystem (and kernel) lacks, e.g. "(/ is ext4 mounted without prjquota: …)"
      expect([opt, r.status, r.stderr]).toEqual([opt, 125, expect.stringMatching(/^mini-run: --storage-opt is supported only for overlay over xfs with 'pquota' mount option \(\/\S* is \S+.*\)\n$/)]);
      if (opt === 'size=10M') console.log(`exhausted-limits: ${r.stderr.trim()}`);
    }
    // the other answers Docker gives: a key overlay2 does not know, and no '='
    expect(mr(root, ['create', '--storage-opt', 'foo=bar', IMG, 'true'])).toMatchObject({ status: 125, stderr: 'mini-run: Unknown option foo\n' });
    expect(mr(root, ['run', '--rm', '--storage-opt', 'size', IMG, 'true'])).toMatchObject({ status: 125, stderr: 'mini-run: invalid storage option\n' });
    expect(readdirSync(join(root, 'containers')).sort()).toEqual(before);
    expect(mr(root, ['ps', '-a', '-q']).stdout).toBe('');
  });
});

/** `system df -v`'s sections: title → rows split into cells (the header row first). */
function dfSections(out: string): Map<string, string[][]> {
  const sections = new Map<string, string[][]>();
  for (const part of out.split(/\n(?=[A-Z][a-z][^\n]* (?:space )?usage:)/)) {
    const [title, ...lines] = part.trim().split('\n');
    sections.set(title.replace(/:.*$/, ''), lines.filter((l) => l.trim() !== '').map((l) => l.trim().split(/\s{2,}/)));
  }
  return sections;
}

describe('system df -v (what takes the space: each image, container and volume)', () => {
  it('has Docker\'s sections and columns: images with SHARED/UNIQUE SIZE and CONTAINERS; containers with COMMAND, LOCAL VOLUMES, SIZE, CREATED and ps\'s STATUS words; volumes with LINKS', () => {
    const names = ['created', 'writer', 'exited'].map((n) => `mr-lim-df-${n}-${process.pid}`);
    const [created, writer, exited] = names;
    const volume = `mr-lim-df-vol-${process.pid}`;
    expect(mr(root, ['create', '--name', created, '--network', 'none', IMG, 'true']).status).toBe(0);
    expect(mr(root, ['run', '-d', '--name', writer, '--network', 'none', '-v', `${volume}:/data`, IMG, 'sh', '-c', 'dd if=/dev/zero of=/one bs=1M count=1 2>/dev/null; echo 12345 > /data/five; sleep 300']).status).toBe(0);
    expect(mr(root, ['run', '--name', exited, '--network', 'none', IMG, 'sh', '-c', 'exit 3']).status).toBe(3);
    try {
      // the writer's megabyte is in its layer once dd is done (and its volume has its file)
      for (let i = 0; i < 100 && mr(root, ['exec', writer, 'cat', '/data/five']).status !== 0; i++) spawnSync('sleep', ['0.1']);
      const df = mr(root, ['system', 'df', '-v']);
      expect(df.status, df.stderr).toBe(0);
      const s = dfSections(df.stdout);
      expect([...s.keys()]).toEqual(['Images space usage', 'Containers space usage', 'Local Volumes space usage', 'Build cache usage']);
      expect(df.stdout).toMatch(/^Build cache usage: 0B$/m);

      const images = s.get('Images space usage')!;
      expect(images[0]).toEqual(['REPOSITORY', 'TAG', 'IMAGE ID', 'CREATED', 'SIZE', 'SHARED SIZE', 'UNIQUE SIZE', 'CONTAINERS']);
      const image = images.find((r) => r[0] === IMG);
      const inspected = mr(root, ['image', 'inspect', '--format', '{{.Id}} {{.Size}}', IMG]).stdout.trim().split(' ');
      // one image: nothing shared, all of it unique; used by the three containers
      expect(image).toEqual([IMG, 'latest', inspected[0].replace('sha256:', '').slice(0, 12), expect.stringMatching(/ ago$/), expect.stringMatching(/^[\d.]+[kM]?B$/), '0B', expect.stringMatching(/^[\d.]+[kM]?B$/), '3']);

      const containers = s.get('Containers space usage')!;
      expect(containers[0]).toEqual(['CONTAINER ID', 'IMAGE', 'COMMAND', 'LOCAL VOLUMES', 'SIZE', 'CREATED', 'STATUS', 'NAMES']);
      const row = (name: string) => containers.find((r) => r[r.length - 1] === name);
      const ago = expect.stringMatching(/^(Less than a second|\d+ seconds?|About a minute) ago$/);
      expect(row(created)).toEqual([expect.stringMatching(/^[0-9a-f]{12}$/), IMG, '"true"', '0', '0B', ago, 'Created', created]);
      expect(row(writer)).toEqual([expect.any(String), IMG, '"sh -c \'dd if=/dev/z…"', '1', expect.stringMatching(/^1\.0\dMB$/), ago, expect.stringMatching(/^Up (Less than a second|\d+ seconds?|About a minute)$/), writer]);
      expect(row(exited)).toEqual([expect.any(String), IMG, '"sh -c \'exit 3\'"', '0', '0B', ago, expect.stringMatching(/^Exited \(3\) (Less than a second|\d+ seconds?|About a minute) ago$/), exited]);

      const volumes = s.get('Local Volumes space usage')!;
      expect(volumes[0]).toEqual(['VOLUME NAME', 'LINKS', 'SIZE']);
      expect(volumes.find((r) => r[0] === volume)).toEqual([volume, '1', '6B']);
      expect(s.get('Build cache usage')![0]).toEqual(['CACHE ID', 'CACHE TYPE', 'SIZE', 'CREATED', 'LAST USED', 'USAGE', 'SHARED']);

      // the same sections and header rows as the Docker engine's CLI prints (where one answers here)
      const docker = spawnSync('docker', ['system', 'df', '-v'], { encoding: 'utf8', timeout: 30_000 });
      if (docker.status !== 0) {
        console.log(`exhausted-limits: no comparison with Docker's system df -v (no Docker engine answers: ${(docker.error?.message ?? docker.stderr ?? '').trim().split('\n').pop()})`);
      } else {
        const theirs = dfSections(docker.stdout);
        expect([...s.keys()]).toEqual([...theirs.keys()]);
        for (const [title, rows] of theirs) expect([title, s.get(title)![0]]).toEqual([title, rows[0]]);
      }
      // without -v: the summary, three containers of which one runs, one volume in use
      const summary = mr(root, ['system', 'df']).stdout;
      expect(summary).toMatch(/^Containers\s+3\s+1\s+/m);
      expect(summary).toMatch(/^Local Volumes\s+1\s+1\s+6B\s+0B \(0%\)$/m);
    } finally {
      expect(mr(root, ['rm', '-f', ...names]).status).toBe(0);
      expect(mr(root, ['volume', 'rm', volume]).status).toBe(0);
    }
    expect(leaksFor(root)).toEqual([]);
  });
});
