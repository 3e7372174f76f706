/**
 * A subset of Go's text/template, the language behind docker's `--format` / `-f` flags.
 *
 * It is a real little language, so it gets a real (small) implementation: a lexer that cuts the
 * template into text and `{{ actions }}`, a recursive-descent parser that builds a tree, and a
 * tree-walking evaluator. Nothing is ever handed to JavaScript's `eval`.
 *
 *   {{.State.Status}}                      field chains on the data ("dot")
 *   {{json .Config.Env}}                   function calls; docker adds json/join/split/upper/…
 *   {{.Name | printf "%-10s"}}             pipelines: the left value becomes the last argument
 *   {{range $k, $v := .Labels}}…{{end}}    range / if / with, each with an optional {{else}}
 *   {{- .X -}}                             trim markers eat the whitespace next to the action
 *   {{$id := .Id}} {{$.Name}}              variables; `$` is the data the template started with
 *
 * Values are JSON-like (objects, arrays, strings, numbers, booleans, null). Go's templates run on
 * typed Go values; the closest untyped reading is "every object is a map[string]interface{}",
 * which is what this engine does, with a few docker-flavoured exceptions commented below.
 * Not supported: {{define}}, {{template}}, {{block}} (docker's formats never need them).
 */

import { goQuote } from './go-quote';
export { goQuote };
import { goNameOf, goStructFields } from '../go-values';

// ------------------------------------------------------------------------------------ errors

/** Every template failure: one line, shaped like Go's (`template: :1:8: executing "" at <.X>: …`). */
export class TemplateError extends Error {
  /** Output produced before an execution error (docker keeps it for table headers). */
  partial = '';
}

// ------------------------------------------------------------------------------------- lexer

type TokKind =
  | 'field' | 'dot' | 'variable' | 'identifier' | 'keyword' | 'string' | 'number' | 'bool' | 'nil'
  | 'lparen' | 'rparen' | 'pipe' | 'declare' | 'assign' | 'comma';

interface Token { kind: TokKind; text: string; value?: string | number | boolean; pos: number; spaceBefore: boolean }

/** One `{{ … }}`, already cut into tokens. `pos` is the offset of the first byte after `{{`. */
interface ActionItem { kind: 'action'; pos: number; tokens: Token[] }
interface TextItem { kind: 'text'; text: string }
type Item = ActionItem | TextItem;

const KEYWORDS = new Set(['if', 'else', 'end', 'range', 'with', 'break', 'continue', 'define', 'template', 'block']);
const SPACE = /[ \t\r\n]/;

class Lexer {
  readonly items: Item[] = [];
  constructor(private readonly src: string, private readonly fail: (pos: number, msg: string) => never) {}

  run(): Item[] {
    const src = this.src;
    let i = 0;
    let trimNext = false; // the previous action ended with ` -}}`
    while (i <= src.length) {
      const open = src.indexOf('{{', i);
      let text = src.slice(i, open < 0 ? src.length : open);
      if (trimNext) text = text.replace(/^[ \t\r\n]+/, '');
      // `{{- ` trims the text before it. The dash must be followed by a space, otherwise
      // `{{-3}}` would be ambiguous with the number -3 (Go's rule).
      const trimLeft = open >= 0 && src[open + 2] === '-' && SPACE.test(src[open + 3] ?? '');
      if (trimLeft) text = text.replace(/[ \t\r\n]+$/, '');
      if (text) this.items.push({ kind: 'text', text });
      if (open < 0) break;
      i = this.lexAction(open + 2 + (trimLeft ? 2 : 0), open);
      trimNext = this.lastTrimRight;
    }
    return this.items;
  }

  private lastTrimRight = false;

  /** Lexes from `start` (inside `{{`) to the closing `}}`; returns the offset after it. */
  private lexAction(start: number, openPos: number): number {
    const src = this.src;
    const tokens: Token[] = [];
    let i = start;
    let spaceBefore = true;
    const push = (kind: TokKind, from: number, to: number, value?: Token['value']) => {
      tokens.push({ kind, text: src.slice(from, to), value, pos: from, spaceBefore });
      spaceBefore = false;
    };
    // A comment: {{/* … */}} or {{- /* … */ -}}; the `/*` must come right after the delimiter.
    if (src.startsWith('/*', i)) {
      const end = src.indexOf('*/', i + 2);
      if (end < 0) this.fail(openPos, 'unclosed comment');
      const rest = src.slice(end + 2).match(/^( -)?}}/);
      if (!rest) this.fail(openPos, 'comment ends before closing delimiter');
      this.lastTrimRight = Boolean(rest[1]);
      return end + 2 + rest[0].length;
    }
    for (;;) {
      if (i >= src.length) this.fail(openPos, 'unclosed action');
      const c = src[i];
      if (SPACE.test(c)) {
        const m = /^[ \t\r\n]+/.exec(src.slice(i))![0];
        // ` -}}` closes the action and trims the whitespace that follows it.
        if (src.startsWith('-}}', i + m.length)) {
          this.items.push({ kind: 'action', pos: openPos, tokens });
          this.lastTrimRight = true;
          return i + m.length + 3;
        }
        i += m.length;
        spaceBefore = true;
        continue;
      }
      if (src.startsWith('}}', i)) {
        this.items.push({ kind: 'action', pos: openPos, tokens });
        this.lastTrimRight = false;
        return i + 2;
      }
      if (c === '"') { const end = this.scanQuoted(i, '"'); push('string', i, end, unquote(src.slice(i, end), (m) => this.fail(i, m))); i = end; continue; }
      if (c === '`') {
        const end = src.indexOf('`', i + 1);
        if (end < 0) this.fail(i, 'unterminated raw quoted string');
        push('string', i, end + 1, src.slice(i + 1, end)); i = end + 1; continue;
      }
      if (c === "'") {
        const end = this.scanQuoted(i, "'");
        const s = unquote('"' + src.slice(i + 1, end - 1) + '"', (m) => this.fail(i, m));
        const cps = [...s];
        if (cps.length !== 1) this.fail(i, `malformed character constant: ${src.slice(i, end)}`);
        push('number', i, end, cps[0].codePointAt(0)!); i = end; continue;
      }
      if (c === '(') { push('lparen', i, i + 1); i++; continue; }
      if (c === ')') { push('rparen', i, i + 1); i++; continue; }
      if (c === '|') { push('pipe', i, i + 1); i++; continue; }
      if (c === ',') { push('comma', i, i + 1); i++; continue; }
      if (src.startsWith(':=', i)) { push('declare', i, i + 2); i += 2; continue; }
      if (c === '=') { push('assign', i, i + 1); i++; continue; }
      if (c === '$') {
        const m = /^\$[\p{L}\p{N}_]*/u.exec(src.slice(i))![0];
        push('variable', i, i + m.length); i += m.length; continue;
      }
      if (c === '.' && !/[0-9]/.test(src[i + 1] ?? '')) {
        const m = /^\.[\p{L}\p{N}_]*/u.exec(src.slice(i))![0];
        push(m === '.' ? 'dot' : 'field', i, i + m.length); i += m.length; continue;
      }
      const num = /^[+-]?(0[xX][0-9a-fA-F_]+|0[bB][01_]+|0[oO][0-7_]+|(\d[\d_]*\.?\d*|\.\d+)([eE][+-]?\d+)?)/.exec(src.slice(i));
      if (num && /[0-9]/.test(num[0])) {
        const t = num[0].replace(/_/g, '');
        const sign = t.startsWith('-') ? -1 : 1;
        const body = t.replace(/^[+-]/, '');
        const value = /^0[xXbBoO]/.test(body) ? sign * Number(body.toLowerCase()) : Number(t);
        if (!Number.isFinite(value)) this.fail(i, `bad number syntax: "${num[0]}"`);
        push('number', i, i + num[0].length, value); i += num[0].length; continue;
      }
      const word = /^[\p{L}_][\p{L}\p{N}_]*/u.exec(src.slice(i));
      if (word) {
        const w = word[0];
        if (w === 'true' || w === 'false') push('bool', i, i + w.length, w === 'true');
        else if (w === 'nil') push('nil', i, i + w.length);
        else push(KEYWORDS.has(w) ? 'keyword' : 'identifier', i, i + w.length);
        i += w.length; continue;
      }
      this.fail(i, `unexpected ${JSON.stringify(c)} in command`);
    }
  }

  private scanQuoted(start: number, q: string): number {
    for (let i = start + 1; i < this.src.length; i++) {
      const c = this.src[i];
      if (c === '\\') { i++; continue; }
      if (c === '\n') break;
      if (c === q) return i + 1;
    }
    return this.fail(start, 'unterminated quoted string');
  }
}

