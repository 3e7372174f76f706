/**
 * The CLI starts `exec`'s process before yargs parses (engine/exec-start.ts) from a quick scan
 * of the flags: the scan must read -t/-i/-d as yargs does, or the early process is wasted.
 */
import { describe, expect, it } from 'vitest';
import { scanExecShape } from '../../src/cli/commands/exec';
import { RUN_FLAGS, scanDetachedShape, scanInitShape } from '../../src/cli/commands/run';
import { RUN_FLAG_SHAPES } from '../../src/cli/run-scan';

describe('scanExecShape', () => {
  it('reads -i, -t and -d, alone, clustered or long, up to CONTAINER', () => {
    expect(scanExecShape(['c1'])).toEqual({ terminal: false, interactive: false, detach: false });
    expect(scanExecShape(['-it', 'c1'])).toEqual({ terminal: true, interactive: true, detach: false });
    expect(scanExecShape(['--interactive', '--tty', 'c1'])).toEqual({ terminal: true, interactive: true, detach: false });
    expect(scanExecShape(['-i', 'c1', '-t'])).toEqual({ terminal: false, interactive: true, detach: false }); // after CONTAINER: the command's
  });

  it('skips the values of -e, -u, -w, --env-file (a value that looks like a flag is not one)', () => {
    expect(scanExecShape(['-e', '-t', 'c1'])).toEqual({ terminal: false, interactive: false, detach: false });
    expect(scanExecShape(['-ie', 'X=1', '-u', 'root', '--workdir', '/tmp', 'c1'])).toEqual({ terminal: false, interactive: true, detach: false });
    expect(scanExecShape(['--env=A=-t', '-t', 'c1'])).toEqual({ terminal: true, interactive: false, detach: false });
  });

  it('-d: no terminal and no stdin (as engine/exec.ts derives them); --help: nothing to start', () => {
    expect(scanExecShape(['-dit', 'c1'])).toEqual({ terminal: false, interactive: false, detach: true });
    expect(scanExecShape(['--help'])).toBeNull();
    expect(scanExecShape(['-h'])).toBeNull();
  });
});

describe('scanInitShape (run, the same scanner over run\'s flag table)', () => {
  it('reads -t/-i/--pid before IMAGE; -h is --hostname there and takes a value', () => {
    expect(scanInitShape(['-it', 'img'])).toEqual({ pidHost: false, tty: true, interactive: true });
    expect(scanInitShape(['-h', '-t', 'img'])).toEqual({ pidHost: false, tty: false, interactive: false }); // -t is the hostname
    expect(scanInitShape(['--pid', 'host', '-i', 'img', '-t'])).toEqual({ pidHost: true, tty: false, interactive: true });
    expect(scanInitShape(['--pid=host', '-eX=-t', 'img'])).toEqual({ pidHost: true, tty: false, interactive: false });
  });

  it('-d, --userns and --help: no early init', () => {
    expect(scanInitShape(['-dit', 'img'])).toBeNull();
    expect(scanInitShape(['--userns', 'private', 'img'])).toBeNull();
    expect(scanInitShape(['--help'])).toBeNull();
  });
});

describe('scanDetachedShape (run -d: the supervisor launched before the parse)', () => {
  it('the init shape engine/run.ts detachedInitShape gives the parsed flags', () => {
    expect(scanDetachedShape(['-d', 'img'])).toEqual({ newPidNamespace: true, terminal: false, openStdin: false });
    expect(scanDetachedShape(['-dit', '--name', 'x', 'img'])).toEqual({ newPidNamespace: true, terminal: true, openStdin: true });
    expect(scanDetachedShape(['--detach', '--pid=host', '-e', '-t', 'img'])).toEqual({ newPidNamespace: false, terminal: false, openStdin: false }); // -t is -e's value
  });

  it('no early init for a user namespace or a PID namespace joined by path (null)', () => {
    expect(scanDetachedShape(['-d', '--userns', 'private', 'img'])).toBeNull();
    expect(scanDetachedShape(['-d', '--pid', 'container:other', 'img'])).toBeNull();
  });

  it('nothing launched early: not -d, -d after IMAGE, --detach=false, --help, --trace or --root after run (undefined)', () => {
    expect(scanDetachedShape(['-it', 'img'])).toBeUndefined();
    expect(scanDetachedShape(['img', '-d'])).toBeUndefined();
    expect(scanDetachedShape(['--detach=false', 'img'])).toBeUndefined();
    expect(scanDetachedShape(['-d', '--help'])).toBeUndefined();
    expect(scanDetachedShape(['-d', '--trace', 'img'])).toBeUndefined();
    expect(scanDetachedShape(['-d', '--root=/tmp/x', 'img'])).toBeUndefined();
  });
});

describe("run-scan's copy of run's flag table", () => {
  it('has every flag of RUN_FLAGS with the same aliases and types, and nothing else', () => {
    const shapes = Object.fromEntries(Object.entries(RUN_FLAGS).map(([name, def]) => [name, { ...(def.alias !== undefined ? { alias: def.alias } : {}), type: def.type }]));
    expect(RUN_FLAG_SHAPES).toEqual(shapes);
  });
});
