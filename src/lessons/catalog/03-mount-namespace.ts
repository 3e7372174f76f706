/** Lesson 3: the mount namespace — a mount table of the container's own, and making "/" private. */
import type { Lesson } from '../lesson';
import { paths } from '../../paths';
import { mountPointsUnder } from '../../runtime/host-mounts';
import { namespaceFacts } from '../../engine/live-facts';

export const mountNamespaceLesson: Lesson = {
  slug: 'mount-ns',
  title: 'The mount namespace, and making "/" private',
  goal: "The container's mounts (overlay, /proc, /dev…) live in a mount table of its own",
  about: [
    "Every process belongs to a mount namespace: a mount table. unshare(CLONE_NEWNS) gives the caller a copy of its current table; from then on, mounts and unmounts on either side are private — if propagation allows.",
    'Propagation is the catch. systemd marks "/" as shared, so a mount made under a shared mount is copied to every peer — including back to the host. So the first thing a runtime does in its new namespace is mount(NULL, "/", NULL, MS_REC|MS_PRIVATE): stop all propagation, both ways. Then it can mount the overlay root, /proc, /dev and the rest, and the host never sees them. When the last process of the namespace exits, the kernel drops the whole table.',
  ],
  calls: {
    run: ['--network', 'none', '{image}', 'true'],
    show: /CLONE_NEWNS|MS_PRIVATE|mount\("(overlay|proc|tmpfs)"/,
    note: 'unshare(CLONE_NEWNS) first, then "/" made recursively private, and only then the mounts: overlay on rootfs, proc, a tmpfs for /dev…',
  },
  experiment: {
    intro: "A sleeping container, then the host's own mount table searched for that container's directory: once with --mount-ns host (a lesson switch: no mount namespace at all), once with the default.",
    run: (lab) => {
      const hostView = (c: { id: string }) => {
        const dir = paths.container(c.id);
        const found = mountPointsUnder(dir).map((p) => p.replace(dir, '…/' + c.id.slice(0, 12)));
        return `$ grep -c ${dir.replace(c.id, c.id.slice(0, 12) + '…')} /proc/self/mountinfo\n${found.length}\n${found.slice(0, 8).join('\n')}${found.length > 8 ? `\n… ${found.length - 8} more` : ''}`;
      };
      return [
        { title: "off (--mount-ns host): host's table", text: lab.withContainer(['--network', 'none', '--mount-ns', 'host', lab.image, 'sleep', '3600'], hostView) },
        { title: "on (default): host's table", text: lab.withContainer(['--network', 'none', lab.image, 'sleep', '3600'], hostView) },
      ];
    },
    conclusion: "Without a mount namespace every mount of the container lands in the host's table (and mini-run has to take them down itself when it ends). With one, the host sees none of them.",
  },
  exercise: {
    run: ['--network', 'none', '{image}', 'sleep', '3600'],
    tryThis: [
      'cat /proc/self/mountinfo      # the container\'s table: overlay on /, proc, tmpfs…',
      'readlink /proc/self/ns/mnt    # vs the host: readlink /proc/self/ns/mnt',
      'on the host: grep -c mini-run /proc/self/mountinfo   # none of them',
    ],
  },
  check: {
    fact: "The container has its own mount namespace: none of its mounts are in the host's table",
    counterExample: ['--network', 'none', '--mount-ns', 'host', '{image}', 'sleep', '3600'],
    verify: (_lab, c) => {
      const mnt = namespaceFacts(c.pid).find((n) => n.type === 'mnt')!;
      const onHost = mountPointsUnder(paths.container(c.id));
      return {
        ok: !mnt.shared && onHost.length === 0,
        evidence: `mnt namespace: ${mnt.inside} inside, ${mnt.host} on the host${mnt.shared ? ' (the same: shared)' : ''}\n${onHost.length} of its mounts in the host's table${onHost.length ? `, e.g. ${onHost[0]}` : ''}`,
      };
    },
  },
};
