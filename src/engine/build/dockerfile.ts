/**
 * The Dockerfile parser: text → a list of instructions, each with its line number, its flags
 * (`--from=…`, `--chown=…`) and its arguments in the form it was written:
 *
 *   - exec (JSON) form  `CMD ["a", "b"]`  → `json: ['a','b']`  (never variable-expanded)
 *   - shell form        `CMD a b`         → `text: 'a b'`      (run by the SHELL, expanded
 *                                                               for the instructions that expand)
 *
 * What the Dockerfile reference says, and this follows:
 *   - parser directives (`# escape=\``, `# syntax=…`) only at the very top, before any
 *     comment, empty line or instruction; `escape` changes the line-continuation character;
 *   - `#` starts a comment only at the start of a line (after whitespace);
 *   - a line ending in the escape character continues on the next one; comment lines and
 *     empty lines inside a continuation are dropped;
 *   - instructions are case-insensitive, leading whitespace is allowed.
 */
import { UserError } from '../../errors';

export interface Instruction {
  /** upper case: RUN, COPY… */
  name: string;
  /** line of the instruction's first line, 1-based (for `Dockerfile:LINE` errors) */
  line: number;
  /** `--key=value` flags before the arguments (COPY --from, --chown, --chmod; FROM --platform) */
  flags: Record<string, string>;
  /** the arguments as written, continuation lines joined (shell form) */
  text: string;
  /** the arguments when written in exec (JSON array) form */
  json?: string[];
  /** the instruction as written, for `Step N/M : …` and history */
  original: string;
}

export interface Dockerfile { instructions: Instruction[]; escape: string }

const KNOWN = new Set(['FROM', 'RUN', 'CMD', 'ENTRYPOINT', 'ENV', 'ARG', 'LABEL', 'EXPOSE', 'VOLUME', 'WORKDIR',
  'USER', 'COPY', 'ADD', 'SHELL', 'STOPSIGNAL', 'HEALTHCHECK', 'ONBUILD', 'MAINTAINER']);

/** Instructions whose arguments may start with `--flag=value` words, and the flags each knows. */
const FLAGS: Record<string, readonly string[]> = {
  FROM: ['platform'],
  COPY: ['from', 'chown', 'chmod'],
  ADD: ['chown', 'chmod'],
  HEALTHCHECK: ['interval', 'timeout', 'start-period', 'retries'],
  RUN: [], // --mount, --network, --security are BuildKit's
};

export function parseDockerfile(source: string, file = 'Dockerfile'): Dockerfile {
  const lines = source.replace(/\r\n/g, '\n').split('\n');
  let escape = '\\';
  let i = 0;
  // Parser directives: `# key=value` lines at the very top.
  for (; i < lines.length; i++) {
    const m = /^\s*#\s*([a-zA-Z][a-zA-Z0-9_-]*)\s*=\s*(.*?)\s*$/.exec(lines[i]);
    if (!m) break;
    const key = m[1].toLowerCase();
    if (key === 'escape') {
      if (m[2] !== '\\' && m[2] !== '`') throw new UserError(`${file}:${i + 1}: invalid escape token '${m[2]}' does not match ` + '` or \\', 1);
      escape = m[2];
    } else if (key !== 'syntax' && key !== 'check') {
      break; // an unknown "directive" is a comment, and ends the directives
    }
  }

  const instructions: Instruction[] = [];
  while (i < lines.length) {
    const first = lines[i];
    if (/^\s*(#|$)/.test(first)) { i++; continue; }
    const startLine = i + 1;
    // Join continuation lines; comment and empty lines inside a continuation are skipped.
    let joined = '';
    let line = first;
    for (;;) {
      const trimmed = line.replace(/\s+$/, '');
      if (trimmed.endsWith(escape) && !trimmed.endsWith(escape + escape)) {
        joined += trimmed.slice(0, -1);
        i++;
        while (i < lines.length && /^\s*(#.*)?$/.test(lines[i])) i++;
        if (i >= lines.length) break;
        line = lines[i];
        continue;
      }
      joined += line;
      i++;
      break;
    }
    instructions.push(parseInstruction(joined.trim(), startLine, file));
  }
  if (instructions.length === 0) throw new UserError(`${file}: the Dockerfile cannot be empty`, 1);
  const firstReal = instructions.find((ins) => ins.name !== 'ARG');
  if (!firstReal || firstReal.name !== 'FROM') {
    const at = firstReal ?? instructions[0];
    throw new UserError(`${file}:${at.line}: no build stage in current context: the first instruction must be FROM (ARG may come before it)`, 1);
  }
  return { instructions, escape };
}

function parseInstruction(text: string, line: number, file: string): Instruction {
  const m = /^(\S+)\s*([\s\S]*)$/.exec(text)!;
  const name = m[1].toUpperCase();
  let rest = m[2];
  if (!KNOWN.has(name)) throw new UserError(`${file}:${line}: unknown instruction: ${m[1]}`, 1);
  const flags: Record<string, string> = {};
  const known = FLAGS[name];
  if (known) {
    for (;;) {
      const f = /^--([a-zA-Z][a-zA-Z0-9-]*)(?:=(\S*))?\s*/.exec(rest);
      if (!f) break;
      const flag = f[1].toLowerCase();
      if (!known.includes(flag)) {
        // A misspelt flag must not be ignored (COPY --chwon would copy as root without a word).
        throw new UserError(name === 'RUN'
          ? `${file}:${line}: the --${flag} option requires BuildKit: mini-run builds as Docker's classic builder, whose RUN takes no flags`
          : `${file}:${line}: unknown flag for ${name}: --${flag} (known: ${known.map((k) => `--${k}`).join(', ')})`, 1);
      }
      flags[flag] = f[2] ?? 'true';
      rest = rest.slice(f[0].length);
    }
  }
  rest = rest.trim();
  if (rest === '' && name !== 'HEALTHCHECK') throw new UserError(`${file}:${line}: ${name} requires at least one argument`, 1);
  const ins: Instruction = { name, line, flags, text: rest, original: text };
  if (rest.startsWith('[')) {
    try {
      const v = JSON.parse(rest);
      if (Array.isArray(v) && v.every((x) => typeof x === 'string')) ins.json = v;
    } catch { /* not JSON: shell form, as Docker does */ }
  }
  if (name === 'SHELL' && !ins.json) throw new UserError(`${file}:${line}: SHELL requires the arguments to be in JSON form`, 1);
  return ins;
}
