/**
 * `-p [ip:][hostPort:]containerPort[/tcp|udp]` (ranges on either side: `8000-8001:80-81`)
 * and docker's display forms: `0.0.0.0:8080->80/tcp` (ps) and `80/tcp -> 0.0.0.0:8080` (port).
 */
import { UserError } from '../errors';

export type Proto = 'tcp' | 'udp';

/** One published port. hostPort 0: any free port, chosen when the container starts. */
export interface PortBinding { proto: Proto; containerPort: number; hostIp: string; hostPort: number }

function portNumber(s: string, spec: string): number {
  const n = Number(s);
  if (!/^\d+$/.test(s) || n < 1 || n > 65535) throw new UserError(`invalid port "${s}" in "${spec}": a port is a number from 1 to 65535`, 125);
  return n;
}

function portRange(s: string, spec: string): number[] {
  const [a, b] = s.split('-');
  const lo = portNumber(a, spec);
  const hi = b === undefined ? lo : portNumber(b, spec);
  if (hi < lo) throw new UserError(`invalid port range "${s}" in "${spec}"`, 125);
  return Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);
}

export function parsePublish(spec: string): PortBinding[] {
  let rest = spec;
  let proto: Proto = 'tcp';
  const slash = rest.lastIndexOf('/');
  if (slash >= 0) {
    const p = rest.slice(slash + 1).toLowerCase();
    if (p !== 'tcp' && p !== 'udp') throw new UserError(`invalid protocol "${p}" in "${spec}": use tcp or udp`, 125);
    proto = p;
    rest = rest.slice(0, slash);
  }
  const parts = rest.split(':');
  if (parts.length > 3 || parts.some((p, i) => p === '' && i === parts.length - 1)) throw new UserError(`invalid publish spec "${spec}": expected [ip:][hostPort:]containerPort[/proto]`, 125);
  const containerPart = parts[parts.length - 1];
  const hostPart = parts.length >= 2 ? parts[parts.length - 2] : '';
  const hostIp = parts.length === 3 ? parts[0] || '0.0.0.0' : '0.0.0.0';
  if (hostIp !== '0.0.0.0' && !/^\d{1,3}(\.\d{1,3}){3}$/.test(hostIp)) throw new UserError(`invalid host address "${hostIp}" in "${spec}"`, 125);
  const cports = portRange(containerPart, spec);
  const hports = hostPart === '' ? cports.map(() => 0) : portRange(hostPart, spec);
  if (hports.length !== cports.length) {
    // docker: a host range with one container port means "any free port of the range"; keep it simple
    if (cports.length === 1 && hports.length > 1) return [{ proto, containerPort: cports[0], hostIp, hostPort: hports[0] }];
    throw new UserError(`invalid ranges in "${spec}": host and container ranges must be the same size`, 125);
  }
  return cports.map((c, i) => ({ proto, containerPort: c, hostIp, hostPort: hports[i] }));
}

/** The image's EXPOSE ports ("80/tcp", "53/udp") as bindings onto free host ports (-P). */
export function exposedBindings(exposed: Record<string, unknown> | undefined): PortBinding[] {
  return Object.keys(exposed ?? {}).flatMap((k) => {
    const [port, proto = 'tcp'] = k.split('/');
    return portRange(port, k).map((p) => ({ proto: (proto === 'udp' ? 'udp' : 'tcp') as Proto, containerPort: p, hostIp: '0.0.0.0', hostPort: 0 }));
  });
}

/** The image's EXPOSE ports plus `--expose 8080[-8081][/udp]` words, as {"80/tcp": {}}. */
export function exposedPortsOf(image: Record<string, unknown> | undefined, flags: readonly string[]): Record<string, Record<string, never>> {
  const out: Record<string, Record<string, never>> = {};
  for (const b of exposedBindings(image)) out[`${b.containerPort}/${b.proto}`] = {};
  for (const word of flags) {
    const [port, proto = 'tcp'] = word.split('/');
    if (proto !== 'tcp' && proto !== 'udp') throw new UserError(`invalid proto "${proto}" in "--expose ${word}": use tcp or udp`, 125);
    for (const p of portRange(port, word)) out[`${p}/${proto}`] = {};
  }
  return out;
}

/**
 * ps's PORTS column: `0.0.0.0:8080->80/tcp, 0.0.0.0:5353->53/udp`, then docker's `443/tcp`
 * for each port that is exposed (EXPOSE, --expose) but not published.
 */
export function formatPortsColumn(bindings: readonly PortBinding[], exposed: readonly string[] = []): string {
  const published = new Set(bindings.map((b) => `${b.containerPort}/${b.proto}`));
  const entries = [
    ...bindings.map((b) => ({ port: b.containerPort, text: `${b.hostIp}:${b.hostPort}->${b.containerPort}/${b.proto}` })),
    ...exposed.filter((k) => !published.has(k)).map((k) => ({ port: Number(k.split('/')[0]), text: k })),
  ];
  // Docker's order: by the container's port (a stable sort keeps -p's order within one port).
  return entries.sort((x, y) => x.port - y.port).map((e) => e.text).join(', ');
}

/** `mini-run port` lines: `80/tcp -> 0.0.0.0:8080`. */
export function formatPortLines(bindings: readonly PortBinding[]): string[] {
  return bindings.map((b) => `${b.containerPort}/${b.proto} -> ${b.hostIp}:${b.hostPort}`);
}

/** inspect's NetworkSettings.Ports: {"80/tcp": [{HostIp, HostPort}]}. */
export function portsMap(bindings: readonly PortBinding[]): Record<string, { HostIp: string; HostPort: string }[]> {
  const out: Record<string, { HostIp: string; HostPort: string }[]> = {};
  for (const b of bindings) (out[`${b.containerPort}/${b.proto}`] ??= []).push({ HostIp: b.hostIp, HostPort: String(b.hostPort) });
  return out;
}
