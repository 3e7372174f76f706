/**
 * The Dockerfile parser (src/engine/build/dockerfile.ts) as Docker's reference describes it:
 * directives, comments and empty lines inside continuations, case-insensitive instructions,
 * exec and shell forms, and flags — where a misspelt or BuildKit-only flag is an error naming
 * file:line, never silently ignored.
 */
import { describe, expect, it } from 'vitest';
import { parseDockerfile } from '../../src/engine/build/dockerfile';
import { UserError } from '../../src/errors';

function parseError(text: string): { message: string; exitCode: number } {
  try {
    parseDockerfile(text);
  } catch (e) {
    expect(e).toBeInstanceOf(UserError);
    return { message: (e as UserError).message, exitCode: (e as UserError).exitCode };
  }
  throw new Error('parsed without an error');
}

describe('Dockerfile parser', () => {
  it('directives, continuations over comment and empty lines, case, leading whitespace, both forms', () => {
    const df = parseDockerfile([
      '# escape=`',
      '# syntax=docker/dockerfile:1',
      'from busybox',
      '  RUN echo a `',
      '# a comment inside',
      '',
      '    b',
      'cmd ["sh", "-c", "echo $HOME"]',
      'ENTRYPOINT [not json',
    ].join('\n'));
    expect(df.escape).toBe('`');
    expect(df.instructions.map((i) => [i.name, i.line])).toEqual([['FROM', 3], ['RUN', 4], ['CMD', 8], ['ENTRYPOINT', 9]]);
    expect(df.instructions[1].text).toBe('echo a     b');
    expect(df.instructions[2].json).toEqual(['sh', '-c', 'echo $HOME']); // exec form: kept as written
    expect(df.instructions[3].json).toBeUndefined(); // not JSON: shell form
  });

  it('flags each instruction knows are kept', () => {
    const df = parseDockerfile([
      'FROM --platform=linux/amd64 busybox AS base',
      'COPY --from=base --chown=1:2 --chmod=640 a /b',
      'ADD --chown=app x.tar /y/',
      'HEALTHCHECK --interval=1m30s --timeout=5s --start-period=2s --retries=3 CMD true',
    ].join('\n'));
    expect(df.instructions.map((i) => i.flags)).toEqual([
      { platform: 'linux/amd64' },
      { from: 'base', chown: '1:2', chmod: '640' },
      { chown: 'app' },
      { interval: '1m30s', timeout: '5s', 'start-period': '2s', retries: '3' },
    ]);
  });

  it('a misspelt flag is an error with file:line (COPY --chwon would otherwise copy as root)', () => {
    expect(parseError('FROM busybox\nCOPY --chwon=1:1 a /b\n')).toEqual({
      message: 'Dockerfile:2: unknown flag for COPY: --chwon (known: --from, --chown, --chmod)', exitCode: 1,
    });
    expect(parseError('FROM busybox\nADD --from=x a /b\n').message).toBe('Dockerfile:2: unknown flag for ADD: --from (known: --chown, --chmod)');
    expect(parseError('FROM busybox\nHEALTHCHECK --intervl=5s CMD true\n').message).toMatch(/^Dockerfile:2: unknown flag for HEALTHCHECK: --intervl /);
  });

  it("RUN flags are BuildKit's: refused with the reason, as the classic builder does", () => {
    expect(parseError('FROM busybox\n\nRUN --mount=type=cache,target=/c true\n')).toEqual({
      message: "Dockerfile:3: the --mount option requires BuildKit: mini-run builds as Docker's classic builder, whose RUN takes no flags", exitCode: 1,
    });
  });

  it('malformed files: unknown instruction, no FROM, bad escape, SHELL not JSON, empty', () => {
    expect(parseError('FROM busybox\nFROBNICATE x\n').message).toBe('Dockerfile:2: unknown instruction: FROBNICATE');
    expect(parseError('RUN true\n').message).toMatch(/^Dockerfile:1: no build stage in current context/);
    expect(parseError('# escape=x\nFROM busybox\n').message).toMatch(/^Dockerfile:1: invalid escape token 'x'/);
    expect(parseError('FROM busybox\nSHELL /bin/sh -c\n').message).toBe('Dockerfile:2: SHELL requires the arguments to be in JSON form');
    expect(parseError('# just a comment\n\n').message).toBe('Dockerfile: the Dockerfile cannot be empty');
    expect(parseError('FROM busybox\nRUN\n').message).toBe('Dockerfile:2: RUN requires at least one argument');
  });
});
