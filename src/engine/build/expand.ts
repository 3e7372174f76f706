/**
 * Variable substitution in Dockerfile arguments, as the Dockerfile reference defines it:
 * `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR:+alternative}`; the escape character before `$`
 * keeps it literal. Single quotes keep their content literal too (the builder's shell-word
 * rules); double quotes do not. Quotes are kept in the text: the words are split later by the
 * instruction that needs words (ENV, LABEL, …), or the text goes to the shell (RUN/CMD).
 */
export type Vars = ReadonlyMap<string, string>;

export function expand(text: string, vars: Vars, escape = '\\'): string {
  let out = '';
  let inSingle = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === escape && text[i + 1] === '$') { out += escape === '\\' ? '\\$' : '$'; i++; continue; }
    if (c === "'" ) { inSingle = !inSingle; out += c; continue; }
    if (c !== '$' || inSingle) { out += c; continue; }
    const rest = text.slice(i + 1);
    const braced = /^\{([A-Za-z_][A-Za-z0-9_]*)(?::([-+])([^}]*))?\}/.exec(rest);
    if (braced) {
      const [whole, name, op, word] = braced;
      const value = vars.get(name);
      if (op === '-') out += value !== undefined && value !== '' ? value : expand(word, vars, escape);
      else if (op === '+') out += value !== undefined && value !== '' ? expand(word, vars, escape) : '';
      else out += value ?? '';
      i += whole.length;
      continue;
    }
    const plain = /^[A-Za-z_][A-Za-z0-9_]*/.exec(rest);
    if (plain) { out += vars.get(plain[0]) ?? ''; i += plain[0].length; continue; }
    out += c;
  }
  return out;
}

/**
 * Split into words the way the builder does for ENV, LABEL, ARG, EXPOSE…: whitespace
 * separates, quotes group (and are removed), the escape character escapes the next one.
 */
export function words(text: string, escape = '\\'): string[] {
  const out: string[] = [];
  let cur = '';
  let has = false;
  let quote: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === quote) { quote = null; continue; }
      if (c === escape && quote === '"' && i + 1 < text.length && '"$\\`'.includes(text[i + 1])) { cur += text[++i]; continue; }
      cur += c;
      continue;
    }
    if (c === '"' || c === "'") { quote = c; has = true; continue; }
    if (c === escape && i + 1 < text.length) { cur += text[++i]; has = true; continue; }
    if (/\s/.test(c)) { if (has || cur) out.push(cur); cur = ''; has = false; continue; }
    cur += c;
  }
  if (has || cur) out.push(cur);
  return out;
}

/**
 * `KEY=VALUE …` pairs (ENV, LABEL, ARG), or the legacy `KEY VALUE` form (ENV/LABEL with one
 * space-separated pair: the rest of the line is the value).
 */
export function keyValuePairs(text: string, escape = '\\'): Array<[string, string | undefined]> {
  const ws = words(text, escape);
  if (ws.length > 0 && !ws[0].includes('=')) {
    const m = /^(\S+)\s+([\s\S]*)$/.exec(text.trim());
    if (m && ws.length > 1) return [[m[1], words(m[2], escape).join(' ')]];
    return [[ws[0], undefined]];
  }
  return ws.map((w) => {
    const at = w.indexOf('=');
    return at < 0 ? [w, undefined] : [w.slice(0, at), w.slice(at + 1)];
  });
}

/**
 * Docker's shell-word processing for ENV, LABEL, ARG, EXPOSE, VOLUME, COPY/ADD, WORKDIR, USER…:
 * one pass that splits on unquoted whitespace (unless `split` is false), removes quotes, and
 * expands variables — so `ENV C=$B` stays one word even when B holds spaces, `'$A'` stays
 * literal, and inside double quotes the escape character escapes only `"`, `$` and itself.
 */
export function shellWords(text: string, vars: Vars, escape = '\\', split = true): string[] {
  const out: string[] = [];
  let cur = '';
  let has = false;
  let quote: '"' | "'" | null = null;
  const variable = (i: number): number => {
    const rest = text.slice(i + 1);
    const braced = /^\{([A-Za-z_][A-Za-z0-9_]*)(?::([-+])([^}]*))?\}/.exec(rest);
    if (braced) {
      const [whole, name, op, word] = braced;
      const value = vars.get(name);
      const set = value !== undefined && value !== '';
      if (op === '-') cur += set ? value : shellWords(word, vars, escape, false).join('');
      else if (op === '+') cur += set ? shellWords(word, vars, escape, false).join('') : '';
      else cur += value ?? '';
      return i + whole.length;
    }
    const plain = /^[A-Za-z_][A-Za-z0-9_]*/.exec(rest);
    if (plain) { cur += vars.get(plain[0]) ?? ''; return i + plain[0].length; }
    cur += '$';
    return i;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote === "'") { if (c === "'") quote = null; else cur += c; continue; }
    if (c === escape && i + 1 < text.length) {
      const n = text[i + 1];
      if (quote === '"' && n !== '"' && n !== '$' && n !== escape) { cur += c; continue; }
      cur += n; i++; has = true;
      continue;
    }
    if (quote === '"') {
      if (c === '"') quote = null;
      else if (c === '$') i = variable(i);
      else cur += c;
      continue;
    }
    if (c === '"' || c === "'") { quote = c; has = true; continue; }
    if (c === '$') { i = variable(i); has = true; continue; }
    if (split && /\s/.test(c)) { if (has || cur) out.push(cur); cur = ''; has = false; continue; }
    cur += c;
  }
  if (has || cur || !split) out.push(cur);
  return out;
}

/** One word (whitespace kept): WORKDIR, USER, STOPSIGNAL, a legacy `ENV key value`'s value. */
export function shellWord(text: string, vars: Vars, escape = '\\'): string {
  return shellWords(text.trim(), vars, escape, false)[0];
}

/** `KEY=VALUE …` (each word processed), or the legacy `KEY VALUE` form (the rest of the line is one value). */
export function expandPairs(text: string, vars: Vars, escape = '\\'): Array<[string, string | undefined]> {
  const raw = words(text, escape);
  if (raw.length > 0 && !raw[0].includes('=')) {
    const m = /^(\S+)\s+([\s\S]*)$/.exec(text.trim());
    if (m && raw.length > 1) return [[shellWord(m[1], vars, escape), shellWord(m[2], vars, escape)]];
    return [[shellWord(raw[0], vars, escape), undefined]];
  }
  return shellWords(text, vars, escape).map((w) => {
    const at = w.indexOf('=');
    return at < 0 ? [w, undefined] : [w.slice(0, at), w.slice(at + 1)];
  });
}
