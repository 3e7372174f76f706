/**
 * `network ls --format`: docker's placeholders for one network (its networkContext) and the
 * column titles of a `table` format. Everything is a string, as docker prints them.
 */
import { isoTime } from '../utc-time';

/** Column titles for `network ls --format 'table …'`. */
export const NETWORK_HEADERS: Record<string, unknown> = {
  ID: 'NETWORK ID', Name: 'NAME', Driver: 'DRIVER', Scope: 'SCOPE', IPv4: 'IPV4', IPv6: 'IPV6', Internal: 'INTERNAL',
  Labels: 'LABELS', CreatedAt: 'CREATED AT',
};
// `{{.Label "com.example.team"}}` is titled by the key's last dot-separated part, as in ps.
Object.defineProperty(NETWORK_HEADERS, 'Label', {
  enumerable: false,
  value: (name: unknown) => String(name).split('.').at(-1)!.replace(/[-_]/g, ' '),
});

export interface NetworkRow { id: string; name: string; driver: string; internal: boolean; labels: Record<string, string>; created: string }

/** What `{{.X}}` can use; keys in alphabetical order and `Label` not enumerable, so `json` prints docker's object. */
export interface NetworkTemplateData {
  CreatedAt: string; Driver: string; ID: string; IPv4: string; IPv6: string; Internal: string; Labels: string; Name: string; Scope: string;
  /** `{{.Label "key"}}`: one label's value, '' when absent. */
  Label(name: string): string;
}

/**
 * A time as Go's time.Time String() prints it (docker keeps a network's creation time to the
 * nanosecond): `2026-12-05 03:12:45.123 +0000 UTC`, fraction without trailing zeros; no time
 * (the predefined networks here) is Go's zero time.
 */
export function goTimeWithFraction(iso: string): string {
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) return '0001-01-01 00:00:00 +0000 UTC';
  const s = isoTime(t); // 2026-12-05T03:12:45.123Z
  const fraction = s.slice(20, 23).replace(/0+$/, '');
  return `${s.slice(0, 10)} ${s.slice(11, 19)}${fraction ? `.${fraction}` : ''} +0000 UTC`;
}

export function networkTemplateData(n: NetworkRow, noTrunc = false): NetworkTemplateData {
  const data = {
    CreatedAt: goTimeWithFraction(n.created),
    Driver: n.driver,
    ID: noTrunc ? n.id : n.id.slice(0, 12),
    IPv4: 'true', // (docker CLI ≥ 28) mini-run's networks are IPv4 only
    IPv6: 'false',
    Internal: String(n.internal),
    Labels: Object.keys(n.labels).sort().map((k) => `${k}=${n.labels[k]}`).join(','),
    Name: n.name,
    Scope: 'local',
  } as NetworkTemplateData;
  Object.defineProperty(data, 'Label', { enumerable: false, value: (name: string) => n.labels[name] ?? '' });
  return data;
}
