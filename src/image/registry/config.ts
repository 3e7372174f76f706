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
 *     "dns": ["1.1.1.1"], "dns-search": ["lan"],         // defaults of --dns / --dns-search
 *     "default-ulimits": { "nofile": { "Name": "nofile", "Soft": 1024, "Hard": 4096 } }, // of --ulimit
 *     "userns-remap": "default"   // run's default --userns private: "default" = the mini-run user, or a user name
 *   }
 *
 * A missing file means "no mirrors, nothing insecure". A file that is there but wrong is an
 * error naming the file: silently ignoring a typo in a mirror list would send pulls elsewhere.
 * Keys mini-run does not read (a typo, or a dockerd setting it has no use for) are named in one
 * WARNING line, once per version of the file (a stamp under the state root remembers it).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stateRoot } from '../../paths';
import { isIP } from 'node:net';
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
  // As dockerd's daemon.json: the defaults of --dns / --dns-search and of --ulimit (engine/daemon-defaults.ts).
  dns: z.array(z.string().refine((a) => isIP(a) !== 0, 'must be IP addresses, e.g. ["1.1.1.1"]')).optional(),
  'dns-search': z.array(z.string().min(1)).optional(),
  'default-ulimits': z.record(z.object({
    Name: z.string().optional(),
    Soft: z.number().int().min(-1),
    Hard: z.number().int().min(-1),
  }).strict()).optional(),
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
  const unknown = Object.keys(raw as object).filter((k) => !(k in DaemonConfig.shape));
  if (unknown.length) reportUnknownKeysOnce(file, text, unknown);
  cached = { file, config: r.data };
  return r.data;
}

/** One WARNING line naming the keys mini-run ignores, unless this very file content was reported already. */
function reportUnknownKeysOnce(file: string, text: string, keys: string[]): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { createHash } = require('node:crypto') as typeof import('node:crypto');
  const stamp = join(stateRoot(), 'config-warned');
  const digest = createHash('sha256').update(`${file}\0${text}`).digest('hex');
  try {
    if (readFileSync(stamp, 'utf8').trim() === digest) return;
  } catch { /* never reported */ }
  const names = keys.map((k) => `"${k}"`).join(', ');
  process.stderr.write(`WARNING: ${file}: unknown key${keys.length > 1 ? 's' : ''} ${names} ignored (mini-run reads ${Object.keys(DaemonConfig.shape).join(', ')})\n`);
  try {
    writeFileSync(stamp, digest + '\n');
  } catch { /* a state root we cannot write (not root): the warning comes again next time */ }
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