/** Go's strconv.Unquote for an interpreted string literal ("…" with backslash escapes). */
function unquote(lit: string, fail: (msg: string) => never): string {
  const body = lit.slice(1, -1);
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c !== '\\') { out += c; continue; }
    const e = body[++i];
    const simple: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', '"': '"', "'": "'" };
    if (e in simple) { out += simple[e]; continue; }
    const hexLen = e === 'x' ? 2 : e === 'u' ? 4 : e === 'U' ? 8 : 0;
    if (hexLen) {
      const h = body.slice(i + 1, i + 1 + hexLen);
      if (!new RegExp(`^[0-9a-fA-F]{${hexLen}}$`).test(h)) fail(`invalid syntax: ${lit}`);
      out += String.fromCodePoint(parseInt(h, 16)); i += hexLen; continue;
    }
    if (/[0-7]/.test(e ?? '')) {
      const o = body.slice(i, i + 3);
      if (!/^[0-7]{3}$/.test(o)) fail(`invalid syntax: ${lit}`);
      out += String.fromCharCode(parseInt(o, 8)); i += 2; continue;
    }
    fail(`invalid syntax: ${lit}`);
  }
  return out;
}

// ------------------------------------------------------------------------------------ parser

/** An argument or operand of a command. */
type Arg =
  | { type: 'dot'; pos: number }
  | { type: 'field'; pos: number; ident: string[] }            // .A.B
  | { type: 'variable'; pos: number; ident: string[] }         // $x.A.B  (ident[0] = '$x')
  | { type: 'chain'; pos: number; node: Arg; field: string[] } // (pipeline).A.B
  | { type: 'identifier'; pos: number; name: string }          // a function name
  | { type: 'string'; pos: number; text: string; value: string }
  | { type: 'number'; pos: number; text: string; value: number }
  | { type: 'bool'; pos: number; value: boolean }
  | { type: 'nil'; pos: number }
  | { type: 'pipe'; pos: number; pipe: Pipeline };              // ( … )

interface Command { pos: number; args: Arg[] }
interface Pipeline { pos: number; decl: string[]; isAssign: boolean; cmds: Command[] }

type Node =
  | { type: 'text'; text: string }
  | { type: 'action'; pos: number; pipe: Pipeline }
  | ControlNode
  | { type: 'break' | 'continue'; pos: number };

interface ControlNode { type: 'if' | 'range' | 'with'; pos: number; pipe: Pipeline; list: Node[]; elseList?: Node[] }

class Parser {
  private items: Item[] = [];
  private i = 0;
  private toks: Token[] = [];
  private t = 0;
  private vars: string[] = ['$'];
  private rangeDepth = 0;
  constructor(private readonly src: string, private readonly funcs: FuncMap) {}

  fail(pos: number, msg: string): never {
    const line = 1 + (this.src.slice(0, pos).match(/\n/g)?.length ?? 0);
    throw new TemplateError(`template: :${line}: ${msg}`);
  }

  parse(): Node[] {
    this.items = new Lexer(this.src, (pos, msg) => this.fail(pos, msg)).run();
    const { nodes, stop } = this.parseList();
    if (stop) this.fail(stop.pos, `unexpected {{${stop.word}}}`);
    return nodes;
  }

  /** Parses nodes until `{{end}}`, `{{else}}` or the end of input (stop is undefined then). */
  private parseList(): { nodes: Node[]; stop?: { word: 'end' | 'else'; pos: number } } {
    const nodes: Node[] = [];
    while (this.i < this.items.length) {
      const item = this.items[this.i++];
      if (item.kind === 'text') { nodes.push({ type: 'text', text: item.text }); continue; }
      this.toks = item.tokens;
      this.t = 0;
      const first = this.peek();
      if (!first) this.fail(item.pos, 'missing value for command');
      if (first.kind === 'keyword') {
        this.t++;
        switch (first.text) {
          case 'end': this.expectEnd('end'); return { nodes, stop: { word: 'end', pos: first.pos } };
          case 'else': return { nodes, stop: { word: 'else', pos: first.pos } }; // the caller reads on
          case 'if': case 'range': case 'with':
            nodes.push(this.parseControl(first.text, first.pos)); continue;
          case 'break': case 'continue':
            if (!this.rangeDepth) this.fail(first.pos, `{{${first.text}}} outside {{range}}`);
            this.expectEnd(first.text);
            nodes.push({ type: first.text, pos: first.pos }); continue;
          default: this.fail(first.pos, `{{${first.text}}} is not supported by this template engine`);
        }
      }
      nodes.push({ type: 'action', pos: first.pos, pipe: this.parsePipeline('command') });
    }
    return { nodes };
  }

