/** Lesson 6: the UTS namespace — a hostname of the container's own. */
import { hostname } from 'node:os';
import type { Lesson } from '../lesson';
import { namespaceFacts } from '../../engine/live-facts';

export const utsLesson: Lesson = {
  slug: 'uts',
  title: 'UTS namespace: a hostname of its own',
  goal: 'sethostname() inside changes the container\'s name, never the host\'s',
  about: [
    'The UTS namespace (named after the "UNIX Time-sharing System" struct that uname returns) holds two strings: the hostname and the NIS domain name. sethostname(2) changes them for every process in the same UTS namespace.',
    "A container gets a new UTS namespace (unshare(CLONE_NEWUTS)), and the runtime names it: docker and mini-run use the first 12 characters of the container id, or -h NAME. Renaming it later needs CAP_SYS_ADMIN, which containers do not have by default; with --cap-add SYS_ADMIN they can, and the host is still not touched.",
  ],
  calls: {
    run: ['--network', 'none', '-h', 'lesson-box', '{image}', 'hostname'],
    show: /CLONE_NEWUTS|sethostname/,
    note: 'CLONE_NEWUTS is one of the flags of the init\'s unshare(2); sethostname("lesson-box") comes after the root is set up. With --uts host mini-run skips both (it would otherwise rename the host!).',
  },
  experiment: {
    intro: '`hostname` on the host, in a container sharing the host\'s UTS namespace (--uts host), and in a container with its own that renames itself.',
    run: (lab) => [
      { title: 'host', text: lab.host('hostname') },
      { title: 'off: --uts host', text: lab.run(['--network', 'none', '--uts', 'host', lab.image, 'hostname']) },
      { title: 'on: own UTS namespace', text: lab.run(['--network', 'none', '--cap-add', 'SYS_ADMIN', lab.image, 'sh', '-c', 'hostname; hostname renamed-inside; hostname']) + lab.host('hostname') },
    ],
    conclusion: 'With --uts host the container prints the host\'s name. With its own namespace it starts with its short id, can rename itself, and the host\'s name (the last line) has not changed.',
  },
  exercise: {
    run: ['--network', 'none', '-h', 'lesson-box', '--cap-add', 'SYS_ADMIN', '{image}', 'sleep', '3600'],
    tryThis: [
      'hostname; uname -n',
      'hostname my-own-name && hostname       # allowed: this container has CAP_SYS_ADMIN',
      'readlink /proc/self/ns/uts             # and on the host: readlink /proc/self/ns/uts',
      'on the host: hostname                  # unchanged',
    ],
  },
  check: {
    fact: "The container has its own UTS namespace: its hostname is not the host's",
    counterExample: ['--network', 'none', '--uts', 'host', '{image}', 'sleep', '3600'],
    verify: (lab, c) => {
      const uts = namespaceFacts(c.pid).find((n) => n.type === 'uts')!;
      const inside = lab.exec(c.name, ['hostname']).stdout.trim();
      const host = hostname();
      return {
        ok: !uts.shared && inside !== host,
        evidence: `uts namespace: ${uts.inside} inside, ${uts.host} on the host${uts.shared ? ' (the same: shared)' : ''}\nhostname inside "${inside}", on the host "${host}"`,
      };
    },
  },
};
