/**
 * Output formatting shared by the CLI commands, matching docker's CLI: human sizes ("4.26MB"),
 * relative times ("2 hours ago"), aligned tables, and a small subset of Go templates (--format).
 */

const SIZE_UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB'];

/** docker's units.HumanSizeWithPrecision(n, 3): decimal units, 3 significant digits. */
export function humanSize(bytes: number): string {
  let size = bytes;
  let i = 0;
  while (size >= 1000 && i < SIZE_UNITS.length - 1) {
    size /= 1000;
    i++;
  }
  return `${Number(size.toPrecision(3))}${SIZE_UNITS[i]}`;
}

/** docker's units.HumanDuration: "Less than a second", "About a minute", "3 hours", "2 weeks"… */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < 1) return 'Less than a second';
  if (seconds === 1) return '1 second';
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.floor(seconds / 60);
  if (minutes === 1) return 'About a minute';
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.round(ms / 3_600_000);
  if (hours === 1) return 'About an hour';
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.floor(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.floor(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24 / 30)} months`;
  return `${Math.floor(ms / 3_600_000 / 24 / 365)} years`;
}

/** "2 hours ago" for an ISO timestamp; "N/A" when unknown (docker shows that for created=0). */
export function timeAgo(iso: string | undefined, now = Date.now()): string {
  const t = iso ? Date.parse(iso) : NaN;
  if (!Number.isFinite(t) || t <= 0) return 'N/A';
  return `${humanDuration(Math.max(0, now - t))} ago`;
}

/**
 * Columns aligned like Go's tabwriter as docker configures it (minwidth 10, padding 3):
 * every column but the last is padded to its widest cell + 3, and at least 10.
 */
export function formatTable(rows: string[][]): string {
  if (!rows.length) return '';
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => { widths[i] = Math.max(widths[i] ?? 0, c.length); });
  return rows
    .map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(Math.max(widths[i] + 3, 10)))).join('').trimEnd())
    .join('\n') + '\n';
}

/**
 * A small subset of Go's text/template, enough for `--format`: `{{.Field.Sub}}`,
 * `{{json .Field}}` and `{{json .}}`; text outside braces is kept, "\n"/"\t" escapes expanded.
 */
export function renderTemplate(template: string, data: unknown): string {
  const lookup = (expr: string): unknown => {
    if (expr === '.') return data;
    if (!expr.startsWith('.')) throw new Error(`template: unsupported expression "${expr}"`);
    let v: unknown = data;
    for (const key of expr.slice(1).split('.')) {
      v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined;
    }
    return v;
  };
  const show = (v: unknown): string => {
    if (v === undefined || v === null) return '<no value>';
    if (Array.isArray(v)) return `[${v.map(show).join(' ')}]`;
    if (typeof v === 'object') return `map[${Object.entries(v as object).map(([k, x]) => `${k}:${show(x)}`).join(' ')}]`;
    return String(v);
  };
  return template.replace(/\{\{-?\s*(.*?)\s*-?\}\}/g, (_, body: string) => {
    const m = /^json\s+(\S+)$/.exec(body);
    if (m) return JSON.stringify(lookup(m[1]) ?? null);
    return show(lookup(body));
  }).replace(/\\n/g, '\n').replace(/\\t/g, '\t');
}