  /**
   * if/range/with: the pipeline, the list, an optional {{else}} list, then {{end}}.
   * `{{else if …}}` (and `{{else with …}}`) is sugar for `{{else}}{{if …}}…{{end}}` sharing the
   * outer {{end}}, so it is parsed as a nested control that consumes that {{end}} itself.
   */
  private parseControl(kind: 'if' | 'range' | 'with', pos: number): Node {
    const mark = this.vars.length;
    const pipe = this.parsePipeline(kind);
    if (kind === 'range') this.rangeDepth++;
    const body = this.parseList();
    if (kind === 'range') this.rangeDepth--;
    if (!body.stop) this.fail(this.src.length, 'unexpected EOF');
    let elseList: Node[] | undefined;
    if (body.stop.word === 'else') {
      const next = this.peek();
      if (next && next.kind === 'keyword' && (next.text === 'if' || next.text === 'with') && kind !== 'range') {
        this.t++;
        elseList = [this.parseControl(next.text, next.pos)]; // it consumed our {{end}}
      } else {
        this.expectEnd('else');
        const rest = this.parseList();
        if (!rest.stop) this.fail(this.src.length, 'unexpected EOF');
        if (rest.stop.word !== 'end') this.fail(rest.stop.pos, 'expected end; found {{else}}');
        elseList = rest.nodes;
      }
    }
    this.vars.length = mark; // variables declared in the control die at its {{end}}
    return { type: kind, pos, pipe, list: body.nodes, elseList };
  }

  private expectEnd(what: string): void {
    const extra = this.peek();
    if (extra) this.fail(extra.pos, `unexpected ${JSON.stringify(extra.text)} in ${what}`);
  }

  private peek(): Token | undefined { return this.toks[this.t]; }
  private next(): Token | undefined { return this.toks[this.t++]; }

  /** [$x :=] command [| command]… ; `inParens` ends at `)`, otherwise at the end of the action. */
  private parsePipeline(context: string, inParens = false): Pipeline {
    const start = this.peek();
    const pos = start?.pos ?? 0;
    const decl: string[] = [];
    let isAssign = false;
    // Declarations: `$x :=`, `$x =`, and in range `$i, $e :=`.
    const save = this.t;
    const v1 = this.peek();
    if (v1?.kind === 'variable') {
      this.t++;
      const sep = this.peek();
      if (sep?.kind === 'declare' || sep?.kind === 'assign') {
        this.t++;
        decl.push(v1.text);
        isAssign = sep.kind === 'assign';
      } else if (sep?.kind === 'comma' && context === 'range') {
        this.t++;
        const v2 = this.next();
        const op = this.next();
        if (v2?.kind !== 'variable' || (op?.kind !== 'declare' && op?.kind !== 'assign')) this.fail(v1.pos, `range can only initialize variables`);
        decl.push(v1.text, v2.text);
        isAssign = op.kind === 'assign';
      } else if (sep?.kind === 'comma') {
        this.fail(sep.pos, `too many declarations in ${context}`);
      } else {
        this.t = save;
      }
    }
    if (isAssign) for (const d of decl) if (!this.vars.includes(d)) this.fail(pos, `undefined variable "${d}"`);
    const cmds: Command[] = [];
    for (;;) {
      const tok = this.peek();
      if (!tok || (inParens && tok.kind === 'rparen')) break;
      if (tok.kind === 'pipe') {
        if (!cmds.length) this.fail(tok.pos, 'missing value for command');
        this.t++;
        continue;
      }
      cmds.push(this.parseCommand(inParens));
      const after = this.peek();
      if (after && after.kind !== 'pipe' && !(inParens && after.kind === 'rparen')) {
        this.fail(after.pos, `unexpected ${JSON.stringify(after.text)} in operand`);
      }
    }
    if (!cmds.length) this.fail(pos, `missing value for ${context}`);
    if (this.toks[this.t - 1]?.kind === 'pipe') this.fail(pos, 'missing value for command');
    // Declared after the pipeline is parsed: `$x := $x` refers to an outer $x.
    if (!isAssign) this.vars.push(...decl);
    return { pos, decl, isAssign, cmds };
  }

  private parseCommand(inParens: boolean): Command {
    const args: Arg[] = [];
    const pos = this.peek()!.pos;
    for (;;) {
      const tok = this.peek();
      if (!tok || tok.kind === 'pipe' || (inParens && tok.kind === 'rparen')) break;
      if (args.length && !tok.spaceBefore && tok.kind !== 'lparen') this.fail(tok.pos, `missing space?`);
      args.push(this.parseOperand());
    }
    return { pos, args };
  }

  /** A term, plus `.Field` suffixes written right after it (`$x.A`, `(index .X 0).Name`). */
  private parseOperand(): Arg {
    const term = this.parseTerm();
    const fields: string[] = [];
    let chainPos = -1;
    while (this.peek()?.kind === 'field' && !this.peek()!.spaceBefore) {
      const f = this.next()!;
      if (chainPos < 0) chainPos = f.pos;
      fields.push(f.text.slice(1));
    }
    if (!fields.length) return term;
    // Go reports a chained field at the position of its second element (`.State.Foo` → `.Foo`).
    switch (term.type) {
      case 'field': return { type: 'field', pos: chainPos, ident: [...term.ident, ...fields] };
      case 'variable': return { type: 'variable', pos: chainPos, ident: [...term.ident, ...fields] };
      case 'string': case 'number': case 'bool': case 'nil': case 'dot':
        return this.fail(term.pos, `unexpected . after term ${JSON.stringify(argString(term))}`);
      default: return { type: 'chain', pos: chainPos, node: term, field: fields };
    }
  }

  private parseTerm(): Arg {
    const tok = this.next()!;
    switch (tok.kind) {
      case 'dot': return { type: 'dot', pos: tok.pos };
      case 'field': return { type: 'field', pos: tok.pos, ident: [tok.text.slice(1)] };
      case 'variable':
        if (!this.vars.includes(tok.text)) this.fail(tok.pos, `undefined variable "${tok.text}"`);
        return { type: 'variable', pos: tok.pos, ident: [tok.text] };
      case 'string': return { type: 'string', pos: tok.pos, text: tok.text, value: tok.value as string };
      case 'number': return { type: 'number', pos: tok.pos, text: tok.text, value: tok.value as number };
      case 'bool': return { type: 'bool', pos: tok.pos, value: tok.value as boolean };
      case 'nil': return { type: 'nil', pos: tok.pos };
      case 'identifier':
        if (!(tok.text in this.funcs)) this.fail(tok.pos, `function "${tok.text}" not defined`);
        return { type: 'identifier', pos: tok.pos, name: tok.text };
      case 'lparen': {
        const pipe = this.parsePipeline('parenthesized pipeline', true);
        const close = this.next();
        if (close?.kind !== 'rparen') this.fail(tok.pos, 'unclosed left paren');
        return { type: 'pipe', pos: tok.pos, pipe };
      }
      case 'keyword': return this.fail(tok.pos, `unexpected <${tok.text}> in command`);
      default: return this.fail(tok.pos, `unexpected ${JSON.stringify(tok.text)} in operand`);
    }
  }
}

