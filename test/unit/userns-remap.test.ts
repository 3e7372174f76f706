/** engine/userns-remap.ts: which user namespace a container gets, and the /etc/subuid ranges read and picked. */
import { describe, expect, it } from 'vitest';
import { statSync } from 'node:fs';
import { copyOwnersFor, findRange, freeRangeStart, hostOwner, remapUserFor, DEFAULT_REMAP_USER, type UsernsRemap } from '../../src/engine/userns-remap';

describe('--userns and the config file\'s userns-remap', () => {
  it('--userns host opts out whatever the config says; private uses the configured user or mini-run', () => {
    expect(remapUserFor('host', 'default')).toBeNull();
    expect(remapUserFor('private', undefined)).toBe(DEFAULT_REMAP_USER);
    expect(remapUserFor('private', 'default')).toBe(DEFAULT_REMAP_USER);
    expect(remapUserFor('private', 'mr-someone')).toBe('mr-someone');
  });

  it('without --userns the config decides: no userns-remap means the host user namespace (Docker\'s default)', () => {
    expect(remapUserFor(undefined, undefined)).toBeNull();
    expect(remapUserFor(undefined, '')).toBeNull();
    expect(remapUserFor(undefined, 'default')).toBe(DEFAULT_REMAP_USER);
    expect(remapUserFor(undefined, 'mr-x')).toBe('mr-x');
  });

  it('refuses an unknown --userns value with exit 125', () => {
    expect(() => remapUserFor('container:x', undefined)).toThrow(expect.objectContaining({ exitCode: 125 }));
  });
});

describe('/etc/subuid ranges', () => {
  const subuid = 'alice:100000:65536\n# comment\nmini-run:165536:65536\n1001:231072:65536\n';

  it('finds the user\'s range by name or by uid number', () => {
    expect(findRange(subuid, 'mini-run', 999)).toEqual({ start: 165536, count: 65536 });
    expect(findRange(subuid, 'bob', 1001)).toEqual({ start: 231072, count: 65536 });
    expect(findRange(subuid, 'carol', 1002)).toBeNull();
  });

  it('picks the first 65536-id block at or above 100000 that overlaps no range of either file', () => {
    expect(freeRangeStart('', '')).toBe(100000);
    expect(freeRangeStart(subuid, '')).toBe(296608);
    // a range in subgid only still counts; a gap too small is skipped
    expect(freeRangeStart('a:100000:65536\n', 'b:170000:10\n')).toBe(170010);
    expect(freeRangeStart('a:100000:1000\n', 'b:200000:65536\n')).toBe(101000);
  });
});

describe('cp\'s owners under --userns private', () => {
  const r: UsernsRemap = { user: 'mr-x', uidMappings: [{ containerID: 0, hostID: 100000, size: 65536 }], gidMappings: [{ containerID: 0, hostID: 200000, size: 65536 }] };

  it('a container id goes to the host id it stands for; one the range cannot hold is refused in one line (exit 1)', () => {
    expect(hostOwner(r, 0, 0)).toEqual([100000, 200000]);
    expect(hostOwner(r, 1000, 33)).toEqual([101000, 200033]);
    expect(hostOwner(r, 65535, 65535)).toEqual([165535, 265535]);
    expect(() => hostOwner(r, 65536, 0)).toThrow("cp: uid 65536 cannot be mapped into the container's user namespace (its ids are 0..65535)");
    expect(() => hostOwner(r, 0, 70000)).toThrow(/gid 70000 cannot be mapped/);
  });

  it('a host stat goes back to the container\'s view; ids outside the range stay; without a user namespace nothing moves', () => {
    const st = statSync('/');
    const shifted = Object.assign(Object.create(Object.getPrototypeOf(st) as object), st, { uid: 101000, gid: 200000 });
    const back = copyOwnersFor(r).toContainer(shifted);
    expect([back.uid, back.gid, back.isDirectory()]).toEqual([1000, 0, true]);
    const outside = Object.assign(Object.create(Object.getPrototypeOf(st) as object), st, { uid: 0, gid: 5 });
    expect([copyOwnersFor(r).toContainer(outside).uid, copyOwnersFor(r).toContainer(outside).gid]).toEqual([0, 5]);
    expect(copyOwnersFor(undefined).toHost(1000, 33)).toEqual([1000, 33]);
    expect(copyOwnersFor(undefined).toContainer(shifted).uid).toBe(101000);
  });
});
