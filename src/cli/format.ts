/**
 * Output formatting shared by the CLI commands, matching docker's CLI: human sizes ("4.26MB"),
 * relative times ("2 hours ago"), aligned tables (formatTable, tabwrite), and `--format` handling
 * (renderTemplate, renderFormat) on top of the Go-template engine in template.ts.
 */
import { UserError } from '../errors';
import { writeOut } from '../stdio';
import { goNamed } from '../go-values';
import { DOCKER_INSPECT_FIELDS } from './inspect-fields';
import { expandFormatEscapes, tabwrite } from './columns';
import { HEADER_FUNCS, HTML_ESCAPED_JSON, renderTemplate as goTemplate, Template, TemplateError } from './template';

// (the column helpers live in columns.ts, which does not load the template engine: `ps` without --format)
export { humanSize, humanDuration, timeAgo, formatTable, expandFormatEscapes, displayWidth, ellipsis, tabwrite } from './columns';

/**
 * Renders a `--format` Go template (see template.ts for the language), with docker's `\t`/`\n`
 * escapes expanded. Used by `images --format` and `image inspect -f`.
 */
export function renderTemplate(template: string, data: unknown): string {
  return goTemplate(expandFormatEscapes(template), data);
}

export interface FormatOptions {
  /** Column titles by field (`{ ID: 'CONTAINER ID' }`) for the header row of a `table` format. */
  header?: Record<string, unknown>;
  /** A field the items do not have is an error (Go's missingkey=error) instead of `<no value>`. */
  strict?: boolean;
  /** The Go type docker renders (`*formatter.imageContext`), named in a missing field's error. */
  goType?: string;
}

/**
 * docker's formatter.Context: renders a `--format` value for a list of items.
 *  - `table TEMPLATE`: a header row (the template run on `header`, with json/join/… passing the
 *    title through), then one row per item, all aligned by tabwrite;
 *  - `json`: each item as one line of JSON (`{{json .}}`);
 *  - anything else: the template once per item, each followed by a newline, no header.
 * Throws TemplateError for a bad template, like docker's "template parsing error".
 */
export function renderFormat(format: string, items: unknown[], opts: FormatOptions = {}): string {
  const isTable = format.startsWith('table');
  let src = isTable ? format.slice('table'.length) : format === 'json' ? '{{json .}}' : format;
  src = expandFormatEscapes(src.replace(/^ +| +$/g, ''));
  const tmpl = Template.parse(src);
  // strict = docker's struct-backed contexts, whose JSON is json.Marshal's (HTML_ESCAPED_JSON)
  if (opts.strict) for (const item of items) if (typeof item === 'object' && item !== null) Object.defineProperty(item, HTML_ESCAPED_JSON, { value: true });
  if (opts.goType) for (const item of items) if (typeof item === 'object' && item !== null) goNamed(item, opts.goType);
  const body = items.map((item) => tmpl.execute(item, { missingKey: opts.strict ? 'error' : 'default' }) + '\n').join('');
  if (!isTable) return body;
  let header: string;
  try {
    header = tmpl.execute(opts.header ?? {}, { funcs: HEADER_FUNCS });
  } catch (e) {
    // docker ignores a failing header: what was printed before the error stays.
    header = e instanceof TemplateError ? e.partial : '';
  }
  return tabwrite(header + '\n' + body);
}

/**
 * `--format` of a list command whose placeholders are docker's struct fields (images, history,
 * network ls, volume ls, system df): a field the items lack (named with docker's `goType`), or a
 * template that does not parse, is one line and exit 1, as docker's client says it ("template
 * parsing error: …"). Nothing is written when the template fails.
 */
export function renderListFormat(format: string, items: unknown[], header: Record<string, unknown>, goType?: string, prefix = 'template parsing error: '): string {
  try {
    return renderFormat(format, items, { header, strict: true, goType });
  } catch (e) {
    if (e instanceof TemplateError) throw new UserError(`${prefix}${e.message}`, 1);
    throw e;
  }
}

/**
 * A single value's `--format` (docker's `version` and `info`): what the template wrote before a
 * failure is printed, then the line ends, and the failure is the command's error (exit 1).
 */
export function renderOneFormat(format: string, data: object, goType: string, name = ''): string {
  try {
    return goTemplate(expandFormatEscapes(format), goNamed(data, goType), { name }) + '\n';
  } catch (e) {
    if (!(e instanceof TemplateError)) throw e;
    process.stdout.write(e.partial + '\n');
    throw new UserError(e.message, 1);
  }
}

/**
 * `inspect -f` of any kind of object, as docker's inspector does it: each object's output on
 * its own line; a field the object lacks is an error (missingkey=error: `map has no entry for
 * key "X"`) unless docker's struct has it (inspect-fields.ts: nil then), collected in order with the other errors while the rest are still printed; when
 * nothing was printed at all, one empty line.
 */
export type InspectItem = { doc: unknown; goType?: string } | { error: string };
export function renderInspectFormat(format: string, items: InspectItem[]): { out: string; errors: string[] } {
  const tmpl = Template.parse(expandFormatEscapes(format));
  let out = '';
  const errors: string[] = [];
  for (const item of items) {
    if ('error' in item) { errors.push(item.error); continue; }
    try {
      const doc = item.goType && typeof item.doc === 'object' && item.doc !== null ? goNamed(item.doc, item.goType) : item.doc;
      out += tmpl.execute(doc, { missingKey: 'error', nilFields: DOCKER_INSPECT_FIELDS }) + '\n';
    } catch (e) {
      if (!(e instanceof TemplateError)) throw e;
      errors.push(`template parsing error: ${e.message}`);
    }
  }
  return { out: out || '\n', errors };
}

/** renderInspectFormat written out: the output, then each error on its own line and exit 1. */
export function writeInspectFormat(format: string, items: InspectItem[]): void {
  const { out, errors } = renderInspectFormat(format, items);
  writeOut(1, out);
  for (const e of errors) writeOut(2, e + '\n');
  if (errors.length) process.exitCode = 1;
}
