/** Lesson 1: a container is ordinary processes; /proc shows how each one sees the world. */
import type { Lesson } from '../lesson';
import { pidsByNamespace } from '../../engine/live-facts';
import { readHostFile } from '../lab';

export const processLesson: Lesson = {
  slug: 'process',
  title: 'A process and its view: fork, exec and /proc',
  goal: "A container is just processes on the host's kernel; /proc shows what each one sees",
  about: [
    'Every program on Linux runs as a process. A new one is made by copying an existing one (fork, or clone with flags saying what to share), and the copy then replaces its program with another (execve). Nothing in that is about containers.',
    "A container is the same thing: mini-run starts an ordinary child process, and before it execve()s your program it changes what that process can see — its root directory, mount table, hostname, process numbers, network — and how much it may use. The kernel keeps each process's view in /proc/PID: root, cwd, ns/ (its namespaces), cgroup, status.",
  ],
  calls: {
    run: ['--network', 'none', '{image}', 'true'],
    show: /spawn|unshare|cgroup\.procs|# exec|execve|running, PID|exited/,
    note: 'mini-run spawns its init (a clone + execve of a small C program, native/init-native.c; with -t, a user namespace or MINI_RUN_INIT=node it is a second node running src/runtime/init.ts, with the same calls), puts it in a cgroup, the init unshare()s its namespaces and finally execve()s your program: the same process, now with a new program. "PID 1 in its new PID namespace" and "PID N on the host" are the same process.',
  },
  experiment: {
    intro: 'One `sleep` container, looked at from the host and from inside. Then the same with --pid host, where the container shares the host\'s process numbers.',
    run: (lab) => lab.withContainer(['--network', 'none', lab.image, 'sleep', '3600'], (c) => [
      { title: 'host: the container is a process', text: lab.host(`ps -o pid,ppid,args -p ${c.pid}`) + lab.host(`grep NSpid /proc/${c.pid}/status`) },
      { title: 'inside: the same process is PID 1', text: `$ mini-run exec ${c.name} ps\n${lab.exec(c.name, ['ps']).stdout}` },
      { title: 'inside, --pid host: no own numbers', text: lab.run(['--network', 'none', '--pid', 'host', lab.image, 'sh', '-c', 'echo "my PID: $$"; ls -d /proc/[0-9]* | wc -l']) },
    ]),
    conclusion: 'NSpid lists the process\'s PID in each PID namespace it is in, outermost first: the host calls it one number, the container calls it 1. With --pid host the shell gets a host PID and sees every process of the host.',
  },
  exercise: {
    run: ['--network', 'none', '{image}', 'sleep', '3600'],
    tryThis: [
      'ps                       # PID 1 is sleep, your shell is another process',
      'ls -l /proc/1/exe /proc/self/root',
      'cat /proc/1/status | grep -E "NSpid|PPid"',
      'and on the host: ps -ef | grep "sleep 3600"; cat /proc/<that pid>/status | grep NSpid',
    ],
  },
  check: {
    fact: "The container's program is an ordinary host process: one PID on the host, PID 1 inside",
    counterExample: ['--network', 'none', '--pid', 'host', '{image}', 'sleep', '3600'],
    verify: (_lab, c) => {
      const pids = pidsByNamespace(c.pid);
      const args = readHostFile(`/proc/${c.pid}/cmdline`).split('\0').filter(Boolean).join(' ');
      return {
        ok: pids.length >= 2 && pids[pids.length - 1] === 1 && pids[0] !== 1,
        evidence: `host PID ${pids[0]} runs "${args}"; NSpid: ${pids.join(' ')}${pids.length < 2 ? ' (only one PID namespace: it shares the host\'s)' : ''}`,
      };
    },
  },
};
