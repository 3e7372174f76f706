/**
 * mini-runc: runc's command line on mini-run's runtime, so that any runc client (containerd's
 * runc shim, podman's conmon, a person with a bundle) can drive it unchanged.
 *
 *   mini-runc [--root DIR] [--log FILE] [--log-format text|json] [--debug] COMMAND [FLAGS] ID
 *
 * Every verb is thin: it parses its flags and calls the runtime's front door (src/runtime).
 * Errors: one line on stderr (and in --log, as runc writes it), exit status 1.
 */
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import * as runtime from '../runtime';
import { DEFAULT_RUNTIME_ROOT } from '../runtime/state';
import { Process } from '../runtime/spec-schema';
import { SIGNALS } from '../sys/constants';
import { UserError } from '../errors';
import { isoTime } from '../utc-time';
import { parseFlags, flagSet, flagValue, flagValues, type FlagTable, type Parsed } from './args';
import { defaultSpec } from './spec-template';

const VERSION = '0.1.0';
const SPEC_VERSION = '1.0.2';

const GLOBAL: FlagTable = {
  values: ['root', 'log', 'log-format', 'criu', 'rootless'],
  booleans: ['debug', 'systemd-cgroup', 'version', 'help'],
  aliases: { v: 'version', h: 'help' },
};

interface Ctx {
  root: string;
  args: Parsed;
}

type Verb = { flags: FlagTable; usage: string; run(ctx: Ctx): Promise<number> | number };

/** The container id: the first argument, required (runc: "… requires exactly 1 argument"). */
function idOf(ctx: Ctx, verb: string): string {
  const id = ctx.args.rest[0];
  if (!id) throw new UserError(`"${verb}" requires a container id (usage: ${VERBS[verb].usage})`, 1);
  return id;
}

const ref = (ctx: Ctx, verb: string): runtime.ContainerRef => ({ root: ctx.root, id: idOf(ctx, verb) });

function bundleOf(p: Parsed): string {
  return resolve(flagValue(p, 'bundle') ?? '.');
}

function refuseUnsupported(p: Parsed): void {
  const preserve = Number(flagValue(p, 'preserve-fds') ?? '0');
  if (preserve > 0) throw new UserError('--preserve-fds is not supported by mini-runc yet', 1);
}

function signalOf(s: string | undefined): number {
  if (s === undefined) return SIGNALS.SIGTERM;
  if (/^\d+$/.test(s)) return Number(s);
  const n = SIGNALS[s.toUpperCase()] ?? SIGNALS[`SIG${s.toUpperCase()}`];
  if (n === undefined) throw new UserError(`unknown signal "${s}"`, 1);
  return n;
}

const CREATE_FLAGS: FlagTable = {
  values: ['bundle', 'pid-file', 'console-socket', 'preserve-fds', 'b'],
  booleans: ['no-pivot', 'no-new-keyring', 'detach', 'd', 'keep', 'no-subreaper'],
  aliases: { b: 'bundle', d: 'detach' },
};

function createOptions(p: Parsed): runtime.CreateOptions {
  const consoleSocket = flagValue(p, 'console-socket');
  return { pidFile: flagValue(p, 'pid-file'), noPivot: flagSet(p, 'no-pivot'), ...(consoleSocket ? { consoleSocket: resolve(consoleSocket) } : {}) };
}

