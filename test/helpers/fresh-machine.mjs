#!/usr/bin/env node
/**
 * A root filesystem for a machine that has never seen mini-run: what a new user's Debian box has
 * before `npm install -g mini-run` — Node.js with npm, a shell, coreutils, GNU tar, iproute2,
 * iptables and the static busybox (the README's prerequisites) — and nothing of this checkout.
 *
 *   node test/helpers/fresh-machine.mjs OUT.tar
 *   docker import OUT.tar mr-fresh-machine        (no network: everything comes from this host)
 *
 * Made from the host's own installed Debian packages (`dpkg -L`), the shared libraries their
 * programs load (`ldd`), and the node and npm that `command -v node` finds. No repository, npm
 * cache, state root or home directory goes in. Debian's merged /usr is kept (/bin -> usr/bin, …).
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, closeSync, existsSync, lstatSync, mkdirSync, mkdtempSync, openSync, readSync, readlinkSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const PACKAGES = ['libc-bin', 'dash', 'bash', 'coreutils', 'tar', 'sed', 'grep', 'gzip', 'findutils', 'busybox-static',
  'iproute2', 'iptables', 'util-linux', 'procps', 'libzstd1', 'netbase'];
/** Made by the packages' install scripts (update-alternatives), so `dpkg -L` does not list them. */
const ALTERNATIVES = ['/usr/sbin/iptables', '/usr/sbin/iptables-save', '/usr/sbin/iptables-restore',
  '/usr/sbin/ip6tables', '/usr/sbin/ip6tables-save', '/usr/sbin/ip6tables-restore'];
const SKIP = /^\/usr\/share\/(doc|man|info|locale|lintian|bash-completion)\//;

const sh = (cmd, args) => execFileSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'pipe'] });

function isElf(file) {
  const fd = openSync(file, 'r');
  try {
    const head = Buffer.alloc(4);
    return readSync(fd, head, 0, 4, 0) === 4 && head.toString('latin1') === '\x7fELF';
  } finally {
    closeSync(fd);
  }
}

/** The path with its directory resolved (merged /usr), and each link on the way to the file. */
function withLinks(path, out) {
  let hop = join(realpathSync(dirname(path)), basename(path));
  for (let i = 0; i < 10; i++) {
    out.add(hop);
    const st = lstatSync(hop);
    if (!st.isSymbolicLink()) return;
    const next = resolve(dirname(hop), readlinkSync(hop));
    if (!existsSync(next)) return;
    hop = join(realpathSync(dirname(next)), basename(next));
  }
}

export function writeFreshMachineTar(out) {
  for (const p of PACKAGES) {
    const status = (() => { try { return sh('dpkg-query', ['-W', '-f=${Status}', p]); } catch { return ''; } })();
    if (status !== 'install ok installed') throw new Error(`fresh-machine: package ${p} is not installed (scripts/install-deps.sh)`);
  }
  const node = realpathSync(process.execPath);
  const npmDir = realpathSync(join(dirname(node), '..', 'lib', 'node_modules', 'npm'));
  const listed = sh('dpkg', ['-L', ...PACKAGES]).split('\n').filter((f) => f.startsWith('/') && !SKIP.test(f));
  const files = [...listed, ...ALTERNATIVES.filter((f) => existsSync(f)), node]
    .filter((f) => { try { const st = lstatSync(f); return !st.isDirectory(); } catch { return false; } });
  // The shared libraries of every ELF program and library among them (one ldd for all).
  const elves = files.filter((f) => lstatSync(f).isFile() && isElf(f));
  const ldd = (() => { try { return sh('ldd', elves); } catch (e) { return String(e.stdout ?? ''); } })();
  for (const m of ldd.matchAll(/=> (\/\S+)|^\s+(\/\S+) \(/gm)) files.push(m[1] ?? m[2]);
  // iptables loads its match and target modules with dlopen: ldd does not show them.
  const xtables = sh('sh', ['-c', 'ls -d /usr/lib/*-linux-gnu/xtables/*.so 2>/dev/null || true']).split('\n').filter(Boolean);
  const all = new Set();
  for (const f of [...files, ...xtables]) withLinks(f, all);
  for (const top of ['/bin', '/sbin', '/lib', '/lib64']) all.delete(top);

  const work = mkdtempSync('/tmp/mr-fresh-machine-');
  try {
    const list = join(work, 'list');
    writeFileSync(list, [...all].sort().map((f) => f.slice(1)).join('\n') + '\n');
    // node and npm on PATH as a fresh box has them; a minimal /etc; the usual empty dirs.
    const extra = join(work, 'extra');
    for (const d of ['usr/local/bin', 'usr/local/lib', 'etc', 'root', 'tmp', 'var/tmp', 'var/lib', 'run']) mkdirSync(join(extra, d), { recursive: true });
    symlinkSync(node, join(extra, 'usr/local/bin/node'));
    symlinkSync(join(npmDir, 'bin', 'npm-cli.js'), join(extra, 'usr/local/bin/npm'));
    symlinkSync(join(npmDir, 'bin', 'npx-cli.js'), join(extra, 'usr/local/bin/npx'));
    chmodSync(join(extra, 'tmp'), 0o1777);
    chmodSync(join(extra, 'var/tmp'), 0o1777);
    chmodSync(join(extra, 'root'), 0o700);
    writeFileSync(join(extra, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/bash\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n');
    writeFileSync(join(extra, 'etc/group'), 'root:x:0:\nnogroup:x:65534:\n');
    sh('tar', ['-C', '/', '--no-recursion', '-cf', out, 'bin', 'sbin', 'lib', 'lib64']);
    sh('tar', ['-C', '/', '--no-recursion', '-rf', out, '-T', list]);
    sh('tar', ['-C', '/', '-rf', out, npmDir.slice(1)]);
    sh('tar', ['-C', extra, '-rf', out, 'usr', 'etc', 'root', 'tmp', 'var', 'run']);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  if (!process.argv[2]) { console.error('usage: node test/helpers/fresh-machine.mjs OUT.tar'); process.exit(2); }
  writeFreshMachineTar(process.argv[2]);
}
