/**
 * mini-run's "daemon.json": registry settings that docker keeps in /etc/docker/daemon.json.
 *
 *   /etc/mini-run/config.json   (or the file named by $MINI_RUN_CONFIG)
 *   {
 *     "registry-mirrors": ["http://127.0.0.1:5000"],   // tried first for docker.io images
 *     "insecure-registries": ["myreg.lan:5000", "10.0.0.0/8"], // plain HTTP / unverified TLS
 *     "log-driver": "json-file",                           // default of --log-driver (json-file, local: see below, none)
 *     "log-opts": { "max-size": "30m", "max-file": "10" }, // default --log-opt for that driver
 *     "proxies": { "https-proxy": "http://proxy:3128", "no-proxy": "*.lan" }, // see proxy.ts
 *     "dns": ["1.1.1.1"], "dns-search": ["lan"],         // defaults of --dns / --dns-search
 *     "default-ulimits": { "nofile": { "Name": "nofile", "Soft": 1024, "Hard": 4096 } }, // of --ulimit
 *     "userns-remap": "default",  // run's default --userns private: "default" = the mini-run user, or a user name
 *     "bip": "10.66.0.1/16",      // the default bridge's own address and subnet (engine/daemon-defaults.ts)
 *     "default-address-pools": [{ "base": "10.201.0.0/16", "size": 24 }], // where new bridge subnets are taken from
 *     "live-restore": true        // what mini-run always does: containers outlive the CLI (false: a NOTE, see below)
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
import type { z as Zod } from 'zod';
import { UserError } from '../../errors';
import { localLogOptions } from './local-log';

import { DEFAULT_CONFIG_FILE, configFile } from './config-file';
export { DEFAULT_CONFIG_FILE, configFile };

/**
 * The file's schema (zod), built at the first file read: `run` loads this module on every start,
 * and most hosts have no file (then zod is not loaded at all; see emptyDaemonConfig).
 */
function buildSchema() {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { z } = require('zod') as typeof import('zod');
  const MirrorUrl = z.string().refine((s) => {
    try {
      const u = new URL(s);
      return (u.protocol === 'http:' || u.protocol === 'https:') && (u.pathname === '/' || u.pathname === '');
    } catch {
      return false;
    }
  }, 'must be an http:// or https:// URL with no path, e.g. "https://mirror.example.com"');

  return z.object({
    'registry-mirrors': z.array(MirrorUrl).default([]),
    'insecure-registries': z.array(z.string().min(1)).default([]),
    // "local" keeps json-file lines with the local driver's rotation (localLogDriver below).
    'log-driver': z.enum(['json-file', 'none', 'local']).optional(),
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
    // As dockerd's: the default bridge's address (its gateway) with the subnet's prefix, e.g. "10.66.0.1/16".
    bip: z.string().refine(isBridgeIp, 'must be the bridge\'s address with its prefix, e.g. "10.66.0.1/16" (not the network or broadcast address; 8 ≤ prefix ≤ 30)').optional(),
    // As dockerd's: subnets for bridges are cut from these (size = their prefix length).
    'default-address-pools': z.array(z.object({
      base: z.string().refine(isCidr, 'must be a subnet such as "10.201.0.0/16"'),
      size: z.number().int().min(8).max(30),
    }).strict().refine((p) => p.size >= Number(p.base.split('/')[1]), 'its size must be at least the prefix length of its base')).optional(),
    // As dockerd's: containers keep running while the daemon is away. mini-run has no daemon: always so.
    'live-restore': z.boolean().optional(),
    proxies: z.object({
      'http-proxy': z.string().optional(),
      'https-proxy': z.string().optional(),
      'no-proxy': z.string().optional(),
    }).strict().optional(),
  }).passthrough();
}
let schema: ReturnType<typeof buildSchema> | null = null;
export const daemonConfigSchema = (): ReturnType<typeof buildSchema> => (schema ??= buildSchema());
/** The file as read (its "local" log-opts checked by localLogDriver). */
export type DaemonConfig = Zod.infer<ReturnType<typeof buildSchema>>;