// ------------------------------------------------------------------ printing values, like Go

/** A JSON-ish value's Go type name, for error messages (`int`, `string`, `map[string]interface {}`). */
export function goTypeName(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float64';
  if (typeof v === 'function') return 'func';
  if (Array.isArray(v)) return '[]interface {}';
  return 'map[string]interface {}';
}

/** A number as Go's fmt prints it: integers plainly, floats with %g's shortest form. */
export function goNumber(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (!Number.isFinite(n)) return n > 0 ? '+Inf' : '-Inf';
  if (Number.isInteger(n) && Math.abs(n) < 1e21) return String(n);
  // %g (shortest): exponent form when the exponent is < -4 or >= 21 (Go's %v threshold for floats).
  const exp = Math.floor(Math.log10(Math.abs(n)));
  if (exp < -4 || exp >= 21) return goExp(n.toExponential());
  return String(n);
}

/** JS exponent notation → Go's: at least two exponent digits (1e+06, 1.5e-07). */
function goExp(s: string): string {
  return s.replace(/e([+-])(\d)$/, 'e$10$2');
}

/**
 * Go's `%v`: slices print as `[a b]`, maps as `map[k:v]` with sorted keys, nil as `<nil>`.
 * That is why docker shows `{{.Config.Cmd}}` as `[sh -c echo hi]`.
 */
export function formatValue(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return goNumber(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'function') return '<func>';
  if (Array.isArray(v)) return `[${v.map(formatValue).join(' ')}]`;
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    const fields = goStructFields(o); // a Go struct (go-values.ts): its values in order
    if (fields) return `{${fields.map((f) => (o[f] === undefined ? '' : formatValue(o[f]))).join(' ')}}`; // absent: a zero value
    return `map[${sortedKeys(o).map((k) => `${k}:${formatValue(o[k])}`).join(' ')}]`;
  }
  return String(v);
}

/** Go sorts map keys when it ranges over or prints a map. */
function sortedKeys(o: object): string[] {
  return Object.keys(o).filter((k) => typeof (o as Record<string, unknown>)[k] !== 'function').sort();
}


/** Go's notion of "empty" used by if/with/and/or/not: false, 0, "", nil, empty list or map. */
export function truth(v: unknown): boolean {
  if (v === null || v === undefined) return false;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'string') return v.length > 0;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v).length > 0;
  return true;
}

// ------------------------------------------------------------------------------------ printf

interface FmtFlags { minus: boolean; plus: boolean; sharp: boolean; space: boolean; zero: boolean }

/** Go's fmt.Sprintf for the verbs people put in templates: %s %d %v %q %x %f %e %g %t %c %%. */
export function sprintf(format: string, args: unknown[]): string {
  let out = '';
  let argi = 0;
  let i = 0;
  while (i < format.length) {
    const c = format[i];
    if (c !== '%') { out += c; i++; continue; }
    i++;
    const f: FmtFlags = { minus: false, plus: false, sharp: false, space: false, zero: false };
    for (; i < format.length; i++) {
      const ch = format[i];
      if (ch === '-') f.minus = true;
      else if (ch === '+') f.plus = true;
      else if (ch === '#') f.sharp = true;
      else if (ch === ' ') f.space = true;
      else if (ch === '0') f.zero = !f.minus;
      else break;
    }
    const readNum = (): number | undefined => {
      if (format[i] === '*') {
        i++;
        const a = args[argi++];
        return typeof a === 'number' && Number.isInteger(a) ? a : undefined;
      }
      const m = /^\d+/.exec(format.slice(i));
      if (!m) return undefined;
      i += m[0].length;
      return Number(m[0]);
    };
    let width = readNum();
    if (width !== undefined && width < 0) { f.minus = true; width = -width; }
    let prec: number | undefined;
    if (format[i] === '.') { i++; prec = readNum() ?? 0; }
    if (i >= format.length) { out += '%!(NOVERB)'; break; }
    const verb = String.fromCodePoint(format.codePointAt(i)!);
    i += verb.length;
    if (verb === '%') { out += '%'; continue; }
    if (argi >= args.length) { out += `%!${verb}(MISSING)`; continue; }
    out += fmtOne(verb, args[argi++], f, width, prec);
  }
  if (argi < args.length) {
    out += `%!(EXTRA ${args.slice(argi).map((a) => (a === null || a === undefined ? '<nil>' : `${goTypeName(a)}=${formatValue(a)}`)).join(', ')})`;
  }
  return out;
}

/**
 * %.Nf as Go rounds it: a value exactly halfway rounds to even (Go: 0.25 → "0.2"), where
 * JavaScript's toFixed rounds up ("0.3"). toFixed with many digits shows the exact binary value.
 */
function goFixed(x: number, prec: number): string {
  if (x >= 1e21) return x.toFixed(prec);
  const long = x.toFixed(Math.min(100, prec + 30));
  const [ip, fp = ''] = long.split('.');
  if (/^50*$/.test(fp.slice(prec))) {
    const kept = prec ? `${ip}.${fp.slice(0, prec)}` : ip;
    if (Number(kept[kept.length - 1]) % 2 === 0) return kept;
  }
  return x.toFixed(prec);
}

function pad(s: string, f: FmtFlags, width: number | undefined, numeric: boolean): string {
  const len = [...s].length;
  if (width === undefined || len >= width) return s;
  if (f.minus) return s + ' '.repeat(width - len);
  if (f.zero && numeric) {
    const sign = /^[+\- ]/.test(s) ? s[0] : '';
    return sign + '0'.repeat(width - len) + s.slice(sign.length);
  }
  return ' '.repeat(width - len) + s;
}