const VERBS: Record<string, Verb> = {
  spec: {
    usage: 'mini-runc spec [--bundle DIR] [--rootless]',
    flags: { values: ['bundle', 'b'], booleans: ['rootless'], aliases: { b: 'bundle' } },
    run(ctx) {
      const file = join(bundleOf(ctx.args), 'config.json');
      if (existsSync(file)) throw new UserError('File config.json exists. Remove it first', 1);
      writeFileSync(file, JSON.stringify(defaultSpec(flagSet(ctx.args, 'rootless')), null, '\t') + '\n');
      return 0;
    },
  },
  create: {
    usage: 'mini-runc create [--bundle DIR] [--pid-file FILE] [--console-socket SOCKET] [--no-pivot] ID',
    flags: CREATE_FLAGS,
    async run(ctx) {
      refuseUnsupported(ctx.args);
      await runtime.create(ref(ctx, 'create'), bundleOf(ctx.args), createOptions(ctx.args));
      return 0;
    },
  },
  start: {
    usage: 'mini-runc start ID',
    flags: { values: [], booleans: [] },
    run(ctx) {
      runtime.start(ref(ctx, 'start'));
      return 0;
    },
  },
  run: {
    usage: 'mini-runc run [--bundle DIR] [--detach] [--pid-file FILE] ID',
    flags: CREATE_FLAGS,
    async run(ctx) {
      refuseUnsupported(ctx.args);
      const r = ref(ctx, 'run');
      const opts = createOptions(ctx.args);
      if (flagSet(ctx.args, 'detach')) {
        await runtime.create(r, bundleOf(ctx.args), opts);
        runtime.start(r);
        return 0;
      }
      // Foreground: we stay the container's parent, relay its terminal, forward signals, and
      // exit with its status; then nothing of it is left (runc run without --keep).
      const started = await runtime.run(r, bundleOf(ctx.args), { interactive: true, stdio: ['inherit', 'inherit', 'inherit'], terminal: 'relay', noPivot: opts.noPivot });
      if (opts.pidFile) writeFileSync(opts.pidFile, String(started.pid));
      const exit = await started.wait();
      if (!flagSet(ctx.args, 'keep')) runtime.remove(r, { force: true });
      return exit.exitCode;
    },
  },
  state: {
    usage: 'mini-runc state ID',
    flags: { values: [], booleans: [] },
    run(ctx) {
      process.stdout.write(JSON.stringify(runtime.state(ref(ctx, 'state')), null, '  ') + '\n');
      return 0;
    },
  },
  kill: {
    usage: 'mini-runc kill [--all] ID [SIGNAL]',
    flags: { values: [], booleans: ['all', 'a'], aliases: { a: 'all' } },
    run(ctx) {
      const r = ref(ctx, 'kill');
      const sig = signalOf(ctx.args.rest[1]);
      if (flagSet(ctx.args, 'all')) {
        runtime.state(r); // exists?
        for (const pid of runtime.pids(r)) try { process.kill(pid, sig); } catch { /* exited */ }
      } else {
        runtime.kill(r, sig);
      }
      return 0;
    },
  },
  delete: {
    usage: 'mini-runc delete [--force] ID',
    flags: { values: [], booleans: ['force', 'f'], aliases: { f: 'force' } },
    run(ctx) {
      runtime.remove(ref(ctx, 'delete'), { force: flagSet(ctx.args, 'force') });
      return 0;
    },
  },
  pause: {
    usage: 'mini-runc pause ID',
    flags: { values: [], booleans: [] },
    run(ctx) {
      runtime.pause(ref(ctx, 'pause'));
      return 0;
    },
  },
  resume: {
    usage: 'mini-runc resume ID',
    flags: { values: [], booleans: [] },
    run(ctx) {
      runtime.resume(ref(ctx, 'resume'));
      return 0;
    },
  },
  ps: {
    usage: 'mini-runc ps [--format table|json] ID [PS ARGS]',
    flags: { values: ['format', 'f'], booleans: [], aliases: { f: 'format' } },
    run(ctx) {
      const pids = runtime.pids(ref(ctx, 'ps'));
      if (flagValue(ctx.args, 'format') === 'json') {
        process.stdout.write(JSON.stringify(pids) + '\n');
        return 0;
      }
      const psArgs = ctx.args.rest.slice(1);
      const out = spawnSync('ps', psArgs.length ? psArgs : ['-ef'], { encoding: 'utf8' });
      if (out.status !== 0) throw new UserError(`ps: ${out.stderr.trim()}`, 1);
      const [header, ...lines] = out.stdout.split('\n');
      const pidColumn = header.trim().split(/\s+/).indexOf('PID');
      const ours = new Set(pids.map(String));
      process.stdout.write([header, ...lines.filter((l) => ours.has(l.trim().split(/\s+/)[pidColumn]))].join('\n') + '\n');
      return 0;
    },
  },
  list: {
    usage: 'mini-runc list [--format table|json] [--quiet]',
    flags: { values: ['format', 'f'], booleans: ['quiet', 'q'], aliases: { f: 'format', q: 'quiet' } },
    run(ctx) {
      const states = runtime.list(ctx.root).flatMap((id) => {
        try { return [runtime.state({ root: ctx.root, id })]; } catch { return []; }
      });
      if (flagSet(ctx.args, 'quiet')) {
        for (const s of states) process.stdout.write(`${s.id}\n`);
      } else if (flagValue(ctx.args, 'format') === 'json') {
        process.stdout.write(JSON.stringify(states.map((s) => ({ ...s, rootfs: s.bundle, owner: 'root' }))) + '\n');
      } else {
        const rows = [['ID', 'PID', 'STATUS', 'BUNDLE', 'CREATED', 'OWNER'], ...states.map((s) => [s.id, String(s.pid), s.status, s.bundle, s.created, 'root'])];
        const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
        for (const r of rows) process.stdout.write(r.map((c, i) => c.padEnd(widths[i])).join('   ').trimEnd() + '\n');
      }
      return 0;
    },
  },
  exec: {
    usage: 'mini-runc exec [--process FILE | --tty --cwd DIR --env K=V --user UID[:GID]] [--detach] [--console-socket SOCKET] [--pid-file FILE] ID [COMMAND ARGS…]',
    flags: {
      values: ['process', 'p', 'console-socket', 'pid-file', 'cwd', 'env', 'e', 'user', 'u', 'cap', 'c', 'preserve-fds', 'process-label', 'apparmor', 'additional-gids', 'g', 'cgroup'],
      booleans: ['tty', 't', 'detach', 'd', 'no-new-privs', 'ignore-paused'],
      aliases: { p: 'process', e: 'env', u: 'user', c: 'cap', t: 'tty', d: 'detach', g: 'additional-gids' },
    },
    async run(ctx) {
      refuseUnsupported(ctx.args);
      const r = ref(ctx, 'exec');
      const proc = execProcess(ctx, r);
      const detach = flagSet(ctx.args, 'detach');
      const socket = flagValue(ctx.args, 'console-socket');
      // runc's rules: detached with a terminal, the caller takes it over a console socket;
      // a console socket only for that. In the foreground we relay the terminal ourselves.
      if (detach && proc.terminal && !socket) throw new UserError('cannot allocate tty if runc will detach without setting console socket', 1);
      if ((!detach || !proc.terminal) && socket) throw new UserError('cannot use console socket if runc will not detach or allocate tty', 1);
      const started = await runtime.exec(r, proc, { interactive: true, detach, keepStdio: true, ...(socket ? { consoleSocket: resolve(socket) } : {}) });
      const pidFile = flagValue(ctx.args, 'pid-file');
      if (pidFile) writeFileSync(pidFile, String(started.pid));
      if (detach) return 0;
      return (await started.wait()).exitCode;
    },
  },
  events: {
    usage: 'mini-runc events --stats ID',
    flags: { values: ['interval'], booleans: ['stats'] },
    run(ctx) {
      if (!flagSet(ctx.args, 'stats')) throw new UserError('mini-runc events supports only the one-shot --stats form', 1);
      const r = ref(ctx, 'events');
      const s = runtime.stats(r);
      const data = {
        cpu: { usage: { total: (s.cpuUsageUsec ?? 0) * 1000 } },
        memory: { usage: { usage: s.memoryUsageBytes ?? 0, limit: s.memoryLimitBytes ?? 0 } },
        pids: { current: s.pidsCurrent ?? runtime.pids(r).length },
        blkio: { read: s.blockReadBytes ?? 0, write: s.blockWriteBytes ?? 0 },
      };
      process.stdout.write(JSON.stringify({ type: 'stats', id: r.id, data }) + '\n');
      return 0;
    },
  },
  features: {
    usage: 'mini-runc features',
    flags: { values: [], booleans: [] },
    run() {
      process.stdout.write(JSON.stringify(FEATURES, null, '    ') + '\n');
      return 0;
    },
  },
  update: {
    usage: 'mini-runc update',
    flags: { values: [], booleans: [] },
    run() {
      throw new UserError('mini-runc update is not supported: recreate the container with new linux.resources', 1);
    },
  },
};