/** What a missing file means: the schema's answer for {} (test/unit/daemon-config.test.ts checks they agree). */
function emptyDaemonConfig(): DaemonConfig {
  return { 'registry-mirrors': [], 'insecure-registries': [], 'log-opts': {} };
}

function isCidr(s: string): boolean {
  const m = /^(\d+\.\d+\.\d+\.\d+)\/(\d+)$/.exec(s);
  return m !== null && isIP(m[1]) === 4 && Number(m[2]) >= 8 && Number(m[2]) <= 30;
}

/** An address of its subnet that a bridge can hold: not the network's own address nor its broadcast. */
function isBridgeIp(s: string): boolean {
  if (!isCidr(s)) return false;
  const [ip, p] = s.split('/');
  const host = ipv4(ip) & (2 ** (32 - Number(p)) - 1);
  return host !== 0 && host !== 2 ** (32 - Number(p)) - 1;
}

/**
 * `"log-driver": "local"`: Docker's local driver keeps logs in its own compressed binary format.
 * mini-run keeps json-file lines (which `logs` reads) rotated as the local driver rotates —
 * 20m × 5 unless log-opts say — so the disk a container's log takes stays bounded the same way.
 * The driver's name stays "local" (info, inspect and `run` see it as Docker's do); this checks
 * the options and says once how the lines are kept.
 */
function localLogDriver(config: DaemonConfig, file: string): string {
  const rotation = localLogOptions(config['log-opts'], (m) => new UserError(`the configuration file ${file} is invalid: "log-opts.${m.split("'")[1]}": ${m}`, 125));
  const kept = Object.entries(rotation).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}=${v}`).join(', ');
  const compress = config['log-opts'].compress;
  return `NOTE: ${file}: "log-driver": "local" keeps json-file lines on disk (mini-run logs reads them), rotated as the local driver's (${kept})${compress !== undefined ? ', uncompressed' : ''}`;
}

let cached: { file: string; config: DaemonConfig } | null = null;

export function loadDaemonConfig(): DaemonConfig {
  const file = configFile();
  if (cached?.file === file) return cached.config;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return emptyDaemonConfig();
    throw new UserError(`cannot read the configuration file ${file}: ${(e as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new UserError(`the configuration file ${file} is not valid JSON: ${(e as Error).message}`);
  }
  const DaemonConfig = daemonConfigSchema();
  const r = DaemonConfig.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new UserError(`the configuration file ${file} is invalid: "${issue.path.join('.')}": ${issue.message}`);
  }
  const said: string[] = [];
  const unknown = Object.keys(raw as object).filter((k) => !(k in DaemonConfig.shape));
  if (unknown.length) {
    const names = unknown.map((k) => `"${k}"`).join(', ');
    said.push(`WARNING: ${file}: unknown key${unknown.length > 1 ? 's' : ''} ${names} ignored (mini-run reads ${Object.keys(DaemonConfig.shape).join(', ')})`);
  }
  if (r.data['log-driver'] === 'local') said.push(localLogDriver(r.data, file));
  if (r.data['live-restore'] === false) {
    said.push(`NOTE: ${file}: "live-restore": false changes nothing: mini-run has no daemon whose stop would stop the containers; each runs under its own supervisor until it is stopped (dockerd's live-restore true)`);
  }
  if (said.length) reportOnce(file, text, said);
  cached = { file, config: r.data };
  return cached.config;
}

/** Lines about the file (unknown keys, keys taken in another way), unless this very file content was reported already. */
function reportOnce(file: string, text: string, lines: string[]): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { createHash } = require('node:crypto') as typeof import('node:crypto');
  const stamp = join(stateRoot(), 'config-warned');
  const digest = createHash('sha256').update(`${file}\0${text}`).digest('hex');
  try {
    if (readFileSync(stamp, 'utf8').trim() === digest) return;
  } catch { /* never reported */ }
  process.stderr.write(lines.map((l) => l + '\n').join(''));
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
