/**
 * `ps`, `images`, `inspect`, `logs`, `run` and `exec` are parsed without yargs when the command
 * line is plain (src/cli/quick-parse.ts). The handler must get exactly what yargs would give it,
 * and anything unusual (help, an unknown flag, a missing operand…) must be left to yargs, whose
 * messages users see. Each line below is parsed both ways.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// The built modules (npm run build): their lazy require()s load the built files, as the CLI does.
const load = (m: string) => createRequire(import.meta.url)(join(__dirname, '../../dist/cli', m));
const { buildParser, commandWord, markCommandStart } = load('main.js') as typeof import('../../src/cli/main');
const { commandsFor } = load('commands/index.js') as typeof import('../../src/cli/commands');
const { quickParse } = load('quick-parse.js') as typeof import('../../src/cli/quick-parse');
const { PARSER_CONFIG, protectLoneDash, restoreLoneDash } = load('args.js') as typeof import('../../src/cli/args');

let root: string;
const savedRoot = process.env.MINI_RUN_ROOT;
beforeAll(() => {
  // the parser's middleware makes the state root: a throw-away one
  root = mkdtempSync(join(tmpdir(), 'mr-quick-parse-'));
  process.env.MINI_RUN_ROOT = root;
});
afterAll(() => {
  if (savedRoot === undefined) delete process.env.MINI_RUN_ROOT;
  else process.env.MINI_RUN_ROOT = savedRoot;
  rmSync(root, { recursive: true, force: true });
});

/**
 * What yargs hands the command's handler (the handler itself is not run). Async, as every
 * command's handler is: yargs treats a handler's promise differently (it leaves `--` alone).
 */
function viaYargs(typed: string[]): Record<string, unknown> {
  const argv = markCommandStart(typed);
  let got: Record<string, unknown> | null = null;
  const commands = commandsFor(commandWord(argv)).map((c) => ({ ...c, handler: async (a: Record<string, unknown>) => { got = structuredClone(a); } }));
  buildParser(argv, commands).parse();
  if (got === null) throw new Error(`yargs ran no handler for ${typed.join(' ')}`);
  return got;
}

function viaQuick(typed: string[]): Record<string, unknown> | null {
  const argv = markCommandStart(typed);
  const word = commandWord(argv)!;
  const command = commandsFor(word).find((c) => String(c.command).split(' ')[0] === word)!;
  const args = quickParse(protectLoneDash(argv), word, command, PARSER_CONFIG);
  if (args) restoreLoneDash(args);
  return args;
}

const SAME: string[][] = [
  ['ps'], ['ps', '-a'], ['ps', '-aq'], ['ps', '--all', '--no-trunc'], ['ps', '-n', '3'], ['ps', '--last=2'],
  ['ps', '-n', 'x'], ['ps', '-f', 'name=x', '-f', 'status=running'], ['ps', '--format', '{{.ID}}\t{{.Names}}'],
  ['ps', '-s', '-l'], ['--trace', 'ps'], ['ps', '--trace', '--debug'], ['--root', '/tmp/mr-quick-x', 'ps', '-q'],
  ['--root=/tmp/mr-quick-x', 'ps'], ['ps', '--root', '/tmp/mr-quick-y'],
  ['images'], ['images', 'busybox'], ['images', '-q', '--no-trunc'], ['images', '--digests', '-f', 'dangling=true'],
  ['images', '--format', '{{.Repository}}:{{.Tag}}'], ['images', '-a', 'x:y'],
  ['inspect', 'a'], ['inspect', 'a', 'b', 'c'], ['inspect', '-f', '{{.Id}}', 'a'], ['inspect', '--type', 'container', 'a'],
  ['inspect', '--type=image', 'a', '--format', '{{json .}}'], ['inspect', '-'], ['inspect', '0413'],
  ['logs', 'c'], ['logs', '-f', 'c'], ['logs', '-n', '5', '-t', 'c'], ['logs', '--tail', 'all', '--since', '1m', '--until', '2020-01-01', 'c'],
  ['logs', 'c', '--follow'], ['logs', '-ft', 'c'], ['logs', '123'],
  // (no flag of the command's own: built without yargs-parser, quick-parse.ts withoutFlags)
  ['--root', '/tmp/mr-quick-x', '--trace', 'ps'], ['--debug', 'inspect', 'a', 'b'], ['--trace', '--root=/tmp/mr-quick-x', 'logs', 'c'], ['images', 'a:b'],
  ['run', '--rm', '--network', 'none', 'busybox', 'true'], ['run', '-it', '--rm', 'busybox', 'sh'], ['run', 'img'],
  ['run', '-d', '--name', 'x', '-p', '8080:80', '-e', 'A=1', '-e', 'B=2', 'img'], ['run', '--rm', 'img', 'ls', '-la', '--', 'x'],
  ['run', '-h', 'host', '--memory', '64m', '--cpus', '1.5', 'img'], ['run', '--net=host', 'img'], ['run', '--cpus', 'x', 'img'],
  ['run', '--rm', '-v', '/a:/b', '--mount', 'type=tmpfs,dst=/t', 'img', 'echo', '-'], ['run', '-e', 'A=-t', 'img', '-it'],
  ['run', '--pids-limit', '100', '--ulimit', 'nofile=10:20', '--cap-add', 'NET_ADMIN', '--cap-drop=ALL', 'img'],
  ['run', '--restart', 'always', '-d', '--no-healthcheck', 'img'], ['run', '--rm', '--read-only', '--tmpfs', '/t', '-w', '/t', '-u', '1:1', 'img', 'id'],
  ['--trace', 'run', '--rm', 'img', 'true'], ['--root', '/tmp/mr-quick-x', 'run', '--pull', 'never', '--entrypoint', '', 'img'],
  ['run', '--label', 'a=b', '--log-driver', 'none', '--stop-signal', 'TERM', '--stop-timeout', '3', 'img'],
  ['exec', 'c', 'true'], ['exec', '-it', 'c', 'sh', '-c', 'echo hi'], ['exec', '-e', 'A=1', '-u', 'root', '-w', '/tmp', 'c', 'ls', '-la'],
  ['exec', '-d', 'c', 'sleep', '1'], ['exec', '--env=A=-t', 'c', 'x'], ['exec', '--privileged', 'c', '--', 'x'], ['exec', 'c'],
  ['exec', '--env-file', '/f', '-i', 'c', 'cat', '-'],
];

