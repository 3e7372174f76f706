/**
 * The three files docker writes for every container and bind-mounts over the image's:
 * /etc/hostname, /etc/hosts and /etc/resolv.conf. They live in the container's directory so
 * the runtime can change them later (networking adds the container's address and links).
 */
import { readFileSync } from 'node:fs';
import { hostname as hostHostname } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '../fsutil';

const LOCAL_HOSTS = [
  '127.0.0.1\tlocalhost',
  '::1\tlocalhost ip6-localhost ip6-loopback',
  'fe00::0\tip6-localnet',
  'ff00::0\tip6-mcastprefix',
  'ff02::1\tip6-allnodes',
  'ff02::2\tip6-allrouters',
];

/** The host's resolv.conf without loopback resolvers (unreachable from another network namespace). */
export function containerResolvConf(hostNetwork: boolean): string {
  let text = '';
  try {
    text = readFileSync('/etc/resolv.conf', 'utf8');
  } catch {
    /* none on the host */
  }
  if (hostNetwork) return text;
  const lines = text.split('\n').filter((l) => !/^\s*nameserver\s+(127\.|::1\b)/.test(l));
  if (!lines.some((l) => /^\s*nameserver\s/.test(l))) lines.push('nameserver 8.8.8.8', 'nameserver 8.8.4.4');
  return lines.filter((l, i, a) => l !== '' || i < a.length - 1).join('\n') + '\n';
}

/** Networking's additions: --dns, --dns-search, --add-host NAME:IP. */
export interface EtcExtras { dns?: string[]; dnsSearch?: string[]; extraHosts?: string[] }

/** /etc/hosts of a container on a bridge: localhost, --add-host, --link entries, its own address. */
export function hostsFile(o: { self?: { ip: string; names: string[] }; extra?: string[]; links?: { ip: string; names: string[] }[] }): string {
  const lines = [...LOCAL_HOSTS];
  for (const h of o.extra ?? []) {
    const i = h.indexOf(':');
    lines.push(`${h.slice(i + 1)}\t${h.slice(0, i)}`);
  }
  for (const l of o.links ?? []) lines.push(`${l.ip}\t${l.names.join(' ')}`);
  if (o.self) lines.push(`${o.self.ip}\t${o.self.names.join(' ')}`);
  return lines.join('\n') + '\n';
}

/** --dns replaces the nameservers, --dns-search the search domains (docker's rules). */
export function applyDnsOptions(resolv: string, dns: string[] = [], search: string[] = []): string {
  let lines = resolv.split('\n').filter((l) => l !== '');
  if (dns.length) lines = [...lines.filter((l) => !/^\s*nameserver\s/.test(l)), ...dns.map((d) => `nameserver ${d}`)];
  if (search.length) lines = [...lines.filter((l) => !/^\s*(search|domain)\s/.test(l)), `search ${search.join(' ')}`];
  return lines.join('\n') + '\n';
}

export function writeEtcFiles(dir: string, hostname: string, hostNetwork: boolean, hostUts: boolean, extras: EtcExtras = {}): void {
  writeFileAtomic(join(dir, 'hostname'), (hostUts ? hostHostname() : hostname) + '\n');
  let hosts: string;
  if (hostNetwork) {
    try {
      hosts = readFileSync('/etc/hosts', 'utf8');
    } catch {
      hosts = LOCAL_HOSTS.join('\n') + '\n';
    }
  } else {
    hosts = hostsFile({ extra: extras.extraHosts });
  }
  writeFileAtomic(join(dir, 'hosts'), hosts);
  writeFileAtomic(join(dir, 'resolv.conf'), applyDnsOptions(containerResolvConf(hostNetwork), extras.dns, extras.dnsSearch));
}
