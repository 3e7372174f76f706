/**
 * The build context: the directory `build` was given, minus what `.dockerignore` excludes, and
 * the COPY/ADD sources looked up in it.
 *
 * `.dockerignore` as Docker reads it: one pattern per line, `#` comments, Go filepath.Match
 * syntax (`*`, `?`, `[…]`) plus `**` for any number of directories, paths relative to the
 * context root (a leading `/` is ignored, `./` and `..` are cleaned), `!` re-includes; the last
 * matching line wins. A pattern that matches a directory excludes everything under it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { contextTree, resolveSources } from './sources';
import { join, posix } from 'node:path';

interface IgnoreRule { regex: RegExp; exclude: boolean }

/** A Go filepath.Match pattern (plus `**`) as a regular expression's source, without anchors. */
export function globSource(pattern: string): string {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*') {
      if (pattern[i + 1] === '*') {
        // `**/` or a trailing `**`: any number of path components
        i++;
        if (pattern[i + 1] === '/') { i++; re += '(?:.*/)?'; } else re += '.*';
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) { re += '\\['; continue; }
      let cls = pattern.slice(i + 1, end);
      if (cls.startsWith('^')) cls = '^' + cls.slice(1); // Go's negation is ^ too
      re += `[${cls.replace(/\\/g, '\\\\')}]`;
      i = end;
    } else if (c === '\\' && i + 1 < pattern.length) re += '\\' + pattern[++i];
    else re += c.replace(/[.+^${}()|\]\\]/g, '\\$&');
  }
  return re;
}

/** A .dockerignore pattern: a match of a directory covers what is under it. */
export function globToRegex(pattern: string): RegExp {
  return new RegExp(`^${globSource(pattern)}(?:/.*)?$`);
}

export function parseDockerignore(text: string): IgnoreRule[] {
  const rules: IgnoreRule[] = [];
  for (const raw of text.split('\n')) {
    let line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    let exclude = true;
    if (line.startsWith('!')) { exclude = false; line = line.slice(1).trim(); }
    line = posix.normalize(line.replace(/^\/+/, ''));
    if (line === '.' ) continue;
    rules.push({ regex: globToRegex(line), exclude });
  }
  return rules;
}

export class BuildContext {
  private readonly rules: IgnoreRule[];

  constructor(readonly dir: string) {
    const file = join(dir, '.dockerignore');
    this.rules = existsSync(file) ? parseDockerignore(readFileSync(file, 'utf8')) : [];
  }

  /** Is the context-relative path `rel` left out by .dockerignore? */
  ignored(rel: string): boolean {
    let out = false;
    for (const r of this.rules) if (r.regex.test(rel)) out = r.exclude;
    return out;
  }

  /**
   * The context paths a COPY/ADD source names: wildcards matched component by component,
   * none outside the context, none ignored. Throws Docker's message when nothing matches.
   */
  sources(src: string, where: string): string[] {
    return resolveSources(contextTree(this), src, where, (rel) => this.ignored(rel));
  }
}