function fmtOne(verb: string, arg: unknown, f: FmtFlags, width: number | undefined, prec: number | undefined): string {
  const bad = () => (arg === null || arg === undefined ? `%!${verb}(<nil>)` : `%!${verb}(${goTypeName(arg)}=${formatValue(arg)})`);
  const sign = (n: number, s: string) => (n >= 0 ? (f.plus ? '+' : f.space ? ' ' : '') : '') + s;
  // Lists and maps format element by element with the same verb, as in Go.
  if (Array.isArray(arg) && verb !== 'v') return `[${arg.map((a) => fmtOne(verb, a, f, width, prec)).join(' ')}]`;
  if (arg && typeof arg === 'object' && !Array.isArray(arg) && verb !== 'v') {
    const o = arg as Record<string, unknown>;
    return `map[${sortedKeys(o).map((k) => `${fmtOne(verb, k, f, width, prec)}:${fmtOne(verb, o[k], f, width, prec)}`).join(' ')}]`;
  }
  switch (verb) {
    case 'v': {
      if (typeof arg === 'number') return pad(sign(arg, goNumber(arg)), f, width, true);
      let s = formatValue(arg);
      if (typeof arg === 'string' && prec !== undefined) s = [...s].slice(0, prec).join('');
      return pad(s, f, width, false);
    }
    case 's':
      if (typeof arg !== 'string') return bad();
      return pad(prec === undefined ? arg : [...arg].slice(0, prec).join(''), f, width, false);
    case 'q':
      if (typeof arg === 'string') {
        if (f.sharp && !arg.includes('`') && !/[\x00-\x08\x0a-\x1f\x7f]/.test(arg)) return pad('`' + arg + '`', f, width, false);
        return pad(goQuote(arg), f, width, false);
      }
      if (typeof arg === 'number' && Number.isInteger(arg)) {
        const q = goQuote(String.fromCodePoint(arg));
        return pad(`'${q.slice(1, -1).replace(/\\"/g, '"').replace(/'/g, "\\'")}'`, f, width, false);
      }
      return bad();
    case 'd': case 'b': case 'o': case 'O': case 'x': case 'X': case 'c': case 'U': {
      if (typeof arg === 'string' && (verb === 'x' || verb === 'X')) {
        const hex = Buffer.from(arg, 'utf8').toString('hex');
        return pad((f.sharp ? '0x' : '') + (verb === 'X' ? hex.toUpperCase() : hex), f, width, false);
      }
      if (typeof arg === 'boolean' || typeof arg !== 'number' || !Number.isInteger(arg)) return bad();
      const abs = Math.abs(arg);
      let body: string;
      switch (verb) {
        case 'd': body = String(abs); break;
        case 'b': body = abs.toString(2); break;
        case 'o': body = (f.sharp ? '0' : '') + abs.toString(8); break;
        case 'O': body = '0o' + abs.toString(8); break;
        case 'x': body = (f.sharp ? '0x' : '') + abs.toString(16); break;
        case 'X': body = (f.sharp ? '0X' : '') + abs.toString(16).toUpperCase(); break;
        case 'c': return pad(String.fromCodePoint(arg), f, width, false);
        default: return pad('U+' + abs.toString(16).toUpperCase().padStart(4, '0'), f, width, false);
      }
      if (prec !== undefined) body = body.padStart(prec, '0');
      return pad(arg < 0 ? '-' + body : sign(arg, body), f, width, true);
    }
    case 'f': case 'F': case 'e': case 'E': case 'g': case 'G': {
      if (typeof arg !== 'number') return bad();
      const abs = Math.abs(arg);
      let body: string;
      if (verb === 'f' || verb === 'F') body = goFixed(abs, prec ?? 6);
      else if (verb === 'e' || verb === 'E') body = goExp(abs.toExponential(prec ?? 6));
      else if (prec === undefined) body = goNumber(abs);
      else {
        const exp = abs === 0 ? 0 : Math.floor(Math.log10(abs));
        const p = prec === 0 ? 1 : prec;
        body = exp < -4 || exp >= p
          ? goExp(abs.toExponential(p - 1).replace(/\.?0+e/, 'e'))
          : String(Number(abs.toPrecision(p)));
      }
      if (verb === 'E' || verb === 'G') body = body.toUpperCase();
      return pad(arg < 0 || Object.is(arg, -0) ? '-' + body : sign(arg, body), f, width, true);
    }
    case 't':
      if (typeof arg !== 'boolean') return bad();
      return pad(String(arg), f, width, false);
    default:
      return bad();
  }
}

// --------------------------------------------------------------------------------- functions

/** A template function. `and`/`or` get thunks so they can stop early, like Go's (1.18+). */
export type TemplateFunc = (...args: unknown[]) => unknown;
export type FuncMap = Record<string, TemplateFunc>;

/** Thrown by a function to report a plain message (Go prefixes it with "error calling NAME: "). */
class CallError extends Error {}

function wantArgs(name: string, args: unknown[], min: number, max = min): void {
  if (args.length < min || args.length > max) {
    throw new CallError(`wrong number of args for ${name}: want ${min === max ? min : `at least ${min}`} got ${args.length}`);
  }
}

function toGoString(v: unknown): string {
  if (typeof v === 'string') return v;
  throw new CallError(`wrong type for value; expected string; got ${goTypeName(v)}`);
}

function toInt(v: unknown): number {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  throw new CallError(`cannot index slice/array with type ${goTypeName(v)}`);
}

/**
 * Untyped maps: Go's `index` on a map[string]string gives "" for a missing key, on a
 * map[string]interface{} it gives nil (printed `<no value>`). Docker users write
 * `{{index .Config.Labels "x"}}` and expect "", so an object whose values are all strings
 * is treated as a map[string]string.
 */
function missingMapValue(o: Record<string, unknown>): unknown {
  return Object.values(o).every((x) => typeof x === 'string') ? '' : undefined;
}

function basicKind(v: unknown): 'number' | 'string' | 'bool' | 'nil' | 'other' {
  if (v === null || v === undefined) return 'nil';
  if (typeof v === 'number') return 'number';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  return 'other';
}

function eq(a: unknown, ...rest: unknown[]): boolean {
  if (!rest.length) throw new CallError('missing argument for comparison');
  for (const b of rest) {
    const ka = basicKind(a);
    const kb = basicKind(b);
    if (ka === 'nil' || kb === 'nil') { if (ka === kb) return true; continue; }
    if (ka === 'other' || kb === 'other') throw new CallError('non-comparable type');
    if (ka !== kb) throw new CallError('incompatible types for comparison');
    if (a === b) return true;
  }
  return false;
}

function lessThan(a: unknown, b: unknown): boolean {
  const ka = basicKind(a);
  const kb = basicKind(b);
  if ((ka !== 'number' && ka !== 'string') || (kb !== 'number' && kb !== 'string')) throw new CallError('invalid type for comparison');
  if (ka !== kb) throw new CallError('incompatible types for comparison');
  return (a as number | string) < (b as number | string);
}

function goLen(v: unknown): number {
  if (typeof v === 'string') return Buffer.byteLength(v, 'utf8'); // Go counts bytes
  if (Array.isArray(v)) return v.length;
  if (v && typeof v === 'object') return Object.keys(v).length;
  throw new CallError(`len of ${v === null || v === undefined ? 'nil pointer' : `type ${goTypeName(v)}`}`);
}

function goIndex(item: unknown, ...keys: unknown[]): unknown {
  let v = item;
  for (const k of keys) {
    if (v === null || v === undefined) throw new CallError('index of untyped nil');
    if (Array.isArray(v)) {
      const i = toInt(k);
      if (i < 0 || i >= v.length) throw new CallError(`index out of range: ${i}`);
      v = v[i];
    } else if (typeof v === 'string') {
      const bytes = Buffer.from(v, 'utf8');
      const i = toInt(k);
      if (i < 0 || i >= bytes.length) throw new CallError(`index out of range: ${i}`);
      v = bytes[i]; // a byte, like Go
    } else if (typeof v === 'object') {
      if (typeof k !== 'string') throw new CallError(`value has type ${goTypeName(k)}; should be string`);
      const o = v as Record<string, unknown>;
      v = Object.prototype.hasOwnProperty.call(o, k) ? o[k] : missingMapValue(o);
    } else {
      throw new CallError(`can't index item of type ${goTypeName(v)}`);
    }
  }
  return v;
}

