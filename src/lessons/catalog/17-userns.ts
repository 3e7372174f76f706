/** Lesson 17: the user namespace — root in the container is nobody on the host. */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Lab } from '../lab';
import type { Column, Lesson } from '../lesson';
import { userFacts } from '../../engine/explain';
import { shellLine } from '../../sys/trace';

/**
 * What each experiment container does as its root: who it is and its map, take its own lo down
 * (needs NET_ADMIN over its own network namespace), write a file into the shared bind mount,
 * and read the host's root-only file there.
 */
const PROBE = [
  'exec 2>&1',
  'echo "id -u: $(id -u)"',
  'echo "uid_map: $(awk \'{print $1, $2, $3}\' /proc/self/uid_map)"',
  'ip link set lo down && echo "ip link set lo down: ok"',
  'touch /shared/written-by-$1 && echo "touch /shared/written-by-$1: ok"',
  'cat /shared/secret',
].join('; ');

/**
 * One experiment column: a container with the shared directory bind-mounted at /shared runs the
 * probe as its root; then the host looks at the same process and the same file.
 */
function column(lab: Lab, title: string, tag: string, dir: string, flags: string[]): Column {
  const args = [...flags, '--network', 'none', '-v', `${dir}:/shared`, lab.image, 'sleep', '60'];
  return lab.withContainer(args, (c) => {
    const probe = ['sh', '-c', PROBE, 'probe', tag];
    const r = lab.exec(c.name, probe);
    const text = `$ ${shellLine(['mini-run', 'run', '-d', ...args])}\n` +
      `$ ${shellLine(['mini-run', 'exec', c.name, ...probe])}\n${r.stdout}${r.stderr}` +
      'on the host:\n' +
      lab.host(`awk '{print $1, $2, $3}' /proc/${c.pid}/uid_map`) +
      lab.host(`ps -o user,pid,comm -p ${c.pid}`) +
      lab.host(`stat -c '%u:%g %n' ${dir}/written-by-${tag}`);
    return { title, text };
  });
}

