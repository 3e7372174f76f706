/** Lesson 4: pivot_root — swapping the root and throwing the old one away. */
import type { Lesson } from '../lesson';
import { ESCAPE_IN_CONTAINER, ESCAPE_MOUNT, readHostFile } from '../lab';

export const pivotRootLesson: Lesson = {
  slug: 'pivot-root',
  title: 'pivot_root: a new root, and the old one gone',
  goal: 'pivot_root + unmounting the old root leaves nothing of the host to climb back to',
  about: [
    'pivot_root(new_root, put_old) changes the root mount of the whole mount namespace: new_root becomes "/", and the old root is moved to put_old. The runtime then unmounts the old root (lazily, MNT_DETACH). After that the host\'s filesystem is not in the container\'s mount table at all: there is nothing above "/" to climb to.',
    'It only makes sense inside a mount namespace of the container\'s own (in the host\'s it would swap the host\'s root). runc\'s trick, used by mini-run too: chdir into the new root and call pivot_root(".", "."): the old root ends up stacked on top of the new one at ".", and one umount2(".", MNT_DETACH) removes it.',
  ],
  calls: {
    run: ['--network', 'none', '{image}', 'true'],
    show: /pivot_root|umount2|chdir\("\$ROOT\/containers|chdir\("\/"\)/,
    note: 'chdir into rootfs, pivot_root(".", "."), umount2(".", MNT_DETACH), chdir("/"): four calls, and the host\'s root is gone from the container.',
  },
  experiment: {
    intro: `The same escape as in lesson 2 (${ESCAPE_IN_CONTAINER} climbs out, then lists "/"): chroot only, then pivot_root.`,
    run: (lab) => [
      { title: 'off: chroot only (--no-pivot)', text: lab.run(['--network', 'none', '--no-pivot', '-v', ESCAPE_MOUNT, lab.image, ESCAPE_IN_CONTAINER, 'ls', '/']) },
      { title: 'on: pivot_root (default)', text: lab.run(['--network', 'none', '-v', ESCAPE_MOUNT, lab.image, ESCAPE_IN_CONTAINER, 'ls', '/']) },
    ],
    conclusion: "Without pivot_root the climb lands in the host's root directory. With it, the top of the mount namespace IS the container's root: the escape climbs nowhere and lists the image's own files (plus the directory it made).",
  },
  exercise: {
    run: ['--network', 'none', '-v', ESCAPE_MOUNT, '{image}', 'sleep', '3600'],
    tryThis: [
      `${ESCAPE_IN_CONTAINER} ls /       # still the container's files`,
      'cat /proc/self/mountinfo | head -3    # "/" is the overlay; no host root anywhere',
      'compare: mini-run run --rm --no-pivot -v ... (see lesson 2)',
    ],
  },
  check: {
    fact: "The host's root is unreachable: the chroot escape stays inside the container",
    counterExample: ['--network', 'none', '--no-pivot', '-v', ESCAPE_MOUNT, '{image}', 'sleep', '3600'],
    verify: (lab, c) => {
      const r = lab.exec(c.name, [ESCAPE_IN_CONTAINER, 'cat', '/etc/passwd']);
      if (r.status !== 0 && !r.stdout) {
        return { ok: false, evidence: `${ESCAPE_IN_CONTAINER} did not run: ${(r.stderr || '').trim().split('\n')[0]} (start the container with -v ${ESCAPE_MOUNT})` };
      }
      const reachedHost = r.stdout === readHostFile('/etc/passwd');
      return {
        ok: !reachedHost,
        evidence: reachedHost
          ? `${ESCAPE_IN_CONTAINER} cat /etc/passwd printed the HOST's file: this container only chroot()ed (--no-pivot?)`
          : `${ESCAPE_IN_CONTAINER} cat /etc/passwd printed the container's own /etc/passwd: nothing above its root`,
      };
    },
  },
};
