/**
 * Shell completion's answers (src/cli/completion.ts) against mini-run's real command table;
 * the names come from a list here (the integration test reads a real state root in real shells).
 */
import { describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { complete, type NameSource } from '../../src/cli/completion';

// The built command table (npm run build): its lazy require()s load the built files, as the CLI does.
const { allCommands } = createRequire(import.meta.url)(join(__dirname, '../../dist/cli/commands/index.js')) as typeof import('../../src/cli/commands');

const names: NameSource = {
  containers: () => [{ name: 'web', state: 'running' }, { name: 'db', state: 'stopped' }, { name: 'frozen', state: 'paused' }],
  images: () => ['mini-run/busybox:latest', 'alpine:3.19'],
  volumes: () => ['data'],
  networks: () => ['mr-lan'],
};
const commands = allCommands();
const c = (...words: string[]) => complete(words, commands, names);

describe('completion', () => {
  it('completes command names, group subcommands, and nothing for a word that is no command', () => {
    expect(c('sto')).toEqual(['stop']);
    expect(c('')).toEqual(expect.arrayContaining(['run', 'ps', 'container', 'volume', 'update', 'events', 'completion']));
    expect(c('container', 'l')).toEqual(['logs', 'ls']);
    expect(c('volume', '')).toEqual(expect.arrayContaining(['create', 'inspect', 'ls', 'prune', 'rm']));
    expect(c('--root', '/tmp/x', 'pu')).toEqual(['pull', 'push']); // a global flag's value is skipped
    expect(c('bogus', '')).toEqual([]);
  });

  it("completes the typed command's flags, long and short, and the global ones", () => {
    expect(c('run', '--ne')).toEqual(['--net', '--net-alias', '--network', '--network-alias']);
    expect(c('rm', '-')).toEqual(expect.arrayContaining(['-f', '--force', '-v', '--volumes', '--help', '--root']));
    expect(c('--tr')).toEqual(['--trace']);
  });

  it('containers by what the command can act on: stop running ones, start stopped ones, rm all', () => {
    expect(c('stop', '')).toEqual(['web']);
    expect(c('start', '')).toEqual(['db']);
    expect(c('unpause', '')).toEqual(['frozen']);
    expect(c('rm', '')).toEqual(['db', 'frozen', 'web']);
    expect(c('rm', 'web', '')).toEqual(['db', 'frozen']); // each once
    expect(c('container', 'stop', '')).toEqual(['web']);
    expect(c('logs', 'web', '')).toEqual([]); // one container only
    expect(c('network', 'connect', 'mr-lan', '')).toEqual(['db', 'frozen', 'web']);
  });

  it('images for run, create and rmi; after IMAGE comes the container\'s command (files: nothing offered)', () => {
    expect(c('run', '-d', '--name', 'x', '')).toEqual(['alpine:3.19', 'mini-run/busybox:latest']);
    expect(c('run', '-it', '-p', '80:80', 'al')).toEqual(['alpine:3.19']);
    expect(c('run', '-p80:80', 'al')).toEqual(['alpine:3.19']); // the value in the same token
    expect(c('run', 'alpine:3.19', '')).toEqual([]);
    expect(c('run', '--', '')).toEqual([]);
    expect(c('rmi', 'mini')).toEqual(['mini-run/busybox:latest']);
    expect(c('image', 'rm', '')).toEqual(['alpine:3.19', 'mini-run/busybox:latest']);
  });

  it('flag values: networks, volumes, containers, drivers, restart policies, inspect types, signals', () => {
    expect(c('run', '--network', '')).toEqual(['bridge', 'host', 'mr-lan', 'none']);
    expect(c('run', '--net=mr')).toEqual(['--net=mr-lan']);
    expect(c('run', '-v', '')).toEqual(['data']);
    expect(c('run', '--volumes-from', 'w')).toEqual(['web']);
    expect(c('run', '--restart', 'on')).toEqual(['on-failure']);
    expect(c('run', '--log-driver', '')).toEqual(['json-file', 'local', 'none']);
    expect(c('inspect', '--type', 'v')).toEqual(['volume']);
    expect(c('kill', '-s', 'US')).toEqual(['USR1', 'USR2']);
    expect(c('network', 'create', '-d', 'mac')).toEqual(['macvlan']);
    expect(c('run', '--memory', '')).toEqual([]); // a value nobody can guess: files, as the shell does
  });

  it('volumes and networks by their groups; the shells for completion', () => {
    expect(c('volume', 'rm', '')).toEqual(['data']);
    expect(c('network', 'inspect', '')).toEqual(['mr-lan']);
    expect(c('completion', '')).toEqual(['bash', 'fish', 'zsh']);
  });
});
