/** --storage-opt (engine/storage-opts.ts): Docker's parsing and the project-quota test on mountinfo's fields. */
import { describe, expect, it } from 'vitest';
import { backingFilesystem, checkStorageOpts, hasProjectQuotas, missingQuotaReason, parseStorageOpts, quotaSupportFrom } from '../../src/engine/storage-opts';

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

describe('why a filesystem has no project quotas (the words after Docker\'s line)', () => {
  const able = { ext4V2Format: true, xfsQuota: true };
  it('xfs: "mount it with -o pquota" only where the kernel\'s xfs has quota code; else it names CONFIG_XFS_QUOTA', () => {
    const xfs = { mountPoint: '/var/lib/mini-run', fsType: 'xfs' };
    expect(missingQuotaReason(xfs, able)).toBe('/var/lib/mini-run is xfs mounted without pquota: mount it with -o pquota');
    expect(missingQuotaReason(xfs, { ...able, xfsQuota: null })).toBe('/var/lib/mini-run is xfs mounted without pquota: mount it with -o pquota');
    expect(missingQuotaReason(xfs, { ...able, xfsQuota: false })).toBe("/var/lib/mini-run is xfs, and this kernel's xfs cannot enforce quotas: it was built without CONFIG_XFS_QUOTA (mount -o pquota fails there); use a kernel with it");
    expect(missingQuotaReason(xfs, { ...able, xfsQuota: false })).not.toMatch(/mount it with/);
  });

  it('ext4: how to make and mount it, unless the kernel lacks the v2 quota format (CONFIG_QFMT_V2); anything else: its type', () => {
    const ext4 = { mountPoint: '/', fsType: 'ext4' };
    expect(missingQuotaReason(ext4, able)).toBe('/ is ext4 mounted without prjquota: make it with -O quota,project and mount it with -o prjquota');
    expect(missingQuotaReason(ext4, { ...able, ext4V2Format: false })).toBe('/ is ext4, and this kernel cannot enforce ext4 quotas: it was built without CONFIG_QFMT_V2');
    expect(missingQuotaReason({ mountPoint: '/tmp', fsType: 'tmpfs' }, { ext4V2Format: false, xfsQuota: false })).toBe('/tmp is tmpfs');
  });

  it('reads the kernel\'s symbols first (a module\'s have a tab and [module] after them), then its build config, then the quota_v2 module on disk', () => {
    const none = { symbols: '', config: '', quotaV2Module: false };
    // symbols: xfs loaded without its quota code (this host's kernel), or with it; the v2 format built in or as a loaded module
    const xfsNoQuota = 'ffffffff81955880 T xfs_mountfs\nffffffff8195c480 t xfs_fs_fill_super\n';
    expect(quotaSupportFrom({ ...none, symbols: xfsNoQuota })).toEqual({ ext4V2Format: false, xfsQuota: false });
    expect(quotaSupportFrom({ ...none, symbols: 'ffffffffc0a01000 t xfs_fs_fill_super\t[xfs]\nffffffffc0a2e000 T xfs_qm_scall_setqlim\t[xfs]\n0000000000000000 t v2_read_file_info\t[quota_v2]\n' }))
      .toEqual({ ext4V2Format: true, xfsQuota: true });
    // no xfs symbols (not loaded) and no config: cannot tell for xfs
    expect(quotaSupportFrom({ ...none, symbols: 'ffffffff81000000 T _stext\n' })).toEqual({ ext4V2Format: false, xfsQuota: null });
    // the build config says it either way
    expect(quotaSupportFrom({ ...none, config: '# CONFIG_XFS_QUOTA is not set\nCONFIG_QFMT_V2=m\n' })).toEqual({ ext4V2Format: true, xfsQuota: false });
    expect(quotaSupportFrom({ ...none, config: 'CONFIG_XFS_QUOTA=y\n# CONFIG_QFMT_V2 is not set\n' })).toEqual({ ext4V2Format: false, xfsQuota: true });
    // the module on disk (not loaded yet): ext4 can load it at mount time
    expect(quotaSupportFrom({ ...none, symbols: xfsNoQuota, quotaV2Module: true }).ext4V2Format).toBe(true);
    expect(quotaSupportFrom(none)).toEqual({ ext4V2Format: null, xfsQuota: null });
  });
});
