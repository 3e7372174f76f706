/**
 * Output formatting shared by the CLI commands, matching docker's CLI: human sizes ("4.26MB"),
 * relative times ("2 hours ago"), aligned tables (formatTable, tabwrite), and `--format` handling
 * (renderTemplate, renderFormat) on top of the Go-template engine in template.ts.
 */
import { UserError } from '../errors';
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
 * network ls, volume ls): a field the items lack, or a template that does not parse, is one
 * line and exit 1, as docker's client says it ("template parsing error: …") — even with no item
 * to print. Nothing is written when the template fails.
 */
export function renderListFormat(format: string, items: unknown[], header: Record<string, unknown>): string {
  try {
    return renderFormat(format, items, { header, strict: true });
  } catch (e) {
    if (e instanceof TemplateError) throw new UserError(`template parsing error: ${e.message}`, 1);
    throw e;
  }
}
