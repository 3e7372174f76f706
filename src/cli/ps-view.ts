/**
 * `ps`'s presentation, the way docker does it (all but a `--format` template, which ps-format.ts
 * renders with the template engine; this module does not load it): which containers to list (-a, -n, -l, --filter),
 * in which order, and how each column reads (STATUS `Up 5 minutes`, COMMAND `"sh -c 'echo hi'"`,
 * CREATED `3 minutes ago`). Pure functions of a `PsView`, so all of it is unit-tested; the
 * command module only gathers the views from the container store.
 *
 * docker splits this work between the daemon (filtering, the Status text, the Command string)
 * and the CLI (truncation, quoting, the table); both halves are here, in that order.
 */
import { ellipsis, humanDuration, humanSize, tabwrite } from './columns';
import { goQuote } from './go-quote';
import { isoTime } from '../utc-time';

/** One container as `ps` sees it. */
export interface PsView {
  id: string;            // 64 hex
  name: string;          // without leading '/'
  image: string;         // as the user gave it
  command: string[];     // path + args
  created: string;       // ISO
  status: 'created' | 'running' | 'paused' | 'restarting' | 'exited' | 'dead' | 'removing';
  exitCode: number;
  startedAt: string; finishedAt: string;   // ISO, '0001-01-01T00:00:00Z' when never
  ports: string;         // already formatted, e.g. '0.0.0.0:8080->80/tcp' ('' for now)
  labels: Record<string, string>;
  sizeRw?: number; sizeRootFs?: number;    // bytes, for -s
  imageId?: string;
  /** Optional extras, used by the MOUNTS/NETWORKS columns and the volume/network/health filters. */
  mounts?: PsMount[];
  networks?: string[];
  health?: 'starting' | 'healthy' | 'unhealthy' | 'none';
}

export interface PsMount {
  /** Volume name ('' for a bind mount). */
  name?: string;
  source: string;
  destination: string;
  driver?: string;
}

/** Go's zero time, which docker shows for "never started/finished". */
export const ZERO_TIME = '0001-01-01T00:00:00Z';

function isZeroTime(iso: string | undefined): boolean {
  if (!iso || iso.startsWith('0001-01-01')) return true;
  return !Number.isFinite(Date.parse(iso));
}

/** docker's TruncateID: drop an algorithm prefix (`sha256:`) and keep 12 characters. */
export function truncateId(id: string): string {
  const i = id.indexOf(':');
  return (i >= 0 ? id.slice(i + 1) : id).slice(0, 12);
}

/** Running in docker's sense: running, paused and restarting containers all count. */
export function isRunning(v: PsView): boolean {
  return v.status === 'running' || v.status === 'paused' || v.status === 'restarting';
}

// ------------------------------------------------------------------------------- columns

/**
 * The STATUS column (docker's State.String()): `Up 5 minutes`, `Up 5 minutes (Paused)`,
 * `Restarting (1) 2 seconds ago`, `Exited (0) 3 minutes ago`, `Created`, `Dead`,
 * `Removal In Progress`. Docker quirk: an exited container that never started (its start
 * failed) reads `Created`.
 */
export function statusText(v: Pick<PsView, 'status' | 'exitCode' | 'startedAt' | 'finishedAt' | 'health'>, now = Date.now()): string {
  const since = (iso: string) => humanDuration(now - Date.parse(iso));
  switch (v.status) {
    case 'running': {
      const health = v.health === 'starting' ? ' (health: starting)' : v.health && v.health !== 'none' ? ` (${v.health})` : '';
      return `Up ${since(v.startedAt)}${health}`;
    }
    case 'paused': return `Up ${since(v.startedAt)} (Paused)`;
    case 'restarting': return `Restarting (${v.exitCode}) ${since(v.finishedAt)} ago`;
    case 'removing': return 'Removal In Progress';
    case 'dead': return 'Dead';
    case 'created': return 'Created';
    case 'exited':
      if (isZeroTime(v.startedAt)) return 'Created';
      if (isZeroTime(v.finishedAt)) return '';
      return `Exited (${v.exitCode}) ${since(v.finishedAt)} ago`;
  }
}

