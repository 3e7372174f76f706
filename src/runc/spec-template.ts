/**
 * `mini-runc spec`: a starting config.json for a bundle, like `runc spec` writes — `sh` in a
 * rootfs/ beside it, new namespaces, docker's default mounts, a small set of capabilities,
 * /proc paths masked. Edit it, then `mini-runc run ID` in that directory.
 */
const CAPS = ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'];

export function defaultSpec(rootless: boolean): object {
  const spec = baseSpec(rootless);
  return rootless ? toRootless(spec) : spec;
}

/**
 * `spec --rootless` (as runc's): a user namespace in which our own uid and gid are root — the
 * only ids an unprivileged user may map without help — no network namespace (nobody could wire
 * it up) and so /sys as a read-only bind of the host's (sysfs needs a network namespace of the
 * user namespace's own), no resource limits (no cgroup to put them in without delegation).
 */
function toRootless(spec: ReturnType<typeof baseSpec>): object {
  const uid = process.geteuid?.() ?? 0, gid = process.getegid?.() ?? 0;
  return {
    ...spec,
    mounts: [...spec.mounts.filter((m) => m.destination !== '/sys'),
      { destination: '/sys', type: 'none', source: '/sys', options: ['rbind', 'nosuid', 'noexec', 'nodev', 'ro'] }],
    linux: {
      ...spec.linux,
      resources: undefined,
      namespaces: [...spec.linux.namespaces.filter((n) => n.type !== 'network'), { type: 'user' }],
      uidMappings: [{ containerID: 0, hostID: uid, size: 1 }],
      gidMappings: [{ containerID: 0, hostID: gid, size: 1 }],
    },
  };
}

function baseSpec(rootless: boolean) {
  return {
    ociVersion: '1.0.2',
    process: {
      terminal: true,
      user: { uid: 0, gid: 0 },
      args: ['sh'],
      env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'TERM=xterm'],
      cwd: '/',
      capabilities: { bounding: CAPS, effective: CAPS, permitted: CAPS, ambient: CAPS },
      rlimits: [{ type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 }],
      noNewPrivileges: true,
    },
    root: { path: 'rootfs', readonly: true },
    hostname: 'mini-runc',
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc' },
      { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
      { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', ...(rootless ? [] : ['gid=5'])] },
      { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
      { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
      { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
    ],
    linux: {
      resources: { devices: [{ allow: false, access: 'rwm' }] },
      namespaces: [{ type: 'pid' }, { type: 'network' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }, { type: 'cgroup' }],
      maskedPaths: ['/proc/acpi', '/proc/asound', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list',
        '/proc/timer_stats', '/proc/sched_debug', '/sys/firmware', '/proc/scsi'],
      readonlyPaths: ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'],
    },
  };
}
