/** Lesson 10: cgroups — memory (and the OOM killer), pids and cpu limits, read live from cgroupfs. */
import { join } from 'node:path';
import type { Lesson } from '../lesson';
import type { Lab } from '../lab';
import { cgroupFacts, type CgroupFacts } from '../../engine/live-facts';

/** Allocates (and fills) a 64 MiB buffer: dd's block size. */
const ALLOCATE_64M = ['dd', 'if=/dev/zero', 'of=/dev/null', 'bs=64M', 'count=1'];
/** Starts background sleeps until fork() fails. */
const FORK_EIGHT = ['sh', '-c', 'for i in 1 2 3 4 5 6 7 8; do sleep 10 & echo "started sleep $i"; done'];

/** The exercise's limits, and what the check expects to find in the kernel. */
const MEMORY = '64m';
const MEMORY_BYTES = 64 * 1024 * 1024;
const PIDS = 50;

/** The host files holding memory, pids and cpu limits of a container's cgroup(s), v1 or v2. */
function limitFiles(f: CgroupFacts): string[] {
  const dir = (c: string) => (f.version === 2 ? f.paths[0]?.dir : f.paths.find((p) => p.controllers.split(',').includes(c))?.dir);
  const files = f.version === 2
    ? [['memory', 'memory.max'], ['memory', 'memory.current'], ['pids', 'pids.max'], ['pids', 'pids.current'], ['cpu', 'cpu.max']]
    : [['memory', 'memory.limit_in_bytes'], ['memory', 'memory.usage_in_bytes'], ['pids', 'pids.max'], ['pids', 'pids.current'], ['cpu', 'cpu.cfs_quota_us'], ['cpu', 'cpu.cfs_period_us']];
  return files.flatMap(([c, file]) => (dir(c) ? [join(dir(c)!, file)] : []));
}

/** `run` in the foreground without --rm, so that inspect can still tell why it ended; then removed. */
function oomRun(lab: Lab): string {
  const name = `mr-lesson-oom-${process.pid}`;
  const args = ['--name', name, '--network', 'none', '--memory', '16m', lab.image, ...ALLOCATE_64M];
  try {
    const r = lab.mr(['run', ...args]);
    const state = lab.mr(['inspect', '-f', 'exit code {{.State.ExitCode}}, OOMKilled {{.State.OOMKilled}}', name]).stdout;
    return `$ mini-run run ${args.join(' ')}\n${r.stdout}${r.stderr}(exit code ${r.status})\n` +
      `$ mini-run inspect -f 'exit code {{.State.ExitCode}}, OOMKilled {{.State.OOMKilled}}' ${name}\n${state}`;
  } finally {
    lab.mr(['rm', '-f', name]);
  }
}

