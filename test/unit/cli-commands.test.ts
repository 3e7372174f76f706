/**
 * The CLI loads only the typed command's module (cli/commands/index.ts): its table of words
 * must name exactly the commands the modules define, or a command would be missing when typed.
 */
import { describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';
import { join } from 'node:path';

// The built modules (npm run build): their lazy require()s load the built files, as the CLI does.
const { allCommands, commandsFor, COMMAND_WORDS } = createRequire(import.meta.url)(join(__dirname, '../../dist/cli/commands/index.js')) as typeof import('../../src/cli/commands');

const nameOf = (c: { command?: unknown }) => String(c.command).split(' ')[0];
const namesOf = (c: { command?: unknown; aliases?: unknown }) => [nameOf(c), ...((c.aliases as string[] | undefined) ?? [])];

describe('lazy command table', () => {
  it('lists every command the modules define, and nothing else', () => {
    const defined = allCommands().flatMap(namesOf).sort();
    expect([...COMMAND_WORDS].sort()).toEqual(defined);
  });

  it('gives, for each word, a list that has that command (and only its own module\'s)', () => {
    const total = allCommands().length;
    for (const word of COMMAND_WORDS) {
      const list = commandsFor(word);
      expect(list.flatMap(namesOf)).toContain(word);
      if (word !== 'container') expect(list.length).toBeLessThan(total);
    }
  });

  it('gives every command for an unknown word or none (help, "unknown command")', () => {
    const total = allCommands().length;
    expect(commandsFor('bogus')).toHaveLength(total);
    expect(commandsFor(undefined)).toHaveLength(total);
  });
});
