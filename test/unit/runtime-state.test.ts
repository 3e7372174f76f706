/**
 * The runtime's own state (src/runtime/state.ts) and mini-runc's flag parsing (src/runc/args.ts):
 * the pure parts — which operation is allowed in which status, how the status is read, how
 * runc-style flags parse.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { assertAllowed, checkId, execFifoPath, listStates, loadState, processStartTime, removeState, saveState, statusOf, type RuntimeState } from '../../src/runtime/state';
import { flagSet, flagValue, flagValues, parseFlags } from '../../src/runc/args';

const root = mkdtempSync('/tmp/mr-test-rtstate-');
afterAll(() => rmSync(root, { recursive: true, force: true }));

const ours = (): RuntimeState => ({
  ociVersion: '1.0.2', id: 'box', pid: process.pid, pidStartTime: processStartTime(process.pid)!, bundle: '/b',
  created: new Date().toISOString(), cgroupName: 'box', cgroupPath: '/sys/fs/cgroup/x', annotations: {},
});

describe('runtime state', () => {
  it('saves, lists, loads and removes a state; an unknown id is runc\'s error', () => {
    saveState(root, ours());
    expect(listStates(root)).toEqual(['box']);
    expect(loadState(root, 'box').pid).toBe(process.pid);
    removeState(root, 'box');
    expect(() => loadState(root, 'box')).toThrow('container "box" does not exist');
  });

  it('a state file that is not ours is a clear error', () => {
    saveState(root, ours());
    writeFileSync(join(root, 'box', 'state.json'), '{"id":"box"}');
    expect(() => loadState(root, 'box')).toThrow(/not a mini-runc state file/);
    removeState(root, 'box');
  });

  it('reads the status from the kernel: fifo → created, alive → running, frozen → paused', () => {
    const st = ours();
    saveState(root, st);
    writeFileSync(execFifoPath(root, 'box'), '');
    expect(statusOf(root, st, () => false)).toBe('created');
    rmSync(execFifoPath(root, 'box'));
    expect(statusOf(root, st, () => false)).toBe('running');
    expect(statusOf(root, st, () => true)).toBe('paused');
    removeState(root, 'box');
  });

  it('a recycled pid (same pid, other start time) reads as stopped', () => {
    expect(statusOf(root, { ...ours(), pidStartTime: '1' }, () => false)).toBe('stopped');
    expect(statusOf(root, { ...ours(), pid: 0x3ffffff }, () => false)).toBe('stopped');
  });

  it('allows each operation only in its statuses, with runc\'s messages', () => {
    expect(() => assertAllowed('start', 'created', 'x')).not.toThrow();
    expect(() => assertAllowed('start', 'stopped', 'x')).toThrow('cannot start a container that has stopped');
    expect(() => assertAllowed('start', 'running', 'x')).toThrow('cannot start an already running container');
    expect(() => assertAllowed('delete', 'running', 'x')).toThrow('cannot delete container x that is not stopped: running');
    expect(() => assertAllowed('delete', 'stopped', 'x')).not.toThrow();
    expect(() => assertAllowed('delete', 'created', 'x')).not.toThrow(); // runc kills the parked init
    expect(() => assertAllowed('delete', 'paused', 'x')).toThrow('cannot delete container x that is not stopped: paused');
    expect(() => assertAllowed('kill', 'stopped', 'x')).toThrow('container not running');
    expect(() => assertAllowed('resume', 'running', 'x')).toThrow('container not paused');
    expect(() => assertAllowed('exec', 'paused', 'x')).toThrow(/paused/);
  });

  it('refuses ids that cannot be file names', () => {
    expect(() => checkId('../etc')).toThrow(/invalid container id/);
    expect(() => checkId('')).toThrow(/invalid container id/);
    expect(() => checkId('libpod-1234_abc.d')).not.toThrow();
  });
});

describe('mini-runc flags', () => {
  const table = { values: ['root', 'log'], booleans: ['debug', 'force'], aliases: { f: 'force' } };
  it('accepts --flag v, --flag=v, -flag v and stops at the command for global flags', () => {
    const p = parseFlags(['--root', '/r', '-log=/l', '-debug', 'create', '--bundle', 'b'], table, true);
    expect(flagValue(p, 'root')).toBe('/r');
    expect(flagValue(p, 'log')).toBe('/l');
    expect(flagSet(p, 'debug')).toBe(true);
    expect(p.rest).toEqual(['create', '--bundle', 'b']);
  });
  it('mixes flags and arguments for a command; short aliases; repeated values', () => {
    const p = parseFlags(['id', '-f', '--log', 'a', '--log', 'b'], table, false);
    expect(p.rest).toEqual(['id']);
    expect(flagSet(p, 'force')).toBe(true);
    expect(flagValues(p, 'log')).toEqual(['a', 'b']);
  });
  it('an unknown flag or a missing value is runc\'s error', () => {
    expect(() => parseFlags(['--nope'], table, false)).toThrow('flag provided but not defined: --nope');
    expect(() => parseFlags(['--root'], table, false)).toThrow('flag needs an argument: --root');
  });
});
