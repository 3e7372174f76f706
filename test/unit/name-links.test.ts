/**
 * The exec front door's name links (src/shim/sockets.ts): RUNDIR/names/<root key>/<name> →
 * ../../<id>.exec. Nothing of names/ stays once the last link goes; a link is only ever removed
 * by the container it points at; `rename` moves it. Run in a RUNDIR of the test's own.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, lstatSync, mkdtempSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { addNameLink, execSocketPath, moveNameLink, nameLinkPath, removeNameLink, removeSupervisorSockets } from '../../src/shim/sockets';

const A = 'a'.repeat(64), B = 'b'.repeat(64);
let rundir: string;
/** Is there a link at `p` (existsSync follows it, and these point at sockets that are not there)? */
const isLink = (p: string) => { try { return lstatSync(p).isSymbolicLink(); } catch { return false; } };
let saved: string | undefined;

beforeEach(() => {
  saved = process.env.MINI_RUN_RUNDIR;
  rundir = mkdtempSync(join(tmpdir(), 'mr-names-'));
  process.env.MINI_RUN_RUNDIR = rundir;
});
afterEach(() => {
  if (saved === undefined) delete process.env.MINI_RUN_RUNDIR;
  else process.env.MINI_RUN_RUNDIR = saved;
  rmSync(rundir, { recursive: true, force: true });
});

describe('name links', () => {
  it('the last link gone takes its root\'s directory and names/ with it; another root\'s link keeps names/', () => {
    const one = addNameLink('/var/lib/r1', 'web', A)!;
    const two = addNameLink('/var/lib/r2', 'web', B)!;
    expect(readlinkSync(one)).toBe(`../../${A}.exec`);
    expect(readdirSync(join(rundir, 'names')).length).toBe(2);
    removeNameLink(one, A);
    expect(isLink(one)).toBe(false);
    expect(existsSync(dirname(one))).toBe(false);
    expect(isLink(two)).toBe(true);
    removeNameLink(two, B);
    expect(existsSync(join(rundir, 'names'))).toBe(false);
    // names/ made again for the next one (mode 0700, as RUNDIR)
    const three = addNameLink('/var/lib/r1', 'db', A)!;
    expect(readlinkSync(three)).toBe(`../../${A}.exec`);
  });

  it('a link that now points at another container stays (a newer container owns the name)', () => {
    const link = addNameLink('/r', 'web', A)!;
    expect(addNameLink('/r', 'web', B)).toBe(link); // replaced: names are unique per root
    removeNameLink(link, A);
    expect(readlinkSync(link)).toBe(`../../${B}.exec`);
    removeSupervisorSockets(B, '/r', 'web');
    expect(existsSync(join(rundir, 'names'))).toBe(false);
  });

  it('a name the front cannot look up gets no link', () => {
    expect(addNameLink('/r', '-x', A)).toBeNull();
    expect(existsSync(join(rundir, 'names'))).toBe(false);
  });

  it('rename moves the link of a running container (its exec socket there), and only removes the old one otherwise', () => {
    writeFileSync(execSocketPath(A), ''); // (a stand-in: only its existence is looked at)
    addNameLink('/r', 'old', A);
    moveNameLink('/r', A, 'old', 'new');
    expect(isLink(nameLinkPath('/r', 'old'))).toBe(false);
    expect(readlinkSync(nameLinkPath('/r', 'new'))).toBe(`../../${A}.exec`);
    rmSync(execSocketPath(A));
    moveNameLink('/r', A, 'new', 'newer');
    expect(isLink(nameLinkPath('/r', 'newer'))).toBe(false);
    expect(existsSync(join(rundir, 'names'))).toBe(false);
  });

  it('rename leaves another container\'s link of the old name alone', () => {
    writeFileSync(execSocketPath(A), '');
    addNameLink('/r', 'old', B);
    moveNameLink('/r', A, 'old', 'new');
    expect(readlinkSync(nameLinkPath('/r', 'old'))).toBe(`../../${B}.exec`);
    expect(readlinkSync(nameLinkPath('/r', 'new'))).toBe(`../../${A}.exec`);
  });
});
