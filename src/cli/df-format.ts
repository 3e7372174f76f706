/**
 * `system df` as Docker's CLI prints it: the summary table, or with -v the four sections —
 * images (first tag, size, SHARED SIZE in layers other images have too, UNIQUE SIZE that
 * removing the image alone would free, CONTAINERS using it), containers (ps's COMMAND, CREATED
 * and STATUS words, LOCAL VOLUMES mounted, SIZE of the writable layer), local volumes (LINKS:
 * containers that mount one) and the build cache. Pure functions of engine/disk-usage's answer.
 */
import { expandFormatEscapes, formatTable, humanSize, renderListFormat, timeAgo } from './format';
import { goNamed } from '../go-values';
import { HTML_ESCAPED_JSON, Template, TemplateError } from './template';
import { commandText, createdText, goTimeString, imageText, psTemplateData, statusText, truncateId, type PsView } from './ps-format';
import type { ContainerUsage, ImageUsage, UsageRow, VolumeUsage } from '../engine/disk-usage';

const pct = (part: number, all: number) => (all > 0 ? ` (${Math.round((part * 100) / all)}%)` : '');

/** TYPE TOTAL ACTIVE SIZE RECLAIMABLE, reclaimable with its share of the size. */
export function dfSummary(rows: UsageRow[]): string {
  return formatTable([
    ['TYPE', 'TOTAL', 'ACTIVE', 'SIZE', 'RECLAIMABLE'],
    ...rows.map((r) => [r.type, String(r.total), String(r.active), humanSize(r.size), humanSize(r.reclaimable) + pct(r.reclaimable, r.size)]),
  ]);
}

/** Column titles of `system df --format 'table …'`, as docker's CLI names them. */
const DF_HEADERS = { Type: 'TYPE', TotalCount: 'TOTAL', Active: 'ACTIVE', Size: 'SIZE', Reclaimable: 'RECLAIMABLE' };
/** The Go type docker renders each row as (named in a missing field's error). */
const DF_ROW_TYPES: Record<string, string> = {
  Images: '*formatter.diskUsageImagesContext', Containers: '*formatter.diskUsageContainersContext',
  'Local Volumes': '*formatter.diskUsageVolumesContext', 'Build Cache': '*formatter.diskUsageBuilderContext',
};

/** `system df --format`: one row per type, docker's placeholders, all strings (keys sorted as its `{{json .}}`). */
export function dfFormat(rows: UsageRow[], format: string): string {
  const items = rows.map((r) => goNamed({
    Active: String(r.active), Reclaimable: humanSize(r.reclaimable) + pct(r.reclaimable, r.size),
    Size: humanSize(r.size), TotalCount: String(r.total), Type: r.type,
  }, DF_ROW_TYPES[r.type] ?? '*formatter.diskUsageContext'));
  return renderListFormat(format, items, DF_HEADERS);
}

/** REPOSITORY and TAG of an image's first tag (familiar name: `alpine`, not `docker.io/library/alpine`). */
function repositoryAndTag(repoTag: string | null): [string, string] {
  if (!repoTag) return ['<none>', '<none>'];
  const familiar = repoTag.replace(/^(docker\.io|index\.docker\.io)\/(library\/)?/, '');
  const colon = familiar.lastIndexOf(':');
  return colon > familiar.lastIndexOf('/') ? [familiar.slice(0, colon), familiar.slice(colon + 1)] : [familiar, '<none>'];
}

/** `system df -v`: Docker's four sections, in its order and words (its CLI prints no summary then). */
export function dfVerbose(u: { images: ImageUsage[]; containers: ContainerUsage[]; volumes: VolumeUsage[]; buildCacheSize: number }, now = Date.now()): string {
  // (Docker: SIZE with 3 significant digits, SHARED and UNIQUE SIZE with 4 — units.HumanSize)
  const images = formatTable([
    ['REPOSITORY', 'TAG', 'IMAGE ID', 'CREATED', 'SIZE', 'SHARED SIZE', 'UNIQUE SIZE', 'CONTAINERS'],
    ...u.images.map((i) => [...repositoryAndTag(i.repoTag), truncateId(i.id), timeAgo(i.created, now), humanSize(i.size), humanSize(i.sharedSize, 4), humanSize(i.size - i.sharedSize, 4), String(i.containers)]),
  ]);
  const containers = formatTable([
    ['CONTAINER ID', 'IMAGE', 'COMMAND', 'LOCAL VOLUMES', 'SIZE', 'CREATED', 'STATUS', 'NAMES'],
    ...u.containers.map((c) => [
      truncateId(c.id), imageText(c, false), commandText(c.command, false),
      String(c.localVolumes), humanSize(c.size), createdText(c, now), statusText(c, now), c.name,
    ]),
  ]);
  const volumes = formatTable([['VOLUME NAME', 'LINKS', 'SIZE'], ...u.volumes.map((v) => [v.name, String(v.links), humanSize(v.size)])]);
  const cache = formatTable([['CACHE ID', 'CACHE TYPE', 'SIZE', 'CREATED', 'LAST USED', 'USAGE', 'SHARED']]);
  return `Images space usage:\n\n${images}\nContainers space usage:\n\n${containers}\nLocal Volumes space usage:\n\n${volumes}\nBuild cache usage: ${humanSize(u.buildCacheSize)}\n\n${cache}`;
}

