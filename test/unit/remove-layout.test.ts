/**
 * src/remove-layout.ts: a directory of a known layout removed with the listed calls, anything
 * else by the general removal after them; never through a link planted where a listed directory
 * was (the CVE-2018-15664 class: a path's directory swapped for a link to the host's files), and
 * nothing left in every case, as rmSync(dir, { recursive: true, force: true }) leaves nothing.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeLayout, unlinkIfThere, type Layout } from '../../src/remove-layout';

/** A container directory's shape (engine/container-store.ts's, smaller). */
const LAYOUT: Layout = {
  files: ['config.json', 'hosts', 'container.json'],
  dirs: { upper: { dirs: { etc: { files: ['hosts', 'hostname'] } } }, work: { dirs: { work: {} } }, rootfs: {} },
};

let base: string;
let dir: string;
/** Stands for the host's own files, outside the directory being removed. */
let host: string;

function makeLayout(): void {
  mkdirSync(join(dir, 'upper/etc'), { recursive: true });
  mkdirSync(join(dir, 'work/work'), { recursive: true });
  mkdirSync(join(dir, 'rootfs'));
  for (const f of ['config.json', 'hosts', 'container.json', 'upper/etc/hosts', 'upper/etc/hostname']) writeFileSync(join(dir, f), f);
}

beforeEach(() => {
  base = mkdtempSync(join(tmpdir(), 'mr-layout-'));
  dir = join(base, 'c');
  host = join(base, 'host-etc');
  mkdirSync(dir);
  mkdirSync(host);
  for (const f of ['hosts', 'hostname', 'passwd']) writeFileSync(join(host, f), `host ${f}`);
});
afterEach(() => rmSync(base, { recursive: true, force: true }));

const hostIntact = () => readdirSync(host).sort().map((f) => readFileSync(join(host, f), 'utf8'));

describe('removeLayout', () => {
  it('the expected layout: the listed calls alone, nothing left', () => {
    makeLayout();
    expect(removeLayout(dir, LAYOUT)).toBe('layout');
    expect(existsSync(dir)).toBe(false);
  });

  it('parts of the layout missing (a log never written, no upper/etc): still the listed calls, nothing left', () => {
    makeLayout();
    rmSync(join(dir, 'upper/etc'), { recursive: true });
    rmSync(join(dir, 'hosts'));
    expect(removeLayout(dir, LAYOUT)).toBe('layout');
    expect(existsSync(dir)).toBe(false);
  });

  it('a missing directory is no error (as rmSync with force)', () => {
    rmSync(dir, { recursive: true });
    expect(removeLayout(dir, LAYOUT)).toBe('layout');
  });

  it('files the program wrote, a rotated log, a directory where a file was expected: the general removal, nothing left', () => {
    makeLayout();
    mkdirSync(join(dir, 'upper/tmp/deep'), { recursive: true });
    writeFileSync(join(dir, 'upper/tmp/deep/x'), 'x');
    writeFileSync(join(dir, 'log.1'), 'old');
    rmSync(join(dir, 'upper/etc/hosts'));
    mkdirSync(join(dir, 'upper/etc/hosts'));
    writeFileSync(join(dir, 'upper/etc/hosts/inside'), 'x');
    expect(removeLayout(dir, LAYOUT)).toBe('fallback');
    expect(existsSync(dir)).toBe(false);
  });

  it('CVE-2018-15664 class: a link planted where upper/etc was (to the host\'s etc) is removed, never followed', () => {
    makeLayout();
    rmSync(join(dir, 'upper/etc'), { recursive: true });
    symlinkSync(host, join(dir, 'upper/etc')); // absolute, as a container's `ln -s /etc-of-the-host /etc` reads on the host
    expect(removeLayout(dir, LAYOUT)).toBe('fallback');
    expect(existsSync(dir)).toBe(false);
    expect(hostIntact()).toEqual(['host hostname', 'host hosts', 'host passwd']);
  });

  it('CVE-2018-15664 class: a link planted where an empty directory was expected (work/work, rootfs), and a relative one', () => {
    makeLayout();
    rmSync(join(dir, 'rootfs'), { recursive: true });
    symlinkSync(host, join(dir, 'rootfs'));
    rmSync(join(dir, 'work/work'), { recursive: true });
    symlinkSync('../../host-etc', join(dir, 'work/work'));
    expect(removeLayout(dir, LAYOUT)).toBe('fallback');
    expect(existsSync(dir)).toBe(false);
    expect(hostIntact()).toEqual(['host hostname', 'host hosts', 'host passwd']);
  });

  it('a link planted as a listed file is unlinked itself, its target kept', () => {
    makeLayout();
    rmSync(join(dir, 'upper/etc/hosts'));
    symlinkSync(join(host, 'hosts'), join(dir, 'upper/etc/hosts'));
    expect(removeLayout(dir, LAYOUT)).toBe('layout');
    expect(existsSync(dir)).toBe(false);
    expect(hostIntact()).toEqual(['host hostname', 'host hosts', 'host passwd']);
  });
});

describe('unlinkIfThere', () => {
  it('removes a file, is quiet about a missing one, refuses a directory (as rmSync with force)', () => {
    writeFileSync(join(dir, 'f'), '');
    unlinkIfThere(join(dir, 'f'));
    expect(existsSync(join(dir, 'f'))).toBe(false);
    unlinkIfThere(join(dir, 'f'));
    expect(() => unlinkIfThere(dir)).toThrow(/EISDIR/);
  });
});