export const usernsLesson: Lesson = {
  slug: 'userns',
  title: 'User namespaces: root inside, nobody outside',
  goal: "With --userns private the container's uid 0 is an unused host uid: its files and its process are nobody's on the host",
  about: [
    "Every other namespace leaves one thing alone: who you are. Without a user namespace, uid 0 in a container IS uid 0 on the host — only capabilities, seccomp and the mounts stop it. Whatever slips past them (a leaked fd, a host file bind-mounted in, a /proc file not masked) is touched by the host's root.",
    "A user namespace renumbers users. Its /proc/PID/uid_map has lines \"INSIDE HOST COUNT\": \"0 100000 65536\" makes uids 0..65535 inside stand for host uids 100000..165535. The process runs as host uid 100000; files it creates belong to 100000; a host file owned by an id outside the map shows as nobody (65534) inside. Only a process with power over the parent namespace may write the map — the runtime does, once, for the container's init.",
    "Capabilities in a user namespace are real but count only over what that namespace owns: its own network, mount, UTS namespaces and files whose owners are mapped into it. Container root may take its own lo down or mount a tmpfs; on a host file it is just uid 100000 — it cannot read a 0600 root file or change a kernel setting, even with every capability.",
    "mini-run, like dockerd's userns-remap, takes the range from /etc/subuid and /etc/subgid for a host user — `mini-run`, created with useradd on the first --userns private run (dockerd creates `dockremap`). The image's layers stay owned by host root and shared: each container sees them through an idmapped mount, made only in its own mount namespace. `\"userns-remap\": \"default\"` in /etc/mini-run/config.json makes it the default for every container; --userns host opts one out.",
  ],
  calls: {
    run: ['--userns', 'private', '--network', 'none', '{image}', 'true'],
    show: /new user namespace|uid_map|MOUNT_ATTR_IDMAP|# idmapped|\[init\] unshare/,
    note: 'The init is started through native/userns-exec: one unshare(CLONE_NEWUSER|CLONE_NEWPID) in a single-threaded helper (the kernel refuses a new user namespace to a multi-threaded process like Node). The engine then writes the init\'s uid_map and gid_map; the init becomes root of its namespace and makes the others (mount, UTS, IPC, network) — owned by the user namespace. Before the root is mounted, the engine makes an idmapped mount of the layers (mount_setattr with MOUNT_ATTR_IDMAP) and moves it into the container\'s mount namespace only.',
  },
  experiment: {
    intro: 'A directory on the host, writable by anyone, holds a 0600 file of host root (secret). Three containers get it at /shared; their root prints its uid and map, takes its own lo down, writes a file there and reads the secret; then the host looks at the process (ps) and the written file (stat). First --userns host (no user namespace: the default), then --userns private, then --userns private with every capability and no seccomp filter.',
    run: (lab) => {
      const dir = mkdtempSync('/tmp/mr-lesson-userns-');
      try {
        chmodSync(dir, 0o1777); // like /tmp: anyone, the remapped root too, may create files here
        writeFileSync(join(dir, 'secret'), 'host root\'s secret\n', { mode: 0o600 });
        return [
          column(lab, 'off: --userns host', 'host', dir, ['--userns', 'host']),
          column(lab, 'on: --userns private', 'private', dir, ['--userns', 'private']),
          column(lab, 'on, with --cap-add ALL', 'allcaps', dir, ['--userns', 'private', '--cap-add', 'ALL', '--security-opt', 'seccomp=unconfined']),
        ];
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    conclusion: "Without a user namespace the map is the identity (0 0 4294967295): ps shows root, the file written is root's and the secret is read. With --userns private, uid 0 inside is host uid START of the range: ps shows that number (no name: no host user has it), the file on the host belongs to it, and the secret is refused. Docker's 14 capabilities lack NET_ADMIN; given every capability, root may take down its own lo (its network namespace belongs to its user namespace) — and still cannot read the host root's file.",
  },
  exercise: {
    run: ['--userns', 'private', '--network', 'none', '{image}', 'sleep', '3600'],
    tryThis: [
      'id; cat /proc/self/uid_map /proc/self/gid_map     # 0 inside, 0 START 65536',
      'ls -ln /bin/busybox; touch /etc/new; ls -ln /etc/new   # the image\'s files are 0:0 (idmapped); so is what root writes',
      'cat /proc/1/status | grep -E "^(Uid|Cap)"           # uid 0, the usual capabilities — of this namespace',
      'on the host: ps -o user,pid,comm -p $(mini-run inspect -f "{{.State.Pid}}" mr-lesson-userns)',
      'on the host: mini-run explain mr-lesson-userns     # USERS: uid_map, gid_map, the host uid of root',
      'on the host: grep mini-run /etc/subuid /etc/subgid; mini-run inspect -f "{{json .UsernsRemap}}" mr-lesson-userns',
    ],
  },
  check: {
    fact: "The container's root (uid 0 inside) is an unprivileged uid on the host",
    counterExample: ['--userns', 'host', '--network', 'none', '{image}', 'sleep', '3600'],
    verify: (_lab, c) => {
      const u = userFacts(c.pid);
      const map = `uid_map of PID ${c.pid}: ${u.uidMap.join(' | ') || '(empty)'}`;
      const ok = u.hostUidOfRoot !== null && u.hostUidOfRoot !== 0 && u.hostUid !== 0;
      return {
        ok,
        evidence: `${map}\n` + (u.hostUidOfRoot === null
          ? 'uid 0 is not mapped'
          : `uid 0 inside is host uid ${u.hostUidOfRoot}${u.hostUidOfRoot === 0 ? ': host root' : ''}; the process runs as host uid ${u.hostUid}`),
      };
    },
  },
};
