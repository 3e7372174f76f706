/**
 * The schema (zod) of mini-run's "daemon.json" (config.ts reads the file and says what the
 * keys mean), with its address checks. Loaded only when there is a file to read: `run` loads
 * config.ts on every start, and most hosts have no file (lazy.ts).
 */
import { isIP } from 'node:net';
import { z } from 'zod';
import { daemonConfigDefaults } from './config-file';
import { ipv4 } from './ipv4';

const MirrorUrl = z.string().refine((s) => {
  try {
    const u = new URL(s);
    return (u.protocol === 'http:' || u.protocol === 'https:') && (u.pathname === '/' || u.pathname === '');
  } catch {
    return false;
  }
}, 'must be an http:// or https:// URL with no path, e.g. "https://mirror.example.com"');

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

/** The defaults come from daemonConfigDefaults (config-file.ts), which a missing file gives without zod. */
const byDefault = <K extends keyof ReturnType<typeof daemonConfigDefaults>>(key: K) => () => daemonConfigDefaults()[key];

export const DaemonConfig = z.object({
  'registry-mirrors': z.array(MirrorUrl).default(byDefault('registry-mirrors')),
  'insecure-registries': z.array(z.string().min(1)).default(byDefault('insecure-registries')),
  // "local" keeps json-file lines with the local driver's rotation (config.ts's localLogDriver).
  'log-driver': z.enum(['json-file', 'none', 'local']).optional(),
  'log-opts': z.record(z.string()).default(byDefault('log-opts')),
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
  // As dockerd's: the default bridge's address (its gateway) with the subnet's prefix, e.g. "10.66.0.1/16".
  bip: z.string().refine(isBridgeIp, 'must be the bridge\'s address with its prefix, e.g. "10.66.0.1/16" (not the network or broadcast address; 8 ≤ prefix ≤ 30)').optional(),
  // As dockerd's: subnets for bridges are cut from these (size = their prefix length).
  'default-address-pools': z.array(z.object({
    base: z.string().refine(isCidr, 'must be a subnet such as "10.201.0.0/16"'),
    size: z.number().int().min(8).max(30),
  }).strict().refine((p) => p.size >= Number(p.base.split('/')[1]), 'its size must be at least the prefix length of its base')).optional(),
  // As dockerd's: containers keep running while the daemon is away. mini-run has no daemon: always so.
  'live-restore': z.boolean().optional(),
  // As dockerd's daemon.json: wins over HTTP_PROXY/HTTPS_PROXY/NO_PROXY (see proxy.ts).
  proxies: z.object({
    'http-proxy': z.string().optional(),
    'https-proxy': z.string().optional(),
    'no-proxy': z.string().optional(),
  }).strict().optional(),
}).passthrough();

/** The file as read (its "local" log-opts checked by config.ts's localLogDriver). */
export type DaemonConfig = z.infer<typeof DaemonConfig>;
