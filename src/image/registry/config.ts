/**
 * mini-run's "daemon.json": registry settings that docker keeps in /etc/docker/daemon.json.
 *
 *   /etc/mini-run/config.json   (or the file named by $MINI_RUN_CONFIG)
 *   {
 *     "registry-mirrors": ["http://127.0.0.1:5000"],   // tried first for docker.io images
 *     "insecure-registries": ["myreg.lan:5000", "10.0.0.0/8"], // plain HTTP / unverified TLS
 *     "log-driver": "json-file",                           // default of --log-driver (json-file, none)
 *     "log-opts": { "max-size": "30m", "max-file": "10" }, // default --log-opt for that driver
 *     "proxies": { "https-proxy": "http://proxy:3128", "no-proxy": "*.lan" }, // see proxy.ts
 *     "userns-remap": "default"   // run's default --userns private: "default" = the mini-run user, or a user name
 *   }
 *
 * A missing file means "no mirrors, nothing insecure". A file that is there but wrong is an
 * error naming the file: silently ignoring a typo in a mirror list would send pulls elsewhere.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { UserError } from '../../errors';

import { DEFAULT_CONFIG_FILE, configFile } from './config-file';
export { DEFAULT_CONFIG_FILE, configFile };

const MirrorUrl = z.string().refine((s) => {
  try {
    const u = new URL(s);
    return (u.protocol === 'http:' || u.protocol === 'https:') && (u.pathname === '/' || u.pathname === '');
  } catch {
    return false;
  }
}, 'must be an http:// or https:// URL with no path, e.g. "https://mirror.example.com"');

export const DaemonConfig = z.object({
  'registry-mirrors': z.array(MirrorUrl).default([]),
  'insecure-registries': z.array(z.string().min(1)).default([]),
  'log-driver': z.enum(['json-file', 'none']).optional(),
  'log-opts': z.record(z.string()).default({}),
  // As dockerd's: every container gets a user namespace (engine/userns-remap.ts); --userns host opts out.
  'userns-remap': z.string().regex(/^[a-z_][a-z0-9_-]*\$?$/i, 'must be "default" or a user name').optional(),
  // As dockerd's daemon.json: wins over HTTP_PROXY/HTTPS_PROXY/NO_PROXY (see proxy.ts).
  proxies: z.object({
    'http-proxy': z.string().optional(),
    'https-proxy': z.string().optional(),
    'no-proxy': z.string().optional(),
  }).strict().optional(),
}).passthrough();
export type DaemonConfig = z.infer<typeof DaemonConfig>;

let cached: { file: string; config: DaemonConfig } | null = null;

export function loadDaemonConfig(): DaemonConfig {
  const file = configFile();
  if (cached?.file === file) return cached.config;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return DaemonConfig.parse({});
    throw new UserError(`cannot read the configuration file ${file}: ${(e as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new UserError(`the configuration file ${file} is not valid JSON: ${(e as Error).message}`);
  }
  const r = DaemonConfig.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new UserError(`the configuration file ${file} is invalid: "${issue.path.join('.')}": ${issue.message}`);
  }
  cached = { file, config: r.data };
  return r.data;
}

/** Does host[:port] match an insecure-registries entry (a host[:port] or an IPv4 CIDR)? */
export function isInsecureRegistry(host: string, config = loadDaemonConfig()): boolean {
  const hostOnly = host.replace(/:\d+$/, '');
  for (const entry of config['insecure-registries']) {
    const e = entry.replace(/^https?:\/\//, '').replace(/\/$/, '');
    if (e === host || e === hostOnly) return true;
    const cidr = /^(\d+\.\d+\.\d+\.\d+)\/(\d+)$/.exec(e);
    if (cidr && /^\d+\.\d+\.\d+\.\d+$/.test(hostOnly) && inCidr(hostOnly, cidr[1], Number(cidr[2]))) return true;
  }
  return false;
}

function ipv4(s: string): number {
  return s.split('.').reduce((n, p) => (n << 8) + (Number(p) & 255), 0) >>> 0;
}

function inCidr(ip: string, net: string, bits: number): boolean {
  if (bits <= 0) return true;
  const mask = bits >= 32 ? 0xffffffff : (~((1 << (32 - bits)) - 1)) >>> 0;
  return ((ipv4(ip) & mask) >>> 0) === ((ipv4(net) & mask) >>> 0);
}
