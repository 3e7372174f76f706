/**
 * `system df` as Docker's CLI prints it: the summary table, or with -v the four sections —
 * images (first tag, size, SHARED SIZE in layers other images have too, UNIQUE SIZE that
 * removing the image alone would free, CONTAINERS using it), containers (ps's COMMAND, CREATED
 * and STATUS words, LOCAL VOLUMES mounted, SIZE of the writable layer), local volumes (LINKS:
 * containers that mount one) and the build cache. Pure functions of engine/disk-usage's answer.
 */
import { formatTable, humanSize, renderListFormat, timeAgo } from './format';
import { goNamed } from '../go-values';
import { commandText, createdText, imageText, statusText, truncateId } from './ps-format';
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
