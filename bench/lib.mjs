// Shared pieces of the benchmarks: the command line, removing a scratch directory safely, and
// cleaning up on exit or on Ctrl-C.
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * Remove `scratch`. Never rm -rf through a mount: if something is still mounted under it (a
 * leak in whatever was benchmarked), detach it first and say so.
 */
export function removeScratch(scratch, label) {
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4])
    .filter((m) => m && (m === scratch || m.startsWith(`${scratch}/`)))
    .reverse();
  for (const m of mounts) {
    console.error(`${label}: warning: ${m} was left mounted; unmounting`);
    spawnSync('umount', ['-l', m], { stdio: 'ignore' });
  }
  rmSync(scratch, { recursive: true, force: true });
}

/** Run `cleanup` once, at exit and on SIGINT/SIGTERM/SIGHUP (then exit 128+N). */
export function cleanupOnExit(label, cleanup) {
  let done = false;
  const once = () => {
    if (done) return;
    done = true;
    cleanup();
  };
  process.on('exit', once);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(sig, () => {
      console.error(`\n${label}: ${sig}: stopping and cleaning up`);
      once();
      process.exit(128 + ({ SIGHUP: 1, SIGINT: 2, SIGTERM: 15 })[sig]);
    });
  }
}

/**
 * The benches' command line: `--NAME VALUE` or `--NAME=VALUE` for each option in `defaults`
 * (a boolean default makes it a flag; a number must be a positive integer; a string is a path,
 * resolved), -h/--help prints `usageText`. A wrong argument prints it with the reason, exit 2.
 */
export function parseArgs(argv, label, usageText, defaults) {
  const usage = (err) => {
    if (err) {
      console.error(`${label}: ${err}\n${usageText}`);
      process.exit(2);
    }
    console.log(usageText);
    process.exit(0);
  };
  const o = { ...defaults };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-h' || a === '--help') usage();
    const key = a.startsWith('--') ? a.slice(2).split('=')[0] : '';
    if (!Object.hasOwn(defaults, key)) usage(`unknown argument: ${a}`);
    if (typeof defaults[key] === 'boolean') {
      if (a.includes('=')) usage(`unknown argument: ${a}`);
      o[key] = true;
      continue;
    }
    const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i];
    if (v === undefined) usage(`${a} needs a value`);
    o[key] = typeof defaults[key] === 'number' ? Number(v) : resolve(v);
  }
  for (const [key, d] of Object.entries(defaults)) {
    if (typeof d === 'number' && (!Number.isInteger(o[key]) || o[key] < 1)) usage(`--${key} must be a positive integer`);
  }
  return o;
}