/** What `system df -v --format` needs beyond engine/disk-usage's answer: ps's rows and the volumes' records. */
export interface DfVerboseExtras {
  /** engine/ps's rows, by container id (ps's placeholders: labels, mounts, ports…). */
  containers: Map<string, PsView>;
  /** Each volume's driver, labels and data directory (volume ls's placeholders), by name. */
  volumes: Map<string, { Driver: string; Labels: Record<string, string>; Mountpoint: string }>;
}

/** Mark an object or list as json.Marshal'd by docker (`{{json .}}` escapes <, >, & as \u003c…). */
const marshalled = <T extends object>(o: T): T => Object.defineProperty(o, HTML_ESCAPED_JSON, { value: true });

/**
 * `system df -v --format`: docker's CLI runs the template *once*, on its whole disk-usage object
 * (`*formatter.diskUsageContext`): `.Images`, `.Containers`, `.Volumes` and `.BuildCache`, lists
 * of the `images`, `ps` and `volume ls` placeholders (with the sizes df counts). `table` before
 * a template is dropped (and ids and commands then truncated, as in docker's tables), `json` is
 * `{{json .}}`; no newline is added. A field the object
 * lacks (`{{.Type}}`) is docker's error line, after what the template wrote before it.
 */
export function dfVerboseFormat(u: { images: ImageUsage[]; containers: ContainerUsage[]; volumes: VolumeUsage[] }, extras: DfVerboseExtras, format: string, now = Date.now()): { out: string; error?: string } {
  // (with `table` docker truncates as its lists do: 12-hex ids, long commands cut; without, in full)
  const table = format.startsWith('table');
  let src = table ? format.slice('table'.length) : format === 'json' ? '{{json .}}' : format;
  src = expandFormatEscapes(src.trim());
  let tmpl: Template;
  try { tmpl = Template.parse(src); } catch (e) {
    if (e instanceof TemplateError) return { out: '', error: `template parsing error: ${e.message}` };
    throw e;
  }
  const images = u.images.map((i) => {
    const [repository, tag] = repositoryAndTag(i.repoTag);
    return goNamed(marshalled({
      Containers: String(i.containers), CreatedAt: goTimeString(i.created ?? ''), CreatedSince: timeAgo(i.created, now), Digest: '',
      ID: table ? truncateId(i.id) : i.id, Repository: repository, SharedSize: humanSize(i.sharedSize, 4), Size: humanSize(i.size), Tag: tag,
      UniqueSize: humanSize(i.size - i.sharedSize, 4), VirtualSize: humanSize(i.size, 4),
    }), '*formatter.imageContext');
  });
  const containers = u.containers.map((c) => {
    const row = extras.containers.get(c.id);
    const view: PsView = row ?? { id: c.id, name: c.name, image: c.image, imageId: c.imageId, command: c.command, created: c.created, status: c.status as PsView['status'], exitCode: c.exitCode, startedAt: c.startedAt, finishedAt: c.finishedAt, ports: '', labels: {} };
    // (SIZE: the writable layer alone)
    const data = psTemplateData(view, { noTrunc: !table, now });
    data.LocalVolumes = String(c.localVolumes);
    data.Size = humanSize(c.size);
    return goNamed(marshalled(data), '*formatter.ContainerContext');
  });
  const volumes = u.volumes.map((v) => {
    const rec = extras.volumes.get(v.name);
    const labels = rec?.Labels ?? {};
    const item = {
      Availability: 'N/A', Driver: rec?.Driver ?? 'local', Group: 'N/A', Labels: Object.entries(labels).map(([k, x]) => `${k}=${x}`).join(','),
      Links: String(v.links), Mountpoint: rec?.Mountpoint ?? '', Name: v.name, Scope: 'local', Size: humanSize(v.size), Status: 'N/A',
    };
    Object.defineProperty(item, 'Label', { enumerable: false, value: (k: string) => labels[k] ?? '' });
    return goNamed(marshalled(item), '*formatter.volumeContext');
  });
  const all = goNamed(marshalled({
    Images: marshalled(images), Containers: marshalled(containers), Volumes: marshalled(volumes), BuildCache: marshalled([] as unknown[]),
  }), '*formatter.diskUsageContext');
  try {
    return { out: tmpl.execute(all, { missingKey: 'error' }) };
  } catch (e) {
    if (e instanceof TemplateError) return { out: e.partial, error: e.message };
    throw e;
  }
}
