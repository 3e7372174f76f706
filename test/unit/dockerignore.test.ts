/**
 * `.dockerignore` as Docker reads it (src/engine/build/context.ts): Go filepath.Match patterns
 * relative to the context's top, `**` for any number of directories, a matched directory covers
 * everything under it, `!` re-includes, and the last matching line wins.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BuildContext } from '../../src/engine/build/context';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function contextWith(dockerignore: string): BuildContext {
  const dir = mkdtempSync('/tmp/mr-unit-dockerignore-');
  dirs.push(dir);
  writeFileSync(join(dir, '.dockerignore'), dockerignore);
  return new BuildContext(dir);
}

const ignoredOf = (c: BuildContext, paths: string[]) => paths.filter((p) => c.ignored(p));

describe('.dockerignore', () => {
  it('* stays in one directory; ** crosses any number; ? and [a-c] match one character', () => {
    const c = contextWith('# a comment line\n*.key\n**/*.md\ntemp?\n[a-c].txt\n');
    expect(ignoredOf(c, ['secret.key', 'sub/secret.key', 'README.md', 'docs/x/y.md', 'temp1', 'temp12', 'b.txt', 'd.txt', '# a comment line']))
      .toEqual(['secret.key', 'README.md', 'docs/x/y.md', 'temp1', 'b.txt']);
  });

  it('a matched directory covers what is under it; a leading / and ./ or .. parts are cleaned', () => {
    const c = contextWith('build\n/abs.txt\n./x/../y\n');
    expect(ignoredOf(c, ['build', 'build/a/b.o', 'builder', 'abs.txt', 'sub/abs.txt', 'y', 'y/z', 'x']))
      .toEqual(['build', 'build/a/b.o', 'abs.txt', 'y', 'y/z']);
  });

  it('! re-includes, and the last matching line wins', () => {
    const c = contextWith('*.key\n!keep.key\nlogs\n!logs/keep.log\n');
    expect(ignoredOf(c, ['a.key', 'keep.key', 'logs/a.log', 'logs/keep.log'])).toEqual(['a.key', 'logs/a.log']);
    const reversed = contextWith('!keep.key\n*.key\n');
    expect(ignoredOf(reversed, ['a.key', 'keep.key'])).toEqual(['a.key', 'keep.key']);
  });

  it('the Dockerfile and .dockerignore themselves can be left out of COPY', () => {
    const c = contextWith('Dockerfile\n.dockerignore\n');
    expect(ignoredOf(c, ['Dockerfile', '.dockerignore', 'app/Dockerfile'])).toEqual(['Dockerfile', '.dockerignore']);
  });
});