/** The CREATED column (docker's RunningFor): `3 minutes ago`, measured from creation. */
export function createdText(v: Pick<PsView, 'created'>, now = Date.now()): string {
  return `${humanDuration(now - Date.parse(v.created))} ago`;
}

/**
 * The command line as docker's daemon builds it for the list: the path, then the arguments,
 * each argument that contains a space wrapped in single quotes (no other escaping):
 * ['sh', '-c', 'echo hi'] → `sh -c 'echo hi'`.
 */
export function commandLine(cmd: string[]): string {
  if (!cmd.length) return '';
  const [path, ...args] = cmd;
  return [path, ...args.map((a) => (a.includes(' ') ? `'${a}'` : a))].join(' ');
}

/**
 * The COMMAND column: the command line cut to 20 columns (19 + "…") unless --no-trunc, then
 * Go-quoted: `"sh -c 'echo hi'"`, `"docker-entrypoint.s…"`.
 */
export function commandText(cmd: string[], noTrunc: boolean): string {
  const line = commandLine(cmd);
  return goQuote(noTrunc ? line : ellipsis(line, 20));
}

/**
 * The IMAGE column: the reference as given; truncated output drops a digest (`alpine@sha256:…`
 * → `alpine`) and docker.io's default prefixes, and shows an image id as its 12-character form.
 */
export function imageText(v: Pick<PsView, 'image' | 'imageId'>, noTrunc: boolean): string {
  if (!v.image) return '<no image>';
  if (noTrunc) return v.image;
  if (v.imageId && truncateId(v.imageId) === truncateId(v.image)) return truncateId(v.image);
  let ref = v.image;
  const at = ref.indexOf('@');
  if (at >= 0) ref = ref.slice(0, at);
  return ref.replace(/^(docker\.io|index\.docker\.io)\/(library\/)?/, '');
}

/** The SIZE column: `0B`, or `2B (virtual 4.26MB)` when the image size is known. */
export function sizeText(v: PsView): string {
  const rw = humanSize(v.sizeRw ?? 0);
  return v.sizeRootFs && v.sizeRootFs > 0 ? `${rw} (virtual ${humanSize(v.sizeRootFs)})` : rw;
}

/**
 * The CreatedAt field, as Go prints a time.Time: `2026-11-22 12:34:56 +0000 UTC`, whole seconds
 * (docker's list API keeps Unix seconds). docker uses the client's time zone; this uses UTC.
 */
export function goTimeString(iso: string): string {
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) return '0001-01-01 00:00:00 +0000 UTC';
  return `${isoTime(Math.floor(t / 1000) * 1000).slice(0, 19).replace('T', ' ')} +0000 UTC`;
}

// --------------------------------------------------------------------------------- filters

/** Filter keys docker's daemon accepts for `ps` (anything else: `invalid filter 'KEY'`). */
export const PS_FILTER_KEYS = [
  'ancestor', 'before', 'exited', 'expose', 'health', 'id', 'is-task', 'isolation', 'label', 'name',
  'network', 'publish', 'since', 'status', 'volume',
] as const;

export const CONTAINER_STATES = ['created', 'restarting', 'running', 'removing', 'paused', 'exited', 'dead'] as const;

/**
 * `-f key=value` flags → values by key, as docker's CLI parses them: the key is lower-cased and
 * trimmed; a missing `=` is `bad format of filter (expected name=value)`; an unknown key is
 * `invalid filter 'foo'`.
 */
export function parseFilters(filters: string[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const f of filters) {
    const eq = f.indexOf('=');
    if (eq < 0) throw new Error('bad format of filter (expected name=value)');
    const key = f.slice(0, eq).trim().toLowerCase();
    const value = f.slice(eq + 1).trim();
    if (!(PS_FILTER_KEYS as readonly string[]).includes(key)) throw new Error(`invalid filter '${key}'`);
    out.set(key, [...(out.get(key) ?? []), value]);
  }
  return out;
}

