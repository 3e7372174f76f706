/** --storage-opt (engine/storage-opts.ts): Docker's parsing and the project-quota test on mountinfo's fields. */
import { describe, expect, it } from 'vitest';
import { backingFilesystem, checkStorageOpts, hasProjectQuotas, parseStorageOpts } from '../../src/engine/storage-opts';

describe('--storage-opt', () => {
  it('KEY=VALUE each, as Docker\'s CLI reads them; no "=" is refused with its words', () => {
    expect(parseStorageOpts(['size=10G', 'x=a=b'])).toEqual({ size: '10G', x: 'a=b' });
    expect(() => parseStorageOpts(['size'])).toThrow(/^invalid storage option$/);
  });

  it('project quotas: xfs or ext4 mounted with prjquota/pquota; not ext4 plain, tmpfs or overlay', () => {
    expect(hasProjectQuotas({ fsType: 'xfs', superOptions: 'rw,attr2,inode64,logbufs=8,prjquota' })).toBe(true);
    expect(hasProjectQuotas({ fsType: 'ext4', superOptions: 'rw,prjquota' })).toBe(true);
    expect(hasProjectQuotas({ fsType: 'xfs', superOptions: 'rw,attr2,noquota' })).toBe(false);
    expect(hasProjectQuotas({ fsType: 'ext4', superOptions: 'rw,errors=remount-ro' })).toBe(false);
    expect(hasProjectQuotas({ fsType: 'tmpfs', superOptions: 'rw,prjquota' })).toBe(false);
  });

  it('finds the mount a path lives on (the longest mount point above it)', () => {
    expect(backingFilesystem('/proc/self').fsType).toBe('proc');
    expect(backingFilesystem('/proc/self').mountPoint).toBe('/proc');
    expect(backingFilesystem('/').mountPoint).toBe('/');
  });
});

describe('checkStorageOpts', () => {
  it('nothing asked: nothing checked; size on a filesystem without project quotas: Docker\'s line and what is missing; other keys unknown', () => {
    expect(checkStorageOpts({}, '/proc/self')).toEqual({});
    expect(() => checkStorageOpts({ size: '10M' }, '/proc/self')).toThrow(/^--storage-opt is supported only for overlay over xfs with 'pquota' mount option \(\/proc is proc\)$/);
    expect(() => checkStorageOpts({ Size: '1G' }, '/proc/self')).toThrow(/^--storage-opt is supported only for overlay over xfs with 'pquota' mount option \(/);
    expect(() => checkStorageOpts({ foo: 'bar' }, '/proc/self')).toThrow(/^Unknown option foo$/);
  });
});