/** `exec`'s process: --process FILE (the runtime spec's process object), or the container's, changed by flags. */
function execProcess(ctx: Ctx, r: runtime.ContainerRef): Process {
  const file = flagValue(ctx.args, 'process');
  if (file) {
    const parsed = Process.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    if (!parsed.success) throw new UserError(`${file}: invalid process: ${parsed.error.issues[0].path.join('.')}: ${parsed.error.issues[0].message}`, 1);
    return parsed.data;
  }
  const args = ctx.args.rest.slice(1);
  if (args.length === 0) throw new UserError('exec needs a command (or --process FILE)', 1);
  const base = runtime.loadSpec(runtime.state(r).bundle).process;
  const user = flagValue(ctx.args, 'user');
  const [uid, gid] = user ? user.split(':').map(Number) : [base.user.uid, base.user.gid];
  const caps = flagValues(ctx.args, 'cap');
  return {
    ...base,
    args,
    terminal: flagSet(ctx.args, 'tty'),
    cwd: flagValue(ctx.args, 'cwd') ?? base.cwd,
    env: [...(base.env ?? []), ...flagValues(ctx.args, 'env')],
    user: { uid, gid: gid ?? 0 },
    noNewPrivileges: flagSet(ctx.args, 'no-new-privs') || base.noNewPrivileges,
    capabilities: caps.length && base.capabilities
      ? Object.fromEntries(Object.entries(base.capabilities).map(([k, v]) => [k, [...(v ?? []), ...caps]]))
      : base.capabilities,
  };
}