function goSlice(item: unknown, ...idx: unknown[]): unknown {
  if (idx.length > 3) throw new CallError(`too many slice indexes: ${idx.length}`);
  const n = typeof item === 'string' ? Buffer.byteLength(item) : Array.isArray(item) ? item.length : -1;
  if (n < 0) throw new CallError(`can't slice item of type ${goTypeName(item)}`);
  const [lo = 0, hi = n] = idx.map(toInt);
  if (lo < 0 || hi < lo || hi > n) throw new CallError(`index out of range: ${hi > n ? hi : lo}`);
  return typeof item === 'string' ? Buffer.from(item).subarray(lo, hi).toString('utf8') : (item as unknown[]).slice(lo, hi);
}

/** fmt.Sprint: a space between two operands when neither is a string. */
function goSprint(args: unknown[]): string {
  let out = '';
  args.forEach((a, i) => {
    if (i > 0 && typeof a !== 'string' && typeof args[i - 1] !== 'string') out += ' ';
    out += formatValue(a);
  });
  return out;
}

/** strings.Title: upper-cases the first letter of every word. */
function goTitle(s: string): string {
  return s.replace(/(^|[^\p{L}\p{N}_])(\p{L})/gu, (_, sep: string, ch: string) => sep + ch.toUpperCase());
}

/**
 * Marks an object whose JSON Go writes with json.Marshal — docker's list formatter contexts
 * (a container of ps, an image of images…) marshal themselves that way — so `{{json .}}` and
 * `--format json` show <, > and & as \u003c, \u003e, \u0026, as docker's do ("\u003cnone\u003e").
 */
export const HTML_ESCAPED_JSON = Symbol('json.Marshal escapes HTML');

