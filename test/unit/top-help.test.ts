/**
 * `mini-run --help` groups the commands as `docker --help` does: Common Commands first, the
 * management groups together, mini-run's learning commands, then every other command by name.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { topLevelHelp } from '../../src/cli/top-help';

// The built command table (npm run build): its lazy require()s load the built files, as the CLI does.
const { allCommands } = createRequire(import.meta.url)(join(__dirname, '../../dist/cli/commands/index.js')) as typeof import('../../src/cli/commands');

const sections = (text: string) => Object.fromEntries(text.split('\n\n').filter((b) => /^[A-Z][^\n]*:\n/.test(b))
  .map((b) => [b.split('\n')[0], b.split('\n').slice(1).filter((l) => /^ {2}\S/.test(l)).map((l) => l.trim().split(/\s{2,}/)[0])]));

describe('top-level help', () => {
  const text = topLevelHelp(allCommands(), 80);

  it("has docker's sections in docker's order, run first", () => {
    const s = sections(text);
    expect(Object.keys(s)).toEqual(['Common Commands:', 'Management Commands:', "Learning Commands (mini-run's own):", 'Commands:', 'Global Options:']);
    expect(s['Common Commands:'].slice(0, 3)).toEqual(['run', 'exec', 'ps']);
    expect(s['Management Commands:']).toEqual(['container', 'image', 'network', 'system', 'volume']);
    expect(s['Commands:']).toEqual([...s['Commands:']].sort());
  });

  it('lists every command exactly once and no line is wider than the terminal', () => {
    const listed = Object.entries(sections(text)).filter(([k]) => k !== 'Global Options:').flatMap(([, v]) => v);
    const names = allCommands().map((c) => String(c.command).split(' ')[0]);
    expect([...listed].sort()).toEqual([...new Set(names)].sort());
    expect(listed).toHaveLength(new Set(listed).size);
    for (const line of text.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
  });

  it('is what `mini-run`, `mini-run --help` and `mini-run help` print (exit 0); `help run` is run\'s own', () => {
    const cli = (...args: string[]) => spawnSync(process.execPath, [join(__dirname, '../../bin/mini-run'), ...args], { encoding: 'utf8', env: { ...process.env, COLUMNS: '80' } });
    for (const args of [[], ['--help'], ['-h'], ['help']]) {
      const r = cli(...args);
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/^Usage: mini-run \[OPTIONS\] COMMAND\n\nA container runtime[^\n]*\n\nCommon Commands:\n {2}run /);
      expect(r.stderr).toBe('');
    }
    expect(cli('help', 'run').stdout).toMatch(/^Usage: mini-run run \[OPTIONS\] IMAGE/);
  });
});
