/** Lesson 15: the device cgroup — a device node may be made, but not opened. */
import type { Lesson } from '../lesson';

/**
 * /dev/kmsg's numbers (c 1:11: the host kernel's log) made as a node on a tmpfs mounted with
 * `dev` (device nodes honoured there), then opened for reading and closed at once.
 */
const PROBE = 'exec 2>&1; mknod /lab/kmsg c 1 11 && echo "mknod /lab/kmsg c 1 11: ok"; (exec 3</lab/kmsg) && echo "open /lab/kmsg: ok"';
const LAB_TMPFS = ['--tmpfs', '/lab:dev'];

export const devicesLesson: Lesson = {
  slug: 'devices',
  title: 'The device cgroup: mknod yes, open no',
  goal: 'A node made inside the container for a host device cannot be opened; --device opens one',
  about: [
    'A device node is only a name for three numbers: type (c or b), major, minor. Whoever opens "c 1:11" talks to the kernel log, "b 8:0" to the first disk — wherever the node was made: in /dev, in a volume, in an image layer. Container root keeps CAP_MKNOD (Docker\'s default, so images with device nodes unpack), so something else must refuse the open.',
    "That is the device cgroup. Docker's rules: deny everything, then allow mknod of any node and read/write only of null, zero, full, random, urandom, tty, console, ptmx, tun and the container's own ptys. On cgroup v1 they are lines written to devices.deny and devices.allow (read back in devices.list); cgroup v2 has no such files — the runtime loads a small eBPF program (BPF_PROG_TYPE_CGROUP_DEVICE, assembled in src/runtime/ebpf.ts) and attaches it to the container's cgroup; the kernel runs it on every open and mknod of a device node.",
    "--device /dev/fuse makes that one node in the container and adds one allow rule; --device-cgroup-rule 'c 1:11 r' adds a rule only; --privileged allows every device. Mounts add a second lock: the root, /dev and --tmpfs are mounted nodev unless asked otherwise (here: --tmpfs /lab:dev).",
  ],
  calls: {
    run: ['--network', 'none', '{image}', 'true'],
    show: /devices\.(deny|allow)|BPF_PROG_(LOAD|ATTACH)|mount\("\/dev\/(null|zero|tty)"/,
    note: 'On v1 "a *:* rwm" to devices.deny empties the list, then each allow rule is one write to devices.allow; on v2 one bpf(BPF_PROG_LOAD) of the rules as a program and one bpf(BPF_PROG_ATTACH) to the cgroup. The standard devices in /dev are bind mounts of the host\'s nodes.',
  },
  experiment: {
    intro: 'As root in three containers with a `dev` tmpfs at /lab: make a node with /dev/kmsg\'s numbers and open it for reading. First --privileged, then the default rules, then with --device-cgroup-rule \'c 1:11 r\'.',
    run: (lab) => [
      { title: 'off: --privileged', text: lab.run(['--network', 'none', '--privileged', ...LAB_TMPFS, lab.image, 'sh', '-c', PROBE]) },
      { title: "on: Docker's default rules", text: lab.run(['--network', 'none', ...LAB_TMPFS, lab.image, 'sh', '-c', PROBE]) },
      { title: "--device-cgroup-rule 'c 1:11 r'", text: lab.run(['--network', 'none', '--device-cgroup-rule', 'c 1:11 r', ...LAB_TMPFS, lab.image, 'sh', '-c', PROBE]) },
    ],
    conclusion: 'mknod works in all three (mknod is allowed for any node). Privileged, the open works: that container can read the host\'s kernel log. With the default rules the very same open gets "Operation not permitted" from the device cgroup; one rule for c 1:11 with r opens it again.',
  },
  exercise: {
    run: ['--network', 'none', ...LAB_TMPFS, '{image}', 'sleep', '3600'],
    tryThis: [
      'mknod /lab/null c 1 3 && echo hi > /lab/null && echo ok      # allowed: 1:3 is /dev/null',
      'mknod /lab/kmsg c 1 11 && cat /lab/kmsg                      # Operation not permitted',
      'cat /sys/fs/cgroup/devices/devices.list                      # cgroup v1: the rules (v2 has none: a BPF program)',
      'on the host: mini-run explain mr-lesson-devices              # SECCOMP AND DEVICES',
    ],
  },
  check: {
    fact: 'The device cgroup refuses opening a host device node made inside the container',
    counterExample: ['--network', 'none', '--privileged', ...LAB_TMPFS, '{image}', 'sleep', '3600'],
    verify: (lab, c) => {
      const node = '/lab/.check-kmsg';
      const r = lab.exec(c.name, ['sh', '-c', `rm -f ${node}; mknod ${node} c 1 11 && { (exec 3<${node}) 2>&1 && echo opened; }; rm -f ${node}`]);
      const out = (r.stdout + r.stderr).trim();
      return {
        ok: /Operation not permitted/.test(out) && !/opened/.test(out),
        evidence: `mknod ${node} c 1 11, then open it for reading: ${out || '(no output)'}`,
      };
    },
  },
};
