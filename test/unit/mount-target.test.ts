/**
 * Mount targets opened inside the root (runtime/mount-target.ts), on a plain directory tree
 * with a malicious image's links (CVE-2015-3627 / CVE-2021-30465 class): whatever the links
 * say, the fd handed back — what the runtime mounts onto — is inside the root, and nothing is
 * created or opened outside it. No mount is made here.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { close } from '../../src/sys/libc';
import { fdPath, isSymlinkInRoot, openMountTarget, openRoot } from '../../src/runtime/mount-target';

let rootfs: string;
let outside: string;
let rootFd: number;

beforeEach(() => {
  rootfs = mkdtempSync('/tmp/mr-test-mt-root-');
  outside = mkdtempSync('/tmp/mr-test-mt-host-');
  writeFileSync(join(outside, 'hosts'), 'host\n');
  mkdirSync(join(rootfs, 'etc'));
  mkdirSync(join(rootfs, 'dev'));
  rootFd = openRoot(rootfs);
});

afterEach(() => {
  close(rootFd);
  rmSync(rootfs, { recursive: true, force: true });
  rmSync(outside, { recursive: true, force: true });
});

/** Where the kernel says the fd is (readlink of /proc/self/fd/N), then closes it. */
function whereIs(fd: number): string {
  try {
    return readlinkSync(fdPath(fd));
  } finally {
    close(fd);
  }
}

describe('openMountTarget', () => {
  it('an absolute link to a host file resolves to the same path inside the root, created there', () => {
    symlinkSync(join(outside, 'hosts'), join(rootfs, 'etc/hosts'));
    expect(whereIs(openMountTarget(rootFd, rootfs, '/etc/hosts', 'file'))).toBe(join(rootfs, outside, 'hosts'));
    expect(statSync(join(rootfs, outside, 'hosts')).size).toBe(0);
    expect(readdirSync(outside)).toEqual(['hosts']);
  });

  it('a relative link climbing with .. stays at the root', () => {
    symlinkSync(`../../../../../..${outside}/made`, join(rootfs, 'dev/null'));
    expect(whereIs(openMountTarget(rootFd, rootfs, '/dev/null', 'dir'))).toBe(join(rootfs, outside, 'made'));
    expect(existsSync(join(outside, 'made'))).toBe(false);
  });

  it('a directory swapped for a link after resolution is still opened inside (the kernel resolves each step)', () => {
    // what the userspace resolver saw: a plain directory; what the kernel meets: a link out
    mkdirSync(join(rootfs, 'data'));
    const fd = openMountTarget(rootFd, rootfs, '/data/sub', 'dir');
    close(fd);
    rmSync(join(rootfs, 'data'), { recursive: true });
    symlinkSync(outside, join(rootfs, 'data'));
    expect(whereIs(openMountTarget(rootFd, rootfs, '/data/sub', 'dir'))).toBe(join(rootfs, outside, 'sub'));
    expect(readdirSync(outside)).toEqual(['hosts']);
  });

  it('a link to /proc/self/root/… means the root\'s own /proc, never the host\'s (the init\'s root is still the host)', () => {
    symlinkSync('/proc/self/root/tmp', join(rootfs, 'escape'));
    mkdirSync(join(rootfs, 'proc'));
    // inside the root /proc is an empty directory here; once the container's proc is mounted
    // there, RESOLVE_NO_MAGICLINKS refuses /proc/N/root itself (ELOOP)
    expect(whereIs(openMountTarget(rootFd, rootfs, '/escape/x', 'dir'))).toBe(join(rootfs, 'proc/self/root/tmp/x'));
  });

  it('isSymlinkInRoot tells a link from a directory', () => {
    symlinkSync(outside, join(rootfs, 'proc'));
    expect(isSymlinkInRoot(rootFd, '/proc')).toBe(true);
    expect(isSymlinkInRoot(rootFd, '/etc')).toBe(false);
    expect(isSymlinkInRoot(rootFd, '/nothing')).toBe(false);
  });
});