/** encoding/json as docker's `json` function uses it: compact, no HTML escaping, null for nil. */
export function goJson(v: unknown): string {
  let s = JSON.stringify(v, (_k, x) => (typeof x === 'function' ? undefined : x)) ?? 'null';
  // <, > and & occur in JSON text only inside strings: replacing them all escapes exactly those
  if (typeof v === 'object' && v !== null && (v as Record<symbol, unknown>)[HTML_ESCAPED_JSON]) {
    s = s.replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
  }
  // Go always escapes U+2028/U+2029 (they break JavaScript string literals).
  return s.replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** Go's builtins plus docker's additions (json, join, split, title, lower, upper, pad, truncate). */
export const BUILTIN_FUNCS: FuncMap = {
  // Go's text/template builtins
  and: () => undefined, // evaluated lazily by the executor
  or: () => undefined,  // evaluated lazily by the executor
  not: (...a) => { wantArgs('not', a, 1); return !truth(a[0]); },
  len: (...a) => { wantArgs('len', a, 1); return goLen(a[0]); },
  index: (...a) => { wantArgs('index', a, 1, Infinity); return goIndex(a[0], ...a.slice(1)); },
  slice: (...a) => { wantArgs('slice', a, 1, Infinity); return goSlice(a[0], ...a.slice(1)); },
  print: (...a) => goSprint(a),
  println: (...a) => a.map(formatValue).join(' ') + '\n',
  printf: (...a) => { wantArgs('printf', a, 1, Infinity); return sprintf(toGoString(a[0]), a.slice(1)); },
  eq: (...a) => { wantArgs('eq', a, 1, Infinity); return eq(a[0], ...a.slice(1)); },
  ne: (...a) => { wantArgs('ne', a, 2); return !eq(a[0], a[1]); },
  lt: (...a) => { wantArgs('lt', a, 2); return lessThan(a[0], a[1]); },
  le: (...a) => { wantArgs('le', a, 2); return lessThan(a[0], a[1]) || eq(a[0], a[1]); },
  gt: (...a) => { wantArgs('gt', a, 2); return !lessThan(a[0], a[1]) && !eq(a[0], a[1]); },
  ge: (...a) => { wantArgs('ge', a, 2); return !lessThan(a[0], a[1]); },
  html: (...a) => goSprint(a).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&#34;', "'": '&#39;' })[c]!),
  urlquery: (...a) => encodeURIComponent(goSprint(a)).replace(/%20/g, '+').replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase()),
  js: (...a) => goSprint(a).replace(/[\\'"<>&=\n\r\t]/g, (c) => (c === '\\' || c === "'" || c === '"' ? '\\' + c : `\\u${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`)),
  call: (...a) => {
    wantArgs('call', a, 1, Infinity);
    if (typeof a[0] !== 'function') throw new CallError(`non-function of type ${goTypeName(a[0])}`);
    return (a[0] as TemplateFunc)(...a.slice(1));
  },
  // docker's additions (docker/cli templates.basicFunctions)
  json: (...a) => { wantArgs('json', a, 1); return goJson(a[0]); },
  join: (...a) => {
    wantArgs('join', a, 2);
    if (!Array.isArray(a[0])) throw new CallError(`wrong type for value; expected []string; got ${goTypeName(a[0])}`);
    return a[0].map(formatValue).join(toGoString(a[1]));
  },
  split: (...a) => {
    wantArgs('split', a, 2);
    const s = toGoString(a[0]);
    const sep = toGoString(a[1]);
    return sep === '' ? [...s] : s.split(sep);
  },
  title: (...a) => { wantArgs('title', a, 1); return goTitle(toGoString(a[0])); },
  lower: (...a) => { wantArgs('lower', a, 1); return toGoString(a[0]).toLowerCase(); },
  upper: (...a) => { wantArgs('upper', a, 1); return toGoString(a[0]).toUpperCase(); },
  /** pad S PREFIX SUFFIX: spaces around S, unless S is empty (docker's raw `ps` format uses it). */
  pad: (...a) => {
    wantArgs('pad', a, 3);
    const s = toGoString(a[0]);
    return s === '' ? s : ' '.repeat(Number(a[1])) + s + ' '.repeat(Number(a[2]));
  },
  /** truncate S N: the first N characters of S. */
  truncate: (...a) => {
    wantArgs('truncate', a, 2);
    const cps = [...toGoString(a[0])];
    return cps.length < Number(a[1]) ? cps.join('') : cps.slice(0, Number(a[1])).join('');
  },
};

/**
 * docker renders a table's header row by running the same template on a map of column titles,
 * with these stand-ins so `{{json .Config}}` or `{{join .Names ","}}` print the title as is.
 */
export const HEADER_FUNCS: FuncMap = {
  json: (v) => v,
  split: (v) => v,
  join: (v) => v,
  title: (v) => v,
  lower: (v) => v,
  upper: (v) => v,
  pad: (v) => v,
  truncate: (v) => v,
};

// --------------------------------------------------------------------------------- execution

export interface RenderOptions {
  /** Extra or replacement functions (e.g. HEADER_FUNCS). */
  funcs?: FuncMap;
  /**
   * Go's `missingkey` option for a field missing from a map: "default" prints `<no value>`,
   * "zero" gives an empty value, "error" stops with `map has no entry for key "X"`.
   */
  missingKey?: 'default' | 'zero' | 'error';
  /** The template's name in execution errors (docker's `version` names its template "version"). */
  name?: string;
  /** Under missingkey=error, names that answer nil instead (fields docker's own struct has). */
  nilFields?: ReadonlySet<string>;
}

const MISSING = Symbol('missing'); // "no final value" in a pipeline (Go's missingVal)
class LoopControl { constructor(readonly kind: 'break' | 'continue') {} }

class Executor {
  private vars: Array<{ name: string; value: unknown }> = [];
  out = '';
  private at: { pos: number; text: string } = { pos: 0, text: '' };

  constructor(private readonly src: string, private readonly funcs: FuncMap, private readonly opts: RenderOptions) {}

  run(nodes: Node[], data: unknown): string {
    this.vars = [{ name: '$', value: data }];
    this.walkList(data, nodes);
    return this.out;
  }

  private fail(msg: string): never {
    const before = this.src.slice(0, this.at.pos);
    const line = 1 + (before.match(/\n/g)?.length ?? 0);
    const col = this.at.pos - (before.lastIndexOf('\n') + 1);
    const name = this.opts.name ?? '';
    throw new TemplateError(`template: ${name}:${line}:${col}: executing "${name}" at <${this.at.text}>: ${msg}`);
  }

  private setAt(pos: number, text: string): void { this.at = { pos, text }; }

  private walkList(dot: unknown, nodes: Node[]): void {
    for (const n of nodes) this.walk(dot, n);
  }

  private walk(dot: unknown, node: Node): void {
    switch (node.type) {
      case 'text': this.out += node.text; return;
      case 'action': {
        const v = this.evalPipeline(dot, node.pipe);
        if (!node.pipe.decl.length) this.out += this.printable(v);
        return;
      }
      case 'if': case 'with': {
        const mark = this.vars.length;
        const v = this.evalPipeline(dot, node.pipe);
        if (truth(v)) this.walkList(node.type === 'with' ? v : dot, node.list);
        else if (node.elseList) this.walkList(dot, node.elseList);
        this.vars.length = mark;
        return;
      }
      case 'range': this.walkRange(dot, node); return;
      case 'break': case 'continue': throw new LoopControl(node.type);
    }
  }

  /** `{{.X}}` output: a missing value or nil prints `<no value>` (Go's text/template rule). */
  private printable(v: unknown): string {
    if (v === undefined || v === null) return '<no value>';
    return formatValue(v);
  }

  private walkRange(dot: unknown, node: ControlNode): void {
    const mark = this.vars.length;
    const val = this.evalPipeline(dot, node.pipe);
    const decl = node.pipe.decl;
    const mark2 = this.vars.length;
    const entries: Array<[unknown, unknown]> = [];
    if (Array.isArray(val)) val.forEach((e, i) => entries.push([i, e]));
    else if (typeof val === 'number' && Number.isInteger(val)) {
      // Go 1.22: range over an integer n counts 0…n-1.
      if (decl.length > 1) { this.setAt(node.pos, 'range'); this.fail(`can't use ${val} to iterate over more than one variable`); }
      for (let i = 0; i < val; i++) entries.push([i, i]);
    } else if (val && typeof val === 'object') {
      const o = val as Record<string, unknown>;
      for (const k of sortedKeys(o)) entries.push([k, o[k]]); // Go visits map keys in sorted order
    } else if (val !== undefined && val !== null) {
      this.setAt(node.pos, 'range');
      this.fail(`range can't iterate over ${formatValue(val)}`);
    }
    if (!entries.length) {
      if (node.elseList) this.walkList(dot, node.elseList);
      this.vars.length = mark;
      return;
    }
    for (const [key, elem] of entries) {
      this.vars.length = mark2;
      // One variable gets the element; two get key/index and element.
      if (decl.length === 1) this.assignOrPush(decl[0], elem, node.pipe.isAssign);
      if (decl.length === 2) { this.assignOrPush(decl[0], key, node.pipe.isAssign); this.assignOrPush(decl[1], elem, node.pipe.isAssign); }
      try {
        this.walkList(elem, node.list);
      } catch (e) {
        if (!(e instanceof LoopControl)) throw e;
        if (e.kind === 'break') break;
      }
    }
    this.vars.length = mark;
  }

  private assignOrPush(name: string, value: unknown, assign: boolean): void {
    if (assign) {
      for (let i = this.vars.length - 1; i >= 0; i--) if (this.vars[i].name === name) { this.vars[i].value = value; return; }
    }
    this.vars.push({ name, value });
  }

  private evalPipeline(dot: unknown, pipe: Pipeline): unknown {
    let value: unknown = MISSING;
    for (const cmd of pipe.cmds) value = this.evalCommand(dot, cmd, value);
    // A range's variables are set per iteration; elsewhere the declaration gets the result.
    for (const d of pipe.decl) this.assignOrPush(d, value, pipe.isAssign);
    return value;
  }

  private evalCommand(dot: unknown, cmd: Command, final: unknown): unknown {
    const first = cmd.args[0];
    switch (first.type) {
      case 'field': return this.evalFieldChain(dot, dot, first, first.ident, cmd.args, final);
      case 'chain': {
        const recv = this.evalArg(dot, first.node);
        return this.evalFieldChain(dot, recv, first, first.field, cmd.args, final);
      }
      case 'variable': {
        const v = this.lookupVar(first.ident[0]);
        if (first.ident.length === 1) { this.notAFunction(cmd.args, final, argString(first)); return v; }
        return this.evalFieldChain(dot, v, first, first.ident.slice(1), cmd.args, final);
      }
      case 'identifier': return this.evalFunction(dot, first.name, cmd, final);
      case 'pipe': this.notAFunction(cmd.args, final, argString(first)); return this.evalPipeline(dot, first.pipe);
      default: this.notAFunction(cmd.args, final, argString(first)); return this.evalArg(dot, first);
    }
  }

  private notAFunction(args: Arg[], final: unknown, name: string): void {
    if (args.length > 1 || final !== MISSING) {
      this.setAt(args[0].pos, name);
      this.fail(`can't give argument to non-function ${name}`);
    }
  }

  private lookupVar(name: string): unknown {
    for (let i = this.vars.length - 1; i >= 0; i--) if (this.vars[i].name === name) return this.vars[i].value;
    return this.fail(`undefined variable: ${name}`);
  }

  /** Evaluates one argument of a command (functions without arguments are called). */
  private evalArg(dot: unknown, arg: Arg): unknown {
    switch (arg.type) {
      case 'dot': return dot;
      case 'string': case 'number': case 'bool': return arg.value;
      case 'nil': return null;
      case 'field': return this.evalFieldChain(dot, dot, arg, arg.ident, [arg], MISSING);
      case 'variable': {
        const v = this.lookupVar(arg.ident[0]);
        return arg.ident.length === 1 ? v : this.evalFieldChain(dot, v, arg, arg.ident.slice(1), [arg], MISSING);
      }
      case 'chain': return this.evalFieldChain(dot, this.evalArg(dot, arg.node), arg, arg.field, [arg], MISSING);
      case 'pipe': return this.evalPipeline(dot, arg.pipe);
      case 'identifier': return this.evalFunction(dot, arg.name, { pos: arg.pos, args: [arg] }, MISSING);
    }
  }

  private evalFieldChain(dot: unknown, receiver: unknown, node: Arg, idents: string[], args: Arg[], final: unknown): unknown {
    let v = receiver;
    for (let i = 0; i < idents.length - 1; i++) v = this.evalField(dot, idents[i], node, [node], MISSING, v);
    return this.evalField(dot, idents[idents.length - 1], node, args, final, v);
  }

  private evalField(dot: unknown, name: string, node: Arg, args: Arg[], final: unknown, receiver: unknown): unknown {
    this.setAt(node.pos, argString(node));
    const hasArgs = args.length > 1 || final !== MISSING;
    if (receiver === undefined) {
      // A missing value stays missing down the chain: `{{.Nope.Deeper}}` prints <no value>.
      if (this.opts.missingKey === 'error') this.fail(`nil data; no entry for key ${goQuote(name)}`);
      return undefined;
    }
    if (receiver === null) this.fail(`nil pointer evaluating interface {}.${name}`);
    if (typeof receiver !== 'object' || Array.isArray(receiver)) this.fail(`can't evaluate field ${name} in type ${goTypeName(receiver)}`);
    const o = receiver as Record<string, unknown>;
    // Own properties only (plus methods of class instances), never Object.prototype's toString & co.
    const has = Object.prototype.hasOwnProperty.call(o, name) || (typeof o[name] === 'function' && !(name in Object.prototype));
    const v = has ? o[name] : undefined;
    // A function-valued field behaves like a Go method: `{{.Label "com.example"}}`.
    if (typeof v === 'function') {
      const argv = args.slice(1).map((a) => this.evalArg(dot, a));
      if (final !== MISSING) argv.push(final);
      this.setAt(node.pos, argString(node));
      try {
        return (v as TemplateFunc).apply(o, argv);
      } catch (e) {
        this.fail(`error calling ${name}: ${(e as Error).message}`);
      }
    }
    if (hasArgs) this.fail(`${name} is not a method but has arguments`);
    if (!has) {
      const typeName = goNameOf(o); // a Go struct has its fields, whatever missingkey says
      if (typeName !== undefined) this.fail(`can't evaluate field ${name} in type ${typeName}`);
      if (this.opts.missingKey === 'error' && !this.opts.nilFields?.has(name)) this.fail(`map has no entry for key ${goQuote(name)}`);
      if (this.opts.missingKey === 'zero') return missingMapValue(o);
      return undefined;
    }
    return v;
  }

  private evalFunction(dot: unknown, name: string, cmd: Command, final: unknown): unknown {
    const fn = this.funcs[name];
    const text = cmdString(cmd);
    this.setAt(cmd.pos, text);
    // and/or evaluate their arguments one by one and stop at the first that decides (Go 1.18+).
    if (name === 'and' || name === 'or') {
      const rest = cmd.args.slice(1);
      const n = rest.length + (final !== MISSING ? 1 : 0);
      if (n < 1) this.fail(`wrong number of args for ${name}: want at least 1 got 0`);
      let v: unknown;
      for (let i = 0; i < n; i++) {
        v = i < rest.length ? this.evalArg(dot, rest[i]) : final;
        if (truth(v) === (name === 'or')) return v;
      }
      return v;
    }
    const argv = cmd.args.slice(1).map((a) => this.evalArg(dot, a));
    if (final !== MISSING) argv.push(final);
    this.setAt(cmd.pos, text);
    try {
      return fn(...argv);
    } catch (e) {
      if (e instanceof TemplateError) throw e;
      const msg = (e as Error).message;
      this.fail(msg.startsWith('wrong number of args') ? msg : `error calling ${name}: ${msg}`);
    }
  }
}

function argString(a: Arg): string {
  switch (a.type) {
    case 'dot': return '.';
    case 'field': return '.' + a.ident.join('.');
    case 'variable': return a.ident.join('.');
    case 'chain': return `${argString(a.node)}.${a.field.join('.')}`;
    case 'identifier': return a.name;
    case 'string': case 'number': return a.text;
    case 'bool': return String(a.value);
    case 'nil': return 'nil';
    case 'pipe': return `(${pipeString(a.pipe)})`;
  }
}

function cmdString(c: Command): string { return c.args.map(argString).join(' '); }

function pipeString(p: Pipeline): string {
  const decl = p.decl.length ? `${p.decl.join(', ')} ${p.isAssign ? '=' : ':='} ` : '';
  return decl + p.cmds.map(cmdString).join(' | ');
}

// ------------------------------------------------------------------------------- public API

/** A parsed template; execute it as many times as needed (one parse for a whole `ps` table). */
export class Template {
  private constructor(private readonly src: string, private readonly tree: Node[], private readonly funcs: FuncMap) {}

  /** Parses `src`; throws TemplateError (`template: :1: function "foo" not defined`…). */
  static parse(src: string, funcs: FuncMap = {}): Template {
    const all = { ...BUILTIN_FUNCS, ...funcs };
    return new Template(src, new Parser(src, all).parse(), all);
  }

  execute(data: unknown, opts: RenderOptions = {}): string {
    const ex = new Executor(this.src, { ...this.funcs, ...opts.funcs }, opts);
    try {
      return ex.run(this.tree, data);
    } catch (e) {
      if (e instanceof TemplateError) { e.partial = ex.out; throw e; }
      if (e instanceof LoopControl) return ex.out;
      throw e;
    }
  }
}

/** Renders a Go template against `data`, e.g. `renderTemplate('{{.State.Status}}', inspectDoc)`. */
export function renderTemplate(template: string, data: unknown, opts: RenderOptions = {}): string {
  return Template.parse(template, opts.funcs).execute(data, opts);
}
