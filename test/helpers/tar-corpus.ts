/**
 * The tar corpus: one source tree with everything a layer must keep, archived by independent
 * writers (GNU tar in each format, bsdtar, busybox tar, Python's tarfile, node-tar), and a
 * listing of an extracted tree to compare what we unpack with what GNU tar extracts.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, closeSync, openSync, writeSync, chownSync, linkSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { lgetxattr, llistxattr, lsetxattr } from '../../src/sys/libc';

const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;

/** A path of `len` characters whose 100th character is '/' (the case GNU tar users hit). */
export function slashAt100(len: number): string {
  const dirs = 'a/'.repeat(50); // 100 characters, the last one '/'
  return dirs + 'b'.repeat(len - dirs.length);
}

/** Build the source tree under `dir` (run as root: owners, setcap, xattrs). */
export function makeCorpusTree(dir: string): void {
  const file = (rel: string, data: string | Buffer, mode = 0o644) => {
    const p = join(dir, rel);
    mkdirSync(join(p, '..'), { recursive: true });
    writeFileSync(p, data);
    chmodSync(p, mode);
    return p;
  };
  file('plain.txt', 'hello\n');
  file(slashAt100(126), 'long name, "/" at 100\n');            // the reported failure
  file(`deep/${'c'.repeat(120)}/${'d'.repeat(140)}`, 'beyond 255\n'); // needs PAX/GNU long names
  symlinkSync(`/target/${'t'.repeat(150)}`, join(dir, 'long-link'));    // long link target
  symlinkSync('plain.txt', join(dir, 'short-link'));
  // a hard-link group across directories
  file('hl-a', 'one inode, three names\n');
  mkdirSync(join(dir, 'sub'));
  linkSync(join(dir, 'hl-a'), join(dir, 'hl-b'));
  linkSync(join(dir, 'hl-a'), join(dir, 'sub/hl-c'));
  // unusual modes
  file('mode-0751', '#!/bin/sh\n', 0o751);
  file('mode-4755', 'suid\n', 0o4755);
  file('mode-0000', 'nobody\n', 0o000);
  for (const [name, mode] of [['dir-1777', 0o1777], ['dir-2775', 0o2775]] as const) {
    mkdirSync(join(dir, name));
    chmodSync(join(dir, name), mode);
  }
  execFileSync('mkfifo', [join(dir, 'fifo')]);
  file('한국어 이름.txt', '안녕하세요\n');
  file('with space/file name.txt', 'spaced\n');
  // owners ustar's 7 octal digits cannot hold (> 2097151)
  const big = file('big-owner', 'uid 3000000\n');
  chownSync(big, 3000000, 3000001);
  const cap = file('ping-like', 'capability\n', 0o755);
  execFileSync('setcap', ['cap_net_raw+ep', cap]);
  // a sparse file: 3 MiB, six islands of data (more than an old GNU header's 4 map slots, so
  // an extension block follows) and the last bytes, holes elsewhere
  const sparse = file('sparse', '');
  execFileSync('truncate', ['-s', '3M', sparse]);
  const fd = openSync(sparse, 'r+');
  for (let k = 0; k < 6; k++) writeSync(fd, Buffer.from(`island ${k}`), 0, 8, k * (512 << 10) + 100);
  writeSync(fd, Buffer.from('end'), 0, 3, (3 << 20) - 3);
  closeSync(fd);
  const xa = file('with-xattr', 'xattr\n');
  lsetxattr(xa, 'user.mr-test', Buffer.from('kept'));
  lsetxattr(xa, 'trusted.mr-test', Buffer.from('kept too')); // trusted.*: only root sets or reads these
}

/** A tar writer; `missing` says why it cannot run where it is not `available`. */
export interface Writer { name: string; available: boolean; missing?: string; write(srcDir: string, out: string): void }

const GO_WRITER = join(__dirname, '../fixtures/go-tar-writer/main.go');
const goBinaries = new Map<string, string>();

/**
 * test/fixtures/go-tar-writer built with Go's toolchain into `dir` (once per directory): its
 * build cache and GOPATH live there too (Go needs writable ones; the test removes the dir).
 */
