/** Lesson 2: chroot changes where "/" is — and why that alone is not a container. */
import type { Lesson } from '../lesson';
import { ESCAPE_IN_CONTAINER, ESCAPE_MOUNT, readHostFile } from '../lab';

export const chrootLesson: Lesson = {
  slug: 'chroot',
  title: 'chroot, and why it is not enough',
  goal: 'chroot gives a process another "/", but a root process can climb back out',
  about: [
    'chroot(2) changes one thing: the directory where path lookup for "/" starts, for the calling process and its children. It is how the first "containers" began (1979), and it is still the first thing a runtime does conceptually: give the program the image\'s files as its whole world.',
    'But the rest of the host is still there underneath. chroot does not change the working directory, and does not hide mounts, processes or the network. A process with CAP_SYS_CHROOT (root in a container has it by default) can chroot into a subdirectory while its working directory stays outside, then walk ".." up to the real root. native/chroot-escape.c does exactly that, in 30 lines.',
  ],
  calls: {
    run: ['--network', 'none', '--no-pivot', '{image}', 'true'],
    show: /chroot|chdir\("\$ROOT\/containers|chdir\("\/"\)|exec /,
    note: 'With --no-pivot (a lesson switch), mini-run enters the root with chdir + chroot(".") only: no pivot_root, so the host\'s root stays mounted behind the container\'s "/".',
  },
  experiment: {
    intro: `The busybox image has no /etc/os-release; the host has one. ${ESCAPE_IN_CONTAINER} (mounted read-only into the container) climbs out and then runs \`head -2 /etc/os-release\`. First in a chroot-only container (--no-pivot), then in a normal one (pivot_root).`,
    run: (lab) => [
      { title: 'host', text: lab.host('head -2 /etc/os-release') },
      { title: 'off: chroot only (--no-pivot)', text: lab.run(['--network', 'none', '--no-pivot', '-v', ESCAPE_MOUNT, lab.image, ESCAPE_IN_CONTAINER, 'head', '-2', '/etc/os-release']) },
      { title: 'on: pivot_root (default)', text: lab.run(['--network', 'none', '-v', ESCAPE_MOUNT, lab.image, ESCAPE_IN_CONTAINER, 'head', '-2', '/etc/os-release']) },
    ],
    conclusion: "In the chroot-only container the escape reads the HOST's file: it is running in the host's root, as root. After pivot_root (lesson 4) the same climb stops at the container's own root, where there is no such file.",
  },
  exercise: {
    run: ['--network', 'none', '--no-pivot', '-v', ESCAPE_MOUNT, '{image}', 'sleep', '3600'],
    tryThis: [
      'ls /                                  # the image\'s files',
      `${ESCAPE_IN_CONTAINER} ls /                  # the host's files!`,
      `${ESCAPE_IN_CONTAINER} cat /etc/hostname`,
      `${ESCAPE_IN_CONTAINER} sh              # a shell in the host's root (exit to come back)`,
    ],
  },
  check: {
    fact: 'In this chroot-only container, a root process climbs out to the host\'s root',
    counterExample: ['--network', 'none', '-v', ESCAPE_MOUNT, '{image}', 'sleep', '3600'],
    verify: (lab, c) => {
      const host = readHostFile('/etc/passwd');
      const r = lab.exec(c.name, [ESCAPE_IN_CONTAINER, 'cat', '/etc/passwd']);
      if (r.status !== 0) {
        return { ok: false, evidence: `${ESCAPE_IN_CONTAINER} failed: ${(r.stderr || r.stdout).trim().split('\n')[0]}${r.stderr.includes('not found') || r.stderr.includes('no such file') ? ` (start the container with -v ${ESCAPE_MOUNT})` : ''}` };
      }
      const escaped = r.stdout === host;
      return {
        ok: escaped,
        evidence: escaped
          ? `${ESCAPE_IN_CONTAINER} cat /etc/passwd printed the host's /etc/passwd (${host.split('\n').length - 1} lines)`
          : `${ESCAPE_IN_CONTAINER} cat /etc/passwd printed the container's own file: the climb stopped at its root (pivot_root: see lesson 4)`,
      };
    },
  },
};
