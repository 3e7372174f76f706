/** Lesson 11: capabilities and masked paths — root in a container is root with fewer powers. */
import type { Lesson } from '../lesson';
import { capabilityFacts, decodeCapabilityMask, maskedPathFacts } from '../../engine/live-facts';
import { DOCKER_DEFAULT_CAPS } from '../../runtime/capabilities';
import { CAPABILITIES } from '../../sys/constants';

/**
 * Four things root may or may not do, each needing something different: NET_ADMIN (take lo
 * down, in the container's own network namespace), CHOWN, reading /proc/keys (masked: the
 * host's keyrings), writing under /proc/sys (read-only; the hostname file is the container's
 * own UTS namespace, so even a privileged write cannot touch the host).
 */
const PROBE = [
  'exec 2>&1',
  'grep CapEff /proc/self/status',
  'ip link set lo down && echo "ip link set lo down: ok"',
  'touch /f; chown 1000 /f && echo "chown 1000 /f: ok"',
  'echo "/proc/keys: $(wc -l < /proc/keys) lines"',
  'echo -n renamed > /proc/sys/kernel/hostname && echo "write /proc/sys/kernel/hostname: ok"',
].join('; ');

/** Short names (chown, net_admin…) of a CapEff mask; "all but …" when nearly everything is there. */
function describeMask(hex: string): string {
  const names = decodeCapabilityMask(hex);
  const short = (n: string) => n.replace(/^CAP_/, '').toLowerCase();
  if (names.length > 20) {
    const missing = CAPABILITIES.filter((c) => !names.includes(c));
    return `# ${names.length} capabilities: all${missing.length ? ` but ${missing.map(short).join(', ')}` : ''}`;
  }
  return `# ${names.length} capabilities: ${names.map(short).join(' ')}`;
}

/** A run of the probe, with the CapEff line it printed decoded. */
function probe(lab: { run: (args: readonly string[]) => string }, args: readonly string[]): string {
  const out = lab.run([...args, 'sh', '-c', PROBE]);
  const hex = /CapEff:\s*([0-9a-f]+)/.exec(out)?.[1];
  return hex ? out.replace(/(CapEff:.*\n)/, `$1${describeMask(hex)}\n`) : out;
}

export const capabilitiesLesson: Lesson = {
  slug: 'capabilities',
  title: 'Capabilities and masked paths: root, but less',
  goal: "Root in a container has 14 of root's ~40 capabilities; the host's /proc secrets are masked",
  about: [
    "Linux splits root's power into capabilities: CAP_CHOWN (change any file's owner), CAP_NET_ADMIN (configure interfaces), CAP_SYS_ADMIN (mount, and a hundred other things), CAP_SYS_MODULE (load kernel code)… The kernel checks the one a call needs, not whether the caller is uid 0. /proc/PID/status shows each set as a bit mask: CapEff (in use), CapBnd (the ceiling nothing can exceed).",
    'A container\'s root keeps docker\'s default 14 — enough to install packages, bind port 80, switch users — and loses the rest (CapEff 00000000a80425fb). --cap-drop and --cap-add move single ones; --privileged gives all of them back and removes the masks below: it is effectively root on the host.',
    "Masked and read-only paths: /proc and /sys show the HOST kernel's data, and not all of it is namespaced. So /proc/keys, /proc/kcore, /proc/timer_list… get /dev/null mounted over them, directories like /proc/acpi or /sys/firmware an empty read-only tmpfs, and /proc/sys, /proc/irq, /proc/bus… are remounted read-only.",
  ],
  calls: {
    run: ['--network', 'none', '{image}', 'true'],
    show: /PR_CAPBSET_DROP, CAP_(SYS_ADMIN|NET_ADMIN|SYS_MODULE)\)|capset|mount\("\/dev\/null", "\/proc|mount\("tmpfs", "\/(proc|sys)\/|mount\(NULL, "\/proc\/sys"/,
    note: 'After pivot_root: /dev/null over the masked files, an empty read-only tmpfs over the masked directories, /proc/sys bound onto itself and remounted read-only. Then one prctl(PR_CAPBSET_DROP) per capability outside the 14 (three of them shown), and capset() sets the effective and permitted sets to 0xa80425fb before the execve.',
  },
  experiment: {
    intro: 'The same probe as root in three containers: print CapEff (decoded below it), take lo down (needs NET_ADMIN), chown a file (CHOWN), count the lines of /proc/keys (masked), and write to /proc/sys (read-only). First with --privileged, then with the default set, then with --cap-drop CHOWN --cap-add NET_ADMIN.',
    run: (lab) => [
      { title: 'off: --privileged', text: probe(lab, ['--network', 'none', '--privileged', lab.image]) },
      { title: "default: docker's 14", text: probe(lab, ['--network', 'none', lab.image]) },
      { title: '--cap-drop CHOWN --cap-add NET_ADMIN', text: probe(lab, ['--network', 'none', '--cap-drop', 'CHOWN', '--cap-add', 'NET_ADMIN', lab.image]) },
    ],
    conclusion: 'Privileged, root can do all four — it reads the host\'s keyrings through /proc/keys. With the default 14 it may chown but not touch interfaces (Operation not permitted), /proc/keys reads as empty (it is /dev/null) and /proc/sys is a read-only file system. Dropping CHOWN and adding NET_ADMIN flips exactly those two answers, and two bits of CapEff.',
  },
  exercise: {
    run: ['--network', 'none', '{image}', 'sleep', '3600'],
    tryThis: [
      'grep Cap /proc/self/status          # then on the host: capsh --decode=00000000a80425fb (libcap2-bin)',
      'ip link set lo down                 # Operation not permitted: no CAP_NET_ADMIN',
      'mknod /tmp/zero c 1 5 && ls -l /tmp/zero   # allowed: CAP_MKNOD is one of the 14 (but / is mounted nodev: opening it fails)',
      'cat /proc/keys; ls /sys/firmware; mount | grep -E "/proc/|/sys/"   # masked and read-only',
      'on the host: mini-run explain mr-lesson-capabilities',
    ],
  },
  check: {
    fact: "The container's root has docker's default 14 capabilities, and the host's /proc files are masked",
    counterExample: ['--network', 'none', '--privileged', '{image}', 'sleep', '3600'],
    verify: (_lab, c) => {
      const caps = capabilityFacts(c.pid);
      const paths = maskedPathFacts(c.pid);
      const extra = caps.effective.filter((n) => !DOCKER_DEFAULT_CAPS.includes(n));
      const lacking = DOCKER_DEFAULT_CAPS.filter((n) => !caps.effective.includes(n));
      const short = (n: string) => n.replace(/^CAP_/, '');
      return {
        ok: extra.length === 0 && lacking.length === 0 && paths.masked.length > 0 && paths.readonly.includes('/proc/sys'),
        evidence: `CapEff ${caps.effectiveHex}: ${caps.effective.length} capabilities` +
          (extra.length ? `, ${extra.length} more than docker's default (${extra.slice(0, 6).map(short).join(', ')}${extra.length > 6 ? ', …' : ''})` : '') +
          (lacking.length ? `, without ${lacking.map(short).join(', ')} of docker's default` : '') +
          (!extra.length && !lacking.length ? ": exactly docker's default" : '') +
          `\nmasked: ${paths.masked.join(' ') || 'nothing'}\nread-only: ${paths.readonly.join(' ') || 'nothing'}`,
      };
    },
  },
};
