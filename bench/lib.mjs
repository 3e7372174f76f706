// Shared pieces of the benchmarks: removing a scratch directory safely, and cleaning up on
// exit or on Ctrl-C.
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';

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