export const cgroupsLesson: Lesson = {
  slug: 'cgroups',
  title: 'cgroups: memory, pids and cpu limits',
  goal: 'Limits on memory, tasks and CPU: over memory the kernel kills, over pids fork fails',
  about: [
    'Namespaces decide what a process can see; control groups (cgroups) decide how much it may use. A cgroup is a directory in the cgroup filesystem (/sys/fs/cgroup); a process is put in one by writing its PID to cgroup.procs, and its children stay in it. The limits are plain files of that directory: write a number to set one, read it to see what the kernel enforces and how much is used now.',
    'cgroup v1 has one tree per controller (/sys/fs/cgroup/memory/…, /pids/…, /cpu/…); v2 has a single tree with every controller\'s files in one directory. mini-run uses whichever the host has; the files are named differently, the ideas are the same.',
    'memory: over the limit the kernel first reclaims, and when it cannot, its OOM killer kills a process of the group (SIGKILL: exit code 137; `inspect` shows OOMKilled). pids: once the group holds pids.max tasks, fork() fails with EAGAIN. cpu: --cpus 0.5 becomes a quota of 50 ms of CPU time per 100 ms period; a busy process beyond it is throttled (paused), never killed.',
  ],
  calls: {
    run: ['--network', 'none', '--memory', MEMORY, '--pids-limit', String(PIDS), '--cpus', '0.5', '{image}', 'true'],
    show: /mkdir\("\/sys\/fs\/cgroup\/(memory\/)?mini-run\/mr-|write .*\/(memory\.(limit_in_bytes|memsw\.limit_in_bytes|max|swap\.max)|pids\.max|cpu\.(cfs_quota_us|cfs_period_us|max)) |write \/sys\/fs\/cgroup\/(memory\/)?mini-run\/mr-[^/]*\/cgroup\.procs|rmdir\("\/sys\/fs\/cgroup\/(memory\/)?mini-run\/mr-/,
    note: 'A directory per container (on v1, one in each controller\'s tree: only the memory one is shown), the limits written into it, the init\'s PID written to cgroup.procs BEFORE it runs your program — so nothing escapes the limits — and the directory removed when the container is gone. --memory also sets memory+swap to twice the memory (docker\'s default).',
  },
  experiment: {
    intro: 'Memory: dd with a 64 MiB buffer, without a limit and with --memory 16m. Pids: a shell starting 8 background sleeps under --pids-limit 5. Then the files of a running container started with --memory 64m --pids-limit 50 --cpus 0.5, read on the host.',
    run: (lab) => [
      { title: 'memory: off, then --memory 16m', text: lab.run(['--network', 'none', lab.image, ...ALLOCATE_64M]) + oomRun(lab) },
      { title: 'pids: --pids-limit 5', text: lab.run(['--network', 'none', '--pids-limit', '5', lab.image, ...FORK_EIGHT]) },
      {
        title: 'the live cgroup files, on the host',
        text: lab.withContainer(['--network', 'none', '--memory', MEMORY, '--pids-limit', String(PIDS), '--cpus', '0.5', lab.image, 'sleep', '3600'], (c) => {
          const facts = cgroupFacts(c.pid);
          return `# cgroup v${facts.version}\n` + limitFiles(facts).map((p) => lab.host(`cat ${p}`)).join('');
        }),
      },
    ],
    conclusion: 'Without a limit dd copies its 64 MiB; with 16 MiB the kernel\'s OOM killer ends it with SIGKILL (137) and the runtime records OOMKilled. Under pids.max = 5 the shell gets "can\'t fork" after 4 sleeps (the shell itself counts too: 1 + 4 = 5). The files hold exactly what was asked: 64 MiB in bytes, 50 tasks, a quota of 50000 µs per 100000 µs period, next to the current usage.',
  },
  exercise: {
    run: ['--network', 'none', '--memory', MEMORY, '--pids-limit', String(PIDS), '--cpus', '0.5', '{image}', 'sleep', '3600'],
    tryThis: [
      'cat /proc/self/cgroup                 # which cgroup(s) this shell is in',
      'ls /sys/fs/cgroup; cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max   # its own group, read-only',
      'yes > /dev/null &                      # then on the host: top — it gets 50% of one CPU, no more',
      'kill %1; dd if=/dev/zero of=/dev/null bs=100M count=1; echo $?   # Killed, 137',
      'on the host: mini-run stats --no-stream mr-lesson-cgroups',
      'on the host: mini-run explain mr-lesson-cgroups      # the cgroup paths and files, read live',
    ],
  },
  check: {
    fact: `The container's cgroup holds the limits it was started with: memory ${MEMORY}, at most ${PIDS} tasks`,
    counterExample: ['--network', 'none', '{image}', 'sleep', '3600'],
    verify: (_lab, c) => {
      const f = cgroupFacts(c.pid);
      const mem = f.memory.limitBytes;
      const pids = f.pids.max;
      const paths = f.paths.filter((p) => f.version === 2 || /(^|,)(memory|pids)(,|$)/.test(p.controllers)).map((p) => `  ${p.dir}`).join('\n');
      return {
        ok: mem === MEMORY_BYTES && pids === PIDS,
        evidence: `cgroup v${f.version}:\n${paths}\nmemory limit: ${mem === null ? 'none' : `${mem} bytes (${mem / 1024 / 1024} MiB)`}, in use ${f.memory.usageBytes ?? '?'} bytes\n` +
          `pids limit: ${pids ?? 'none'}, in use ${f.pids.current ?? '?'}\ncpu quota: ${f.cpu.quotaUsec === null ? 'none' : `${f.cpu.quotaUsec} µs per ${f.cpu.periodUsec} µs`}`,
      };
    },
  },
};