/** Lines yargs must read: help, errors, and what the quick path does not try. */
const TO_YARGS: string[][] = [
  ['ps', '--help'], ['ps', '-h'], ['ps', '--bogus'], ['ps', '-x'], ['ps', 'extra'], ['ps', '--', 'x'],
  ['images', 'a', 'b'], ['images', '--help'],
  ['inspect'], ['inspect', '--type', 'bogus', 'a'], ['inspect', '--help', 'a'],
  ['logs'], ['logs', 'a', 'b'], ['logs', '--bogus', 'c'], ['logs', '--', 'c'], ['logs', 'c', '--', 'x'],
  ['run', '--help'], ['run'], ['run', '--bogus', 'img'], ['run', '--rm'],
  ['exec', '--help', 'c'], ['exec'], ['exec', '-x', 'c', 'true'],
];

describe('quickParse', () => {
  it.each(SAME.map((l) => [l.join(' '), l]))('gives the handler what yargs gives it: %s', (_name, typed) => {
    const quick = viaQuick(typed);
    expect(quick).not.toBeNull();
    expect(quick).toEqual(viaYargs(typed));
  });

  it.each(TO_YARGS.map((l) => [l.join(' '), l]))('leaves %s to yargs', (_name, typed) => {
    expect(viaQuick(typed)).toBeNull();
  });
});

describe('plainExecArgs (`exec C CMD…` without flags: no parser loaded)', () => {
  const { plainExecArgs } = load('commands/exec.js') as typeof import('../../src/cli/commands/exec');
  const PLAIN: string[][] = [
    ['exec', 'c', 'true'], ['exec', 'c'], ['exec', 'c', 'sh', '-c', 'echo -'], ['exec', 'c', '--', 'x'], ['exec', 'c', '-', '--help'],
    ['exec', '0413', 'true'], ['exec', 'mr-bench-ab', 'ls', '-la', '--', '-x'], ['--root', '/tmp/mr-quick-x', 'exec', 'c', 'true'],
    ['exec', 'c=d', 'x'], ['--root', '', 'exec', 'c', 'x'],
  ];
  it.each(PLAIN.map((l) => [l.join(' '), l]))('gives what yargs (and quickParse) give: %s', (_name, typed) => {
    const argv = markCommandStart(typed);
    const plain = plainExecArgs(argv);
    expect(plain).not.toBeNull();
    expect(plain).toEqual(viaYargs(typed));
    expect(plain).toEqual(viaQuick(typed));
  });
  // flags, globals other than --root, help, no container: the parser reads them
  const OTHER: string[][] = [
    ['exec', '-it', 'c', 'sh'], ['exec', '-d', 'c', 'x'], ['exec', '--privileged', 'c', 'x'], ['exec', '-e', 'A=1', 'c', 'x'],
    ['exec', '--help', 'c'], ['exec'], ['exec', '-x', 'c', 'true'], ['--trace', 'exec', 'c', 'true'], ['--debug', 'exec', 'c', 'x'],
    ['--root=/tmp/mr-quick-x', 'exec', 'c', 'x'], ['exec', '--', 'c', 'x'], ['exec', '-', 'x'], ['ps'], ['run', 'img'],
    ['--root', '--trace', 'exec', 'c', 'x'],
  ];
  it.each(OTHER.map((l) => [l.join(' '), l]))('leaves %s to the parser', (_name, typed) => {
    expect(plainExecArgs(markCommandStart(typed))).toBeNull();
  });
});