function goTarWriter(dir: string): string {
  let bin = goBinaries.get(dir);
  if (bin) return bin;
  bin = join(dir, 'gotar');
  const env = { ...process.env, GOCACHE: join(dir, 'gocache'), GOPATH: join(dir, 'gopath'), GO111MODULE: 'off', GOFLAGS: '' };
  const r = spawnSync('go', ['build', '-o', bin, GO_WRITER], { env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`go build of ${GO_WRITER} failed: ${r.stderr}`);
  goBinaries.set(dir, bin);
  return bin;
}

/** Each writer archives the *contents* of srcDir ("./…" entries) into `out`. */
export const WRITERS: Writer[] = [
  ...['gnu', 'oldgnu', 'posix', 'ustar', 'v7', 'posix --sparse-version=0.0', 'posix --sparse-version=0.1'].map((fmt) => ({
    name: `GNU tar ${/ustar|v7/.test(fmt) ? '' : '--sparse '}--format=${fmt}`,
    available: true,
    write(src: string, out: string) {
      // ustar/v7 cannot hold some entries: GNU tar skips them (exit 2) and writes the rest.
      const xattrs = fmt.startsWith('posix') ? ['--xattrs', '--xattrs-include=*'] : [];
      const sparse = /ustar|v7/.test(fmt) ? [] : ['--sparse']; // ustar and v7 cannot say "sparse"
      const r = spawnSync('tar', ['-C', src, ...sparse, ...`--format=${fmt}`.split(' '), ...xattrs, '-cf', out, '.']);
      if (r.status !== 0 && r.status !== 2) throw new Error(`tar: ${r.stderr}`);
    },
  })),
  ...['pax', 'ustar', 'gnutar'].map((fmt) => ({
    name: `bsdtar --format ${fmt}`,
    available: has('bsdtar'),
    missing: 'no bsdtar (Debian: libarchive-tools)',
    write(src: string, out: string) {
      const r = spawnSync('bsdtar', ['-C', src, '--format', fmt, '-cf', out, '.']);
      if (r.status !== 0 && r.status !== 1) throw new Error(`bsdtar: ${r.stderr}`);
    },
  })),
  {
    name: 'busybox tar',
    available: has('busybox'),
    missing: 'no busybox (Debian: busybox-static)',
    write(src: string, out: string) {
      execFileSync('sh', ['-c', 'cd "$1" && busybox tar -cf "$2" .', 'sh', src, out], { stdio: 'pipe' });
    },
  },
  ...['PAX_FORMAT', 'GNU_FORMAT', 'USTAR_FORMAT'].map((fmt) => ({
    name: `python tarfile ${fmt}`,
    available: has('python3'),
    missing: 'no python3',
    write(src: string, out: string) {
      // USTAR cannot hold long names or big ids: skip what it refuses, like GNU tar does.
      const py = `
import sys, tarfile
with tarfile.open(sys.argv[2], 'w', format=tarfile.${fmt}) as t:
    def add(ti):
        try:
            t.addfile(ti, open(sys.argv[1] + '/' + ti.name, 'rb') if ti.isreg() else None)
        except ValueError:
            pass
    import os
    for base, dirs, files in os.walk(sys.argv[1]):
        dirs.sort()
        for n in sorted(dirs) + sorted(files):
            p = os.path.join(base, n)
            add(t.gettarinfo(p, './' + os.path.relpath(p, sys.argv[1])))
`;
      execFileSync('python3', ['-c', py, src, out], { stdio: 'pipe' });
    },
  })),
  // Go's archive/tar: what moby, containerd and BuildKit write layers with.
  ...['pax', 'gnu', 'ustar'].map((fmt) => ({
    name: `Go archive/tar ${fmt}`,
    available: has('go'),
    missing: 'no Go toolchain (`go`; Debian: golang-go, in scripts/install-deps.sh)',
    write(src: string, out: string) {
      const r = spawnSync(goTarWriter(dirname(out)), [fmt, src, out], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`gotar: ${r.stderr}`);
    },
  })),
  {
    name: 'node-tar (portable: false)',
    available: true,
    write(src: string, out: string) {
      execFileSync(process.execPath, ['-e', `require('tar').c({ sync: true, cwd: process.argv[1], file: process.argv[2] }, ['.'])`, src, out], { stdio: 'pipe' });
    },
  },
];

export interface ListedEntry { type: string; mode: string; owner: string; size?: number; sha256?: string; link?: string; xattrs?: Record<string, string>; hardlinks?: string }

/**
 * What a user sees of an extracted tree: for each path, its type, mode, owner, size, link
 * target, xattrs (overlay's own excluded) and the first name of its hard-link group.
 */
export function listTree(root: string): Record<string, ListedEntry> {
  const out: Record<string, ListedEntry> = {};
  const firstName = new Map<number, string>();
  const walk = (dir: string, prefix: string) => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      const rel = prefix + name;
      const st = lstatSync(p);
      const type = st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'symlink' : st.isFIFO() ? 'fifo' : st.isCharacterDevice() ? 'char' : st.isBlockDevice() ? 'block' : 'file';
      const e: ListedEntry = { type, mode: (st.mode & 0o7777).toString(8), owner: `${st.uid}:${st.gid}` };
      if (type === 'file') {
        e.size = st.size;
        e.sha256 = createHash('sha256').update(readFileSync(p)).digest('hex');
      }
      if (type === 'symlink') e.link = readlinkSync(p);
      const names = llistxattr(p).filter((n) => !n.startsWith('trusted.overlay.'));
      if (names.length) e.xattrs = Object.fromEntries(names.map((n) => [n, lgetxattr(p, n)!.toString('hex')]));
      if (type === 'file' && st.nlink > 1) {
        if (!firstName.has(st.ino)) firstName.set(st.ino, rel);
        e.hardlinks = firstName.get(st.ino);
      }
      out[rel] = e;
      if (type === 'dir') walk(p, rel + '/');
    }
  };
  walk(root, '');
  return out;
}

/** GNU tar's own extraction of `archive` into `dir` (owners, modes and xattrs kept). */
export function gnuExtract(archive: string, dir: string): void {
  const r = spawnSync('tar', ['-C', dir, '--numeric-owner', '-xpf', archive, '--xattrs', '--xattrs-include=*']);
  if (r.status !== 0) throw new Error(`GNU tar could not extract ${archive}: ${r.stderr}`);
}

export const readText = (p: string) => readFileSync(p, 'utf8');
