/** Lesson 8: the IPC namespace — System V shared memory, semaphores and message queues of its own. */
import type { Lesson } from '../lesson';
import { hostOutput, readHostFile } from '../lab';
import { namespaceFacts } from '../../engine/live-facts';

/**
 * /proc/sysvipc/shm lists the System V shared memory segments of the READER's IPC namespace
 * (busybox has no `ipcs`, but it has awk): key, id, permissions and size are enough here.
 */
const LIST_SEGMENTS = ['awk', '{print $1, $2, $3, $4}', '/proc/sysvipc/shm'];

/** The segments in a /proc/sysvipc/shm text (its header line left out). */
function segmentCount(text: string): number {
  return text.split('\n').slice(1).filter((l) => l.trim()).length;
}

export const ipcLesson: Lesson = {
  slug: 'ipc',
  title: 'IPC namespace: shared memory and message queues of its own',
  goal: "The host's shared memory and message queues do not exist inside a container",
  about: [
    'Processes can talk through kernel objects that have no file name: System V shared memory segments, semaphore sets and message queues (shmget, semget, msgget), found by a numeric key, and POSIX message queues (mq_open). Any process that knows the key, and has the permission bits, can attach to them.',
    'The IPC namespace gives a container its own set of these: its own keys and ids, its own limits (/proc/sys/kernel/shmmax…), and its own mqueue filesystem (mounted on /dev/mqueue). A segment made on the host does not exist inside, and one made inside disappears with the namespace when the container ends. POSIX shared memory (shm_open) is something else: just files in /dev/shm, which each container gets as a tmpfs of its own (a mount, see lesson 3).',
  ],
  calls: {
    run: ['--network', 'none', '{image}', 'true'],
    show: /CLONE_NEWIPC|mount\("(shm|mqueue)"/,
    note: 'CLONE_NEWIPC is one of the init\'s unshare(2) flags. Then a fresh mqueue filesystem for the new namespace on /dev/mqueue, and a tmpfs on /dev/shm. With --ipc host the flag is left out and the container uses the host\'s IPC objects.',
  },
  experiment: {
    intro: 'A 4 KiB System V shared memory segment made on the host with `ipcmk`, then listed from /proc/sysvipc/shm in a container sharing the host\'s IPC namespace (--ipc host) and in one with its own. The segment is removed again at the end (`ipcrm -m ID`).',
    run: (lab) => {
      const made = hostOutput('ipcmk -M 4096 -p 0600');
      const id = /id:\s*(\d+)/.exec(made)?.[1];
      try {
        return [
          { title: 'host', text: `$ ipcmk -M 4096 -p 0600\n${made}` + lab.host(`awk '{print $1, $2, $3, $4}' /proc/sysvipc/shm`) },
          { title: 'off: --ipc host', text: lab.run(['--network', 'none', '--ipc', 'host', lab.image, ...LIST_SEGMENTS]) },
          { title: 'on: own IPC namespace', text: lab.run(['--network', 'none', lab.image, ...LIST_SEGMENTS]) },
        ];
      } finally {
        if (id) hostOutput(`ipcrm -m ${id}`);
      }
    },
    conclusion: "With --ipc host the container lists the host's segment (the same key, id and size). With its own IPC namespace the list is empty: the segment is not hidden, it does not exist there. The same goes for semaphores (/proc/sysvipc/sem) and message queues (/proc/sysvipc/msg).",
  },
  exercise: {
    run: ['--network', 'none', '{image}', 'sleep', '3600'],
    tryThis: [
      'cat /proc/sysvipc/shm /proc/sysvipc/sem /proc/sysvipc/msg   # all empty: a new namespace',
      'readlink /proc/self/ns/ipc           # and on the host: readlink /proc/self/ns/ipc',
      'on the host, make a segment INSIDE it: nsenter -t $(mini-run inspect -f "{{.State.Pid}}" mr-lesson-ipc) -i ipcmk -M 1024',
      'then: cat /proc/sysvipc/shm (inside: there it is) and ipcs -m on the host (not there)',
      'mount | grep -E "shm|mqueue"          # /dev/shm and /dev/mqueue are the container\'s own',
    ],
  },
  check: {
    fact: "The container has its own IPC namespace: the host's System V IPC objects do not exist in it",
    counterExample: ['--network', 'none', '--ipc', 'host', '{image}', 'sleep', '3600'],
    verify: (lab, c) => {
      const ipc = namespaceFacts(c.pid).find((n) => n.type === 'ipc')!;
      const inside = lab.exec(c.name, ['cat', '/proc/sysvipc/shm']);
      const onHost = segmentCount(readHostFile('/proc/sysvipc/shm'));
      return {
        ok: !ipc.shared,
        evidence: `ipc namespace: ${ipc.inside} inside, ${ipc.host} on the host${ipc.shared ? ' (the same: shared, --ipc host)' : ''}\n` +
          `shared memory segments: ${inside.status === 0 ? segmentCount(inside.stdout) : '?'} inside, ${onHost} on the host`,
      };
    },
  },
};
