/**
 * The Dockerfile's shell-word processing (src/engine/build/expand.ts) as Docker's reference
 * describes it: words split on unquoted whitespace, quotes removed, variables expanded in one
 * pass — so a value with spaces stays one word, single quotes keep `$` literal, and the escape
 * character (`\` or a backtick) escapes.
 */
import { describe, expect, it } from 'vitest';
import { expandPairs, shellWord, shellWords } from '../../src/engine/build/expand';

const vars = new Map([['A', '1'], ['B', 'two words'], ['EMPTY', '']]);

describe('Dockerfile words', () => {
  it('ENV C=$B keeps the spaces of B in one value; the legacy form takes the rest of the line', () => {
    expect(expandPairs('C=${A}-$B D=${UNSET:-fallback} E=${A:+set} F=${EMPTY:-dflt} G=${EMPTY:+no}', vars))
      .toEqual([['C', '1-two words'], ['D', 'fallback'], ['E', 'set'], ['F', 'dflt'], ['G', '']]);
    expect(expandPairs('OLD legacy form $A', vars)).toEqual([['OLD', 'legacy form 1']]);
    expect(expandPairs('NAME', vars)).toEqual([['NAME', undefined]]);
  });

  it('quotes: double quotes group and expand, single quotes keep $ literal; escapes', () => {
    expect(shellWords(`"a $A" 'b $A' c\\ d \\$A`, vars)).toEqual(['a 1', 'b $A', 'c d', '$A']);
    expect(expandPairs('description="a \\"quoted\\" label" k=\'$A\'', vars)).toEqual([['description', 'a "quoted" label'], ['k', '$A']]);
    expect(shellWords('"a\\nb"', vars)).toEqual(['a\\nb']); // inside double quotes only " $ and the escape are escaped
  });

  it('a backtick escape (# escape=`)', () => {
    expect(expandPairs('F=`$A P=C:\\dir', vars, '`')).toEqual([['F', '$A'], ['P', 'C:\\dir']]);
  });

  it('one word keeps whitespace (WORKDIR, USER)', () => {
    expect(shellWord(' "/my dir"/$A ', vars)).toBe('/my dir/1');
    expect(shellWord('$UNSET', vars)).toBe('');
  });
});