/** What this runtime can do (runtime-spec features.md), for clients that ask before they use. */
const FEATURES = {
  ociVersionMin: '1.0.0',
  ociVersionMax: SPEC_VERSION,
  hooks: ['prestart', 'createRuntime', 'poststart', 'poststop'],
  mountOptions: ['ro', 'rw', 'nosuid', 'suid', 'nodev', 'dev', 'noexec', 'exec', 'bind', 'rbind', 'private', 'rprivate', 'shared', 'rshared', 'slave', 'rslave'],
  linux: {
    namespaces: ['cgroup', 'ipc', 'mount', 'network', 'pid', 'user', 'uts'],
    capabilities: [],
    cgroup: { v1: true, v2: true, systemd: false, systemdUser: false },
    seccomp: { enabled: true, actions: ['SCMP_ACT_ALLOW', 'SCMP_ACT_ERRNO', 'SCMP_ACT_KILL', 'SCMP_ACT_KILL_PROCESS', 'SCMP_ACT_KILL_THREAD', 'SCMP_ACT_TRAP', 'SCMP_ACT_LOG'], operators: ['SCMP_CMP_NE', 'SCMP_CMP_LT', 'SCMP_CMP_LE', 'SCMP_CMP_EQ', 'SCMP_CMP_GE', 'SCMP_CMP_GT', 'SCMP_CMP_MASKED_EQ'], archs: ['SCMP_ARCH_X86_64'] },
    apparmor: { enabled: false },
    selinux: { enabled: false },
  },
  annotations: { 'org.mini-run.version': VERSION },
};

const HELP = `mini-runc: an OCI runtime with runc's command line (mini-run's runtime)

Usage: mini-runc [GLOBAL OPTIONS] COMMAND [OPTIONS] ID

Global options:
  --root DIR           where container states live (default ${DEFAULT_RUNTIME_ROOT})
  --log FILE           also write errors here (default: stderr only)
  --log-format FORMAT  text or json
  --debug              stack traces with errors
  --systemd-cgroup     refused: mini-runc manages cgroups itself (cgroupfs)
  --version, --help

Commands:
${Object.values(VERBS).map((v) => `  ${v.usage}`).join('\n')}
`;

let logFile: string | undefined;
let logFormat = 'text';

function logError(msg: string): void {
  if (!logFile) return;
  const time = isoTime();
  const line = logFormat === 'json' ? JSON.stringify({ level: 'error', msg, time }) : `time="${time}" level=error msg="${msg.replace(/"/g, '\\"')}"`;
  try { appendFileSync(logFile, line + '\n'); } catch { /* the log is a courtesy */ }
}

export async function main(argv: string[]): Promise<void> {
  let debug = false;
  try {
    const global = parseFlags(argv, GLOBAL, true);
    logFile = flagValue(global, 'log');
    logFormat = flagValue(global, 'log-format') ?? 'text';
    debug = flagSet(global, 'debug');
    if (logFormat !== 'text' && logFormat !== 'json') throw new UserError(`invalid log-format: ${logFormat}`, 1);
    if (flagSet(global, 'version')) {
      process.stdout.write(`mini-runc version ${VERSION}\nspec: ${SPEC_VERSION}\n`);
      return;
    }
    const [name, ...rest] = global.rest;
    if (flagSet(global, 'help') || !name || name === 'help') {
      process.stdout.write(HELP);
      return;
    }
    if (flagSet(global, 'systemd-cgroup')) throw new UserError('--systemd-cgroup is not supported: mini-runc manages cgroups itself (use the cgroupfs manager)', 1);
    const verb = VERBS[name];
    if (!verb) throw new UserError(`No help topic for '${name}'`, 1);
    // exec's command line after the id is the program's own: stop parsing flags there.
    const args = name === 'exec' ? parseExecArgs(rest, verb.flags) : parseFlags(rest, verb.flags, false);
    const code = await verb.run({ root: flagValue(global, 'root') ?? DEFAULT_RUNTIME_ROOT, args });
    process.exitCode = code;
  } catch (err) {
    const e = err as Error;
    process.stderr.write(`mini-runc: ${e.message}\n`);
    if (debug && e.stack) process.stderr.write(e.stack + '\n');
    logError(e.message);
    process.exit(1);
  }
}

/** exec ID COMMAND ARGS…: flags only before the id; everything after it is the command. */
function parseExecArgs(argv: readonly string[], table: FlagTable): Parsed {
  const flagsOnly = parseFlags(argv, table, true);
  return { flags: flagsOnly.flags, rest: flagsOnly.rest[0] === '--' ? flagsOnly.rest.slice(1) : flagsOnly.rest };
}
