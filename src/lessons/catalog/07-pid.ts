/** Lesson 7: the PID namespace — numbers of its own, and the two special duties of PID 1. */
import { readdirSync, readlinkSync } from 'node:fs';
import type { Lesson } from '../lesson';
import type { Lab } from '../lab';
import { namespaceFacts, pidsByNamespace } from '../../engine/live-facts';

/**
 * A shell that leaves an orphan behind, then becomes `sleep`: the inner sh starts a short
 * sleep in the background and exits at once, so that sleep's parent is gone and the kernel
 * hands it to PID 1. When it ends, only PID 1 can collect (reap) it.
 */
const ORPHAN_MAKER = ['sh', '-c', 'sh -c "sleep 0.1 &"; exec sleep 3600'];

function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Host PIDs of every process in PID namespace `ns` (e.g. 'pid:[4026532301]'). */
function hostPidsIn(ns: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readlinkSync(`/proc/${name}/ns/pid`) === ns) pids.push(Number(name));
    } catch { /* gone meanwhile */ }
  }
  return pids;
}

/** The orphan story for one container: its process table, then how long `stop` takes. */
function pid1Story(lab: Lab, name: string): string {
  const ps = lab.exec(name, ['ps', '-o', 'pid,ppid,stat,comm']).stdout;
  const started = Date.now();
  lab.mr(['stop', '-t', '1', name]);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const state = lab.mr(['inspect', '-f', '{{.State.Status}}, exit code {{.State.ExitCode}}', name]).stdout;
  return `$ mini-run exec ${name} ps -o pid,ppid,stat,comm\n${ps}` +
    `$ time mini-run stop -t 1 ${name}\n(took ${seconds} s)\n` +
    `$ mini-run inspect -f '{{.State.Status}}, exit code {{.State.ExitCode}}' ${name}\n${state}`;
}

export const pidLesson: Lesson = {
  slug: 'pid',
  title: 'PID namespace and PID 1: signals, orphans and --init',
  goal: 'A container numbers its processes from 1; PID 1 must handle signals and reap orphans',
  about: [
    'A PID namespace is a process numbering of its own. The first process in a new one is PID 1 there (and some other number on the host); its children are 2, 3… A process sees, signals and lists in /proc only the processes of its own namespace and those below it, so a container\'s `ps` shows the container and nothing else.',
    'PID 1 of a namespace is that namespace\'s init, and the kernel treats it specially. Signals whose action would be the default one (terminate) are dropped for it unless it installed a handler: `kill -TERM 1` inside does nothing to a plain `sleep`, and so does the SIGTERM of `docker stop`, which then waits for its timeout and sends SIGKILL (exit code 137). And when a process\'s parent dies, the orphan is re-parented to PID 1, which must wait() for it when it ends; a program that never does leaves zombies ("Z" in ps).',
    '`--init` (docker\'s flag too) makes a tiny init PID 1 (mini-init, native/mini-init.c): it passes signals on to your program, which is then PID 2 and dies of SIGTERM normally, and it reaps every orphan.',
  ],
  calls: {
    run: ['--network', 'none', '--init', '{image}', 'true'],
    show: /CLONE_NEWPID|spawn mini-run-init|as PID 1|execve\("\/sbin\/mini-init/,
    note: 'The CLI unshare()s CLONE_NEWPID for itself, so that its next child (the init) is PID 1 of a new namespace, then setns() back to its own. With --init the last execve() runs /sbin/mini-init (bind-mounted from the host, read-only), which then starts your command as PID 2.',
  },
  experiment: {
    intro: `The same container twice: \`sh -c 'sh -c "sleep 0.1 &"; exec sleep 3600'\` leaves an orphan behind and then becomes \`sleep\`. Then \`mini-run stop -t 1\` (SIGTERM, and SIGKILL after 1 s). First with sleep as PID 1, then with --init; next to the number of processes the host has.`,
    run: (lab) => lab.withContainer(['--network', 'none', lab.image, ...ORPHAN_MAKER], (plain) =>
      lab.withContainer(['--network', 'none', '--init', lab.image, ...ORPHAN_MAKER], (withInit) => {
        sleepMs(300); // the orphaned `sleep 0.1` has ended by now
        return [
          { title: 'host: every process', text: lab.host('ps -e --no-headers | wc -l') },
          { title: 'sleep is PID 1', text: pid1Story(lab, plain.name) },
          { title: '--init: mini-init is PID 1', text: pid1Story(lab, withInit.name) },
        ];
      })),
    conclusion: 'The host runs many processes; each container sees only its own, numbered from 1 (--pid host would show it all of the host\'s: see lesson 1). When sleep is PID 1, the orphan stays a zombie (STAT Z, parent 1) and SIGTERM is ignored: stop waits the full second and kills (137). With --init, mini-init is PID 1: no zombie, and SIGTERM reaches sleep, which dies at once (143 = 128 + 15, SIGTERM).',
  },
  exercise: {
    run: ['--network', 'none', '{image}', ...ORPHAN_MAKER],
    tryThis: [
      'ps -o pid,ppid,stat,comm       # PID 1 is sleep; the [sleep] with STAT Z is a zombie nobody reaps',
      'kill -TERM 1; ps               # still there: PID 1 has no SIGTERM handler, the kernel drops it',
      'ls /proc | grep -c "^[0-9]"    # only the container\'s processes (and yours)',
      'on the host: time mini-run stop -t 3 mr-lesson-pid   # waits 3 s, then SIGKILL',
      'then the same with --init: mini-run run -d --name x --init mini-run/busybox sleep 3600',
    ],
  },
  check: {
    fact: 'The container has its own PID namespace: its program is PID 1 there and it sees only its own processes',
    counterExample: ['--network', 'none', '--pid', 'host', '{image}', ...ORPHAN_MAKER],
    verify: (lab, c) => {
      const pid = namespaceFacts(c.pid).find((n) => n.type === 'pid')!;
      const numbers = pidsByNamespace(c.pid);
      const ls = lab.exec(c.name, ['sh', '-c', 'ls -d /proc/[0-9]*']);
      const visible = ls.stdout.split('\n').filter(Boolean).length;
      const hostTotal = readdirSync('/proc').filter((n) => /^\d+$/.test(n)).length;
      const inNamespace = hostPidsIn(pid.inside).length;
      return {
        ok: !pid.shared && numbers[numbers.length - 1] === 1 && ls.status === 0 && visible < hostTotal,
        evidence: `pid namespace: ${pid.inside} inside, ${pid.host} on the host${pid.shared ? ' (the same: shared)' : ''}\n` +
          `NSpid of its program: ${numbers.join(' ')} (host first)\n` +
          `processes visible inside: ${visible} (the host has ${hostTotal}; ${inNamespace} of them in the container's PID namespace)`,
      };
    },
  },
};