export interface FilterOptions {
  /**
   * Does `view` descend from the image `value` (name[:tag], id or id prefix)? docker also matches
   * images built on top of it, which only the image store knows; the default compares the
   * reference (with `:latest` implied) and the image id.
   */
  ancestorMatches?: (view: PsView, value: string) => boolean;
}

export interface SelectOptions extends FilterOptions {
  /** -a: include containers that are not running. */
  all?: boolean;
  /** -n N / -l: the N most recently created containers (of any state), after filtering. */
  limit?: number;
  /** -f key=value, repeatable. */
  filters?: string[];
}

function defaultAncestorMatches(v: PsView, value: string): boolean {
  const withTag = (r: string) => {
    const noDigest = r.split('@')[0];
    return noDigest.lastIndexOf(':') > noDigest.lastIndexOf('/') ? r : r.replace(/^([^@]*)/, '$1:latest');
  };
  const short = (r: string) => r.replace(/^(docker\.io|index\.docker\.io)\/(library\/)?/, '');
  if (short(withTag(value)) === short(withTag(v.image))) return true;
  const hex = value.replace(/^sha256:/, '');
  return Boolean(v.imageId && /^[0-9a-f]+$/.test(hex) && v.imageId.replace(/^sha256:/, '').startsWith(hex));
}

/** docker's filters.Args.Match: an exact value, or a regular expression found anywhere. */
function matchRegexOrExact(values: string[], source: string): boolean {
  return values.some((v) => {
    if (v === source) return true;
    try { return new RegExp(v).test(source); } catch { return false; }
  });
}

/** A port filter value: `80`, `80/udp`, `8000-8010/tcp` → set of `port/proto`. */
function portFilterSet(key: string, values: string[]): Set<string> {
  const set = new Set<string>();
  for (const value of values) {
    if (value.includes(':')) throw new Error(`filter for '${key}' should not contain ':': ${value}`);
    const [range, proto = 'tcp'] = value.split('/');
    const m = /^(\d+)(?:-(\d+))?$/.exec(range);
    if (!m) throw new Error(`error while looking up for ${key} ${value}: invalid port range`);
    for (let p = Number(m[1]); p <= Number(m[2] ?? m[1]); p++) set.add(`${p}/${proto.toLowerCase()}`);
  }
  return set;
}

/** Reads docker's PORTS text back: `0.0.0.0:8080->80/tcp, 9000-9001/udp` → port pairs. */
export function parsePortsText(ports: string): Array<{ publicPort?: number; privatePort: number; proto: string }> {
  const out: Array<{ publicPort?: number; privatePort: number; proto: string }> = [];
  for (const entry of ports.split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^(?:(.*):(\d+)(?:-(\d+))?->)?(\d+)(?:-(\d+))?\/(\w+)$/.exec(entry);
    if (!m) continue;
    const [, host, pub1, pub2, priv1, priv2, proto] = m;
    const n = Number(priv2 ?? priv1) - Number(priv1);
    for (let k = 0; k <= n; k++) {
      const samePort = host !== undefined && pub1 === undefined;
      out.push({
        privatePort: Number(priv1) + k,
        publicPort: host !== undefined ? Number(pub1) + (pub2 ? k : 0) : samePort ? Number(priv1) + k : undefined,
        proto,
      });
    }
  }
  return out;
}

/** Finds the container a before=/since= filter names: full id, unique id prefix or name. */
function resolveContainer(views: PsView[], value: string): PsView {
  const name = value.replace(/^\//, '');
  const exact = views.find((v) => v.id === value) ?? views.find((v) => v.name === name);
  if (exact) return exact;
  const byPrefix = views.filter((v) => v.id.startsWith(value));
  if (byPrefix.length === 1) return byPrefix[0];
  throw new Error(`No such container: ${value}`);
}

/** Newest first, which is the order docker lists containers in. */
export function sortNewestFirst(views: PsView[]): PsView[] {
  return [...views].sort((a, b) => Date.parse(b.created) - Date.parse(a.created));
}

/**
 * Which containers `ps` lists, following the daemon's rules in their order:
 *  - newest first;
 *  - since=X stops at X (only newer ones), before=X skips up to and including X;
 *  - without -a only running ones, unless -n/-l or a status= filter is given (status= implies -a);
 *  - values of one filter key are OR'ed, different keys AND'ed — except label=, whose values must
 *    all match (docker's MatchKVList);
 *  - name= and id= use docker's match: the exact value or a regular expression (`name=^web$`).
 *    id= also has to be an unambiguous id prefix, like the daemon's fast path requires;
 *  - exited=N only matches containers that ran and stopped with code N;
 *  - the -n/-l limit applies last.
 */
export function selectContainers(views: PsView[], opts: SelectOptions = {}): PsView[] {
  const f = parseFilters(opts.filters ?? []);
  const get = (k: string) => f.get(k) ?? [];
  let all = Boolean(opts.all);
  for (const s of get('status')) {
    if (!(CONTAINER_STATES as readonly string[]).includes(s)) throw new Error(`invalid filter 'status=${s}'`);
    all = true;
  }
  const exited = get('exited').map((s) => {
    if (!/^[+-]?\d+$/.test(s)) throw new Error(`strconv.Atoi: parsing ${JSON.stringify(s)}: invalid syntax`);
    return Number(s);
  });
  for (const h of get('health')) {
    if (!['starting', 'healthy', 'unhealthy', 'none'].includes(h)) throw new Error(`Unrecognised filter value for health: ${h}`);
  }
  const isTask = get('is-task');
  if (isTask.length && !isTask.every((x) => x === 'true' || x === 'false')) throw new Error(`invalid filter 'is-task=${isTask.join(',')}'`);
  const publish = portFilterSet('publish', get('publish'));
  const expose = portFilterSet('expose', get('expose'));
  const sorted = sortNewestFirst(views);
  // before/since: the last value wins (docker walks them all, each overwriting the previous).
  const before = get('before').length ? resolveContainer(sorted, get('before').at(-1)!) : undefined;
  const since = get('since').length ? resolveContainer(sorted, get('since').at(-1)!) : undefined;
  // id=: docker resolves each value as a unique id prefix; an ambiguous prefix matches nothing.
  const idMatches = new Set<string>();
  for (const value of get('id')) {
    const hits = sorted.filter((v) => v.id.startsWith(value));
    if (hits.length === 1) idMatches.add(hits[0].id);
  }
  const ancestor = opts.ancestorMatches ?? defaultAncestorMatches;
  const limit = opts.limit ?? -1;

  const out: PsView[] = [];
  let skipping = Boolean(before);
  for (const v of sorted) {
    if (skipping) { if (v.id === before!.id) skipping = false; continue; }
    if (since && v.id === since.id) break;
    if (!isRunning(v) && !all && limit <= 0) continue;
    // Names are matched with and without docker's internal leading slash, so both
    // `name=^web$` and `name=^/web$` work.
    if (get('name').length && !matchRegexOrExact(get('name'), v.name) && !matchRegexOrExact(get('name'), '/' + v.name)) continue;
    if (get('id').length && !idMatches.has(v.id)) continue;
    if (isTask.length && !isTask.includes('false')) continue; // mini-run has no swarm tasks
    if (!matchLabels(get('label'), v.labels)) continue;
    if (get('isolation').length && !get('isolation').includes('default')) continue;
    if (limit > 0 && out.length === limit) break;
    if (exited.length && !(exited.includes(v.exitCode) && !isRunning(v) && !isZeroTime(v.startedAt))) continue;
    if (get('status').length && !get('status').includes(v.status)) continue;
    if (get('health').length && !get('health').includes(v.health ?? 'none')) continue;
    if (get('volume').length && !(v.mounts ?? []).some((m) => get('volume').some((x) => x === m.destination || x === (m.name || m.source)))) continue;
    if (get('ancestor').length && !get('ancestor').some((a) => ancestor(v, a))) continue;
    if (get('network').length && !(v.networks ?? []).some((n) => get('network').includes(n))) continue;
    if (publish.size || expose.size) {
      // docker OR's publish= and expose= together: one matching port is enough.
      const ports = parsePortsText(v.ports);
      if (!ports.some((p) => (p.publicPort !== undefined && publish.has(`${p.publicPort}/${p.proto}`)) || expose.has(`${p.privatePort}/${p.proto}`))) continue;
    }
    out.push(v);
  }
  return out;
}

/** label=key (present) / label=key=value; every label filter must match. */
function matchLabels(filters: string[], labels: Record<string, string>): boolean {
  for (const f of filters) {
    const eq = f.indexOf('=');
    const key = eq < 0 ? f : f.slice(0, eq);
    if (!Object.prototype.hasOwnProperty.call(labels, key)) return false;
    if (eq >= 0 && labels[key] !== f.slice(eq + 1)) return false;
  }
  return true;
}

/**
 * Applies `-f` filters alone (as if -a were given): `id=`, `name=`, `label=`, `status=`,
 * `ancestor=`, `exited=`, `before=`, `since=`, `health=`, `volume=`, `network=`, `publish=`,
 * `expose=`. Returns the matching views newest first. Throws `invalid filter 'foo'` for an
 * unknown key.
 */
export function filterContainers(views: PsView[], filters: string[], opts: FilterOptions = {}): PsView[] {
  return selectContainers(views, { ...opts, all: true, filters });
}

// ------------------------------------------------------------------------------- rendering

export const DEFAULT_PS_FORMAT = 'table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}';

/** Column titles for `ps --format 'table …'` (docker's ContainerContext header). */
export const PS_HEADERS: Record<string, unknown> = {
  ID: 'CONTAINER ID', Image: 'IMAGE', Command: 'COMMAND', CreatedAt: 'CREATED AT', RunningFor: 'CREATED',
  Ports: 'PORTS', State: 'STATE', Status: 'STATUS', Size: 'SIZE', Names: 'NAMES', Labels: 'LABELS',
  Mounts: 'MOUNTS', LocalVolumes: 'LOCAL VOLUMES', Networks: 'NETWORKS',
};
// `{{.Label "com.example.version"}}` titles its column with the last dot-separated part of the
// key, dashes and underscores turned into spaces: "version". docker does not upper-case it.
Object.defineProperty(PS_HEADERS, 'Label', {
  enumerable: false,
  value: (name: unknown) => String(name).split('.').at(-1)!.replace(/[-_]/g, ' '),
});

export interface PsDataOptions { noTrunc?: boolean; now?: number }

/** What `{{.X}}` can use in `ps --format` (docker's placeholders), all strings. */
export interface PsTemplateData {
  Command: string; CreatedAt: string; ID: string; Image: string; Labels: string; LocalVolumes: string;
  Mounts: string; Names: string; Networks: string; Ports: string; RunningFor: string; Size: string;
  State: string; Status: string;
  /** `{{.Label "key"}}`: one label's value, '' when absent. */
  Label(name: string): string;
}

/**
 * docker's placeholders for one container. Keys are in alphabetical order and `Label` is not
 * enumerable, so `--format json` prints the same object docker does (it marshals a sorted map).
 */
export function psTemplateData(v: PsView, opts: PsDataOptions = {}): PsTemplateData {
  const noTrunc = Boolean(opts.noTrunc);
  const now = opts.now ?? Date.now();
  const mounts = (v.mounts ?? []).map((m) => {
    const name = m.name || m.source;
    return noTrunc ? name : ellipsis(name, 15);
  });
  const data = {
    Command: commandText(v.command, noTrunc),
    CreatedAt: goTimeString(v.created),
    ID: noTrunc ? v.id : truncateId(v.id),
    Image: imageText(v, noTrunc),
    Labels: Object.keys(v.labels).map((k) => `${k}=${v.labels[k]}`).sort().join(','),
    LocalVolumes: String((v.mounts ?? []).filter((m) => m.driver === 'local').length),
    Mounts: mounts.join(','),
    Names: v.name,
    Networks: (v.networks ?? []).join(','),
    Ports: v.ports,
    RunningFor: createdText(v, now),
    Size: sizeText(v),
    State: v.status,
    Status: statusText(v, now),
  } as PsTemplateData;
  Object.defineProperty(data, 'Label', { enumerable: false, value: (name: string) => v.labels[name] ?? '' });
  return data;
}

/**
 * The template `ps` runs, as docker's NewContainerFormat picks it: `-q` wins over everything
 * (`{{.ID}}`), `table` (the default) gets `\t{{.Size}}` appended with -s, `raw` is docker's
 * key: value listing, anything else is used as given.
 */
export function psFormat(format: string | undefined, quiet: boolean, size: boolean): string {
  const source = format ?? 'table';
  if (source === 'table' || source === '') {
    if (quiet) return '{{.ID}}';
    return DEFAULT_PS_FORMAT + (size ? '\t{{.Size}}' : '');
  }
  if (source === 'raw') {
    if (quiet) return 'container_id: {{.ID}}';
    return 'container_id: {{.ID}}\nimage: {{.Image}}\ncommand: {{.Command}}\ncreated_at: {{.CreatedAt}}\n'
      + 'state: {{- pad .State 1 0}}\nstatus: {{- pad .Status 1 0}}\nnames: {{.Names}}\nlabels: {{- pad .Labels 1 0}}\n'
      + 'ports: {{- pad .Ports 1 0}}\n' + (size ? 'size: {{.Size}}\n' : '');
  }
  return quiet ? '{{.ID}}' : source;
}

/** docker computes sizes (slow) only when asked: -s, or a --format that uses `.Size`. */
export function formatUsesSize(format: string | undefined): boolean {
  return Boolean(format && /\.Size\b/.test(format));
}

export interface RenderPsOptions extends FilterOptions {
  all?: boolean;
  quiet?: boolean;
  noTrunc?: boolean;
  size?: boolean;
  /** -n N: the N most recently created containers (implies -a). docker's "no limit" is -1. */
  last?: number;
  /** -l: the most recently created container (implies -a). */
  latest?: boolean;
  /** --format: `table …`, `json`, `raw` or a Go template. */
  format?: string;
  /** -f key=value, repeatable. */
  filters?: string[];
  now?: number;
}

/**
 * `ps` without a template of the user's: the default table (+ SIZE with -s) and `-q`, printed
 * directly — byte for byte what the template engine makes of DEFAULT_PS_FORMAT (the header is
 * PS_HEADERS' titles, each cell the placeholder's string, tabwrite aligns them) and of `{{.ID}}`.
 * null for any other format: ps-format.ts renderPs runs it through the template engine.
 */
export function renderPsTable(views: PsView[], opts: RenderPsOptions = {}): string | null {
  const size = Boolean(opts.size);
  const format = psFormat(opts.format, Boolean(opts.quiet), size);
  const table = format === DEFAULT_PS_FORMAT + (size ? '\t{{.Size}}' : '');
  if (!table && format !== '{{.ID}}') return null;
  const data = selectPs(views, opts).map((v) => psTemplateData(v, { noTrunc: opts.noTrunc, now: opts.now }));
  if (!table) return data.map((d) => d.ID + '\n').join('');
  const cells = (d: Record<string, unknown>, keys: string[]) => keys.map((k) => d[k]).join('\t');
  const keys = ['ID', 'Image', 'Command', 'RunningFor', 'Status', 'Ports', 'Names', ...(size ? ['Size'] : [])];
  const body = data.map((d) => cells(d as unknown as Record<string, unknown>, keys) + '\n').join('');
  return tabwrite(cells(PS_HEADERS, keys) + '\n' + body);
}

/** The containers `ps` lists for these options (-a, -n, -l, --filter), newest first. */
export function selectPs(views: PsView[], opts: RenderPsOptions): PsView[] {
  const limit = opts.latest && !(opts.last && opts.last > 0) ? 1 : opts.last ?? -1;
  return selectContainers(views, { all: opts.all, limit, filters: opts.filters, ancestorMatches: opts.ancestorMatches });
}
